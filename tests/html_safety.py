"""Finds live script in rendered HTML: script elements, event-handler attributes, javascript: URLs."""

from __future__ import annotations

from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


class _Finder(HTMLParser):
    def __init__(self, allowed_scripts: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_scripts = allowed_scripts
        self.findings: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith(self.allowed_scripts):
            self.findings.append(f"<script> {values}")
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().replace(" ", "").startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                self.findings.append(f"<{tag} {name}={value!r}>")


def live_script(html: str, allowed_scripts: tuple[str, ...] = ("/static/", "/bootstrap/static/")) -> list[str]:
    """Every place in `html` where script would run, other than our own static script files."""
    finder = _Finder(allowed_scripts)
    finder.feed(html)
    return finder.findings
