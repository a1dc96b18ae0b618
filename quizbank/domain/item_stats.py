"""Classical item analysis and module score statistics, computed from aggregates.

The database reduces responses to sums and counts (SQL ``GROUP BY``) and hands them to these pure
functions, so memory does not grow with the number of responses. Conventions used throughout:

- an item score x is in [0, 1] (most items 0/1, some partial credit); an attempt's total t is the sum of
  its item scores, in points, so a k-item form has totals in [0, k];
- "n" for an item counts the attempts that were shown that item (forms are drawn at random from the bank);
- variances are population variances (divide by n) unless a name says ``sample``; ratios of variances,
  such as coefficient alpha, are the same under either convention;
- every statistic that cannot be computed (no responses, fewer than two, zero variance) is ``None``,
  never 0 and never NaN, so a template can say "not enough data" instead of showing a misleading number.

Sources: Kuder & Richardson (1937), Psychometrika 2:151–160 (KR-20); Cronbach (1951), Psychometrika
16:297–334 (coefficient alpha); Kelley (1939), J. Educ. Psychol. 30:17–24 (upper and lower 27% groups);
Crocker & Algina (1986), *Introduction to Classical and Modern Test Theory*, ch. 14 (item analysis,
corrected item–total correlation, standard error of measurement); Haladyna & Downing (1993), Educ.
Psychol. Meas. 53:999–1010 (distractors chosen by fewer than 5% are non-functioning); Hyndman & Fan
(1996), Am. Stat. 50:361–365 (sample quantiles).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

UPPER_LOWER_FRACTION = 0.27
_TOLERANCE = 1e-9  # for comparing counts, proportions and points that went through float arithmetic
_RELATIVE_TOLERANCE = 1e-10  # a centred sum of squares below this share of the raw one is rounding noise


# ---------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class OptionTally:
    """How often one option of a choice item was selected, overall and in the upper / lower groups.

    List every option of the question version, including those never chosen (count 0): an option that is
    missing here cannot be reported as non-functioning. For multiple-response items an option counts once
    per response that selected it, so the proportions of an item's options may add up to more than 1.
    """

    option_id: str
    is_key: bool
    chosen: int
    chosen_upper: int = 0
    chosen_lower: int = 0
    label: str = ""  # what an instructor recognises ("B", or the option text); the id is used when empty


@dataclass(frozen=True)
class ItemAggregate:
    """Sums over the n attempts that were shown one question version (x = item score, t = attempt total).

    ``sum_xt`` is Σ x·t; ``sum_t`` and ``sum_t2`` run over the same n attempts, not the whole module.
    ``upper_n`` / ``lower_n`` count those of the n attempts whose total is in the upper / lower group
    (see `upper_lower_cuts`) and ``upper_sum_x`` / ``lower_sum_x`` sum the item score within them.
    ``sum_seconds`` is the time spent on the item over the n responses, ``None`` when not recorded.
    """

    n: int
    sum_x: float
    sum_x2: float
    sum_xt: float
    sum_t: float
    sum_t2: float
    sum_seconds: float | None = None
    upper_n: int = 0
    upper_sum_x: float = 0.0
    lower_n: int = 0
    lower_sum_x: float = 0.0
    options: tuple[OptionTally, ...] = ()

    def __post_init__(self) -> None:
        _require(self.n >= 0 and self.upper_n >= 0 and self.lower_n >= 0, "counts cannot be negative")
        _require(self.upper_n + self.lower_n <= self.n, "the upper and lower groups cannot exceed n")
        _require(_within(self.sum_x, self.n), "sum_x must lie in [0, n]: item scores are 0..1")
        _require(_within(self.sum_x2, self.sum_x), "sum_x2 must lie in [0, sum_x]: item scores are 0..1")
        _require(_within(self.upper_sum_x, self.upper_n), "upper_sum_x must lie in [0, upper_n]")
        _require(_within(self.lower_sum_x, self.lower_n), "lower_sum_x must lie in [0, lower_n]")
        _require(self.sum_seconds is None or self.sum_seconds >= 0, "sum_seconds cannot be negative")
        for option in self.options:
            _require(
                0 <= option.chosen <= self.n
                and 0 <= option.chosen_upper <= self.upper_n
                and 0 <= option.chosen_lower <= self.lower_n,
                f"option {option.option_id!r}: counts must lie between 0 and the size of their group",
            )


@dataclass(frozen=True)
class ModuleAggregate:
    """Sums over the attempts of one module: Σt and Σt² of the totals, and a histogram total → count.

    ``form_length`` is k, the number of items on every form. ``passed`` counts attempts that passed under
    the module's rules (which may include critical items), ``None`` when not supplied. The histogram is
    frozen into a read-only mapping sorted by total; when given, its counts must add up to ``attempts``.
    """

    attempts: int
    sum_t: float
    sum_t2: float
    form_length: int
    totals_histogram: Mapping[float, int] = field(default_factory=dict)
    passed: int | None = None

    def __post_init__(self) -> None:
        _require(self.attempts >= 0, "attempts cannot be negative")
        _require(self.form_length >= 1, "form_length must be at least 1")
        _require(self.passed is None or 0 <= self.passed <= self.attempts, "passed must lie in [0, attempts]")
        histogram = _frozen_histogram(self.totals_histogram)
        _require(
            not histogram or sum(histogram.values()) == self.attempts,
            "the histogram counts must add up to the number of attempts",
        )
        object.__setattr__(self, "totals_histogram", histogram)


@dataclass(frozen=True)
class FlagThresholds:
    """Where the item flags start. The defaults are the usual rules of thumb for classroom item review."""

    too_easy_above: float = 0.95
    too_hard_below: float = 0.20
    weak_discrimination_below: float = 0.15
    non_functioning_below: float = 0.05
    few_responses_below: int = 30


# --------------------------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class GroupCuts:
    """Upper group: attempts with total ≥ ``upper_cut``; lower group: total ≤ ``lower_cut``."""

    upper_cut: float
    lower_cut: float
    upper_n: int
    lower_n: int
    attempts: int


@dataclass(frozen=True)
class OptionStats:
    option_id: str
    label: str
    is_key: bool
    proportion: float | None  # share of the n responses that chose it
    proportion_upper: float | None
    proportion_lower: float | None
    non_functioning: bool  # a distractor chosen by fewer than 5% (by default)
    attracts_upper_group: bool  # a distractor chosen more by the upper group than by the lower


class FlagCode(StrEnum):
    TOO_EASY = "too_easy"
    TOO_HARD = "too_hard"
    NEGATIVE_DISCRIMINATION = "negative_discrimination"
    WEAK_DISCRIMINATION = "weak_discrimination"
    NON_FUNCTIONING_DISTRACTOR = "non_functioning_distractor"
    DISTRACTOR_ATTRACTS_STRONG = "distractor_attracts_strong"
    FEW_RESPONSES = "few_responses"


@dataclass(frozen=True)
class ItemFlag:
    code: FlagCode
    message: str  # one or two plain sentences: what was seen and what to do
    option_id: str | None = None


@dataclass(frozen=True)
class ItemReport:
    n: int
    facility: float | None
    item_variance: float | None
    point_biserial: float | None  # item–rest (corrected item–total) correlation
    item_total_correlation: float | None  # uncorrected, the item is part of the total
    discrimination_index: float | None  # D = p_upper − p_lower
    upper_facility: float | None
    lower_facility: float | None
    mean_seconds: float | None
    options: tuple[OptionStats, ...]
    flags: tuple[ItemFlag, ...]


@dataclass(frozen=True)
class ScoreBin:
    """Attempts whose total lies in [lower, upper)."""

    lower: float
    upper: float
    count: int


@dataclass(frozen=True)
class ModuleReport:
    attempts: int
    form_length: int
    mean: float | None
    mean_fraction: float | None  # mean / k
    sd: float | None  # sample SD (divisor N − 1): the one to show and the one used for the SEM
    sd_population: float | None  # divisor N
    median: float | None
    lower_quartile: float | None
    upper_quartile: float | None
    minimum: float | None
    maximum: float | None
    bins: tuple[ScoreBin, ...]
    reliability: float | None  # coefficient alpha (KR-20 for a fixed form of 0/1 items)
    sem: float | None  # standard error of measurement, in points
    pass_rate: float | None


# ------------------------------------------------------------------------------------------ item stats


def facility(item: ItemAggregate) -> float | None:
    """Facility (difficulty index, p-value): the mean item score Σx / n, in [0, 1]; ``None`` when n = 0."""
    return _clamp(item.sum_x / item.n, 0.0, 1.0) if item.n else None


def item_variance(item: ItemAggregate) -> float | None:
    """Population variance of the item score, Σx²/n − (Σx/n)²; p·(1 − p) for a 0/1 item. ``None`` if n = 0."""
    if not item.n:
        return None
    return _centred(item.n, item.sum_x, item.sum_x2) / (item.n * item.n)


def point_biserial(item: ItemAggregate) -> float | None:
    """Pearson correlation of the item score x with the rest score r = t − x (corrected item–total).

    Computed from the aggregates with Σr = Σt − Σx, Σr² = Σt² − 2Σxt + Σx² and Σx·r = Σxt − Σx²:

        r_pb = (n·Σxr − Σx·Σr) / √[(n·Σx² − (Σx)²) · (n·Σr² − (Σr)²)]

    For a 0/1 item this is the point-biserial correlation; leaving the item out of the total removes the
    part-whole inflation that matters on short forms (Crocker & Algina 1986, §14.3). ``None`` when n < 2
    or when the item score or the rest score does not vary.
    """
    if item.n < 2:
        return None
    sum_rest = item.sum_t - item.sum_x
    sum_rest2 = item.sum_t2 - 2 * item.sum_xt + item.sum_x2
    sum_x_rest = item.sum_xt - item.sum_x2
    return _pearson(item.n, item.sum_x, item.sum_x2, sum_rest, sum_rest2, sum_x_rest)


def item_total_correlation(item: ItemAggregate) -> float | None:
    """Uncorrected Pearson correlation of x with the total t (the item included); ``None`` when undefined.

    Reported for comparison with tools that print it; `point_biserial` (item–rest) drives the flags.
    """
    if item.n < 2:
        return None
    return _pearson(item.n, item.sum_x, item.sum_x2, item.sum_t, item.sum_t2, item.sum_xt)


def discrimination_index(item: ItemAggregate) -> float | None:
    """Upper–lower discrimination index D = p_upper − p_lower (Kelley 1939), in [−1, 1].

    p_upper / p_lower are the mean item scores of the attempts in the upper / lower 27% groups that saw the
    item. ``None`` when either group has no such attempt.
    """
    if not item.upper_n or not item.lower_n:
        return None
    return _clamp(item.upper_sum_x / item.upper_n - item.lower_sum_x / item.lower_n, -1.0, 1.0)


def upper_lower_cuts(
    totals_histogram: Mapping[float, int], fraction: float = UPPER_LOWER_FRACTION
) -> GroupCuts | None:
    """Cut totals for the upper and lower ``fraction`` (27%) of attempts, from a histogram total → count.

    Tie handling: attempts with the same total are never split, because the database selects the groups
    with ``total >= upper_cut`` and ``total <= lower_cut``. Walking down from the highest total, the block
    of tied attempts that crosses the target fraction·N is included when that leaves the group at least as
    close to the target as excluding it would (an exact tie of distances includes it), and always when
    excluding it would leave the group empty. The bottom is handled the same way walking up. Groups can
    therefore be somewhat larger or smaller than 27%; `GroupCuts` reports their sizes.

    ``None`` when there are fewer than two attempts, or when ties make the groups share attempts or
    either group hold more than half of them (e.g. most attempts tied on one total): D would then no
    longer compare the extremes.
    """
    if not 0 < fraction <= 0.5:
        raise ValueError("fraction must be in (0, 0.5]")
    histogram = _frozen_histogram(totals_histogram)
    attempts = sum(histogram.values())
    if attempts < 2:
        return None
    ascending = list(histogram.items())
    upper_cut, upper_n = _group_cut(list(reversed(ascending)), fraction * attempts)
    lower_cut, lower_n = _group_cut(ascending, fraction * attempts)
    if upper_cut <= lower_cut or 2 * max(upper_n, lower_n) > attempts:
        return None
    return GroupCuts(upper_cut, lower_cut, upper_n=upper_n, lower_n=lower_n, attempts=attempts)


def option_statistics(
    item: ItemAggregate, thresholds: FlagThresholds | None = None
) -> tuple[OptionStats, ...]:
    """Per option: proportion choosing it overall, in the upper and in the lower group, and two flags.

    A distractor (an option that is not a key) is *non-functioning* when fewer than 5% of the responses
    chose it (Haladyna & Downing 1993), and *attracts the upper group* when p_upper > p_lower, the usual
    sign of a second defensible answer or a wrong key. Keys are never flagged here: a key that the lower
    group prefers shows up as negative discrimination. Proportions are ``None`` when their group is empty.
    """
    limits = thresholds or FlagThresholds()
    result = []
    for option in item.options:
        overall = _share(option.chosen, item.n)
        upper = _share(option.chosen_upper, item.upper_n)
        lower = _share(option.chosen_lower, item.lower_n)
        distractor = not option.is_key
        result.append(
            OptionStats(
                option_id=option.option_id,
                label=option.label or option.option_id,
                is_key=option.is_key,
                proportion=overall,
                proportion_upper=upper,
                proportion_lower=lower,
                non_functioning=distractor and overall is not None and overall < limits.non_functioning_below,
                attracts_upper_group=distractor and upper is not None and lower is not None and upper > lower,
            )
        )
    return tuple(result)


def mean_seconds(item: ItemAggregate) -> float | None:
    """Mean time spent on the item, Σseconds / n; ``None`` when n = 0 or time was not recorded."""
    if not item.n or item.sum_seconds is None:
        return None
    return item.sum_seconds / item.n


def analyse_item(item: ItemAggregate, thresholds: FlagThresholds | None = None) -> ItemReport:
    """All item statistics plus plain-language flags an instructor can act on.

    Flags: too easy (facility > 0.95), too hard (< 0.20), negative discrimination (< 0), weak
    discrimination (< 0.15), non-functioning distractor, distractor chosen more by the upper group, and a
    caution when fewer than 30 responses support the figures. Discrimination means the item–rest
    correlation, or D when the correlation is undefined (e.g. for lack of the module-wide sums).
    """
    limits = thresholds or FlagThresholds()
    report = ItemReport(
        n=item.n,
        facility=facility(item),
        item_variance=item_variance(item),
        point_biserial=point_biserial(item),
        item_total_correlation=item_total_correlation(item),
        discrimination_index=discrimination_index(item),
        upper_facility=_share(item.upper_sum_x, item.upper_n),
        lower_facility=_share(item.lower_sum_x, item.lower_n),
        mean_seconds=mean_seconds(item),
        options=option_statistics(item, limits),
        flags=(),
    )
    return replace(report, flags=_item_flags(report, limits))


def _item_flags(report: ItemReport, limits: FlagThresholds) -> tuple[ItemFlag, ...]:
    flags: list[ItemFlag] = []
    p = report.facility
    if p is not None and p > limits.too_easy_above:
        flags.append(ItemFlag(FlagCode.TOO_EASY, (
            f"{_percent(p)} of trainees answer this correctly, so it hardly separates those who know the "
            "material from those who do not. Keep it only if it checks an essential safety point; "
            "otherwise make the wrong options more plausible or ask about a harder aspect.")))
    if p is not None and p < limits.too_hard_below:
        flags.append(ItemFlag(FlagCode.TOO_HARD, (
            f"Only {_percent(p)} of trainees answer this correctly. First check that the answer key is "
            "right, then that the wording is clear and that the module actually teaches this point.")))
    if report.point_biserial is not None:
        discrimination, name = report.point_biserial, "item–rest correlation"
    else:
        discrimination, name = report.discrimination_index, "upper–lower index"
    if discrimination is not None and discrimination < 0:
        flags.append(ItemFlag(FlagCode.NEGATIVE_DISCRIMINATION, (
            "Trainees who do well on the rest of the quiz get this question wrong more often than those "
            f"who do poorly ({name} {discrimination:+.2f}). Check the answer key first, then look for a "
            "second defensible answer or wording that misleads careful readers.")))
    elif discrimination is not None and discrimination < limits.weak_discrimination_below:
        flags.append(ItemFlag(FlagCode.WEAK_DISCRIMINATION, (
            f"This question barely separates stronger from weaker trainees ({name} {discrimination:.2f}; "
            f"aim for {limits.weak_discrimination_below:.2f} or more). Look for ambiguous wording, a clue "
            "that gives the answer away, or wrong options that nobody believes.")))
    for option in report.options:
        if option.non_functioning:
            flags.append(ItemFlag(FlagCode.NON_FUNCTIONING_DISTRACTOR, (
                f"Option {option.label} was chosen by only {_percent(option.proportion)} of trainees, so "
                "it does not work as a wrong answer. Replace it with a mistake trainees really make, or "
                "remove it."), option.option_id))
        if option.attracts_upper_group:
            flags.append(ItemFlag(FlagCode.DISTRACTOR_ATTRACTS_STRONG, (
                f"Option {option.label} was chosen by more of the strongest trainees "
                f"({_percent(option.proportion_upper)}) than of the weakest "
                f"({_percent(option.proportion_lower)}). It may be defensible as correct, or the key may be "
                "wrong: check it against current guidance."), option.option_id))
    if report.n < limits.few_responses_below:
        flags.append(ItemFlag(FlagCode.FEW_RESPONSES, (
            "No trainee has answered this question yet." if report.n == 0 else
            f"Based on only {report.n} responses, so these figures can change a lot as more trainees "
            "answer; treat the other notes as provisional.")))
    return tuple(flags)


# ---------------------------------------------------------------------------------------- module stats


def score_quantile(totals_histogram: Mapping[float, int], q: float) -> float | None:
    """The q-quantile of the totals (0 ≤ q ≤ 1), ``None`` for an empty histogram.

    Hyndman & Fan (1996) definition 7 (R's default, Excel PERCENTILE.INC, Python's
    ``statistics.quantiles(method="inclusive")``): with the N totals sorted as x₀ ≤ … ≤ x_{N−1} and
    h = (N − 1)·q, the quantile is x_⌊h⌋ + (h − ⌊h⌋)·(x_⌊h⌋+1 − x_⌊h⌋). q = 0.5 gives the usual median.
    """
    if not 0 <= q <= 1:
        raise ValueError("q must be between 0 and 1")
    histogram = _frozen_histogram(totals_histogram)
    attempts = sum(histogram.values())
    if not attempts:
        return None
    position = (attempts - 1) * q
    below = math.floor(position)
    low = _order_statistic(histogram, below)
    high = _order_statistic(histogram, min(below + 1, attempts - 1))
    return low + (position - below) * (high - low)


def score_bins(
    totals_histogram: Mapping[float, int], form_length: int, bin_width: float | None = None
) -> tuple[ScoreBin, ...]:
    """Equal-width bins [lower, upper) from 0 up to and including k (the last bin holds full marks).

    The default width is 1 point for forms of up to 30 items (one bar per score) and ⌈k / 20⌉ beyond.
    Totals above k, which should not happen, extend the range rather than disappear.
    """
    width = bin_width
    if width is None:
        width = 1.0 if form_length <= 30 else float(math.ceil(form_length / 20))
    if width <= 0:
        raise ValueError("bin_width must be positive")
    histogram = _frozen_histogram(totals_histogram)
    top = max([float(form_length), *histogram.keys()])
    counts = [0] * (math.floor(top / width + _TOLERANCE) + 1)
    for total, count in histogram.items():
        counts[max(0, math.floor(total / width + _TOLERANCE))] += count
    return tuple(ScoreBin(lower=i * width, upper=(i + 1) * width, count=c) for i, c in enumerate(counts))


def coefficient_alpha(module: ModuleAggregate, items: Iterable[ItemAggregate]) -> float | None:
    """Coefficient alpha for random k-item forms: k/(k−1) · (1 − Σσ²ᵢ / σ²_t) (Cronbach 1951).

    σ²_t is the population variance of the attempt totals. Σσ²ᵢ, the summed item variances of one form,
    is *estimated* as k × the exposure-weighted mean item variance, Σᵢ nᵢ·σ²ᵢ / Σᵢ nᵢ, over the item
    versions the attempts saw (each σ²ᵢ is the population variance over the nᵢ attempts that saw item i).
    This is an approximation that treats the random forms as parallel. When every attempt saw the same
    0/1 items, nᵢ = N for all items and the estimate is exactly Σ pᵢqᵢ, i.e. KR-20 (Kuder & Richardson
    1937). Form-to-form differences in difficulty inflate σ²_t and can push the estimate above 1; it is
    capped at 1. ``None`` with fewer than 2 attempts, k < 2, zero total variance or no item responses.
    """
    k = module.form_length
    if module.attempts < 2 or k < 2:
        return None
    total_variance = _centred(module.attempts, module.sum_t, module.sum_t2) / module.attempts**2
    exposures = 0
    weighted_variance = 0.0
    for item in items:
        if item.n:
            exposures += item.n
            weighted_variance += _centred(item.n, item.sum_x, item.sum_x2) / item.n  # = nᵢ · σ²ᵢ
    if total_variance <= 0 or not exposures:
        return None
    summed_item_variance = k * weighted_variance / exposures
    return min(1.0, k / (k - 1) * (1 - summed_item_variance / total_variance))


def standard_error_of_measurement(sd: float | None, reliability: float | None) -> float | None:
    """SEM = SD · √(1 − reliability) (Crocker & Algina 1986, §6.4), in the units of SD.

    A negative reliability says the scores show no measurable consistency; it is treated as 0, so the SEM
    is then the whole SD. ``None`` when either input is ``None``.
    """
    if sd is None or reliability is None:
        return None
    return sd * math.sqrt(1 - _clamp(reliability, 0.0, 1.0))


def module_statistics(
    module: ModuleAggregate, items: Iterable[ItemAggregate], bin_width: float | None = None
) -> ModuleReport:
    """Mean, SDs, median, quartiles, chart bins, reliability, SEM and pass rate of a module's attempts.

    Mean = Σt / N; population variance = Σt²/N − mean²; sample SD = √(N/(N − 1) · population variance),
    which is the SD shown and used for the SEM. Quantiles and bins need the histogram and are ``None`` /
    empty without it. ``items`` are the aggregates of every item version those attempts saw.
    """
    n = module.attempts
    mean = module.sum_t / n if n else None
    population_variance = _centred(n, module.sum_t, module.sum_t2) / (n * n) if n else None
    sd_population = math.sqrt(population_variance) if population_variance is not None else None
    sd = math.sqrt(population_variance * n / (n - 1)) if population_variance is not None and n >= 2 else None
    reliability = coefficient_alpha(module, items)
    histogram = module.totals_histogram
    return ModuleReport(
        attempts=n,
        form_length=module.form_length,
        mean=mean,
        mean_fraction=mean / module.form_length if mean is not None else None,
        sd=sd,
        sd_population=sd_population,
        median=score_quantile(histogram, 0.5),
        lower_quartile=score_quantile(histogram, 0.25),
        upper_quartile=score_quantile(histogram, 0.75),
        minimum=min(histogram) if histogram else None,
        maximum=max(histogram) if histogram else None,
        bins=score_bins(histogram, module.form_length, bin_width) if histogram else (),
        reliability=reliability,
        sem=standard_error_of_measurement(sd, reliability),
        pass_rate=module.passed / n if n and module.passed is not None else None,
    )


# ------------------------------------------------------------------------------------------- internals


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _within(value: float, high: float) -> bool:
    return -_TOLERANCE <= value <= high + _TOLERANCE


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _share(part: float, whole: int) -> float | None:
    return _clamp(part / whole, 0.0, 1.0) if whole else None


def _percent(share: float | None) -> str:
    if share is None:
        return "–"
    return f"{share:.1%}" if 0 < share < 0.1 else f"{share:.0%}"


def _centred(n: int, total: float, total_of_squares: float) -> float:
    """n·Σv² − (Σv)² (n² times the population variance), with rounding noise and negatives set to 0."""
    value = n * total_of_squares - total * total
    return value if value > _RELATIVE_TOLERANCE * n * abs(total_of_squares) else 0.0


def _pearson(n: int, sum_a: float, sum_a2: float, sum_b: float, sum_b2: float, sum_ab: float) -> float | None:
    spread_a = _centred(n, sum_a, sum_a2)
    spread_b = _centred(n, sum_b, sum_b2)
    # Square roots taken apart: the product of two tiny spreads can underflow to zero.
    scale = math.sqrt(spread_a) * math.sqrt(spread_b) if spread_a > 0 and spread_b > 0 else 0.0
    if scale <= 0:
        return None
    return _clamp((n * sum_ab - sum_a * sum_b) / scale, -1.0, 1.0)


def _frozen_histogram(histogram: Mapping[float, int]) -> Mapping[float, int]:
    for total, count in histogram.items():
        _require(count >= 0 and math.isfinite(total), "histogram totals must be finite, counts not negative")
    return MappingProxyType({float(t): int(c) for t, c in sorted(histogram.items()) if c})


def _group_cut(ordered: list[tuple[float, int]], target: float) -> tuple[float, int]:
    """Walk tied blocks (best first for the upper group) until the target is reached; see upper_lower_cuts."""
    size = 0
    previous: float | None = None
    for total, count in ordered:
        if size + count >= target - _TOLERANCE:
            if previous is not None and target - size < size + count - target - _TOLERANCE:
                return previous, size
            return total, size + count
        size += count
        previous = total
    return ordered[-1][0], size  # not reached for fraction ≤ 0.5, kept for completeness


def _order_statistic(histogram: Mapping[float, int], index: int) -> float:
    """The index-th smallest total (0-based) of the histogram."""
    seen = 0
    for total, count in histogram.items():
        seen += count
        if index < seen:
            return total
    raise IndexError(index)
