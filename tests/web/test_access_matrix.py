"""Every route × every role: deny by default, no unexpected 2xx."""

from __future__ import annotations

import re

import pytest

PUBLIC_BLUEPRINTS = {"public", "auth", "static", "bootstrap"}
ALLOWED = {
    "trainee": {"trainee"},
    "instructor": {"instructor", "admin"},
    "admin": {"admin"},
}
# Routes of the auth blueprint that need a signed-in user (any role).
SIGNED_IN_ONLY = {"auth.logout", "auth.change_password"}


def _url_for_rule(rule) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"<(?:([a-z]+):)?([a-z_]+)>", lambda m: "1" if m.group(1) == "int" else "x", rule.rule)


def _routes(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        methods = sorted(m for m in rule.methods if m in {"GET", "POST"})
        for method in methods:
            yield rule.endpoint, method, _url_for_rule(rule)


@pytest.mark.parametrize("role", [None, "trainee", "instructor", "admin"])
def test_every_route_denies_roles_it_is_not_for(app, client, login_as, role):
    if role:
        login_as(role)
    checked = 0
    for endpoint, method, url in _routes(app):
        blueprint = endpoint.split(".")[0]
        if blueprint in PUBLIC_BLUEPRINTS and endpoint not in SIGNED_IN_ONLY:
            continue
        if endpoint == "auth.logout":
            continue  # signing out ends the session the rest of the loop needs
        response = client.open(url, method=method)
        checked += 1
        allowed = blueprint in PUBLIC_BLUEPRINTS or (role is not None and role in ALLOWED[blueprint])
        if role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)
        elif not allowed:
            assert response.status_code == 403, (role, method, url, response.status_code)
        else:
            assert response.status_code != 403, (role, method, url)
    assert checked >= 5


def test_error_pages_use_the_site_layout(client, login_as):
    login_as("trainee")
    page = client.get("/admin/users")
    assert page.status_code == 403 and "Not allowed" in page.get_data(as_text=True)
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "quizbank" in missing.get_data(as_text=True)
