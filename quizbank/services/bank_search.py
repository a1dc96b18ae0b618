"""The question bank list: each question with its latest version, filtered, sorted and paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from quizbank.extensions import db
from quizbank.models import Competency, Module, Question, QuestionVersion, User, VersionStatus

from .directory import Page


@dataclass(frozen=True)
class BankFilters:
    text: str = ""
    module: str = ""
    competency: str = ""
    qtype: str = ""
    status: str = ""
    difficulty: str = ""
    critical: str = ""  # "yes" | "no" | ""
    author_id: int | None = None
    sort: str = "id"
    descending: bool = False
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class BankRow:
    question_id: int
    external_id: str
    module: str
    competency: str
    number: int
    status: str
    qtype: str
    difficulty: str
    critical: bool
    stem: str
    author: str | None
    published_number: int | None


def _latest():  # type: ignore[no-untyped-def]
    return (select(QuestionVersion.question_id, func.max(QuestionVersion.number).label("number"))
            .group_by(QuestionVersion.question_id).subquery())


def search(filters: BankFilters) -> Page[BankRow]:
    latest = _latest()
    version = aliased(QuestionVersion)
    published = aliased(QuestionVersion)
    stmt = (
        select(Question.id, Question.external_id, Module.code, Competency.code, version.number, version.status,
               version.qtype, version.difficulty, version.critical, version.stem, User.name, published.number)
        .join(Module, Module.id == Question.module_id)
        .join(latest, latest.c.question_id == Question.id)
        .join(version, and_(version.question_id == Question.id, version.number == latest.c.number))
        .join(Competency, Competency.id == version.competency_id)
        .outerjoin(User, User.id == version.author_id)
        .outerjoin(published, and_(published.question_id == Question.id,
                                   published.status == VersionStatus.PUBLISHED))
    )
    if filters.text.strip():
        like = f"%{filters.text.strip().casefold()}%"
        stmt = stmt.where(or_(func.lower(version.stem).like(like), func.lower(Question.external_id).like(like)))
    for column, value in ((Module.code, filters.module), (Competency.code, filters.competency),
                          (version.qtype, filters.qtype), (version.status, filters.status),
                          (version.difficulty, filters.difficulty)):
        if value:
            stmt = stmt.where(column == value)
    if filters.critical in ("yes", "no"):
        stmt = stmt.where(version.critical.is_(filters.critical == "yes"))
    if filters.author_id:
        stmt = stmt.where(version.author_id == filters.author_id)
    sort_columns = {"id": Question.external_id, "competency": Competency.code, "status": version.status,
                    "difficulty": version.difficulty, "type": version.qtype}
    column = sort_columns.get(filters.sort, Question.external_id)
    stmt = stmt.order_by(column.desc() if filters.descending else column.asc(), Question.id)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, filters.page)
    rows = db.session.execute(stmt.limit(filters.per_page).offset((page - 1) * filters.per_page)).all()
    items = [BankRow(r[0], r[1], r[2], r[3], r[4], r[5].value, r[6].value, r[7].value, r[8],
                     excerpt(r[9]), r[10], r[11]) for r in rows]
    return Page(items, page, filters.per_page, total)


def excerpt(text: str, limit: int = 160) -> str:
    """The start of a stem, cut at a word boundary with an ellipsis when it is longer than `limit`."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def history(question_id: int) -> Question | None:
    return db.session.get(Question, question_id)
