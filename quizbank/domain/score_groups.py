"""Item aggregates from responses grouped by attempt total.

The database groups a module's responses by (question version, attempt total) and, for choice items, by
(version, option, attempt total): a few rows per distinct total, however many responses there are. Every
sum item statistics need follows from those groups exactly, because within a group t is one number:
Σx·t = Σ_groups t·Σx, Σt = Σ_groups n·t, and the upper and lower 27% groups are whole groups (ties on a
total are never split, see `item_stats.upper_lower_cuts`). So the database needs no join to the attempts
and no knowledge of the cuts, and can answer from one index read in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .item_stats import GroupCuts, ItemAggregate, OptionTally


@dataclass(frozen=True)
class ScoreGroup:
    """The responses to one item from attempts that share one total: how many, and their item-score sums."""

    total: float
    n: int
    sum_x: float
    sum_x2: float
    sum_seconds: float = 0.0


@dataclass(frozen=True)
class ChoiceGroup:
    """How many responses from attempts with one total chose one option."""

    option_id: str
    total: float
    chosen: int


@dataclass(frozen=True)
class OptionInfo:
    """An option of a choice item as authored: its id, whether it is a key, and a label to show."""

    option_id: str
    is_key: bool
    label: str = ""


def _in_upper(total: float, cuts: GroupCuts | None) -> bool:
    return cuts is not None and total >= cuts.upper_cut


def _in_lower(total: float, cuts: GroupCuts | None) -> bool:
    return cuts is not None and total <= cuts.lower_cut


def option_counts(chosen: Iterable[ChoiceGroup], cuts: GroupCuts | None) -> dict[str, tuple[int, int, int]]:
    """Option id → (chosen, chosen in the upper group, chosen in the lower group), folded as the groups stream."""
    counts: dict[str, tuple[int, int, int]] = {}
    for group in chosen:
        total, upper, lower = counts.get(group.option_id, (0, 0, 0))
        counts[group.option_id] = (total + group.chosen,
                                   upper + (group.chosen if _in_upper(group.total, cuts) else 0),
                                   lower + (group.chosen if _in_lower(group.total, cuts) else 0))
    return counts


def option_tallies(options: Iterable[OptionInfo], counts: dict[str, tuple[int, int, int]]) -> tuple[OptionTally, ...]:
    """One tally per authored option, in authored order; an option nobody chose counts 0.

    Counts for ids the item does not have (a stale id) are left out: only authored options are reported.
    """
    return tuple(OptionTally(o.option_id, o.is_key, *counts.get(o.option_id, (0, 0, 0)), label=o.label)
                 for o in options)


def item_aggregate(groups: Iterable[ScoreGroup], cuts: GroupCuts | None,
                   options: tuple[OptionTally, ...] = ()) -> ItemAggregate:
    """The sums of `item_stats.ItemAggregate` over an item's responses, from their groups by attempt total.

    The groups are folded as they stream: nothing is kept per group.
    """
    n = upper_n = lower_n = 0
    sum_x = sum_x2 = sum_xt = sum_t = sum_t2 = sum_seconds = upper_sum_x = lower_sum_x = 0.0
    for group in groups:
        n += group.n
        sum_x += group.sum_x
        sum_x2 += group.sum_x2
        sum_xt += group.total * group.sum_x
        sum_t += group.n * group.total
        sum_t2 += group.n * group.total * group.total
        sum_seconds += group.sum_seconds
        if _in_upper(group.total, cuts):
            upper_n += group.n
            upper_sum_x += group.sum_x
        if _in_lower(group.total, cuts):
            lower_n += group.n
            lower_sum_x += group.sum_x
    return ItemAggregate(n=n, sum_x=sum_x, sum_x2=sum_x2, sum_xt=sum_xt, sum_t=sum_t, sum_t2=sum_t2,
                         sum_seconds=sum_seconds, upper_n=upper_n, upper_sum_x=upper_sum_x, lower_n=lower_n,
                         lower_sum_x=lower_sum_x, options=options)


def competency_means(items: Iterable[tuple[str, ItemAggregate]]) -> list[tuple[str, int, float]]:
    """(competency, responses, mean item score) in code order, from each item version's competency and sums."""
    totals: dict[str, tuple[int, float]] = {}
    for code, aggregate in items:
        n, sum_x = totals.get(code, (0, 0.0))
        totals[code] = (n + aggregate.n, sum_x + aggregate.sum_x)
    return [(code, n, sum_x / n if n else 0.0) for code, (n, sum_x) in sorted(totals.items())]
