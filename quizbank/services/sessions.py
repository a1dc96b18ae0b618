"""Server-side login sessions: a cookie is only as good as the row it names."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from quizbank.extensions import db
from quizbank.models import LoginSession, Role, User, utcnow
from quizbank.models.user import SignedIn

from .unit_of_work import write_transaction

# last_seen_at is refreshed at most this often, so an ordinary request stays read-only.
TOUCH_EVERY = timedelta(minutes=5)


@dataclass
class SignedInUser(SignedIn):
    """Who is signed in for this request: what views and templates read of them (flask-login's user).

    A plain value, not the ORM entity: every request builds one, and loading an entity costs several
    times the query itself; nor can a template reach through it into a lazy load. Services are given
    its id and load what they need.
    """

    id: int
    email: str
    name: str
    role: Role
    active: bool
    session_token: str | None = None


_USERS = User.__table__
_SESSIONS = LoginSession.__table__
# Built once: every request runs it, and on the tables (Core) it skips the ORM's entity loading.
_SESSION_AND_USER = (
    select(_USERS.c.id, _USERS.c.email, _USERS.c.name, _USERS.c.role, _USERS.c.active,
           _SESSIONS.c.ended_at, _SESSIONS.c.last_seen_at, _SESSIONS.c.created_at)
    .join_from(_SESSIONS, _USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .where(_SESSIONS.c.id == bindparam("token"))
)


def start_session(user: User) -> str:
    """Opens a login session for `user` (within the caller's transaction) and returns its token."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(id=token, user_id=user.id))
    user.session_token = token
    return token


def resolve_session(token: str, *, idle_minutes: int, absolute_hours: int) -> SignedInUser | None:
    """The user of a live session, or None when it ended, timed out or the account was deactivated."""
    row = db.session.execute(_SESSION_AND_USER, {"token": token}).first()
    if row is None:
        return None
    user_id, email, name, role, active, ended_at, last_seen_at, created_at = row
    now = utcnow()
    expired = (
        ended_at is not None
        or not active
        or now - last_seen_at > timedelta(minutes=idle_minutes)
        or now - created_at > timedelta(hours=absolute_hours)
    )
    if expired:
        return None
    # Refreshed often enough that activity always keeps a session inside a short idle limit too.
    if now - last_seen_at > min(TOUCH_EVERY, timedelta(minutes=idle_minutes) / 2):
        with write_transaction():
            db.session.execute(update(LoginSession).where(LoginSession.id == token).values(last_seen_at=now))
    return SignedInUser(user_id, email, name, Role(role), active, token)


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(
            update(LoginSession).where(LoginSession.id == token, LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_all_sessions(user_id: int) -> None:
    """Ends every live session of a user, within the caller's transaction."""
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
                       .values(ended_at=utcnow()))
