"""In headless Chromium: an administrator works on agreements in Arabic, right to left."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _choose(select, text: str) -> None:
    """Pick the option whose label contains `text`."""
    value = select.locator("option", has_text=text).first.get_attribute("value")
    select.select_option(value)


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def test_admin_in_arabic_reads_the_souss_massa_budget_and_creates_an_agreement(demo, page, screenshot):
    sign_in(page, "admin", "karama-demo", language="ar")
    page.goto("/ar/agreements/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    # The first column of a right-to-left table starts on the right.
    first_header = page.locator("thead th").first.bounding_box()
    last_header = page.locator("thead th").last.bounding_box()
    assert first_header["x"] > last_header["x"]
    screenshot(page, "agreements-ar-list")

    # Typed without the hamza of أكادير: the search folds the spelling variants.
    page.fill("input[name=q]", "اكادير")
    expect(page.locator("#agreement-results tbody tr")).to_have_count(1)
    page.locator("#agreement-results a", has_text="أكادير").first.click()
    page.wait_for_load_state("networkidle")
    budget = page.locator("#budgets").inner_text()
    assert re.search(r"1[.,٬\s]?000[.,٬\s]?000|١[.,٬\s]?٠٠٠[.,٬\s]?٠٠٠", budget), budget
    assert "د.م." in budget or "MAD" in budget
    screenshot(page, "agreements-ar-souss-massa")

    page.goto("/ar/agreements/new/")
    _choose(page.locator("select[name=administration]"), "المديرية العامة للسجون")
    page.select_option("select[name=kind]", "mou")
    page.fill("input[name=reference]", "SA-2026-TEST")
    page.fill("input[name=name_ar]", "مذكرة تفاهم للتدريب المهني")
    page.select_option("select[name=original_language]", "ar")
    page.fill("input[name=signed_on]", "2026-01-15")
    page.check("input[name=domains][value=training]")
    screenshot(page, "agreements-ar-new-form")
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "مذكرة تفاهم للتدريب المهني" in page.locator("h1").inner_text()

    # Add a party, then a commitment, each through its HTMX row.
    party_form = page.locator("#parties form.inline-form")
    _choose(party_form.locator("select[name=organization]"), "نايف")
    party_form.locator("button[type=submit]").click()
    page.wait_for_selector("#parties td a:has-text('نايف')")
    commitment_form = page.locator("#commitments form.inline-form")
    commitment_form.locator("select[name=party]").select_option(index=1)
    commitment_form.locator("textarea[name=description]").fill("تدريب مئة نزيل على الحرف")
    commitment_form.locator("input[name=target_quantity]").fill("100")
    commitment_form.locator("select[name=unit]").select_option("people_trained")
    commitment_form.locator("button[type=submit]").click()
    page.wait_for_selector("#commitments td:has-text('تدريب مئة نزيل')")
    assert "100" in page.locator("#commitments").inner_text() or "١٠٠" in page.locator("#commitments").inner_text()
    screenshot(page, "agreements-ar-created-with-commitment")
