"""Forged form fields, replayed requests and skipped steps change nothing they should not."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from quizbank.models import Attempt, AttemptItem, Certificate, ItemChoice, Role, User
from quizbank.services import statistics_copies
from tests.conftest import answer_form

FORGED = {
    "score": "1.0", "points": "99", "passed": "1", "status": "graded", "state": "graded", "closed_by": "trainee",
    "user_id": "1", "attempt_id": "1", "module_id": "1", "number": "99", "seed": "7", "deadline": "2099-01-01",
    "deadline_at": "2099-01-01T00:00:00", "submitted_at": "2000-01-01T00:00:00", "correct": "1", "is_correct": "true",
    "item_score": "1", "role": "admin", "active": "1", "attempts_allowed": "99", "result": '{"passed": true}',
}


def _columns(row: object) -> dict[str, object]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}  # type: ignore[attr-defined]


def _attempt_id(response) -> int:  # type: ignore[no-untyped-def]
    return int(re.search(r"/attempts/(\d+)/q/1$", response.headers["Location"]).group(1))


def _items(db, attempt_id: int) -> list[AttemptItem]:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return list(db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)
                                   .order_by(AttemptItem.position)))


def test_posting_score_state_owner_deadline_or_correctness_changes_nothing(
        db, client, login_as, make_user, small_bank, figure):
    other = make_user()
    trainee = login_as("trainee")
    forged = {**FORGED, "user_id": str(other.id)}
    attempt_id = _attempt_id(client.post("/trainee/modules/TST/start", data=forged))
    fresh = _columns(db.session.get(Attempt, attempt_id))
    assert fresh["user_id"] == trainee.id and fresh["number"] == 1
    assert (fresh["deadline_at"] - fresh["started_at"]).total_seconds() == 20 * 60

    for item in _items(db, attempt_id):
        reply = client.post(f"/trainee/attempts/{attempt_id}/q/{item.position}",
                            data={**answer_form(item, wrong=True), **forged}, headers={"X-Autosave": "1"})
        assert reply.get_json() == {"saved": True}
    db.session.expire_all()
    during = _columns(db.session.get(Attempt, attempt_id))
    assert during == fresh, "saving an answer changed the attempt itself"
    assert all(i.score is None for i in _items(db, attempt_id))

    client.post(f"/trainee/attempts/{attempt_id}/submit", data=forged)
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt_id)
    client.post("/account/password", data={**forged, "current_password": "x", "new_password": "y", "confirm": "y"})
    db.session.expire_all()
    me = db.session.get(User, trainee.id)
    figure(f"mass assignment ({len(FORGED)} forged fields on start/save/submit/account): owner_kept="
           f"{graded.user_id == trainee.id} deadline_kept={graded.deadline_at == fresh['deadline_at']} "
           f"points={graded.points} passed={graded.passed} role={me.role.value}")
    assert graded.user_id == trainee.id and graded.deadline_at == fresh["deadline_at"]
    assert graded.passed is False and graded.points < 1.0 and graded.closed_by == "trainee"
    assert me.role is Role.TRAINEE and me.active


def test_an_admin_grant_goes_to_the_trainee_in_the_address_not_the_forged_field(
        db, client, login_as, make_user, small_bank):
    from quizbank.services import tracks

    victim, bystander = make_user(), make_user()
    track = tracks.save_track(tracks.TrackSpec(code="TAMPER", name="Tamper track", description="", validity_months=12,
                                               module_codes=("TST",), skills=()), actor_id=None)
    login_as("admin")
    response = client.post(f"/admin/trainees/{victim.id}/grant", data={
        "track": str(track.id), "reason": "override", "user_id": str(bystander.id), "state": "revoked",
        "expires_at": "2099-01-01", "reference": "QB-00-FORGED"})
    assert response.status_code == 302
    certificates = db.session.scalars(select(Certificate).where(Certificate.track_id == track.id)).all()
    assert [(c.user_id, c.state.value) for c in certificates] == [(victim.id, "active")]
    assert certificates[0].reference != "QB-00-FORGED" and certificates[0].expires_at.year < 2099


def test_resubmits_and_back_button_replays_change_nothing(db, client, login_as, small_bank, figure):
    login_as("trainee")
    attempt_id = _attempt_id(client.post("/trainee/modules/TST/start"))
    items = _items(db, attempt_id)
    first_answers = {}
    for item in items:
        first_answers[item.position] = answer_form(item)
        client.post(f"/trainee/attempts/{attempt_id}/q/{item.position}", data={"go": "next", **answer_form(item)})
    assert client.post(f"/trainee/attempts/{attempt_id}/submit").status_code == 302
    statistics_copies.write_pending()  # the chosen options as statistics will read them
    db.session.expire_all()
    graded = _columns(db.session.get(Attempt, attempt_id))
    answers = {i.position: i.answer for i in _items(db, attempt_id)}
    choices = db.session.scalar(select(func.count(ItemChoice.id)).join(AttemptItem).where(
        AttemptItem.attempt_id == attempt_id))

    replays = []
    for item in items:  # the back button, then a changed answer sent again, as JSON and as a plain form
        wrong = answer_form(item, wrong=True)
        replays.append(client.post(f"/trainee/attempts/{attempt_id}/q/{item.position}", data=wrong,
                                   headers={"X-Autosave": "1"}).get_json())
        replays.append(client.post(f"/trainee/attempts/{attempt_id}/q/{item.position}", data={"go": "next", **wrong})
                       .status_code)
    resubmits = [client.post(f"/trainee/attempts/{attempt_id}/submit", follow_redirects=True)
                 .get_data(as_text=True) for _ in range(3)]
    statistics_copies.write_pending()  # a replay that had reopened the attempt would show here
    db.session.expire_all()
    after = _columns(db.session.get(Attempt, attempt_id))
    after_answers = {i.position: i.answer for i in _items(db, attempt_id)}
    after_choices = db.session.scalar(select(func.count(ItemChoice.id)).join(AttemptItem).where(
        AttemptItem.attempt_id == attempt_id))
    figure(f"replays after submission: answer_replays={len(replays)} stored=0 resubmits=3 "
           f"told_already={sum('already submitted' in r for r in resubmits)} attempt_unchanged={after == graded} "
           f"item_choices={choices}->{after_choices}")
    assert after == graded and after_answers == answers and after_choices == choices
    assert all(r == {"saved": False, "closed": True, "message": r["message"],
                     "redirect": f"/trainee/attempts/{attempt_id}/result"} for r in replays[::2])
    assert all(status == 302 for status in replays[1::2])
    assert all("already submitted" in page for page in resubmits)


def test_skipped_steps_and_invented_positions_change_nothing(db, client, login_as, make_user, login, small_bank):
    trainee = login_as("trainee")
    attempt_id = _attempt_id(client.post("/trainee/modules/TST/start"))
    # The review cannot be reached before submitting; a second start resumes, it does not spend an attempt.
    early_review = client.get(f"/trainee/attempts/{attempt_id}/result")
    assert early_review.status_code == 302 and early_review.headers["Location"].endswith(f"/attempts/{attempt_id}")
    assert _attempt_id(client.post("/trainee/modules/TST/start")) == attempt_id
    assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == trainee.id)) == 1
    for position in (0, 7, 99, 10**6):
        assert client.get(f"/trainee/attempts/{attempt_id}/q/{position}").status_code == 404
        assert client.post(f"/trainee/attempts/{attempt_id}/q/{position}", data={"choice": "0"},
                           headers={"X-Autosave": "1"}).status_code == 404
    for position in (1, 2, 3, 4, 5, 6):
        for bad in ({"choice": "-1"}, {"choice": "99"}, {"choice": "x"}, {"pos_0": "99"}, {"match_0": "-5"},
                    {"number": "9" * 41}):
            reply = client.post(f"/trainee/attempts/{attempt_id}/q/{position}", data=bad, headers={"X-Autosave": "1"})
            assert reply.status_code in (200, 400), reply.status_code  # refused, or read as a blank answer
    # Whatever was refused or ignored, no item holds an answer nobody could have given on the page.
    assert all(not i.answer or not any(i.answer.values()) for i in _items(db, attempt_id))
    # Jumping straight to submit grades what was saved (nothing): a fail, not an error.
    assert client.post(f"/trainee/attempts/{attempt_id}/submit").status_code == 302
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status.value == "graded" and attempt.points == 0.0 and attempt.passed is False
    assert client.get(f"/trainee/attempts/{attempt_id}/q/1").status_code == 302  # graded: to the result
