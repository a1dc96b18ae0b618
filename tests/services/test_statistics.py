"""The statistics service reads the attempt facts copied onto items and choices after grading; these tests
hold it to the same numbers computed response by response from the attempts themselves, under every filter."""

from __future__ import annotations

import random
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizbank.domain import item_stats
from quizbank.domain.types import QuestionType
from quizbank.extensions import db
from quizbank.models import Attempt, AttemptItem, AttemptStatus, ItemChoice, QuestionVersion
from quizbank.services import attempts, statistics, statistics_copies
from tests.conftest import answer_form

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHOICE = {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE}


@pytest.fixture
def varied(db, make_user, small_bank):  # type: ignore[no-untyped-def]
    """Twelve trainees answer item by item right, wrong or not at all; half of them take a second attempt,
    one attempt is left in progress (it must not count)."""
    rng = random.Random(20261206)
    for n in range(12):
        trainee = make_user()
        for number in (1, 2) if n % 2 else (1,):
            now = T0 + timedelta(days=7 * n + 3 * number)
            attempt = attempts.start_attempt(trainee.id, "TST", now=now, grace_seconds=30)
            for item in list(db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id))):
                roll = rng.random()
                if roll < 0.15:
                    continue  # left blank
                attempts.save_answer(trainee.id, attempt.id, item.position, answer_form(item, wrong=roll < 0.5),
                                     flagged=False, now=now, grace_seconds=30, seconds_spent=rng.randrange(5, 90))
            attempts.submit(trainee.id, attempt.id, now=now + timedelta(minutes=9), grace_seconds=30)
    unfinished = make_user()
    attempts.start_attempt(unfinished.id, "TST", now=T0, grace_seconds=30)


def reference(query: statistics.StatsQuery) -> tuple[item_stats.ModuleAggregate, dict[int, item_stats.ItemAggregate]]:
    """Straight from the attempts, one response at a time: what the copies must reproduce."""
    graded = [a for a in db.session.scalars(select(Attempt).where(Attempt.status == AttemptStatus.GRADED))
              if (not query.first_attempts_only or a.number == 1)
              and (query.since is None or a.submitted_at.date() >= query.since)
              and (query.until is None or a.submitted_at.date() <= query.until)]
    histogram: dict[float, int] = {}
    for attempt in graded:
        histogram[attempt.points] = histogram.get(attempt.points, 0) + 1
    module = item_stats.ModuleAggregate(
        attempts=len(graded), sum_t=sum(a.points for a in graded), sum_t2=sum(a.points ** 2 for a in graded),
        form_length=6, totals_histogram=histogram, passed=sum(1 for a in graded if a.passed))
    cuts = item_stats.upper_lower_cuts(histogram)
    per_version: dict[int, list[tuple[AttemptItem, float]]] = {}
    for attempt in graded:
        for item in attempt.items:
            per_version.setdefault(item.question_version_id, []).append((item, attempt.points))
    items = {}
    for version_id, rows in per_version.items():
        version = db.session.get(QuestionVersion, version_id)
        upper = [(i, t) for i, t in rows if cuts and t >= cuts.upper_cut]
        lower = [(i, t) for i, t in rows if cuts and t <= cuts.lower_cut]
        tallies = ()
        if version.qtype in CHOICE:
            def chosen(group, option_id):  # type: ignore[no-untyped-def]
                return sum(1 for i, _t in group if option_id in ((i.answer or {}).get("selected") or []))
            tallies = tuple(item_stats.OptionTally(o["id"], bool(o.get("correct")), chosen(rows, o["id"]),
                                                   chosen(upper, o["id"]), chosen(lower, o["id"]), o["text"][:80])
                            for o in version.body["options"])
        items[version_id] = item_stats.ItemAggregate(
            n=len(rows), sum_x=sum(i.score for i, _t in rows), sum_x2=sum(i.score ** 2 for i, _t in rows),
            sum_xt=sum(i.score * t for i, t in rows), sum_t=sum(t for _i, t in rows),
            sum_t2=sum(t * t for _i, t in rows), sum_seconds=sum(i.seconds_spent for i, _t in rows),
            upper_n=len(upper), upper_sum_x=sum(i.score for i, _t in upper), lower_n=len(lower),
            lower_sum_x=sum(i.score for i, _t in lower), options=tallies)
    return module, items


