"""The statistics page renders its charts (as images, beside their data tables) in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from quizbank.services.demo import DEMO_ACCOUNTS
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_statistics_page_shows_three_rendered_charts_with_tables(page):
    instructor = DEMO_ACCOUNTS[1]
    sign_in(page, instructor.email, instructor.password)
    page.get_by_role("link", name="Statistics").click()
    page.get_by_role("link", name="SAF · Safety, infection control and adverse events").click()
    expect(page.get_by_text("KR-20 / alpha")).to_be_visible()
    charts = page.locator("figure img")
    expect(charts).to_have_count(3)
    for i in range(3):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
        assert chart.get_attribute("alt")
    expect(page.locator("table caption", has_text="Score distribution")).to_be_visible()
    expect(page.locator("table.item-table tbody tr").first).to_be_visible()
