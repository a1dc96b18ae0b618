"""Sessions live on the server: ending them there ends every copy of the cookie; they time out when
idle and after an absolute lifetime; the cookie is HttpOnly, SameSite and Secure behind HTTPS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from quizbank.models import LoginSession, utcnow
from tests.conftest import PASSWORD

COOKIE = "quizbank_session"


def _thief(app, client):  # type: ignore[no-untyped-def]
    """Another browser holding a copy of `client`'s session cookie."""
    copy = app.test_client()
    copy.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return copy


def _signed_in(client, path: str = "/trainee/") -> bool:  # type: ignore[no-untyped-def]
    response = client.get(path)
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.headers["Location"], response.status_code
    return False


def test_logout_ends_the_session_for_every_copy_of_the_cookie(app, db, client, login_as, figure):
    trainee = login_as("trainee")
    thief = _thief(app, client)
    assert _signed_in(thief)
    client.post("/logout")
    ended = db.session.scalar(select(LoginSession.ended_at).where(LoginSession.user_id == trainee.id))
    assert not _signed_in(thief) and not _signed_in(client)
    assert ended is not None


def test_a_password_change_ends_other_browsers_sessions(app, db, client, make_user, login):
    trainee = make_user()
    other_browser = app.test_client()
    login(trainee, c=other_browser)
    login(trainee)
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "new_password": "a brand new passphrase",
                                                      "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert _signed_in(client), "the browser that changed the password stays signed in"
    assert not _signed_in(other_browser)


def test_a_password_change_ends_a_copy_of_the_cookie_of_the_browser_that_made_it(app, db, client, make_user, login):
    """The classic case: a cookie was stolen, the owner notices and changes the password."""
    trainee = make_user()
    login(trainee)
    thief = _thief(app, client)
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "new_password": "a brand new passphrase",
                                                      "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert _signed_in(client), "the owner's browser stays signed in (with a fresh session)"
    assert not _signed_in(thief), "the stolen copy still works after the password change"


def test_deactivation_ends_the_session_at_once(app, db, client, make_user, login):
    trainee = make_user()
    trainee_browser = app.test_client()
    login(trainee, c=trainee_browser)
    thief = _thief(app, trainee_browser)
    login(make_user("admin"))
    client.post(f"/admin/users/{trainee.id}/active", data={"active": "0"})
    assert not _signed_in(trainee_browser) and not _signed_in(thief)
    assert db.session.scalar(select(LoginSession.ended_at).where(LoginSession.user_id == trainee.id)) is not None


@pytest.mark.parametrize("idle_minutes", [120, 30])
def test_an_idle_session_times_out_and_an_active_one_does_not(app, db, client, login_as, monkeypatch, idle_minutes,
                                                             figure):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", idle_minutes)
    trainee = login_as("trainee")
    row = update(LoginSession).where(LoginSession.user_id == trainee.id)
    db.session.execute(row.values(last_seen_at=utcnow() - timedelta(minutes=idle_minutes - 1)))
    db.session.commit()
    still_in = _signed_in(client)
    db.session.expire_all()
    touched = db.session.scalar(select(LoginSession.last_seen_at).where(LoginSession.user_id == trainee.id))
    db.session.execute(row.values(last_seen_at=utcnow() - timedelta(minutes=idle_minutes, seconds=30)))
    db.session.commit()
    timed_out = not _signed_in(client)
    figure(f"idle timeout {idle_minutes} min: after {idle_minutes - 1} min idle signed_in={still_in}; "
           f"after {idle_minutes} min 30 s idle signed_out={timed_out}")
    assert still_in and timed_out
    assert utcnow() - touched < timedelta(minutes=1), "activity keeps the session alive"


def test_a_session_ends_at_its_absolute_lifetime_however_active(app, db, client, login_as, figure):
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    trainee = login_as("trainee")
    row = update(LoginSession).where(LoginSession.user_id == trainee.id)
    db.session.execute(row.values(created_at=utcnow() - timedelta(hours=hours) + timedelta(minutes=1),
                                  last_seen_at=utcnow()))
    db.session.commit()
    before_limit = _signed_in(client)
    db.session.execute(row.values(created_at=utcnow() - timedelta(hours=hours, minutes=1), last_seen_at=utcnow()))
    db.session.commit()
    after_limit = not _signed_in(client)
    figure(f"absolute session lifetime {hours} h: a minute before signed_in={before_limit}; "
           f"a minute after signed_out={after_limit}")
    assert before_limit and after_limit


def _session_cookie(response) -> str:  # type: ignore[no-untyped-def]
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "=")]
    assert cookies, response.headers
    return cookies[-1].lower()


def test_the_session_cookie_is_httponly_and_samesite_and_never_a_remember_me(client, make_user, figure):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = _session_cookie(response)
    names = [c.split("=")[0] for c in response.headers.getlist("Set-Cookie")]
    figure(f"session cookie over http: {cookie.split(';', 1)[1].strip()}")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie or "samesite=strict" in cookie
    assert "secure" not in cookie.split(";", 1)[1]  # plain http in development: a Secure cookie would be lost
    assert names == [COOKIE], "no remember-me or other cookie outlives the server-side session"


def test_the_session_cookie_is_secure_when_served_over_https(app, client, make_user, monkeypatch, figure):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           base_url="https://localhost")
    cookie = _session_cookie(response)
    figure(f"session cookie over https: {cookie.split(';', 1)[1].strip()}")
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
