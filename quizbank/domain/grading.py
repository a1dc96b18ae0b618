"""Scoring an attempt from the versions it pinned: items, total, competencies, and the pass rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import question_types
from .types import AttemptScore, CompetencyScore, ItemScore, ModuleRules, QuestionDraft, Response

EPSILON = 1e-9


@dataclass(frozen=True)
class GradableItem:
    position: int
    draft: QuestionDraft
    response: Response


def grade(items: Sequence[GradableItem], rules: ModuleRules) -> AttemptScore:
    """Grades every item; passing needs the total, and the non-compensatory rules the module sets."""
    scores = tuple(
        ItemScore(i.position, i.draft.competency, question_types.score(i.draft, i.response), i.draft.critical)
        for i in items
    )
    total = sum(s.score for s in scores)
    fraction = total / len(scores) if scores else 0.0
    competencies = _by_competency(scores)
    failed: list[str] = []
    if fraction + EPSILON < rules.pass_mark:
        failed.append(f"The total score {fraction:.0%} is below the pass mark of {rules.pass_mark:.0%}.")
    if rules.require_all_critical:
        missed = [s.position for s in scores if s.critical and not s.correct]
        if missed:
            numbers = ", ".join(str(p) for p in missed)
            failed.append(f"Every safety-critical question must be answered correctly; question(s) {numbers} were not.")
    if rules.competency_min > 0:
        for c in competencies:
            if c.fraction + EPSILON < rules.competency_min:
                failed.append(f"{c.competency} scored {c.fraction:.0%}, below the minimum of "
                              f"{rules.competency_min:.0%} for each competency.")
    return AttemptScore(scores, total, fraction, not failed and bool(scores), competencies, tuple(failed))


def _by_competency(scores: Sequence[ItemScore]) -> tuple[CompetencyScore, ...]:
    grouped: dict[str, list[float]] = {}
    for s in scores:
        grouped.setdefault(s.competency, []).append(s.score)
    return tuple(CompetencyScore(code, len(values), sum(values), sum(values) / len(values))
                 for code, values in sorted(grouped.items()))
