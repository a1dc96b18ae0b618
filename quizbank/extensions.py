"""Extension objects, created unbound; the factory binds them to an app."""

from __future__ import annotations

from contextvars import ContextVar

from flask import Flask, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from quizbank.db_session import AppSession

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"class_": AppSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def client_address() -> str:
    """The client's address: the peer, or with TRUSTED_PROXIES set, what the trusted proxies saw (ProxyFix).
    An X-Forwarded-For the client wrote itself is never believed."""
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_address, default_limits=[])

# Limits that only Flask-Limiter's before_request hook enforces (a route's own limits are not among them).
_LIMITS_NEEDING_THE_HOOK = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


def check_limits_in_their_decorators(app: Flask) -> None:
    """Drops Flask-Limiter's before_request hook where it has nothing to enforce.

    Flask-Limiter checks a route's own limits (`@limiter.limit`, sign-in's) in the decorator, as the view
    is called. Its before_request hook is for default, application-wide and blueprint limits, and this app
    declares none: yet every request paid for the hook (about 5 % of a question page). Configure any of
    those limits and the hook stays; `tests/web/test_rate_limits.py` checks both ways.
    """
    hooks = app.before_request_funcs.get(None, [])
    if any(app.config.get(name) for name in _LIMITS_NEEDING_THE_HOOK) or limiter._check_request_limit not in hooks:
        return  # needed; or never installed (RATELIMIT_ENABLED=False)
    hooks.remove(limiter._check_request_limit)

# Set while a service runs a write transaction, so SQLite begins it IMMEDIATE (takes the write lock
# up front instead of failing later when a read transaction tries to upgrade).
want_immediate: ContextVar[bool] = ContextVar("want_immediate", default=False)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, synchronous=FULL, busy timeout, foreign keys, and our own BEGIN for write transactions."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # the driver stops issuing BEGIN; we do it below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if want_immediate.get() else "BEGIN")
