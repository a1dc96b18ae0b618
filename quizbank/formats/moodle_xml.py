"""Moodle XML (`<quiz>`): the question bank export of Moodle.

Supported: multichoice (single, and multiple with fractions → MULTIPLE, PARTIAL when a key is worth less
than 100 %), truefalse, matching, numerical (answer, tolerance, unit), ordering (qtype_ordering),
`<question type="category">`, name, questiontext, generalfeedback, answer feedback, idnumber and tags.
Every other type (essay, shortanswer, cloze, ddwtos, calculated, description, …) is reported with its
position (the nth <question>) and name. XML is parsed with defusedxml: no DTD, no entities.

Where our fields go: idnumber ← external_id; tags ← `competency:SAF-03`, `difficulty:hard`, `critical`,
`scenario`, `scoring:partial`; references ← a closing "References:" block of "- …" lines in the general
feedback; unit ← `<units>`; option and pair ids, fixed options and an empty title ← a comment
`<!-- quizbank {json} -->` inside the question. Text is written as plain_text and read back exactly.
Moodle grades multiple-response questions with weights, so our all-or-nothing scoring survives only
through the `scoring:` tag.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from quizbank.domain.question_types import true_false
from quizbank.domain.types import MatchPair, NumericKey, Option, Problem, QuestionDraft, QuestionType, Scoring

from . import BankFormat, ParseResult, decode_text, register
from .common import (
    apply_platform_metadata,
    draft_strings,
    format_number,
    letter_id,
    parse_float,
    platform_metadata,
    question_label,
)
from .markup import has_media, html_to_text, parse_xml, xml_unsafe

REFERENCES_HEADING = "References:"
_UNSUPPORTED = {
    "essay": "essay", "shortanswer": "short-answer", "multianswer": "cloze (embedded answers)",
    "cloze": "cloze (embedded answers)", "ddwtos": "drag-and-drop into text",
    "gapselect": "select missing words", "ddimageortext": "drag-and-drop onto image",
    "ddmarker": "drag-and-drop markers", "calculated": "calculated", "calculatedsimple": "simple calculated",
    "calculatedmulti": "calculated multichoice", "description": "description (no answer)",
    "randomsamatch": "random short-answer matching", "random": "random",
}
_TYPES = {QuestionType.SINGLE: "multichoice", QuestionType.MULTIPLE: "multichoice",
          QuestionType.TRUE_FALSE: "truefalse", QuestionType.MATCHING: "matching",
          QuestionType.NUMERIC: "numerical", QuestionType.ORDERING: "ordering"}
_GRADING = {"ALL_OR_NOTHING": Scoring.ALL_OR_NOTHING, "-1": Scoring.ALL_OR_NOTHING,
            "ABSOLUTE_POSITION": Scoring.PARTIAL, "0": Scoring.PARTIAL}


class _Refused(Exception):
    pass


# --- reading ---------------------------------------------------------------------------------------


def _text(node: ET.Element | None, path: str = "text") -> str:
    found = node.find(path) if node is not None else None
    return (found.text or "") if found is not None else ""


def _rich(node: ET.Element | None, warn: list[str]) -> str:
    """A Moodle text field as plain text, following its format attribute."""
    if node is None:
        return ""
    raw, fmt = _text(node), node.get("format", "")
    if node.find("file") is not None or has_media(raw):
        warn.append("images and media in the text are not imported")
    if fmt == "html" or (fmt in ("", "moodle_auto_format") and "<" in raw and ">" in raw):
        return html_to_text(raw)
    return raw.strip()


def split_references(text: str) -> tuple[str, tuple[str, ...]]:
    """Explanation and references from a general feedback ending in a "References:" block."""
    lines = text.split("\n")
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].strip() == REFERENCES_HEADING:
            rest = lines[index + 1:]
            if all(line.rstrip() == "-" or line.startswith("- ") for line in rest):
                return "\n".join(lines[:index]).strip(), tuple(line[2:].strip() for line in rest)
            break
    return text, ()


def _fraction(answer: ET.Element) -> float:
    value = parse_float(answer.get("fraction", "0"))
    if value is None:
        raise _Refused(f"answer fraction {answer.get('fraction')!r} is not a number")
    return value


def _answers(question: ET.Element, warn: list[str]) -> list[tuple[float, str, str]]:
    answers = question.findall("answer")
    return [(_fraction(a), _rich(a, warn), _rich(a.find("feedback"), warn)) for a in answers]


def _multichoice(question: ET.Element, warn: list[str]) -> dict[str, Any]:
    single = _text(question, "single").strip().lower() not in ("false", "0")
    answers = _answers(question, warn)
    if single:
        if any(f and abs(f - 100) > 1e-6 for f, _, _ in answers):
            warn.append("partial-credit fractions in a single-answer question are not kept")
        options = tuple(Option(letter_id(i), t, abs(f - 100) < 1e-6, fb)
                        for i, (f, t, fb) in enumerate(answers))
        return {"qtype": QuestionType.SINGLE, "options": options}
    keys = [f for f, _, _ in answers if f > 0]
    partial = any(f < 100 - 1e-6 for f in keys)
    if partial:
        share = 100 / len(keys)
        wrong = [f for f, _, _ in answers if f <= 0]
        if any(abs(f - share) > 0.01 for f in keys) or any(abs(f + share) > 0.01 for f in wrong):
            warn.append("fractions differ from our partial scoring (each key +100/k %, each wrong option "
                        "-100/k %); the question will be scored that way")
    options = tuple(Option(letter_id(i), t, f > 0, fb) for i, (f, t, fb) in enumerate(answers))
    return {"qtype": QuestionType.MULTIPLE, "options": options,
            "scoring": Scoring.PARTIAL if partial else Scoring.ALL_OR_NOTHING}


def _truefalse(question: ET.Element, warn: list[str]) -> dict[str, Any]:
    found = {t.strip().lower(): (f, fb) for f, t, fb in _answers(question, warn)}
    if set(found) != {"true", "false"}:
        raise _Refused("a true/false question needs the answers 'true' and 'false'")
    answer = found["true"][0] > found["false"][0]
    options = true_false(answer, found["true"][1], found["false"][1])
    return {"qtype": QuestionType.TRUE_FALSE, "options": options}


def _matching(question: ET.Element, warn: list[str]) -> dict[str, Any]:
    pairs: list[MatchPair] = []
    for sub in question.findall("subquestion"):
        left, right = _rich(sub, warn), _text(sub, "answer/text").strip()
        if left:
            pairs.append(MatchPair(letter_id(len(pairs)), left, right))
        elif right:
            warn.append(f"extra answer {right!r} (a distractor without a prompt) is not kept")
    return {"qtype": QuestionType.MATCHING, "pairs": tuple(pairs), "scoring": Scoring.PARTIAL}


def _numerical(question: ET.Element, warn: list[str]) -> dict[str, Any]:
    keys = []
    for answer in question.findall("answer"):
        fraction, text = _fraction(answer), _text(answer).strip()
        if text == "*" or fraction < 100 - 1e-6:
            warn.append(f"the answer {text!r} ({format_number(fraction)} %) is not kept")
            continue
        value, tolerance = parse_float(text), parse_float(_text(answer, "tolerance") or "0")
        if value is None or tolerance is None:
            raise _Refused(f"the numeric answer {text!r} or its tolerance is not a number")
        keys.append(NumericKey(value, tolerance))
    if not keys:
        raise _Refused("a numeric question without a 100 % answer")
    if len(keys) > 1:
        warn.append("only the first 100 % answer is kept")
    units = [(parse_float(_text(u, "multiplier") or "1"), _text(u, "unit_name").strip())
             for u in question.findall("units/unit")]
    base = next((name for multiplier, name in units if multiplier == 1), units[0][1] if units else "")
    if len(units) > 1:
        warn.append("only the base unit is kept; other units and their multipliers are dropped")
    return {"qtype": QuestionType.NUMERIC, "numeric": NumericKey(keys[0].value, keys[0].tolerance, base)}


def _ordering(question: ET.Element, warn: list[str]) -> dict[str, Any]:
    answers = [(_fraction(a), i, _rich(a, warn), _rich(a.find("feedback"), warn))
               for i, a in enumerate(question.findall("answer"))]
    answers.sort()
    grading = _text(question, "gradingtype").strip().upper()
    if grading not in _GRADING:
        warn.append(f"ordering grading type {grading or 'not given'!r} is scored as 'absolute position'")
    if _text(question, "selecttype").strip().upper() not in ("", "ALL", "0"):
        warn.append("showing only a subset of the items is not kept; all items will be shown")
    options = tuple(Option(letter_id(i), text, feedback=fb) for i, (_, _, text, fb) in enumerate(answers))
    scoring = _GRADING.get(grading, Scoring.PARTIAL)
    return {"qtype": QuestionType.ORDERING, "options": options, "scoring": scoring}


_READERS = {"multichoice": _multichoice, "truefalse": _truefalse, "matching": _matching, "match": _matching,
            "numerical": _numerical, "ordering": _ordering}


def _tag_metadata(question: ET.Element, warn: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for node in question.findall("tags/tag"):
        tag = (_text(node) or node.text or "").strip()
        key, _, value = tag.partition(":")
        key = key.strip().lower()
        if key in ("competency", "difficulty", "scoring") and value.strip():
            meta[key] = value.strip()
        elif key in ("critical", "scenario") and not value:
            meta[key] = True
    for node in question:
        if node.tag is ET.Comment and (node.text or "").strip().startswith("quizbank"):
            try:
                data = json.loads((node.text or "").strip()[len("quizbank"):])
            except ValueError:
                data = None
            if isinstance(data, dict):
                meta.update(data)
            else:
                warn.append("the quizbank comment is not a JSON object; ignored")
    return meta


def _read_question(question: ET.Element, category: str, where: str, problems: list[Problem]) -> QuestionDraft:
    kind = question.get("type", "")
    if kind not in _READERS:
        label = _UNSUPPORTED.get(kind, kind or "untyped")
        raise _Refused(f"{label} questions (type \"{kind}\") are not supported")
    warn: list[str] = []
    fields = _READERS[kind](question, warn)
    explanation, references = split_references(_rich(question.find("generalfeedback"), warn))
    draft = QuestionDraft(
        stem=_rich(question.find("questiontext"), warn), explanation=explanation, references=references,
        title=_text(question, "name/text").strip(), category=category,
        external_id=_text(question, "idnumber").strip() or None, **fields)
    draft, more = apply_platform_metadata(draft, _tag_metadata(question, warn), where=where)
    problems.extend(Problem(w, None, where, "warning") for w in warn)
    problems.extend(more)
    return draft


def parse(data: bytes) -> ParseResult:
    """Questions of a Moodle XML file; unsupported types and bad input become Problems. Never raises."""
    text, problems = decode_text(data)
    if text is None:
        return ParseResult((), tuple(problems))
    root, problems = parse_xml(text, comments=True)
    if root is None:
        return ParseResult((), tuple(problems))
    if root.tag != "quiz":
        return ParseResult((), (Problem(f"not Moodle XML: the root element is <{root.tag}>, not <quiz>"),))
    drafts, category = [], ""
    for position, question in enumerate(root.findall("question"), 1):
        name = _text(question, "name/text").strip()
        where = f"question {position}" + (f" ({name})" if name else "")
        if question.get("type") == "category":
            category = (_text(question, "category/text") or _text(question, "category")).strip()
            continue
        try:
            drafts.append(_read_question(question, category, where, problems))
        except _Refused as exc:
            problems.append(Problem(str(exc), None, where))
        except RecursionError:
            problems.append(Problem("the question is too deeply nested to read", None, where))
    return ParseResult(tuple(drafts), tuple(problems))


# --- writing ---------------------------------------------------------------------------------------


def _element(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def _field(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    node = _element(parent, tag, **attrs)
    _element(node, "text", text)
    return node


def _general_feedback(draft: QuestionDraft, label: str) -> str:
    if any("\n" in r or "\r" in r for r in draft.references):
        raise ValueError(f"{label}: a reference spans lines, which Moodle XML cannot keep apart")
    text = draft.explanation
    if draft.references or split_references(text)[1] or split_references(text)[0] != text:
        block = "\n".join([REFERENCES_HEADING, *(f"- {r}" for r in draft.references)])
        text = f"{text}\n\n{block}" if text else block
    return text


def _answer(parent: ET.Element, fraction: float, text: str, feedback: str = "") -> ET.Element:
    answer = _field(parent, "answer", text, fraction=format_number(round(fraction, 7)), format="plain_text")
    _field(answer, "feedback", feedback, format="plain_text")
    return answer


def _write_body(question: ET.Element, draft: QuestionDraft, label: str) -> None:
    qtype = draft.qtype
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        single = qtype is QuestionType.SINGLE
        share = 100 / max(1, len(draft.keys))
        _element(question, "single", "true" if single else "false")
        _element(question, "shuffleanswers", "true")
        _element(question, "answernumbering", "abc")
        for o in draft.options:
            weight = (100 if single else share) if o.correct else (0 if single or not draft.keys else -share)
            _answer(question, weight, o.text, o.feedback)
    elif qtype is QuestionType.TRUE_FALSE:
        if {o.id for o in draft.options} != {"true", "false"}:
            raise ValueError(f"{label}: a true/false question needs the options 'true' and 'false'")
        for o in sorted(draft.options, key=lambda o: o.id != "true"):
            _answer(question, 100 if o.correct else 0, o.id, o.feedback)
    elif qtype is QuestionType.MATCHING:
        _element(question, "shuffleanswers", "true")
        for pair in draft.pairs:
            if not pair.left.strip():
                raise ValueError(f"{label}: a matching prompt is empty")
            sub = _field(question, "subquestion", pair.left, format="plain_text")
            _field(sub, "answer", pair.right)
    elif qtype is QuestionType.NUMERIC and draft.numeric is not None:
        answer = _answer(question, 100, format_number(draft.numeric.value))
        _element(answer, "tolerance", format_number(draft.numeric.tolerance))
        if draft.numeric.unit:
            unit = _element(_element(question, "units"), "unit")
            _element(unit, "multiplier", "1")
            _element(unit, "unit_name", draft.numeric.unit)
            for tag, value in (("unitgradingtype", "0"), ("showunits", "3"), ("unitsleft", "0")):
                _element(question, tag, value)
    elif qtype is QuestionType.ORDERING:
        for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", "0"),
                           ("gradingtype", "ALL_OR_NOTHING" if draft.scoring is Scoring.ALL_OR_NOTHING
                            else "ABSOLUTE_POSITION")):
            _element(question, tag, value)
        for position, o in enumerate(draft.options, 1):
            _answer(question, position, o.text, o.feedback)
    else:
        raise ValueError(f"{label}: a numeric question needs an answer")


def _tags(draft: QuestionDraft) -> list[str]:
    meta = platform_metadata(draft)
    tags = [f"{key}:{meta[key]}" for key in ("competency", "difficulty", "scoring") if key in meta]
    return tags + [key for key in ("critical", "scenario") if meta.get(key)]


def _write_question(draft: QuestionDraft, label: str, position: int) -> ET.Element:
    name = draft.title or draft.external_id or " ".join(draft.stem.split())[:80] or f"Question {position}"
    if any("\n" in t or "\r" in t or "," in t for t in _tags(draft)):
        raise ValueError(f"{label}: a tag would hold a comma or a line break")
    question = ET.Element("question", type=_TYPES[draft.qtype])
    comment = platform_metadata(draft, native={"id", "category", "competency", "difficulty", "critical",
                                               "scenario", "references", "scoring", "unit", "title"})
    if name != draft.title:
        comment["title"] = draft.title
    if comment:
        # "--" may not appear in an XML comment; JSON lets us spell the second dash as an escape.
        encoded = json.dumps(comment, ensure_ascii=False).replace("--", "-\\u002d")
        question.append(ET.Comment(f" quizbank {encoded} "))
    _field(question, "name", name)
    _field(question, "questiontext", draft.stem, format="plain_text")
    _field(question, "generalfeedback", _general_feedback(draft, label), format="plain_text")
    _element(question, "defaultgrade", "1")
    _element(question, "hidden", "0")
    _element(question, "idnumber", draft.external_id or "")
    _write_body(question, draft, label)
    tags = _tags(draft)
    if tags:
        holder = _element(question, "tags")
        for tag in tags:
            _field(holder, "tag", tag)
    return question


def dump(drafts: Sequence[QuestionDraft]) -> bytes:
    """A Moodle XML file of `drafts`; ValueError naming the question when one cannot be written."""
    quiz, category = ET.Element("quiz"), ""
    for position, draft in enumerate(drafts, 1):
        label = question_label(draft, position)
        if any(xml_unsafe(value) for value in draft_strings(draft)):
            raise ValueError(f"{label}: holds a control character that XML cannot carry")
        if draft.category != category:
            holder = ET.SubElement(quiz, "question", type="category")
            _field(holder, "category", draft.category)
            category = draft.category
        quiz.append(_write_question(draft, label, position))
    ET.indent(quiz, "  ")
    text = ET.tostring(quiz, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode()


def sniff(data: bytes) -> bool:
    """True for XML whose root element is <quiz>."""
    text = data[:4096].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    while text.startswith(("<?", "<!--")):
        end = text.find("?>" if text.startswith("<?") else "-->")
        if end < 0:
            return False
        text = text[end + (2 if text.startswith("<?") else 3):].lstrip()
    return text.startswith("<quiz") and text[5:6] in (">", " ", "\t", "\r", "\n", "/")


register(BankFormat("moodle_xml", "Moodle XML", ".moodle.xml", "application/xml", sniff, parse, dump))
