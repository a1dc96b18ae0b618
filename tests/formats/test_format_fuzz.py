"""Hostile input: parse() never raises, XML bombs and external entities are refused, zip attacks too."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizbank.domain.question_types import true_false
from quizbank.domain.types import MatchPair, NumericKey, Option, QuestionDraft, QuestionType
from quizbank.formats import MAX_IMPORT_BYTES, ParseResult, aiken, gift, moodle_xml, qti
from quizbank.formats.qti_package import MAX_ENTRIES

SAMPLES = Path(__file__).parent / "samples"
MODULES = (gift, aiken, moodle_xml, qti)
BANK = [
    QuestionDraft(QuestionType.SINGLE, "Which?", options=(Option("a", "x", True, "fb"), Option("b", "y"))),
    QuestionDraft(QuestionType.TRUE_FALSE, "True?", options=true_false(True), explanation="E"),
    QuestionDraft(
        QuestionType.MATCHING, "Match", pairs=(MatchPair("a", "l", "r"), MatchPair("b", "l2", "r2"))
    ),
    QuestionDraft(QuestionType.NUMERIC, "How deep?", numeric=NumericKey(20, 1, "mm")),
]
VALID_FILES = [
    (SAMPLES / "bank.gift").read_bytes(),
    (SAMPLES / "bank.aiken.txt").read_bytes(),
    (SAMPLES / "moodle_export.xml").read_bytes(),
    gift.dump(BANK),
    moodle_xml.dump(BANK),
    qti.dump(BANK),
]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_all(data: bytes) -> list[ParseResult]:
    results = []
    for module in MODULES:
        result = module.parse(data)
        assert isinstance(result, ParseResult)
        assert all(type(p.message) is str and p.severity in ("error", "warning") for p in result.problems)
        module.sniff(data)
        results.append(result)
    return results


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_never_raise(data: bytes) -> None:
    parse_all(data)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("{}~=#:\\%->\n\t ABCTF.)[]<>/&;!$")), max_size=300))
def test_random_format_like_text_never_raises(text: str) -> None:
    parse_all(text.encode())
    parse_all(f"<quiz><question type='multichoice'>{text}</question></quiz>".encode())


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID_FILES)))
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif data:
            del data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_valid_files_never_raise(data: bytes) -> None:
    parse_all(data)


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    package = zipfile.ZipFile(io.BytesIO(qti.dump(BANK[:2])))
    files = {name: package.read(name) for name in package.namelist()}
    files["items/item-1.xml"] = files["items/item-1.xml"].replace(
        b"<p>Which?</p>", b"<div>" * 20000 + b"Which?" + b"</div>" * 20000
    )
    result = qti.parse(zip_of(files))
    assert len(result.drafts) == 1 and result.problems[0].message == "the item is too deeply nested to read"
    deep_html = (
        b"<quiz><question type='truefalse'><questiontext format='html'><text>"
        + b"&lt;div&gt;" * 50000
        + b"Deep</text></questiontext><answer fraction='100'><text>true</text></answer>"
        b"<answer fraction='0'><text>false</text></answer></question></quiz>"
    )
    assert moodle_xml.parse(deep_html).drafts[0].stem == "Deep"  # the HTML reader does not recurse


# --- XML attacks ------------------------------------------------------------------------------------

XXE = (
    b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<quiz><question type='truefalse'><questiontext><text>&xxe;</text></questiontext></question></quiz>"
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
        for i in range(1, 10)
    )
    + b"]><quiz>&lol9;</quiz>"
)
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "http://example.invalid/quiz.dtd"><quiz/>'
PARAMETER = b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY % p SYSTEM "http://example.invalid/x">%p;]><quiz/>'


@pytest.mark.parametrize("payload", [XXE, LAUGHS, EXTERNAL_DTD, PARAMETER])
def test_xml_attacks_are_refused(payload: bytes) -> None:
    started = time.monotonic()
    for data in (payload, payload.replace(b"quiz", b"qti-assessment-item")):
        for module in (moodle_xml, qti):
            result = module.parse(data)
            assert result.drafts == () and result.problems
            assert "root:" not in repr(result) and "lollol" not in repr(result)
    assert time.monotonic() - started < 2


def zip_of(files: dict[str, bytes], symlinks: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = 0o120777 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def test_xml_attacks_inside_a_package_are_refused() -> None:
    manifest = LAUGHS.replace(b"quiz", b"manifest")
    result = qti.parse(zip_of({"imsmanifest.xml": manifest}))
    assert result.drafts == () and "refused" in result.problems[0].message
    good = zipfile.ZipFile(io.BytesIO(qti.dump(BANK[:1])))
    files = {name: good.read(name) for name in good.namelist()}
    files["items/item-1.xml"] = XXE.replace(b"quiz", b"qti-assessment-item")
    result = qti.parse(zip_of(files))
    assert result.drafts == () and "refused" in result.problems[0].message


# --- zip attacks ------------------------------------------------------------------------------------

MANIFEST = qti.dump(BANK[:1])


def refused(data: bytes, words: str) -> None:
    result = qti.parse(data)
    assert result.drafts == ()
    assert any("package refused" in p.message and words in p.message for p in result.problems), (
        result.problems
    )


def test_zip_slip_entries_are_refused() -> None:
    refused(zip_of({"imsmanifest.xml": b"<manifest/>", "../evil.xml": b"x"}), "unsafe path")
    refused(zip_of({"imsmanifest.xml": b"<manifest/>", "/etc/cron.d/evil": b"x"}), "unsafe path")
    refused(zip_of({"imsmanifest.xml": b"<manifest/>", "items\\..\\..\\evil.xml": b"x"}), "unsafe path")
    refused(zip_of({"imsmanifest.xml": b"<manifest/>", "C:/evil.xml": b"x"}), "unsafe path")


def test_manifest_hrefs_leaving_the_package_are_reported() -> None:
    manifest = (
        b'<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"><resources>'
        b'<resource identifier="r" type="imsqti_item_xmlv3p0" href="../../etc/passwd"/>'
        b"</resources></manifest>"
    )
    result = qti.parse(zip_of({"imsmanifest.xml": manifest}))
    assert result.drafts == () and any("unsafe resource href" in p.message for p in result.problems)


def test_symbolic_links_are_refused() -> None:
    refused(
        zip_of(
            {"imsmanifest.xml": b"<manifest/>", "items/link.xml": b"/etc/passwd"},
            symlinks=("items/link.xml",),
        ),
        "symbolic link",
    )


def test_too_many_entries_are_refused() -> None:
    files = {f"f{i}.txt": b"" for i in range(MAX_ENTRIES + 1)}
    refused(zip_of({"imsmanifest.xml": b"<manifest/>", **files}), "entries")


def test_zip_bombs_are_refused() -> None:
    refused(zip_of({"imsmanifest.xml": b"<manifest/>", "bomb.bin": bytes(51 * 1024 * 1024)}), "more than")
    refused(zip_of({"imsmanifest.xml": b" " * (MAX_IMPORT_BYTES + 10)}), "more than allowed")


def test_entries_larger_than_declared_are_refused() -> None:
    data = bytearray(zip_of({"imsmanifest.xml": b" " * 100_000}))
    # Shrink the declared uncompressed size in the local header and the central directory.
    struct.pack_into("<I", data, 22, 1000)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 1000)
    refused(bytes(data), "")


def test_duplicate_and_damaged_entries_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", b"<manifest/>")
        with pytest.warns(UserWarning):
            archive.writestr("imsmanifest.xml", b"<manifest/>")
    refused(buffer.getvalue(), "twice")
    damaged = bytearray(MANIFEST)
    damaged[60:80] = bytes(20)
    result = qti.parse(bytes(damaged))
    assert result.drafts == () and result.problems


def test_oversized_input_is_refused_by_every_format() -> None:
    big = b"A" * (MAX_IMPORT_BYTES + 1)
    for module in MODULES:
        assert "larger" in module.parse(big).problems[0].message
