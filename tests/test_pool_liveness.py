"""A pooled connection is pinged only after it sat idle, and one found dead is replaced before use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from quizbank import pool_liveness


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine of the test's own on the test database, with one pooled connection to follow."""
    made = create_engine(database_url, pool_size=1, max_overflow=0)
    yield made
    made.dispose()


@pytest.fixture
def pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every ping the dialect sends, in order."""
    sent: list[object] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        sent.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return sent


def _driver_connection(engine: Engine) -> object:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        return conn.connection.dbapi_connection


def test_a_connection_used_a_moment_ago_is_not_pinged(engine, pings):
    pool_liveness.ping_after_idle(engine, 60)
    first = _driver_connection(engine)
    assert [_driver_connection(engine) for _ in range(5)] == [first] * 5
    assert pings == []


def test_a_connection_idle_past_the_limit_is_pinged_once_per_checkout(engine, pings):
    pool_liveness.ping_after_idle(engine, 0)
    first = _driver_connection(engine)  # opened for this checkout: connecting proved it alive
    assert pings == []
    assert [_driver_connection(engine) for _ in range(3)] == [first] * 3
    assert pings == [first] * 3


def test_an_idle_connection_killed_behind_the_pools_back_is_replaced_before_use(engine, pings, database_url):
    pool_liveness.ping_after_idle(engine, 0)
    with engine.connect() as conn:
        dead = conn.connection.dbapi_connection
        on_postgresql = engine.dialect.name == "postgresql"
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar() if on_postgresql else None
    if backend is not None:  # what a restart of PostgreSQL does to every pooled connection
        killer = create_engine(engine.url, isolation_level="AUTOCOMMIT")
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar() is True
        killer.dispose()
    else:  # SQLite has no server to lose: the connection is closed under the pool
        dead.close()  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 41 + 1")).scalar() == 42
        assert conn.connection.dbapi_connection is not dead
    assert pings == [dead]


def test_the_app_checks_idle_connections_after_the_configured_seconds(monkeypatch, tmp_path):
    from tests.conftest import make_test_app

    seen: list[float] = []
    monkeypatch.setattr(pool_liveness, "ping_after_idle", lambda _engine, seconds: seen.append(seconds))
    make_test_app(f"sqlite:///{tmp_path / 'app.sqlite'}", tmp_path, DB_PING_AFTER_IDLE_SECONDS=7)
    assert seen == [7.0]
