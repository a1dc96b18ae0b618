"""Shared fixtures: an app on the test database (schema built by migrations), one rolled-back
transaction per test, a client, factories and `login_as(role)`.

The database comes from QUIZBANK_TEST_DATABASE_URL (PostgreSQL in CI's second run), else a SQLite
file in a temporary folder.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from quizbank import create_app
from quizbank.config import normalise_database_url

# Cheap argon2id parameters for fixtures: verification reads the parameters from the hash itself,
# so logging in as a fixture user is fast while production hashing keeps its own cost.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("QUIZBANK_TEST_DATABASE_URL")
    if url:
        url = normalise_database_url(url)
        if url.startswith("postgresql"):
            _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def make_test_app(database_url: str, instance: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        # Limits stay on, set high; tests of the limits lower them.
        "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
        "SECRET_KEY": "test-only-secret-key-not-for-production",
        "SERVER_NAME": "localhost",
        "PUBLIC_BASE_URL": "http://localhost",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    application = make_test_app(database_url, tmp_path_factory.mktemp("instance"))
    with application.app_context():
        upgrade()

    @application.teardown_request
    def _end_request_session(_exc: BaseException | None) -> None:
        # The test's app context outlives requests; production ends the session and `g` (where
        # flask-login caches the user) with each request, so the tests do too.
        from flask import g

        from quizbank.extensions import db as database

        database.session.remove()
        for name in list(g):
            g.pop(name)

    yield application


class ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy picks an engine per table; in tests every statement must use the test's connection."""

    def get_bind(self, *args: object, **kwargs: object) -> object:
        return self.bind if self.bind is not None else super().get_bind(*args, **kwargs)


def _request_or_app_scope() -> int:
    """Like production, one Session per request; outside a request, one per app context."""
    from flask.globals import _cv_app, _cv_request

    ctx = _cv_request.get(None) or _cv_app.get(None)
    return id(ctx)


@pytest.fixture
def db(app: Flask) -> Iterator[object]:
    """The database inside one transaction that is rolled back after the test."""
    from quizbank.extensions import db as database

    with app.app_context():
        connection = database.engine.connect()
        outer = connection.begin()
        original = database.session
        database.session = database._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "scopefunc": _request_or_app_scope,
             "class_": ConnectionBoundSession}
        )
        try:
            yield database
        finally:
            database.session.remove()
            database.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, db: object) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(db: object) -> Callable[..., object]:
    from quizbank.extensions import db as database
    from quizbank.models import Role, User

    def _make(role: str | Role = Role.TRAINEE, *, email: str | None = None, name: str | None = None,
              password: str = PASSWORD, active: bool = True) -> User:
        n = next(_seq)
        user = User(
            email=email or f"user{n}@example.org", name=name or f"Test User {n}", role=Role(role),
            password_hash=FAST_HASHER.hash(password), active=active,
        )
        database.session.add(user)
        database.session.commit()
        return user

    return _make


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., object]:
    from quizbank.extensions import db as database

    def _login(user: object, password: str = PASSWORD, c: FlaskClient | None = None) -> object:
        c = c or client
        response = c.post("/login", data={"email": user.email, "password": password})  # type: ignore[attr-defined]
        assert response.status_code == 302, response.get_data(as_text=True)
        # The client's requests share the test's connection, their transactions nested in the test's own one
        # (begun above by reading `user`): close it, so a later rollback of it cannot take the sign-in along.
        database.session.commit()
        return response

    return _login


@pytest.fixture
def login_as(make_user: Callable[..., object], login: Callable[..., object]) -> Callable[..., object]:
    """Creates a user of `role`, signs the test client in as them, and returns the user."""

    def _login_as(role: str = "trainee", **kwargs: object) -> object:
        user = make_user(role, **kwargs)
        login(user)
        return user

    return _login_as


@pytest.fixture(scope="session")
def scratch_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """Makes databases of their own that real servers and threads commit to (not the rolled-back one).

    On SQLite a file per name; on PostgreSQL a database per name beside the test database, dropped after.
    """
    test_url = os.environ.get("QUIZBANK_TEST_DATABASE_URL", "")
    created: list[str] = []
    folder = tmp_path_factory.mktemp("scratch")
    admin_url = make_url(normalise_database_url(test_url)) if test_url.startswith("postgres") else None
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT") if admin_url is not None else None

    def _make(name: str) -> str:
        if engine is None or admin_url is None:
            return f"sqlite:///{folder / (name + '.sqlite')}"
        database = f"quizbank_{name}_{os.getpid()}"
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        created.append(database)
        return admin_url.set(database=database).render_as_string(hide_password=False)

    yield _make
    if engine is not None:
        with engine.connect() as conn:
            for database in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def scratch_database_url(scratch_databases: Callable[[str], str]) -> str:
    """The live server's database."""
    return scratch_databases("live")

