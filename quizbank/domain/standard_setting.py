"""Modified Angoff standard setting and the intraclass correlations used to judge rater agreement.

Each rater (a panel member) estimates, for every item, the probability that a *minimally competent*
candidate answers it correctly: ``ratings[rater][item]`` in [0, 1]. Panels often rate twice, discussing
and seeing item data in between; the last round gives the recommended cut score.

Sources: Angoff, W. H. (1971), "Scales, norms, and equivalent scores", in R. L. Thorndike (ed.),
*Educational Measurement* (2nd ed.), 508–600; Cizek, G. J. & Bunch, M. B. (2007), *Standard Setting*,
ch. 6 (modified Angoff, standard error of the panel's cut score); Shrout, P. E. & Fleiss, J. L. (1979),
"Intraclass correlations: uses in assessing rater reliability", *Psychological Bulletin* 86(2), 420–428.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from .types import Problem

Ratings = Mapping[str, Mapping[str, float]]  # rater id → item id → probability in [0, 1]


class AngoffRatingsError(ValueError):
    """The ratings cannot be used; ``problems`` says what is wrong and where (``rater/item``)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class IntraclassCorrelation:
    """Shrout & Fleiss ICC(2,1) and ICC(2,k): two-way random effects, absolute agreement."""

    single_rater: float | None  # ICC(2,1): reliability of one rater's ratings
    average_of_raters: float | None  # ICC(2,k): reliability of the panel's mean rating
    targets: int
    raters: int


@dataclass(frozen=True)
class AngoffRound:
    """The result of one round of ratings; cut scores as a fraction and as points on a k-item form."""

    raters: int
    items: int
    form_length: int
    rater_cut_scores: Mapping[str, float]  # each rater's mean rating
    item_mean_ratings: Mapping[str, float]  # the panel's mean rating per item
    cut_fraction: float  # mean over raters of their cut scores
    cut_points: float  # cut_fraction × k
    rater_sd: float  # sample SD (divisor raters − 1) of the rater cut scores
    standard_error: float  # rater_sd / √raters, as a fraction
    standard_error_points: float  # the same × k
    agreement: IntraclassCorrelation  # items as targets, raters as judges


@dataclass(frozen=True)
class AngoffStudy:
    rounds: tuple[AngoffRound, ...]

    @property
    def recommended(self) -> AngoffRound:
        """The last round: discussion between rounds is meant to improve the ratings."""
        return self.rounds[-1]


def intraclass_correlation(table: Sequence[Sequence[float]]) -> IntraclassCorrelation:
    """ICC(2,1) and ICC(2,k) for an n-targets × k-raters table (Shrout & Fleiss 1979, case 2).

    From the two-way ANOVA without replication, with BMS the between-targets mean square, JMS the
    between-raters mean square and EMS the residual mean square:

        ICC(2,1) = (BMS − EMS) / (BMS + (k − 1)·EMS + k·(JMS − EMS)/n)
        ICC(2,k) = (BMS − EMS) / (BMS + (JMS − EMS)/n)

    Both are ``None`` with fewer than 2 targets or raters, or when a denominator is not positive (e.g.
    every rating identical). The table must be complete and rectangular.
    """
    n = len(table)
    k = len(table[0]) if n else 0
    if any(len(row) != k for row in table):
        raise ValueError("every target needs a rating from every rater")
    if n < 2 or k < 2:
        return IntraclassCorrelation(None, None, targets=n, raters=k)
    grand_mean = sum(map(sum, table)) / (n * k)
    row_means = [sum(row) / k for row in table]
    column_means = [sum(row[j] for row in table) / n for j in range(k)]
    ss_total = sum((value - grand_mean) ** 2 for row in table for value in row)
    ss_targets = k * sum((m - grand_mean) ** 2 for m in row_means)
    ss_raters = n * sum((m - grand_mean) ** 2 for m in column_means)
    ss_error = max(0.0, ss_total - ss_targets - ss_raters)
    bms = ss_targets / (n - 1)
    jms = ss_raters / (k - 1)
    ems = ss_error / ((n - 1) * (k - 1))
    single_denominator = bms + (k - 1) * ems + k * (jms - ems) / n
    average_denominator = bms + (jms - ems) / n
    # Mean squares that are zero up to rounding (every rating equal) must not divide: ICC is undefined.
    scale = max(abs(bms), abs(ems), abs(jms), 1.0)
    tiny = 1e-9 * scale
    return IntraclassCorrelation(
        single_rater=(bms - ems) / single_denominator if single_denominator > tiny else None,
        average_of_raters=(bms - ems) / average_denominator if average_denominator > tiny else None,
        targets=n,
        raters=k,
    )


