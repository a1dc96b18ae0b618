"""Writing and reviewing questions in the browser: drafts, versions, four-eyes publishing, retiring.

A published version is never edited: editing it starts a new draft, and the published one keeps
serving until the new one is published. Every step is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from quizbank.domain import question_types
from quizbank.domain.drafts import body_of, content_hash
from quizbank.domain.types import Problem, QuestionDraft
from quizbank.errors import Conflict, DomainError, Forbidden, NotFound
from quizbank.extensions import db
from quizbank.models import Competency, Module, Question, QuestionVersion, ReviewComment, VersionStatus, utcnow

from . import audit
from .images import store_image
from .question_versions import add_version, draft_of
from .unit_of_work import write_transaction

EDITABLE_IN_PLACE = {VersionStatus.DRAFT}


class DraftInvalid(DomainError):
    """The question cannot be saved or submitted as it stands; `problems` name the fields."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


def _competency(code: str) -> Competency:
    competency = db.session.scalar(select(Competency).where(Competency.code == code))
    if competency is None:
        raise DraftInvalid([Problem(f"unknown competency {code!r}", field="competency")])
    return competency


def _check(draft: QuestionDraft, *, for_review: bool) -> None:
    problems = question_types.validate(draft, for_review=for_review)
    if problems:
        raise DraftInvalid(problems)


