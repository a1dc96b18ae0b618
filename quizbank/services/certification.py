"""Certification use cases: awarding, renewing, granting, suspending, revoking, reinstating, verifying."""

from __future__ import annotations

import enum
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.types import TypeEngine

from quizbank.domain import certification as rules_domain
from quizbank.domain.certification import StoredState, TrackRules, TraineeRecord
from quizbank.errors import Conflict, DomainError, NotFound
from quizbank.extensions import db
from quizbank.models import (
    Attempt,
    Certificate,
    CertificateState,
    HoursEntry,
    HoursKind,
    Module,
    SignOffOutcome,
    SkillSignOff,
    Track,
    TrackModule,
    TrackSkill,
    User,
)

from . import audit
from .unit_of_work import write_transaction

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def expiring_window() -> timedelta:
    return timedelta(days=int(current_app.config["CERT_EXPIRING_WINDOW_DAYS"]))


def track_rules(track: Track) -> TrackRules:
    return _rules(tuple(m.code for m in track.modules), tuple(s.code for s in track.skills), track.supervised_hours,
                  track.validity_months, track.renewal_module_codes, track.renewal_ce_hours)


def _rules(modules: tuple[str, ...], skills: tuple[str, ...], supervised_hours: float, validity_months: int,
           renewal_module_codes: Sequence[str] | None, renewal_ce_hours: float) -> TrackRules:
    return TrackRules(
        required_modules=modules,
        required_skills=skills,
        supervised_hours=supervised_hours,
        validity_days=round(validity_months * 365.25 / 12),
        renewal_modules=tuple(renewal_module_codes or ()),
        renewal_ce_hours=renewal_ce_hours,
    )


def current_certificate(user_id: int, track_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(
        Certificate.user_id == user_id, Certificate.track_id == track_id, Certificate.is_current.is_(True)))


def trainee_records(user_id: int, track_ids: Sequence[int]) -> dict[int, TraineeRecord]:
    """The trainee's record as each track sees it, from one statement whatever the number of tracks."""
    return _records(_evidence(user_id, with_terms=False), track_ids)


class _Part(enum.IntEnum):
    """The kinds of row that reconciling reads in one statement (a UNION ALL): an active track's terms, then
    the trainee's record. Grading runs reconciling under the write lock, so each round trip saved counts."""

    TRACK = 1
    TRACK_MODULE = 2
    TRACK_SKILL = 3
    PASS = 4
    SIGNOFF = 5
    HOURS = 6
    CERTIFICATE = 7


_ATTEMPTS, _MODULES = Attempt.__table__, Module.__table__
_TRACKS, _TRACK_MODULES, _TRACK_SKILLS = Track.__table__, TrackModule.__table__, TrackSkill.__table__
_SIGNOFF_ROWS, _HOUR_ROWS, _CERTS = SkillSignOff.__table__, HoursEntry.__table__, Certificate.__table__

# The union's columns. A part fills the ones it needs; the rest are NULL cast to the column's type: PostgreSQL
# matches a union's types part by part, and SQLAlchemy converts each value by the type of the first part.
_SLOTS: dict[str, TypeEngine[Any]] = {
    "track_id": _TRACKS.c.id.type, "name": _TRACKS.c.name.type, "code": _MODULES.c.code.type,
    "hours": _TRACKS.c.supervised_hours.type, "ce_hours": _TRACKS.c.renewal_ce_hours.type,
    "months": _TRACKS.c.validity_months.type, "codes": _TRACKS.c.renewal_module_codes.type,
    "at": _CERTS.c.issued_at.type, "until": _CERTS.c.expires_at.type, "day": _HOUR_ROWS.c.done_on.type,
    "kind": _HOUR_ROWS.c.kind.type, "state": _CERTS.c.state.type, "sort_key": Integer(),
}


def _part(part: _Part, **values: ColumnElement[Any]) -> Select[Any]:
    return select(literal_column(str(part.value), Integer()).label("part"),
                  *((values[name] if name in values else cast(null(), type_)).label(name)
                    for name, type_ in _SLOTS.items()))


