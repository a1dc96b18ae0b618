"""One instructor writes a question, a second approves it, and a trainee meets it in a quiz."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import flask_cli, sign_in

pytestmark = pytest.mark.browser

# A module whose blueprint draws 3 items of BRW-01 while its file holds only 2: it cannot be taken
# until a third is published, and then every form contains the new question.
SMALL_MODULE = """
module: {code: BRW, title: Browser module, description: For the end-to-end test., pass_mark: 50, form_length: 3,
         time_limit_minutes: 10, attempts_allowed: 3, wait_hours: 0, review_policy: after_attempt,
         require_all_critical: false, competency_min_percent: 0, blueprint: {BRW-01: 3}}
competencies: {BRW-01: Browser competency}
questions:
  - {id: BRW-0001, competency: BRW-01, type: truefalse, answer: true,
     stem: The sky over Vancouver is often grey in November., explanation: It rains a lot.,
     references: [Local knowledge 2026.]}
  - {id: BRW-0002, competency: BRW-01, type: truefalse, answer: false,
     stem: Filiform needles used for dry needling are hollow., explanation: They are solid.,
     references: ["APTA. 2012. Description of dry needling in clinical practice."]}
"""
STEM = "Which layer does a needle cross last before it reaches the visceral pleura?"


def test_instructor_writes_second_instructor_approves_trainee_meets_it(page, new_account, server_env, tmp_path):
    bank = tmp_path / "brw.yaml"
    bank.write_text(SMALL_MODULE)
    flask_cli(server_env, "quizbank", "load-banks", str(bank))
    author, reviewer, trainee = new_account("instructor"), new_account("instructor"), new_account("trainee")

    sign_in(page, *author)
    page.get_by_role("link", name="Questions").click()
    page.get_by_role("link", name="New question").click()
    page.get_by_label("Competency").select_option("BRW-01")
    page.get_by_label("Question type").select_option("single")
    page.get_by_label("Stem").fill(STEM)
    for i, text in enumerate(["Parietal pleura", "Endothoracic fascia", "Intercostal muscle", "Skin"]):
        page.get_by_placeholder(f"Option {i + 1}", exact=True).fill(text)
    page.locator("#options-0-correct").check()
    page.get_by_label("Explanation").fill("The parietal pleura is the last layer before the pleural space.")
    page.get_by_label("References").fill("Standring S (ed). 2020. Gray's Anatomy, 42nd ed. Elsevier.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(re.compile("Draft BRW-0003 saved"))).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Waiting for another instructor")).to_be_visible()
    question_url = page.url
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, *trainee)
    page.goto("/trainee/modules/BRW")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_text(re.compile("cannot be taken yet"))).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, *reviewer)
    page.goto(question_url)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text(re.compile("Published")).first).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, *trainee)
    page.goto("/trainee/modules/BRW")
    page.get_by_role("button", name="Start the quiz").click()
    stems = []
    for position in (1, 2, 3):
        page.goto(re.sub(r"/q/\d+$", f"/q/{position}", page.url))
        stems.append(page.locator(".stem").inner_text())
    assert any(STEM in s for s in stems)
