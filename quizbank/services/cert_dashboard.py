"""The administrators' certification dashboard: one row per trainee, filtered and paged in the database."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select

from quizbank.domain import certification as rules_domain
from quizbank.domain.csv_safety import neutralise
from quizbank.extensions import db
from quizbank.models import (
    Attempt,
    Certificate,
    CertificateState,
    CohortMembership,
    HoursEntry,
    HoursKind,
    Module,
    Role,
    SignOffOutcome,
    SkillSignOff,
    Track,
    TrackSkill,
    User,
)

from .certification import expiring_window, track_rules
from .directory import Page

STATUSES = ("in_progress", "certified", "expiring", "lapsed", "suspended", "revoked")
SORTS = {"name": User.name, "email": User.email, "expires": Certificate.expires_at, "issued": Certificate.issued_at}


@dataclass(frozen=True)
class DashboardQuery:
    track_id: int
    cohort_id: int | None = None
    status: str = ""
    expiring_within_days: int | None = None
    text: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class DashboardRow:
    user_id: int
    name: str
    email: str
    status: str
    reference: str
    issued_at: datetime | None
    expires_at: datetime | None
    requirements: tuple[rules_domain.Requirement, ...]


def _status_condition(status: str, now: datetime, window: timedelta):  # type: ignore[no-untyped-def]
    active = Certificate.state == CertificateState.ACTIVE
    return {
        "in_progress": Certificate.id.is_(None),
        "certified": and_(active, Certificate.expires_at > now + window),
        "expiring": and_(active, Certificate.expires_at > now, Certificate.expires_at <= now + window),
        "lapsed": and_(active, Certificate.expires_at <= now),
        "suspended": Certificate.state == CertificateState.SUSPENDED,
        "revoked": Certificate.state == CertificateState.REVOKED,
    }[status]


def _statement(query: DashboardQuery, now: datetime) -> Select:  # type: ignore[type-arg]
    stmt = (
        select(User.id, User.name, User.email, Certificate.state, Certificate.reference, Certificate.issued_at,
               Certificate.expires_at)
        .outerjoin(Certificate, and_(Certificate.user_id == User.id, Certificate.track_id == query.track_id,
                                     Certificate.is_current.is_(True)))
        .where(User.role == Role.TRAINEE)
    )
    if query.cohort_id:
        stmt = stmt.where(User.id.in_(select(CohortMembership.user_id).where(
            CohortMembership.cohort_id == query.cohort_id)))
    if query.status in STATUSES:
        stmt = stmt.where(_status_condition(query.status, now, expiring_window()))
    if query.expiring_within_days is not None:
        stmt = stmt.where(Certificate.state == CertificateState.ACTIVE, Certificate.expires_at > now,
                          Certificate.expires_at <= now + timedelta(days=query.expiring_within_days))
    if query.text.strip():
        like = f"%{query.text.strip().casefold()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    column = SORTS.get(query.sort, User.name)
    ordering = column.desc() if query.descending else column.asc()
    return stmt.order_by(ordering.nulls_last(), User.id)


def _requirement_rows(track: Track, user_ids: Sequence[int]) -> dict[int, rules_domain.TraineeRecord]:
    """The records of several trainees at once (three queries, whatever their number)."""
    passes: dict[int, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    for uid, code, when in db.session.execute(
        select(Attempt.user_id, Module.code, func.max(Attempt.submitted_at)).join(Module)
        .where(Attempt.user_id.in_(user_ids), Attempt.passed.is_(True)).group_by(Attempt.user_id, Module.code)
    ):
        passes[uid][code].append(when)
    signed: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))  # type: ignore[type-arg]
    for uid, code, when in db.session.execute(
        select(SkillSignOff.user_id, TrackSkill.code, func.max(SkillSignOff.observed_on)).join(TrackSkill)
        .where(SkillSignOff.user_id.in_(user_ids), TrackSkill.track_id == track.id,
               SkillSignOff.outcome == SignOffOutcome.PASSED).group_by(SkillSignOff.user_id, TrackSkill.code)
    ):
        signed[uid][code].append(when)
    hours = dict(db.session.execute(
        select(HoursEntry.user_id, func.sum(HoursEntry.hours)).where(
            HoursEntry.user_id.in_(user_ids), HoursEntry.kind == HoursKind.SUPERVISED).group_by(HoursEntry.user_id)
    ).all())
    return {uid: rules_domain.TraineeRecord(passes.get(uid, {}), signed.get(uid, {}), float(hours.get(uid) or 0))
            for uid in user_ids}


def _rows(track: Track, raw: Sequence, now: datetime) -> list[DashboardRow]:  # type: ignore[type-arg]
    rules = track_rules(track)
    records = _requirement_rows(track, [r.id for r in raw])
    window = expiring_window()
    rows = []
    for r in raw:
        word = "in_progress"
        if r.state is not None:
            current = rules_domain.CurrentCertificate(r.issued_at, r.expires_at,
                                                      rules_domain.StoredState(r.state.value))
            word = rules_domain.status(rules_domain.TraineeRecord(certificate=current), now, window).value
        rows.append(DashboardRow(r.id, r.name, r.email, word, r.reference or "", r.issued_at, r.expires_at,
                                 tuple(rules_domain.requirements(rules, records[r.id]))))
    return rows


def dashboard(query: DashboardQuery, now: datetime) -> tuple[Track, Page[DashboardRow]]:
    track = db.session.get(Track, query.track_id)
    if track is None:
        raise LookupError("no such track")
    stmt = _statement(query, now)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, query.page)
    raw = db.session.execute(stmt.limit(query.per_page).offset((page - 1) * query.per_page)).all()
    return track, Page(_rows(track, raw, now), page, query.per_page, total)


def csv_lines(query: DashboardQuery, now: datetime, chunk: int = 500) -> Iterator[str]:
    """The whole filtered view as CSV, produced chunk by chunk so memory does not grow with the rows."""
    track = db.session.get(Track, query.track_id)
    if track is None:
        return
    rules = track_rules(track)
    requirement_names = [f"{r.kind}:{r.code}" for r in rules_domain.requirements(rules, rules_domain.TraineeRecord())]
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(["name", "email", "status", "reference", "issued", "expires", *requirement_names])
    yield flush()
    # One query, streamed in chunks (a server-side cursor on PostgreSQL); each chunk's requirements in three.
    for raw in db.session.execute(_statement(query, now).execution_options(yield_per=chunk)).partitions():
        for row in _rows(track, raw, now):
            writer.writerow([neutralise(v) for v in (
                row.name, row.email, row.status, row.reference,
                row.issued_at.date().isoformat() if row.issued_at else "",
                row.expires_at.date().isoformat() if row.expires_at else "",
                *("yes" if r.met else "no" for r in row.requirements))])
        yield flush()
