"""Taking a quiz: start or resume, save answers as the trainee goes, submit once, close at the deadline."""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Float,
    Row,
    Update,
    bindparam,
    case,
    cast,
    func,
    insert,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.expression import Grouping

from quizbank.domain import assembly, grading, presentation, timing
from quizbank.domain.attempt_policy import may_start
from quizbank.domain.types import AttemptScore, ModuleRules
from quizbank.errors import Conflict, DomainError, NotFound
from quizbank.extensions import db
from quizbank.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Competency,
    ExtraAttempt,
    Module,
    QuestionVersion,
)
from quizbank.row_inserts import insert_rows

from . import certification, published_pools
from .pinned_drafts import ITEMS_WITH_VERSIONS, KEY_COLUMNS, draft_key, drafts_by_key
from .unit_of_work import write_transaction


class AttemptRefused(DomainError):
    status = 409

    def __init__(self, message: str, opens_at: datetime | None = None) -> None:
        super().__init__(message)
        self.opens_at = opens_at


class BankIncomplete(DomainError):
    status = 409


class AnswerRejected(DomainError):
    """The posted answer does not fit the item (a stale or tampered page)."""


def module_by_code(code: str) -> Module:
    module = db.session.scalar(select(Module).where(Module.code == code).options(selectinload(Module.competencies)))
    if module is None:
        raise NotFound("There is no module with that code.")
    return module


def owned_attempt(user_id: int, attempt_id: int) -> Attempt:
    """The attempt if it is the user's own; anyone else's is simply not found."""
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user_id).options(joinedload(Attempt.module)))
    if attempt is None:
        raise NotFound("There is no such attempt.")
    return attempt


@dataclass(frozen=True)
class ModuleHeading:
    id: int
    code: str
    title: str


@dataclass(frozen=True)
class AttemptHead:
    """What the exam pages and grading need of an attempt: a plain value read by one statement.

    The pages of a sitting (each question, each autosave, the submit) all start by reading this, so it is
    not an ORM entity (loading one costs several times the query), and it outlives a commit unchanged.
    """

    id: int
    user_id: int
    number: int
    status: AttemptStatus
    deadline_at: datetime
    module: ModuleHeading
    rules: ModuleRules

    @classmethod
    def from_row(cls, row: Row[Any]) -> AttemptHead:
        """The head from a row holding `head_columns()`."""
        return cls(row.id, row.user_id, row.number, row.status, row.deadline_at,
                   ModuleHeading(row.module_id, row.code, row.title),
                   ModuleRules.from_percents(row.pass_mark_percent, row.require_all_critical,
                                             row.competency_min_percent))

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptHead:
        module = attempt.module
        return cls(attempt.id, attempt.user_id, attempt.number, attempt.status, attempt.deadline_at,
                   ModuleHeading(module.id, module.code, module.title),
                   ModuleRules.from_percents(module.pass_mark_percent, module.require_all_critical,
                                             module.competency_min_percent))


def owned_attempt_head(user_id: int, attempt_id: int) -> AttemptHead:
    """The head of the attempt if it is the user's own; anyone else's is simply not found."""
    row = db.session.execute(_HEAD, {"attempt_id": attempt_id, "user_id": user_id}).first()
    if row is None:
        raise NotFound("There is no such attempt.")
    return AttemptHead.from_row(row)


def head_columns(deadline_only_where: ColumnElement[bool] | None = None) -> tuple[ColumnElement[Any], ...]:
    """The columns `AttemptHead.from_row` reads, from `HEAD_TABLES`.

    A statement that repeats the head on each of an attempt's items can send the deadline only on the rows
    where `deadline_only_where` holds: on SQLite it is the one column converted in Python on every row.
    """
    deadline: ColumnElement[Any] = _ATTEMPTS.c.deadline_at
    if deadline_only_where is not None:
        deadline = case((deadline_only_where, deadline)).label("deadline_at")
    return (_ATTEMPTS.c.id, _ATTEMPTS.c.user_id, _ATTEMPTS.c.number, _ATTEMPTS.c.status, deadline,
            _ATTEMPTS.c.module_id, _MODULES.c.code, _MODULES.c.title, _MODULES.c.pass_mark_percent,
            _MODULES.c.require_all_critical, _MODULES.c.competency_min_percent)


