"""Item aggregates folded from responses grouped by attempt total equal those summed response by response."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizbank.domain import item_stats
from quizbank.domain.score_groups import (
    ChoiceGroup,
    OptionInfo,
    ScoreGroup,
    competency_means,
    item_aggregate,
    option_counts,
    option_tallies,
)

CUTS = item_stats.GroupCuts(upper_cut=4.0, lower_cut=1.0, upper_n=0, lower_n=0, attempts=0)


def test_a_hand_worked_item_from_three_groups():
    # Totals 5 (two responses, x = 1 and 1), 2.5 (one, x = 0.5) and 1 (two, x = 0 and 1).
    groups = [ScoreGroup(5.0, 2, 2.0, 2.0, 60.0), ScoreGroup(2.5, 1, 0.5, 0.25, 20.0),
              ScoreGroup(1.0, 2, 1.0, 1.0, 15.0)]
    aggregate = item_aggregate(iter(groups), CUTS)
    assert (aggregate.n, aggregate.sum_x, aggregate.sum_x2) == (5, 3.5, 3.25)
    assert aggregate.sum_xt == pytest.approx(5 * 2 + 2.5 * 0.5 + 1 * 1)  # 12.25
    assert aggregate.sum_t == pytest.approx(2 * 5 + 2.5 + 2 * 1)  # 14.5
    assert aggregate.sum_t2 == pytest.approx(2 * 25 + 6.25 + 2 * 1)  # 58.25
    assert aggregate.sum_seconds == 95.0
    assert (aggregate.upper_n, aggregate.upper_sum_x) == (2, 2.0)  # total 5 ≥ 4
    assert (aggregate.lower_n, aggregate.lower_sum_x) == (2, 1.0)  # total 1 ≤ 1


def test_without_cuts_there_are_no_upper_or_lower_groups():
    aggregate = item_aggregate([ScoreGroup(5.0, 3, 3.0, 3.0)], None)
    assert (aggregate.upper_n, aggregate.lower_n) == (0, 0)
    assert item_aggregate([], CUTS).n == 0


def test_option_tallies_list_every_authored_option_and_ignore_stale_ids():
    counts = option_counts([ChoiceGroup("a", 5.0, 3), ChoiceGroup("b", 1.0, 2), ChoiceGroup("a", 1.0, 1),
                            ChoiceGroup("gone", 5.0, 9)], CUTS)
    tallies = option_tallies([OptionInfo("a", True, "A"), OptionInfo("b", False, "B"), OptionInfo("c", False, "C")],
                             counts)
    assert [(t.option_id, t.chosen, t.chosen_upper, t.chosen_lower) for t in tallies] == [
        ("a", 4, 3, 1), ("b", 2, 0, 2), ("c", 0, 0, 0)]
    assert [t.label for t in tallies] == ["A", "B", "C"] and tallies[0].is_key


def test_competency_means_pool_the_versions_of_a_competency():
    one = item_aggregate([ScoreGroup(3.0, 4, 3.0, 3.0)], None)
    two = item_aggregate([ScoreGroup(3.0, 6, 1.0, 1.0)], None)
    other = item_aggregate([ScoreGroup(3.0, 2, 2.0, 2.0)], None)
    assert competency_means([("SAF-02", other), ("SAF-01", one), ("SAF-01", two)]) == [
        ("SAF-01", 10, 0.4), ("SAF-02", 2, 1.0)]


responses = st.lists(st.tuples(st.sampled_from([0.0, 0.5, 1.0]), st.sampled_from([0.0, 1.5, 2.0, 3.0, 4.5]),
                               st.integers(0, 90)), max_size=40)


@given(responses)
def test_grouping_by_total_loses_nothing(rows):
    """Property: the fold over groups equals the sums taken response by response."""
    grouped: dict[float, list[tuple[float, int]]] = {}
    for x, t, seconds in rows:
        grouped.setdefault(t, []).append((x, seconds))
    groups = [ScoreGroup(t, len(v), sum(x for x, _s in v), sum(x * x for x, _s in v), sum(s for _x, s in v))
              for t, v in sorted(grouped.items())]
    cuts = item_stats.GroupCuts(upper_cut=3.0, lower_cut=1.5, upper_n=0, lower_n=0, attempts=0)
    aggregate = item_aggregate(groups, cuts)
    assert aggregate.n == len(rows)
    assert aggregate.sum_x == pytest.approx(sum(x for x, _t, _s in rows))
    assert aggregate.sum_xt == pytest.approx(sum(x * t for x, t, _s in rows))
    assert aggregate.sum_t2 == pytest.approx(sum(t * t for _x, t, _s in rows))
    assert aggregate.sum_seconds == sum(s for _x, _t, s in rows)
    assert aggregate.upper_n == sum(1 for _x, t, _s in rows if t >= 3.0)
    assert aggregate.lower_sum_x == pytest.approx(sum(x for x, t, _s in rows if t <= 1.5))
