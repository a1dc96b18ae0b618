"""Modified Angoff cut scores and ICC(2,1) / ICC(2,k), by hand and against Shrout & Fleiss (1979)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizbank.domain.standard_setting import (
    AngoffRatingsError,
    IntraclassCorrelation,
    angoff_round,
    angoff_study,
    intraclass_correlation,
    validate_angoff_ratings,
)

# Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater reliability.
# Psychological Bulletin, 86(2), 420–428: their worked example, six targets rated by four judges on a
# 1–10 scale, with the printed results ICC(2,1) = .29 and ICC(2,4) = .62. The same data and values are
# the regression test of the R package psych, tests/testthat/test_ICC.R
# (https://rdrr.io/cran/psych/src/tests/testthat/test_ICC.R), which is where the data were checked.
SHROUT_FLEISS_TABLE_2 = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_icc_reproduces_shrout_and_fleiss() -> None:
    icc = intraclass_correlation(SHROUT_FLEISS_TABLE_2)
    assert icc.targets == 6 and icc.raters == 4
    assert icc.single_rater is not None and round(icc.single_rater, 2) == 0.29
    assert icc.average_of_raters is not None and round(icc.average_of_raters, 2) == 0.62
    # Their ANOVA mean squares: BMS = 11.24, JMS = 32.49, EMS = 1.02, n = 6, k = 4, so
    # ICC(2,1) = (11.24 − 1.02) / (11.24 + 3·1.02 + 4·(32.49 − 1.02)/6) = 10.22 / 35.28 = 0.2897.
    assert icc.single_rater == pytest.approx(10.22 / 35.28, abs=5e-4)


def test_shrout_fleiss_as_angoff_ratings() -> None:
    # The same table read as 6 items × 4 raters, divided by 10 to give probabilities: an ICC is unchanged
    # by rescaling every rating, so the panel's agreement is again .29 / .62.
    ratings = {
        f"judge{j + 1}": {f"item{i + 1}": row[j] / 10 for i, row in enumerate(SHROUT_FLEISS_TABLE_2)}
        for j in range(4)
    }
    result = angoff_round(ratings, form_length=40)
    assert round(result.agreement.single_rater or 0, 2) == 0.29
    assert round(result.agreement.average_of_raters or 0, 2) == 0.62
    # Judge means (column means / 10): 46/60, 15/60, 26/60, 40/60; grand mean 127/240.
    assert dict(result.rater_cut_scores) == pytest.approx(
        {"judge1": 46 / 60, "judge2": 15 / 60, "judge3": 26 / 60, "judge4": 40 / 60})
    assert result.cut_fraction == pytest.approx(127 / 240)
    assert result.cut_points == pytest.approx(40 * 127 / 240)


# Hand-worked Angoff round: 3 raters × 4 items, 20-item forms.
#
#            item a  item b  item c  item d   rater cut
#   r1         .6      .7      .8      .5       .65
#   r2         .5      .6      .7      .6       .60
#   r3         .7      .8      .9      .6       .75
#   item mean  .6      .7      .8     .5667
#
# cut = (.65 + .60 + .75)/3 = 2/3; on a 20-item form 13.33 points.
# rater SD (n − 1): deviations −1/60, −4/60, +5/60 → Σd² = 42/3600; /2 → SD = √(21/3600) = 0.076376
# SE = 0.076376/√3 = 0.044096 (0.88192 points).
# ANOVA, items as targets (n = 4), raters as judges (k = 3), grand mean 2/3:
#   SS_items = 3·(.0667² + .0333² + .1333² + .1²) = 3·(1/30) = 0.1      → BMS = 0.1/3
#   SS_raters = 4·(42/3600) = 0.046667                                   → JMS = 0.023333
#   SS_total = 0.166667, SS_error = 0.166667 − 0.1 − 0.046667 = 0.02     → EMS = 0.02/6
#   ICC(2,1) = (1/30 − 1/300)/(1/30 + 2/300 + 3·(0.023333 − 0.003333)/4) = 0.03/0.055 = 6/11
#   ICC(2,3) = 0.03/(1/30 + 0.02/4) = 0.03/0.038333 = 18/23
HAND_RATINGS = {
    "r1": {"a": 0.6, "b": 0.7, "c": 0.8, "d": 0.5},
    "r2": {"a": 0.5, "b": 0.6, "c": 0.7, "d": 0.6},
    "r3": {"a": 0.7, "b": 0.8, "c": 0.9, "d": 0.6},
}


def test_hand_worked_angoff_round() -> None:
    result = angoff_round(HAND_RATINGS, form_length=20)
    assert (result.raters, result.items, result.form_length) == (3, 4, 20)
    assert dict(result.rater_cut_scores) == pytest.approx({"r1": 0.65, "r2": 0.60, "r3": 0.75})
    assert dict(result.item_mean_ratings) == pytest.approx({"a": 0.6, "b": 0.7, "c": 0.8, "d": 1.7 / 3})
    assert result.cut_fraction == pytest.approx(2 / 3)
    assert result.cut_points == pytest.approx(40 / 3)
    assert result.rater_sd == pytest.approx(math.sqrt(21 / 3600))
    assert result.standard_error == pytest.approx(math.sqrt(21 / 3600) / math.sqrt(3))
    assert result.standard_error_points == pytest.approx(20 * math.sqrt(21 / 3600) / math.sqrt(3))
    assert result.agreement.single_rater == pytest.approx(6 / 11)
    assert result.agreement.average_of_raters == pytest.approx(18 / 23)


def test_two_rounds_recommend_the_last() -> None:
    round_two = {rater: {item: min(1.0, v + 0.05) for item, v in by_item.items()}
                 for rater, by_item in HAND_RATINGS.items()}
    study = angoff_study([HAND_RATINGS, round_two], form_length=20)
    assert len(study.rounds) == 2
    assert study.rounds[0].cut_fraction == pytest.approx(2 / 3)
    assert study.recommended is study.rounds[1]
    assert study.recommended.cut_fraction == pytest.approx(2 / 3 + 0.05)


def test_validation_reports_every_problem() -> None:
    ratings = {
        "r1": {"a": 0.6, "b": 70},  # a percentage typed instead of a probability
        "r2": {"a": -0.1},  # negative, and no rating for b
        "r3": {"a": float("nan"), "b": 0.5},
    }
    problems = validate_angoff_ratings(ratings)
    where = [p.where for p in problems]
    assert where == ["r1/b", "r2/a", "r2/b", "r3/a"]
    assert "enter 0.7 for 70%" in problems[0].message
    assert "has no rating for item b" in problems[2].message
    with pytest.raises(AngoffRatingsError) as caught:
        angoff_round(ratings, form_length=20)
    assert len(caught.value.problems) == 4


def test_validation_needs_two_raters_and_some_items() -> None:
    assert [p.message for p in validate_angoff_ratings({"r1": {"a": 0.5}})] == [
        "an Angoff panel needs at least 2 raters; got 1"]
    assert {p.message for p in validate_angoff_ratings({})} == {
        "an Angoff panel needs at least 2 raters; got 0", "no item has been rated"}
    assert [p.message for p in validate_angoff_ratings({"r1": {}, "r2": {}})] == ["no item has been rated"]
    assert validate_angoff_ratings({"r1": {"a": True}, "r2": {"a": "0.5"}})  # type: ignore[dict-item]
    assert validate_angoff_ratings({"r1": {"a": 0}, "r2": {"a": 1}}) == []  # 0 and 1 are allowed
    with pytest.raises(AngoffRatingsError, match="round 2: r2/a"):
        angoff_study([HAND_RATINGS, {"r1": {"a": 0.5}, "r2": {"a": 2}}], form_length=10)
    with pytest.raises(AngoffRatingsError, match="no round"):
        angoff_study([], form_length=10)
    with pytest.raises(ValueError, match="form_length"):
        angoff_round(HAND_RATINGS, form_length=0)


def test_icc_is_none_when_undefined() -> None:
    # Every rating identical: BMS = JMS = EMS = 0, so 0/0.
    same = angoff_round({"r1": {"a": 0.7, "b": 0.7}, "r2": {"a": 0.7, "b": 0.7}}, form_length=10)
    assert same.agreement == IntraclassCorrelation(None, None, targets=2, raters=2)
    assert same.rater_sd == 0.0 and same.standard_error == 0.0
    # A single item gives no between-items variation to compare.
    one_item = angoff_round({"r1": {"a": 0.6}, "r2": {"a": 0.8}}, form_length=10)
    assert one_item.agreement.single_rater is None and one_item.cut_fraction == pytest.approx(0.7)
    assert intraclass_correlation([]) == IntraclassCorrelation(None, None, 0, 0)
    with pytest.raises(ValueError):
        intraclass_correlation([[1, 2], [3]])


@st.composite
def panels(draw: st.DrawFn) -> dict[str, dict[str, float]]:
    raters = draw(st.integers(2, 6))
    items = draw(st.integers(1, 8))
    rating = st.integers(0, 20).map(lambda v: v / 20)
    return {f"r{r}": {f"i{i}": draw(rating) for i in range(items)} for r in range(raters)}


@settings(max_examples=150, deadline=None)
@given(panels(), st.integers(1, 60))
def test_angoff_properties(ratings: dict[str, dict[str, float]], form_length: int) -> None:
    result = angoff_round(ratings, form_length)
    assert 0.0 <= result.cut_fraction <= 1.0
    assert 0.0 <= result.cut_points <= form_length + 1e-9
    assert result.standard_error >= 0.0
    single, average = result.agreement.single_rater, result.agreement.average_of_raters
    for value in (single, average):
        assert value is None or value <= 1.0 + 1e-9
    if single is not None and average is not None:
        # ICC(2,k) is the Spearman–Brown step-up of ICC(2,1) (Shrout & Fleiss 1979, eq. for case 2).
        k = result.raters
        assert average == pytest.approx(k * single / (1 + (k - 1) * single), abs=1e-9)
