"""Modified-Angoff standard-setting studies: a panel rates each item of a form, in two rounds."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizbank.extensions import db

from .bank import Module
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class StudyStage(enum.StrEnum):
    ROUND_1 = "round_1"
    ROUND_2 = "round_2"
    CLOSED = "closed"


class StandardSettingStudy(db.Model):
    __tablename__ = "standard_setting_studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stage: Mapped[StudyStage] = mapped_column(str_enum(StudyStage, "study_stage"), default=StudyStage.ROUND_1)
    version_ids: Mapped[list[int]] = mapped_column(JSON)  # the form the panel rates
    panel_ids: Mapped[list[int]] = mapped_column(JSON)
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    adopted_pass_mark: Mapped[int | None]

    module: Mapped[Module] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])


class AngoffRating(db.Model):
    __tablename__ = "angoff_ratings"
    __table_args__ = (UniqueConstraint("study_id", "round", "rater_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("standard_setting_studies.id", ondelete="CASCADE"))
    round: Mapped[int]
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    value: Mapped[float] = mapped_column(Float)


