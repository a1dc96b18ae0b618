"""Read-side queries for people pages: paginated in the database, never loaded whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, or_, select

from quizbank.extensions import db
from quizbank.models import Cohort, CohortMembership, Role, User

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(stmt: Select, page: int, per_page: int) -> Page:  # type: ignore[type-arg]
    page = max(1, page)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total)


def search_users(text: str = "", role: Role | None = None, page: int = 1, per_page: int = 25) -> Page[User]:
    stmt = select(User).order_by(User.name, User.id)
    if text:
        like = f"%{text.strip().casefold()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    if role is not None:
        stmt = stmt.where(User.role == role)
    return paginate(stmt, page, per_page)


def cohorts_with_counts() -> list[tuple[Cohort, int]]:
    stmt = (
        select(Cohort, func.count(CohortMembership.id))
        .outerjoin(CohortMembership, CohortMembership.cohort_id == Cohort.id)
        .group_by(Cohort.id)
        .order_by(Cohort.name)
    )
    return [(c, n) for c, n in db.session.execute(stmt)]
