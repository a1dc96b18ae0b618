"""Accounts: creating, authenticating, changing passwords, deactivating, inviting; cohorts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from quizbank.domain.passwords import password_problems
from quizbank.errors import Conflict, DomainError, NotFound
from quizbank.extensions import db
from quizbank.models import Cohort, CohortMembership, Invitation, Role, User, utcnow

from . import audit
from .sessions import end_all_sessions, end_session, start_session
from .unit_of_work import write_transaction

# argon2id above OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): 19 MiB and 3 passes. Every worker
# allocates the memory cost at each sign-in, so it sets each worker's peak memory; 64 MiB would take a small
# server's worker past its budget for no gain over OWASP's equivalent settings. Hashes made with other
# parameters (older, stronger ones) still verify: each hash carries its own.
HASHER = PasswordHasher(time_cost=3, memory_cost=19 * 1024, parallelism=1)
# Verified against when the account does not exist, so an unknown email costs the same time.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))


class PasswordRejected(DomainError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def _check_password(password: str, user_email: str, name: str) -> None:
    problems = password_problems(password, email=user_email, name=name)
    if problems:
        raise PasswordRejected(problems)


def create_user(
    *, email: str, name: str, role: Role, password: str | None, actor_id: int | None = None
) -> User:
    """Creates an account; without a password it can only be entered through an invitation."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise DomainError("Enter a valid email address.")
    if password is not None:
        _check_password(password, email, name)
    with write_transaction():
        if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
            raise Conflict(f"An account with the email {email} already exists.")
        user = User(
            email=email, name=name.strip(), role=role,
            password_hash=HASHER.hash(password) if password else None, password_changed_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        audit.record(actor_id, "user.create", "user", user.id, f"created {role.value} {email}",
                     after={"email": email, "role": role.value})
    return user


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    reason: str = ""


def authenticate(email: str, password: str) -> LoginResult:
    """Checks credentials; the unknown-account path costs one argon2 verification too."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        ok = HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.password_hash:
        return LoginResult(None, "Email or password is incorrect.")
    if not user.active:
        return LoginResult(None, "This account has been deactivated. Contact your administrator.")
    return LoginResult(user)


def log_in(user: User) -> str:
    """Opens a server-side session for an authenticated user and returns its token."""
    with write_transaction():
        token = start_session(user)
    user.session_token = token
    return token


def log_out(token: str | None) -> None:
    with write_transaction():
        end_session(token)


def change_password(user_id: int, current: str, new: str) -> str:
    """Changes the password and ends every session of the account, this one included (a copy of its
    cookie must stop working too); returns the token of a fresh session for the browser that asked."""
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("No such account.")
        try:
            HASHER.verify(user.password_hash or _DUMMY_HASH, current)
        except (VerificationError, InvalidHashError):
            raise DomainError("Your current password is not correct.") from None
        _check_password(new, user.email, user.name)
        user.password_hash = HASHER.hash(new)
        user.password_changed_at = utcnow()
        end_all_sessions(user.id)
        token = start_session(user)
        audit.record(user.id, "user.password_change", "user", user.id, "changed own password")
    return token


def set_active(user_id: int, active: bool, *, actor_id: int) -> User:
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("No such account.")
        if user.id == actor_id and not active:
            raise DomainError("You cannot deactivate your own account.")
        before = user.active
        user.active = active
        if not active:
            end_all_sessions(user.id)
        audit.record(actor_id, "user.activate" if active else "user.deactivate", "user", user.id,
                     f"{'reactivated' if active else 'deactivated'} {user.email}",
                     before={"active": before}, after={"active": active})
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(user_id: int, *, actor_id: int, valid_hours: int) -> str:
    """Creates a one-time set-password link token (returned once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("No such account.")
        db.session.add(Invitation(user_id=user.id, token_hash=_hash_token(token),
                                  expires_at=utcnow() + timedelta(hours=valid_hours)))
        audit.record(actor_id, "user.invite", "user", user.id, f"invitation link for {user.email}")
    return token


def invitation_user(token: str) -> User:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash_token(token)))
    if invitation is None or invitation.used_at is not None or invitation.expires_at < utcnow():
        raise NotFound("This link is not valid any more. Ask your administrator for a new one.")
    return invitation.user


def accept_invitation(token: str, password: str) -> User:
    with write_transaction():
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash_token(token)))
        if invitation is None or invitation.used_at is not None or invitation.expires_at < utcnow():
            raise NotFound("This link is not valid any more. Ask your administrator for a new one.")
        user = invitation.user
        _check_password(password, user.email, user.name)
        user.password_hash = HASHER.hash(password)
        user.password_changed_at = utcnow()
        invitation.used_at = utcnow()
        end_all_sessions(user.id)
        audit.record(user.id, "user.invitation_accept", "user", user.id, "set password from invitation")
    return user


def create_cohort(name: str, description: str, *, actor_id: int) -> Cohort:
    name = name.strip()
    if not name:
        raise DomainError("A cohort needs a name.")
    with write_transaction():
        if db.session.scalar(select(Cohort.id).where(Cohort.name == name)):
            raise Conflict(f"A cohort named {name!r} already exists.")
        cohort = Cohort(name=name, description=description.strip())
        db.session.add(cohort)
        db.session.flush()
        audit.record(actor_id, "cohort.create", "cohort", cohort.id, f"created cohort {name}")
    return cohort


def set_membership(cohort_id: int, user_id: int, member: bool, *, actor_id: int) -> None:
    with write_transaction():
        cohort = db.session.get(Cohort, cohort_id)
        user = db.session.get(User, user_id)
        if cohort is None or user is None:
            raise NotFound("No such cohort or account.")
        existing = db.session.scalar(select(CohortMembership).where(
            CohortMembership.cohort_id == cohort_id, CohortMembership.user_id == user_id))
        if member and existing is None:
            db.session.add(CohortMembership(cohort_id=cohort_id, user_id=user_id))
        elif not member and existing is not None:
            db.session.delete(existing)
        else:
            return
        audit.record(actor_id, "cohort.add" if member else "cohort.remove", "cohort", cohort_id,
                     f"{'added' if member else 'removed'} {user.email}")