_ACTIVE = _TRACKS.c.active.is_(True)
_TERM_PARTS = (
    _part(_Part.TRACK, track_id=_TRACKS.c.id, name=_TRACKS.c.name, hours=_TRACKS.c.supervised_hours,
          ce_hours=_TRACKS.c.renewal_ce_hours, months=_TRACKS.c.validity_months,
          codes=_TRACKS.c.renewal_module_codes, sort_key=_TRACKS.c.id).where(_ACTIVE),
    _part(_Part.TRACK_MODULE, track_id=_TRACK_MODULES.c.track_id, code=_MODULES.c.code, sort_key=_MODULES.c.position)
    .join_from(_TRACK_MODULES, _MODULES, _MODULES.c.id == _TRACK_MODULES.c.module_id)
    .join(_TRACKS, _TRACKS.c.id == _TRACK_MODULES.c.track_id).where(_ACTIVE),
    _part(_Part.TRACK_SKILL, track_id=_TRACK_SKILLS.c.track_id, code=_TRACK_SKILLS.c.code)
    .join_from(_TRACK_SKILLS, _TRACKS, _TRACKS.c.id == _TRACK_SKILLS.c.track_id).where(_ACTIVE),
)
_RECORD_PARTS = (
    _part(_Part.PASS, code=_MODULES.c.code, at=_ATTEMPTS.c.submitted_at)
    .join_from(_ATTEMPTS, _MODULES, _MODULES.c.id == _ATTEMPTS.c.module_id)
    .where(_ATTEMPTS.c.user_id == bindparam("user_id"), _ATTEMPTS.c.passed.is_(True)),
    _part(_Part.SIGNOFF, track_id=_TRACK_SKILLS.c.track_id, code=_TRACK_SKILLS.c.code, day=_SIGNOFF_ROWS.c.observed_on)
    .join_from(_SIGNOFF_ROWS, _TRACK_SKILLS, _TRACK_SKILLS.c.id == _SIGNOFF_ROWS.c.skill_id)
    .where(_SIGNOFF_ROWS.c.user_id == bindparam("user_id"), _SIGNOFF_ROWS.c.outcome == SignOffOutcome.PASSED),
    _part(_Part.HOURS, kind=_HOUR_ROWS.c.kind, day=_HOUR_ROWS.c.done_on, hours=_HOUR_ROWS.c.hours,
          sort_key=_HOUR_ROWS.c.id).where(_HOUR_ROWS.c.user_id == bindparam("user_id")),
    _part(_Part.CERTIFICATE, track_id=_CERTS.c.track_id, at=_CERTS.c.issued_at, until=_CERTS.c.expires_at,
          state=_CERTS.c.state).where(_CERTS.c.user_id == bindparam("user_id"), _CERTS.c.is_current.is_(True)),
)
# A track's modules by position, its skills by code, the trainee's hours in the order recorded.
_ORDER = (literal_column("part"), literal_column("sort_key"), literal_column("code"))
_TERMS_AND_RECORD = union_all(*_TERM_PARTS, *_RECORD_PARTS).order_by(*_ORDER)
_RECORD = union_all(*_RECORD_PARTS).order_by(*_ORDER)


def _evidence(user_id: int, *, with_terms: bool) -> dict[_Part, list[Row[Any]]]:
    rows: dict[_Part, list[Row[Any]]] = defaultdict(list)
    for row in db.session.execute(_TERMS_AND_RECORD if with_terms else _RECORD, {"user_id": user_id}):
        rows[_Part(row.part)].append(row)
    return rows


