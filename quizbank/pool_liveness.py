"""A pooled connection is checked before use only if it has sat idle: one that served a request a moment ago
is taken as alive.

SQLAlchemy's `pool_pre_ping` checks every checkout with a round trip to the database. Under load a connection
is checked in and out again within milliseconds, so on PostgreSQL that ping was a third of a question page's
round trips (one beside its two statements) for no news. A database restart, a failover or a server-side
idle timeout is what kills pooled connections, and those find connections idle; the ping still guards them.
What is given up: a connection killed while in constant use (a restart in the middle of a burst) fails the
one request that next uses it, and SQLAlchemy then replaces every connection of that pool, much as a
request that was running at the moment of the restart fails with or without a ping.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError

_CHECKED_IN_AT = "quizbank_checked_in_at"  # kept in the record's `info`, which lives as long as its connection


def ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Pings a connection at checkout if it sat in the pool at least `idle_seconds` (0: every checkout,
    as `pool_pre_ping` does); if the ping fails, the pool's connections are replaced by new ones."""
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None:
            return  # opened for this very checkout: connecting proved it alive
        if time.monotonic() - checked_in_at < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            # What kills one idle connection (a restart) has most likely killed them all: the pool replaces
            # every connection it holds, and this checkout gets a new one.
            raise InvalidatePoolError(f"a pooled connection failed its ping: {exc}") from exc