def validate_angoff_ratings(ratings: Ratings) -> list[Problem]:
    """Everything wrong with one round of ratings, in plain language; an empty list when usable.

    Checks: at least 2 raters, at least one item, every rater rates every item that any rater rated, and
    every rating is a number in [0, 1].
    """
    problems: list[Problem] = []
    if len(ratings) < 2:
        problems.append(Problem(f"an Angoff panel needs at least 2 raters; got {len(ratings)}"))
    items = sorted({item for by_item in ratings.values() for item in by_item})
    if not items:
        problems.append(Problem("no item has been rated"))
    for rater in sorted(ratings):
        for item in items:
            where = f"{rater}/{item}"
            value = ratings[rater].get(item)
            if value is None:
                problems.append(Problem(f"rater {rater} has no rating for item {item}", where=where))
            elif isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                hint = " (enter 0.7 for 70%)" if isinstance(value, int | float) and 1 < value <= 100 else ""
                problems.append(Problem(
                    f"rater {rater} rated item {item} {value!r}; a rating is a probability from 0 to 1{hint}",
                    where=where,
                ))
    return problems


def angoff_round(ratings: Ratings, form_length: int) -> AngoffRound:
    """Cut score of one round: the mean over raters of each rater's mean item rating.

    On a k-item form the expected score of a minimally competent candidate is k × that fraction, since
    forms are random draws from the rated items. The standard error is the sample SD of the rater cut
    scores divided by √(raters) (Cizek & Bunch 2007). Agreement is the ICC of the items × raters table.
    Raises `AngoffRatingsError` listing every problem found by `validate_angoff_ratings`.
    """
    if form_length < 1:
        raise ValueError("form_length must be at least 1")
    problems = validate_angoff_ratings(ratings)
    if problems:
        raise AngoffRatingsError(problems)
    raters = sorted(ratings)
    items = sorted({item for by_item in ratings.values() for item in by_item})
    rater_cuts = {rater: statistics.fmean(ratings[rater][item] for item in items) for rater in raters}
    item_means = {item: statistics.fmean(ratings[rater][item] for rater in raters) for item in items}
    cut = statistics.fmean(rater_cuts.values())
    rater_sd = statistics.stdev(rater_cuts.values())
    standard_error = rater_sd / math.sqrt(len(raters))
    table = [[float(ratings[rater][item]) for rater in raters] for item in items]
    return AngoffRound(
        raters=len(raters),
        items=len(items),
        form_length=form_length,
        rater_cut_scores=MappingProxyType(rater_cuts),
        item_mean_ratings=MappingProxyType(item_means),
        cut_fraction=cut,
        cut_points=cut * form_length,
        rater_sd=rater_sd,
        standard_error=standard_error,
        standard_error_points=standard_error * form_length,
        agreement=intraclass_correlation(table),
    )


def angoff_study(rounds: Sequence[Ratings], form_length: int) -> AngoffStudy:
    """Analyse one or more rounds (usually two); `AngoffStudy.recommended` is the last one.

    Raises `AngoffRatingsError` for problems in any round (located as ``round N: rater/item``).
    """
    if not rounds:
        raise AngoffRatingsError([Problem("no round of ratings was given")])
    problems = [
        Problem(p.message, where=f"round {number}: {p.where}" if p.where else f"round {number}")
        for number, ratings in enumerate(rounds, start=1)
        for p in validate_angoff_ratings(ratings)
    ]
    if problems:
        raise AngoffRatingsError(problems)
    return AngoffStudy(tuple(angoff_round(ratings, form_length) for ratings in rounds))
