"""Addresses the site's layout shows on every page, built once per mount point instead of once per page.

The layout links about a dozen addresses that depend on nothing but where the app is mounted (static
files, Bootstrap's files, the sign-out and verification pages). Building each with werkzeug's URL builder
on every page cost more than the rest of the layout's own logic; the question page, which a trainee opens
25 times a sitting, is where that shows. Addresses that carry a request's own values (an attempt id) are
still built with `url_for`.
"""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from markupsafe import Markup

_CACHE_KEY = "quizbank.layout_urls"


def _cache() -> dict[tuple[object, ...], str]:
    return current_app.extensions.setdefault(_CACHE_KEY, {})  # type: ignore[no-any-return]


def fixed_url(endpoint: str, **values: str) -> str:
    """`url_for(endpoint, **values)` for an address that is the same on every request to this mount point."""
    key = (request.script_root, endpoint, *sorted(values.items()))
    cache = _cache()
    url = cache.get(key)
    if url is None:
        url = cache[key] = url_for(endpoint, **values)
    return url


def _bootstrap_markup(name: str) -> Markup:
    key = (request.script_root, name)
    cache = _cache()
    html = cache.get(key)
    if html is None:
        html = cache[key] = getattr(current_app.extensions["bootstrap"], name)()
    return Markup(html)  # noqa: S704 - Bootstrap-Flask's own markup, kept as it gave it  # nosec B704


def bootstrap_css() -> Markup:
    """Bootstrap-Flask's stylesheet link, as `bootstrap.load_css()` writes it."""
    return _bootstrap_markup("load_css")


def bootstrap_js() -> Markup:
    """Bootstrap-Flask's script tags, as `bootstrap.load_js()` writes them."""
    return _bootstrap_markup("load_js")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(fixed_url=fixed_url, bootstrap_css=bootstrap_css, bootstrap_js=bootstrap_js)
