"""Starting, saving, timing and grading attempts against a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from quizbank.models import Attempt, AttemptItem, AttemptStatus, QuestionVersion
from quizbank.services import attempts, progress

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GRACE = 30


def start(user, at=T0, seed=7):  # type: ignore[no-untyped-def]
    return attempts.start_attempt(user.id, "TST", now=at, grace_seconds=GRACE, seed=seed)


def test_starting_again_resumes_the_active_attempt(db, make_user, small_bank):
    trainee = make_user()
    first = start(trainee)
    assert start(trainee, T0 + timedelta(minutes=5)).id == first.id
    assert len(first.items) == 6


def test_the_form_follows_the_blueprint_and_pins_versions(db, make_user, small_bank):
    attempt = start(make_user())
    codes = sorted(item.version.competency.code for item in attempt.items)
    assert codes == ["TST-01"] * 3 + ["TST-02"] * 3
    assert all(item.version.status.value == "published" for item in attempt.items)


def test_an_answer_after_deadline_and_grace_is_refused_and_not_stored(db, make_user, small_bank):
    trainee = make_user()
    attempt = start(trainee)
    late = attempt.deadline_at + timedelta(seconds=GRACE + 1)
    result = attempts.save_answer(trainee.id, attempt.id, 1, {"choice": ["0"]}, flagged=False, now=late,
                                  grace_seconds=GRACE)
    assert not result.saved and result.closed
    item = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id,
                                                       AttemptItem.position == 1))
    assert item.answer is None
    assert db.session.get(Attempt, attempt.id).status is AttemptStatus.GRADED


def test_an_answer_within_the_grace_is_stored(db, make_user, small_bank):
    trainee = make_user()
    attempt = start(trainee)
    on_time = attempt.deadline_at + timedelta(seconds=GRACE)
    assert attempts.save_answer(trainee.id, attempt.id, 1, {"choice": ["0"]}, flagged=True, now=on_time,
                                grace_seconds=GRACE).saved


def test_submitting_twice_grades_once(db, make_user, small_bank):
    trainee = make_user()
    attempt = start(trainee)
    first = attempts.submit(trainee.id, attempt.id, now=T0 + timedelta(minutes=3), grace_seconds=GRACE)
    second = attempts.submit(trainee.id, attempt.id, now=T0 + timedelta(minutes=4), grace_seconds=GRACE)
    assert not first.already_submitted and second.already_submitted
    graded = db.session.get(Attempt, attempt.id)
    assert graded.submitted_at == T0 + timedelta(minutes=3)
    assert graded.score == 0.0 and graded.passed is False


def test_abandoned_attempts_are_graded_from_what_was_saved(db, make_user, small_bank):
    trainee = make_user()
    attempt = start(trainee)
    attempts.save_answer(trainee.id, attempt.id, 1, {"choice": ["0"]}, flagged=False, now=T0, grace_seconds=GRACE)
    closed = attempts.close_expired(now=attempt.deadline_at + timedelta(minutes=5), grace_seconds=GRACE)
    assert closed == 1
    graded = db.session.get(Attempt, attempt.id)
    assert graded.status is AttemptStatus.GRADED and graded.closed_by == "deadline"
    assert graded.score is not None


def test_attempts_allowed_is_enforced_and_an_extra_grant_reopens(db, make_user, small_bank):
    trainee, instructor = make_user(), make_user("instructor")
    for n in range(2):
        attempt = start(trainee, T0 + timedelta(hours=n))
        attempts.submit(trainee.id, attempt.id, now=T0 + timedelta(hours=n, minutes=1), grace_seconds=GRACE)
    with pytest.raises(attempts.AttemptRefused, match="all 2 attempt"):
        start(trainee, T0 + timedelta(hours=5))
    progress.grant_extra_attempt(actor_id=instructor.id, trainee_id=trainee.id, module_code="TST",
                                 reason="Fire alarm during attempt 2")
    assert start(trainee, T0 + timedelta(hours=6)).number == 3


def test_a_retake_prefers_questions_not_seen(db, make_user, small_bank):
    trainee = make_user()
    first = start(trainee, seed=1)
    attempts.submit(trainee.id, first.id, now=T0 + timedelta(minutes=1), grace_seconds=GRACE)
    second = start(trainee, T0 + timedelta(hours=1), seed=2)
    first_ids = {i.question_version_id for i in first.items}
    second_ids = {i.question_version_id for i in second.items}
    # TST-01 has 5 items and a form takes 3: the two unseen ones must be drawn on the retake.
    unseen_01 = {v.id for v in db.session.scalars(select(QuestionVersion)) if v.competency.code == "TST-01"} - first_ids
    assert unseen_01 <= second_ids


def test_a_bank_too_small_for_the_blueprint_is_refused(db, make_user, small_bank):
    from quizbank.models import Competency

    competency = db.session.scalar(select(Competency).where(Competency.code == "TST-02"))
    competency.blueprint_count = 9
    db.session.commit()
    with pytest.raises(attempts.BankIncomplete, match="does not cover the blueprint"):
        start(make_user())
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_another_trainees_attempt_is_not_found(db, make_user, small_bank):
    owner, other = make_user(), make_user()
    attempt = start(owner)
    with pytest.raises(attempts.NotFound):
        attempts.save_answer(other.id, attempt.id, 1, {"choice": ["0"]}, flagged=False, now=T0, grace_seconds=GRACE)
    with pytest.raises(attempts.NotFound):
        attempts.submit(other.id, attempt.id, now=T0, grace_seconds=GRACE)


def test_editing_the_bank_later_never_changes_a_past_grade(db, make_user, small_bank, tmp_path):
    from quizbank.services.bank_loading import load_banks
    from tests.conftest import small_bank_yaml

    trainee = make_user()
    attempt = start(trainee)
    attempts.submit(trainee.id, attempt.id, now=T0 + timedelta(minutes=1), grace_seconds=GRACE)
    before = (db.session.get(Attempt, attempt.id).score, [i.question_version_id for i in attempt.items])
    path = tmp_path / "tst.yaml"
    path.write_text(small_bank_yaml().replace("Because of reason", "Revised reason"))
    report = load_banks([path])
    assert len(report.updated) == 9
    reloaded = db.session.get(Attempt, attempt.id)
    assert (reloaded.score, [i.question_version_id for i in reloaded.items]) == before
    assert progress.review(trainee.id, attempt.id).items[0].explanation.startswith("Because of reason")


def test_a_save_that_loses_the_race_to_the_grade_stores_nothing(db, make_user, small_bank, monkeypatch):
    """The save's checks run before its write; if the attempt is graded in between, the write lands nowhere."""
    from tests.conftest import answer_form

    trainee = make_user()
    attempt = start(trainee)
    item = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id,
                                                       AttemptItem.position == 1))
    form = answer_form(item)
    stale = attempts.owned_attempt(trainee.id, attempt.id)  # read while still in progress
    stale_status, stale_deadline = stale.status, stale.deadline_at
    attempts.submit(trainee.id, attempt.id, now=T0 + timedelta(minutes=1), grace_seconds=GRACE)

    class Stale:  # what the save read just before the grade committed
        id, status, deadline_at = attempt.id, stale_status, stale_deadline

    monkeypatch.setattr(attempts, "owned_attempt", lambda _user, _attempt: Stale)
    result = attempts.save_answer(trainee.id, attempt.id, 1, form, flagged=True, now=T0 + timedelta(minutes=2),
                                  grace_seconds=GRACE)
    assert (result.saved, result.closed) == (False, True)
    db.session.expire_all()
    stored = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id,
                                                         AttemptItem.position == 1))
    assert stored.answer is None and stored.flagged is False and stored.saved_at is None


