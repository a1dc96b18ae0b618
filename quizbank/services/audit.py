"""Writes audit events inside the caller's transaction, so a change and its record land together."""

from __future__ import annotations

from typing import Any

from quizbank.extensions import db
from quizbank.models import AuditEvent


def record(
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    summary: str = "",
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor_id, action=action, subject_type=subject_type, subject_id=subject_id,
        summary=summary[:500], before=before, after=after,
    )
    db.session.add(event)
    return event
