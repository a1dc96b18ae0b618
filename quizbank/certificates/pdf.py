"""A one-page A4 landscape PDF certificate with a QR code to its public verification page.

Fonts: fpdf2's core fonts only cover Latin-1, and holder names do not (Łukasik, Nguyễn). We embed DejaVu
(a subset, with a ToUnicode map, so the text stays extractable) from the first folder that has it:
``$QUIZBANK_CERT_FONT_DIR``, Debian's ``fonts-dejavu-core`` (``/usr/share/fonts/truetype/dejavu``), other
distributions' usual folders, or matplotlib's bundled copy if matplotlib is installed. With none of them the
PDF falls back to core fonts (Times/Helvetica) and characters they lack are transliterated (Ł→L, ễ→e, else
"?"). Characters the TTF lacks (e.g. CJK in DejaVu) get the same treatment, so rendering never fails.
"""

from __future__ import annotations

import importlib.util
import io
import os
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF

from .open_badges import CertificateFacts

QR_ERROR = "m"
QR_SCALE = 10
QR_BORDER = 4
FONT_FILES = {("sans", ""): "DejaVuSans.ttf", ("sans", "B"): "DejaVuSans-Bold.ttf",
              ("serif", ""): "DejaVuSerif.ttf", ("serif", "B"): "DejaVuSerif-Bold.ttf"}
_SYSTEM_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
                     "/usr/share/fonts/dejavu-sans-fonts", "/usr/share/fonts/TTF", "/usr/local/share/fonts",
                     "/usr/local/share/fonts/dejavu")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_ASCII_FALLBACK = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ø": "O", "ø": "o", "Ħ": "H", "ħ": "h", "ı": "i",
                   "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th", "ŋ": "ng",
                   "‐": "-", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}
# Colours (RGB): deep teal frame and headings, muted gold accents, near-black text.
_TEAL, _GOLD, _INK, _GREY, _RED = (22, 78, 99), (176, 141, 87), (33, 37, 41), (108, 117, 125), (176, 42, 55)


@dataclass(frozen=True)
class _Fonts:
    """Font families to use and, for embedded fonts, the code points each covers (None: a Latin-1 core font)."""

    sans: str
    serif: str
    files: dict[tuple[str, str], Path] | None

    def covers(self, family: str, style: str, char: str) -> bool:
        if self.files is None:
            try:
                char.encode("latin-1")
            except UnicodeEncodeError:
                return False
            return True
        return ord(char) in _cmap(str(self.files[(family, style)]))


@lru_cache(maxsize=8)
def _cmap(path: str) -> frozenset[int]:
    return frozenset(TTFont(path, lazy=True).getBestCmap())


def _font_dirs() -> list[Path]:
    dirs = [Path(d) for d in (os.environ.get("QUIZBANK_CERT_FONT_DIR"),) if d]
    dirs += [Path(d) for d in _SYSTEM_FONT_DIRS]
    spec = importlib.util.find_spec("matplotlib")  # finds the folder without importing matplotlib
    if spec and spec.origin:
        dirs.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    return dirs


def find_font_files() -> dict[tuple[str, str], Path] | None:
    """The DejaVu files to embed: Sans regular+bold (required) and Serif regular+bold (used when present,
    else Sans stands in), from the first folder holding the Sans pair. None when no folder has it."""
    for folder in _font_dirs():
        found = {k: folder / name for k, name in FONT_FILES.items() if (folder / name).is_file()}
        if ("sans", "") in found and ("sans", "B") in found:
            for style in ("", "B"):
                found.setdefault(("serif", style), found[("sans", style)])
            return found
    return None


def qr_code(verify_url: str) -> segno.QRCode:
    """The QR code printed on the certificate: verify_url, error correction M, never a Micro QR."""
    return segno.make(verify_url, error=QR_ERROR, micro=False)


