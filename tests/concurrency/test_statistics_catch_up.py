"""Two catch-ups of the statistics copies at once, in transactions that really commit, write each once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from quizbank.extensions import db
from quizbank.models import Attempt, AttemptItem, ItemChoice, Role, User, utcnow
from quizbank.services import attempts, statistics_copies
from tests.conftest import FAST_HASHER, answer_through_service

ATTEMPTS = 12
CATCH_UPS = 4


def test_parallel_catch_ups_write_every_attempts_copies_exactly_once(committing_app):
    now = utcnow()
    with committing_app.app_context():
        graded = []
        for n in range(ATTEMPTS):
            user = User(email=f"catch-up{n}-{now.timestamp()}@example.org", name=f"Catch-up {n}",
                        role=Role.TRAINEE, password_hash=FAST_HASHER.hash("x"))
            db.session.add(user)
            db.session.commit()
            attempt = attempts.start_attempt(user.id, "TST", now=now, grace_seconds=30)
            answer_through_service(user.id, attempt.id, now, wrong=n % 3 == 0)
            attempts.submit(user.id, attempt.id, now=now, grace_seconds=30)
            graded.append(attempt.id)
        db.session.remove()

    barrier = threading.Barrier(CATCH_UPS)
    written: list[int] = []
    errors: list[BaseException] = []

    def catch_up() -> None:
        with committing_app.app_context():
            try:
                barrier.wait()
                written.append(statistics_copies.write_pending(batch_size=3))
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=catch_up) for _ in range(CATCH_UPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and sum(written) == ATTEMPTS, (errors, written)
    with committing_app.app_context():
        pending = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.id.in_(graded),
                                                                         Attempt.statistics_pending.is_(True)))
        copied = db.session.scalar(select(func.count(AttemptItem.id)).where(
            AttemptItem.attempt_id.in_(graded), AttemptItem.attempt_points.is_not(None)))
        per_option = db.session.execute(
            select(ItemChoice.attempt_item_id, ItemChoice.option_id, func.count())
            .join(AttemptItem, AttemptItem.id == ItemChoice.attempt_item_id)
            .where(AttemptItem.attempt_id.in_(graded))
            .group_by(ItemChoice.attempt_item_id, ItemChoice.option_id)).all()
        db.session.remove()
    assert pending == 0 and copied == ATTEMPTS * 6
    assert per_option and all(count == 1 for _item, _option, count in per_option)
