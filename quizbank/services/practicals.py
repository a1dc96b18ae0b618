"""Practical skill sign-offs and logged hours; each may complete a certification in the same transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from quizbank.errors import DomainError, NotFound
from quizbank.extensions import db
from quizbank.models import HoursEntry, HoursKind, Role, SignOffOutcome, SkillSignOff, TrackSkill, User

from . import audit, certification
from .unit_of_work import write_transaction


def _trainee(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role is not Role.TRAINEE:
        raise NotFound("No such trainee.")
    return user


def sign_off(*, supervisor_id: int, trainee_id: int, skill_id: int, observed_on: date, outcome: SignOffOutcome,
             notes: str, now: datetime) -> SkillSignOff:
    if observed_on > now.date():
        raise DomainError("The observation date cannot be in the future.")
    with write_transaction():
        trainee = _trainee(trainee_id)
        skill = db.session.get(TrackSkill, skill_id)
        if skill is None:
            raise NotFound("No such practical skill.")
        if supervisor_id == trainee_id:
            raise DomainError("Nobody can sign off their own practical skills.")
        signoff = SkillSignOff(user_id=trainee.id, skill_id=skill.id, supervisor_id=supervisor_id,
                               observed_on=observed_on, outcome=outcome, notes=notes.strip()[:2000])
        db.session.add(signoff)
        db.session.flush()
        audit.record(supervisor_id, "signoff.record", "user", trainee.id,
                     f"{skill.code} {outcome.value} on {observed_on.isoformat()}",
                     after={"skill": skill.code, "outcome": outcome.value})
        if outcome is SignOffOutcome.PASSED:
            certification.reconcile(trainee.id, now, actor_id=supervisor_id)
    return signoff


def record_hours(*, actor_id: int, trainee_id: int, kind: HoursKind, hours: float, done_on: date, note: str,
                 now: datetime) -> HoursEntry:
    if not 0 < hours <= 1000:
        raise DomainError("Hours must be more than 0 and at most 1000.")
    if done_on > now.date():
        raise DomainError("The date cannot be in the future.")
    with write_transaction():
        trainee = _trainee(trainee_id)
        entry = HoursEntry(user_id=trainee.id, kind=kind, hours=hours, done_on=done_on, note=note.strip()[:500],
                           recorded_by_id=actor_id)
        db.session.add(entry)
        db.session.flush()
        audit.record(actor_id, "hours.record", "user", trainee.id, f"{hours:g} h {kind.value} on {done_on}")
        certification.reconcile(trainee.id, now, actor_id=actor_id)
    return entry


def signoffs_of(trainee_id: int) -> list[SkillSignOff]:
    return list(db.session.scalars(select(SkillSignOff).where(SkillSignOff.user_id == trainee_id)
                                   .order_by(SkillSignOff.observed_on.desc(), SkillSignOff.id.desc())))


def hours_of(trainee_id: int) -> list[HoursEntry]:
    return list(db.session.scalars(select(HoursEntry).where(HoursEntry.user_id == trainee_id)
                                   .order_by(HoursEntry.done_on.desc())))
