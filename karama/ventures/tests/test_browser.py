"""In headless Chromium, in French and then in Arabic: the Foundation's staff (partner-foundation) take a plan
from draft to handed over — the grant drawn on the Foundation's share of the agreement's budget — and record
the 3-month follow-up visit."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from conftest import sign_in
from karama.agreements.models import Agreement, Budget
from karama.core.models import Organization, Region, User
from karama.people import services as people_services
from karama.people.models import Person, PersonStatus
from karama.ventures.models import Stage, Venture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "karama-demo"
BENI_MELLAL = "MA-FM6-BENI-MELLAL"
TODAY = timezone.localdate


def _day(days_ago: int) -> str:
    return str(TODAY() - datetime.timedelta(days=days_ago))


def _released_without_the_foundation(count: int) -> list[Person]:
    """Moroccans released long enough ago, who have not consented to the Foundation yet."""
    candidates = Person.objects.filter(administration__code="ma-dgapr", status=PersonStatus.RELEASED).exclude(
        consents__organization__code="ma-fm6"
    )
    chosen = []
    for person in candidates.order_by("source_reference"):
        released = max(e.released_on for e in person.episodes.all() if e.released_on)
        if released <= TODAY() - datetime.timedelta(days=160):
            chosen.append(person)
        if len(chosen) == count:
            return chosen
    raise AssertionError("the demo has too few released Moroccans without a consent")


def _consent(person: Person, agreement: Agreement) -> None:
    people_services.record_consent(
        person=person,
        by=User.objects.get(username="admin-ma"),
        organization=Organization.objects.get(code="ma-fm6"),
        purpose="income_project",
        agreement=agreement,
        valid_from=TODAY() - datetime.timedelta(days=200),
    )


def _as(page, username: str, language: str) -> None:
    page.context.clear_cookies()
    sign_in(page, username, PASSWORD, language=language)


def _prepare(page, language: str, person: Person, agreement: Agreement, screenshot) -> Venture:
    page.goto(f"/{language}/people/{person.public_code}/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    expect(page.locator("#ventures")).to_be_visible()
    page.locator("#ventures a[href*='/ventures/new/']").click()
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=sector]", "handicrafts")
    page.fill("input[name=activity]", "Atelier de couture" if language == "fr" else "ورشة خياطة")
    page.select_option("select[name=region]", str(Region.objects.get(code="ma-beni-mellal-khenifra").pk))
    page.fill("input[name=locality]", "Béni Mellal" if language == "fr" else "بني ملال")
    page.select_option("select[name=agreement]", str(agreement.pk))
    page.fill("textarea[name=equipment_description]", "Machine à coudre, surjeteuse")
    page.fill("input[name=equipment_budget]", "7500")
    page.fill("input[name=working_capital]", "1500")
    page.fill("input[name=expected_monthly_income]", "2500")
    page.fill("input[name=prepared_on]", _day(130))
    screenshot(page, f"ventures-{language}-plan-form")
    page.click("form.plan-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    venture = Venture.objects.get(person=person)
    assert page.url.endswith(f"/ventures/{venture.public_code}/")
    return venture


def _review(page, language: str, venture: Venture, screenshot) -> None:
    page.locator("#venture .page-header form button").click()  # submit to the committee (HTMX)
    expect(page.locator("textarea[name=members]")).to_be_visible()
    page.fill("input[name=reviewed_on]", _day(120))
    page.fill("input[name=committee]", "Comité provincial de développement humain de Béni Mellal")
    page.fill("textarea[name=members]", "Division de l'action sociale (INDH)\nFondation Mohammed VI")
    page.check("input[name=decision][value=approved_with_changes]")
    page.fill("textarea[name=reasons]", "Équipement seulement ; le fonds de roulement par microcrédit.")
    page.fill("input[name=approved_amount]", "7500")
    screenshot(page, f"ventures-{language}-review")
    page.locator("#review form button[type=submit]").click()
    expect(page.locator("#review .badge.decision-approved_with_changes")).to_be_visible()
    assert Venture.objects.get(pk=venture.pk).stage == Stage.APPROVED


def _grant(page, language: str, venture: Venture, screenshot) -> None:
    page.goto(f"/{language}/ventures/{venture.public_code}/")
    share = Budget.objects.get(agreement=venture.agreement, funder__organization__code="ma-fm6")
    page.fill(f"input[name=budget_{share.pk}]", "7500")
    page.fill("input[name=granted_on]", _day(110))
    page.locator("#grant form button[type=submit]").click()
    expect(page.locator("#grant table")).to_be_visible()
    screenshot(page, f"ventures-{language}-grant")
    assert Venture.objects.get(pk=venture.pk).stage == Stage.FUNDED


def _equip_and_hand_over(page, language: str, venture: Venture, screenshot) -> None:
    page.goto(f"/{language}/ventures/{venture.public_code}/")
    for name, cost, serial in (("Machine à coudre industrielle", "5200", "JK-8809"), ("Surjeteuse", "2300", "")):
        page.fill("input[name=name]", name)
        page.fill("input[name=quantity]", "1")
        page.fill("input[name=unit_cost]", cost)
        page.fill("input[name=supplier]", "Textile Équipement")
        page.fill("input[name=serial_number]", serial)
        page.locator("#kit form.inline-form button[type=submit]").click()
        expect(page.locator("#kit tbody")).to_contain_text(name)
    page.select_option("select[name=procurement]", "delivered")
    page.locator("#kit form.venture-procurement button").click()
    expect(page.locator("#handover")).to_be_visible()
    screenshot(page, f"ventures-{language}-kit")
    page.fill("input[name=handed_over_on]", _day(100))
    page.fill("input[name=place]", "Siège de la province de Béni Mellal")
    page.fill("input[name=ceremony]", "Distribution des équipements")
    page.fill("input[name=handed_over_by]", "Le wali de la région")
    page.check("input[name=beneficiary_signed]")
    page.locator("#handover form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#follow-ups")).to_be_visible()
    assert Venture.objects.get(pk=venture.pk).stage == Stage.HANDED_OVER


def _record_the_three_month_visit(page, language: str, venture: Venture, screenshot) -> None:
    visit = venture.follow_ups.get(month_mark=3)
    page.select_option("select[name=follow_up]", str(visit.pk))
    page.fill("input[name=visited_on]", _day(0))
    page.check("input[name=state][value=struggling]")
    page.select_option("select[name=income_band]", "below_expected")
    page.fill("textarea[name=problems]", "Peu de clients pendant le ramadan.")
    page.check("input[name=help_given][value=advice]")
    screenshot(page, f"ventures-{language}-follow-up-form")
    page.locator("#follow-ups form.inline-form.stacked button[type=submit]").click()
    expect(page.locator("#follow-ups .badge.state-struggling")).to_be_visible()
    screenshot(page, f"ventures-{language}-followed-up")
    visit.refresh_from_db()
    assert visit.state == "struggling" and visit.visited_on == TODAY()
    assert Venture.objects.get(pk=venture.pk).stage == Stage.FOLLOWED_UP


def test_the_foundation_takes_a_plan_from_draft_to_handed_over_and_follows_it_in_french_and_arabic(
    transactional_db, page, screenshot
):
    call_command("load_demo", verbosity=0)
    agreement = Agreement.objects.get(reference=BENI_MELLAL)
    for language, person in zip(("fr", "ar"), _released_without_the_foundation(2), strict=True):
        _consent(person, agreement)
        _as(page, "partner-foundation", language)
        venture = _prepare(page, language, person, agreement, screenshot)
        _review(page, language, venture, screenshot)
        _grant(page, language, venture, screenshot)
        _equip_and_hand_over(page, language, venture, screenshot)
        _record_the_three_month_visit(page, language, venture, screenshot)

    # The board, the centre's work list, the agreement's section and its report, in Arabic, right to left.
    page.goto("/ar/ventures/")
    expect(page.locator(".venture-column").first).to_be_visible()
    first, last = (
        page.locator(".venture-column").first.bounding_box(),
        page.locator(".venture-column").last.bounding_box(),
    )
    assert first["x"] > last["x"]  # the pipeline reads from the right
    screenshot(page, "ventures-ar-board")
    page.goto("/ar/ventures/follow-ups/")
    screenshot(page, "ventures-ar-worklist")
    page.goto(f"/ar/agreements/{agreement.pk}/")
    expect(page.locator("#ventures")).to_be_visible()
    screenshot(page, "ventures-ar-agreement-section")
    page.goto(f"/ar/ventures/agreements/{agreement.pk}/report/")
    expect(page.locator("table.report")).to_be_visible()
    screenshot(page, "ventures-ar-report")
