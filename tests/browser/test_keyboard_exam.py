"""A whole exam taken with the keyboard alone: every question type, moving, flagging, submitting, with focus seen.

The module KBD holds one question of each of the six types, and a form draws all six, so every attempt meets
every type (in a shuffled order). Other browser tests (accessibility, phone layout, countdown) reuse it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import flask_cli, sign_in

pytestmark = pytest.mark.browser

ALL_TYPES_MODULE = """
module: {code: KBD, title: Keyboard and screen-reader module, description: One question of every type.,
         pass_mark: 50, form_length: 6, time_limit_minutes: 10, attempts_allowed: 20, wait_hours: 0,
         review_policy: after_attempt, require_all_critical: false, competency_min_percent: 0,
         blueprint: {KBD-01: 6}}
competencies: {KBD-01: Taking an exam without a mouse}
questions:
  - id: KBD-0001
    competency: KBD-01
    type: single
    stem: Which tissue layer lies immediately superficial to the parietal pleura in the thoracic wall?
    options:
      - {text: Endothoracic fascia, correct: true}
      - {text: Thoracolumbar fascia}
      - {text: Visceral pleura}
      - {text: Clavipectoral fascia}
    explanation: The endothoracic fascia separates the parietal pleura from the ribs and intercostal muscles.
    references: ["Standring S (ed). 2020. Gray's Anatomy, 42nd ed. Elsevier."]
  - id: KBD-0002
    competency: KBD-01
    type: multiple
    scoring: partial
    stem: Which of these belong in a record of a needling session? Select all that apply.
    options:
      - {text: The muscles needled, correct: true}
      - {text: The patient's consent, correct: true}
      - {text: Any adverse event, correct: true}
      - {text: The clinician's favourite music}
    explanation: A record states what was done, with what consent, and what happened.
    references: ["Physiotherapy Alberta. 2017. Dry needling competency profile."]
  - id: KBD-0003
    competency: KBD-01
    type: truefalse
    answer: false
    stem: Filiform needles used for dry needling are hollow, like hypodermic needles.
    explanation: They are solid; nothing is injected.
    references: ["APTA. 2012. Description of dry needling in clinical practice."]
  - id: KBD-0004
    competency: KBD-01
    type: ordering
    stem: Put the steps of a clean needling procedure in order.
    steps: [Perform hand hygiene, Clean the skin, Insert the needle, Dispose of the needle in a sharps container]
    explanation: Hands first, then the skin, then the needle, which goes straight into the sharps container.
    references: ["Canadian Standards Association. 2016. Clean needle technique guidance."]
  - id: KBD-0005
    competency: KBD-01
    type: matching
    stem: Match each nerve with the site where a needle meets it most easily.
    pairs:
      - {left: Radial nerve, right: Spiral groove of the humerus}
      - {left: Ulnar nerve, right: Behind the medial epicondyle}
      - {left: Median nerve, right: Carpal tunnel}
    explanation: These are the classic superficial courses of the three nerves.
    references: ["Standring S (ed). 2020. Gray's Anatomy, 42nd ed. Elsevier."]
  - id: KBD-0006
    competency: KBD-01
    type: numeric
    answer: 30
    tolerance: 0
    unit: mm
    stem: A needle of what length in millimetres is the shortest standard length in the catalogue used here?
    explanation: The catalogue's shortest needle is 30 mm.
    references: ["Local catalogue 2026."]
"""

ALL_TYPES_CODE = "KBD"
QUESTION_URL = re.compile(r"/trainee/attempts/\d+/q/(\d+)$")


def load_all_types_module(server_env: dict[str, str], folder: Path) -> None:
    """Loads KBD into the live server's database (idempotent: a second load changes nothing)."""
    bank = folder / "kbd.yaml"
    bank.write_text(ALL_TYPES_MODULE)
    flask_cli(server_env, "quizbank", "load-banks", str(bank))


def question_kind(page: Page) -> str:
    """Which of the six types the shown question is, from its inputs (the page never shows the type)."""
    if page.locator("#answer-form input[name=choice][type=radio]").count():
        return "truefalse" if page.locator("#answer-form input[name=choice]").count() == 2 else "single"
    if page.locator("#answer-form input[name=choice][type=checkbox]").count():
        return "multiple"
    if page.locator("#answer-form input[name=number]").count():
        return "numeric"
    if page.locator("#answer-form select[name^=pos_]").count():
        return "ordering"
    return "matching"


def current_position(page: Page) -> int:
    match = QUESTION_URL.search(page.url)
    assert match, f"not on a question page: {page.url}"
    return int(match.group(1))


def focused(page: Page) -> dict[str, str]:
    """The focused element's tag, type, name, id and computed outline."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return {tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", id: el.id || "",
                outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth, text: el.textContent.trim()};
    }""")


def assert_focus_is_visible(page: Page) -> None:
    """Keyboard focus must draw an outline of at least 2 px (the app's :focus-visible rule gives 3 px)."""
    state = focused(page)
    assert state["tag"] != "body", "nothing has focus"
    assert state["outlineStyle"] not in ("none", ""), f"no focus outline on {state}"
    assert float(state["outlineWidth"].removesuffix("px")) >= 2, f"focus outline too thin on {state}"


def tab_to(page: Page, selector: str, limit: int = 60, backwards: bool = False) -> None:
    """Presses Tab (or Shift+Tab) until the element matching `selector` has focus, checking focus on the way."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            assert_focus_is_visible(page)
            return
    raise AssertionError(f"{key} never reached {selector}; focus is on {focused(page)}")


def press_shortcut(page: Page, key: str, url: re.Pattern[str]) -> None:
    """A one-letter shortcut that submits the answer form, then waits for the page it leads to."""
    with page.expect_navigation(url=url):
        page.keyboard.press(key)


def answer_with_keyboard(page: Page, kind: str) -> None:
    """Answers the shown question with Tab, Space, arrow keys and typing only."""
    if kind in ("single", "truefalse"):
        # A radio group is one Tab stop; the arrow keys move the choice, and moving it checks it.
        tab_to(page, "#answer-form input[name=choice]")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        expect(page.locator("#answer-form input[name=choice]:checked")).to_have_count(1)
    elif kind == "multiple":
        tab_to(page, "#answer-form input[name=choice]")
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        assert_focus_is_visible(page)
        page.keyboard.press("Space")
        expect(page.locator("#answer-form input[name=choice]:checked")).to_have_count(2)
    elif kind == "numeric":
        tab_to(page, "#answer-form input[name=number]")
        page.keyboard.type("30")
        expect(page.locator("#number")).to_have_value("30")
    else:
        # Ordering and matching: each select takes the next value with ArrowDown (distinct places for ordering).
        selects = page.locator("#answer-form select")
        tab_to(page, "#answer-form select")
        for index in range(selects.count()):
            for _ in range(index + 1):
                page.keyboard.press("ArrowDown")
            if index < selects.count() - 1:
                page.keyboard.press("Tab")
                assert_focus_is_visible(page)
        values = [selects.nth(i).input_value() for i in range(selects.count())]
        assert all(values), f"a select was left empty: {values}"
    # Leave the answer field (a number field swallows letters), so that a shortcut works next.
    tab_to(page, "#flagged")


def test_a_whole_exam_taken_with_the_keyboard_alone(page: Page, server_env, new_account, tmp_path):
    load_all_types_module(server_env, tmp_path)
    sign_in(page, *new_account("trainee"))
    page.goto(f"/trainee/modules/{ALL_TYPES_CODE}")

    # The skip link is the first Tab stop and lands on the main content.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    assert_focus_is_visible(page)
    expect(page.get_by_role("link", name="Skip to main content")).to_be_visible()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    tab_to(page, "form[action$='/start'] button")
    with page.expect_navigation(url=QUESTION_URL):
        page.keyboard.press("Enter")

    # The shortcuts are shown on the page itself.
    help_text = page.locator(".shortcut-help")
    expect(help_text).to_be_visible()
    for key in ("N", "P", "F", "O"):
        expect(help_text.locator("kbd", has_text=re.compile(rf"^{key}$"))).to_be_visible()

    seen: dict[int, str] = {}
    flagged_position = 0
    while True:
        position = current_position(page)
        kind = question_kind(page)
        seen[position] = kind
        answer_with_keyboard(page, kind)
        if position == 2:
            page.keyboard.press("f")  # F toggles the flag of this question
            expect(page.locator("#flagged")).to_be_checked()
            flagged_position = position
        if position == 3:
            # P goes back one question and keeps what was answered on this one; N comes back.
            press_shortcut(page, "p", re.compile(r"/q/2$"))
            expect(page.locator("#flagged")).to_be_checked()
            tab_to(page, "#flagged")
            press_shortcut(page, "n", re.compile(r"/q/3$"))
        if position < 6:
            press_shortcut(page, "n", re.compile(rf"/q/{position + 1}$"))
        else:
            # On the last question the Next button saves and opens the overview, reached here with Shift+Tab.
            tab_to(page, "button[value=next]")
            tab_to(page, "#flagged", backwards=True)
            tab_to(page, "button[value=next]")
            with page.expect_navigation(url=re.compile(r"/trainee/attempts/\d+$")):
                page.keyboard.press("Enter")
            break

    assert sorted(seen.values()) == sorted(["single", "multiple", "truefalse", "ordering", "matching", "numeric"])
    expect(page.get_by_text("6 of 6 answered, 1 flagged for review")).to_be_visible()
    expect(page.locator(".overview-list li").nth(flagged_position - 1)).to_contain_text("flagged")

    # O from a question opens this overview too; from the overview, S submits after the confirmation.
    tab_to(page, ".overview-list a")
    with page.expect_navigation(url=QUESTION_URL):
        page.keyboard.press("Enter")
    tab_to(page, "#flagged")
    press_shortcut(page, "o", re.compile(r"/trainee/attempts/\d+$"))
    expect(page.locator(".shortcut-help kbd", has_text=re.compile("^S$"))).to_be_visible()

    # Submitting asks first: declined, nothing is sent; accepted, the attempt is graded.
    dialogs: list[str] = []

    def decline(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.dismiss()

    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.once("dialog", decline)
    page.keyboard.press("s")
    page.wait_for_timeout(300)  # a submitted form would have sent its request by now
    assert len(dialogs) == 1 and "cannot change your answers" in dialogs[0]
    assert posts == [], f"declining still sent {posts}"
    expect(page.get_by_role("button", name="Submit for grading")).to_be_visible()

    def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation(url=re.compile(r"/result$")):
        page.keyboard.press("s")
    assert len(dialogs) == 2
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    assert page.locator("article.review-item").count() == 6
    # Every answer given by keyboard reached the server: nothing is reported as unanswered.
    expect(page.get_by_text("(no answer)")).to_have_count(0)
    # single 1 + multiple 2 + true/false 1 + matching 3 chosen options, each marked as the trainee's.
    expect(page.locator(".review-choices .badge", has_text="your answer")).to_have_count(7)
