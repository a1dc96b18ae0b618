"""Question text is Markdown, rendered and then sanitised with an allow-list (nh3)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

from .question_map import question_map

# Raw HTML in the source is not passed through at all; nh3 then keeps only these tags.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "code", "pre", "blockquote", "table", "thead",
                "tbody", "tr", "th", "td", "sub", "sup", "a", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


@lru_cache(maxsize=8192)
def markdown_html(text: str | None) -> Markup:
    """Sanitised HTML of Markdown text; a pure function of the text, so kept per process (stems and options
    repeat on every page of an exam)."""
    html = _MARKDOWN.render(text or "")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above  # nosec B704


def when(value: datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else ""


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["md"] = markdown_html
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.globals["question_map"] = question_map
