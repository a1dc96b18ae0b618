"""Question bank file formats: pure parsers and writers, one module per format, one registry.

Every format offers `sniff(data) -> bool`, `parse(data) -> ParseResult` and `dump(drafts) -> bytes`.
A construct a format can hold but we cannot (essay, cloze, …) becomes a Problem naming it and its
position; it is never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from quizbank.domain.types import Problem, QuestionDraft

MAX_IMPORT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ParseResult:
    drafts: tuple[QuestionDraft, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class BankFormat:
    name: str  # registry key, e.g. "gift"
    label: str  # shown to people, e.g. "GIFT (Moodle)"
    extension: str  # file name suffix for downloads, e.g. ".gift.txt"
    media_type: str
    sniff: Callable[[bytes], bool]
    parse: Callable[[bytes], ParseResult]
    dump: Callable[[Sequence[QuestionDraft]], bytes]


REGISTRY: dict[str, BankFormat] = {}


def register(fmt: BankFormat) -> BankFormat:
    REGISTRY[fmt.name] = fmt
    return fmt


def decode_text(data: bytes, where: str = "") -> tuple[str | None, list[Problem]]:
    """Decodes UTF-8 (with or without BOM); anything else, or a file over the size limit, is reported."""
    if len(data) > MAX_IMPORT_BYTES:
        return None, [Problem(f"the file is larger than {MAX_IMPORT_BYTES} bytes", None, where)]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8", line, where)]


def detect(data: bytes) -> BankFormat | None:
    """The first registered format whose sniffer recognises the content (the order matters)."""
    _load_all()
    for name in DETECTION_ORDER:
        fmt = REGISTRY.get(name)
        if fmt and fmt.sniff(data):
            return fmt
    return None


# Most specific first: zip packages, then XML dialects, then the text formats.
DETECTION_ORDER = ("qti", "moodle_xml", "native", "gift", "aiken")


def available() -> list[tuple[str, str]]:
    """(name, label) of every registered format, for choosing one."""
    _load_all()
    return [(name, fmt.label) for name, fmt in sorted(REGISTRY.items())]


def get(name: str) -> BankFormat:
    _load_all()
    return REGISTRY[name]


def _load_all() -> None:
    # Importing a format module registers it; kept lazy so that `formats` imports cheaply.
    import importlib

    for name in DETECTION_ORDER:
        try:
            importlib.import_module(f"quizbank.formats.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"quizbank.formats.{name}":
                raise
