"""Item analysis and module statistics from aggregates, checked by hand, against raw data and in print."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizbank.domain.item_stats import (
    FlagCode,
    FlagThresholds,
    GroupCuts,
    ItemAggregate,
    ModuleAggregate,
    OptionTally,
    ScoreBin,
    analyse_item,
    coefficient_alpha,
    discrimination_index,
    facility,
    item_total_correlation,
    item_variance,
    mean_seconds,
    module_statistics,
    option_statistics,
    point_biserial,
    score_bins,
    score_quantile,
    standard_error_of_measurement,
    upper_lower_cuts,
)

# ------------------------------------------------------------------ a tiny raw reference implementation
# An attempt is a dict item id → score; what the SQL GROUP BY would compute is recomputed here from raw
# responses, and the statistics are computed straight from the raw lists with the statistics module.

Attempt = dict[str, float]


def histogram_of(attempts: list[Attempt]) -> dict[float, int]:
    histogram: dict[float, int] = {}
    for attempt in attempts:
        total = sum(attempt.values())
        histogram[total] = histogram.get(total, 0) + 1
    return histogram


def aggregate_item(attempts: list[Attempt], item: str, cuts: GroupCuts | None = None) -> ItemAggregate:
    seen = [(a[item], sum(a.values())) for a in attempts if item in a]
    upper = [x for x, t in seen if cuts is not None and t >= cuts.upper_cut]
    lower = [x for x, t in seen if cuts is not None and t <= cuts.lower_cut]
    return ItemAggregate(
        n=len(seen),
        sum_x=sum(x for x, _ in seen),
        sum_x2=sum(x * x for x, _ in seen),
        sum_xt=sum(x * t for x, t in seen),
        sum_t=sum(t for _, t in seen),
        sum_t2=sum(t * t for _, t in seen),
        upper_n=len(upper),
        upper_sum_x=sum(upper),
        lower_n=len(lower),
        lower_sum_x=sum(lower),
    )


def aggregate_module(attempts: list[Attempt], form_length: int, passed: int | None = None) -> ModuleAggregate:
    totals = [sum(a.values()) for a in attempts]
    return ModuleAggregate(
        attempts=len(totals),
        sum_t=sum(totals),
        sum_t2=sum(t * t for t in totals),
        form_length=form_length,
        totals_histogram=histogram_of(attempts),
        passed=passed,
    )


def raw_pearson(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 2 or statistics.pvariance(xs) == 0 or statistics.pvariance(ys) == 0:
        return None
    return statistics.correlation(xs, ys)


def raw_item_rest(attempts: list[Attempt], item: str) -> float | None:
    xs = [a[item] for a in attempts if item in a]
    rests = [sum(a.values()) - a[item] for a in attempts if item in a]
    return raw_pearson(xs, rests)


def raw_alpha(attempts: list[Attempt], form_length: int) -> float | None:
    """k/(k−1)·(1 − k·(exposure-weighted mean item variance)/σ²_t): Σ pq / σ²_t (KR-20) for a fixed form."""
    totals = [sum(a.values()) for a in attempts]
    if len(totals) < 2 or form_length < 2 or statistics.pvariance(totals) == 0:
        return None
    items = sorted({i for a in attempts for i in a})
    columns = [[a[i] for a in attempts if i in a] for i in items]
    weighted = sum(len(c) * statistics.pvariance(c) for c in columns) / sum(len(c) for c in columns)
    k = form_length
    return min(1.0, k / (k - 1) * (1 - k * weighted / statistics.pvariance(totals)))


def matrix_attempts(rows: list[list[float]]) -> list[Attempt]:
    """A fixed form: every attempt saw items i0..i(k−1)."""
    return [{f"i{j}": float(x) for j, x in enumerate(row)} for row in rows]


def parse_matrix(text: str) -> list[list[int]]:
    return [[int(v) for v in line.split()] for line in text.strip().splitlines()]


# --------------------------------------------------------------------------------- hand-worked example
#
#            item A  item B  item C   total
#   a1          1       1       1       3
#   a2          1       1       0       2
#   a3          1       0       1       2
#   a4          0       1       0       1
#   a5          0       0       0       0
#
# Item A: n = 5, Σx = 3, Σx² = 3, Σxt = 3 + 2 + 2 = 7, Σt = 8, Σt² = 9 + 4 + 4 + 1 + 0 = 18.
#   facility = 3/5 = 0.6; variance = 0.6 · 0.4 = 0.24.
#   rest = t − x = 2, 1, 1, 1, 0: Σr = 5, Σr² = 7, Σxr = Σxt − Σx² = 4.
#   r = (5·4 − 3·5) / √[(5·3 − 3²)(5·7 − 5²)] = 5 / √(6·10) = 5/√60 = 0.645497.
# Module: mean 1.6, σ² = 18/5 − 1.6² = 1.04; sample variance 1.04·5/4 = 1.3, SD √1.3.
#   p = .6, .6, .4 → Σpq = 3 × 0.24 = 0.72; KR-20 = 3/2 · (1 − 0.72/1.04) = 3/2 · 4/13 = 6/13.
#   SEM = √1.3 · √(1 − 6/13) = √(1.3 · 7/13) = √0.7.
# 27% groups: target 0.27 · 5 = 1.35 attempts. From the top: total 3 holds 1 attempt; adding the two
#   tied 2s gives 3, farther from 1.35 (1.65 away) than 1 is (0.35 away) → upper group = {a1}, cut 3.
#   From the bottom likewise: {a5}, cut 0. D for item A = 1 − 0 = 1.

HAND_ROWS = [[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 0]]


def test_hand_worked_item_statistics() -> None:
    attempts = matrix_attempts(HAND_ROWS)
    cuts = upper_lower_cuts(histogram_of(attempts))
    assert cuts == GroupCuts(upper_cut=3.0, lower_cut=0.0, upper_n=1, lower_n=1, attempts=5)
    item_a = aggregate_item(attempts, "i0", cuts)
    sums = (item_a.n, item_a.sum_x, item_a.sum_x2, item_a.sum_xt, item_a.sum_t, item_a.sum_t2)
    assert sums == (5, 3, 3, 7, 8, 18)
    assert facility(item_a) == pytest.approx(0.6)
    assert item_variance(item_a) == pytest.approx(0.24)
    assert point_biserial(item_a) == pytest.approx(5 / math.sqrt(60))
    assert discrimination_index(item_a) == 1.0


def test_hand_worked_module_statistics() -> None:
    attempts = matrix_attempts(HAND_ROWS)
    module = aggregate_module(attempts, form_length=3, passed=2)
    items = [aggregate_item(attempts, f"i{j}") for j in range(3)]
    report = module_statistics(module, items)
    assert report.mean == pytest.approx(1.6)
    assert report.mean_fraction == pytest.approx(1.6 / 3)
    assert report.sd_population == pytest.approx(math.sqrt(1.04))
    assert report.sd == pytest.approx(math.sqrt(1.3))
    assert report.reliability == pytest.approx(6 / 13)
    assert report.sem == pytest.approx(math.sqrt(0.7))
    # sorted totals 0, 1, 2, 2, 3: median = x₂ = 2; quartiles at h = 4·0.25 = 1 → 1 and h = 3 → 2.
    assert (report.median, report.lower_quartile, report.upper_quartile) == (2.0, 1.0, 2.0)
    assert (report.minimum, report.maximum) == (0.0, 3.0)
    assert report.bins == (ScoreBin(0, 1, 1), ScoreBin(1, 2, 1), ScoreBin(2, 3, 2), ScoreBin(3, 4, 1))
    assert report.pass_rate == pytest.approx(0.4)


# ------------------------------------------------------------------------------- distractors and flags
#
# 40 responses to a single-answer item, 11 in each 27% group. Key A.
#   option  overall  upper  lower   proportions (overall / upper / lower)
#   A (key)    24      10      3    0.60 / 0.909 / 0.273
#   B          10       0      6    0.25 / 0     / 0.545
#   C           5       1      0    0.125 / 0.091 / 0   → chosen more by the upper group
#   D           1       0      0    0.025 < 0.05        → non-functioning
# D = p_upper − p_lower of the item = 10/11 − 3/11 = 7/11.


def distractor_item() -> ItemAggregate:
    return ItemAggregate(
        n=40, sum_x=24, sum_x2=24, sum_xt=24 * 7.5, sum_t=40 * 6, sum_t2=40 * 40, sum_seconds=1800,
        upper_n=11, upper_sum_x=10, lower_n=11, lower_sum_x=3,
        options=(
            OptionTally("a", True, 24, 10, 3, label="A"),
            OptionTally("b", False, 10, 0, 6, label="B"),
            OptionTally("c", False, 5, 1, 0, label="C"),
            OptionTally("d", False, 1, 0, 0, label="D"),
        ),
    )


def test_distractor_analysis() -> None:
    stats = {o.option_id: o for o in option_statistics(distractor_item())}
    assert stats["a"].proportion == pytest.approx(0.6)
    assert stats["a"].proportion_upper == pytest.approx(10 / 11)
    assert stats["b"].proportion_lower == pytest.approx(6 / 11)
    assert stats["c"].attracts_upper_group and not stats["c"].non_functioning
    assert stats["d"].non_functioning and not stats["d"].attracts_upper_group
    assert not stats["a"].non_functioning and not stats["a"].attracts_upper_group  # keys are never flagged
    assert not stats["b"].non_functioning and not stats["b"].attracts_upper_group
    assert discrimination_index(distractor_item()) == pytest.approx(7 / 11)
    assert mean_seconds(distractor_item()) == pytest.approx(45.0)


def test_distractor_flags_name_the_option_and_say_what_to_do() -> None:
    flags = analyse_item(distractor_item()).flags
    by_code = {f.code: f for f in flags}
    assert by_code[FlagCode.NON_FUNCTIONING_DISTRACTOR].option_id == "d"
    non_functioning = by_code[FlagCode.NON_FUNCTIONING_DISTRACTOR]
    assert "Option D was chosen by only 2.5% of trainees" in non_functioning.message
    attracts_strong = by_code[FlagCode.DISTRACTOR_ATTRACTS_STRONG]
    assert attracts_strong.option_id == "c"
    assert "(9.1%) than of the weakest (0%)" in attracts_strong.message
    assert "check it against current guidance" in attracts_strong.message


def item_with(facility_value: float, rest_correlation_sign: int, n: int = 100) -> ItemAggregate:
    """A 0/1 item seen by n attempts, a share ``facility_value`` of them right.

    The rest score is 10 for those who are right (sign +1) or for those who are wrong (sign −1) and 0
    for the others, so the item–rest correlation is exactly +1 or −1.
    """
    right = round(facility_value * n)
    wrong = n - right
    rest_right, rest_wrong = (10.0, 0.0) if rest_correlation_sign > 0 else (0.0, 10.0)
    sum_t = right * (1 + rest_right) + wrong * rest_wrong
    sum_t2 = right * (1 + rest_right) ** 2 + wrong * rest_wrong**2
    sum_xt = right * (1 + rest_right)
    return ItemAggregate(n=n, sum_x=right, sum_x2=right, sum_xt=sum_xt, sum_t=sum_t, sum_t2=sum_t2)


def codes(item: ItemAggregate, thresholds: FlagThresholds | None = None) -> set[FlagCode]:
    return {f.code for f in analyse_item(item, thresholds).flags}


def test_flags_for_easy_hard_and_discrimination() -> None:
    assert codes(item_with(0.97, +1)) == {FlagCode.TOO_EASY}
    assert codes(item_with(0.10, +1)) == {FlagCode.TOO_HARD}
    assert codes(item_with(0.50, -1)) == {FlagCode.NEGATIVE_DISCRIMINATION}
    assert codes(item_with(0.50, +1)) == set()
    assert codes(item_with(0.95, +1)) == set()  # "> 0.95" and "< 0.20" are strict
    assert codes(item_with(0.20, +1)) == set()


def test_weak_discrimination_and_its_threshold() -> None:
    # 100 attempts: 50 right; rests: right ones 6 (x40) and 4 (x10), wrong ones 4 (x40) and 6 (x10).
    # Σxr = 40·6 + 10·4 = 280, Σx = 50, Σr = 500, Σr² = 50·36 + 50·16 = 2600
    # r = (100·280 − 50·500) / √[(100·50 − 2500)(100·2600 − 500²)] = 3000 / √(2500·10000) = 0.6
    item = ItemAggregate(n=100, sum_x=50, sum_x2=50, sum_xt=280 + 50, sum_t=550, sum_t2=2600 + 2 * 280 + 50)
    assert point_biserial(item) == pytest.approx(0.6)
    assert codes(item) == set()
    assert codes(item, FlagThresholds(weak_discrimination_below=0.7)) == {FlagCode.WEAK_DISCRIMINATION}
    message = analyse_item(item, FlagThresholds(weak_discrimination_below=0.7)).flags[0].message
    assert "item–rest correlation 0.60; aim for 0.70 or more" in message


def test_discrimination_falls_back_to_upper_lower_index() -> None:
    # Synthetic: t = x + 5 for all 40 attempts, so the rest score is constant and the item–rest
    # correlation undefined (Σt = 20 + 200, Σt² = Σx² + 10Σx + 25n = 20 + 200 + 1000, Σxt = Σx² + 5Σx),
    # while the (independently supplied) 27% groups show the lower group doing better: D = 0.2 − 0.6.
    item = ItemAggregate(n=40, sum_x=20, sum_x2=20, sum_xt=120, sum_t=220, sum_t2=1220,
                         upper_n=10, upper_sum_x=2, lower_n=10, lower_sum_x=6)
    assert point_biserial(item) is None
    report = analyse_item(item)
    assert report.discrimination_index == pytest.approx(-0.4)
    assert [f.code for f in report.flags] == [FlagCode.NEGATIVE_DISCRIMINATION]
    assert "upper–lower index -0.40" in report.flags[0].message


def test_few_responses_caution() -> None:
    flags = analyse_item(item_with(0.5, +1, n=12)).flags
    assert [f.code for f in flags] == [FlagCode.FEW_RESPONSES]
    assert "only 12 responses" in flags[0].message


# --------------------------------------------------------------------------------------------- edges


def test_no_responses() -> None:
    empty = ItemAggregate(n=0, sum_x=0, sum_x2=0, sum_xt=0, sum_t=0, sum_t2=0,
                          options=(OptionTally("a", True, 0), OptionTally("b", False, 0)))
    report = analyse_item(empty)
    assert (report.facility, report.item_variance, report.point_biserial, report.item_total_correlation) == (
        None, None, None, None)
    assert (report.discrimination_index, report.mean_seconds, report.upper_facility) == (None, None, None)
    assert all(o.proportion is None and not o.non_functioning for o in report.options)
    assert [(f.code, f.message) for f in report.flags] == [
        (FlagCode.FEW_RESPONSES, "No trainee has answered this question yet.")]

    module = ModuleAggregate(attempts=0, sum_t=0, sum_t2=0, form_length=10)
    stats = module_statistics(module, [empty])
    assert (stats.mean, stats.sd, stats.sd_population, stats.median, stats.reliability, stats.sem) == (
        None, None, None, None, None, None)
    assert (stats.pass_rate, stats.bins, stats.minimum) == (None, (), None)
    assert upper_lower_cuts({}) is None


def test_all_correct() -> None:
    attempts = matrix_attempts([[1, 1, 1]] * 6)
    item = aggregate_item(attempts, "i0")
    assert facility(item) == 1.0
    assert item_variance(item) == 0.0
    assert point_biserial(item) is None  # neither x nor the rest score varies
    assert FlagCode.TOO_EASY in codes(item)
    items = [aggregate_item(attempts, f"i{j}") for j in range(3)]
    stats = module_statistics(aggregate_module(attempts, 3), items)
    assert stats.mean == 3.0
    assert stats.sd == 0.0
    assert stats.reliability is None  # zero total variance
    assert stats.sem is None
    assert upper_lower_cuts(histogram_of(attempts)) is None  # everyone tied: no upper/lower groups


def test_item_without_variance_but_varying_rest() -> None:
    attempts = matrix_attempts([[1, 1, 0], [1, 0, 0], [1, 1, 1]])
    assert point_biserial(aggregate_item(attempts, "i0")) is None
    assert point_biserial(aggregate_item(attempts, "i1")) is not None


def test_one_attempt() -> None:
    attempts = matrix_attempts([[1, 0, 1]])
    item = aggregate_item(attempts, "i0")
    assert facility(item) == 1.0
    assert point_biserial(item) is None
    stats = module_statistics(aggregate_module(attempts, 3, passed=1), [item])
    assert stats.mean == 2.0
    assert stats.sd_population == 0.0
    assert stats.sd is None
    assert stats.reliability is None
    assert stats.sem is None
    assert stats.median == 2.0
    assert stats.pass_rate == 1.0
    assert upper_lower_cuts(histogram_of(attempts)) is None


def test_reliability_needs_two_items_per_form() -> None:
    attempts = matrix_attempts([[1], [0], [1]])
    assert coefficient_alpha(aggregate_module(attempts, 1), [aggregate_item(attempts, "i0")]) is None


def test_ties_at_the_27_percent_cut() -> None:
    # 10 attempts, target 2.7 per group.
    # Top: 10 ×2 (2 attempts), then 8 ×3 would make 5: |2.7 − 2| = 0.7 < |5 − 2.7| = 2.3 → stop at 10.
    # Bottom: 5 ×5 crosses the target at once; leaving it out would empty the group → include: 5 attempts.
    assert upper_lower_cuts({10: 2, 8: 3, 5: 5}) == GroupCuts(10.0, 5.0, upper_n=2, lower_n=5, attempts=10)
    # Top: 10 ×1, then 8 ×3 makes 4: |2.7 − 1| = 1.7 > |4 − 2.7| = 1.3 → include the tied 8s.
    assert upper_lower_cuts({10: 1, 8: 3, 6: 3, 4: 3}) == GroupCuts(8.0, 4.0, 4, 3, attempts=10)
    # An exact tie of distances includes the block: 25% of 8 = 2 attempts; 9 gives 1, adding the
    # tied 7s gives 3, both 1 away → include (3 attempts). Bottom: the 2 tied 1s hit 2 exactly.
    assert upper_lower_cuts({9: 1, 7: 2, 5: 3, 1: 2}, fraction=0.25) == GroupCuts(7.0, 1.0, 3, 2, 8)
    # A big tied block in the middle stays out of both groups: 27% of 16 = 4.32; 3 is 1.32 away, 13 is
    # 8.68 away.
    assert upper_lower_cuts({4: 3, 5: 10, 6: 3}) == GroupCuts(6.0, 4.0, 3, 3, 16)
    # The tied block would put 10 of 11 attempts in the lower group (more than half) → no groups.
    assert upper_lower_cuts({5: 10, 6: 1}) is None
    # Exactly 27 of 100 reachable despite 0.27 · 100 = 27.000000000000004 in floating point.
    assert upper_lower_cuts({float(t): 1 for t in range(100)}) == GroupCuts(73.0, 26.0, 27, 27, 100)
    with pytest.raises(ValueError):
        upper_lower_cuts({1: 1}, fraction=0.6)


def test_quantiles_match_the_statistics_module() -> None:
    totals = [3, 7, 7, 2, 9, 4, 7, 8, 1, 5, 5]
    histogram: dict[float, int] = {}
    for t in totals:
        histogram[t] = histogram.get(t, 0) + 1
    assert score_quantile(histogram, 0.5) == statistics.median(totals)
    quartiles = statistics.quantiles(totals, n=4, method="inclusive")
    assert [score_quantile(histogram, q) for q in (0.25, 0.5, 0.75)] == pytest.approx(quartiles)
    assert score_quantile(histogram, 0) == 1 and score_quantile(histogram, 1) == 9
    assert score_quantile({}, 0.5) is None
    assert score_quantile({4: 1, 6: 1}, 0.5) == 5.0  # even count: midway between the middle two


def test_bins_cover_zero_to_full_marks() -> None:
    assert score_bins({0.0: 1, 1.5: 2, 2.0: 1}, form_length=2) == (
        ScoreBin(0, 1, 1), ScoreBin(1, 2, 2), ScoreBin(2, 3, 1))
    bins = score_bins({10: 2, 40: 1, 39.5: 1}, form_length=40)  # k > 30 → width ⌈40/20⌉ = 2
    assert len(bins) == 21 and bins[5] == ScoreBin(10, 12, 2) and bins[-1] == ScoreBin(40, 42, 1)
    assert bins[19].count == 1
    with pytest.raises(ValueError):
        score_bins({1: 1}, 4, bin_width=0)


def test_sem() -> None:
    assert standard_error_of_measurement(10.0, 0.91) == pytest.approx(3.0)
    assert standard_error_of_measurement(10.0, -0.5) == pytest.approx(10.0)  # negative alpha treated as 0
    assert standard_error_of_measurement(None, 0.8) is None
    assert standard_error_of_measurement(2.0, None) is None


def test_inconsistent_aggregates_are_refused() -> None:
    with pytest.raises(ValueError, match="sum_x must lie"):
        ItemAggregate(n=2, sum_x=3, sum_x2=3, sum_xt=0, sum_t=0, sum_t2=0)
    with pytest.raises(ValueError, match="sum_x2"):
        ItemAggregate(n=2, sum_x=1, sum_x2=1.5, sum_xt=0, sum_t=0, sum_t2=0)
    with pytest.raises(ValueError, match="groups"):
        ItemAggregate(n=2, sum_x=1, sum_x2=1, sum_xt=0, sum_t=0, sum_t2=0, upper_n=2, lower_n=1)
    with pytest.raises(ValueError, match="option 'a'"):
        ItemAggregate(n=2, sum_x=1, sum_x2=1, sum_xt=0, sum_t=0, sum_t2=0,
                      options=(OptionTally("a", True, 3),))
    with pytest.raises(ValueError, match="add up"):
        ModuleAggregate(attempts=3, sum_t=3, sum_t2=3, form_length=2, totals_histogram={1: 2})
    with pytest.raises(ValueError, match="passed"):
        ModuleAggregate(attempts=3, sum_t=3, sum_t2=3, form_length=2, passed=4)


def test_module_histogram_is_frozen_and_sorted() -> None:
    module = ModuleAggregate(attempts=3, sum_t=6, sum_t2=14, form_length=3,
                             totals_histogram={3: 1, 1: 1, 2: 1, 0: 0})
    assert list(module.totals_histogram.items()) == [(1.0, 1), (2.0, 1), (3.0, 1)]
    with pytest.raises(TypeError):
        module.totals_histogram[4.0] = 1  # type: ignore[index]


# ------------------------------------------------------------------ consistency with the raw reference

RANDOM_FORM_ATTEMPTS: list[Attempt] = [
    # A bank of five items, forms of k = 3 drawn at random; one partial-credit item (e).
    {"a": 1, "b": 1, "c": 1},
    {"a": 1, "d": 0, "e": 0.5},
    {"b": 0, "c": 1, "e": 1},
    {"a": 0, "b": 0, "d": 0},
    {"c": 1, "d": 1, "e": 0.75},
    {"a": 1, "c": 0, "e": 0.25},
    {"b": 1, "d": 1, "e": 1},
    {"a": 0, "b": 1, "c": 0},
    {"a": 1, "b": 1, "d": 1},
    {"c": 0, "d": 0, "e": 0},
]


def test_aggregates_agree_with_raw_data_on_random_forms() -> None:
    attempts = RANDOM_FORM_ATTEMPTS
    cuts = upper_lower_cuts(histogram_of(attempts))
    assert cuts is not None
    items = {i: aggregate_item(attempts, i, cuts) for i in "abcde"}
    for name, item in items.items():
        expected = raw_item_rest(attempts, name)
        assert point_biserial(item) == (pytest.approx(expected) if expected is not None else None)
        xs = [a[name] for a in attempts if name in a]
        totals = [sum(a.values()) for a in attempts if name in a]
        assert item_total_correlation(item) == pytest.approx(raw_pearson(xs, totals))
        upper = [a[name] for a in attempts if name in a and sum(a.values()) >= cuts.upper_cut]
        lower = [a[name] for a in attempts if name in a and sum(a.values()) <= cuts.lower_cut]
        if upper and lower:
            expected_d = statistics.fmean(upper) - statistics.fmean(lower)
            assert discrimination_index(item) == pytest.approx(expected_d)
    alpha = coefficient_alpha(aggregate_module(attempts, 3), items.values())
    assert alpha == pytest.approx(raw_alpha(attempts, 3))


def test_random_form_alpha_is_capped_at_one() -> None:
    # Degenerate bank: a1, a2 always right, b1, b2 always wrong; forms are {a1, a2} or {b1, b2}. Every
    # item variance is 0 while totals are 2 or 0 (σ² = 1), so the estimate is 2/1 · (1 − 0) = 2: the
    # spread comes from the forms, not the trainees. It is reported as 1, the largest meaningful value.
    attempts: list[Attempt] = [{"a1": 1, "a2": 1}, {"b1": 0, "b2": 0}] * 3
    items = [aggregate_item(attempts, i) for i in ("a1", "a2", "b1", "b2")]
    assert coefficient_alpha(aggregate_module(attempts, 2), items) == 1.0


def test_fixed_form_alpha_is_kr20() -> None:
    rows = [[1, 0, 1, 1], [1, 1, 1, 1], [0, 0, 1, 0], [1, 0, 0, 1], [0, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 0]]
    attempts = matrix_attempts(rows)
    n, k = len(rows), 4
    p = [sum(r[j] for r in rows) / n for j in range(k)]
    kr20 = k / (k - 1) * (1 - sum(pj * (1 - pj) for pj in p) / statistics.pvariance([sum(r) for r in rows]))
    items = [aggregate_item(attempts, f"i{j}") for j in range(k)]
    assert coefficient_alpha(aggregate_module(attempts, k), items) == pytest.approx(kr20)


# -------------------------------------------------------------------------------- published examples


def test_kr20_real_statistics_example_1() -> None:
    # Zaiontz, C. "Kuder and Richardson Formula 20", Real Statistics Using Excel (n.d.), Example 1:
    # 11 questions, 12 students, printed result ρKR20 = 0.738 (population variance, VAR.P, of totals).
    # http://real-statistics.com/reliability/kuder-richardson-formula-20
    # The site shows the data as a worksheet image; the 0/1 matrix below is the transcription of the same
    # Real Statistics data set in WolfMoon, "クロンバックの α" (Qiita), https://qiita.com/WolfMoon/items/323e73d19c320f621ea8
    rows = parse_matrix("""
        1 1 1 1 1 1 1 1 1 1 1
        1 1 1 1 1 1 1 1 0 1 0
        1 0 1 1 1 1 1 1 1 0 0
        1 1 1 0 1 1 0 1 1 0 0
        1 1 1 1 1 0 0 0 1 0 0
        0 1 1 0 1 1 1 1 0 0 0
        1 1 1 1 0 0 1 0 0 0 0
        1 1 1 1 1 0 0 0 0 0 0
        0 1 0 1 1 0 0 0 0 1 0
        1 0 0 1 0 1 0 0 0 0 0
        1 1 1 0 0 0 0 0 0 0 0
        1 0 0 1 0 0 0 0 0 0 0
    """)
    attempts = matrix_attempts(rows)
    items = [aggregate_item(attempts, f"i{j}") for j in range(11)]
    alpha = coefficient_alpha(aggregate_module(attempts, 11), items)
    assert alpha is not None and round(alpha, 3) == 0.738


def test_kr20_wuensch_worked_example() -> None:
    # Wuensch, K. L. "The Kuder-Richardson 20" (KR20.txt), East Carolina University, StatHelp (n.d.),
    # https://core.ecu.edu/wuenschk/StatHelp/KR20.txt — ten students, ten-item quiz. The handout prints
    # p·q per item (.21 .21 .24 .21 .24 .16 .21 .21 .25 .24, sum 2.18) and the total-score variance 5.84
    # (population: totals 8 7 7 2 2 9 8 9 7 7, mean 6.6, Σ(t − 6.6)² = 58.4, / 10), leaving the last step
    # to the reader: KR-20 = 10/9 · (1 − 2.18/5.84) = 0.69635.
    rows = parse_matrix("""
        1 1 1 1 1 1 0 1 1 0
        1 0 1 1 0 1 1 1 0 1
        1 1 1 1 0 1 1 0 0 1
        0 0 1 0 0 0 1 0 0 0
        0 0 0 0 0 1 0 0 1 0
        1 1 1 0 1 1 1 1 1 1
        1 1 0 1 1 1 0 1 1 1
        1 1 1 1 1 1 1 1 0 1
        0 1 0 1 1 1 1 1 0 1
        1 1 0 1 1 0 1 1 1 0
    """)
    attempts = matrix_attempts(rows)
    items = [aggregate_item(attempts, f"i{j}") for j in range(10)]
    printed_pq = [0.21, 0.21, 0.24, 0.21, 0.24, 0.16, 0.21, 0.21, 0.25, 0.24]
    assert [item_variance(i) for i in items] == pytest.approx(printed_pq)
    module = aggregate_module(attempts, 10)
    report = module_statistics(module, items)
    assert report.sd_population is not None and report.sd_population**2 == pytest.approx(5.84)
    assert report.reliability == pytest.approx(10 / 9 * (1 - 2.18 / 5.84))


def test_point_biserial_varma_item_rest_example() -> None:
    # Varma, S. (2003). "Preliminary Item Statistics Using Point-Biserial Correlation and P-Values".
    # Educational Data Systems, Inc. (www.eddata.com, EDS_Point_Biserial.pdf): nine students, ten items,
    # difficulty (p) and point-biserial printed per item; the printed coefficients are item–REST
    # correlations (the item is left out of the total), exactly what `point_biserial` computes.
    # Data and printed results as reproduced by Dartmouth Learning Analytics, "Leveraging quiz statistics
    # to inform quiz design" (Oct 2015), http://sites.dartmouth.edu/learninganalytics/2015/10/
    rows = parse_matrix("""
        1 1 1 1 1 1 1 1 0 1
        1 1 1 1 1 1 1 0 1 0
        1 1 1 1 1 1 0 1 0 0
        1 1 1 1 1 0 1 0 1 0
        1 1 1 1 1 1 0 1 0 0
        1 1 1 0 1 0 0 0 0 0
        1 1 0 1 0 1 0 0 0 0
        1 0 1 0 1 0 0 0 0 0
        0 1 1 0 0 0 0 0 0 0
    """)
    printed_difficulty = [0.89, 0.89, 0.89, 0.67, 0.78, 0.56, 0.33, 0.33, 0.22, 0.11]
    printed_point_biserial = [0.46, 0.29, 0.12, 0.73, 0.49, 0.49, 0.59, 0.46, 0.26, 0.40]
    attempts = matrix_attempts(rows)
    for j in range(10):
        item = aggregate_item(attempts, f"i{j}")
        assert facility(item) == pytest.approx(printed_difficulty[j], abs=0.005)
        assert point_biserial(item) == pytest.approx(printed_point_biserial[j], abs=0.005)


def test_point_biserial_brown_item_total_example() -> None:
    # Brown, J. D. (2001). "Point-biserial correlation coefficients". Shiken: JALT Testing & Evaluation
    # SIG Newsletter 5(3), Table 2, https://hosted.jalt.org/test/bro_12.htm — eight students; the table
    # gives items 1–3 and the whole-test total (of 50), Mp, Mq, St = 8.29 (population SD) and
    # r_pbi = .91, −.91, .00. These are item–TOTAL correlations: (Mp − Mq)/St · √(pq) = 15/8.29 · 0.5.
    # Exact value 0.9045; the printed .91 is 0.0055 away (the article's rounding), hence abs=0.01.
    # Item 3 (everyone right) is printed .00 but is 0/0, undefined: we return None.
    totals = [50, 45, 45, 40, 35, 30, 30, 25]
    columns = {1: [1, 1, 1, 1, 0, 0, 0, 0], 2: [0, 0, 0, 0, 1, 1, 1, 1], 3: [1] * 8}
    for number, expected in ((1, 0.91), (2, -0.91)):
        xs = columns[number]
        item = ItemAggregate(
            n=8, sum_x=sum(xs), sum_x2=sum(xs), sum_xt=sum(x * t for x, t in zip(xs, totals, strict=True)),
            sum_t=sum(totals), sum_t2=sum(t * t for t in totals),
        )
        assert item_total_correlation(item) == pytest.approx(expected, abs=0.01)
        exact = math.copysign(15 / math.sqrt(68.75) * 0.5, expected)  # (Mp − Mq)/St · √(pq)
        assert item_total_correlation(item) == pytest.approx(exact)
    item3 = ItemAggregate(n=8, sum_x=8, sum_x2=8, sum_xt=sum(totals), sum_t=sum(totals),
                          sum_t2=sum(t * t for t in totals))
    assert item_total_correlation(item3) is None
    assert point_biserial(item3) is None


# ------------------------------------------------------------------------------------------ properties

DYADIC_SCORES = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])  # exact in binary: raw and aggregate agree


@st.composite
def fixed_forms(draw: st.DrawFn) -> list[list[float]]:
    k = draw(st.integers(2, 6))
    n = draw(st.integers(1, 15))
    dichotomous = draw(st.booleans())
    score = st.sampled_from([0.0, 1.0]) if dichotomous else DYADIC_SCORES
    return draw(st.lists(st.lists(score, min_size=k, max_size=k), min_size=n, max_size=n))


@st.composite
def random_forms(draw: st.DrawFn) -> tuple[list[Attempt], int]:
    bank = [f"q{i}" for i in range(draw(st.integers(3, 8)))]
    k = draw(st.integers(2, len(bank)))
    attempts = []
    for _ in range(draw(st.integers(1, 20))):
        form = draw(st.permutations(bank))[:k]
        attempts.append({item: draw(DYADIC_SCORES) for item in form})
    return attempts, k


@settings(max_examples=150, deadline=None)
@given(fixed_forms())
def test_fixed_form_properties(rows: list[list[float]]) -> None:
    attempts = matrix_attempts(rows)
    k = len(rows[0])
    items = [aggregate_item(attempts, f"i{j}") for j in range(k)]
    for j, item in enumerate(items):
        p = facility(item)
        assert p is not None and 0.0 <= p <= 1.0
        r = point_biserial(item)
        assert r is None or -1.0 <= r <= 1.0
        expected = raw_item_rest(attempts, f"i{j}")
        assert r == (pytest.approx(expected) if expected is not None else None)
    alpha = coefficient_alpha(aggregate_module(attempts, k), items)
    expected_alpha = raw_alpha(attempts, k)
    assert alpha == (pytest.approx(expected_alpha) if expected_alpha is not None else None)
    assert alpha is None or alpha <= 1.0 + 1e-12


@settings(max_examples=150, deadline=None)
@given(random_forms())
def test_random_form_properties(case: tuple[list[Attempt], int]) -> None:
    attempts, k = case
    module = aggregate_module(attempts, k)
    cuts = upper_lower_cuts(module.totals_histogram)
    items = [aggregate_item(attempts, i, cuts) for i in sorted({i for a in attempts for i in a})]
    for item in items:
        report = analyse_item(item)
        assert report.facility is not None and 0.0 <= report.facility <= 1.0
        for value in (report.point_biserial, report.item_total_correlation, report.discrimination_index):
            assert value is None or -1.0 <= value <= 1.0
    stats = module_statistics(module, items)
    assert stats.reliability is None or stats.reliability <= 1.0
    expected_alpha = raw_alpha(attempts, k)
    assert stats.reliability == (pytest.approx(expected_alpha) if expected_alpha is not None else None)
    assert stats.sem is None or stats.sem >= 0
    if cuts is not None:
        assert cuts.upper_cut > cuts.lower_cut and cuts.upper_n >= 1 and cuts.lower_n >= 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=30),
       st.lists(st.floats(0, 20, allow_nan=False), min_size=30, max_size=30))
def test_correlations_stay_in_range_for_arbitrary_partial_credit(xs: list[float], rests: list[float]) -> None:
    pairs = list(zip(xs, rests[: len(xs)], strict=True))
    item = ItemAggregate(
        n=len(pairs), sum_x=sum(x for x, _ in pairs), sum_x2=min(sum(x * x for x, _ in pairs), sum(xs)),
        sum_xt=sum(x * (x + r) for x, r in pairs), sum_t=sum(x + r for x, r in pairs),
        sum_t2=sum((x + r) ** 2 for x, r in pairs),
    )
    assert 0.0 <= (facility(item) or 0.0) <= 1.0
    for value in (point_biserial(item), item_total_correlation(item)):
        assert value is None or -1.0 <= value <= 1.0