def test_the_grade_is_worked_out_again_when_an_answer_changed_before_the_claim(db, make_user, small_bank,
                                                                              monkeypatch):
    """Answers read before the write lock may be overtaken by a save; the grade is of what was stored at the claim."""
    from tests.conftest import answer_through_service

    trainee = make_user()
    attempt = start(trainee)
    answer_through_service(trainee.id, attempt.id, T0)
    real_first_read, real_read_again = attempts._head_and_answers, attempts._answer_rows
    calls = {"first": 0, "again": 0}

    def blank(user_id, attempt_id):  # type: ignore[no-untyped-def]
        calls["first"] += 1  # as if read before the trainee's last saves landed
        return [SimpleNamespace(**{**row._asdict(), "answer": None}) for row in real_first_read(user_id, attempt_id)]

    def read_again(attempt_id):  # type: ignore[no-untyped-def]
        calls["again"] += 1
        return real_read_again(attempt_id)

    monkeypatch.setattr(attempts, "_head_and_answers", blank)
    monkeypatch.setattr(attempts, "_answer_rows", read_again)
    attempts.submit(trainee.id, attempt.id, now=T0 + timedelta(minutes=5), grace_seconds=GRACE)
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt.id)
    assert calls == {"first": 1, "again": 1} and graded.points == 6.0 and graded.passed
    assert [i.score for i in graded.items] == [1.0] * 6


