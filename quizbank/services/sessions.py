"""Server-side login sessions: a cookie is only as good as the row it names."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from quizbank.extensions import db
from quizbank.models import LoginSession, User, utcnow

from .unit_of_work import write_transaction

# last_seen_at is refreshed at most this often, so an ordinary request stays read-only.
TOUCH_EVERY = timedelta(minutes=5)


def start_session(user: User) -> str:
    """Opens a login session for `user` (within the caller's transaction) and returns its token."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(id=token, user_id=user.id))
    user.session_token = token
    return token


def resolve_session(token: str, *, idle_minutes: int, absolute_hours: int) -> User | None:
    """The user of a live session, or None when it ended, timed out or the account was deactivated."""
    # Every request asks this: the session's times as plain columns, only the user as an entity.
    row = db.session.execute(
        select(User, LoginSession.ended_at, LoginSession.last_seen_at, LoginSession.created_at)
        .join(User, User.id == LoginSession.user_id).where(LoginSession.id == token)
    ).first()
    if row is None:
        return None
    user, ended_at, last_seen_at, created_at = row
    now = utcnow()
    expired = (
        ended_at is not None
        or not user.active
        or now - last_seen_at > timedelta(minutes=idle_minutes)
        or now - created_at > timedelta(hours=absolute_hours)
    )
    if expired:
        return None
    # Refreshed often enough that activity always keeps a session inside a short idle limit too.
    if now - last_seen_at > min(TOUCH_EVERY, timedelta(minutes=idle_minutes) / 2):
        with write_transaction():
            db.session.execute(update(LoginSession).where(LoginSession.id == token).values(last_seen_at=now))
        user = db.session.get(User, user.id)
        if user is None:
            return None
    user.session_token = token
    return user


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
