"""Modules, competencies, questions and their immutable versions."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizbank.domain.types import Difficulty, QuestionType, ReviewPolicy
from quizbank.extensions import db

from .types import UTCDateTime, str_enum, utcnow
from .user import User


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # was published; a newer version replaced it
    RETIRED = "retired"



class Module(db.Model):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    pass_mark_percent: Mapped[int] = mapped_column(default=75)
    form_length: Mapped[int] = mapped_column(default=10)
    time_limit_minutes: Mapped[int] = mapped_column(default=30)
    attempts_allowed: Mapped[int] = mapped_column(default=3)
    wait_hours: Mapped[int] = mapped_column(default=24)
    review_policy: Mapped[ReviewPolicy] = mapped_column(
        str_enum(ReviewPolicy, "review_policy"), default=ReviewPolicy.AFTER_ATTEMPT
    )
    require_all_critical: Mapped[bool] = mapped_column(default=True)
    competency_min_percent: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    # A random token that the database replaces whenever the module's published pool may have changed
    # (triggers on versions, questions and competencies, revision 0011): per-process caches of the pool
    # are keyed by it. Random, not a counter, so a rolled-back change never reuses a token. Empty means
    # unknown (a row written without it): such a pool is never cached.
    pool_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16), server_default="")

    competencies: Mapped[list[Competency]] = relationship(
        back_populates="module", order_by="Competency.code", cascade="all, delete-orphan"
    )

    @property
    def blueprint(self) -> dict[str, int]:
        return {c.code: c.blueprint_count for c in self.competencies if c.blueprint_count}


class Competency(db.Model):
    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    blueprint_count: Mapped[int] = mapped_column(default=0)

    module: Mapped[Module] = relationship(back_populates="competencies")


class Question(db.Model):
    """A question's identity; what it says lives in its versions."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(32), unique=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship()
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.number"
    )


class QuestionVersion(db.Model):
    """One version of a question. Once published it is never edited: attempts pin it."""

    __tablename__ = "question_versions"
    __table_args__ = (
        UniqueConstraint("question_id", "number"),
        # At most one published version per question, enforced by the database.
        Index(
            "uq_question_versions_one_published",
            "question_id",
            unique=True,
            sqlite_where=text("status = 'published'"),
            postgresql_where=text("status = 'published'"),
        ),
        Index("ix_question_versions_competency_status", "competency_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(str_enum(VersionStatus, "version_status"))
    qtype: Mapped[QuestionType] = mapped_column(str_enum(QuestionType, "question_type"))
    stem: Mapped[str] = mapped_column(Text)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # options, pairs, numeric key, scoring
    explanation: Mapped[str] = mapped_column(Text, default="")
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"))
    difficulty: Mapped[Difficulty] = mapped_column(str_enum(Difficulty, "difficulty"))
    critical: Mapped[bool] = mapped_column(default=False)
    scenario: Mapped[bool] = mapped_column(default=False)
    origin: Mapped[str] = mapped_column(String(16), default="file")  # file | web | import
    content_hash: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship(back_populates="versions")
    competency: Mapped[Competency] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    image: Mapped[Image | None] = relationship()
    comments: Mapped[list[ReviewComment]] = relationship(order_by="ReviewComment.created_at",
                                                         cascade="all, delete-orphan")


class Image(db.Model):
    """An uploaded figure, checked by content; served only with its verified type."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewComment(db.Model):
    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class ImportBatch(db.Model):
    """An uploaded bank file awaiting confirmation: the dry run is shown first, nothing is written until then."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    format_name: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # category → competency code
    default_competency: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
