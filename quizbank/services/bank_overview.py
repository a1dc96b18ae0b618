"""How each module's bank covers its blueprint: published items per competency against what a form needs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from quizbank.extensions import db
from quizbank.models import Module, QuestionVersion, VersionStatus


@dataclass(frozen=True)
class CompetencyCoverage:
    code: str
    title: str
    needed: int
    published: int

    @property
    def short(self) -> bool:
        return self.published < self.needed

    @property
    def thin(self) -> bool:
        # Fewer than three forms' worth: retakes will soon repeat questions.
        return not self.short and self.published < 3 * self.needed


@dataclass(frozen=True)
class ModuleCoverage:
    module: Module
    competencies: list[CompetencyCoverage]
    published: int

    @property
    def can_assemble(self) -> bool:
        return not any(c.short for c in self.competencies)


def coverage() -> list[ModuleCoverage]:
    counts = dict(db.session.execute(
        select(QuestionVersion.competency_id, func.count(QuestionVersion.id))
        .where(QuestionVersion.status == VersionStatus.PUBLISHED).group_by(QuestionVersion.competency_id)).all())
    modules = db.session.scalars(select(Module).options(selectinload(Module.competencies))
                                 .order_by(Module.position, Module.code))
    result = []
    for module in modules:
        comps = [CompetencyCoverage(c.code, c.title, c.blueprint_count, counts.get(c.id, 0))
                 for c in module.competencies]
        result.append(ModuleCoverage(module, comps, sum(c.published for c in comps)))
    return result