def qr_png(verify_url: str) -> bytes:
    """PNG of qr_code(verify_url): QR_SCALE pixels per module, QR_BORDER modules of quiet zone."""
    buffer = io.BytesIO()
    qr_code(verify_url).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def fit_text(text: str, covers) -> str:
    """text (NFC) with every character covers(char) rejects replaced: by its base letters without
    accents if those are covered, else by a transliteration, else by '?'. Line breaks are kept."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char == "\n" or covers(char):
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if base and all(covers(c) for c in base):
            out.append(base)
        elif char in _ASCII_FALLBACK:
            out.append(_ASCII_FALLBACK[char])
        else:
            out.append("?")
    return "".join(out)


def _human_date(moment: datetime) -> str:
    day = moment.astimezone(UTC)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


class _Certificate:
    def __init__(self, fonts: _Fonts) -> None:
        self.fonts = fonts
        self.pdf = FPDF(orientation="L", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(0, 0, 0)
        if fonts.files:
            for (family, style), path in fonts.files.items():
                self.pdf.add_font(f"cert-{family}", style, str(path))
        self.pdf.add_page()
        self.font = (fonts.sans, "")

    def text(self, value: str) -> str:
        family = "sans" if self.font[0] == self.fonts.sans else "serif"
        return fit_text(value, lambda c: self.fonts.covers(family, self.font[1], c))

    def use(self, family: str, style: str, size: float, colour: tuple[int, int, int] = _INK) -> None:
        self.font = (self.fonts.sans if family == "sans" else self.fonts.serif, style)
        self.pdf.set_font(self.font[0], style, size)
        self.pdf.set_text_color(*colour)

    def line(self, y: float, value: str, family: str, style: str, size: float, colour=_INK, *, x: float = 20,
             w: float = 257, align: str = "C", min_size: float = 7) -> None:
        """One line of text centred on the band [y, y + size*0.45], its font shrunk (down to min_size) until
        it fits the width; text still too wide then is wrapped onto two lines (the second cut with "…")."""
        self.use(family, style, size, colour)
        band = size * 0.45
        value = self.text(value)
        while size > min_size and self.pdf.get_string_width(value) > w - 2:
            size -= 0.5
            self.pdf.set_font_size(size)
        if self.pdf.get_string_width(value) > w - 2:
            wrapped = self._wrap(value, w, 2)
            self.pdf.set_xy(x, y + band / 2 - size * 0.45)
            self.pdf.multi_cell(w, size * 0.45, "\n".join(wrapped), align=align)
            return
        self.pdf.set_xy(x, y)
        self.pdf.cell(w, band, value, align=align)

    def paragraph(self, y: float, value: str, size: float, *, x: float = 48.5, w: float = 200, lines: int = 2) -> None:
        """Grey centred text of at most lines lines, the last cut with "…" when it runs on."""
        self.use("sans", "", size, _GREY)
        self.pdf.set_xy(x, y)
        self.pdf.multi_cell(w, size * 0.5, "\n".join(self._wrap(self.text(value), w, lines)), align="C")

    def _wrap(self, value: str, w: float, lines: int) -> list[str]:
        wrapped = self.pdf.multi_cell(w, 5, value, align="C", dry_run=True, output="LINES")
        if len(wrapped) <= lines:
            return wrapped
        last = wrapped[lines - 1].split(" ")
        ellipsis = self.text("…")
        while len(last) > 1 and self.pdf.get_string_width(" ".join(last) + " " + ellipsis) > w - 4:
            last.pop()
        return [*wrapped[: lines - 1], " ".join(last).rstrip(" .,;:") + " " + ellipsis]


def _fonts() -> _Fonts:
    files = find_font_files()
    if files is None:
        return _Fonts(sans="helvetica", serif="times", files=None)
    return _Fonts(sans="cert-sans", serif="cert-serif", files=files)


def render_certificate_pdf(facts: CertificateFacts, verify_url: str, reference: str) -> bytes:
    """A4 landscape certificate for facts as PDF bytes: title, holder name, track, issue and expiry dates,
    status, the short human reference, verify_url printed as text (one line) and as a QR code (the only
    image). Text is real text, extractable by PDF readers. Deterministic apart from fpdf2's file id."""
    doc = _Certificate(_fonts())
    pdf = doc.pdf
    pdf.set_title(f"Certificate of competence: {facts.track_name}")
    pdf.set_author(facts.issuer_name)
    pdf.set_subject(f"{facts.holder_name}, reference {reference}")
    pdf.set_creator("quizbank")
    pdf.set_creation_date(facts.issued_at.astimezone(UTC))

    pdf.set_draw_color(*_TEAL)
    pdf.set_line_width(1.6)
    pdf.rect(9, 9, 279, 192)
    pdf.set_draw_color(*_GOLD)
    pdf.set_line_width(0.4)
    pdf.rect(13, 13, 271, 184)

    doc.line(24, facts.issuer_name.upper(), "sans", "B", 11, _GOLD)
    doc.line(36, "Certificate of competence", "serif", "B", 32, _TEAL)
    doc.line(60, "This certifies that", "sans", "", 12, _GREY)
    doc.line(72, facts.holder_name, "serif", "B", 34, _INK, min_size=14)
    pdf.set_draw_color(*_GOLD)
    pdf.set_line_width(0.5)
    pdf.line(78.5, 90, 218.5, 90)
    doc.line(96, "has demonstrated competence in", "sans", "", 12, _GREY)
    doc.line(106, facts.track_name, "serif", "B", 20, _TEAL, min_size=13)
    doc.paragraph(118, facts.track_description, 9.5)

    status = facts.status.strip().capitalize() or "Unknown"
    status_colour = _TEAL if facts.status.strip().lower() in ("valid", "active") else _RED
    rows = [("Issued", _human_date(facts.issued_at), _INK), ("Valid until", _human_date(facts.valid_until), _INK),
            ("Status", status, status_colour), ("Reference", reference, _INK)]
    for i, (label, value, colour) in enumerate(rows):
        y = 146 + i * 8
        doc.line(y, label, "sans", "", 9, _GREY, x=26, w=32, align="L")
        doc.line(y, value, "sans", "B", 11, colour, x=58, w=120, align="L")

    pdf.image(io.BytesIO(qr_png(verify_url)), x=229, y=138, w=42, h=42)
    doc.line(181, "Scan or visit to verify", "sans", "", 8, _GREY, x=222, w=56)
    doc.line(188.5, verify_url, "sans", "", 9, _TEAL, x=20, w=257, min_size=5)
    return bytes(pdf.output())
