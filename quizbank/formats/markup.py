"""Text, HTML and XML helpers shared by the formats.

Text read from HTML or from QTI bodies is normalised as a browser shows it: runs of spaces collapse, block
elements and <br> end lines, leading and trailing blank lines go. Plain text written by our dumps survives
this unchanged when every line is already stripped and single-spaced (see `normalize_text`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from quizbank.domain.types import Problem

_SPACE = re.compile(r"[ \t\n\r\f]+")
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MEDIA = re.compile(r"<\s*(img|video|audio|object|embed|iframe|math)\b", re.IGNORECASE)

BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "thead",
    "tbody", "tfoot", "tr", "td", "th", "dl", "dt", "dd", "section", "article", "aside", "header", "footer",
    "figure", "figcaption", "hr", "address", "caption", "qti-prompt", "qti-content-body",
})
_SKIP_HTML = frozenset({"script", "style", "head", "title", "template"})


def normalize_text(text: str) -> str:
    """The form HTML-based formats give text back in: each line single-spaced and stripped, no blank ends."""
    lines = [_SPACE.sub(" ", line).strip(" ") for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def xml_unsafe(text: str) -> bool:
    """True when `text` holds a character XML 1.0 cannot carry (most control characters)."""
    return bool(_XML_INVALID.search(text))


def has_media(html: str) -> bool:
    return bool(_MEDIA.search(html))


class LineBuilder:
    """Collects text and line structure while walking HTML-like content."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._buffer: list[str] = []

    def text(self, data: str) -> None:
        self._buffer.append(data)

    def flush(self, force: bool = False) -> None:
        line = _SPACE.sub(" ", "".join(self._buffer)).strip(" ")
        self._buffer = []
        if line or force:
            self.lines.append(line)

    def line_break(self) -> None:
        self.flush(force=True)

    def open_block(self) -> int:
        self.flush()
        return len(self.lines)

    def close_block(self, mark: int) -> None:
        # An empty block (e.g. <p></p>) still stands for an empty line.
        self.flush(force=len(self.lines) == mark)

    def result(self) -> str:
        self.flush()
        return normalize_text("\n".join(self.lines))


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = LineBuilder()
        self.marks: list[int] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_HTML:
            self.skipping += 1
        elif tag == "br":
            self.builder.line_break()
        elif tag in BLOCK_TAGS:
            self.marks.append(self.builder.open_block())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.builder.line_break()
        elif tag in BLOCK_TAGS:
            self.builder.close_block(self.builder.open_block())

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_HTML:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS and self.marks:
            self.builder.close_block(self.marks.pop())

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.builder.text(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (tags dropped, entities decoded, lines kept)."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return parser.builder.result()


def local_name(tag: object) -> str:
    """The tag without its namespace; "" for comments and processing instructions."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def element_text(element: ET.Element, skip: Callable[[ET.Element], bool] = lambda e: False) -> str:
    """Text of an XML element holding HTML-like content, leaving out the sub-elements `skip` selects."""
    builder = LineBuilder()

    def walk(node: ET.Element) -> None:
        name = local_name(node.tag)
        mark = builder.open_block() if name in BLOCK_TAGS else None
        if name == "br":
            builder.line_break()
        if node.text and name:
            builder.text(node.text)
        for child in node:
            if local_name(child.tag) and not skip(child):
                walk(child)
            if child.tail:
                builder.text(child.tail)
        if mark is not None:
            builder.close_block(mark)

    walk(element)
    return builder.result()


def parse_xml(
    text: str, where: str = "", *, comments: bool = False
) -> tuple[ET.Element | None, list[Problem]]:
    """Parses XML safely: DTDs, entity declarations and external references are refused, never expanded."""
    try:
        target = ET.TreeBuilder(insert_comments=comments)
        parser = DefusedXMLParser(target=target, forbid_dtd=True)
        parser.feed(text)
        return parser.close(), []
    except DefusedXmlException as exc:
        why = f"{type(exc).__name__}: DTDs, entities and external references are refused for safety"
        return None, [Problem(why, None, where)]
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        return None, [Problem(f"malformed XML: {exc}", line, where)]
    except (ValueError, RecursionError) as exc:
        return None, [Problem(f"unreadable XML: {exc}", None, where)]
