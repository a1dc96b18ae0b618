"""Security headers on every response — every GET route as every role, error pages included — and
no-store on the private pages; HSTS over HTTPS only."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import PASSWORD
from tests.security.routes import build_world, routes

REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
PRIVATE = ("/trainee", "/admin", "/instructor", "/account")
HSTS_MIN_SECONDS = 180 * 24 * 3600


def _directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = [w.lower() for w in words[1:]]
    return parsed


def header_problems(response, path: str, *, https: bool) -> list[str]:  # type: ignore[no-untyped-def]
    """What is missing or weak in one response's security headers."""
    headers = response.headers
    problems = []
    csp = _directives(headers.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None:
        problems.append("CSP does not restrict scripts")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts):
        problems.append(f"CSP allows unsafe scripts: {scripts}")
    if not {"'none'", "'self'"} & set(csp.get("frame-ancestors", [])):
        problems.append(f"CSP has no frame-ancestors: {headers.get('Content-Security-Policy')!r}")
    if headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if headers.get("Referrer-Policy", "").lower() not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    hsts = headers.get("Strict-Transport-Security", "")
    if https:
        max_age = int(hsts.split("max-age=")[1].split(";")[0]) if "max-age=" in hsts else 0
        if max_age < HSTS_MIN_SECONDS:
            problems.append(f"HSTS over https: {hsts!r}")
    elif hsts:
        problems.append("HSTS sent over plain http")
    if path.startswith(PRIVATE) and response.status_code < 300 and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"private page without Cache-Control: no-store ({headers.get('Cache-Control')!r})")
    return [f"{response.status_code} {path}: {p}" for p in problems]


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_every_response_carries_the_security_headers(app, db, make_user, small_bank, scheme, figure):
    world, users = build_world(db, make_user)
    base_url = f"{scheme}://localhost"
    crawl = [(endpoint, url) for endpoint, method, url, _params in routes(app, world) if method == "GET"]
    extra = ["/no/such/page", "/verify/unknown-code", "/verify/unknown-code.json", "/static/no-such-file.css"]
    problems: list[str] = []
    statuses: Counter = Counter()
    for actor in (None, "trainee_A", "instructor_A", "admin_A"):
        client = app.test_client()
        if actor:
            signed = client.post("/login", data={"email": users[actor].email, "password": PASSWORD},
                                 base_url=base_url)
            problems += header_problems(signed, "/login", https=scheme == "https")
        for url in [url for _endpoint, url in crawl] + extra:
            response = client.get(url, base_url=base_url)
            statuses[response.status_code] += 1
            problems += header_problems(response, url, https=scheme == "https")
        wrong_method = client.post("/healthz", base_url=base_url)  # 405
        problems += header_problems(wrong_method, "/healthz", https=scheme == "https")
    figure(f"security headers ({scheme}): responses={sum(statuses.values())} statuses={dict(sorted(statuses.items()))} "
           f"problems={len(problems)}")
    assert problems == [], "\n".join(sorted(set(problems))[:40])


def test_an_error_page_carries_the_headers_too(app, client, login_as, monkeypatch):
    from quizbank.services import progress

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected")

    login_as("trainee")
    monkeypatch.setattr(progress, "dashboard", broken)
    response = client.get("/trainee/")
    assert response.status_code == 500
    assert header_problems(response, "/trainee/", https=False) == []
    assert "no-store" in response.headers.get("Cache-Control", "")
