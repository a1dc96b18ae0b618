"""The layout's fixed addresses are built once per mount point, and are the ones url_for would build."""

from __future__ import annotations

import re

from flask import url_for


def _hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|src|action)="([^"]+)"', html)


def test_the_layout_links_the_same_addresses_url_for_builds(app, client, login_as):
    login_as("trainee")
    html = client.get("/trainee/").get_data(as_text=True)
    with app.test_request_context("/"):
        expected = [url_for("static", filename="css/app.css"), url_for("static", filename="js/app.js"),
                    url_for("bootstrap.static", filename="css/bootstrap.min.css"), url_for("public.index"),
                    url_for("trainee.dashboard"), url_for("trainee.certification_progress"),
                    url_for("auth.change_password"), url_for("auth.logout"), url_for("public.verify_form")]
        bootstrap = app.extensions["bootstrap"]
        tags = [str(bootstrap.load_css()), str(bootstrap.load_js())]
    assert set(expected) <= set(_hrefs(html))
    assert all(tag in html for tag in tags)


def test_an_app_mounted_under_a_prefix_gets_its_own_addresses(app, client):
    at_root = client.get("/login").get_data(as_text=True)
    under_prefix = client.get("/login", environ_overrides={"SCRIPT_NAME": "/quizbank"}).get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/css/app.css">' in at_root
    assert '<link rel="stylesheet" href="/quizbank/static/css/app.css">' in under_prefix
    assert 'href="/quizbank/bootstrap/static/css/bootstrap.min.css"' in under_prefix
    assert 'href="/quizbank/verify"' in under_prefix or 'href="/quizbank/verify/"' in under_prefix
    # and the root's addresses were not overwritten by the prefixed ones
    assert '<link rel="stylesheet" href="/static/css/app.css">' in client.get("/login").get_data(as_text=True)
