"""Helpers for the security suite: a real gunicorn server, a browser-like HTTP client, seeding, figures.

Imported as `tests.security.support` everywhere, so the figures list exists once per test run.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery staple"

# --------------------------------------------------------------------------------------------- figures

FIGURES: list[str] = []


def record_figure(line: str) -> None:
    """Keeps one line of measured figures for the end-of-run summary and bench/integrity_report."""
    FIGURES.append(line)
    target = os.environ.get("QUIZBANK_INTEGRITY_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def dialect_of(url: str) -> str:
    return "postgres" if url.startswith("postgres") else "sqlite"


# --------------------------------------------------------------------------------------------- HTTP


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str
    set_cookies: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def json(self) -> Any:
        return json.loads(self.body)


CSRF_INPUT = re.compile(r"<input[^>]*\bname=\"csrf_token\"[^>]*>")
VALUE_ATTRIBUTE = re.compile(r"\bvalue=\"([^\"]+)\"")


def csrf_from(html: str) -> str:
    """The CSRF token a page's forms carry, as a browser would submit it."""
    tag = CSRF_INPUT.search(html)
    if tag is None:
        raise AssertionError("no csrf_token field on the page")
    value = VALUE_ATTRIBUTE.search(tag.group(0))
    if value is None:
        raise AssertionError("the csrf_token field has no value")
    return value.group(1)


class WebClient:
    """A minimal browser: one fresh connection per request (so requests spread over workers), its own
    cookie jar, no redirect following. Thread-safe as long as each thread uses its own clone."""

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None, timeout: float = 90.0,
                 source: str | None = None) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.source = source  # another loopback address (127.0.0.2, …) is another client address

    def clone(self) -> WebClient:
        return WebClient(self.base_url, self.cookies, self.timeout, self.source)

    def request(self, method: str, path: str, form: dict[str, Any] | Sequence[tuple[str, str]] | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        sent = {"Host": f"{self.host}:{self.port}", "Connection": "close", "Accept": "text/html,application/json"}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                                source_address=(self.source, 0) if self.source else None)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            set_cookies = response.headers.get_all("Set-Cookie") or []
            reply = Reply(response.status, {k.lower(): v for k, v in response.headers.items()},
                          data.decode("utf-8", "replace"), set_cookies)
        finally:
            connection.close()
        for header in set_cookies:
            self._store(header)
        return reply

    def _store(self, header: str) -> None:
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            gone = morsel["max-age"] == "0" or "1970" in (morsel["expires"] or "")
            if gone:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict[str, Any] | Sequence[tuple[str, str]] | None = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, form if form is not None else {}, **kwargs)

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        assert page.status == 200, (path, page.status)
        return csrf_from(page.body)

    def login(self, email: str, password: str = PASSWORD) -> Reply:
        token = self.csrf_token("/login")
        reply = self.post("/login", {"email": email, "password": password, "csrf_token": token})
        assert reply.status == 302, (email, reply.status, reply.body[:500])
        return reply


# --------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a production-like server: no test settings, CSRF on, our own database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZBANK_", "FLASK_DEBUG"))}
    env.update(
        QUIZBANK_DATABASE_URL=database_url,
        QUIZBANK_SECRET_KEY=secrets.token_hex(32),
        QUIZBANK_LOGIN_LIMIT_PER_ACCOUNT="100000 per minute",
        QUIZBANK_LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
        QUIZBANK_VERIFY_MIN_SECONDS="0",
        FLASK_APP="app",
    )
    env.update({f"QUIZBANK_{k}": v for k, v in settings.items()})
    return env


