"""The quiz countdown speaks politely and rarely: at 5 minutes and at 1 minute left, never every second.

Playwright's clock drives the page's timers, so ten minutes of countdown run in a moment. The server's
deadline is untouched; the page only counts down the seconds the server gave it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.browser.test_keyboard_exam import ALL_TYPES_CODE, load_all_types_module

pytestmark = pytest.mark.browser

# Every change of the live region's text, in order, as a screen reader would hear it.
RECORD_ANNOUNCEMENTS = """() => {
  const region = document.querySelector("[data-countdown-announce]");
  window.announcements = [];
  new MutationObserver(() => window.announcements.push(region.textContent))
    .observe(region, {childList: true, characterData: true, subtree: true});
}"""


def start_attempt_with_a_fake_clock(page: Page, server_env, new_account, tmp_path) -> int:  # type: ignore[no-untyped-def]
    """Starts a KBD attempt (10 minutes) under Playwright's clock; returns the seconds the server gave."""
    load_all_types_module(server_env, tmp_path)
    sign_in(page, *new_account("trainee"))
    page.clock.install()
    page.goto(f"/trainee/modules/{ALL_TYPES_CODE}")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r"/q/1$"))
    page.evaluate(RECORD_ANNOUNCEMENTS)
    return int(page.locator("[data-countdown]").get_attribute("data-seconds-left"))


def test_countdown_announces_politely_at_five_and_one_minutes_only(page, server_env, new_account, tmp_path):
    seconds_left = start_attempt_with_a_fake_clock(page, server_env, new_account, tmp_path)
    assert 590 <= seconds_left <= 600
    box = page.locator("[data-countdown]")
    region = box.locator("[data-countdown-announce]")
    assert region.get_attribute("aria-live") == "polite"
    assert region.get_attribute("role") == "status"
    assert box.locator(".countdown").get_attribute("aria-hidden") == "true"  # the ticking digits are not read
    warning = box.locator("[data-countdown-warning]")
    expect(warning).to_be_hidden()

    # Run every one-second tick up to 5:01 left: the digits change, nothing is announced.
    page.clock.run_for((seconds_left - 301) * 1000)
    expect(box.locator(".countdown")).to_have_text("5:01")
    assert page.evaluate("window.announcements") == []
    expect(box.locator("[data-countdown-static]")).to_have_text("5 minutes left")

    page.clock.run_for(2000)
    expect(region).to_have_text(re.compile(r"^5 minutes left\."))
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("5 minutes left")
    expect(box).to_have_class(re.compile(r"\bcountdown-warning\b"))

    page.clock.run_for(237 * 1000)  # to 1:02 left
    expect(box.locator(".countdown")).to_have_text("1:02")
    page.clock.run_for(3000)
    expect(region).to_have_text(re.compile(r"^1 minute left\."))
    expect(warning).to_contain_text("1 minute left")
    expect(box.locator("[data-countdown-static]")).to_have_text("less than a minute left")

    # Over nine minutes of ticks the region spoke exactly twice.
    announcements = page.evaluate("window.announcements")
    assert [text.split(".")[0] for text in announcements] == ["5 minutes left", "1 minute left"]


def test_moving_to_another_question_does_not_repeat_a_warning_already_given(page, server_env, new_account,
                                                                               tmp_path):
    seconds_left = start_attempt_with_a_fake_clock(page, server_env, new_account, tmp_path)
    page.clock.run_for((seconds_left - 290) * 1000)
    expect(page.locator("[data-countdown-announce]")).to_have_text(re.compile(r"^5 minutes left\."))

    page.get_by_role("button", name=re.compile("Next")).click()
    page.wait_for_url(re.compile(r"/q/2$"))
    page.evaluate(RECORD_ANNOUNCEMENTS)
    # The fresh page counts from the server's figure again (the server's clock did not move); jump to 4:50.
    left = int(page.locator("[data-countdown]").get_attribute("data-seconds-left"))
    page.clock.run_for((left - 290) * 1000)
    warning = page.locator("[data-countdown-warning]")
    expect(warning).to_contain_text("5 minutes left")  # still shown on screen
    assert page.evaluate("window.announcements") == []  # but not spoken a second time


def test_the_attempt_is_submitted_when_the_countdown_reaches_zero(page, server_env, new_account, tmp_path):
    seconds_left = start_attempt_with_a_fake_clock(page, server_env, new_account, tmp_path)
    with page.expect_navigation(url=re.compile(r"/result$")):
        page.clock.run_for((seconds_left + 1) * 1000)
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