SMALL_BANK = """
module:
  code: TST
  title: Test module
  description: A small module for tests.
  pass_mark: 60
  form_length: 6
  time_limit_minutes: 20
  attempts_allowed: 2
  wait_hours: 0
  review_policy: after_attempt
  require_all_critical: true
  competency_min_percent: 0
  blueprint: {TST-01: 3, TST-02: 3}
competencies:
  TST-01: First competency
  TST-02: Second competency
questions:
"""


def _question_yaml(n: int, competency: str, body: str, critical: bool = False) -> str:
    return f"""  - id: TST-{n:04d}
    competency: {competency}
    difficulty: medium
    critical: {str(critical).lower()}
    stem: Test stem number {n} about topic {n * 7919 % 1000}.
{body}
    explanation: Because of reason {n}.
    references: ["Author A. 2020. Journal 1:1-2."]
"""


def small_bank_yaml(sentinel: str = "KEYSENTINEL") -> str:
    single = """    type: single
    options:
      - {{text: "{s} keyed option {n}", correct: true, feedback: "FEEDBACKSENTINEL"}}
      - {{text: "wrong one {n}"}}
      - {{text: "wrong two {n}"}}
      - {{text: "wrong three {n}"}}"""
    parts = [SMALL_BANK]
    n = 1
    for i in range(4):
        parts.append(_question_yaml(n, "TST-01", single.format(s=sentinel, n=n), critical=(i == 0)))
        n += 1
    parts.append(_question_yaml(n, "TST-01", """    type: multiple
    scoring: partial
    options:
      - {text: "multi key a", correct: true}
      - {text: "multi key b", correct: true}
      - {text: "multi wrong c"}
      - {text: "multi wrong d"}"""))
    n += 1
    parts.append(_question_yaml(n, "TST-02", "    type: truefalse\n    answer: false"))
    n += 1
    parts.append(_question_yaml(n, "TST-02", "    type: ordering\n    steps: [first step, second step, third step]"))
    n += 1
    parts.append(_question_yaml(n, "TST-02", """    type: matching
    pairs:
      - {left: left one, right: right one}
      - {left: left two, right: right two}
      - {left: left three, right: right three}"""))
    n += 1
    parts.append(_question_yaml(n, "TST-02", "    type: numeric\n    answer: 19\n    tolerance: 1\n    unit: mm"))
    return "".join(parts)


@pytest.fixture
def small_bank(db: object, tmp_path: Path) -> str:
    """Loads module TST: 5 items of TST-01 (one critical), 4 of TST-02 (every other type)."""
    from quizbank.services.bank_loading import load_banks

    path = tmp_path / "tst.yaml"
    path.write_text(small_bank_yaml())
    load_banks([path])
    return "TST"


def answer_form(item: object, wrong: bool = False) -> dict[str, list[str]]:
    """The form a trainee would post to answer `item` (an AttemptItem) correctly, or wrongly."""
    from quizbank.services.question_versions import draft_of

    draft = draft_of(item.version)  # type: ignore[attr-defined]
    order = item.display_order  # type: ignore[attr-defined]
    qtype = draft.qtype.value
    if qtype in ("single", "truefalse", "multiple"):
        keys = {o.id for o in draft.keys}
        chosen = [str(i) for i, oid in enumerate(order) if (oid in keys) != wrong]
        return {"choice": chosen if qtype == "multiple" else chosen[:1]}
    if qtype == "ordering":
        ids = [o.id for o in draft.options]
        return {f"pos_{i}": [str(len(ids) - ids.index(oid) if wrong else ids.index(oid) + 1)]
                for i, oid in enumerate(order)}
    if qtype == "matching":
        return {f"match_{i}": [str((order.index(p.id) + 1) % len(order) if wrong else order.index(p.id))]
                for i, p in enumerate(draft.pairs)}
    return {"number": ["99" if wrong else "19"]}


def answer_everything_correctly(client: FlaskClient, attempt_id: int, wrong: bool = False) -> None:
    """Answers each item of an attempt through the pages."""
    from quizbank.extensions import db as database
    from quizbank.models import AttemptItem

    items = database.session.query(AttemptItem).filter_by(attempt_id=attempt_id).order_by(AttemptItem.position)
    for item in items.all():
        response = client.post(f"/trainee/attempts/{attempt_id}/q/{item.position}",
                               data={"go": "next", **answer_form(item, wrong)})
        assert response.status_code == 302, response.get_data(as_text=True)


def answer_through_service(user_id: int, attempt_id: int, now: object, wrong: bool = False) -> None:
    from quizbank.extensions import db as database
    from quizbank.models import AttemptItem
    from quizbank.services import attempts

    for item in database.session.query(AttemptItem).filter_by(attempt_id=attempt_id).all():
        attempts.save_answer(user_id, attempt_id, item.position, answer_form(item, wrong), flagged=False,
                             now=now, grace_seconds=30)  # type: ignore[arg-type]
