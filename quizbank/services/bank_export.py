"""Exporting questions in any registered format: each question's published version (else its latest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from quizbank import formats
from quizbank.errors import DomainError, NotFound
from quizbank.extensions import db
from quizbank.models import Module, Question, QuestionVersion, VersionStatus

from .question_versions import draft_of


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    filename: str
    media_type: str
    count: int


def _version_to_export(question: Question) -> QuestionVersion | None:
    published = [v for v in question.versions if v.status is VersionStatus.PUBLISHED]
    live = [v for v in question.versions if v.status is not VersionStatus.RETIRED]
    return (published or live or [None])[-1]


def export(format_name: str, *, module_code: str = "", question_ids: Sequence[int] = ()) -> ExportFile:
    try:
        fmt = formats.get(format_name)
    except KeyError:
        raise DomainError(f"Unknown format {format_name!r}.") from None
    stmt = select(Question).options(selectinload(Question.versions)).order_by(Question.external_id)
    if question_ids:
        stmt = stmt.where(Question.id.in_(question_ids))
    elif module_code:
        module = db.session.scalar(select(Module).where(Module.code == module_code))
        if module is None:
            raise NotFound("There is no module with that code.")
        stmt = stmt.where(Question.module_id == module.id)
    else:
        raise DomainError("Choose a module or some questions to export.")
    drafts = [draft_of(v) for q in db.session.scalars(stmt) if (v := _version_to_export(q)) is not None]
    try:
        data = fmt.dump(drafts)
    except ValueError as exc:
        raise DomainError(f"{fmt.label} cannot hold this selection: {exc}") from None
    stem = module_code or "questions"
    return ExportFile(data, f"{stem}{fmt.extension}", fmt.media_type, len(drafts))
