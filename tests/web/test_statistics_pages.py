"""Statistics pages: computed from SQL aggregates, consistent with the pure domain, never for trainees."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from quizbank.services import attempts, statistics
from tests.conftest import answer_through_service

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def graded(db, make_user, small_bank):  # type: ignore[no-untyped-def]
    """Six graded attempts: three answer everything correctly, three everything wrongly."""
    for n in range(6):
        trainee = make_user()
        attempt = attempts.start_attempt(trainee.id, "TST", now=T0 + timedelta(days=n * 20), grace_seconds=30,
                                         seed=n)  # the forms are drawn the same way on every run
        answer_through_service(trainee.id, attempt.id, T0 + timedelta(days=n * 20), wrong=n % 2 == 1)
        attempts.submit(trainee.id, attempt.id, now=T0 + timedelta(days=n * 20, minutes=5), grace_seconds=30)


def test_module_statistics_match_the_hand_count(graded):
    stats = statistics.module_statistics(statistics.StatsQuery("TST"))
    report = stats.report
    assert report.attempts == 6 and report.pass_rate == 0.5
    assert report.mean == pytest.approx(3.0)  # totals 6,0,6,0,6,0
    assert report.reliability == pytest.approx(1.0)  # perfectly consistent items
    # Every item was answered right by exactly the strong half: wherever both halves saw it, it
    # correlates perfectly with the rest score and separates the upper from the lower group fully.
    mixed = [r for r in stats.items if r.report.point_biserial is not None]
    assert mixed and all(r.report.point_biserial == pytest.approx(1.0) for r in mixed)
    assert all(r.report.discrimination_index == pytest.approx(1.0) for r in mixed
               if r.report.upper_facility is not None and r.report.lower_facility is not None)
    assert [m for m, _n, _p in stats.pass_rate_by_month] == ["2026-02", "2026-03", "2026-04", "2026-05"]


def test_date_range_and_first_attempts_filters(graded):
    few = statistics.module_statistics(statistics.StatsQuery("TST", since=(T0 + timedelta(days=30)).date()))
    assert few.report.attempts == 4
    assert statistics.module_statistics(statistics.StatsQuery("TST", first_attempts_only=True)).report.attempts == 6


def test_statistics_page_renders_charts_tables_and_csv(client, login_as, graded):
    login_as("instructor")
    page = client.get("/instructor/statistics/TST").get_data(as_text=True)
    assert "KR-20" in page and "Score distribution" in page
    for kind in ("histogram", "scatter", "passrate"):
        chart = client.get(f"/instructor/statistics/TST/chart/{kind}.svg")
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
        assert b"<svg" in chart.data and b"<script" not in chart.data
    rows = list(csv.reader(io.StringIO(client.get("/instructor/statistics/TST/items.csv").get_data(as_text=True))))
    assert rows[0][:4] == ["question", "version", "competency", "responses"] and len(rows) > 1
    # Every question the trainees were shown has its row on the page too (which ones depends on the draw).
    assert all(row[0].startswith("TST-") and row[0] in page for row in rows[1:])


def test_an_empty_module_says_so(client, login_as, small_bank):
    login_as("instructor")
    assert "No graded attempt matches yet" in client.get("/instructor/statistics/TST").get_data(as_text=True)


def test_trainees_never_see_item_statistics(client, login_as, graded):
    login_as("trainee")
    for url in ("/instructor/statistics", "/instructor/statistics/TST", "/instructor/statistics/TST/items.csv",
                "/instructor/statistics/TST/chart/histogram.svg"):
        assert client.get(url).status_code == 403, url
    assert not re.search(r"facility|discrimination", client.get("/trainee/").get_data(as_text=True), re.I)
