"""An instructor's preview of a question exactly as a trainee sees it, with an optional check of an answer."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from quizbank.domain import assembly, presentation, question_types
from quizbank.domain.types import Problem, QuestionDraft, QuestionType
from quizbank.errors import NotFound
from quizbank.extensions import db
from quizbank.models import Question, QuestionVersion

from .question_versions import draft_of


@dataclass(frozen=True)
class Preview:
    question: Question
    latest: QuestionVersion
    draft: QuestionDraft
    shown: presentation.ShownItem
    problems: list[Problem]
    checked: presentation.ReviewedItem | None = None
    check_error: str = ""


def _order(draft: QuestionDraft, version_id: int) -> list[str]:
    # Options in the author's order, so the preview reads like the editor; matching answers are shuffled
    # (in author order every left would sit beside its own right), reproducibly per version.
    if draft.qtype is QuestionType.MATCHING:
        return assembly.display_order(draft, random.Random(version_id))
    return [o.id for o in draft.options]


def preview(question_id: int, answer: Mapping[str, Sequence[str]] | None = None) -> Preview:
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound("No such question.")
    latest = question.versions[-1]
    draft = draft_of(latest)
    order = _order(draft, latest.id)
    problems = question_types.validate(draft, for_review=True)
    if answer is None:
        return Preview(question, latest, draft, presentation.present(draft, order, None), problems)
    try:
        response = presentation.response_from_form(draft, order, answer)
    except presentation.InvalidAnswer as exc:
        return Preview(question, latest, draft, presentation.present(draft, order, None), problems,
                       check_error=str(exc))
    reviewed = presentation.review(draft, order, response, question_types.score(draft, response))
    return Preview(question, latest, draft, presentation.present(draft, order, response), problems, reviewed)
