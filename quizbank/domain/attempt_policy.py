"""May a trainee start an attempt now? Attempts allowed (plus extra grants) and the waiting period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class StartDecision:
    allowed: bool
    reason: str = ""
    opens_at: datetime | None = None
    attempts_left: int = 0


def may_start(
    *, now: datetime, attempts_used: int, attempts_allowed: int, extra_granted: int,
    last_submitted_at: datetime | None, wait_hours: int,
) -> StartDecision:
    allowed_total = attempts_allowed + extra_granted
    left = max(0, allowed_total - attempts_used)
    if left <= 0:
        return StartDecision(False, f"You have used all {allowed_total} attempt(s) for this module. "
                                    "Ask an instructor if you need another.", None, 0)
    if last_submitted_at is not None and wait_hours > 0:
        opens_at = last_submitted_at + timedelta(hours=wait_hours)
        if now < opens_at:
            return StartDecision(False, "The next attempt opens after the waiting period.", opens_at, left)
    return StartDecision(True, "", None, left)
