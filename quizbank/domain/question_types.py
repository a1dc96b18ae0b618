"""One registry of question types: how each is validated and scored.

Both the bank checker and the authoring forms call `validate`, so a rule lives in one place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from .types import Option, Problem, QuestionDraft, QuestionType, Response, Scoring

_BANNED_OPTIONS = re.compile(r"\b(all|none|both|neither) of the (above|these|options)\b", re.IGNORECASE)


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class TypeSpec:
    label: str
    validate: Callable[[QuestionDraft], list[Problem]]
    score: Callable[[QuestionDraft, Response], float]
    shuffle_options: bool  # whether options are shown in a per-attempt random order


def _distinct_options(draft: QuestionDraft) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for option in draft.options:
        if not option.text.strip():
            problems.append(Problem("an option is empty", field="options"))
        key = _norm(option.text)
        if key in seen:
            problems.append(Problem(f"option repeated: {option.text!r}", field="options"))
        seen.add(key)
        if _BANNED_OPTIONS.search(option.text):
            problems.append(Problem(f"avoid 'all/none of the above' options: {option.text!r}", field="options"))
    return problems


def _validate_single(draft: QuestionDraft) -> list[Problem]:
    problems = _distinct_options(draft)
    if len(draft.options) < 2:
        problems.append(Problem("a single-answer question needs at least two options", field="options"))
    if len(draft.keys) != 1:
        found = len(draft.keys)
        problems.append(Problem(f"a single-answer question needs exactly one key, found {found}", field="options"))
    return problems


def _validate_multiple(draft: QuestionDraft) -> list[Problem]:
    problems = _distinct_options(draft)
    if len(draft.options) < 3:
        problems.append(Problem("a multiple-response question needs at least three options", field="options"))
    if len(draft.keys) < 1:
        problems.append(Problem("a multiple-response question needs at least one key", field="options"))
    return problems


def _validate_true_false(draft: QuestionDraft) -> list[Problem]:
    ids = sorted(o.id for o in draft.options)
    if ids != ["false", "true"] or len(draft.keys) != 1:
        return [Problem("a true/false question needs the options 'true' and 'false' with exactly one key",
                        field="answer")]
    return []


def _validate_ordering(draft: QuestionDraft) -> list[Problem]:
    problems = _distinct_options(draft)
    if len(draft.options) < 2:
        problems.append(Problem("an ordering question needs at least two steps", field="options"))
    return problems


def _validate_matching(draft: QuestionDraft) -> list[Problem]:
    problems: list[Problem] = []
    if len(draft.pairs) < 2:
        problems.append(Problem("a matching question needs at least two pairs", field="pairs"))
    lefts = [_norm(p.left) for p in draft.pairs]
    rights = [_norm(p.right) for p in draft.pairs]
    if len(set(lefts)) != len(lefts):
        problems.append(Problem("matching prompts (left side) must be distinct", field="pairs"))
    if len(set(rights)) != len(rights):
        problems.append(Problem("matching answers (right side) must be distinct", field="pairs"))
    if any(not p.left.strip() or not p.right.strip() for p in draft.pairs):
        problems.append(Problem("a matching pair has an empty side", field="pairs"))
    return problems


def _validate_numeric(draft: QuestionDraft) -> list[Problem]:
    key = draft.numeric
    if key is None:
        return [Problem("a numeric question needs an answer", field="numeric")]
    if not math.isfinite(key.value) or not math.isfinite(key.tolerance) or key.tolerance < 0:
        return [Problem("a numeric answer and its tolerance must be finite, the tolerance not negative",
                        field="numeric")]
    return []


def _score_single(draft: QuestionDraft, response: Response) -> float:
    keys = {o.id for o in draft.keys}
    return 1.0 if len(response.selected) == 1 and response.selected[0] in keys else 0.0


def _score_multiple(draft: QuestionDraft, response: Response) -> float:
    keys = {o.id for o in draft.keys}
    valid = {o.id for o in draft.options}
    chosen = set(response.selected) & valid
    if draft.scoring is Scoring.ALL_OR_NOTHING:
        return 1.0 if chosen == keys else 0.0
    right = len(chosen & keys)
    wrong = len(chosen - keys)
    return max(0.0, (right - wrong) / len(keys)) if keys else 0.0


def _score_ordering(draft: QuestionDraft, response: Response) -> float:
    expected = [o.id for o in draft.options]
    given = list(response.selected)
    if draft.scoring is Scoring.PARTIAL:
        hits = sum(1 for a, b in zip(expected, given, strict=False) if a == b)
        return hits / len(expected) if expected else 0.0
    return 1.0 if given == expected else 0.0


def _score_matching(draft: QuestionDraft, response: Response) -> float:
    if not draft.pairs:
        return 0.0
    answers = dict(response.matches)
    hits = sum(1 for pair in draft.pairs if answers.get(pair.id) == pair.id)
    if draft.scoring is Scoring.ALL_OR_NOTHING:
        return 1.0 if hits == len(draft.pairs) else 0.0
    return hits / len(draft.pairs)


def parse_number(text: str) -> float | None:
    """Reads a typed number, accepting a decimal comma and a trailing unit; None when it is not one."""
    match = re.fullmatch(r"\s*([-+]?\d+(?:[.,]\d+)?)\s*[^\d\s]*\s*", text or "")
    if not match:
        return None
    return float(match.group(1).replace(",", "."))


def _score_numeric(draft: QuestionDraft, response: Response) -> float:
    value = parse_number(response.text)
    key = draft.numeric
    if value is None or key is None:
        return 0.0
    return 1.0 if abs(value - key.value) <= key.tolerance + 1e-9 else 0.0


REGISTRY: dict[QuestionType, TypeSpec] = {
    QuestionType.SINGLE: TypeSpec("Single best answer", _validate_single, _score_single, True),
    QuestionType.MULTIPLE: TypeSpec("Multiple response", _validate_multiple, _score_multiple, True),
    QuestionType.TRUE_FALSE: TypeSpec("True / false", _validate_true_false, _score_single, False),
    QuestionType.ORDERING: TypeSpec("Ordering", _validate_ordering, _score_ordering, True),
    QuestionType.MATCHING: TypeSpec("Matching", _validate_matching, _score_matching, True),
    QuestionType.NUMERIC: TypeSpec("Numeric", _validate_numeric, _score_numeric, False),
}


def validate(draft: QuestionDraft, *, for_review: bool = True) -> list[Problem]:
    """Problems that stop a question being used. `for_review` adds what publishing needs."""
    problems: list[Problem] = []
    if not draft.stem.strip():
        problems.append(Problem("the stem is empty", field="stem"))
    problems.extend(REGISTRY[draft.qtype].validate(draft))
    if for_review:
        if not draft.explanation.strip():
            problems.append(Problem("an explanation is required", field="explanation"))
        if not any(r.strip() for r in draft.references):
            problems.append(Problem("at least one reference is required", field="references"))
        if not draft.competency:
            problems.append(Problem("a competency is required", field="competency"))
    return problems


def score(draft: QuestionDraft, response: Response) -> float:
    """A score in [0, 1] for one response to one question version."""
    return REGISTRY[draft.qtype].score(draft, response)


def true_false(answer: bool, feedback_true: str = "", feedback_false: str = "") -> tuple[Option, Option]:
    """The two options of a true/false question, with the ids the scorer expects."""
    return (
        Option("true", "True", correct=answer, feedback=feedback_true),
        Option("false", "False", correct=not answer, feedback=feedback_false),
    )
