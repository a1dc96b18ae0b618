"""An admin finds an expiring trainee on the dashboard, revokes the certificate; the public page shows it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from quizbank.services.demo import DEMO_ACCOUNTS
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_admin_finds_an_expiring_trainee_and_revokes_then_the_public_page_says_revoked(page):
    admin = DEMO_ACCOUNTS[0]
    sign_in(page, admin.email, admin.password)
    page.get_by_role("link", name="Certification").click()
    page.get_by_label("Expiring within (days)").fill("60")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"expiring=60"))
    rows = page.locator("table.cert-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("expiring")
    rows.first.get_by_role("link", name="Tess Trainee").click()

    public_link = page.get_by_role("link", name="Public page").first
    verify_url = public_link.get_attribute("href")
    page.get_by_role("link", name="Revoke").click()
    page.get_by_label("Reason").fill("Needled without consent: board decision 2026-11")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text(re.compile("revoke recorded"))).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto(verify_url)
    expect(page.get_by_role("heading", name="Tess Trainee")).to_be_visible()
    assert page.locator("[data-status]").get_attribute("data-status") == "revoked"
    expect(page.get_by_text("Revoked")).to_be_visible()
    assert "consent" not in page.content()
