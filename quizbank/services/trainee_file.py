"""Everything recorded about one trainee, for the administrators' and instructors' trainee pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from quizbank.errors import NotFound
from quizbank.extensions import db
from quizbank.models import Attempt, AuditEvent, Certificate, HoursEntry, Role, SkillSignOff, User

from . import audit_log, practicals, progress


@dataclass(frozen=True)
class TraineeFile:
    user: User
    attempts: list[Attempt]
    signoffs: list[SkillSignOff]
    hours: list[HoursEntry]
    certificates: list[Certificate]
    events: list[AuditEvent]


def trainee_file(user_id: int) -> TraineeFile:
    user = db.session.get(User, user_id)
    if user is None or user.role is not Role.TRAINEE:
        raise NotFound("No such trainee.")
    certificates = list(db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                           .options(joinedload(Certificate.track)).order_by(Certificate.id.desc())))
    return TraineeFile(user, progress.attempts_of(user_id), practicals.signoffs_of(user_id),
                       practicals.hours_of(user_id), certificates, audit_log.about_trainee(user_id))
