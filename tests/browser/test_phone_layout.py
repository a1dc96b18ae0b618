"""Layouts at 360 px (a phone) and 1440 px (a desktop): nothing scrolls sideways, long tables scroll in their box.

And a whole quiz taken on a phone, by touch, with every control big enough to hit; and the same pages on paper
(the print stylesheet of a review and of a certificate page).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from quizbank.services.demo import DEMO_ACCOUNTS
from tests.browser.conftest import sign_in
from tests.browser.test_keyboard_exam import ALL_TYPES_CODE, load_all_types_module, question_kind

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 760}
DESKTOP = {"width": 1440, "height": 900}

# How wide the page is against the window, and the first few elements that stick out (for the message).
MEASURE_OVERFLOW = """() => {
  const inner = window.innerWidth;
  const scroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowX;
      if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") return true;
    }
    return false;
  };
  const outside = [...document.body.querySelectorAll("*")]
    .filter(el => el.getBoundingClientRect().right > inner + 1 && !scroller(el) && el.offsetParent !== null)
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).replace(/ /g, ".") : ""));
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: inner, outside};
}"""

# Each table in the main content: does it fit, or does a box around it scroll sideways (and does it need to)?
MEASURE_TABLES = """() => [...document.querySelectorAll("main table")]
    .filter(t => !t.closest("details:not([open])")).map(t => {
  for (let p = t.parentElement; p && p !== document.body; p = p.parentElement) {
    const overflow = getComputedStyle(p).overflowX;
    if (overflow === "auto" || overflow === "scroll") {
      return {contained: true, scrolls: p.scrollWidth > p.clientWidth + 1};
    }
  }
  return {contained: t.getBoundingClientRect().right <= window.innerWidth + 1, scrolls: false};
})"""


def assert_no_sideways_scrolling(page: Page, where: str) -> list[dict[str, bool]]:
    """The page is no wider than the window and every table fits or scrolls in its own box; returns the tables."""
    page.wait_for_load_state("load")
    measured = page.evaluate(MEASURE_OVERFLOW)
    assert measured["scrollWidth"] <= measured["innerWidth"], f"{where} scrolls sideways: {measured}"
    tables = page.evaluate(MEASURE_TABLES)
    assert all(t["contained"] for t in tables), f"{where}: a table sticks out of the page: {tables}"
    return tables


@pytest.fixture(scope="module")
def trainee_with_history(browser, live_server, server_env, tmp_path_factory) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """A trainee with a graded KBD attempt (with its review) and a PRO attempt in progress."""
    from tests.browser.conftest import flask_cli

    load_all_types_module(server_env, tmp_path_factory.mktemp("kbd"))
    email, password = f"phone-layout-{secrets.token_hex(4)}@example.org", "browser test passphrase"
    flask_cli(server_env, "quizbank", "create-user", "--email", email, "--name", "Phoebe Phone-Layout",
              "--role", "trainee", "--password", password)
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, email, password)
    page.goto(f"/trainee/modules/{ALL_TYPES_CODE}")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r"/q/1$"))
    page.goto(re.sub(r"/q/1$", "", page.url))
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url(re.compile(r"/result$"))
    result_path = page.url.removeprefix(live_server)
    page.goto("/trainee/modules/PRO")
    page.get_by_role("button", name=re.compile("Start")).click()
    page.wait_for_url(re.compile(r"/q/1$"))
    question_path = page.url.removeprefix(live_server)
    context.close()
    yield {"email": email, "password": password, "result": result_path, "question": question_path}


@pytest.fixture(params=[PHONE, DESKTOP], ids=["360px", "1440px"])
def sized_page(request, browser, live_server) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    phone = request.param is PHONE
    context = browser.new_context(base_url=live_server, viewport=request.param, is_mobile=phone, has_touch=phone)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()


def test_trainee_pages_fit_the_window(sized_page, trainee_with_history):
    page = sized_page
    sign_in(page, trainee_with_history["email"], trainee_with_history["password"])
    page.goto("/trainee/")
    assert_no_sideways_scrolling(page, "dashboard")
    page.goto(trainee_with_history["question"])
    expect(page.locator("[data-countdown]")).to_be_visible()
    assert_no_sideways_scrolling(page, "quiz question")
    page.goto(trainee_with_history["result"])
    expect(page.locator("article.review-item").first).to_be_visible()
    assert_no_sideways_scrolling(page, "review")
    page.goto("/trainee/certification")
    assert_no_sideways_scrolling(page, "certification progress")


def test_instructor_bank_list_fits_the_window_and_its_table_scrolls_in_its_box(sized_page):
    page = sized_page
    instructor = DEMO_ACCOUNTS[1]
    sign_in(page, instructor.email, instructor.password)
    page.goto("/instructor/questions")
    tables = assert_no_sideways_scrolling(page, "question bank list")
    assert tables, "the question list has no table"
    page.goto("/instructor/")
    assert_no_sideways_scrolling(page, "bank coverage")
    page.goto("/instructor/statistics/SAF")
    stats_tables = assert_no_sideways_scrolling(page, "module statistics")
    if page.viewport_size["width"] == PHONE["width"]:
        # The item table is far wider than a phone: it must scroll inside its box, not widen the page.
        assert any(t["scrolls"] for t in stats_tables)


def test_admin_dashboards_fit_the_window_and_the_certification_table_scrolls_in_its_box(sized_page):
    page = sized_page
    admin = DEMO_ACCOUNTS[0]
    sign_in(page, admin.email, admin.password)
    page.goto("/admin/")
    assert_no_sideways_scrolling(page, "administration")
    page.goto("/admin/certification")
    tables = assert_no_sideways_scrolling(page, "certification dashboard")
    assert len(tables) == 1
    if page.viewport_size["width"] == PHONE["width"]:
        assert tables[0]["scrolls"], "a requirement per column cannot fit 360 px: the table should scroll"
        # The scrolling box is a named region in the Tab order, so a keyboard can scroll it too.
        region = page.locator(".table-responsive[role=region][tabindex='0']")
        expect(region).to_have_count(1)
        expect(region).to_have_attribute("aria-label", re.compile("Trainees and their certification requirements"))
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())
    page.goto("/admin/users")
    assert_no_sideways_scrolling(page, "users")
    page.goto("/admin/audit")
    assert_no_sideways_scrolling(page, "audit log")


def test_navigation_collapses_behind_a_menu_button_on_a_phone(sized_page):
    page = sized_page
    trainee = DEMO_ACCOUNTS[2]
    sign_in(page, trainee.email, trainee.password)
    certification = page.get_by_role("navigation", name="Main").get_by_role("link", name="Certification")
    if page.viewport_size["width"] == PHONE["width"]:
        expect(certification).to_be_hidden()
        page.get_by_role("button", name="Show navigation").tap()
    expect(certification).to_be_visible()
    certification.click()
    expect(page.get_by_role("heading", name="Your certification")).to_be_visible()


def big_enough(page: Page, selector: str, minimum: int = 24) -> None:
    """Each matching control is at least `minimum` CSS px in both directions (WCAG 2.2 target size, AA)."""
    sizes = page.locator(selector).evaluate_all("els => els.map(e => [e.getBoundingClientRect().width, "
                                                "e.getBoundingClientRect().height, e.textContent.trim()])")
    assert sizes, f"nothing matches {selector}"
    small = [s for s in sizes if s[0] < minimum or s[1] < minimum]
    assert not small, f"targets smaller than {minimum} px: {small}"


def test_a_whole_quiz_taken_on_a_phone(browser, live_server, server_env, new_account, tmp_path):
    load_all_types_module(server_env, tmp_path)
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, *new_account("trainee"))
        assert_no_sideways_scrolling(page, "phone dashboard")
        page.get_by_role("link", name=re.compile(f"^{ALL_TYPES_CODE} ")).tap()
        page.get_by_role("button", name="Start the quiz").tap()
        page.wait_for_url(re.compile(r"/q/1$"))
        for position in range(1, 7):
            assert_no_sideways_scrolling(page, f"question {position}")
            expect(page.locator("progress.qb-progress")).to_have_attribute("value", str(position - 1))
            kind = question_kind(page)
            if kind in ("single", "truefalse", "multiple"):
                big_enough(page, "#answer-form .answer-option label")
                page.locator("#answer-form .answer-option label").first.tap()
                expect(page.locator("#answer-form input[name=choice]:checked")).to_have_count(1)
            elif kind == "numeric":
                page.locator("#number").tap()
                page.keyboard.type("30")
            else:
                selects = page.locator("#answer-form select")
                big_enough(page, "#answer-form select")
                for i in range(selects.count()):
                    selects.nth(i).select_option(index=i + 1)
            big_enough(page, ".attempt-nav .btn")
            following = rf"/q/{position + 1}$" if position < 6 else r"/attempts/\d+$"
            with page.expect_navigation(url=re.compile(following)):
                page.locator("#answer-form button[value=next]").tap()
        assert_no_sideways_scrolling(page, "overview")
        expect(page.get_by_text("6 of 6 answered")).to_be_visible()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Submit for grading").tap()
        page.wait_for_url(re.compile(r"/result$"))
        expect(page.locator("article.review-item")).to_have_count(6)
        assert_no_sideways_scrolling(page, "review")
    finally:
        context.close()


def test_a_review_and_a_certificate_print_without_navigation_or_buttons(page, trainee_with_history):
    """The print stylesheet: on paper a review and a certificate page keep their content and lose the chrome."""
    sign_in(page, trainee_with_history["email"], trainee_with_history["password"])
    page.goto(trainee_with_history["result"])
    expect(page.get_by_role("button", name="Print this review")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator("footer")).to_be_hidden()
    expect(page.get_by_role("button", name="Print this review")).to_be_hidden()
    expect(page.locator(".next-steps")).to_be_hidden()
    expect(page.locator("article.review-item")).to_have_count(6)
    expect(page.locator("article.review-item").first).to_be_visible()
    assert page.locator("article.review-item").first.evaluate("el => getComputedStyle(el).breakInside") == "avoid"
    expect(page.locator(".print-only")).to_contain_text(trainee_with_history["email"])

    page.emulate_media(media="screen")
    page.get_by_role("button", name="Sign out").click()
    certified = DEMO_ACCOUNTS[3]
    sign_in(page, certified.email, certified.password)
    page.goto("/trainee/certification")
    verify_path = page.get_by_role("link", name="Public verification page").first.get_attribute("href")
    page.goto(verify_path)
    expect(page.locator(".print-only")).to_be_hidden()
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print this page")).to_be_hidden()
    expect(page.locator(".verify-card")).to_be_visible()
    expect(page.locator(".print-only")).to_contain_text(verify_path)
