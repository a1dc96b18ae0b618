"""Aiken: the simplest Moodle format, single-answer questions only.

    Which needle gauge ...?          (one or more lines of stem)
    A. 0.16 mm                       (options "A." or "A)", A to Z)
    B) 0.30 mm
    ANSWER: A

Aiken holds a stem, option texts and one key; nothing else. dump() refuses every other question type, a
question without exactly one key or with more than 26 options, and text that would read back as another
line kind; it drops, by design, titles, feedback, explanations and our metadata. Lines are stripped and
blank lines inside a stem are dropped. Option ids read back as "a", "b", … from the option letters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from quizbank.domain.types import Option, Problem, QuestionDraft, QuestionType

from . import BankFormat, ParseResult, decode_text, register
from .common import question_label

_OPTION = re.compile(r"([A-Z])[.)][ \t]+(.*)")
_ANSWER = re.compile(r"ANSWER:\s*(.*)")


class _Question:
    def __init__(self, line: int) -> None:
        self.line = line
        self.stem: list[str] = []
        self.options: list[tuple[str, str]] = []
        self.broken = False


def parse(data: bytes) -> ParseResult:
    """Questions of an Aiken file; every problem carries its line. Never raises."""
    text, problems = decode_text(data)
    if text is None:
        return ParseResult((), tuple(problems))
    drafts: list[QuestionDraft] = []
    current: _Question | None = None

    def refuse(message: str, line: int) -> None:
        problems.append(Problem(message, line))
        if current is not None:
            current.broken = True

    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        answer, option = _ANSWER.match(line), _OPTION.fullmatch(line)
        if current is not None and current.broken and not answer:
            continue  # skip the rest of a broken question, up to its ANSWER line
        if answer and current is not None and current.broken:
            current = None  # already reported; the ANSWER line ends the broken question
        elif answer:
            if current is None or not current.options:
                refuse("'ANSWER:' without options before it", number)
            elif not current.broken:
                letter = answer.group(1).strip()
                letters = [letter_ for letter_, _ in current.options]
                if letter not in letters:
                    refuse(f"the answer {letter!r} is not an option letter ({', '.join(letters)})", number)
                else:
                    options = tuple(Option(k.lower(), t, k == letter) for k, t in current.options)
                    stem = "\n".join(current.stem)
                    drafts.append(QuestionDraft(QuestionType.SINGLE, stem, options=options))
            current = None
        elif option:
            if current is None or not current.stem:
                current = current or _Question(number)
                refuse("an option before any question text", number)
            elif current.options and current.options[-1][0] >= option.group(1):
                refuse(f"option {option.group(1)} is out of order or repeated", number)
            else:
                current.options.append((option.group(1), option.group(2).strip()))
        elif current is not None and current.options:
            refuse("unexpected text after the options; expected another option or 'ANSWER: X'", number)
        else:
            current = current or _Question(number)
            current.stem.append(line)
    if current is not None and not current.broken:
        problems.append(Problem("the question has no 'ANSWER:' line", current.line))
    return ParseResult(tuple(drafts), tuple(problems))


def _lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line.strip() for line in lines if line.strip()]


def _check(draft: QuestionDraft, label: str) -> None:
    if draft.qtype is not QuestionType.SINGLE:
        raise ValueError(f"{label}: Aiken holds single-answer questions only, not {draft.qtype.value}")
    if len(draft.keys) != 1:
        raise ValueError(f"{label}: Aiken needs exactly one key, found {len(draft.keys)}")
    if not 2 <= len(draft.options) <= 26:
        raise ValueError(f"{label}: Aiken holds 2 to 26 options, found {len(draft.options)}")
    stem_lines = _lines(draft.stem)
    if not stem_lines:
        raise ValueError(f"{label}: the stem is empty")
    for line in stem_lines:
        if _OPTION.fullmatch(line) or _ANSWER.match(line):
            raise ValueError(f"{label}: the stem line {line!r} would read back as an option or answer line")
    for option in draft.options:
        if not option.text.strip() or "\n" in option.text or "\r" in option.text:
            raise ValueError(f"{label}: option {option.id!r} is empty or spans lines")


def dump(drafts: Sequence[QuestionDraft]) -> bytes:
    """An Aiken file of `drafts`; ValueError naming the first question Aiken cannot hold."""
    out: list[str] = []
    for position, draft in enumerate(drafts, 1):
        _check(draft, question_label(draft, position))
        out += _lines(draft.stem)
        letters = [chr(ord("A") + i) for i in range(len(draft.options))]
        lettered = list(zip(letters, draft.options, strict=True))
        out += [f"{letter}. {option.text.strip()}" for letter, option in lettered]
        out += [f"ANSWER: {next(letter for letter, option in lettered if option.correct)}", ""]
    return "\n".join(out).encode("utf-8")


def sniff(data: bytes) -> bool:
    """True for text with option lines and an 'ANSWER: X' line."""
    text = data[:65536].decode("utf-8", errors="replace")
    return bool(re.search(r"^[ \t]*ANSWER:[ \t]*[A-Z][ \t]*\r?$", text, re.MULTILINE)
                and re.search(r"^[ \t]*[A-Z][.)][ \t]+\S", text, re.MULTILINE))


register(BankFormat("aiken", "Aiken (Moodle)", ".aiken.txt", "text/plain", sniff, parse, dump))
