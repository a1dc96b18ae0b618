"""Taking a quiz: start or resume, save answers as the trainee goes, submit once, close at the deadline."""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from quizbank.domain import assembly, grading, presentation, timing
from quizbank.domain.attempt_policy import may_start
from quizbank.domain.types import ModuleRules, QuestionDraft, QuestionType
from quizbank.errors import Conflict, DomainError, NotFound
from quizbank.extensions import db
from quizbank.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Competency,
    ExtraAttempt,
    ItemChoice,
    Module,
    Question,
    QuestionVersion,
    VersionStatus,
)

from . import certification
from .question_versions import draft_of
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


def published_pool(module_id: int) -> list[assembly.PoolItem]:
    rows = db.session.execute(
        select(QuestionVersion.id, QuestionVersion.question_id, Competency.code)
        .join(Question, Question.id == QuestionVersion.question_id)
        .join(Competency, Competency.id == QuestionVersion.competency_id)
        .where(Question.module_id == module_id, QuestionVersion.status == VersionStatus.PUBLISHED)
    )
    return [assembly.PoolItem(v, q, c) for v, q, c in rows]


def _seen_question_ids(user_id: int, module_id: int) -> set[int]:
    return set(db.session.scalars(
        select(QuestionVersion.question_id).distinct()
        .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.user_id == user_id, Attempt.module_id == module_id)
    ))


def _drafts(version_ids: Sequence[int]) -> dict[int, QuestionDraft]:
    versions = db.session.scalars(
        select(QuestionVersion).where(QuestionVersion.id.in_(version_ids))
        .options(joinedload(QuestionVersion.competency), joinedload(QuestionVersion.question)))
    return {v.id: draft_of(v) for v in versions}


def start_attempt(user_id: int, module_code: str, *, now: datetime, grace_seconds: int,
                  seed: int | None = None) -> Attempt:
    """Resumes the trainee's active attempt, or starts a new one if the module's policy allows."""
    close_expired(now=now, grace_seconds=grace_seconds, user_id=user_id)
    try:
        with write_transaction():
            return _start(user_id, module_code, now, seed)
    except IntegrityError:
        # A parallel request started it first (the unique indexes refused the second): resume that one.
        active = db.session.scalar(select(Attempt).join(Module).where(
            Attempt.user_id == user_id, Module.code == module_code, Attempt.status == AttemptStatus.IN_PROGRESS))
        if active is None:
            raise Conflict("Another attempt was being started at the same moment. Please try again.") from None
        return active


def _start(user_id: int, module_code: str, now: datetime, seed: int | None) -> Attempt:
    module = module_by_code(module_code)
    active = db.session.scalar(select(Attempt).where(
        Attempt.user_id == user_id, Attempt.module_id == module.id, Attempt.status == AttemptStatus.IN_PROGRESS))
    if active is not None:
        return active
    used, last_submitted = db.session.execute(
        select(func.count(Attempt.id), func.max(Attempt.submitted_at))
        .where(Attempt.user_id == user_id, Attempt.module_id == module.id)).one()
    extra = db.session.scalar(select(func.count(ExtraAttempt.id)).where(
        ExtraAttempt.user_id == user_id, ExtraAttempt.module_id == module.id)) or 0
    if last_submitted is not None and last_submitted.tzinfo is None:  # SQLite aggregate loses the type
        last_submitted = last_submitted.replace(tzinfo=now.tzinfo)
    decision = may_start(now=now, attempts_used=used, attempts_allowed=module.attempts_allowed,
                         extra_granted=extra, last_submitted_at=last_submitted, wait_hours=module.wait_hours)
    if not decision.allowed:
        raise AttemptRefused(decision.reason, decision.opens_at)
    seed = seed if seed is not None else secrets.randbits(31)  # fits an INTEGER column everywhere
    rng = random.Random(seed)
    try:
        form = assembly.draw_form(published_pool(module.id), module.blueprint, rng,
                                  _seen_question_ids(user_id, module.id))
    except assembly.BankTooSmall as exc:
        raise BankIncomplete(
            f"{module.title} cannot be taken yet: its question bank does not cover the blueprint. "
            "Your instructors can see what is missing on the question bank page.") from exc
    drafts = _drafts([p.version_id for p in form])
    attempt = Attempt(user_id=user_id, module_id=module.id, number=used + 1, seed=seed, started_at=now,
                      deadline_at=timing.deadline_for(now, module.time_limit_minutes))
    attempt.items = [
        AttemptItem(position=i, question_version_id=p.version_id, attempt_number=attempt.number,
                    display_order=assembly.display_order(drafts[p.version_id], rng))
        for i, p in enumerate(form, start=1)
    ]
    db.session.add(attempt)
    db.session.flush()
    return attempt


@dataclass(frozen=True)
class SaveResult:
    saved: bool
    closed: bool = False
    message: str = ""


MAX_SECONDS_PER_SAVE = 900  # what a page reports as time spent is capped: it is the client's word


