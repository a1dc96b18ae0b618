"""The exam clock is the server's: late answers are refused, the client's time is ignored, abandoned
attempts are graded from what was saved, and a long exam keeps its final submit."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import itsdangerous.timed
from sqlalchemy import select, update

from quizbank.models import Attempt, AttemptItem, LoginSession, Module, utcnow
from tests.conftest import answer_form
from tests.security.support import csrf_from

ATTEMPT_URL = re.compile(r"/trainee/attempts/(\d+)/q/1$")
FAR_FUTURE = "2099-01-01T00:00:00+00:00"


def _start(client) -> int:  # type: ignore[no-untyped-def]
    response = client.post("/trainee/modules/TST/start")
    match = ATTEMPT_URL.search(response.headers.get("Location", ""))
    assert response.status_code == 302 and match, response.headers.get("Location")
    return int(match.group(1))


def _item(db, attempt_id: int, position: int) -> AttemptItem:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id,
                                                       AttemptItem.position == position))


def _autosave(client, attempt_id: int, position: int, form: dict, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(f"/trainee/attempts/{attempt_id}/q/{position}", data=form,
                       headers={"X-Autosave": "1", **headers})


def test_an_answer_one_second_past_deadline_and_grace_is_refused_and_not_stored(
        app, db, client, login_as, small_bank, clock, dialect, figure):
    login_as("trainee")
    attempt_id = _start(client)
    attempt = db.session.get(Attempt, attempt_id)
    grace = app.config["ATTEMPT_GRACE_SECONDS"]
    clock.now = attempt.deadline_at + timedelta(seconds=grace)
    on_time = _autosave(client, attempt_id, 1, answer_form(_item(db, attempt_id, 1)))
    clock.now = attempt.deadline_at + timedelta(seconds=grace + 1)
    late = _autosave(client, attempt_id, 2, answer_form(_item(db, attempt_id, 2)))
    stored_late = _item(db, attempt_id, 2).answer
    db.session.expire_all()
    closed_by = db.session.get(Attempt, attempt_id).closed_by
    figure(f"timer ({dialect}): at deadline+grace({grace}s) saved={on_time.get_json().get('saved')}; at +1s "
           f"saved={late.get_json().get('saved')} stored={stored_late} closed_by={closed_by}")
    assert on_time.get_json() == {"saved": True}
    assert late.get_json()["saved"] is False and late.get_json()["closed"] is True
    assert stored_late is None
    assert closed_by == "deadline"
    assert _item(db, attempt_id, 1).answer is not None, "the answer that was on time is kept and graded"


def test_a_tampered_client_clock_changes_nothing(app, db, client, login_as, small_bank, clock):
    login_as("trainee")
    attempt_id = _start(client)
    deadline = db.session.get(Attempt, attempt_id).deadline_at
    tampered = {"spent": str(10**9), "now": FAR_FUTURE, "client_time": FAR_FUTURE, "deadline": FAR_FUTURE,
                "deadline_at": FAR_FUTURE, "started_at": FAR_FUTURE, "time_left": "999999", "seconds_left": "999999"}
    lying_headers = {"Date": "Fri, 01 Jan 2099 00:00:00 GMT", "X-Client-Time": FAR_FUTURE}
    clock.advance(minutes=5)
    saved = _autosave(client, attempt_id, 1, {**answer_form(_item(db, attempt_id, 1)), **tampered}, **lying_headers)
    assert saved.get_json() == {"saved": True}
    assert _item(db, attempt_id, 1).seconds_spent == 900, "time spent is capped: it is only the client's word"
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).deadline_at == deadline

    clock.now = deadline + timedelta(seconds=app.config["ATTEMPT_GRACE_SECONDS"] + 1)
    backdated = {**tampered, "now": (deadline - timedelta(minutes=10)).isoformat(), "spent": "1"}
    late = _autosave(client, attempt_id, 2, {**answer_form(_item(db, attempt_id, 2)), **backdated},
                     Date="Mon, 01 Jan 2024 00:00:00 GMT")
    assert late.get_json()["saved"] is False
    assert _item(db, attempt_id, 2).answer is None


def test_an_abandoned_attempt_is_graded_from_what_was_saved(app, db, client, login_as, small_bank, clock, figure):
    login_as("trainee")
    attempt_id = _start(client)
    for position in (1, 2, 3):
        assert _autosave(client, attempt_id, position, answer_form(_item(db, attempt_id, position))).get_json() == {
            "saved": True}
    deadline = db.session.get(Attempt, attempt_id).deadline_at
    clock.now = deadline + timedelta(seconds=app.config["ATTEMPT_GRACE_SECONDS"], minutes=30)
    assert client.get("/trainee/").status_code == 200  # the trainee comes back later; nobody pressed submit
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    scores = [i.score for i in attempt.items]
    figure(f"abandoned attempt: status={attempt.status.value} closed_by={attempt.closed_by} points={attempt.points} "
           f"from saved answers={sum(i.answer is not None for i in attempt.items)}")
    assert attempt.status.value == "graded" and attempt.closed_by == "deadline"
    assert attempt.points == 3.0 and scores[:3] == [1.0, 1.0, 1.0] and scores[3:] == [0.0, 0.0, 0.0]


def test_an_exam_longer_than_an_hour_keeps_its_final_submit(
        app, db, client, login_as, small_bank, clock, monkeypatch, figure):
    trainee = login_as("trainee")
    db.session.execute(update(Module).where(Module.code == "TST").values(time_limit_minutes=150))
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = csrf_from(client.get("/trainee/modules/TST").get_data(as_text=True))
    started = client.post("/trainee/modules/TST/start", data={"csrf_token": token})
    attempt_id = int(ATTEMPT_URL.search(started.headers["Location"]).group(1))
    # 145 minutes later, for the app's clock and for the signatures' clock; the last autosave was
    # 30 minutes ago (the trainee read a long case since) and the page's token is as old as the exam.
    clock.advance(minutes=145)
    later = utcnow().timestamp() + 145 * 60
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    db.session.execute(update(LoginSession).where(LoginSession.user_id == trainee.id).values(
        created_at=utcnow() - timedelta(minutes=146), last_seen_at=utcnow() - timedelta(minutes=30)))
    db.session.commit()
    submitted = client.post(f"/trainee/attempts/{attempt_id}/submit", data={"csrf_token": token})
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    figure(f"long exam (150 min): final submit after 145 min with a 145-min-old CSRF token -> "
           f"{submitted.status_code} {attempt.status.value} closed_by={attempt.closed_by}; "
           f"WTF_CSRF_TIME_LIMIT={app.config['WTF_CSRF_TIME_LIMIT']} SESSION_IDLE_MINUTES="
           f"{app.config['SESSION_IDLE_MINUTES']}")
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    assert attempt.status.value == "graded" and attempt.closed_by == "trainee"


def test_the_idle_timeout_outlasts_the_longest_exam_without_any_activity(app, figure):
    from quizbank.formats.native import parse_bank
    from quizbank.services.bank_files import bundled_bank_paths

    longest = max(parse_bank(p.read_bytes(), where=p.name).module.time_limit_minutes for p in bundled_bank_paths())
    idle = app.config["SESSION_IDLE_MINUTES"]
    needed = longest + app.config["ATTEMPT_GRACE_SECONDS"] / 60
    figure(f"session idle timeout {idle} min vs longest bundled exam {longest} min + grace: "
           f"a trainee who saves nothing until the end still submits = {idle > needed}")
    assert idle > needed
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None, "a CSRF token must not expire in the middle of an exam"
    assert app.config["SESSION_ABSOLUTE_HOURS"] * 60 > needed
