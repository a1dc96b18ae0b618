"""Password guessing: per-account and per-address limits shared by 4 gunicorn workers through Redis,
deaf to a forged X-Forwarded-For; an unknown account and a wrong password look and take the same.
"""

from __future__ import annotations

import re
import secrets
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from tests.security.support import (
    PASSWORD,
    Account,
    LiveServer,
    WebClient,
    add_accounts,
    committing_app,
    run_together,
    server_environment,
)

PER_ACCOUNT, PER_ADDRESS = 5, 30
REDIS_URL = "redis://127.0.0.1:6379"


@dataclass
class Guarded:
    server: LiveServer
    access_log: Path
    victim: Account
    bystander: Account
    steady: Account
    prefix: str


@pytest.fixture(scope="module")
def guarded(scratch_databases, tmp_path_factory) -> Iterator[Guarded]:  # type: ignore[no-untyped-def]
    import redis

    from quizbank.extensions import db

    url = scratch_databases("sec_brute")
    app = committing_app(url, {})
    with app.app_context():
        victim, bystander, steady = add_accounts("trainee", 3, "brute")
        db.session.remove()
    prefix = f"qb-sec-{secrets.token_hex(6)}"  # a run of its own: counters of other runs never interfere
    env = server_environment(url, LOGIN_LIMIT_PER_ACCOUNT=f"{PER_ACCOUNT} per 15 minutes",
                             LOGIN_LIMIT_PER_ADDRESS=f"{PER_ADDRESS} per 15 minutes",
                             RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    folder = tmp_path_factory.mktemp("brute")
    server = LiveServer(env, folder / "gunicorn.log", workers=4, access_log=folder / "access.log")
    server.start()
    try:
        yield Guarded(server, folder / "access.log", victim, bystander, steady, prefix)
    finally:
        server.stop()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)


def _forged() -> dict[str, str]:
    return {"X-Forwarded-For": f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}",
            "X-Real-IP": f"192.168.{secrets.randbelow(250)}.{secrets.randbelow(250)}"}


def _guess(base_url: str, source: str, email: str, password: str) -> int:
    """One sign-in attempt as a fresh browser would make it (own session, own CSRF token), with a forged
    X-Forwarded-For pretending to come from somewhere else each time."""
    client = WebClient(base_url, source=source)
    token = client.csrf_token("/login")
    return client.post("/login", {"email": email, "password": password, "csrf_token": token},
                       headers=_forged()).status


def _login_workers(access_log: Path) -> int:
    time.sleep(0.5)  # gunicorn writes its access log asynchronously
    return len({line.split()[0] for line in access_log.read_text().splitlines() if " POST /login " in line})


def _burst(guarded: Guarded, source: str, emails: list[str]) -> Counter:
    outcomes = run_together([partial(_guess, guarded.server.url, source, email, "wrong password guess")
                             for email in emails])
    return Counter(str(o.value) if o.error is None else f"exception {o.error!r}" for o in outcomes)


@pytest.mark.slow
def test_one_guess_after_another_the_account_limit_is_exact_across_workers(guarded, figure):
    guesses = 12
    statuses = Counter(str(_guess(guarded.server.url, "127.0.0.6", guarded.steady.email, "wrong password guess"))
                       for _ in range(guesses))
    figure(f"login limit per account, one guess after another ({guesses} guesses, limit {PER_ACCOUNT}): "
           f"failures_answered={statuses['200']} blocked={statuses['429']} "
           f"workers_hit={_login_workers(guarded.access_log)}")
    assert statuses == {"200": PER_ACCOUNT, "429": guesses - PER_ACCOUNT}


@pytest.mark.slow
def test_per_account_limit_holds_across_four_workers_whatever_x_forwarded_for_says(guarded, figure):
    source = "127.0.0.2"
    guesses = 24
    statuses = _burst(guarded, source, [guarded.victim.email] * guesses)
    right_password = _guess(guarded.server.url, "127.0.0.5", guarded.victim.email, PASSWORD)
    workers = _login_workers(guarded.access_log)
    figure(f"login limit per account (4 workers, redis, limit {PER_ACCOUNT}, {guesses} parallel guesses, "
           f"forged X-Forwarded-For): failures_answered={statuses['200']} blocked={statuses['429']} "
           f"right_password_after={right_password} workers_hit={workers}")
    assert statuses["200"] + statuses["429"] == guesses, statuses
    assert workers >= 2, "the guesses did not spread over the workers: the test proved nothing"
    assert statuses["200"] == PER_ACCOUNT, "each failure beyond the limit is one more password guess"
    assert right_password == 429, "the locked account must stay locked, even from another address"


@pytest.mark.slow
def test_per_address_limit_holds_across_accounts_workers_and_forged_headers(guarded, figure):
    source = "127.0.0.3"
    guesses = PER_ADDRESS + 15
    statuses = _burst(guarded, source, [f"nobody-{n}-{secrets.token_hex(3)}@example.org" for n in range(guesses)])
    same_address = _guess(guarded.server.url, source, guarded.bystander.email, PASSWORD)
    elsewhere = WebClient(guarded.server.url, source="127.0.0.4")
    elsewhere_status = elsewhere.post("/login", {"email": guarded.bystander.email, "password": PASSWORD,
                                                 "csrf_token": elsewhere.csrf_token("/login")}).status
    figure(f"login limit per address (4 workers, redis, limit {PER_ADDRESS}, {guesses} parallel guesses at "
           f"distinct accounts): failures_answered={statuses['200']} blocked={statuses['429']} "
           f"same_address_after={same_address} other_address={elsewhere_status}")
    assert statuses["200"] + statuses["429"] == guesses, statuses
    assert statuses["200"] == PER_ADDRESS
    assert same_address == 429
    assert elsewhere_status == 302, "another address is not blocked by this one's failures"


def _normalised(page: str, email: str) -> str:
    page = page.replace(email, "EMAIL")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", page)


def test_unknown_account_and_wrong_password_look_and_time_the_same(client, make_user, figure):
    from quizbank.extensions import db
    from quizbank.services.people import HASHER

    user = make_user()
    user.password_hash = HASHER.hash(PASSWORD)  # the production cost, as a real account has
    db.session.commit()
    unknown_email = f"nobody-{secrets.token_hex(4)}@example.org"
    timings: dict[str, list[float]] = {"wrong": [], "unknown": []}
    pages: dict[str, set[str]] = {"wrong": set(), "unknown": set()}
    statuses: set[int] = set()
    for _round in range(12):
        for kind, email in (("wrong", user.email), ("unknown", unknown_email)):
            started = time.perf_counter()
            response = client.post("/login", data={"email": email, "password": "not the password at all"})
            timings[kind].append(time.perf_counter() - started)
            statuses.add(response.status_code)
            pages[kind].add(_normalised(response.get_data(as_text=True), email))
    wrong, unknown = statistics.median(timings["wrong"]), statistics.median(timings["unknown"])
    figure(f"login timing (argon2id m=64MiB): wrong_password_median={wrong * 1000:.0f}ms "
           f"unknown_account_median={unknown * 1000:.0f}ms ratio={unknown / wrong:.2f} "
           f"same_page={pages['wrong'] == pages['unknown']}")
    assert statuses == {200}
    assert pages["wrong"] == pages["unknown"] and len(pages["wrong"]) == 1
    # Without the dummy verification an unknown account answers ~100 times faster; noise stays well inside this.
    assert 0.6 <= unknown / wrong <= 1.67, "the time taken tells whether an account exists"
