"""A readable line diff between two versions of a question."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .types import QuestionDraft, QuestionType


def as_lines(draft: QuestionDraft) -> list[str]:
    """Every field of a version as labelled lines, in a fixed order, so two versions compare line by line."""
    lines = [f"Type: {draft.qtype.value}", f"Competency: {draft.competency}", f"Difficulty: {draft.difficulty.value}",
             f"Critical: {'yes' if draft.critical else 'no'}", f"Scenario: {'yes' if draft.scenario else 'no'}"]
    lines += [f"Stem: {line}" for line in draft.stem.splitlines() or [""]]
    if draft.qtype is QuestionType.MATCHING:
        lines += [f"Pair: {p.left} → {p.right}" for p in draft.pairs]
    elif draft.qtype is QuestionType.NUMERIC and draft.numeric:
        lines.append(f"Answer: {draft.numeric.value:g} ± {draft.numeric.tolerance:g} {draft.numeric.unit}".rstrip())
    elif draft.qtype is QuestionType.ORDERING:
        lines += [f"Step {i}: {o.text}" for i, o in enumerate(draft.options, start=1)]
    else:
        for o in draft.options:
            mark = "[key]" if o.correct else "[   ]"
            lines.append(f"Option {mark} {o.text}" + (f" — feedback: {o.feedback}" if o.feedback else ""))
    if draft.qtype in (QuestionType.MULTIPLE, QuestionType.ORDERING, QuestionType.MATCHING):
        lines.append(f"Scoring: {draft.scoring.value}")
    lines += [f"Explanation: {line}" for line in draft.explanation.splitlines() or [""]]
    lines += [f"Reference: {r}" for r in draft.references]
    return lines


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "removed", "added"
    text: str


def diff(old: QuestionDraft, new: QuestionDraft) -> list[DiffLine]:
    result: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=(a := as_lines(old)), b=(b := as_lines(new)),
                                                       autojunk=False).get_opcodes():
        if tag == "equal":
            result += [DiffLine("same", line) for line in a[i1:i2]]
        else:
            result += [DiffLine("removed", line) for line in a[i1:i2]]
            result += [DiffLine("added", line) for line in b[j1:j2]]
    return result
