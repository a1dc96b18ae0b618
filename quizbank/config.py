"""Configuration in layers: defaults → instance/config.py → QUIZBANK_* environment → test config."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

ENV_PREFIX = "QUIZBANK_"


class Defaults:
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    # A pooled connection idle this long is pinged before use (`pool_liveness`); 0 pings at every checkout.
    DB_PING_AFTER_IDLE_SECONDS = 2.0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True (QUIZBANK_SESSION_COOKIE_SECURE=true) behind HTTPS
    SESSION_COOKIE_NAME = "quizbank_session"
    REMEMBER_COOKIE_DURATION = 0
    # An exam may run longer than an hour: the CSRF token lives as long as the login session.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    BOOTSTRAP_SERVE_LOCAL = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "fixed-window"
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"  # every attempt counts, successful ones too
    LOGIN_LIMIT_PER_ADDRESS = "60 per 15 minutes"  # a clinic's staff may share one address
    SESSION_IDLE_MINUTES = 120
    SESSION_ABSOLUTE_HOURS = 12
    ATTEMPT_GRACE_SECONDS = 30
    CERT_EXPIRING_WINDOW_DAYS = 90
    INVITE_VALID_HOURS = 72
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    SQLITE_BUSY_TIMEOUT_MS = 15000
    # Reverse proxies in front of the app (nginx, a load balancer): their X-Forwarded-For entries are trusted,
    # anything a client wrote before them is not. 0 = the app faces clients directly.
    TRUSTED_PROXIES = 0


def _parse_env_value(raw: str) -> Any:
    """Environment values may be JSON (true, 30, "x"); anything else is taken as a plain string."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_config(app: Any, test_config: dict[str, Any] | None = None) -> None:
    app.config.from_object(Defaults)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'quizbank.sqlite'}"
    app.config.from_pyfile(str(instance / "config.py"), silent=True)
    for name, raw in os.environ.items():
        if name.startswith(ENV_PREFIX):
            app.config[name[len(ENV_PREFIX):]] = _parse_env_value(raw)
    if "DATABASE_URL" in app.config:
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(instance)


def normalise_database_url(url: str) -> str:
    """postgres:// and postgresql:// URLs use the psycopg 3 driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret(instance: Path, name: str = "secret_key") -> str:
    """A random secret generated on first run and kept in instance/ (never a default in code)."""
    path = instance / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
