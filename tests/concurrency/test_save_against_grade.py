"""An autosave that arrives while the attempt is being graded, in transactions that really commit.

A trainee who changes an answer and at once clicks Submit sends both requests together. Whatever their
order, the record must agree with itself: an answer is either in the grade or refused, never stored on a
graded attempt beside a score worked out without it.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from quizbank.extensions import db
from quizbank.models import Attempt, AttemptItem, Role, User, utcnow
from quizbank.services import attempts
from tests.conftest import FAST_HASHER, answer_form, answer_through_service

PAUSE_SECONDS = 0.5  # time the save gets to land while the grade waits after its claim


def _trainee() -> User:
    user = User(email=f"save-race-{utcnow().timestamp()}@example.org", name="Save Race", role=Role.TRAINEE,
                password_hash=FAST_HASHER.hash("x"))
    db.session.add(user)
    db.session.commit()
    return user


def test_a_save_made_while_the_grade_holds_its_claim_is_refused_and_the_grade_stands(committing_app, monkeypatch):
    now = utcnow()
    with committing_app.app_context():
        trainee = _trainee()
        attempt = attempts.start_attempt(trainee.id, "TST", now=now, grace_seconds=30)
        answer_through_service(trainee.id, attempt.id, now, wrong=True)
        first = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id,
                                                            AttemptItem.position == 1))
        right_answer = answer_form(first)
        wrong_stored = first.answer
        uid, aid = trainee.id, attempt.id
        db.session.remove()

    claimed, release = threading.Event(), threading.Event()
    real_score_items = attempts._score_items

    def pause_after_the_claim(*scoring):  # type: ignore[no-untyped-def]
        # Runs inside the grade's transaction: the attempt is claimed and its answers read, not yet scored.
        claimed.set()
        release.wait(10)
        return real_score_items(*scoring)

    monkeypatch.setattr(attempts, "_score_items", pause_after_the_claim)
    outcome: dict[str, object] = {}

    def grade() -> None:
        with committing_app.app_context():
            try:
                outcome["submit"] = attempts.submit(uid, aid, now=now + timedelta(minutes=1), grace_seconds=30)
            finally:
                db.session.remove()

    def save() -> None:
        with committing_app.app_context():
            try:
                outcome["save"] = attempts.save_answer(uid, aid, 1, right_answer, flagged=False,
                                                       now=now + timedelta(minutes=1), grace_seconds=30)
            finally:
                db.session.remove()

    grader = threading.Thread(target=grade)
    grader.start()
    assert claimed.wait(10), "the grade never reached its claim"
    saver = threading.Thread(target=save)
    saver.start()
    saver.join(PAUSE_SECONDS)  # a save that is not held back lands now, inside the grade's window
    release.set()
    grader.join(30)
    saver.join(30)
    assert not grader.is_alive() and not saver.is_alive()

    assert outcome["submit"].already_submitted is False  # type: ignore[attr-defined]
    assert outcome["save"].saved is False and outcome["save"].closed is True  # type: ignore[attr-defined]
    with committing_app.app_context():
        graded = db.session.get(Attempt, aid)
        stored = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == aid,
                                                             AttemptItem.position == 1))
        assert stored.answer == wrong_stored and stored.score == 0.0
        assert graded.points == 0.0 and graded.passed is False
        db.session.remove()
