"""The native bank format: YAML, one module per file, as described in quizbank/content/README.md.

Problems carry the line of the question (or field) they concern.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from quizbank.domain import question_types
from quizbank.domain.types import (
    Difficulty,
    MatchPair,
    ModuleSpec,
    NumericKey,
    Option,
    Problem,
    QuestionDraft,
    QuestionType,
    ReviewPolicy,
    Scoring,
)

from . import BankFormat, ParseResult, decode_text, register

LINE = "__line__"
ID_PATTERN = re.compile(r"^[A-Z]{2,6}-\d{4,}$")
COMPETENCY_PATTERN = re.compile(r"^[A-Z]{2,6}-\d{2}$")
QUESTION_FIELDS = {
    "id", "competency", "type", "difficulty", "critical", "scenario", "stem", "options", "answer", "steps",
    "pairs", "tolerance", "unit", "scoring", "explanation", "references", "title", LINE,
}
MODULE_FIELDS = {
    "code", "title", "description", "pass_mark", "form_length", "time_limit_minutes", "attempts_allowed",
    "wait_hours", "review_policy", "require_all_critical", "competency_min_percent", "blueprint", "position", LINE,
}


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records the line where each mapping starts."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping


@dataclass(frozen=True)
class BankFile:
    module: ModuleSpec | None
    drafts: tuple[QuestionDraft, ...]
    lines: dict[str, int] = field(default_factory=dict)  # question id → line
    problems: tuple[Problem, ...] = ()


class _Reader:
    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[Problem] = []

    def problem(self, message: str, line: int | None) -> None:
        self.problems.append(Problem(message, line, self.where))

    def text(self, raw: dict[str, Any], key: str, line: int, *, required: bool = True) -> str:
        value = raw.get(key)
        if value is None:
            if required:
                self.problem(f"'{key}' is missing", line)
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(f"'{key}' must be text", line)
            return ""
        return str(value).strip()

    def integer(self, raw: dict[str, Any], key: str, line: int, default: int, low: int, high: int) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(f"'{key}' must be a whole number from {low} to {high}", line)
            return default
        return value

    def flag(self, raw: dict[str, Any], key: str, line: int, default: bool = False) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"'{key}' must be true or false", line)
            return default
        return value

    def choice(self, raw: dict[str, Any], key: str, line: int, enum: type, default: Any) -> Any:
        value = raw.get(key, default.value if default is not None else None)
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            self.problem(f"'{key}' is {value!r}; use one of: {allowed}", line)
            return default

    def strings(self, raw: dict[str, Any], key: str, line: int) -> list[str]:
        value = raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(f"'{key}' must be a list of text items", line)
            return []
        return [v.strip() for v in value]


def _module(reader: _Reader, raw: Any, competencies: Any) -> ModuleSpec | None:
    if not isinstance(raw, dict):
        reader.problem("'module' must be a mapping of settings", None)
        return None
    line = raw[LINE]
    for key in set(raw) - MODULE_FIELDS:
        reader.problem(f"unknown module setting '{key}'", line)
    comps: list[tuple[str, str]] = []
    if not isinstance(competencies, dict):
        reader.problem("'competencies' must map each competency code to its title", None)
    else:
        for code, title in competencies.items():
            if code == LINE:
                continue
            if not isinstance(code, str) or not COMPETENCY_PATTERN.match(code) or not isinstance(title, str):
                reader.problem(f"competency {code!r} needs a code like SAF-03 and a title", competencies[LINE])
                continue
            comps.append((code, title.strip()))
    blueprint_raw = raw.get("blueprint") or {}
    blueprint: list[tuple[str, int]] = []
    if not isinstance(blueprint_raw, dict):
        reader.problem("'blueprint' must map competency codes to item counts", line)
    else:
        for code, count in blueprint_raw.items():
            if code == LINE:
                continue
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                reader.problem(f"blueprint count for {code} must be a whole number", line)
                continue
            blueprint.append((str(code), count))
    return ModuleSpec(
        code=reader.text(raw, "code", line),
        title=reader.text(raw, "title", line),
        description=reader.text(raw, "description", line, required=False),
        pass_mark_percent=reader.integer(raw, "pass_mark", line, 75, 1, 100),
        form_length=reader.integer(raw, "form_length", line, 10, 1, 500),
        time_limit_minutes=reader.integer(raw, "time_limit_minutes", line, 30, 1, 600),
        attempts_allowed=reader.integer(raw, "attempts_allowed", line, 3, 1, 100),
        wait_hours=reader.integer(raw, "wait_hours", line, 24, 0, 24 * 365),
        review_policy=reader.choice(raw, "review_policy", line, ReviewPolicy, ReviewPolicy.AFTER_ATTEMPT),
        require_all_critical=reader.flag(raw, "require_all_critical", line, True),
        competency_min_percent=reader.integer(raw, "competency_min_percent", line, 0, 0, 100),
        position=reader.integer(raw, "position", line, 0, 0, 1000),
        blueprint=tuple(blueprint),
        competencies=tuple(comps),
    )


def _options(reader: _Reader, raw: dict[str, Any], line: int) -> tuple[Option, ...]:
    items = raw.get("options")
    if not isinstance(items, list) or not items:
        reader.problem("'options' must be a non-empty list", line)
        return ()
    options = []
    for index, item in enumerate(items):
        letter = chr(ord("a") + index) if index < 26 else f"o{index}"
        if isinstance(item, str):
            options.append(Option(letter, item.strip()))
            continue
        if not isinstance(item, dict):
            reader.problem(f"option {index + 1} must be text or a mapping with 'text'", line)
            continue
        opt_line = item[LINE]
        for key in set(item) - {"text", "correct", "feedback", "fixed", LINE}:
            reader.problem(f"unknown option field '{key}'", opt_line)
        options.append(Option(letter, reader.text(item, "text", opt_line), reader.flag(item, "correct", opt_line),
                              reader.text(item, "feedback", opt_line, required=False),
                              reader.flag(item, "fixed", opt_line)))
    return tuple(options)


def _body(reader: _Reader, qtype: QuestionType, raw: dict[str, Any], line: int) -> dict[str, Any]:
    """The type-specific fields of a question entry, as QuestionDraft keyword arguments."""
    default_scoring = Scoring.PARTIAL if qtype is QuestionType.MATCHING else Scoring.ALL_OR_NOTHING
    out: dict[str, Any] = {"scoring": reader.choice(raw, "scoring", line, Scoring, default_scoring)}
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        out["options"] = _options(reader, raw, line)
    elif qtype is QuestionType.TRUE_FALSE:
        answer = raw.get("answer")
        if not isinstance(answer, bool):
            reader.problem("a truefalse question needs 'answer: true' or 'answer: false'", line)
            answer = True
        out["options"] = question_types.true_false(answer)
    elif qtype is QuestionType.ORDERING:
        steps = reader.strings(raw, "steps", line)
        if not steps:
            reader.problem("an ordering question needs 'steps' in the correct order", line)
        out["options"] = tuple(Option(f"s{i + 1}", s) for i, s in enumerate(steps))
    elif qtype is QuestionType.MATCHING:
        pairs = raw.get("pairs")
        if not isinstance(pairs, list) or not all(isinstance(p, dict) for p in pairs):
            reader.problem("a matching question needs 'pairs' of {left: …, right: …}", line)
            pairs = []
        out["pairs"] = tuple(MatchPair(f"p{i + 1}", reader.text(p, "left", p[LINE]), reader.text(p, "right", p[LINE]))
                             for i, p in enumerate(pairs))
    elif qtype is QuestionType.NUMERIC:
        answer, tolerance = raw.get("answer"), raw.get("tolerance", 0)
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            reader.problem("a numeric question needs a number as 'answer'", line)
            answer = 0
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
            reader.problem("'tolerance' must be a number of zero or more", line)
            tolerance = 0
        out["numeric"] = NumericKey(float(answer), float(tolerance), reader.text(raw, "unit", line, required=False))
    return out


def _question(reader: _Reader, raw: Any, index: int) -> tuple[QuestionDraft | None, int | None]:
    if not isinstance(raw, dict):
        reader.problem(f"question {index + 1} must be a mapping", None)
        return None, None
    line = raw[LINE]
    before = len(reader.problems)
    for key in set(raw) - QUESTION_FIELDS:
        reader.problem(f"unknown field '{key}'", line)
    qid = reader.text(raw, "id", line)
    if qid and not ID_PATTERN.match(qid):
        reader.problem(f"id {qid!r} must look like SAF-0042", line)
    qtype = reader.choice(raw, "type", line, QuestionType, None)
    if qtype is None:
        return None, line
    draft = QuestionDraft(
        qtype=qtype,
        stem=reader.text(raw, "stem", line),
        competency=reader.text(raw, "competency", line),
        explanation=reader.text(raw, "explanation", line, required=False),
        references=tuple(reader.strings(raw, "references", line)),
        difficulty=reader.choice(raw, "difficulty", line, Difficulty, Difficulty.MEDIUM),
        critical=reader.flag(raw, "critical", line),
        scenario=reader.flag(raw, "scenario", line),
        external_id=qid or None,
        title=reader.text(raw, "title", line, required=False),
        **_body(reader, qtype, raw, line),
    )
    for problem in question_types.validate(draft, for_review=True):
        reader.problem(f"{qid or 'question'}: {problem.message}", line)
    return (draft if len(reader.problems) == before else None), line


def parse_bank(data: bytes, where: str = "") -> BankFile:
    """Reads a bank file. Questions with problems are left out of `drafts` and reported."""
    text, problems = decode_text(data, where)
    if text is None:
        return BankFile(None, (), {}, tuple(problems))
    reader = _Reader(where)
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader  # nosec B506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reader.problem(f"not valid YAML: {getattr(exc, 'problem', exc)}", mark.line + 1 if mark else None)
        return BankFile(None, (), {}, tuple(reader.problems))
    if not isinstance(doc, dict) or not isinstance(doc.get("questions"), list):
        reader.problem("a bank file needs a 'questions' list", None)
        return BankFile(None, (), {}, tuple(reader.problems))
    module = _module(reader, doc["module"], doc.get("competencies")) if "module" in doc else None
    drafts: list[QuestionDraft] = []
    lines: dict[str, int] = {}
    for index, raw in enumerate(doc["questions"]):
        draft, line = _question(reader, raw, index)
        if draft is not None:
            drafts.append(draft)
            if draft.external_id and line:
                lines[draft.external_id] = line
    return BankFile(module, tuple(drafts), lines, tuple(reader.problems))


def _entry(draft: QuestionDraft) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if draft.external_id:
        entry["id"] = draft.external_id
    entry.update(competency=draft.competency, type=draft.qtype.value, difficulty=draft.difficulty.value,
                 critical=draft.critical, scenario=draft.scenario)
    if draft.title:
        entry["title"] = draft.title
    entry["stem"] = draft.stem
    qtype = draft.qtype
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        entry["options"] = [
            {k: v for k, v in (("text", o.text), ("correct", o.correct), ("feedback", o.feedback),
                               ("fixed", o.fixed)) if v or k == "text"}
            for o in draft.options
        ]
    elif qtype is QuestionType.TRUE_FALSE:
        entry["answer"] = any(o.id == "true" and o.correct for o in draft.options)
    elif qtype is QuestionType.ORDERING:
        entry["steps"] = [o.text for o in draft.options]
    elif qtype is QuestionType.MATCHING:
        entry["pairs"] = [{"left": p.left, "right": p.right} for p in draft.pairs]
    elif qtype is QuestionType.NUMERIC and draft.numeric:
        entry.update(answer=draft.numeric.value, tolerance=draft.numeric.tolerance, unit=draft.numeric.unit)
    default_scoring = Scoring.PARTIAL if qtype is QuestionType.MATCHING else Scoring.ALL_OR_NOTHING
    if draft.scoring is not default_scoring:
        entry["scoring"] = draft.scoring.value
    entry["explanation"] = draft.explanation
    entry["references"] = list(draft.references)
    return entry


def dump(drafts: Sequence[QuestionDraft]) -> bytes:
    """A native file holding `drafts` (a questions-only file: no module header)."""
    return yaml.safe_dump({"questions": [_entry(d) for d in drafts]}, sort_keys=False, allow_unicode=True,
                          width=100).encode()


def parse(data: bytes) -> ParseResult:
    bank = parse_bank(data)
    return ParseResult(bank.drafts, bank.problems)


def sniff(data: bytes) -> bool:
    head = data[:4096].decode("utf-8", "ignore")
    return bool(re.search(r"^questions:\s*$", head, re.MULTILINE) or re.search(r"^module:\s*$", head, re.MULTILINE))


FORMAT = register(BankFormat("native", "quizbank YAML", ".yaml", "application/yaml", sniff, parse, dump))
