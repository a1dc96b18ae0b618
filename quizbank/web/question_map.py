"""The map of an attempt's questions, built in Python: every question page carries one link per question,
and the same loop in Jinja cost half of the page's rendering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from markupsafe import Markup, escape

_CURRENT = ' aria-current="step"'
_FLAG = '<span aria-hidden="true">⚑</span>'


class _Status(Protocol):
    position: int
    answered: bool
    flagged: bool


def question_map(statuses: Sequence[_Status], current: int, url_prefix: str) -> Markup:
    """One link per question: the current one marked, answered ones green, flagged ones with a flag (and
    the same said in words for screen readers). `url_prefix` + position is a question's address."""
    prefix = str(escape(url_prefix))  # the only text from outside; the rest is fixed words and integers
    links = []
    for s in statuses:
        position, here = int(s.position), s.position == current
        style = "btn-primary" if here else ("btn-outline-success" if s.answered else "btn-outline-secondary")
        links.append(
            f'<li><a class="btn btn-sm {style} q-link" href="{prefix}{position}"{_CURRENT if here else ""}>'
            f'{position}{_FLAG if s.flagged else ""}<span class="visually-hidden">'
            f'{"answered" if s.answered else "not answered"}{", flagged" if s.flagged else ""}</span></a></li>')
    return Markup("".join(links))  # noqa: S704 - fixed markup, integers and the escaped prefix  # nosec B704