def save_answer(user_id: int, attempt_id: int, position: int, form: Mapping[str, Sequence[str]], *,
                flagged: bool, now: datetime, grace_seconds: int, seconds_spent: int = 0) -> SaveResult:
    """Stores one answer; past the deadline (plus grace) nothing is stored and the attempt is graded."""
    with write_transaction():
        attempt = owned_attempt(user_id, attempt_id)
        if attempt.status is AttemptStatus.GRADED:
            return SaveResult(False, True, "This attempt has been submitted; answers can no longer change.")
        if not timing.accepts_answers(now, attempt.deadline_at, grace_seconds):
            _grade(attempt, now, closed_by="deadline")
            return SaveResult(False, True, "Time is up: this answer arrived after the deadline and was not saved. "
                                           "Your attempt was graded with the answers saved before.")
        item = db.session.scalar(select(AttemptItem).where(
            AttemptItem.attempt_id == attempt.id, AttemptItem.position == position))
        if item is None:
            raise NotFound("This attempt has no such question.")
        draft = _drafts([item.question_version_id])[item.question_version_id]
        try:
            response = presentation.response_from_form(draft, item.display_order, form)
        except presentation.InvalidAnswer as exc:
            raise AnswerRejected(str(exc)) from None
        item.answer = presentation.response_to_json(response)
        item.flagged = flagged
        item.saved_at = now
        item.seconds_spent += max(0, min(seconds_spent, MAX_SECONDS_PER_SAVE))
    return SaveResult(True)


@dataclass(frozen=True)
class SubmitResult:
    attempt_id: int
    already_submitted: bool


def submit(user_id: int, attempt_id: int, *, now: datetime, grace_seconds: int) -> SubmitResult:
    """Grades the attempt exactly once; a repeated or concurrent submit finds it already graded."""
    with write_transaction():
        attempt = owned_attempt(user_id, attempt_id)
        late = not timing.accepts_answers(now, attempt.deadline_at, grace_seconds)
        graded = _grade(attempt, now, closed_by="deadline" if late else "trainee")
    return SubmitResult(attempt_id, already_submitted=not graded)


def _grade(attempt: Attempt, now: datetime, *, closed_by: str) -> bool:
    """Claims the attempt for grading (compare-and-set in the database) and grades it. False if taken."""
    claimed = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS)
        .values(status=AttemptStatus.GRADED, submitted_at=min(now, attempt.deadline_at + timedelta(days=3650)),
                closed_by=closed_by)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    db.session.refresh(attempt)
    items = list(db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
                                    .order_by(AttemptItem.position)))
    drafts = _drafts([i.question_version_id for i in items])
    module = attempt.module
    rules = ModuleRules(module.pass_mark_percent / 100, module.require_all_critical,
                        module.competency_min_percent / 100)
    score = grading.grade([grading.GradableItem(i.position, drafts[i.question_version_id],
                                                presentation.response_from_json(i.answer)) for i in items], rules)
    for item, item_score in zip(items, score.items, strict=True):
        item.score = round(item_score.score, 4)
    # Rounded once here, so statistics group equal totals exactly on every database.
    attempt.points = round(sum(i.score or 0.0 for i in items), 4)
    _record_for_statistics(attempt, items, drafts)
    attempt.score = score.fraction
    attempt.passed = score.passed
    attempt.result = {
        "competencies": [{"code": c.competency, "items": c.items, "score": c.score, "fraction": c.fraction}
                         for c in score.competencies],
        "failed_rules": list(score.failed_rules),
    }
    db.session.flush()
    if score.passed:
        # The pass that completes a track certifies in this same transaction.
        certification.reconcile(attempt.user_id, now)
    return True


_CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE})


def _record_for_statistics(attempt: Attempt, items: Sequence[AttemptItem], drafts: Mapping[int, QuestionDraft]) -> None:
    """Copies the graded attempt's total and time onto its items, and writes the options each chose."""
    for item in items:
        item.attempt_points = attempt.points
        item.attempt_submitted_at = attempt.submitted_at
        if drafts[item.question_version_id].qtype in _CHOICE_TYPES:
            for option_id in dict.fromkeys(presentation.response_from_json(item.answer).selected):
                db.session.add(ItemChoice(
                    attempt_item_id=item.id, option_id=option_id, question_version_id=item.question_version_id,
                    attempt_number=attempt.number, attempt_points=attempt.points,
                    attempt_submitted_at=attempt.submitted_at))


def close_expired(*, now: datetime, grace_seconds: int, user_id: int | None = None) -> int:
    """Grades every in-progress attempt past its deadline and grace, each in its own transaction."""
    cutoff = now - timedelta(seconds=grace_seconds)
    stmt = select(Attempt.id).where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline_at < cutoff)
    if user_id is not None:
        stmt = stmt.where(Attempt.user_id == user_id)
    closed = 0
    for attempt_id in list(db.session.scalars(stmt)):
        with write_transaction():
            attempt = db.session.get(Attempt, attempt_id)
            if attempt is not None and _grade(attempt, now, closed_by="deadline"):
                closed += 1
    return closed
