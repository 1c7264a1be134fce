"""In headless Chromium, in Persian: a family asks for support through the public form; the Tehran
prisoner-support association checks the family, records a need and hands over a food basket."""

import datetime

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from conftest import sign_in
from karama.core.crypto import decrypt
from karama.core.demo import demo_operator
from karama.core.models import Organization
from karama.people import services as people_services
from karama.people.models import Household
from karama.support.models import Disbursement, HouseholdNeed, SupportRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _family_not_yet_supported() -> Household:
    """A Tehran household of the demo not yet followed by the association; the prisoner consents in prison."""
    association = Organization.objects.get(code="ir-support-tehran")
    household = (
        Household.objects.filter(region__code="ir-tehran", person__administration__code="ir-prisons")
        .exclude(person__consents__organization=association)
        .exclude(support_requests__isnull=False)
        .order_by("person__source_reference")
        .first()
    )
    people_services.record_consent(
        person=household.person,
        by=demo_operator(),
        organization=association,
        purpose="family_support",
        valid_from=datetime.date.today(),
    )
    return household


def _fill_public_form(page, household: Household, screenshot) -> None:
    page.goto("/fa/support/apply/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.locator("h1")).to_have_text("حمایت از خانواده‌های زندانیان")
    page.select_option("select[name=region]", label="استان تهران")
    page.fill("input[name=contact_name]", "فاطمه رضایی")
    page.select_option("select[name=contact_relation]", "spouse")
    page.fill("input[name=contact_phone]", "۰۹۱۲ ۰۰۰ ۷۷۸۸")
    page.fill("input[name=prisoner_name]", household.person.full_name)
    page.fill("input[name=prisoner_national_id]", decrypt(household.person.national_id_encrypted))
    page.fill("input[name=household_size]", "4")
    page.fill("input[name=children]", "2")
    page.check("input[name=needs][value=rent]")
    page.check("input[name=needs][value=school]")
    page.fill("textarea[name=message]", "اجاره خانه سه ماه عقب افتاده و بچه‌ها لوازم مدرسه ندارند.")
    page.check("input[name=agree]")
    screenshot(page, "support-fa-public-form")
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("سپاسگزاریم")
    screenshot(page, "support-fa-public-thanks")


def _check_the_family(page, request: SupportRequest, screenshot) -> None:
    page.goto("/fa/support/")
    expect(page.locator("main")).to_contain_text(request.public_code)
    screenshot(page, "support-fa-association-overview")
    page.goto(f"/fa/support/requests/{request.public_code}/")
    expect(page.locator("main")).to_contain_text("۰۹۱۲ ۰۰۰ ۷۷۸۸".translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")))
    page.fill("textarea[name=note]", "با همسر مددجو در منزل دیدار شد؛ اجاره‌نامه و کارنامه فرزندان دیده شد.")
    screenshot(page, "support-fa-request-check")
    page.click("#check button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".page-header")).to_contain_text("پذیرفته شد")


def _record_need_and_handover(page, household: Household, screenshot) -> None:
    page.goto(f"/fa/support/households/{household.public_code}/")
    page.click("#needs summary")
    page.select_option("#needs select[name=kind]", "rent")
    page.select_option("#needs select[name=urgency]", "high")
    page.select_option("#needs select[name=recurrence]", "monthly")
    page.fill("#needs input[name=amount]", "۱۲۰۰۰۰۰۰۰")
    page.select_option("#needs select[name=currency]", "IRR")
    page.fill("#needs textarea[name=description]", "سه ماه اجاره معوق")
    with page.expect_response(lambda response: "/needs/" in response.url):
        page.click("#needs button[type=submit]")
    expect(page.locator("#needs tbody")).to_contain_text("اجاره‌بها")
    page.click("#packages > details summary")
    page.check("#packages input[name=given_as][value=in_kind]")
    page.fill("#packages input[name=items]", "سبد کالا: برنج ۱۰ کیلو، روغن، حبوبات")
    page.check("#packages input[name=needs]")
    page.select_option("#packages select[name=currency]", "IRR")
    page.select_option("#packages select[name=recurrence]", "monthly")
    screenshot(page, "support-fa-package-form")
    with page.expect_response(lambda response: "/packages/" in response.url):
        page.click("#packages > details button[type=submit]")
    expect(page.locator("#packages .support-package")).to_have_count(1)
    page.click("#packages .support-package summary")
    page.fill("#packages .support-package input[name=estimated_value]", "۳۰۰۰۰۰۰۰")
    page.fill("#packages .support-package input[name=reference]", "RC-5521")
    with page.expect_response(lambda response: "/disbursements/" in response.url):
        page.click("#packages .support-package details button[type=submit]")
    page.reload()
    expect(page.locator("#received tbody")).to_contain_text("RC-5521")
    screenshot(page, "support-fa-household")


def test_a_family_asks_in_persian_and_the_association_checks_it_and_hands_over_support(
    transactional_db, page, screenshot
):
    call_command("load_demo", verbosity=0)
    household = _family_not_yet_supported()

    _fill_public_form(page, household, screenshot)
    request = SupportRequest.objects.filter(channel="public_form").latest("created_at")
    assert request.association.code == "ir-support-tehran"
    assert request.status == SupportRequest.Status.RECEIVED

    sign_in(page, "partner-tehran-support", "karama-demo", language="fa")
    _check_the_family(page, request, screenshot)
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.ACCEPTED
    assert request.household == household

    _record_need_and_handover(page, household, screenshot)
    need = HouseholdNeed.objects.get(household=household)
    assert need.amount == 120_000_000 and need.currency == "IRR"
    assert need.assessing_organization.code == "ir-support-tehran"
    handover = Disbursement.objects.get(household=household)
    assert handover.status == Disbursement.Status.DISBURSED
    assert handover.estimated_value == 30_000_000

    page.goto("/fa/support/households/")
    expect(page.locator("#household-results")).to_contain_text(household.public_code)
    screenshot(page, "support-fa-households")
    page.goto("/fa/support/coverage/")
    screenshot(page, "support-fa-coverage")
    page.context.clear_cookies()

    # The administration approves the association's cash drawn on the agreement's budget.
    pending = Disbursement.objects.filter(status=Disbursement.Status.AWAITING_APPROVAL).first()
    sign_in(page, "admin", "karama-demo", language="fr")
    page.goto("/fr/support/approvals/")
    expect(page.locator("main tbody")).to_contain_text(pending.household.public_code)
    screenshot(page, "support-fr-approvals")
    page.locator(f"tr:has-text('{pending.household.public_code}') form").first.locator("button").click()
    page.wait_for_load_state("networkidle")
    pending.refresh_from_db()
    assert pending.status == Disbursement.Status.DISBURSED
    page.context.clear_cookies()

    # In Jordan, the Idmaj association sees only the families it covers, in Arabic.
    sign_in(page, "partner-idmaj", "karama-demo", language="ar")
    page.goto("/ar/support/households/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    first = page.locator("#household-results tbody a").first
    first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#received")).to_be_visible()
    screenshot(page, "support-ar-idmaj-household")
    response = page.goto(f"/ar/support/households/{household.public_code}/")
    assert response.status == 404
