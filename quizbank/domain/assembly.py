"""Drawing a quiz form from a bank per the module's blueprint, reproducibly from a seed."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from . import question_types
from .types import QuestionDraft, QuestionType


class PoolItem(NamedTuple):
    """A published question version available to draw (a tuple: a start builds hundreds of them)."""

    version_id: int
    question_id: int
    competency: str


@dataclass(frozen=True)
class Shortfall:
    competency: str
    needed: int
    available: int


class BankTooSmall(Exception):
    """The bank cannot fill the blueprint; a short quiz is never served instead."""

    def __init__(self, shortfalls: Sequence[Shortfall]) -> None:
        self.shortfalls = tuple(shortfalls)
        detail = "; ".join(f"{s.competency} needs {s.needed}, has {s.available}" for s in shortfalls)
        super().__init__(f"The question bank is too small for this module's blueprint: {detail}.")


def blueprint_shortfalls(pool: Sequence[PoolItem], blueprint: Mapping[str, int]) -> list[Shortfall]:
    counts: dict[str, int] = {}
    for item in pool:
        counts[item.competency] = counts.get(item.competency, 0) + 1
    return [Shortfall(code, n, counts.get(code, 0)) for code, n in sorted(blueprint.items())
            if counts.get(code, 0) < n]


def draw_form(
    pool: Sequence[PoolItem], blueprint: Mapping[str, int], rng: random.Random,
    seen_question_ids: Collection[int] = (),
) -> list[PoolItem]:
    """Picks `blueprint[c]` items of each competency, preferring questions the trainee has not seen.

    The result is in a random order. The same pool, blueprint, seen set and seed give the same form.
    """
    shortfalls = blueprint_shortfalls(pool, blueprint)
    if shortfalls:
        raise BankTooSmall(shortfalls)
    seen = set(seen_question_ids)
    by_competency: dict[str, list[PoolItem]] = {}
    for item in pool:
        by_competency.setdefault(item.competency, []).append(item)
    chosen: list[PoolItem] = []
    for code in sorted(blueprint):
        candidates = sorted(by_competency.get(code, ()), key=lambda p: p.version_id)
        unseen = [p for p in candidates if p.question_id not in seen]
        already = [p for p in candidates if p.question_id in seen]
        rng.shuffle(unseen)
        rng.shuffle(already)
        chosen.extend((unseen + already)[: blueprint[code]])
    rng.shuffle(chosen)
    return chosen


def display_order(draft: QuestionDraft, rng: random.Random) -> list[str]:
    """The order in which an item's options (or matching answers) are shown in one attempt.

    Options marked `fixed` keep their place; ordering steps are never shown already in order.
    """
    if draft.qtype is QuestionType.MATCHING:
        ids = [p.id for p in draft.pairs]
        rng.shuffle(ids)
        return ids
    ids = [o.id for o in draft.options]
    if not question_types.REGISTRY[draft.qtype].shuffle_options or len(ids) < 2:
        return ids
    movable = [o.id for o in draft.options if not o.fixed]
    for _ in range(10):
        rng.shuffle(movable)
        candidate = iter(movable)
        order = [o.id if o.fixed else next(candidate) for o in draft.options]
        if draft.qtype is not QuestionType.ORDERING or order != ids:
            return order
    return list(reversed(ids))  # a tiny ordering item the shuffle kept in order: show it reversed