def assert_close(ours: object, expected: object, where: str = "") -> None:
    """Equal, but floats only to 1e-9: sums taken in another order round differently in the last bits."""
    if is_dataclass(ours):
        for name in (f.name for f in fields(ours)):
            assert_close(getattr(ours, name), getattr(expected, name), f"{where}.{name}")
    elif isinstance(ours, tuple | list):
        assert len(ours) == len(expected), where  # type: ignore[arg-type]
        for n, (a, b) in enumerate(zip(ours, expected, strict=True)):  # type: ignore[call-overload]
            assert_close(a, b, f"{where}[{n}]")
    elif isinstance(ours, float):
        assert ours == pytest.approx(expected, rel=1e-9, abs=1e-12), where
    else:
        assert ours == expected, where


@pytest.mark.parametrize("query", [
    statistics.StatsQuery("TST"),
    statistics.StatsQuery("TST", first_attempts_only=True),
    statistics.StatsQuery("TST", since=date(2026, 3, 20), until=date(2026, 4, 30)),
], ids=["all attempts", "first attempts", "date range"])
def test_statistics_equal_the_response_by_response_computation(varied, query):
    module, items = reference(query)
    stats = statistics.module_statistics(query)
    assert module.attempts > 3
    assert_close(stats.report, item_stats.module_statistics(module, items.values()))
    assert sorted(row.version_id for row in stats.items) == sorted(items)
    for row in stats.items:
        assert_close(row.report, item_stats.analyse_item(items[row.version_id]), row.external_id)
    by_competency: dict[str, list[item_stats.ItemAggregate]] = {}
    for version_id, aggregate in items.items():
        by_competency.setdefault(db.session.get(QuestionVersion, version_id).competency.code, []).append(aggregate)
    assert [(code, n) for code, n, _mean in stats.competencies] == [
        (code, sum(a.n for a in group)) for code, group in sorted(by_competency.items())]


def _chosen_options(item: AttemptItem) -> set[tuple[int, str]]:
    """What the item's stored answer chose, straight from the answer (choice questions only)."""
    from quizbank.domain import presentation
    from quizbank.services.question_versions import draft_of

    if item.answer is None or draft_of(item.version).qtype not in CHOICE:
        return set()
    return {(item.id, option) for option in presentation.response_from_json(item.answer).selected}


def test_grading_leaves_the_statistics_copies_pending_and_the_catch_up_writes_each_once(varied):
    graded = list(db.session.scalars(select(Attempt).where(Attempt.status == AttemptStatus.GRADED)
                                     .order_by(Attempt.id)))
    assert len(graded) == 18 and all(a.statistics_pending for a in graded)
    assert all(i.attempt_points is None and i.attempt_submitted_at is None for a in graded for i in a.items)
    assert db.session.scalar(select(func.count(ItemChoice.id))) == 0
    assert statistics_copies.pending_count() == 18

    assert statistics_copies.write_pending(batch_size=5) == 18  # four batches, the last one short
    assert statistics_copies.write_pending() == 0 and statistics_copies.pending_count() == 0
    db.session.expire_all()
    for attempt in graded:
        assert attempt.statistics_pending is False
        for item in attempt.items:
            assert (item.attempt_number, item.attempt_points, item.attempt_submitted_at) == (
                attempt.number, attempt.points, attempt.submitted_at)
        choices = list(db.session.scalars(select(ItemChoice).join(AttemptItem)
                                          .where(AttemptItem.attempt_id == attempt.id)))
        assert {(c.attempt_item_id, c.option_id) for c in choices} == set().union(
            *(_chosen_options(item) for item in attempt.items))
        for choice in choices:
            assert (choice.attempt_number, choice.attempt_points, choice.attempt_submitted_at) == (
                attempt.number, attempt.points, attempt.submitted_at)
    in_progress = db.session.scalar(select(Attempt).where(Attempt.status == AttemptStatus.IN_PROGRESS))
    assert in_progress.statistics_pending is False
    assert all(i.attempt_points is None and i.attempt_submitted_at is None and i.attempt_number == 1
               for i in in_progress.items)


def test_item_statistics_write_their_modules_pending_copies_before_reading(varied):
    assert statistics_copies.pending_count() == 18
    stats = statistics.module_statistics(statistics.StatsQuery("TST"))
    assert statistics_copies.pending_count() == 0
    assert stats.report.attempts == 18 and sum(row.report.n for row in stats.items) > 0
