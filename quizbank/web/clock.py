"""The current time for views; tests may pin it with the NOW_FUNCTION setting."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from quizbank.models import utcnow


def now() -> datetime:
    return current_app.config.get("NOW_FUNCTION", utcnow)()


def grace_seconds() -> int:
    return int(current_app.config["ATTEMPT_GRACE_SECONDS"])
