"""Reading the audit trail: filters by actor, subject, action and date; paginated in the database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from quizbank.extensions import db
from quizbank.models import AuditEvent, Certificate, User

from .directory import Page, paginate


def search(*, actor: str = "", subject_type: str = "", subject_id: int | None = None, action: str = "",
           since: date | None = None, until: date | None = None, page: int = 1, per_page: int = 50) -> Page:
    stmt = select(AuditEvent).options(joinedload(AuditEvent.actor)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if actor:
        like = f"%{actor.casefold()}%"
        stmt = stmt.join(User, User.id == AuditEvent.actor_id).where(
            or_(func.lower(User.name).like(like), User.email.like(like)))
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    if action:
        stmt = stmt.where(AuditEvent.action.like(f"{action}%"))
    if since:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(since, time.min).astimezone())
    if until:
        stmt = stmt.where(AuditEvent.at < datetime.combine(until + timedelta(days=1), time.min).astimezone())
    return paginate(stmt, page, per_page)


def about_trainee(user_id: int, limit: int = 200) -> list[AuditEvent]:
    """Events whose subject is the trainee or one of their certificates."""
    certificate_ids = select(Certificate.id).where(Certificate.user_id == user_id)
    stmt = (select(AuditEvent).options(joinedload(AuditEvent.actor))
            .where(or_((AuditEvent.subject_type == "user") & (AuditEvent.subject_id == user_id),
                       (AuditEvent.subject_type == "certificate") & AuditEvent.subject_id.in_(certificate_ids)))
            .order_by(AuditEvent.at.desc()).limit(limit))
    return list(db.session.scalars(stmt))