class LiveServer:
    """gunicorn serving app:app on 127.0.0.1 in its own process group (so kill -9 reaches every worker).

    --preload imports the app once and forks the workers, as many deployments do: a restart takes ~2 s
    instead of four cold imports on two cores. The factory opens no database connection, so none is shared.
    """

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 4, access_log: Path | None = None) -> None:
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.access_log = access_log  # one line per request: worker pid, request line, status
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0, port: int | None = None) -> None:
        """Starts the server (on `port` again after a crash, so clients keep their address)."""
        self.port = port or free_port()
        access = ["--access-logfile", str(self.access_log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s"] \
            if self.access_log else []
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process, closed with it
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "--backlog", "2048", "--preload", "--log-level", "warning", *access, "app:app"],
            cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        probe = WebClient(self.url, timeout=2)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            try:
                if probe.get("/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.kill9()
        raise RuntimeError(f"gunicorn did not answer within {timeout}s:\n{self.log()}")

    def _signal_group(self, signum: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill9(self) -> None:
        """Kills the master and every worker at once, mid-request, as a crash or power cut would."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)
            self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill9()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --------------------------------------------------------------------------------------------- together


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def run_together(jobs: Sequence[Callable[[], Any]], timeout: float = 240.0) -> list[Outcome]:
    """Runs every job in its own thread, released at the same instant by a barrier."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [Outcome() for _ in jobs]

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            outcomes[index].value = jobs[index]()
        except BaseException as exc:  # recorded and counted by the test
            outcomes[index].error = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    for index, thread in enumerate(threads):
        if thread.is_alive():
            outcomes[index].error = TimeoutError("job still running")
    return outcomes


# --------------------------------------------------------------------------------------------- seeding


@dataclass
class Account:
    id: int
    email: str
    role: str
    name: str


def add_accounts(role: str, count: int, prefix: str, names: Iterable[str] | None = None) -> list[Account]:
    """Accounts committed at once with cheap argon2id hashes (inside an app context)."""
    from quizbank.extensions import db
    from quizbank.models import Role, User
    from tests.conftest import FAST_HASHER

    fast_hash = FAST_HASHER.hash(PASSWORD)  # one hash serves every seeded account
    name_list = list(names) if names is not None else [f"{prefix.title()} {role} {n}" for n in range(count)]
    users = [User(email=f"{prefix}-{role}-{n}-{secrets.token_hex(3)}@example.org", name=name_list[n],
                  role=Role(role), password_hash=fast_hash) for n in range(count)]
    db.session.add_all(users)
    db.session.commit()
    return [Account(u.id, u.email, role, u.name) for u in users]


def committing_app(database_url: str, bank_texts: dict[str, str], **overrides: Any) -> Flask:
    """An app on a database of its own, migrated and loaded with `bank_texts` (name → YAML); commits for real."""
    import tempfile

    from flask_migrate import upgrade

    from quizbank.services.bank_loading import load_banks
    from tests.conftest import make_test_app

    with tempfile.TemporaryDirectory(prefix="qb-sec-banks-") as name:
        folder = Path(name)
        for bank, text in bank_texts.items():
            (folder / f"{bank}.yaml").write_text(text)
        app = make_test_app(database_url, folder, **overrides)
        with app.app_context():
            upgrade()
            if bank_texts:
                load_banks(sorted(folder.glob("*.yaml")))
    return app


def numeric_bank(code: str, count: int, *, time_limit: int = 60, attempts_allowed: int = 3) -> str:
    """A module of `count` numeric questions: every save can carry a unique value we can look for."""
    competency = f"{code}-01"
    lines = [f"""module:
  code: {code}
  title: Module {code}
  description: Numeric questions for integrity tests.
  pass_mark: 50
  form_length: {count}
  time_limit_minutes: {time_limit}
  attempts_allowed: {attempts_allowed}
  wait_hours: 0
  review_policy: after_attempt
  require_all_critical: false
  competency_min_percent: 0
  blueprint: {{{competency}: {count}}}
competencies:
  {competency}: Numbers
questions:
"""]
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
             "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor",
             "whiskey", "xray", "yankee", "zulu", "amber", "basalt", "cobalt", "dune", "ember", "fjord"]
    for n in range(1, count + 1):
        lines.append(f"""  - id: {code}-{n:04d}
    competency: {competency}
    type: numeric
    difficulty: medium
    critical: false
    stem: How many {words[2 * n % len(words)]} {words[(2 * n + 1) % len(words)]} units are in sample {n} of {code}?
    answer: {n}
    tolerance: 0
    unit: mm
    explanation: Because sample {n} says so.
    references: ["Author A. 2020. Journal 1:1-2."]
""")
    return "".join(lines)