def _records(evidence: Mapping[_Part, Sequence[Row[Any]]], track_ids: Sequence[int]) -> dict[int, TraineeRecord]:
    passes: dict[str, list[datetime]] = defaultdict(list)
    for row in evidence.get(_Part.PASS, ()):
        passes[row.code].append(row.at)
    signoffs: dict[int, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    for row in evidence.get(_Part.SIGNOFF, ()):
        signoffs[row.track_id][row.code].append(row.day)
    supervised, ce = 0.0, []
    for row in evidence.get(_Part.HOURS, ()):
        if row.kind is HoursKind.SUPERVISED:
            supervised += row.hours
        elif row.kind is HoursKind.CONTINUING_EDUCATION:
            ce.append((row.day, row.hours))
    current = {row.track_id: rules_domain.CurrentCertificate(row.at, row.until, StoredState(row.state.value))
               for row in evidence.get(_Part.CERTIFICATE, ()) if row.state is not CertificateState.RENEWED}
    return {track_id: TraineeRecord(dict(passes), dict(signoffs.get(track_id, {})), float(supervised), ce,
                                    current.get(track_id)) for track_id in track_ids}


@dataclass(frozen=True)
class _TrackTerms:
    """An active track as reconciling needs it: its id, its name for the audit trail, and its rules."""

    id: int
    name: str
    rules: TrackRules


def _track_terms(evidence: Mapping[_Part, Sequence[Row[Any]]]) -> list[_TrackTerms]:
    """Every active track's rules (the same rules `track_rules` makes of an entity)."""
    modules: dict[int, list[str]] = defaultdict(list)
    for row in evidence.get(_Part.TRACK_MODULE, ()):
        modules[row.track_id].append(row.code)
    skills: dict[int, list[str]] = defaultdict(list)
    for row in evidence.get(_Part.TRACK_SKILL, ()):
        skills[row.track_id].append(row.code)
    return [_TrackTerms(row.track_id, row.name, _rules(tuple(modules[row.track_id]), tuple(skills[row.track_id]),
                                                       row.hours, row.months, row.codes, row.ce_hours))
            for row in evidence.get(_Part.TRACK, ())]


def _new_reference(now: datetime) -> str:
    while True:
        reference = f"QB-{now:%y}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if not db.session.scalar(select(Certificate.id).where(Certificate.reference == reference)):
            return reference


def _issue(user_id: int, track_id: int, issued_at: datetime, expires_at: datetime, *,
           renewed_from: Certificate | None = None, override_reason: str = "") -> Certificate | None:
    """Inserts the new current certificate in a savepoint; None if a concurrent request got there first."""
    session = db.session()
    try:
        with session.begin_nested():
            if renewed_from is not None:
                renewed_from.is_current = False
                renewed_from.state = CertificateState.RENEWED
                renewed_from.state_changed_at = issued_at
                session.flush()
            certificate = Certificate(
                user_id=user_id, track_id=track_id, verification_code=secrets.token_urlsafe(24),
                reference=_new_reference(issued_at), state=CertificateState.ACTIVE, is_current=True,
                issued_at=issued_at, expires_at=expires_at, renewed_from_id=renewed_from.id if renewed_from else None,
                override_reason=override_reason,
            )
            session.add(certificate)
            session.flush()
    except IntegrityError:
        return None
    return certificate


RECONCILE_LOCK_NAMESPACE = 0x51B0  # keeps our advisory locks apart from anyone else's


def _serialise_per_trainee(user_id: int) -> None:
    """A transaction-scoped lock per trainee. PostgreSQL: an advisory lock (a row lock on users would
    deadlock against the key-share locks that foreign-key checks already hold); SQLite: BEGIN IMMEDIATE
    has serialised writers already."""
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                        {"namespace": RECONCILE_LOCK_NAMESPACE, "key": user_id})


def reconcile(user_id: int, now: datetime, *, actor_id: int | None = None) -> list[Certificate]:
    """Awards or renews what the trainee's record now earns, inside the caller's transaction.

    Reconciliations of one trainee run one after the other: two grades finishing at once would otherwise
    each miss the other's uncommitted pass and nobody would be certified. The second, once it holds the
    lock, sees the first's committed pass (READ COMMITTED reads per statement).
    """
    _serialise_per_trainee(user_id)
    issued = []
    evidence = _evidence(user_id, with_terms=True)  # read once the lock is held: see the docstring
    tracks = _track_terms(evidence)
    records = _records(evidence, [track.id for track in tracks])
    window = expiring_window()
    for track in tracks:
        rules, record = track.rules, records[track.id]
        if rules_domain.should_award(rules, record):
            start, end = rules_domain.first_period(rules, now)
            cert = _issue(user_id, track.id, start, end)
            action, summary = "certificate.award", "awarded automatically: every requirement met"
        elif rules_domain.renewal_due(rules, record, now, window):
            start, end = rules_domain.renewed_period(rules, record, now)
            cert = _issue(user_id, track.id, start, end, renewed_from=current_certificate(user_id, track.id))
            action, summary = "certificate.renew", "renewed: refresher passed and CE hours logged"
        else:
            continue
        if cert is not None:
            audit.record(actor_id, action, "certificate", cert.id, f"{track.name} {cert.reference}: {summary}",
                         after={"reference": cert.reference, "expires_at": cert.expires_at.isoformat()})
            issued.append(cert)
    return issued


def _certificate(certificate_id: int) -> Certificate:
    cert = db.session.get(Certificate, certificate_id)
    if cert is None:
        raise NotFound("No such certificate.")
    return cert


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DomainError("A reason is required; it is kept in the audit trail.")
    return reason[:500]


