"""Moodle GIFT: plain-text question files.

Supported: multiple choice (`=` key, `~` distractors; without `=` and with `~%50%` weights a
multiple-response question), true/false (`{T}`, `{TRUE#wrong feedback#right feedback}`), matching
(`=left -> right`), numeric (`{#value:tolerance}`, `{#min..max}`), `::title::`, `$CATEGORY: path`,
`//` comments, feedback `#`, general feedback `####` (→ explanation), the escapes
`\\ \\~ \\= \\# \\{ \\} \\: \\n` and the markers `[html] [moodle] [plain] [markdown]`.
Essay, short answer, missing word and description questions are reported with their line and skipped.

Our metadata travels in a comment line before the question, which Moodle ignores:
`// @quizbank {"id": "SAF-0001", "competency": "SAF-01", "difficulty": "hard", …}`. GIFT has no ordering
questions, so dump() refuses them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from quizbank.domain.question_types import true_false
from quizbank.domain.types import MatchPair, NumericKey, Option, Problem, QuestionDraft, QuestionType, Scoring

from . import BankFormat, ParseResult, decode_text, register
from .common import (
    apply_platform_metadata,
    format_number,
    letter_id,
    parse_float,
    platform_metadata,
    question_label,
)
from .markup import html_to_text

_MARKER = re.compile(r"\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d*)?)%")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_ESCAPED = {"~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "\\": "\\", "n": "\n"}
_METADATA_TAG = "@quizbank"


class _Refused(Exception):
    """A question the parser skips; the message says why."""


# --- escape-aware scanning -------------------------------------------------------------------------


def _escaped_positions(text: str) -> set[int]:
    positions: set[int] = set()
    i = 0
    while i < len(text) - 1:
        if text[i] == "\\":
            positions.update((i, i + 1))
            i += 2
        else:
            i += 1
    return positions


def _find_all(text: str, target: str) -> list[int]:
    escaped = _escaped_positions(text)
    found, pos = [], text.find(target)
    while pos >= 0:
        if not escaped.intersection(range(pos, pos + len(target))):
            found.append(pos)
        pos = text.find(target, pos + 1)
    return found


def _find(text: str, target: str, start: int = 0) -> int:
    return next((pos for pos in _find_all(text, target) if pos >= start), -1)


def _split(text: str, separators: str) -> list[tuple[str, str]]:
    """Pieces of `text` cut at unescaped separator characters, each with the separator before it."""
    escaped = _escaped_positions(text)
    pieces, sep, start = [], "", 0
    for i, char in enumerate(text):
        if char in separators and i not in escaped:
            pieces.append((sep, text[start:i]))
            sep, start = char, i + 1
    pieces.append((sep, text[start:]))
    return pieces


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPED:
            out.append(_ESCAPED[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _read_text(raw: str, default_format: str = "moodle") -> tuple[str, str]:
    """The text of a GIFT field and its format, after an optional [format] marker."""
    raw = raw.strip()
    marker = _MARKER.match(raw)
    fmt = marker.group(1) if marker else default_format
    text = _unescape(raw[marker.end():] if marker else raw).strip()
    return (html_to_text(text) if fmt == "html" else text), fmt


# --- parsing ---------------------------------------------------------------------------------------


def _cut_feedback(piece: str) -> tuple[str, str]:
    mark = _find(piece, "#")
    return (piece[:mark], piece[mark + 1:]) if mark >= 0 else (piece, "")


def _choice(body: str, fmt: str, warn: list[str]) -> tuple[QuestionType, tuple[Option, ...], Scoring]:
    pieces = _split(body, "~=")
    lead = pieces.pop(0)[1]
    if lead.strip():  # Moodle reads text before the first ~ as a wrong answer
        pieces.insert(0, ("~", lead))
    single = any(sep == "=" for sep, _ in pieces)
    weights, options = [], []
    for index, (sep, piece) in enumerate(pieces):
        piece = piece.strip()
        weight = 100.0 if sep == "=" else 0.0
        if sep == "~" and (match := _WEIGHT.match(piece)):
            weight, piece = float(match.group(1)), piece[match.end():]
        text_raw, feedback_raw = _cut_feedback(piece)
        text, feedback = _read_text(text_raw, fmt)[0], _read_text(feedback_raw, fmt)[0]
        correct = abs(weight - 100) < 1e-6 if single else weight > 0
        weights.append(weight)
        options.append(Option(letter_id(index), text, correct, feedback))
    if single:
        if any(w and abs(w - 100) >= 1e-6 for w in weights):
            warn.append("partial-credit weights in a single-answer question are not kept; "
                        "those options count as wrong")
        return QuestionType.SINGLE, tuple(options), Scoring.ALL_OR_NOTHING
    keys = [w for w in weights if w > 0]
    partial = any(w < 100 - 1e-6 for w in keys)
    if partial:
        share = 100 / len(keys)
        wrong = [w for w in weights if w <= 0]
        if any(abs(w - share) > 0.01 for w in keys) or any(abs(w + share) > 0.01 for w in wrong):
            warn.append("weights differ from our partial scoring (each key +100/k %, each wrong option "
                        "-100/k %); the question will be scored that way")
    return QuestionType.MULTIPLE, tuple(options), Scoring.PARTIAL if partial else Scoring.ALL_OR_NOTHING


def _matching(body: str, fmt: str, warn: list[str]) -> tuple[MatchPair, ...]:
    pieces = _split(body, "=")
    if pieces.pop(0)[1].strip():
        raise _Refused("text before the first '=' of a matching block")
    pairs: list[MatchPair] = []
    for _, piece in pieces:
        arrow = piece.find("->")
        if arrow < 0:
            raise _Refused("a matching answer without '->'")
        left = _read_text(piece[:arrow], fmt)[0]
        right = _unescape(piece[arrow + 2:]).strip()
        if not left:
            warn.append(f"extra right-hand answer {right!r} (a distractor without a prompt) is not kept")
            continue
        pairs.append(MatchPair(letter_id(len(pairs)), left, right))
    return tuple(pairs)


def _true_false(body: str, fmt: str) -> tuple[Option, ...]:
    head, rest = _cut_feedback(body)
    wrong_raw, right_raw = _cut_feedback(rest)
    answer = _TRUE_FALSE[head.strip().upper()]
    wrong, right = _read_text(wrong_raw, fmt)[0], _read_text(right_raw, fmt)[0]
    return true_false(answer, right, wrong) if answer else true_false(answer, wrong, right)


def _numeric_answer(piece: str) -> tuple[float, float]:
    text = _unescape(piece).strip()
    if text.find("..") > 0:
        low, high = (parse_float(part) for part in text.split("..", 1))
        if low is None or high is None:
            raise _Refused(f"not a numeric range: {text!r}")
        return (low + high) / 2, (high - low) / 2
    value_text, _, tolerance_text = text.partition(":")
    value = parse_float(value_text)
    tolerance = parse_float(tolerance_text) if tolerance_text.strip() else 0.0
    if value is None or tolerance is None:
        raise _Refused(f"not a number: {text!r}")
    return value, tolerance


def _numeric(body: str, warn: list[str]) -> NumericKey:
    rest = body[1:]
    tilde = _find(rest, "~")
    if tilde >= 0:
        warn.append("feedback for wrong answers (~) is not kept")
        rest = rest[:tilde]
    answers = []
    for _, piece in _split(rest, "="):
        piece = piece.strip()
        if not piece:
            continue
        weight = 100.0
        if match := _WEIGHT.match(piece):
            weight, piece = float(match.group(1)), piece[match.end():]
        piece, feedback = _cut_feedback(piece)
        if feedback.strip():
            warn.append("answer feedback in a numeric question is not kept")
        answers.append((weight, *_numeric_answer(piece)))
    full = [a for a in answers if abs(a[0] - 100) < 1e-6]
    if not full:
        raise _Refused("a numeric question without a 100 % answer")
    if len(answers) > 1:
        warn.append("only the first 100 % answer is kept; other numeric answers are dropped")
    return NumericKey(full[0][1], full[0][2])


def _question(block: str, category: str) -> tuple[QuestionDraft, list[str]]:
    warn: list[str] = []
    text, title = block.strip(), ""
    if text.startswith("::") and (end := _find(text, "::", 2)) >= 0:
        title, text = _unescape(text[2:end]).strip(), text[end + 2:].strip()
    opening, closing = _find(text, "{"), _find(text, "}")
    if opening < 0 and closing < 0:
        raise _Refused("a description (text without an answer block) is not supported")
    if opening < 0 or closing < opening:
        raise _Refused("braces do not match; write a literal brace as \\{ or \\}")
    body, tail = text[opening + 1:closing], text[closing + 1:]
    if tail.strip():
        raise _Refused("a missing-word question (text after the answer block) is not supported")
    if _find(body, "{") >= 0:
        raise _Refused("a '{' inside the answer block; write it as \\{")
    stem, fmt = _read_text(text[:opening])
    explanation = ""
    if marks := _find_all(body, "####"):
        explanation, body = _read_text(body[marks[-1] + 4:], fmt)[0], body[:marks[-1]]
    body = body.strip()
    fields: dict[str, Any] = {"scoring": Scoring.ALL_OR_NOTHING}
    if not body:
        raise _Refused("an essay question ({}) is not supported")
    if body.startswith("#"):
        fields.update(qtype=QuestionType.NUMERIC, numeric=_numeric(body, warn))
    elif _find(body, "~") >= 0:
        qtype, options, scoring = _choice(body, fmt, warn)
        fields.update(qtype=qtype, options=options, scoring=scoring)
    elif _find(body, "=") >= 0 and "->" in body:
        fields.update(qtype=QuestionType.MATCHING, pairs=_matching(body, fmt, warn), scoring=Scoring.PARTIAL)
    elif _cut_feedback(body)[0].strip().upper() in _TRUE_FALSE:
        fields.update(qtype=QuestionType.TRUE_FALSE, options=_true_false(body, fmt))
    else:
        raise _Refused("a short-answer question ({=…} without ~) is not supported")
    draft = QuestionDraft(stem=stem, explanation=explanation, title=title, category=category, **fields)
    return draft, warn


def _metadata(comment: str, line: int, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        meta = json.loads(comment)
    except ValueError as exc:
        problems.append(Problem(f"quizbank metadata comment is not valid JSON: {exc}", line, "", "warning"))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem("quizbank metadata comment is not a JSON object", line, "", "warning"))
        return None
    return meta


def parse(data: bytes) -> ParseResult:
    """Questions of a GIFT file; what cannot be read becomes a Problem with its line. Never raises."""
    text, problems = decode_text(data)
    if text is None:
        return ParseResult((), tuple(problems))
    drafts: list[QuestionDraft] = []
    category, meta, block, start = "", None, [], 0

    def finish() -> None:
        nonlocal meta, block
        if not block:
            return
        try:
            draft, warnings = _question("\n".join(block), category)
            problems.extend(Problem(w, start, "", "warning") for w in warnings)
            if meta:
                draft, more = apply_platform_metadata(draft, meta, line=start)
                problems.extend(more)
            drafts.append(draft)
        except _Refused as exc:
            problems.append(Problem(str(exc), start))
        except RecursionError:
            problems.append(Problem("the question is too deeply nested to read", start))
        meta, block = None, []

    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        stripped = line.strip()
        if not stripped:
            finish()
        elif stripped.startswith("//"):
            comment = stripped[2:].strip()
            if comment.startswith(_METADATA_TAG):
                meta = _metadata(comment[len(_METADATA_TAG):], number, problems)
        elif not block and stripped.startswith("$CATEGORY:"):
            category = stripped[len("$CATEGORY:"):].strip()
        else:
            start = start if block else number
            block.append(line)
    finish()
    return ParseResult(tuple(drafts), tuple(problems))


# --- writing ---------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _field(text: str) -> str:
    """An escaped field; a [plain] marker guards text that would otherwise read as a marker or weight."""
    escaped = _escape(text)
    if text.startswith(("[", "%", "//", "$")):
        return "[plain]" + escaped
    return escaped


def _feedback(text: str) -> str:
    return f"#{_field(text)}" if text else ""


def _answer_lines(draft: QuestionDraft, label: str) -> list[str]:
    qtype = draft.qtype
    if qtype is QuestionType.SINGLE:
        if not draft.keys:
            raise ValueError(f"{label}: a single-answer question needs a key to be written in GIFT")
        return [("=" if o.correct else "~") + _field(o.text) + _feedback(o.feedback) for o in draft.options]
    if qtype is QuestionType.MULTIPLE:
        keys = len(draft.keys)
        share = format_number(round(100 / keys, 5)) if keys else "0"
        return [(f"~%{share}%" if o.correct else (f"~%-{share}%" if keys else "~")) + _field(o.text)
                + _feedback(o.feedback) for o in draft.options]
    if qtype is QuestionType.TRUE_FALSE:
        key = next((o for o in draft.options if o.correct), None)
        if key is None or {o.id for o in draft.options} != {"true", "false"}:
            raise ValueError(f"{label}: a true/false question needs the options 'true' and 'false' and a key")
        other = next(o for o in draft.options if o is not key)
        line = ("TRUE" if key.id == "true" else "FALSE")
        if other.feedback or key.feedback:
            line += f"#{_field(other.feedback)}"
        if key.feedback:
            line += f"#{_field(key.feedback)}"
        return [line]
    if qtype is QuestionType.MATCHING:
        for pair in draft.pairs:
            if "->" in pair.left or not pair.left.strip():
                raise ValueError(f"{label}: GIFT cannot write a matching prompt that is empty or holds '->'")
        return [f"={_field(p.left)} -> {_escape(p.right)}" for p in draft.pairs]
    if qtype is QuestionType.NUMERIC and draft.numeric is not None:
        return [f"#{format_number(draft.numeric.value)}:{format_number(draft.numeric.tolerance)}"]
    raise ValueError(f"{label}: GIFT cannot hold {qtype.value} questions")


def _write_question(draft: QuestionDraft, label: str) -> list[str]:
    lines = []
    meta = platform_metadata(draft, native={"title", "category"})
    if meta:
        lines.append(f"// {_METADATA_TAG} " + json.dumps(meta, ensure_ascii=False))
    head = (f"::{_escape(draft.title)}::" if draft.title else "") + _field(draft.stem) + "{"
    body = _answer_lines(draft, label)
    if draft.explanation:
        body.append("####" + _field(draft.explanation))
    return [*lines, head, *("\t" + line for line in body), "}"]


def dump(drafts: Sequence[QuestionDraft]) -> bytes:
    """A GIFT file of `drafts`; ValueError naming the question when one cannot be written."""
    out: list[str] = []
    category = ""
    for position, draft in enumerate(drafts, 1):
        label = question_label(draft, position)
        if draft.category != category:
            if "\n" in draft.category or "\r" in draft.category:
                raise ValueError(f"{label}: a category cannot span lines in GIFT")
            out += [f"$CATEGORY: {draft.category}", ""]
            category = draft.category
        out += [*_write_question(draft, label), ""]
    return "\n".join(out).encode("utf-8")


_GIFT_BLOCK = re.compile(r"\{\s*(?:[=~#]|(?:T|F|TRUE|FALSE)\s*[#}])[^{}]*\}", re.IGNORECASE)


def sniff(data: bytes) -> bool:
    """True for text with GIFT answer blocks, titles or category lines."""
    text = data[:65536].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text or text.startswith("<") or "\x00" in text:
        return False
    if re.search(r"^\s*(?:::|\$CATEGORY:)", text, re.MULTILINE):
        return True
    return bool(_GIFT_BLOCK.search(text))


register(BankFormat("gift", "GIFT (Moodle)", ".gift.txt", "text/plain", sniff, parse, dump))
