"""Grades finishing at the same moment, in separate transactions that really commit."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from quizbank.extensions import db
from quizbank.models import Certificate, Role, User, utcnow
from quizbank.services import attempts
from tests.conftest import FAST_HASHER, answer_through_service

ROUNDS = 6


def _trainee(n: int) -> User:
    user = User(email=f"race{n}-{utcnow().timestamp()}@example.org", name=f"Race {n}", role=Role.TRAINEE,
                password_hash=FAST_HASHER.hash("x"))
    db.session.add(user)
    db.session.commit()
    return user


def _run_together(app, jobs) -> list[BaseException]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:  # type: ignore[no-untyped-def]
        with app.app_context():
            try:
                barrier.wait()
                job()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_two_last_passing_grades_at_once_issue_exactly_one_certificate(committing_app):
    now = utcnow()
    for n in range(ROUNDS):
        with committing_app.app_context():
            trainee = _trainee(n)
            started = [attempts.start_attempt(trainee.id, code, now=now, grace_seconds=30) for code in ("TST", "TSB")]
            for attempt in started:
                answer_through_service(trainee.id, attempt.id, now)
            ids = [(trainee.id, a.id) for a in started]
        errors = _run_together(committing_app, [
            lambda uid=uid, aid=aid: attempts.submit(uid, aid, now=now + timedelta(minutes=1), grace_seconds=30)
            for uid, aid in ids])
        assert errors == []
        with committing_app.app_context():
            count = db.session.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == ids[0][0]))
            assert count == 1, f"round {n}: {count} certificates"


def test_the_same_attempt_submitted_in_parallel_is_graded_once(committing_app):
    now = utcnow()
    with committing_app.app_context():
        trainee = _trainee(99)
        attempt = attempts.start_attempt(trainee.id, "TST", now=now, grace_seconds=30)
        uid, aid = trainee.id, attempt.id
    results: list[bool] = []
    errors = _run_together(committing_app, [
        lambda: results.append(attempts.submit(uid, aid, now=now, grace_seconds=30).already_submitted)
        for _ in range(8)])
    assert errors == []
    assert sorted(results) == [False] + [True] * 7
