"""Attempts at a module quiz, the items each one pinned, and extra attempts granted."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizbank.extensions import db

from .bank import Module, QuestionVersion
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    GRADED = "graded"


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (
        # Attempt numbers are unique per trainee and module: parallel starts cannot both take the
        # same number, so the attempts-allowed limit holds under concurrency.
        UniqueConstraint("user_id", "module_id", "number"),
        # One active attempt per trainee per module.
        Index(
            "uq_attempts_one_active",
            "user_id",
            "module_id",
            unique=True,
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
        Index("ix_attempts_module_status", "module_id", "status"),
        # Graded attempts whose statistics copies are still to be written (`services.statistics_copies`).
        Index("ix_attempts_statistics_pending", "module_id", "id",
              sqlite_where=text("statistics_pending IS 1"), postgresql_where=text("statistics_pending IS true")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    number: Mapped[int]
    seed: Mapped[int]
    status: Mapped[AttemptStatus] = mapped_column(
        str_enum(AttemptStatus, "attempt_status"),
        default=AttemptStatus.IN_PROGRESS,
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(16))  # trainee | deadline
    points: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)  # fraction 0..1
    passed: Mapped[bool | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # competencies, failed rules
    # Graded, and the copies item statistics read (on its items, and its chosen options) not yet written.
    statistics_pending: Mapped[bool] = mapped_column(default=False, server_default=false())

    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan"
    )


class AttemptItem(db.Model):
    """One question an attempt showed, pinned to the exact version, with the trainee's answer.

    ``attempt_number``, ``attempt_points`` and ``attempt_submitted_at`` copy the attempt's number, total and
    submission time (the last two written after it is graded, by `services.statistics_copies`; nothing
    about it changes after that). Item statistics group millions of responses by version and total: with
    the copies, and the covering index that holds them, they read one index in order instead of joining
    every response to its attempt. The index holds items with their copies only (statistics read nothing
    else): an item enters it once, so neither starting an attempt nor grading it writes an entry there.
    """

    __tablename__ = "attempt_items"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        Index("ix_attempt_items_statistics", "question_version_id", "attempt_points", "attempt_number",
              "attempt_submitted_at", "score", "seconds_spent",
              sqlite_where=text("attempt_points IS NOT NULL"), postgresql_where=text("attempt_points IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    display_order: Mapped[list[str]] = mapped_column(JSON, default=list)  # option or pair ids, as shown
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    flagged: Mapped[bool] = mapped_column(default=False)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds_spent: Mapped[int] = mapped_column(default=0, server_default="0")
    score: Mapped[float | None] = mapped_column(Float)
    attempt_number: Mapped[int]
    attempt_points: Mapped[float | None] = mapped_column(Float)  # None until the attempt is graded
    attempt_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship()


class ItemChoice(db.Model):
    """One option a graded response chose: the normalised form item statistics aggregate in SQL.

    Written once, with the statistics copies of its graded attempt (`services.statistics_copies`), with the
    version, the attempt's number, total and submission time copied in (as on `AttemptItem`), so
    distractor counts need no join.
    """

    __tablename__ = "item_choices"
    __table_args__ = (
        UniqueConstraint("attempt_item_id", "option_id"),
        Index("ix_item_choices_statistics", "question_version_id", "option_id", "attempt_points", "attempt_number",
              "attempt_submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_item_id: Mapped[int] = mapped_column(ForeignKey("attempt_items.id", ondelete="CASCADE"))
    option_id: Mapped[str] = mapped_column(String(32))
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    attempt_number: Mapped[int]
    attempt_points: Mapped[float] = mapped_column(Float)
    attempt_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExtraAttempt(db.Model):
    """One more attempt granted to a trainee for a module by an instructor or admin."""

    __tablename__ = "extra_attempts"
    __table_args__ = (Index("ix_extra_attempts_user_module", "user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
