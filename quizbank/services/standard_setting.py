"""Modified-Angoff studies: open, rate in two rounds, compute the recommended cut, adopt it."""

from __future__ import annotations

import contextlib
import random
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from quizbank.domain import assembly
from quizbank.domain.standard_setting import AngoffRatingsError, AngoffRound, angoff_round
from quizbank.errors import Conflict, DomainError, Forbidden, NotFound
from quizbank.extensions import db
from quizbank.models import AngoffRating, QuestionVersion, Role, StandardSettingStudy, StudyStage, User, utcnow

from . import audit, statistics
from .attempts import module_by_code
from .published_pools import read_pool
from .unit_of_work import write_transaction


def open_study(*, actor_id: int, module_code: str, panel_ids: Sequence[int]) -> StandardSettingStudy:
    """Draws one form from the module's blueprint for the panel to rate."""
    panel = sorted(set(panel_ids))
    if len(panel) < 2:
        raise DomainError("A panel needs at least two instructors.")
    with write_transaction():
        members = list(db.session.scalars(select(User).where(User.id.in_(panel))))
        if len(members) != len(panel) or any(m.role not in (Role.INSTRUCTOR, Role.ADMIN) for m in members):
            raise DomainError("Panel members must be instructors or administrators.")
        module = module_by_code(module_code)
        try:
            form = assembly.draw_form(read_pool(module.id).items, module.blueprint, random.Random(secrets.randbits(31)))
        except assembly.BankTooSmall as exc:
            raise DomainError(str(exc)) from None
        study = StandardSettingStudy(module_id=module.id, created_by_id=actor_id,
                                     version_ids=[p.version_id for p in form], panel_ids=panel)
        db.session.add(study)
        db.session.flush()
        audit.record(actor_id, "standard_setting.open", "module", module.id,
                     f"Angoff study {study.id} for {module.code}: {len(form)} items, {len(panel)} panellists")
    return study


def get_study(study_id: int) -> StandardSettingStudy:
    study = db.session.get(StandardSettingStudy, study_id)
    if study is None:
        raise NotFound("No such study.")
    return study


def _round_number(study: StandardSettingStudy) -> int:
    return 2 if study.stage is StudyStage.ROUND_2 else 1


def save_ratings(*, rater_id: int, study_id: int, percents: Mapping[int, float]) -> int:
    """Stores the rater's ratings (percent chance a minimally competent practitioner answers correctly)."""
    with write_transaction():
        study = get_study(study_id)
        if study.stage is StudyStage.CLOSED:
            raise Conflict("This study is closed.")
        if rater_id not in study.panel_ids:
            raise Forbidden("Only the study's panel rates its items.")
        round_number = _round_number(study)
        existing = {r.version_id: r for r in db.session.scalars(select(AngoffRating).where(
            AngoffRating.study_id == study.id, AngoffRating.round == round_number, AngoffRating.rater_id == rater_id))}
        for version_id, percent in percents.items():
            if version_id not in study.version_ids:
                raise DomainError("A rating names an item that is not in this study.")
            if not 0 <= percent <= 100:
                raise DomainError("Ratings are percentages from 0 to 100.")
            row = existing.get(version_id) or AngoffRating(study_id=study.id, round=round_number, rater_id=rater_id,
                                                            version_id=version_id, value=0.0)
            row.value = percent / 100
            db.session.add(row)
    return len(percents)


def ratings(study: StandardSettingStudy, round_number: int) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for r in db.session.scalars(select(AngoffRating).where(AngoffRating.study_id == study.id,
                                                           AngoffRating.round == round_number)):
        table[str(r.rater_id)][str(r.version_id)] = r.value
    return dict(table)


def _complete(study: StandardSettingStudy, round_number: int) -> bool:
    table = ratings(study, round_number)
    return all(len(table.get(str(p), {})) == len(study.version_ids) for p in study.panel_ids)


def advance(*, actor_id: int, study_id: int) -> StandardSettingStudy:
    """Round 1 → round 2 → closed, once every panellist has rated every item of the round."""
    with write_transaction():
        study = get_study(study_id)
        if actor_id != study.created_by_id:
            raise Forbidden("Only the instructor who opened the study moves it on.")
        if study.stage is StudyStage.CLOSED:
            raise Conflict("This study is closed.")
        if not _complete(study, _round_number(study)):
            raise Conflict("Every panellist must rate every item before the study moves on.")
        study.stage = StudyStage.ROUND_2 if study.stage is StudyStage.ROUND_1 else StudyStage.CLOSED
        audit.record(actor_id, "standard_setting.advance", "module", study.module_id,
                     f"Angoff study {study.id} moved to {study.stage.value}")
    return study


@dataclass(frozen=True)
class StudyView:
    study: StandardSettingStudy
    items: list[QuestionVersion]
    rounds: dict[int, AngoffRound]  # completed rounds
    panel_means: dict[int, tuple[float, float, float]]  # version id → round-1 (mean, min, max), for round 2
    facility: dict[int, float | None]  # version id → facility from the attempts so far
    my_ratings: dict[int, float]  # the viewer's ratings in the current round, percent
    panel: list[User]


def view(study_id: int, viewer_id: int) -> StudyView:
    study = get_study(study_id)
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.id.in_(study.version_ids)))}
    items = [versions[v] for v in study.version_ids if v in versions]
    rounds = {}
    for number in (1, 2):
        if _complete(study, number):
            with contextlib.suppress(AngoffRatingsError):  # incomplete or invalid: no result for the round
                rounds[number] = angoff_round(ratings(study, number), len(items))
    first = ratings(study, 1)
    means = {}
    for v in study.version_ids:
        values = [r[str(v)] for r in first.values() if str(v) in r]
        if values:
            means[v] = (sum(values) / len(values), min(values), max(values))
    facility = {}
    if study.stage is not StudyStage.ROUND_1:
        stats = statistics.module_statistics(statistics.StatsQuery(study.module.code))
        facility = {row.version_id: row.report.facility for row in stats.items}
    mine = {int(k): v * 100 for k, v in ratings(study, _round_number(study)).get(str(viewer_id), {}).items()}
    panel = list(db.session.scalars(select(User).where(User.id.in_(study.panel_ids)).order_by(User.name)))
    return StudyView(study, items, rounds, means, facility, mine, panel)


def adopt(*, admin_id: int, study_id: int) -> int:
    """Makes the study's recommended cut (the last completed round) the module's pass mark."""
    with write_transaction():
        study = get_study(study_id)
        outcome = view(study_id, admin_id)
        if not outcome.rounds:
            raise Conflict("No round is complete: there is no recommended cut score yet.")
        recommended = outcome.rounds[max(outcome.rounds)]
        module = study.module
        before = module.pass_mark_percent
        module.pass_mark_percent = max(1, min(100, round(recommended.cut_fraction * 100)))
        study.adopted_at, study.adopted_by_id = utcnow(), admin_id
        study.adopted_pass_mark = module.pass_mark_percent
        audit.record(admin_id, "module.pass_mark", "module", module.id,
                     f"{module.code} pass mark {before}% → {module.pass_mark_percent}% from Angoff study {study.id}",
                     before={"pass_mark": before}, after={"pass_mark": module.pass_mark_percent, "study": study.id})
        return module.pass_mark_percent


def studies() -> list[StandardSettingStudy]:
    return list(db.session.scalars(select(StandardSettingStudy).order_by(StandardSettingStudy.created_at.desc())))
