"""The PDF certificate: a real PDF whose text (holder name, reference, verify URL) can be read back, with
one image, the QR code of the verify URL."""

from __future__ import annotations

import io
from unittest import mock

import pytest
import segno
from pypdf import PdfReader

import quizbank.certificates.pdf as certificate_pdf
from quizbank.certificates import render_certificate_pdf

from .samples import REFERENCE, VERIFY_URL, make_facts

HAS_DEJAVU = certificate_pdf.find_font_files() is not None


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_certificate_pdf(make_facts(), VERIFY_URL, REFERENCE)


def test_it_is_one_a4_landscape_page(pdf):
    assert pdf.startswith(b"%PDF-")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 in points, landscape


def test_the_text_can_be_read_back(pdf):
    text = _text(pdf)
    for expected in ("Certificate of competence", REFERENCE, VERIFY_URL, "15 January 2025", "15 January 2028",
                     "Valid", "Quizbank Academy".upper()):
        assert expected in text
    assert "Zoë" in text  # Latin-1: core fonts manage it too
    if HAS_DEJAVU:
        assert "Zoë Łukasik" in text
        assert "Dry needling — lower limb (Level 2)" in text


@pytest.mark.skipif(not HAS_DEJAVU, reason="no DejaVu font found; the core-font fallback is tested below")
@pytest.mark.parametrize("name", ["Nguyễn Thị Minh Khai", "Zoë Łukasik", "Ørjan Ødegård-Ševčík", "Ιωάννα Παπαδοπούλου"])
def test_non_latin_1_names_come_out_intact_with_the_embedded_font(name):
    assert name in _text(render_certificate_pdf(make_facts(holder_name=name), VERIFY_URL, REFERENCE))


def test_without_dejavu_core_fonts_transliterate_instead_of_failing():
    with mock.patch.object(certificate_pdf, "find_font_files", return_value=None):
        pdf = render_certificate_pdf(make_facts(holder_name="Nguyễn Łukasik 王"), VERIFY_URL, REFERENCE)
    text = _text(pdf)
    assert "Nguyen Lukasik ?" in text
    assert REFERENCE in text and VERIFY_URL in text
    assert "Dry needling - lower limb (Level 2)" in text


def test_characters_missing_from_the_font_are_replaced_not_dropped():
    covers = {c for c in "Abc?"}.__contains__
    assert certificate_pdf.fit_text("Ab王c", covers) == "Ab?c"
    assert certificate_pdf.fit_text("e\u0301", "eé".__contains__) == "é"  # NFC first
    assert certificate_pdf.fit_text("é", "e".__contains__) == "e"
    assert certificate_pdf.fit_text("line\nbreak", set("linebrak").__contains__) == "line\nbreak"


def test_a_revoked_status_is_printed():
    text = _text(render_certificate_pdf(make_facts(status="revoked"), VERIFY_URL, REFERENCE))
    assert "Revoked" in text


def test_long_values_stay_on_the_page_and_the_url_stays_on_one_line():
    url = "https://certificates.quizbank.example/verify/" + "x" * 90
    facts = make_facts(holder_name="Maximiliane Konstanze Wilhelmina von Hohenzollern-Sigmaringen-Eberstein",
                       track_name="Dry needling " * 12, track_description="Long description. " * 80)
    text = _text(render_certificate_pdf(facts, url, REFERENCE))
    assert url in text
    assert "Maximiliane Konstanze Wilhelmina von Hohenzollern-Sigmaringen-Eberstein" in text


def test_the_only_image_is_the_qr_code_of_the_verify_url(pdf):
    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 1
    picture = images[0].image.convert("L")
    qr = segno.make(VERIFY_URL, error="m", micro=False)  # built the same way the certificate builds it
    assert certificate_pdf.qr_code(VERIFY_URL).matrix == qr.matrix
    modules = qr.symbol_size(scale=1, border=certificate_pdf.QR_BORDER)[0]
    assert picture.size == (modules * certificate_pdf.QR_SCALE,) * 2
    # Read the embedded picture back module by module: it is exactly that QR code.
    scale, border = certificate_pdf.QR_SCALE, certificate_pdf.QR_BORDER
    seen = tuple(
        bytearray(picture.getpixel(((border + c) * scale + scale // 2, (border + r) * scale + scale // 2)) < 128
                  for c in range(len(qr.matrix)))
        for r in range(len(qr.matrix))
    )
    assert seen == tuple(bytearray(bool(v) for v in row) for row in qr.matrix)