def test_pinned_drafts_are_rebuilt_when_a_versions_content_changes(db, make_user, small_bank):
    from quizbank.domain.drafts import content_hash
    from quizbank.services.pinned_drafts import drafts_of_versions
    from quizbank.services.question_versions import draft_of

    version = db.session.scalar(select(QuestionVersion).order_by(QuestionVersion.id))
    first = drafts_of_versions([version.id])[version.id]
    assert drafts_of_versions([version.id])[version.id] is first  # kept
    version.stem = "A reused id with other content"
    version.content_hash = content_hash(draft_of(version))
    db.session.flush()
    assert drafts_of_versions([version.id])[version.id].stem == "A reused id with other content"


def test_pinned_drafts_built_from_the_tables_equal_the_drafts_of_the_entities(db, make_user):
    """The exam's cache builds drafts from plain rows; every bundled question must come out as `draft_of` says."""
    from quizbank.services import pinned_drafts
    from quizbank.services.bank_loading import load_banks
    from quizbank.services.question_versions import draft_of

    load_banks()
    versions = list(db.session.scalars(select(QuestionVersion).order_by(QuestionVersion.id)))
    assert len(versions) > 300
    pinned_drafts._cache.clear()  # so every draft is built here, not found
    built = pinned_drafts.drafts_of_versions([v.id for v in versions])
    assert [built[v.id] for v in versions] == [draft_of(v) for v in versions]


def test_a_cleared_answer_is_stored_as_null_and_the_map_shows_it_unanswered(db, make_user, small_bank):
    trainee = make_user()
    attempt = start(trainee)
    at = T0 + timedelta(minutes=1)

    def save(form):  # type: ignore[no-untyped-def]
        return attempts.save_answer(trainee.id, attempt.id, 1, form, flagged=False, now=at, grace_seconds=GRACE)

    def answered_on_page(position):  # type: ignore[no-untyped-def]
        page = progress.attempt_page(trainee.id, attempt.id, position, at)
        return page, [status.answered for status in page.statuses]

    assert save({"choice": ["2"]}).saved
    page, answered = answered_on_page(2)
    assert answered == [True, False, False, False, False, False]
    page, _ = answered_on_page(1)
    assert page.item.selected == frozenset({2})  # the shown item's own answer comes with the page

    assert save({}).saved  # the trainee clears the choice
    stored_as_null = select(func.count()).where(AttemptItem.attempt_id == attempt.id, AttemptItem.position == 1,
                                                AttemptItem.answer.is_(None))
    assert db.session.scalar(stored_as_null) == 1  # SQL NULL, not the JSON text 'null'
    page, answered = answered_on_page(1)
    assert answered == [False] * 6 and page.item.selected == frozenset()
    _attempt, statuses = progress.attempt_statuses(trainee.id, attempt.id)
    assert [status.answered for status in statuses] == [False] * 6


def test_each_item_keeps_its_own_score_when_some_answers_are_right_and_some_wrong(db, make_user, small_bank):
    """Grading scores all of an attempt's items in one statement; every score must land on its own item."""
    from tests.conftest import answer_form

    trainee = make_user()
    attempt = start(trainee)
    right = {item.position for item in attempt.items if item.position % 2}
    for item in attempt.items:
        attempts.save_answer(trainee.id, attempt.id, item.position, answer_form(item, wrong=item.position not in right),
                             flagged=False, now=T0, grace_seconds=GRACE)
    attempts.submit(trainee.id, attempt.id, now=T0 + timedelta(minutes=5), grace_seconds=GRACE)
    db.session.expire_all()
    scores = {i.position: i.score for i in db.session.get(Attempt, attempt.id).items}
    assert {p for p, s in scores.items() if s == 1.0} == right
    assert all(scores[p] < 1.0 for p in scores.keys() - right)


def test_a_start_first_grades_the_trainees_overdue_attempt_then_starts_the_next(db, make_user, small_bank):
    trainee = make_user()
    first = start(trainee)
    later = first.deadline_at + timedelta(seconds=GRACE + 60)
    second = start(trainee, later, seed=8)
    assert second.id != first.id and second.number == 2
    db.session.expire_all()
    overdue = db.session.get(Attempt, first.id)
    assert overdue.status is AttemptStatus.GRADED and overdue.closed_by == "deadline"


def test_starting_a_module_that_does_not_exist_is_not_found(db, make_user, small_bank):
    from quizbank.errors import NotFound

    with pytest.raises(NotFound):
        attempts.start_attempt(make_user().id, "NOPE", now=T0, grace_seconds=GRACE)