@dataclass(frozen=True)
class _StartTerms:
    """What starting an attempt needs of its module, read on the tables (the start is a hot path)."""

    id: int
    title: str
    attempts_allowed: int
    wait_hours: int
    time_limit_minutes: int
    blueprint: dict[str, int]
    pool_token: str  # names the published pool this process may have kept (`published_pools`)


@dataclass(frozen=True)
class _History:
    """The trainee's attempts at the module so far, and whether any attempt of theirs is overdue."""

    used: int
    last_submitted: datetime | None
    active: int | None  # the attempt in progress
    extra: int  # extra attempts granted
    overdue: bool  # an attempt (of any module) still in progress past its deadline and grace


def _start_terms(module_code: str, user_id: int, cutoff: datetime) -> tuple[_StartTerms, _History]:
    """The module's terms and the trainee's history with it, read in one statement."""
    rows = db.session.execute(_START_TERMS, {"code": module_code, "user_id": user_id, "cutoff": cutoff}).all()
    if not rows:
        raise NotFound("There is no module with that code.")
    row = rows[0]
    blueprint = {r.competency: r.blueprint_count for r in rows if r.blueprint_count}
    return (_StartTerms(row.id, row.title, row.attempts_allowed, row.wait_hours, row.time_limit_minutes, blueprint,
                        row.pool_token),
            _History(row.used, row.last_submitted, row.active, row.extra, row.overdue))


def start_attempt(user_id: int, module_code: str, *, now: datetime, grace_seconds: int,
                  seed: int | None = None) -> Attempt:
    """As `open_attempt`, returning the attempt itself (for callers that go on to read its items)."""
    attempt = db.session.get(Attempt, open_attempt(user_id, module_code, now=now, grace_seconds=grace_seconds,
                                                   seed=seed))
    assert attempt is not None  # committed, or found active, just now
    return attempt


def open_attempt(user_id: int, module_code: str, *, now: datetime, grace_seconds: int,
                 seed: int | None = None) -> int:
    """Resumes the trainee's active attempt, or starts a new one if the module's policy allows: its id.

    The policy is checked and the form drawn before the write transaction, which only inserts: the unique
    indexes (one attempt per number, one active attempt per module) refuse a parallel start that read the
    same state, and that request resumes the attempt the other one started.
    """
    cutoff = now - timedelta(seconds=grace_seconds)
    module, history = _start_terms(module_code, user_id, cutoff)
    if history.overdue:  # rare: an attempt left past its deadline is graded before anything is decided
        close_expired(now=now, grace_seconds=grace_seconds, user_id=user_id)
        module, history = _start_terms(module_code, user_id, cutoff)
    if history.active is not None:
        return int(history.active)
    attempt, items = _new_attempt(user_id, module, history, now, seed)
    try:
        with write_transaction():
            attempt_id = db.session.execute(_INSERT_ATTEMPT, attempt).scalar_one()
            insert_rows(db.session, _ITEMS, items, {"attempt_id": attempt_id})
    except IntegrityError:
        # A parallel request started it first (the unique indexes refused the second): resume that one.
        active = _start_terms(module_code, user_id, cutoff)[1].active
        if active is None:
            raise Conflict("Another attempt was being started at the same moment. Please try again.") from None
        return int(active)
    return int(attempt_id)


