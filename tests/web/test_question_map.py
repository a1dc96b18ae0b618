"""The question map on every exam page: one link per question, its state in colour and in words."""

from __future__ import annotations

import re

from quizbank.services.progress import ItemStatus
from quizbank.web.question_map import question_map


def _links(html: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", html)


def test_the_map_links_every_question_and_marks_the_current_one():
    statuses = [ItemStatus(1, True, False), ItemStatus(2, False, True), ItemStatus(3, False, False)]
    links = _links(question_map(statuses, 2, "/trainee/attempts/7/q/"))
    assert len(links) == 3
    assert [re.search(r'href="([^"]+)"', link).group(1) for link in links] == [  # type: ignore[union-attr]
        "/trainee/attempts/7/q/1", "/trainee/attempts/7/q/2", "/trainee/attempts/7/q/3"]
    assert ['aria-current="step"' in link for link in links] == [False, True, False]
    assert "btn-outline-success" in links[0] and "btn-primary" in links[1] and "btn-outline-secondary" in links[2]


def test_the_map_says_in_words_what_the_colours_and_the_flag_show():
    statuses = [ItemStatus(1, True, True), ItemStatus(2, False, False)]
    first, second = _links(question_map(statuses, 2, "/q/"))
    assert '<span class="visually-hidden">answered, flagged</span>' in first and "⚑" in first
    assert '<span class="visually-hidden">not answered</span>' in second and "⚑" not in second


def test_the_address_prefix_is_escaped():
    html = question_map([ItemStatus(1, False, False)], 1, '/q/"><script>x</script>')
    assert "<script>" not in html and "&#34;&gt;&lt;script&gt;" in html
