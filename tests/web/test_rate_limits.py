"""Failed sign-ins are limited per account and per address, with a clear message."""

from __future__ import annotations

import pytest

from quizbank.extensions import limiter
from tests.conftest import PASSWORD


@pytest.fixture
def limited(app):
    saved = {k: app.config[k] for k in ("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS")}
    app.config.update(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="6 per 15 minutes")
    limiter.reset()
    yield
    limiter.reset()
    app.config.update(saved)


def test_repeated_sign_ins_lock_the_account_with_a_clear_message(client, make_user, limited):
    user = make_user()
    for _ in range(3):
        assert client.post("/login", data={"email": user.email, "password": "wrong password"}).status_code == 200
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many sign-in attempts for this account" in blocked.get_data(as_text=True)


def test_a_locked_account_does_not_lock_other_accounts(client, make_user, limited):
    locked, other = make_user(), make_user()
    for _ in range(4):
        client.post("/login", data={"email": locked.email, "password": "wrong password"})
    assert client.post("/login", data={"email": other.email, "password": PASSWORD}).status_code == 302


def test_per_address_limit_holds_across_accounts_and_forged_forwarded_for(client, limited):
    for n in range(6):
        response = client.post("/login", data={"email": f"guess{n}@example.org", "password": "x"},
                               headers={"X-Forwarded-For": f"10.0.0.{n}"})
        assert response.status_code == 200
    blocked = client.post("/login", data={"email": "other@example.org", "password": "x"},
                          headers={"X-Forwarded-For": "10.9.9.9"})
    assert blocked.status_code == 429
    assert "from this network" in blocked.get_data(as_text=True)


def test_behind_trusted_proxies_the_address_is_what_the_last_proxy_saw(database_url, tmp_path):
    """With one trusted proxy, the limits count the address it appended, not what the client wrote before it."""
    from quizbank.extensions import client_address
    from tests.conftest import make_test_app

    behind = make_test_app(database_url, tmp_path, TRUSTED_PROXIES=1)
    behind.add_url_rule("/_test/address", "test_address", client_address)
    direct = make_test_app(database_url, tmp_path)
    direct.add_url_rule("/_test/address", "test_address", client_address)
    forged = {"X-Forwarded-For": "10.9.9.9, 192.0.2.44"}  # the client's own claim, then the proxy's entry
    assert behind.test_client().get("/_test/address", headers=forged).get_data(as_text=True) == "192.0.2.44"
    assert direct.test_client().get("/_test/address", headers=forged).get_data(as_text=True) == "127.0.0.1"


def test_route_limits_hold_without_the_per_request_hook(app):
    """Sign-in's limits are checked by their decorator, so the app drops the hook every request paid for."""
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])


def test_a_default_limit_keeps_the_per_request_hook_and_applies_to_every_page(tmp_path, database_url):
    from tests.conftest import make_test_app

    saved_defaults = list(limiter.limit_manager._default_limits)  # the limiter is one object for every app
    limited_app = make_test_app(database_url, tmp_path, RATELIMIT_DEFAULT="2 per minute")
    try:
        assert limiter._check_request_limit in limited_app.before_request_funcs[None]
        client = limited_app.test_client()
        limiter.reset()
        assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        limiter.limit_manager.set_default_limits(saved_defaults)
        limiter.reset()


def test_an_operator_can_switch_rate_limits_off(tmp_path, database_url):
    """QUIZBANK_RATELIMIT_ENABLED=false (Flask-Limiter's own switch) must not stop the app from starting."""
    from tests.conftest import make_test_app

    try:
        unlimited_app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=False)
        assert limiter._check_request_limit not in unlimited_app.before_request_funcs.get(None, [])
        assert unlimited_app.test_client().get("/login").status_code == 200
    finally:
        limiter.enabled = True  # the switch lands on the one limiter every app in this process shares