def _new_attempt(user_id: int, module: _StartTerms, history: _History, now: datetime,
                 seed: int | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The next attempt's row and its items' (not yet inserted), or a refusal saying why it cannot start."""
    used = history.used
    decision = may_start(now=now, attempts_used=used, attempts_allowed=module.attempts_allowed,
                         extra_granted=history.extra, last_submitted_at=history.last_submitted,
                         wait_hours=module.wait_hours)
    if not decision.allowed:
        raise AttemptRefused(decision.reason, decision.opens_at)
    seed = seed if seed is not None else secrets.randbits(31)  # fits an INTEGER column everywhere
    rng = random.Random(seed)
    pool = published_pools.pool_of(module.id, module.pool_token)
    seen = set(db.session.scalars(_SEEN, {"user_id": user_id, "module_id": module.id}))
    try:
        form = assembly.draw_form(pool.items, module.blueprint, rng, seen)
    except assembly.BankTooSmall as exc:
        raise BankIncomplete(
            f"{module.title} cannot be taken yet: its question bank does not cover the blueprint. "
            "Your instructors can see what is missing on the question bank page.") from exc
    drafts = drafts_by_key({p.version_id: pool.keys[p.version_id] for p in form})
    attempt = {"user_id": user_id, "module_id": module.id, "number": used + 1, "seed": seed, "started_at": now,
               "deadline_at": timing.deadline_for(now, module.time_limit_minutes)}
    items = [{"position": i, "question_version_id": p.version_id, "attempt_number": attempt["number"],
              "display_order": assembly.display_order(drafts[p.version_id], rng)}
             for i, p in enumerate(form, start=1)]
    return attempt, items


@dataclass(frozen=True)
class SaveResult:
    saved: bool
    closed: bool = False
    message: str = ""


MAX_SECONDS_PER_SAVE = 900  # what a page reports as time spent is capped: it is the client's word


def save_answer(user_id: int, attempt_id: int, position: int, form: Mapping[str, Sequence[str]], *,
                flagged: bool, now: datetime, grace_seconds: int, seconds_spent: int = 0) -> SaveResult:
    """Stores one answer; past the deadline (plus grace) nothing is stored and the attempt is graded.

    Everything is read and checked first; the write is one UPDATE that only lands while the attempt is
    still in progress, so the write lock is held for that statement alone (on PostgreSQL it is its own
    transaction) and a save racing a submit either lands before the grade reads the answers or is refused.
    """
    attempt = owned_attempt_head(user_id, attempt_id)
    if attempt.status is AttemptStatus.GRADED:
        return SaveResult(False, True, _SUBMITTED)
    if not timing.accepts_answers(now, attempt.deadline_at, grace_seconds):
        with write_transaction():
            _claim_and_record(attempt, now, "deadline", None)
        return SaveResult(False, True, "Time is up: this answer arrived after the deadline and was not saved. "
                                       "Your attempt was graded with the answers saved before.")
    item = db.session.execute(_ITEM_AT, {"attempt_id": attempt.id, "position": position}).first()
    if item is None:
        raise NotFound("This attempt has no such question.")
    draft = drafts_by_key({item.question_version_id: draft_key(item)})[item.question_version_id]
    try:
        response = presentation.response_from_form(draft, item.display_order, form)
    except presentation.InvalidAnswer as exc:
        raise AnswerRejected(str(exc)) from None
    with write_transaction(one_statement=True):
        stored = db.session.execute(_SAVE, {
            "item_id": item.id, "in_attempt": attempt_id,
            # A blank answer is stored as NULL, as if never given: the question map asks the database which
            # items are answered (IS NOT NULL) instead of decoding every answer of the attempt.
            "new_answer": None if response.is_blank else presentation.response_to_json(response),
            "new_flagged": flagged, "new_saved_at": now,
            "spent": max(0, min(seconds_spent, MAX_SECONDS_PER_SAVE))}).rowcount
    return SaveResult(True) if stored == 1 else SaveResult(False, True, _SUBMITTED)


_SUBMITTED = "This attempt has been submitted; answers can no longer change."


@dataclass(frozen=True)
class SubmitResult:
    attempt_id: int
    already_submitted: bool


def submit(user_id: int, attempt_id: int, *, now: datetime, grace_seconds: int) -> SubmitResult:
    """Grades the attempt exactly once; a repeated or concurrent submit finds it already graded.

    The grade is worked out from the answers before the write transaction; inside it, the attempt is
    claimed (compare-and-set) and the answers read again, and only if one changed in between is the grade
    worked out again. So the write lock is not held while grading, and the grade is always of the answers
    stored when the attempt closed.
    """
    rows = _head_and_answers(user_id, attempt_id)
    if not rows:  # every attempt has items: no row, no attempt of this trainee's
        raise NotFound("There is no such attempt.")
    attempt = AttemptHead.from_row(rows[0])
    if attempt.status is AttemptStatus.GRADED:
        return SubmitResult(attempt_id, already_submitted=True)
    late = not timing.accepts_answers(now, attempt.deadline_at, grace_seconds)
    prepared = _work_out(attempt, rows)
    with write_transaction():
        graded = _claim_and_record(attempt, now, "deadline" if late else "trainee", prepared)
    return SubmitResult(attempt_id, already_submitted=not graded)


@dataclass(frozen=True)
class _WorkedOut:
    answers: list[Any]  # the stored answers this grade was worked out from, in position order
    score: AttemptScore
    item_scores: dict[int, float]  # position → score
    points: float


def _head_and_answers(user_id: int, attempt_id: int) -> list[Row[Any]]:
    """The trainee's attempt's head and its answers, in one statement (none if it is not theirs)."""
    return list(db.session.execute(_HEAD_AND_ANSWERS, {"attempt_id": attempt_id, "user_id": user_id}))


def _answer_rows(attempt_id: int) -> list[Row[Any]]:
    return list(db.session.execute(_ANSWERS, {"attempt_id": attempt_id}))


def _work_out(facts: AttemptHead, rows: Sequence[Row[Any]]) -> _WorkedOut:
    """The grade of the stored answers, in the pure domain, and the scores that record it."""
    drafts = drafts_by_key({r.question_version_id: draft_key(r) for r in rows})
    score = grading.grade([grading.GradableItem(r.position, drafts[r.question_version_id],
                                                presentation.response_from_json(r.answer))
                           for r in rows], facts.rules)
    item_scores = [round(item.score, 4) for item in score.items]
    # Rounded once here, so statistics group equal totals exactly on every database.
    return _WorkedOut([r.answer for r in rows], score,
                      {r.position: s for r, s in zip(rows, item_scores, strict=True)}, round(sum(item_scores), 4))


def _grade(attempt: Attempt, now: datetime, *, closed_by: str) -> bool:
    """Inside a write transaction: claims the attempt and grades the answers it holds. False if taken."""
    return _claim_and_record(AttemptHead.of(attempt), now, closed_by, None)


def _claim_and_record(facts: AttemptHead, now: datetime, closed_by: str, prepared: _WorkedOut | None) -> bool:
    """Claims the attempt for grading (compare-and-set in the database) and records its grade.

    This runs under the write lock, so it is kept to a few plain statements: the claim carries the grade
    worked out beforehand, and only if the answers stored at the claim differ is the grade worked out again.
    The claim marks the attempt's statistics copies as pending: they are written later, outside the
    exam's hot path (`statistics_copies`).
    """
    submitted_at = min(now, facts.deadline_at + timedelta(days=3650))
    claim = {"claimed_id": facts.id, "new_submitted_at": submitted_at, "new_closed_by": closed_by}
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if prepared is not None and postgres:
        stored = _claim_and_score(claim, prepared)
        if stored is None:
            return False
        worked = prepared if stored == prepared.answers else _record_again(facts, postgres)
    else:
        if prepared is not None:
            claimed = db.session.execute(_CLAIM_WITH_RESULT, {**claim, **_result_values(prepared)}).rowcount
        else:
            claimed = db.session.execute(_CLAIM, claim).rowcount
        if claimed != 1:
            return False
        # No save can change the answers now that the attempt is claimed. Only they are read again here: the
        # questions they answer are read (and the grade worked out again) only if one changed since.
        if prepared is not None and prepared.answers == _stored_answers(facts.id):
            worked = prepared
            db.session.execute(*_score_items(facts.id, worked.item_scores, postgres))
        else:
            worked = _record_again(facts, postgres)
    if worked.score.passed:
        # The pass that completes a track certifies in this same transaction.
        certification.reconcile(facts.user_id, now)
    return True


def _claim_and_score(claim: dict[str, Any], prepared: _WorkedOut) -> list[Any] | None:
    """PostgreSQL: claims the attempt and scores its items in one statement, with the grade worked out
    beforehand. The answers it returns are those the items held when scored (the latest committed, as
    PostgreSQL re-reads a row that changed under an UPDATE); None if the attempt was already taken."""
    rows = db.session.execute(_CLAIM_AND_SCORE, {**claim, **_result_values(prepared),
                                                 "scores": _scores_by_position(prepared.item_scores)}).all()
    return [row.answer for row in sorted(rows, key=lambda row: row.position)] if rows else None


def _stored_answers(attempt_id: int) -> list[Any]:
    return list(db.session.scalars(_STORED_ANSWERS, {"attempt_id": attempt_id}))


def _record_again(facts: AttemptHead, postgres: bool) -> _WorkedOut:
    """The grade of the answers as stored now, recorded on the claimed attempt and its items."""
    worked = _work_out(facts, _answer_rows(facts.id))
    db.session.execute(_RECORD_RESULT, {"attempt_id": facts.id, **_result_values(worked)})
    db.session.execute(*_score_items(facts.id, worked.item_scores, postgres))
    return worked


def _result_values(worked: _WorkedOut) -> dict[str, Any]:
    score = worked.score
    return {"new_points": worked.points, "new_score": score.fraction, "new_passed": score.passed,
            "new_result": {"competencies": [{"code": c.competency, "items": c.items, "score": c.score,
                                         "fraction": c.fraction} for c in score.competencies],
                       "failed_rules": list(score.failed_rules)}}


# Statements run under the write lock address the tables themselves: the ORM's statement machinery
# (bulk update by primary key, entity-aware updates) costs more there than the writes.
_ATTEMPTS = Attempt.__table__
_ITEMS = AttemptItem.__table__
_VERSIONS = QuestionVersion.__table__
_MODULES = Module.__table__
# The reads every page of a sitting makes, built once (on the tables, so without the ORM's entity loading).
HEAD_TABLES = _ATTEMPTS.join(_MODULES, _MODULES.c.id == _ATTEMPTS.c.module_id)
_HEAD = (select(*head_columns()).select_from(HEAD_TABLES)
         .where(_ATTEMPTS.c.id == bindparam("attempt_id"), _ATTEMPTS.c.user_id == bindparam("user_id")))
_ITEM_AT = (select(_ITEMS.c.id, _ITEMS.c.display_order, *KEY_COLUMNS).select_from(ITEMS_WITH_VERSIONS)
            .where(_ITEMS.c.attempt_id == bindparam("attempt_id"), _ITEMS.c.position == bindparam("position")))
_ANSWER_COLUMNS = (_ITEMS.c.id.label("item_id"), _ITEMS.c.position, _ITEMS.c.answer, *KEY_COLUMNS)
_ANSWERS = (select(*_ANSWER_COLUMNS).select_from(ITEMS_WITH_VERSIONS)
            .where(_ITEMS.c.attempt_id == bindparam("attempt_id")).order_by(_ITEMS.c.position))
# A submit's read: the head on the first item's row (the deadline on that row alone) and every item's answer.
_HEAD_AND_ANSWERS = (select(*head_columns(deadline_only_where=_ITEMS.c.position == 1), *_ANSWER_COLUMNS)
                     .select_from(HEAD_TABLES.join(ITEMS_WITH_VERSIONS, _ITEMS.c.attempt_id == _ATTEMPTS.c.id))
                     .where(_ATTEMPTS.c.id == bindparam("attempt_id"), _ATTEMPTS.c.user_id == bindparam("user_id"))
                     .order_by(_ITEMS.c.position))
_STORED_ANSWERS = (select(_ITEMS.c.answer).where(_ITEMS.c.attempt_id == bindparam("attempt_id"))
                   .order_by(_ITEMS.c.position))
_COMPETENCIES = Competency.__table__
_EXTRA_GRANTS = ExtraAttempt.__table__
_EXPIRED = (select(_ATTEMPTS.c.id)
            .where(_ATTEMPTS.c.status == AttemptStatus.IN_PROGRESS,
                   _ATTEMPTS.c.deadline_at < bindparam("cutoff", type_=_ATTEMPTS.c.deadline_at.type)))
_EXPIRED_OF_TRAINEE = _EXPIRED.where(_ATTEMPTS.c.user_id == bindparam("user_id"))
# The start's reads. The trainee's history with the module: how many attempts, the last submission, the active
# attempt, the extra attempts granted, and whether an attempt of theirs (at any module) is overdue. Aggregates
# without GROUP BY, so always one row. MAX keeps the column's type: an aware datetime on SQLite too.
_MODULE_OF_CODE = select(_MODULES.c.id).where(_MODULES.c.code == bindparam("code")).correlate(None).scalar_subquery()
_HISTORY = (select(func.count(_ATTEMPTS.c.id).label("used"),
                   func.max(_ATTEMPTS.c.submitted_at).label("last_submitted"),
                   func.max(case((_ATTEMPTS.c.status == AttemptStatus.IN_PROGRESS, _ATTEMPTS.c.id))).label("active"),
                   select(func.count(_EXTRA_GRANTS.c.id))
                   .where(_EXTRA_GRANTS.c.user_id == bindparam("user_id"), _EXTRA_GRANTS.c.module_id == _MODULE_OF_CODE)
                   .scalar_subquery().label("extra"),
                   _EXPIRED_OF_TRAINEE.correlate(None).exists().label("overdue"))
            .where(_ATTEMPTS.c.user_id == bindparam("user_id"), _ATTEMPTS.c.module_id == _MODULE_OF_CODE)
            .subquery("history"))
# The module's terms and its blueprint, one row per competency, each carrying the history.
_START_TERMS = (select(_MODULES.c.id, _MODULES.c.title, _MODULES.c.attempts_allowed, _MODULES.c.wait_hours,
                       _MODULES.c.time_limit_minutes, _MODULES.c.pool_token, _COMPETENCIES.c.code.label("competency"),
                       _COMPETENCIES.c.blueprint_count, *_HISTORY.c)
                .select_from(_MODULES.outerjoin(_COMPETENCIES, _COMPETENCIES.c.module_id == _MODULES.c.id)
                             .join(_HISTORY, true()))
                .where(_MODULES.c.code == bindparam("code")).order_by(_COMPETENCIES.c.code))
# The questions the trainee has been asked in the module (the pool itself is kept per process).
_SEEN = (select(_VERSIONS.c.question_id).distinct()
         .select_from(ITEMS_WITH_VERSIONS.join(_ATTEMPTS, _ATTEMPTS.c.id == _ITEMS.c.attempt_id))
         .where(_ATTEMPTS.c.user_id == bindparam("user_id"), _ATTEMPTS.c.module_id == bindparam("module_id")))
_RESULT_COLUMNS = {"points": bindparam("new_points"), "score": bindparam("new_score"),
                   "passed": bindparam("new_passed"), "result": bindparam("new_result", type_=_ATTEMPTS.c.result.type)}
_CLAIM = (update(_ATTEMPTS)
          .where(_ATTEMPTS.c.id == bindparam("claimed_id"), _ATTEMPTS.c.status == AttemptStatus.IN_PROGRESS)
          .values(status=AttemptStatus.GRADED, submitted_at=bindparam("new_submitted_at"),
                  closed_by=bindparam("new_closed_by"), statistics_pending=True))
_CLAIM_WITH_RESULT = _CLAIM.values(**_RESULT_COLUMNS)
_RECORD_RESULT = update(_ATTEMPTS).where(_ATTEMPTS.c.id == bindparam("attempt_id")).values(**_RESULT_COLUMNS)
_INSERT_ATTEMPT = insert(_ATTEMPTS).returning(_ATTEMPTS.c.id)


def _score_items(attempt_id: int, scores: Mapping[int, float], postgres: bool) -> tuple[Update, dict[str, Any]]:
    """One UPDATE that gives each item of the attempt its score (`scores`: position → score), and its
    parameters. As an executemany, PostgreSQL ran one statement per item, each costing more on the server
    than the row it wrote. PostgreSQL gets the scores as one array indexed by position: with a parameter
    per item (51), psycopg parsed the statement again on every submit, as it caches 50 parameters at most."""
    if postgres:
        return _SCORE_FROM_ARRAY, {"of_attempt": attempt_id, "scores": _scores_by_position(scores)}
    params: dict[str, Any] = {"of_attempt": attempt_id}
    for n, (position, score) in enumerate(scores.items()):
        params |= {f"position_{n}": position, f"score_{n}": score}
    return _score_from_cases(len(scores)), params


def _scores_by_position(scores: Mapping[int, float]) -> list[float | None]:
    by_position: list[float | None] = [None] * max(scores, default=0)
    for position, score in scores.items():
        by_position[position - 1] = score
    return by_position


@lru_cache(maxsize=64)
def _score_from_cases(count: int) -> Update:
    """Built and compiled once per form length: item at position_<n> gets score_<n>."""
    score = case(*((_ITEMS.c.position == bindparam(f"position_{n}"),
                    bindparam(f"score_{n}", type_=_ITEMS.c.score.type)) for n in range(count)))
    return update(_ITEMS).where(_ITEMS.c.attempt_id == bindparam("of_attempt")).values(score=score)


# The array is cast and parenthesised, so PostgreSQL reads `[position]` as an index, not as array bounds.
_SCORES_ARRAY = type_coerce(Grouping(cast(bindparam("scores"), ARRAY(Float))), ARRAY(Float))
_SCORE_FROM_ARRAY = (update(_ITEMS).where(_ITEMS.c.attempt_id == bindparam("of_attempt"))
                     .values(score=_SCORES_ARRAY[_ITEMS.c.position]))
# PostgreSQL's submit: the claim and the scoring in one statement (a data-modifying WITH). The items are
# scored only if the claim took the attempt, and each returns its answer as it was when scored.
_CLAIMED = _CLAIM_WITH_RESULT.returning(_ATTEMPTS.c.id).cte("claimed")
_CLAIM_AND_SCORE = (update(_ITEMS).where(_ITEMS.c.attempt_id == _CLAIMED.c.id)
                    .values(score=_SCORES_ARRAY[_ITEMS.c.position]).returning(_ITEMS.c.position, _ITEMS.c.answer))


# An autosave: lands only while the attempt is still in progress. On PostgreSQL the attempt's row is read
# FOR SHARE, which waits for a grade that has claimed it (its UPDATE holds the row) and then sees it graded;
# a plain read would see the claim's snapshot-old status and store an answer the grade never read. The
# other way round, a grade's claim waits for a save holding the share lock, and then reads its answer.
# SQLite serialises writers, so it needs (and renders) no lock.
_SAVE = (update(_ITEMS)
         .where(_ITEMS.c.id == bindparam("item_id"), _ITEMS.c.attempt_id.in_(
             select(_ATTEMPTS.c.id).where(_ATTEMPTS.c.id == bindparam("in_attempt"),
                                          _ATTEMPTS.c.status == AttemptStatus.IN_PROGRESS)
             .with_for_update(read=True)))
         .values(answer=bindparam("new_answer", type_=JSON(none_as_null=True)), flagged=bindparam("new_flagged"),
                 saved_at=bindparam("new_saved_at", type_=_ITEMS.c.saved_at.type),
                 seconds_spent=_ITEMS.c.seconds_spent + bindparam("spent")))


def close_expired(*, now: datetime, grace_seconds: int, user_id: int | None = None) -> int:
    """Grades every in-progress attempt past its deadline and grace, each in its own transaction."""
    cutoff = now - timedelta(seconds=grace_seconds)
    if user_id is not None:  # every dashboard and start asks this of one trainee
        expired = db.session.scalars(_EXPIRED_OF_TRAINEE, {"user_id": user_id, "cutoff": cutoff}).all()
    else:
        expired = db.session.scalars(_EXPIRED, {"cutoff": cutoff}).all()
    closed = 0
    for attempt_id in expired:
        with write_transaction():
            attempt = db.session.get(Attempt, attempt_id)
            if attempt is not None and _grade(attempt, now, closed_by="deadline"):
                closed += 1
    return closed
