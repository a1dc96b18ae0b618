"""Item and test statistics of a module: the database aggregates, the pure domain does the arithmetic.

Memory does not grow with the number of responses: every query returns one row per question version,
per option, per distinct total score or per month.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from quizbank.domain import item_stats, score_groups
from quizbank.domain.types import CHOICE_TYPES
from quizbank.errors import NotFound
from quizbank.extensions import db
from quizbank.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    ItemChoice,
    Module,
    Question,
    QuestionVersion,
)

from . import statistics_copies


@dataclass(frozen=True)
class StatsQuery:
    module_code: str
    first_attempts_only: bool = False
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class ItemRow:
    version_id: int
    external_id: str
    number: int
    competency: str
    stem: str
    report: item_stats.ItemReport


@dataclass(frozen=True)
class ModuleStats:
    module: Module
    report: item_stats.ModuleReport
    items: list[ItemRow]
    competencies: list[tuple[str, int, float]]  # code, responses, mean item score
    pass_rate_by_month: list[tuple[str, int, int]]  # "2026-11", attempts, passed


def _attempt_filter(query: StatsQuery, module_id: int) -> list:  # type: ignore[type-arg]
    conditions = [Attempt.module_id == module_id, Attempt.status == AttemptStatus.GRADED]
    if query.first_attempts_only:
        conditions.append(Attempt.number == 1)
    if query.since:
        conditions.append(Attempt.submitted_at >= datetime.combine(query.since, time.min, UTC))
    if query.until:
        conditions.append(Attempt.submitted_at < datetime.combine(query.until + timedelta(days=1), time.min, UTC))
    return conditions


def _month(column):  # type: ignore[no-untyped-def]
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _module_aggregate(module: Module, where: list) -> item_stats.ModuleAggregate:  # type: ignore[type-arg]
    """Sums of the totals follow exactly from their histogram, which one GROUP BY returns."""
    histogram: dict[float, int] = {}
    passed = 0
    for points, count, passes in db.session.execute(
            select(Attempt.points, func.count(Attempt.id), func.sum(case((Attempt.passed.is_(True), 1), else_=0)))
            .where(*where).group_by(Attempt.points)):
        histogram[float(points or 0.0)] = histogram.get(float(points or 0.0), 0) + int(count)
        passed += int(passes or 0)
    return item_stats.ModuleAggregate(
        attempts=sum(histogram.values()), sum_t=sum(t * c for t, c in histogram.items()),
        sum_t2=sum(t * t * c for t, c in histogram.items()), form_length=module.form_length,
        totals_histogram=histogram, passed=passed)


def _copies_filter(query: StatsQuery, table: type[AttemptItem] | type[ItemChoice], versions: Select) -> list:  # type: ignore[type-arg]
    """The attempt filter, on the attempt facts copied onto items and choices (see `statistics_copies`)."""
    conditions = [table.question_version_id.in_(versions), table.attempt_points.is_not(None)]
    if query.first_attempts_only:
        conditions.append(table.attempt_number == 1)
    if query.since:
        conditions.append(table.attempt_submitted_at >= datetime.combine(query.since, time.min, UTC))
    if query.until:
        conditions.append(
            table.attempt_submitted_at < datetime.combine(query.until + timedelta(days=1), time.min, UTC))
    return conditions


_STREAM = {"yield_per": 2000}  # grouped rows are folded as they arrive (a server-side cursor on PostgreSQL)


def _score_groups(query: StatsQuery, versions: Select) -> Iterator[tuple[int, Iterator[score_groups.ScoreGroup]]]:  # type: ignore[type-arg]
    """Each version's responses grouped by attempt total, version by version, in the order of the index."""
    score = func.coalesce(AttemptItem.score, 0.0)
    rows = db.session.execute(
        select(AttemptItem.question_version_id, AttemptItem.attempt_points, func.count(), func.sum(score),
               func.sum(score * score), func.sum(AttemptItem.seconds_spent))
        .where(*_copies_filter(query, AttemptItem, versions))
        .group_by(AttemptItem.question_version_id, AttemptItem.attempt_points)
        .order_by(AttemptItem.question_version_id, AttemptItem.attempt_points).execution_options(**_STREAM))
    for version_id, version_rows in groupby(rows, key=itemgetter(0)):
        yield version_id, (score_groups.ScoreGroup(float(total), int(n), float(sum_x or 0), float(sum_x2 or 0),
                                                   float(seconds or 0))
                           for _version, total, n, sum_x, sum_x2, seconds in version_rows)


