"""Helpers shared by the bank formats: option ids, question labels, our platform metadata, numbers.

Platform metadata is what a question carries for us but a foreign format has no field for (competency,
difficulty, …). Each format stores the keys it cannot hold natively in its own ignorable place (a GIFT
comment, Moodle tags and a comment, QTI manifest metadata) under the names of `METADATA_TYPES`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from quizbank.domain.types import Difficulty, Problem, QuestionDraft, QuestionType, Scoring

# Every metadata key and the JSON type of its value ("str", "bool", "str_list", "int_list").
METADATA_TYPES: dict[str, str] = {
    "id": "str",
    "title": "str",
    "category": "str",
    "competency": "str",
    "difficulty": "str",
    "critical": "bool",
    "scenario": "bool",
    "references": "str_list",
    "scoring": "str",
    "option_ids": "str_list",
    "pair_ids": "str_list",
    "fixed": "int_list",
    "unit": "str",
}

# Types whose score depends on `scoring`: their metadata always states it.
SCORED_TYPES = frozenset({QuestionType.MULTIPLE, QuestionType.ORDERING, QuestionType.MATCHING})

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def letter_id(index: int) -> str:
    """0 → "a", 25 → "z", 26 → "aa": the ids parsers give options and pairs a file does not name."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("a") + rest) + name
    return name


def default_ids(count: int) -> list[str]:
    return [letter_id(i) for i in range(count)]


def question_label(draft: QuestionDraft, position: int) -> str:
    """How error messages name a question: its position and its id, title or the start of its stem."""
    name = draft.external_id or draft.title or " ".join(draft.stem.split())[:50]
    return f"question {position} ({name})" if name else f"question {position}"


def format_number(value: float) -> str:
    """Shortest text that reads back as exactly `value`; refuses NaN and infinities."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def parse_float(text: str) -> float | None:
    """A finite decimal number (with optional exponent), or None. No commas, no units, no 'nan'."""
    text = (text or "").strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def draft_strings(draft: QuestionDraft) -> list[str]:
    """Every text a draft holds, for checks that apply to all of them."""
    values = [draft.stem, draft.title, draft.explanation, draft.category, draft.competency,
              draft.external_id or "", *draft.references, draft.numeric.unit if draft.numeric else ""]
    values += [v for o in draft.options for v in (o.id, o.text, o.feedback)]
    return values + [v for p in draft.pairs for v in (p.id, p.left, p.right)]


def platform_metadata(draft: QuestionDraft, native: Iterable[str] = ()) -> dict[str, Any]:
    """The metadata of `draft` that differs from the defaults, leaving out the keys in `native`."""
    native = set(native)
    candidates: dict[str, Any] = {
        "id": draft.external_id,
        "title": draft.title or None,
        "category": draft.category or None,
        "competency": draft.competency or None,
        "difficulty": draft.difficulty.value if draft.difficulty is not Difficulty.MEDIUM else None,
        "critical": True if draft.critical else None,
        "scenario": True if draft.scenario else None,
        "references": list(draft.references) or None,
        "scoring": draft.scoring.value
        if draft.qtype in SCORED_TYPES or draft.scoring is not Scoring.ALL_OR_NOTHING
        else None,
        "unit": draft.numeric.unit if draft.numeric and draft.numeric.unit else None,
        "fixed": [i for i, option in enumerate(draft.options) if option.fixed] or None,
    }
    option_ids = [o.id for o in draft.options]
    if draft.qtype is not QuestionType.TRUE_FALSE and option_ids != default_ids(len(option_ids)):
        candidates["option_ids"] = option_ids
    pair_ids = [p.id for p in draft.pairs]
    if pair_ids != default_ids(len(pair_ids)):
        candidates["pair_ids"] = pair_ids
    return {key: value for key, value in candidates.items() if value is not None and key not in native}


def _typed(kind: str, value: Any) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "str_list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)


def _ids_fit(ids: list[str], count: int) -> bool:
    return len(ids) == count and len(set(ids)) == count and all(i.strip() for i in ids)


def apply_platform_metadata(
    draft: QuestionDraft, meta: Mapping[str, Any], *, where: str = "", line: int | None = None
) -> tuple[QuestionDraft, list[Problem]]:
    """`draft` with the metadata applied; a key that is unknown or does not fit is reported and skipped."""
    problems: list[Problem] = []
    changes: dict[str, Any] = {}
    options, pairs, numeric = list(draft.options), list(draft.pairs), draft.numeric

    def skip(key: str, why: str) -> None:
        problems.append(Problem(f"quizbank metadata {key!r} ignored: {why}", line, where, "warning"))

    for key, value in meta.items():
        kind = METADATA_TYPES.get(key)
        if kind is None:
            skip(key, "unknown key")
        elif not _typed(kind, value):
            skip(key, f"expected a {kind.replace('_', ' of ')}")
        elif key == "id":
            changes["external_id"] = value or None
        elif key in ("title", "category", "competency"):
            changes[key] = value
        elif key == "difficulty" and value in {d.value for d in Difficulty}:
            changes["difficulty"] = Difficulty(value)
        elif key == "scoring" and value in {s.value for s in Scoring}:
            changes["scoring"] = Scoring(value)
        elif key in ("difficulty", "scoring"):
            skip(key, f"unknown value {value!r}")
        elif key in ("critical", "scenario"):
            changes[key] = value
        elif key == "references":
            changes["references"] = tuple(value)
        elif key == "unit":
            if numeric is None:
                skip(key, "not a numeric question")
            else:
                numeric = dataclasses.replace(numeric, unit=value)
        elif key == "option_ids":
            if draft.qtype is QuestionType.TRUE_FALSE or not _ids_fit(value, len(options)):
                skip(key, "does not match the options")
            else:
                options = [dataclasses.replace(o, id=i) for o, i in zip(options, value, strict=True)]
        elif key == "pair_ids":
            if not _ids_fit(value, len(pairs)):
                skip(key, "does not match the pairs")
            else:
                pairs = [dataclasses.replace(p, id=i) for p, i in zip(pairs, value, strict=True)]
        elif key == "fixed":
            if any(not 0 <= i < len(options) for i in value):
                skip(key, "an index is out of range")
            else:
                options = [dataclasses.replace(o, fixed=o.fixed or i in value) for i, o in enumerate(options)]
    changes.update(options=tuple(options), pairs=tuple(pairs), numeric=numeric)
    return dataclasses.replace(draft, **changes), problems
