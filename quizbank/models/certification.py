"""Certification tracks, practical sign-offs, logged hours, and certificates."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizbank.extensions import db

from .bank import Module
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class Track(db.Model):
    """A certification: which modules, practical skills and hours it needs, and how long it lasts."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    validity_months: Mapped[int] = mapped_column(default=36)
    supervised_hours: Mapped[float] = mapped_column(Float, default=0.0)
    renewal_module_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    renewal_ce_hours: Mapped[float] = mapped_column(Float, default=0.0)
    active: Mapped[bool] = mapped_column(default=True)

    modules: Mapped[list[Module]] = relationship(secondary="track_modules", order_by="Module.position")
    skills: Mapped[list[TrackSkill]] = relationship(back_populates="track", order_by="TrackSkill.code",
                                                    cascade="all, delete-orphan")


class TrackModule(db.Model):
    __tablename__ = "track_modules"
    __table_args__ = (UniqueConstraint("track_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))


class TrackSkill(db.Model):
    """A practical competency an instructor must observe and sign off."""

    __tablename__ = "track_skills"
    __table_args__ = (UniqueConstraint("track_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))

    track: Mapped[Track] = relationship(back_populates="skills")


class SignOffOutcome(enum.StrEnum):
    PASSED = "passed"
    NOT_YET = "not_yet"


class SkillSignOff(db.Model):
    __tablename__ = "skill_signoffs"
    __table_args__ = (Index("ix_skill_signoffs_user", "user_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("track_skills.id"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    observed_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[SignOffOutcome] = mapped_column(str_enum(SignOffOutcome, "signoff_outcome"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    skill: Mapped[TrackSkill] = relationship()
    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])


class HoursKind(enum.StrEnum):
    SUPERVISED = "supervised"
    CONTINUING_EDUCATION = "ce"


class HoursEntry(db.Model):
    """Supervised practice or continuing-education hours, recorded by an instructor or admin."""

    __tablename__ = "hours_entries"
    __table_args__ = (Index("ix_hours_entries_user", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[HoursKind] = mapped_column(str_enum(HoursKind, "hours_kind"))
    hours: Mapped[float] = mapped_column(Float)
    done_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CertificateState(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    RENEWED = "renewed"  # replaced by its renewal; history kept


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        # Exactly one current certificate per trainee per track, enforced by the database.
        Index("uq_certificates_one_current", "user_id", "track_id", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
        Index("ix_certificates_track_expiry", "track_id", "expires_at"),
        # The dashboard joins every trainee to their certificate of a track; the partial unique index above
        # cannot serve it (SQLite uses a partial index only for a WHERE that repeats the index's own).
        Index("ix_certificates_user_track", "user_id", "track_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"))
    verification_code: Mapped[str] = mapped_column(String(64), unique=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    state: Mapped[CertificateState] = mapped_column(str_enum(CertificateState, "certificate_state"))
    is_current: Mapped[bool] = mapped_column(default=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_reason: Mapped[str] = mapped_column(String(500), default="")
    override_reason: Mapped[str] = mapped_column(String(500), default="")  # set when granted by an admin
    renewed_from_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))

    user: Mapped[User] = relationship()
    track: Mapped[Track] = relationship()