def _option_counts(query: StatsQuery, versions: Select,  # type: ignore[type-arg]
                   cuts: item_stats.GroupCuts | None) -> dict[int, dict[str, tuple[int, int, int]]]:
    rows = db.session.execute(
        select(ItemChoice.question_version_id, ItemChoice.option_id, ItemChoice.attempt_points, func.count())
        .where(*_copies_filter(query, ItemChoice, versions))
        .group_by(ItemChoice.question_version_id, ItemChoice.option_id, ItemChoice.attempt_points)
        .order_by(ItemChoice.question_version_id).execution_options(**_STREAM))
    return {version_id: score_groups.option_counts(
                (score_groups.ChoiceGroup(option_id, float(total), int(chosen))
                 for _version, option_id, total, chosen in version_rows), cuts)
            for version_id, version_rows in groupby(rows, key=itemgetter(0))}


def _options_of(version: QuestionVersion) -> list[score_groups.OptionInfo]:
    if version.qtype not in CHOICE_TYPES:
        return []
    return [score_groups.OptionInfo(o["id"], bool(o.get("correct")), o["text"][:80])
            for o in version.body.get("options", ())]


def module_statistics(query: StatsQuery) -> ModuleStats:
    """The module's item and test statistics; first writes the copies of its attempts graded since the last
    read (a transaction per batch of them, so SQLite's writers wait for one batch at most)."""
    module = db.session.scalar(select(Module).where(Module.code == query.module_code))
    if module is None:
        raise NotFound("There is no module with that code.")
    statistics_copies.write_pending(module.id)  # attempts graded since the last read, so none is left out
    where = _attempt_filter(query, module.id)
    module_aggregate = _module_aggregate(module, where)
    cuts = item_stats.upper_lower_cuts(module_aggregate.totals_histogram)
    version_ids = select(QuestionVersion.id).join(Question).where(Question.module_id == module.id)
    choices = _option_counts(query, version_ids, cuts)
    versions = {v.id: v for v in db.session.scalars(
        select(QuestionVersion).where(QuestionVersion.id.in_(version_ids))
        .options(joinedload(QuestionVersion.question), joinedload(QuestionVersion.competency)))}
    aggregates: list[tuple[str, item_stats.ItemAggregate]] = []
    rows: list[ItemRow] = []
    for version_id, groups in _score_groups(query, version_ids):
        version = versions[version_id]
        tallies = score_groups.option_tallies(_options_of(version), choices.get(version_id, {}))
        aggregate = score_groups.item_aggregate(groups, cuts, tallies)
        aggregates.append((version.competency.code, aggregate))
        rows.append(ItemRow(version.id, version.question.external_id, version.number, version.competency.code,
                            version.stem[:140], item_stats.analyse_item(aggregate)))
    rows.sort(key=lambda row: (row.external_id, row.number))
    report = item_stats.module_statistics(module_aggregate, [a for _code, a in aggregates])
    month = _month(Attempt.submitted_at)
    by_month = [(m, int(n), int(p or 0)) for m, n, p in db.session.execute(
        select(month, func.count(Attempt.id), func.sum(case((Attempt.passed.is_(True), 1), else_=0)))
        .where(*where).group_by(month).order_by(month))]
    return ModuleStats(module, report, rows, score_groups.competency_means(aggregates), by_month)


def item_csv_rows(stats: ModuleStats) -> list[list[object]]:
    header = ["question", "version", "competency", "responses", "facility", "point_biserial_rest",
              "discrimination_27", "mean_seconds", "flags"]
    body = [[row.external_id, row.number, row.competency, row.report.n, row.report.facility,
             row.report.point_biserial, row.report.discrimination_index, row.report.mean_seconds,
             " | ".join(f.message for f in row.report.flags)] for row in stats.items]
    return [header, *body]


