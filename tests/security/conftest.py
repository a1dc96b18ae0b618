"""Fixtures of the security suite; the figures it measured are printed at the end of the run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask

from tests.security.support import FIGURES, record_figure


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if FIGURES:
        terminalreporter.section("integrity figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def figure() -> Callable[[str], None]:
    """Records one line of figures (printed in the summary and by bench/integrity_report)."""
    return record_figure


@pytest.fixture
def dialect(database_url: str) -> str:
    return "postgres" if database_url.startswith("postgres") else "sqlite"


class Clock:
    """The app's NOW_FUNCTION: a time the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


@pytest.fixture
def clock(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    from quizbank.models import utcnow

    pinned = Clock(utcnow().replace(microsecond=0))
    monkeypatch.setitem(app.config, "NOW_FUNCTION", pinned)
    yield pinned