def grant(*, actor_id: int, user_id: int, track_id: int, reason: str, now: datetime) -> Certificate:
    """An admin's override: certifies the trainee whatever the requirements say, with a mandatory reason."""
    reason = _require_reason(reason)
    with write_transaction():
        track = db.session.get(Track, track_id)
        user = db.session.get(User, user_id)
        if track is None or user is None:
            raise NotFound("No such trainee or track.")
        existing = current_certificate(user_id, track_id)
        if existing is not None and existing.state is CertificateState.ACTIVE and existing.expires_at > now:
            raise Conflict(f"{user.name} already holds a current {track.name} certificate ({existing.reference}).")
        if existing is not None:
            existing.is_current = False
            db.session.flush()
        start, end = rules_domain.first_period(track_rules(track), now)
        cert = _issue(user_id, track.id, start, end, override_reason=reason)
        if cert is None:
            raise Conflict("A certificate was issued at the same moment; reload to see it.")
        audit.record(actor_id, "certificate.grant", "certificate", cert.id,
                     f"granted {track.name} to {user.email} ({cert.reference}): {reason}",
                     after={"reference": cert.reference, "reason": reason})
    return cert


def change_state(*, actor_id: int, certificate_id: int, to: CertificateState, reason: str,
                 now: datetime) -> Certificate:
    """Suspend, revoke or reinstate; each with a reason, each in the audit trail, visible at once."""
    reason = _require_reason(reason)
    allowed = {
        CertificateState.SUSPENDED: {CertificateState.ACTIVE},
        CertificateState.REVOKED: {CertificateState.ACTIVE, CertificateState.SUSPENDED},
        CertificateState.ACTIVE: {CertificateState.SUSPENDED, CertificateState.REVOKED},
    }
    with write_transaction():
        cert = _certificate(certificate_id)
        if not cert.is_current or cert.state not in allowed.get(to, set()):
            raise Conflict(f"A {cert.state.value} certificate cannot become {to.value}.")
        before = cert.state.value
        cert.state = to
        cert.state_changed_at = now
        cert.state_reason = reason
        action = {CertificateState.SUSPENDED: "suspend", CertificateState.REVOKED: "revoke",
                  CertificateState.ACTIVE: "reinstate"}[to]
        audit.record(actor_id, f"certificate.{action}", "certificate", cert.id, f"{cert.reference}: {reason}",
                     before={"state": before}, after={"state": to.value, "reason": reason})
    return cert


@dataclass(frozen=True)
class Verification:
    holder: str
    track: str
    status: str
    reference: str
    issued_at: datetime
    expires_at: datetime
    changed_at: datetime | None


def verify(code: str, now: datetime) -> Verification | None:
    """What the public may see of a certificate: the holder's name, the track, the status and dates."""
    if not code or len(code) > 64:
        return None
    row = db.session.execute(
        select(Certificate, User.name, Track.name).join(User, User.id == Certificate.user_id)
        .join(Track, Track.id == Certificate.track_id).where(Certificate.verification_code == code)).first()
    if row is None:
        return None
    cert, holder, track = row
    word = rules_domain.public_status(cert.state.value, cert.expires_at, now, expiring_window())
    return Verification(holder, track, word, cert.reference, cert.issued_at, cert.expires_at, cert.state_changed_at)


@dataclass(frozen=True)
class TrackProgress:
    track: Track
    status: rules_domain.Status
    requirements: list[rules_domain.Requirement]
    renewal: list[rules_domain.Requirement]
    certificate: Certificate | None


def progress_of(user_id: int, now: datetime) -> list[TrackProgress]:
    """Each active track with what the trainee has met, what remains, and the current certificate."""
    result = []
    tracks = list(db.session.scalars(select(Track).where(Track.active.is_(True)).order_by(Track.name)
                                     .options(selectinload(Track.modules), selectinload(Track.skills))))
    records = trainee_records(user_id, [track.id for track in tracks])
    for track in tracks:
        rules, record = track_rules(track), records[track.id]
        result.append(TrackProgress(
            track, rules_domain.status(record, now, expiring_window()), rules_domain.requirements(rules, record),
            rules_domain.renewal_requirements(rules, record), current_certificate(user_id, track.id)))
    return result


def owned_certificate(user_id: int, certificate_id: int) -> Certificate:
    cert = db.session.scalar(select(Certificate).where(Certificate.id == certificate_id,
                                                       Certificate.user_id == user_id))
    if cert is None:
        raise NotFound("There is no such certificate.")
    return cert
