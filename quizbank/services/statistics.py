"""Item and test statistics of a module: the database aggregates, the pure domain does the arithmetic.

Memory does not grow with the number of responses: every query returns one row per question version,
per option, per distinct total score or per month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, case, func, select

from quizbank.domain import item_stats
from quizbank.errors import NotFound
from quizbank.extensions import db
from quizbank.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Competency,
    ItemChoice,
    Module,
    Question,
    QuestionVersion,
)


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
    attempts, sum_t, sum_t2, passed = db.session.execute(
        select(func.count(Attempt.id), func.coalesce(func.sum(Attempt.points), 0.0),
               func.coalesce(func.sum(Attempt.points * Attempt.points), 0.0),
               func.coalesce(func.sum(case((Attempt.passed.is_(True), 1), else_=0)), 0)).where(*where)).one()
    histogram = dict(db.session.execute(
        select(Attempt.points, func.count(Attempt.id)).where(*where).group_by(Attempt.points)).all())
    return item_stats.ModuleAggregate(attempts=attempts, sum_t=float(sum_t), sum_t2=float(sum_t2),
                                      form_length=module.form_length,
                                      totals_histogram={float(k): int(v) for k, v in histogram.items()},
                                      passed=int(passed))


def _item_statement(where: list, cuts: item_stats.GroupCuts | None) -> Select:  # type: ignore[type-arg]
    upper = Attempt.points >= cuts.upper_cut if cuts else False
    lower = Attempt.points <= cuts.lower_cut if cuts else False
    score = func.coalesce(AttemptItem.score, 0.0)
    return (
        select(AttemptItem.question_version_id, func.count(AttemptItem.id), func.sum(score),
               func.sum(score * score), func.sum(score * Attempt.points), func.sum(Attempt.points),
               func.sum(Attempt.points * Attempt.points), func.sum(AttemptItem.seconds_spent),
               func.sum(case((upper, 1), else_=0)), func.sum(case((upper, score), else_=0.0)),
               func.sum(case((lower, 1), else_=0)), func.sum(case((lower, score), else_=0.0)))
        .join(Attempt, Attempt.id == AttemptItem.attempt_id).where(*where)
        .group_by(AttemptItem.question_version_id)
    )


def _option_counts(where: list, cuts: item_stats.GroupCuts | None) -> dict[int, dict[str, tuple[int, int, int]]]:  # type: ignore[type-arg]
    upper = Attempt.points >= cuts.upper_cut if cuts else False
    lower = Attempt.points <= cuts.lower_cut if cuts else False
    rows = db.session.execute(
        select(AttemptItem.question_version_id, ItemChoice.option_id, func.count(ItemChoice.id),
               func.sum(case((upper, 1), else_=0)), func.sum(case((lower, 1), else_=0)))
        .join(AttemptItem, AttemptItem.id == ItemChoice.attempt_item_id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id).where(*where)
        .group_by(AttemptItem.question_version_id, ItemChoice.option_id))
    counts: dict[int, dict[str, tuple[int, int, int]]] = {}
    for version_id, option_id, chosen, chosen_upper, chosen_lower in rows:
        counts.setdefault(version_id, {})[option_id] = (int(chosen), int(chosen_upper or 0), int(chosen_lower or 0))
    return counts


def module_statistics(query: StatsQuery) -> ModuleStats:
    module = db.session.scalar(select(Module).where(Module.code == query.module_code))
    if module is None:
        raise NotFound("There is no module with that code.")
    where = _attempt_filter(query, module.id)
    module_aggregate = _module_aggregate(module, where)
    cuts = item_stats.upper_lower_cuts(module_aggregate.totals_histogram)
    options = _option_counts(where, cuts)
    versions = {v.id: v for v in db.session.scalars(
        select(QuestionVersion).join(Question).where(Question.module_id == module.id))}
    aggregates: list[item_stats.ItemAggregate] = []
    rows: list[ItemRow] = []
    for r in db.session.execute(_item_statement(where, cuts)):
        version = versions.get(r[0])
        if version is None:
            continue
        tallies = tuple(
            item_stats.OptionTally(o["id"], bool(o.get("correct")), *options.get(r[0], {}).get(o["id"], (0, 0, 0)),
                                   label=o["text"][:80])
            for o in version.body.get("options", ())) if version.qtype.value in ("single", "multiple", "truefalse") \
            else ()
        aggregate = item_stats.ItemAggregate(
            n=int(r[1]), sum_x=float(r[2] or 0), sum_x2=float(r[3] or 0), sum_xt=float(r[4] or 0),
            sum_t=float(r[5] or 0), sum_t2=float(r[6] or 0), sum_seconds=float(r[7] or 0),
            upper_n=int(r[8] or 0), upper_sum_x=float(r[9] or 0), lower_n=int(r[10] or 0),
            lower_sum_x=float(r[11] or 0), options=tallies)
        aggregates.append(aggregate)
        rows.append(ItemRow(version.id, version.question.external_id, version.number, version.competency.code,
                            version.stem[:140], item_stats.analyse_item(aggregate)))
    rows.sort(key=lambda row: (row.external_id, row.number))
    report = item_stats.module_statistics(module_aggregate, aggregates)
    competencies = [(code, int(n), float(mean or 0)) for code, n, mean in db.session.execute(
        select(Competency.code, func.count(AttemptItem.id), func.avg(func.coalesce(AttemptItem.score, 0.0)))
        .join(QuestionVersion, QuestionVersion.competency_id == Competency.id)
        .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id).where(*where)
        .group_by(Competency.code).order_by(Competency.code))]
    month = _month(Attempt.submitted_at)
    by_month = [(m, int(n), int(p or 0)) for m, n, p in db.session.execute(
        select(month, func.count(Attempt.id), func.sum(case((Attempt.passed.is_(True), 1), else_=0)))
        .where(*where).group_by(month).order_by(month))]
    return ModuleStats(module, report, rows, competencies, by_month)


def item_csv_rows(stats: ModuleStats) -> list[list[object]]:
    header = ["question", "version", "competency", "responses", "facility", "point_biserial_rest",
              "discrimination_27", "mean_seconds", "flags"]
    body = [[row.external_id, row.number, row.competency, row.report.n, row.report.facility,
             row.report.point_biserial, row.report.discrimination_index, row.report.mean_seconds,
             " | ".join(f.message for f in row.report.flags)] for row in stats.items]
    return [header, *body]


