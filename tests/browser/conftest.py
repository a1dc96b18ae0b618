"""End-to-end fixtures: a real server (gunicorn) on its own database, and Debian's chromium via Playwright.

The server's database is separate from the rolled-back test database: on SQLite a temporary file, on
PostgreSQL a scratch database created next to the test database and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("QUIZBANK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server_env(scratch_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZBANK_")}
    env.update(
        QUIZBANK_DATABASE_URL=scratch_database_url,
        QUIZBANK_SECRET_KEY=secrets.token_hex(16),
        QUIZBANK_LOGIN_LIMIT_PER_ACCOUNT="1000 per minute",
        QUIZBANK_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
        FLASK_APP="app",
    )
    return env


def flask_cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@pytest.fixture(scope="session")
def live_server(server_env: dict[str, str]) -> Iterator[str]:
    """The app under gunicorn on 127.0.0.1, with the bundled banks and the demo cohort loaded."""
    flask_cli(server_env, "db", "upgrade")
    flask_cli(server_env, "quizbank", "load-banks")
    flask_cli(server_env, "quizbank", "seed-track")
    flask_cli(server_env, "quizbank", "seed-demo")
    port = _free_port()
    # Threaded workers: chromium opens connections ahead of need, and a sync worker that accepts one waits on
    # it until it times out (30 s), so two such sockets stall every request (in production a buffering proxy
    # in front of the sync workers takes those connections).
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "gthread", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:app"],
        cwd=ROOT, env=server_env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("the live server did not start")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian chromium is missing at {CHROMIUM}: run scripts/ensure-test-tools")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()


@pytest.fixture
def new_account(server_env: dict[str, str]):  # type: ignore[no-untyped-def]
    """Creates an account on the live server through the CLI; returns (email, password)."""

    def _create(role: str = "trainee") -> tuple[str, str]:
        email = f"{role}-{secrets.token_hex(4)}@example.org"
        password = "browser test passphrase"
        flask_cli(server_env, "quizbank", "create-user", "--email", email, "--name", f"Browser {role.title()}",
                  "--role", role, "--password", password)
        return email, password

    return _create


def sign_in(page, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
