"""An autosave that arrives while the attempt is being graded, in transactions that really commit.

A trainee who changes an answer and at once clicks Submit sends both requests together. Whatever their
order, the record must agree with itself: an answer is either in the grade or refused, never stored on a
graded attempt beside a score worked out without it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from quizbank.domain import presentation
from quizbank.extensions import db
from quizbank.models import Attempt, AttemptItem, Role, User, utcnow
from quizbank.services import attempts
from quizbank.services.question_versions import draft_of
from quizbank.services.unit_of_work import write_transaction
from tests.conftest import FAST_HASHER, answer_form, answer_through_service

PAUSE_SECONDS = 0.5  # time the save gets to land while the grade waits after its claim


def _trainee() -> User:
    user = User(email=f"save-race-{utcnow().timestamp()}@example.org", name="Save Race", role=Role.TRAINEE,
                password_hash=FAST_HASHER.hash("x"))
    db.session.add(user)
    db.session.commit()
    return user



@dataclass(frozen=True)
class _Wrong:
    """A trainee's attempt with every answer wrong, and its first item."""

    user_id: int
    attempt_id: int
    item_id: int
    stored: object  # the first item's (wrong) stored answer
    right_form: dict[str, list[str]]  # the form that answers the first item right
    right_stored: object  # that answer as stored


def _answered_wrongly(now: datetime) -> _Wrong:
    trainee = _trainee()
    attempt = attempts.start_attempt(trainee.id, "TST", now=now, grace_seconds=30)
    answer_through_service(trainee.id, attempt.id, now, wrong=True)
    first = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id,
                                                        AttemptItem.position == 1))
    form = answer_form(first)
    right = presentation.response_to_json(presentation.response_from_form(draft_of(first.version),
                                                                          first.display_order, form))
    made = _Wrong(trainee.id, attempt.id, first.id, first.answer, form, right)
    db.session.remove()
    return made


def _grader(app, made: _Wrong, now: datetime, outcome: dict[str, object]) -> threading.Thread:  # type: ignore[no-untyped-def]
    """A thread that submits the attempt, as the trainee's Submit does, and keeps what it returned."""
    def grade() -> None:
        with app.app_context():
            try:
                outcome["submit"] = attempts.submit(made.user_id, made.attempt_id, now=now, grace_seconds=30)
            finally:
                db.session.remove()

    return threading.Thread(target=grade)


def test_a_save_made_while_the_grade_holds_its_claim_is_refused_and_the_grade_stands(committing_app, monkeypatch):
    now = utcnow()
    with committing_app.app_context():
        made = _answered_wrongly(now)

    claimed, release = threading.Event(), threading.Event()

    def pause_after(step):  # type: ignore[no-untyped-def]
        def paused(*args):  # type: ignore[no-untyped-def]
            # Runs inside the grade's transaction: the attempt is claimed (on PostgreSQL its items scored too).
            result = step(*args)
            claimed.set()
            release.wait(10)
            return result
        return paused

    # The step after the claim: PostgreSQL claims and scores in one statement, SQLite reads the answers again.
    monkeypatch.setattr(attempts, "_claim_and_score", pause_after(attempts._claim_and_score))
    monkeypatch.setattr(attempts, "_stored_answers", pause_after(attempts._stored_answers))
    outcome: dict[str, object] = {}

    def save() -> None:
        with committing_app.app_context():
            try:
                outcome["save"] = attempts.save_answer(made.user_id, made.attempt_id, 1, made.right_form,
                                                       flagged=False, now=now + timedelta(minutes=1), grace_seconds=30)
            finally:
                db.session.remove()

    grader = _grader(committing_app, made, now + timedelta(minutes=1), outcome)
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
        graded = db.session.get(Attempt, made.attempt_id)
        stored = db.session.get(AttemptItem, made.item_id)
        assert stored.answer == made.stored and stored.score == 0.0
        assert graded.points == 0.0 and graded.passed is False
        db.session.remove()


def test_a_save_that_commits_while_the_claim_waits_for_it_is_in_the_grade(committing_app, monkeypatch):
    """The grade was worked out from the answers read before the save committed; the claim waits for the
    save's transaction, and what the grade records must be the answer that save stored."""
    now = utcnow()
    with committing_app.app_context():
        made = _answered_wrongly(now)

    read, saved, commit = threading.Event(), threading.Event(), threading.Event()
    real_first_read = attempts._head_and_answers

    def first_read_then_signal(*args):  # type: ignore[no-untyped-def]
        rows = real_first_read(*args)
        read.set()
        return rows

    monkeypatch.setattr(attempts, "_head_and_answers", first_read_then_signal)
    outcome: dict[str, object] = {}

    def save_held_open() -> None:
        # The autosave's own statement, in a transaction kept open until told to commit.
        with committing_app.app_context():
            try:
                with write_transaction():
                    outcome["stored"] = db.session.execute(attempts._SAVE, {
                        "item_id": made.item_id, "in_attempt": made.attempt_id, "new_answer": made.right_stored,
                        "new_flagged": False, "new_saved_at": now + timedelta(minutes=1), "spent": 5}).rowcount
                    saved.set()
                    commit.wait(10)
            finally:
                db.session.remove()

    saver = threading.Thread(target=save_held_open)
    saver.start()
    assert saved.wait(10), "the save never wrote"
    grader = _grader(committing_app, made, now + timedelta(minutes=1), outcome)
    grader.start()
    assert read.wait(10), "the grade never read the answers"
    grader.join(PAUSE_SECONDS)  # the grade worked out from the old answer now waits for the save to commit
    assert grader.is_alive(), "the claim did not wait for the open save"
    commit.set()
    saver.join(30)
    grader.join(30)
    assert not grader.is_alive() and not saver.is_alive()

    assert outcome["stored"] == 1 and outcome["submit"].already_submitted is False  # type: ignore[attr-defined]
    with committing_app.app_context():
        graded = db.session.get(Attempt, made.attempt_id)
        stored = db.session.get(AttemptItem, made.item_id)
        assert stored.answer == made.right_stored and stored.score == 1.0
        assert graded.points == 1.0
        db.session.remove()
