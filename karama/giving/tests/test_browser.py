"""In headless Chromium, on the demonstration data: an anonymous donor in Arabic gives to the Ramadan campaign
through the sandbox checkout and gets a receipt; staff pay a funded debt case's creditor and record the release."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from conftest import sign_in
from karama.giving.models import Case, CaseStatus, Donation, Entry
from karama.people.models import CustodyEpisode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _receipt_pages(pdf: bytes, name: str) -> None:
    """Keep the receipt and a picture of its first page beside the screenshots, to look at."""
    path = SCREENSHOTS / f"{name}.pdf"
    path.write_bytes(pdf)
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is missing: scripts/ensure-chromium installs it"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(path), str(SCREENSHOTS / name)], check=True
    )


def test_an_anonymous_donor_gives_in_arabic_and_staff_settle_and_release(live_server, page, screenshot):
    call_command("load_demo", verbosity=0)

    # The donor: no sign-in, Arabic.
    page.goto("/ar/giving/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.locator(".giving-campaign").first).to_be_visible()
    screenshot(page, "giving-ar-portal")
    page.locator(".giving-campaign a[href*='/campaigns/ramadan-sa/']").first.click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "giving-ar-campaign")
    page.fill("input[name=amount]", "٥٠٠")
    page.check("input[name=gift_kind][value=zakat]")
    page.check("input[name=anonymous]")
    page.locator(".giving-gift-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "/giving/sandbox/checkout/" in page.url
    screenshot(page, "giving-ar-sandbox-checkout")
    page.locator("button.sandbox-pay").click()
    page.wait_for_load_state("networkidle")
    assert "/ar/giving/thanks/" in page.url
    expect(page.locator("#gift-status h1")).to_be_visible()
    screenshot(page, "giving-ar-thanks")

    gift = Donation.objects.get(receipt_token=page.url.rstrip("/").rsplit("/", 1)[-1])
    assert gift.status == Donation.Status.PAID and gift.anonymous and gift.campaign.code == "ramadan-sa"
    assert Entry.objects.filter(donation=gift, kind=Entry.Kind.DONATION).count() == 1
    receipt = page.request.get(page.locator("a[href*='/giving/receipts/']").get_attribute("href"))
    assert receipt.ok and receipt.body().startswith(b"%PDF")
    _receipt_pages(receipt.body(), "giving-ar-receipt")
    case = Case.objects.filter(status__in=["published", "funded"], campaign__code="ramadan-sa").first()
    page.goto(f"/ar/giving/cases/{case.public_code}/")
    screenshot(page, "giving-ar-public-case")
    page.goto("/fa/giving/transparency/")
    screenshot(page, "giving-fa-transparency")
    page.goto("/fa/giving/cases/?kind=household_need")
    screenshot(page, "giving-fa-household-cases")
    page.goto("/fr/giving/priorities/")
    screenshot(page, "giving-fr-priorities")

    # Staff: the Saudi approver pays the funded case's creditor and records the release.
    funded = Case.objects.get(status=CaseStatus.FUNDED, administration__code="sa-gdp")
    sign_in(page, "giving-sa", "karama-demo", language="ar")
    page.goto("/ar/giving/manage/")
    screenshot(page, "giving-ar-staff-queues")
    page.goto(f"/ar/giving/manage/cases/{funded.public_code}/")
    page.fill("input[name=payee]", "حساب محكمة التنفيذ")
    page.fill("input[name=reference]", "TRF-2026-0091")
    proof = {"name": "transfer.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% transfer\n"}
    page.set_input_files("input[name=proof]", proof)
    screenshot(page, "giving-ar-staff-settlement-form")
    page.locator("form[action$='/settle/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    funded.refresh_from_db()
    assert funded.status == CaseStatus.SETTLED
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/release/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".giving-timeline")).to_contain_text("تسوية")
    screenshot(page, "giving-ar-staff-released")
    page.goto("/ar/giving/manage/ledger/")
    screenshot(page, "giving-ar-staff-ledger")
    funded.refresh_from_db()
    assert funded.status == CaseStatus.CLOSED
    episode = CustodyEpisode.objects.filter(person=funded.person).order_by("-admitted_on").first()
    assert episode.release_reason == "debt_settled" and episode.released_on == funded.released_on
