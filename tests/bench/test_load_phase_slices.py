"""The load benchmark measures each phase in slices between runs of the ceiling; these check how it puts
a phase's slices back together (the benchmark itself is run by hand, see bench/load/README.md)."""

from __future__ import annotations

import pytest

from bench.load.run import Result, merged, merged_percentile

EVEN = [[1, 10_000], [5, 10_000], [10, 10_000], [25, 10_000], [50, 10_000], [75, 10_000], [90, 10_000],
        [95, 10_000], [97, 10_000], [98, 10_000], [99, 10_000], [99.5, 10_000], [99.9, 10_000]]


def _uniform(low: int, high: int) -> list[list[float]]:
    """The percentile table of latencies spread evenly between `low` and `high` microseconds."""
    return [[p, low + (high - low) * p / 100] for p, _ in EVEN]


def test_slices_that_agree_give_their_own_percentiles():
    table = _uniform(10_000, 30_000)
    both = [(500, 10_000, table, 30_000), (1500, 10_000, table, 30_000)]
    assert merged_percentile(both, 50) == pytest.approx(20_000, abs=1)
    assert merged_percentile(both, 99) == pytest.approx(29_800, abs=1)


def test_a_slow_slice_weighs_by_its_responses():
    fast, slow = _uniform(10_000, 20_000), _uniform(30_000, 40_000)
    # Three quarters of the responses were fast: the median is fast, the 99th percentile slow.
    tables = [(3000, 10_000, fast, 20_000), (1000, 30_000, slow, 40_000)]
    assert merged_percentile(tables, 50) == pytest.approx(16_667, abs=2)
    assert merged_percentile(tables, 99) == pytest.approx(39_600, abs=2)


def test_the_rate_is_over_the_slices_summed_time_and_errors_add_up():
    def part(rps: float, responses: int, errors: int) -> Result:
        return Result("x", rps, 0, 0, responses, errors, 32,
                      raw={"min_us": 1000, "max_us": 3000, "percentiles_us": _uniform(1000, 3000)})

    phase = merged("submit", [part(400, 1200, 0), part(200, 600, 1), part(300, 900, 0)])
    assert phase.rps == pytest.approx(2700 / 9.0)  # 3 s each: not the mean of the rates
    assert (phase.responses, phase.errors, phase.p50_ms) == (2700, 1, pytest.approx(2.0, abs=0.01))
