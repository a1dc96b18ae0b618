"""The deadline lives on the server; the page's countdown only displays it."""

from __future__ import annotations

from datetime import datetime, timedelta


def deadline_for(started_at: datetime, time_limit_minutes: int) -> datetime:
    return started_at + timedelta(minutes=time_limit_minutes)


def accepts_answers(now: datetime, deadline: datetime, grace_seconds: int) -> bool:
    """Answers are taken until the deadline plus a small grace for network delay, not a second later."""
    return now <= deadline + timedelta(seconds=grace_seconds)


def seconds_left(now: datetime, deadline: datetime) -> int:
    return max(0, int((deadline - now).total_seconds()))
