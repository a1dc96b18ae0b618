"""Creating question versions and reading them back as domain drafts."""

from __future__ import annotations

from quizbank.domain.drafts import body_of, content_hash, draft_from_parts
from quizbank.domain.types import QuestionDraft
from quizbank.extensions import db
from quizbank.models import Competency, Question, QuestionVersion, VersionStatus, utcnow


def add_version(
    question: Question, draft: QuestionDraft, competency: Competency, status: VersionStatus, *,
    origin: str, fingerprint: str | None = None, author_id: int | None = None, reviewer_id: int | None = None,
) -> QuestionVersion:
    """Appends the next version of `question` (inside the caller's transaction)."""
    number = max((v.number for v in question.versions), default=0) + 1
    version = QuestionVersion(
        question=question, number=number, status=status, qtype=draft.qtype, stem=draft.stem,
        body=body_of(draft), explanation=draft.explanation, references=list(draft.references),
        competency_id=competency.id, difficulty=draft.difficulty, critical=draft.critical,
        scenario=draft.scenario, origin=origin, content_hash=fingerprint or content_hash(draft),
        author_id=author_id, reviewer_id=reviewer_id,
        published_at=utcnow() if status is VersionStatus.PUBLISHED else None,
    )
    db.session.add(version)
    db.session.flush()
    return version


def draft_of(version: QuestionVersion, competency_code: str | None = None) -> QuestionDraft:
    """The domain view of a stored version."""
    return draft_from_parts(
        qtype=version.qtype.value, stem=version.stem, body=version.body,
        competency=competency_code if competency_code is not None else version.competency.code,
        explanation=version.explanation, references=version.references, difficulty=version.difficulty.value,
        critical=version.critical, scenario=version.scenario, external_id=version.question.external_id,
    )
