"""Converting a question draft to and from the plain body stored with a version, and fingerprinting it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .types import Difficulty, MatchPair, NumericKey, Option, QuestionDraft, QuestionType, Scoring


def body_of(draft: QuestionDraft) -> dict[str, Any]:
    """The type-specific part of a question as JSON-ready data."""
    body: dict[str, Any] = {"scoring": draft.scoring.value}
    if draft.options:
        body["options"] = [
            {"id": o.id, "text": o.text, "correct": o.correct, "feedback": o.feedback, "fixed": o.fixed}
            for o in draft.options
        ]
    if draft.pairs:
        body["pairs"] = [{"id": p.id, "left": p.left, "right": p.right} for p in draft.pairs]
    if draft.numeric is not None:
        body["numeric"] = {"value": draft.numeric.value, "tolerance": draft.numeric.tolerance,
                           "unit": draft.numeric.unit}
    return body


def draft_from_parts(
    *, qtype: str, stem: str, body: dict[str, Any], competency: str = "", explanation: str = "",
    references: list[str] | tuple[str, ...] = (), difficulty: str = "medium", critical: bool = False,
    scenario: bool = False, external_id: str | None = None,
) -> QuestionDraft:
    numeric = body.get("numeric")
    return QuestionDraft(
        qtype=QuestionType(qtype),
        stem=stem,
        competency=competency,
        options=tuple(Option(o["id"], o["text"], bool(o.get("correct")), o.get("feedback", ""),
                             bool(o.get("fixed"))) for o in body.get("options", ())),
        pairs=tuple(MatchPair(p["id"], p["left"], p["right"]) for p in body.get("pairs", ())),
        numeric=NumericKey(float(numeric["value"]), float(numeric.get("tolerance", 0)), numeric.get("unit", ""))
        if numeric else None,
        scoring=Scoring(body.get("scoring", Scoring.ALL_OR_NOTHING.value)),
        explanation=explanation,
        references=tuple(references),
        difficulty=Difficulty(difficulty),
        critical=critical,
        scenario=scenario,
        external_id=external_id,
    )


def content_hash(draft: QuestionDraft) -> str:
    """A fingerprint of everything a version says: equal drafts have equal hashes."""
    canonical = {
        "qtype": draft.qtype.value, "stem": draft.stem, "competency": draft.competency, "body": body_of(draft),
        "explanation": draft.explanation, "references": list(draft.references),
        "difficulty": draft.difficulty.value, "critical": draft.critical, "scenario": draft.scenario,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
