"""A trainee takes a real module quiz in chromium, reloads mid-way, loses nothing, submits, reads the review."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def answer_current_question(page) -> str:  # type: ignore[no-untyped-def]
    """Gives some answer to whatever type of question is shown; returns what kind it was."""
    if page.locator("input[name=choice]").count():
        page.locator("input[name=choice]").first.check()
        return "choice"
    if page.locator("input[name=number]").count():
        page.locator("input[name=number]").fill("5")
        return "number"
    selects = page.locator("form#answer-form select")
    for i in range(selects.count()):
        selects.nth(i).select_option(index=i + 1)
    return "select"


def test_trainee_takes_a_quiz_reloads_midway_and_submits(page, new_account):
    email, password = new_account("trainee")
    sign_in(page, email, password)
    page.get_by_role("button", name="Start PRO quiz").click()
    page.wait_for_url(re.compile(r"/q/1$"))
    total = int(re.search(r"of (\d+)", page.locator("legend").inner_text()).group(1))
    assert total == 8

    kinds = []
    for position in range(1, 4):
        kinds.append(answer_current_question(page))
        page.get_by_role("button", name=re.compile("Next")).click()
        page.wait_for_url(re.compile(rf"/q/{position + 1}$"))

    # Question 4: answer it, wait for the autosave to confirm, then reload: the answer is still there.
    kinds.append(answer_current_question(page))
    if kinds[-1] == "number":
        page.locator("input[name=number]").dispatch_event("change")
    page.get_by_text(re.compile("^Saved at")).wait_for()
    page.reload()
    if kinds[-1] == "choice":
        assert page.locator("input[name=choice]:checked").count() == 1
    elif kinds[-1] == "number":
        assert page.locator("input[name=number]").input_value() == "5"
    else:
        assert page.locator("form#answer-form select").first.input_value() != ""

    # Sign out and back in: the attempt resumes with four answers saved.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, email, password)
    page.get_by_role("link", name="Resume attempt").click()
    expect(page.get_by_text("4 of 8 answered")).to_be_visible()

    for position in range(5, 9):
        page.goto(re.sub(r"/attempts/(\d+).*", rf"/attempts/\1/q/{position}", page.url))
        answer_current_question(page)
        page.get_by_role("button", name=re.compile("Next|Save and review")).click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    expect(page.get_by_text("8 of 8 answered")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url(re.compile(r"/result$"))
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    assert page.locator("article.review-item").count() == 8
    expect(page.get_by_text("Why:").first).to_be_visible()
