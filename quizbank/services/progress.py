"""What a trainee sees of their own record: progress per module, an attempt's items, and reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import joinedload

from quizbank.domain import presentation, timing
from quizbank.domain.attempt_policy import may_start
from quizbank.domain.types import ReviewPolicy
from quizbank.errors import DomainError, Forbidden, NotFound
from quizbank.extensions import db
from quizbank.models import Attempt, AttemptItem, AttemptStatus, ExtraAttempt, Image, Module, QuestionVersion, User

from . import audit
from .attempts import HEAD_TABLES, AttemptHead, head_columns, owned_attempt
from .pinned_drafts import ITEMS_WITH_VERSIONS, KEY_COLUMNS, draft_key, drafts_by_key
from .unit_of_work import write_transaction


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    attempts_used: int
    attempts_left: int
    best_score: float | None
    passed: bool
    active_attempt_id: int | None
    can_start: bool
    blocked_reason: str
    opens_at: datetime | None


def dashboard(user_id: int, now: datetime) -> list[ModuleProgress]:
    """One row per module, from three queries whatever the number of attempts."""
    modules = list(db.session.scalars(select(Module).order_by(Module.position, Module.code)))
    stats = {row.module_id: row for row in db.session.execute(_MODULE_STATS, {"user_id": user_id})}
    extras = dict(db.session.execute(_EXTRAS, {"user_id": user_id}).all())
    rows = []
    for module in modules:
        s = stats.get(module.id)
        used = s.used if s else 0
        decision = may_start(now=now, attempts_used=used, attempts_allowed=module.attempts_allowed,
                             extra_granted=extras.get(module.id, 0),
                             last_submitted_at=s.last_submitted if s else None,
                             wait_hours=module.wait_hours)
        active = s.active if s else None
        rows.append(ModuleProgress(module, used, decision.attempts_left, s.best if s else None,
                                   bool(s and s.passed), active, decision.allowed or active is not None,
                                   "" if active else decision.reason, decision.opens_at))
    return rows


_ATTEMPTS, _EXTRA_GRANTS = Attempt.__table__, ExtraAttempt.__table__
# The trainee's dashboard runs these on every visit: built once, on the tables. MAX keeps the column's
# type, so the last submission comes back as an aware datetime on SQLite too.
_MODULE_STATS = (
    select(_ATTEMPTS.c.module_id, func.count(_ATTEMPTS.c.id).label("used"), func.max(_ATTEMPTS.c.score).label("best"),
           func.max(case((_ATTEMPTS.c.passed.is_(True), 1), else_=0)).label("passed"),
           func.max(_ATTEMPTS.c.submitted_at).label("last_submitted"),
           func.max(case((_ATTEMPTS.c.status == AttemptStatus.IN_PROGRESS, _ATTEMPTS.c.id))).label("active"))
    .where(_ATTEMPTS.c.user_id == bindparam("user_id")).group_by(_ATTEMPTS.c.module_id)
)
_EXTRAS = (select(_EXTRA_GRANTS.c.module_id, func.count(_EXTRA_GRANTS.c.id))
           .where(_EXTRA_GRANTS.c.user_id == bindparam("user_id")).group_by(_EXTRA_GRANTS.c.module_id))


@dataclass(frozen=True)
class ItemStatus:
    position: int
    answered: bool
    flagged: bool


@dataclass(frozen=True)
class AttemptPage:
    attempt: AttemptHead
    position: int
    item: presentation.ShownItem
    flagged: bool
    statuses: list[ItemStatus]
    seconds_left: int
    image_sha: str | None = None

    @property
    def answered_count(self) -> int:
        return sum(1 for s in self.statuses if s.answered)

    @property
    def flagged_count(self) -> int:
        return sum(1 for s in self.statuses if s.flagged)


class AttemptClosed(DomainError):
    """The attempt has been graded: its questions can no longer be shown for answering."""

    status = 409


def attempt_page(user_id: int, attempt_id: int, position: int, now: datetime) -> AttemptPage:
    """One question of the trainee's own open attempt, with the map of every question's state."""
    rows = db.session.execute(_PAGE, {"attempt_id": attempt_id, "user_id": user_id, "position": position}).all()
    if not rows:
        raise NotFound("There is no such attempt.")
    if rows[0].status is not AttemptStatus.IN_PROGRESS:
        raise AttemptClosed("This attempt has been submitted.")
    current = next((row for row in rows if row.position == position), None)
    if current is None:
        raise NotFound("This attempt has no such question.")
    attempt = AttemptHead.from_row(current)
    draft = drafts_by_key({current.question_version_id: draft_key(current)})[current.question_version_id]
    shown = presentation.present(draft, current.display_order, presentation.response_from_json(current.answer))
    statuses = [ItemStatus(row.position, row.answered, row.flagged) for row in rows]
    return AttemptPage(attempt, position, shown, current.flagged, statuses,
                       timing.seconds_left(now, attempt.deadline_at), current.sha256)


_ITEMS, _VERSIONS, _IMAGES = AttemptItem.__table__, QuestionVersion.__table__, Image.__table__
# A save stores a blank answer as NULL, so "answered" is a test the database makes (see save_answer).
_ANSWERED = _ITEMS.c.answer.is_not(None).label("answered")
_SHOWN = _ITEMS.c.position == bindparam("position")
# Every question page runs it, so it is one statement, built once, on the tables: the attempt's head and
# the three columns of every item the map needs, each row joined to its version's cache key. What only the
# shown item needs (its JSON columns, the deadline) is sent on its row alone.
_PAGE = (
    select(*head_columns(deadline_only_where=_SHOWN), _ITEMS.c.position, _ANSWERED, _ITEMS.c.flagged,
           case((_SHOWN, _ITEMS.c.answer)).label("answer"),
           case((_SHOWN, _ITEMS.c.display_order)).label("display_order"), *KEY_COLUMNS, _IMAGES.c.sha256)
    .select_from(HEAD_TABLES.join(ITEMS_WITH_VERSIONS, _ITEMS.c.attempt_id == _ATTEMPTS.c.id)
                 .outerjoin(_IMAGES, _IMAGES.c.id == _VERSIONS.c.image_id))
    .where(_ATTEMPTS.c.id == bindparam("attempt_id"), _ATTEMPTS.c.user_id == bindparam("user_id"))
    .order_by(_ITEMS.c.position)
)
_STATUSES = (select(_ITEMS.c.position, _ANSWERED, _ITEMS.c.flagged)
             .where(_ITEMS.c.attempt_id == bindparam("attempt_id")).order_by(_ITEMS.c.position))

_REVIEW_ITEMS = (
    select(_ITEMS.c.answer, _ITEMS.c.score, _ITEMS.c.display_order, *KEY_COLUMNS).select_from(ITEMS_WITH_VERSIONS)
    .where(_ITEMS.c.attempt_id == bindparam("attempt_id")).order_by(_ITEMS.c.position)
)


def attempt_statuses(user_id: int, attempt_id: int) -> tuple[Attempt, list[ItemStatus]]:
    attempt = owned_attempt(user_id, attempt_id)
    rows = db.session.execute(_STATUSES, {"attempt_id": attempt.id})
    return attempt, [ItemStatus(row.position, row.answered, row.flagged) for row in rows]


class AttemptStillOpen(Forbidden):
    """The attempt is not graded yet, so there is nothing to review."""


@dataclass(frozen=True)
class AttemptReview:
    attempt: Attempt
    items: list[presentation.ReviewedItem]
    show_answers: bool
    withheld_reason: str


def review(user_id: int, attempt_id: int) -> AttemptReview:
    """The graded attempt; each item's key and explanation only as far as the module's policy allows."""
    attempt = owned_attempt(user_id, attempt_id)
    if attempt.status is not AttemptStatus.GRADED:
        raise AttemptStillOpen("The review opens once the attempt is submitted.")
    policy = attempt.module.review_policy
    withheld = ""
    if policy is ReviewPolicy.NEVER:
        withheld = "This module does not show the answers after an attempt."
    elif policy is ReviewPolicy.AFTER_PASS and not attempt.passed:
        withheld = "The answers and explanations are shown once you pass this module."
    if withheld:
        return AttemptReview(attempt, [], False, withheld)
    items = db.session.execute(_REVIEW_ITEMS, {"attempt_id": attempt.id}).all()
    drafts = drafts_by_key({i.question_version_id: draft_key(i) for i in items})
    reviewed = [presentation.review(drafts[i.question_version_id], i.display_order,
                                    presentation.response_from_json(i.answer), i.score or 0.0) for i in items]
    return AttemptReview(attempt, reviewed, True, "")


def attempts_of(user_id: int, module_id: int | None = None) -> list[Attempt]:
    stmt = (select(Attempt).where(Attempt.user_id == user_id).options(joinedload(Attempt.module))
            .order_by(Attempt.started_at.desc()))
    if module_id is not None:
        stmt = stmt.where(Attempt.module_id == module_id)
    return list(db.session.scalars(stmt))


def grant_extra_attempt(*, actor_id: int, trainee_id: int, module_code: str, reason: str) -> ExtraAttempt:
    reason = reason.strip()
    if not reason:
        raise DomainError("Give a reason for the extra attempt; it is kept in the audit trail.")
    with write_transaction():
        trainee = db.session.get(User, trainee_id)
        module = db.session.scalar(select(Module).where(Module.code == module_code))
        if trainee is None or module is None:
            raise NotFound("No such trainee or module.")
        grant = ExtraAttempt(user_id=trainee.id, module_id=module.id, granted_by_id=actor_id, reason=reason)
        db.session.add(grant)
        db.session.flush()
        audit.record(actor_id, "attempt.grant_extra", "user", trainee.id,
                     f"one extra attempt at {module.code} for {trainee.email}: {reason}",
                     after={"module": module.code})
    return grant
