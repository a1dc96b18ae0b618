"""An admin finds an expiring trainee on the dashboard, revokes the certificate; the public page shows it."""

from __future__ import annotations

import re

import pytest

from quizbank.services.demo import DEMO_ACCOUNTS
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_admin_finds_an_expiring_trainee_and_revokes_then_the_public_page_says_revoked(page):
    admin = DEMO_ACCOUNTS[0]
    sign_in(page, admin.email, admin.password)
    page.get_by_role("link", name="Certification").click()
    page.get_by_label("Expiring within (days)").fill("60")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.cert-table tbody tr")
    assert rows.count() == 1
    assert "expiring" in rows.first.inner_text()
    rows.first.get_by_role("link", name="Tess Trainee").click()

    public_link = page.get_by_role("link", name="Public page").first
    verify_url = public_link.get_attribute("href")
    page.get_by_role("link", name="Revoke").click()
    page.get_by_label("Reason").fill("Needled without consent: board decision 2026-11")
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_text(re.compile("revoke recorded")).is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto(verify_url)
    assert page.get_by_role("heading", name="Tess Trainee").is_visible()
    assert page.locator("[data-status]").get_attribute("data-status") == "revoked"
    assert page.get_by_text("Revoked").is_visible()
    assert "consent" not in page.content()