def next_external_id(module: Module) -> str:
    prefix = f"{module.code}-"
    ids = db.session.scalars(select(Question.external_id).where(Question.external_id.like(f"{prefix}%")))
    numbers = [int(i[len(prefix):]) for i in ids if i[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _version(version_id: int) -> QuestionVersion:
    version = db.session.get(QuestionVersion, version_id)
    if version is None:
        raise NotFound("No such question version.")
    return version


def _question(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound("No such question.")
    return question


def create_question(*, author_id: int, draft: QuestionDraft, image: bytes | None = None) -> QuestionVersion:
    _check(draft, for_review=False)
    with write_transaction():
        competency = _competency(draft.competency)
        question = Question(external_id=next_external_id(competency.module), module_id=competency.module_id)
        db.session.add(question)
        db.session.flush()
        version = add_version(question, draft, competency, VersionStatus.DRAFT, origin="web", author_id=author_id)
        if image:
            version.image_id = store_image(image, uploaded_by=author_id).id
        audit.record(author_id, "question.create", "question", question.id, f"{question.external_id} v1 drafted",
                     after={"status": "draft"})
    return version


def save_draft(*, author_id: int, question_id: int, draft: QuestionDraft, image: bytes | None = None,
               remove_image: bool = False) -> QuestionVersion:
    """Saves an edit: in place on a draft, as a new draft version on anything published or retired."""
    _check(draft, for_review=False)
    with write_transaction():
        question = _question(question_id)
        competency = _competency(draft.competency)
        if competency.module_id != question.module_id:
            raise DraftInvalid([Problem("the competency must belong to the question's module", field="competency")])
        latest = question.versions[-1]
        if latest.status is VersionStatus.IN_REVIEW:
            raise Conflict("This version is in review. Return it to draft before editing it.")
        image_id = None if remove_image else latest.image_id
        if image:
            image_id = store_image(image, uploaded_by=author_id).id
        if latest.status in EDITABLE_IN_PLACE:
            version = latest
            before = {"hash": version.content_hash}
            version.qtype, version.stem, version.body = draft.qtype, draft.stem, body_of(draft)
            version.explanation, version.references = draft.explanation, list(draft.references)
            version.competency_id, version.difficulty = competency.id, draft.difficulty
            version.critical, version.scenario = draft.critical, draft.scenario
            version.content_hash, version.author_id, version.origin = content_hash(draft), author_id, "web"
            version.image_id = image_id
            action = "question.edit"
        else:
            before = {"status": latest.status.value, "number": latest.number}
            version = add_version(question, draft, competency, VersionStatus.DRAFT, origin="web", author_id=author_id)
            version.image_id = image_id
            action = "question.new_version"
        db.session.flush()
        audit.record(author_id, action, "question", question.id, f"{question.external_id} v{version.number} saved",
                     before=before, after={"status": "draft", "number": version.number})
    return version


def _transition(version: QuestionVersion, actor_id: int, to: VersionStatus, summary: str) -> None:
    before = version.status.value
    version.status = to
    audit.record(actor_id, f"question.{to.value}", "question", version.question_id,
                 f"{version.question.external_id} v{version.number}: {summary}",
                 before={"status": before}, after={"status": to.value})


def submit_for_review(*, actor_id: int, version_id: int) -> QuestionVersion:
    with write_transaction():
        version = _version(version_id)
        if version.status is not VersionStatus.DRAFT:
            raise Conflict("Only a draft can be submitted for review.")
        _check(draft_of(version), for_review=True)
        _transition(version, actor_id, VersionStatus.IN_REVIEW, "submitted for review")
    return version


def return_to_draft(*, actor_id: int, version_id: int, comment: str) -> QuestionVersion:
    if not comment.strip():
        raise DomainError("Say what needs changing: a comment is required when returning a question.")
    with write_transaction():
        version = _version(version_id)
        if version.status is not VersionStatus.IN_REVIEW:
            raise Conflict("Only a version in review can be returned to draft.")
        db.session.add(ReviewComment(version_id=version.id, author_id=actor_id, body=comment.strip()[:4000]))
        _transition(version, actor_id, VersionStatus.DRAFT, "returned to draft with comments")
    return version


def publish(*, actor_id: int, version_id: int) -> QuestionVersion:
    """Four eyes: the reviewer who publishes must not be the author of the version."""
    with write_transaction():
        version = _version(version_id)
        if version.status is not VersionStatus.IN_REVIEW:
            raise Conflict("Only a version in review can be published.")
        if version.author_id == actor_id:
            raise Forbidden("Another instructor must approve this question: authors cannot publish their own.")
        current = db.session.scalar(select(QuestionVersion).where(
            QuestionVersion.question_id == version.question_id, QuestionVersion.status == VersionStatus.PUBLISHED))
        if current is not None:
            current.status = VersionStatus.SUPERSEDED
            db.session.flush()
        version.reviewer_id = actor_id
        version.published_at = utcnow()
        _transition(version, actor_id, VersionStatus.PUBLISHED, "approved and published")
    return version


def retire(*, actor_id: int, question_id: int) -> Question:
    with write_transaction():
        question = _question(question_id)
        _retire(question, actor_id)
    return question


def _retire(question: Question, actor_id: int) -> None:
    live = [v for v in question.versions if v.status in (VersionStatus.PUBLISHED, VersionStatus.IN_REVIEW,
                                                          VersionStatus.DRAFT)]
    if not live:
        raise Conflict(f"{question.external_id} is already retired.")
    for version in live:
        _transition(version, actor_id, VersionStatus.RETIRED, "retired")


def add_comment(*, actor_id: int, version_id: int, body: str) -> ReviewComment:
    if not body.strip():
        raise DomainError("The comment is empty.")
    with write_transaction():
        version = _version(version_id)
        comment = ReviewComment(version_id=version.id, author_id=actor_id, body=body.strip()[:4000])
        db.session.add(comment)
        audit.record(actor_id, "question.comment", "question", version.question_id,
                     f"comment on {version.question.external_id} v{version.number}")
    return comment


@dataclass
class BulkReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "SAF-0001: reason"


BULK_ACTIONS = ("submit", "retire", "move")


def bulk(*, actor_id: int, question_ids: Sequence[int], action: str, competency_code: str = "") -> BulkReport:
    """Applies one action to many questions in one transaction; questions it does not fit are reported."""
    if action not in BULK_ACTIONS:
        raise DomainError("Unknown bulk action.")
    report = BulkReport()
    with write_transaction():
        target = _competency(competency_code) if action == "move" else None
        for question in db.session.scalars(select(Question).where(Question.id.in_(question_ids))):
            latest = question.versions[-1]
            try:
                if action == "submit":
                    if latest.status is not VersionStatus.DRAFT:
                        raise Conflict("not a draft")
                    _check(draft_of(latest), for_review=True)
                    _transition(latest, actor_id, VersionStatus.IN_REVIEW, "submitted for review (bulk)")
                elif action == "retire":
                    _retire(question, actor_id)
                else:
                    assert target is not None
                    if target.module_id != question.module_id:
                        raise Conflict("the competency belongs to another module")
                    if latest.status is not VersionStatus.DRAFT:
                        raise Conflict("only drafts move; edit the question to start a draft")
                    before = latest.competency.code
                    latest.competency_id = target.id
                    audit.record(actor_id, "question.move", "question", question.id,
                                 f"{question.external_id} moved {before} → {target.code}")
                report.done.append(question.external_id)
            except DomainError as exc:
                report.skipped.append(f"{question.external_id}: {exc.message}")
    return report
