"""In headless Chromium: the Mohammed VI Foundation publishes an opening in French and sees its ranked
candidates as anonymous profiles; the operator publishes one in Arabic and sees candidates by name, the
metal-sheet factory's workers and pay, and a person's work history."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from conftest import sign_in
from karama.core.models import User
from karama.people.models import Person
from karama.work.models import Opening, PayRun, Workshop
from karama.work.selectors import candidate_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "karama-demo"


def _fill_opening(page, language: str, fields: dict, selects: dict, checks=()):
    page.goto(f"/{language}/work/openings/new/")
    for name, value in selects.items():
        key, _sep, how = name.partition(":")
        page.select_option(f"select[name={key}]", **({"label": value} if how == "label" else {"value": value}))
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    for selector in checks:
        page.check(selector)


def test_publish_an_opening_and_see_ranked_candidates_anonymous_for_a_partner(transactional_db, page, screenshot):
    call_command("load_demo", verbosity=0)
    until = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()

    # The Foundation, in French: its candidates are anonymous profiles (nobody consented to share with it).
    sign_in(page, "partner-foundation", PASSWORD, language="fr")
    _fill_opening(
        page,
        "fr",
        {
            "title": "Agent de production en atelier de couture",
            "seats": "3",
            "wage_min": "2600",
            "wage_max": "3000",
            "valid_until": until,
            "contact_name": "Salma El Idrissi",
        },
        {"occupation": "75", "region:label": "Souss-Massa", "currency": "MAD"},
        ["input[name=excluded_categories][value=violence]"],
    )
    screenshot(page, "work-fr-partner-publish-form")
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("networkidle")
    opening = Opening.objects.get(title="Agent de production en atelier de couture")
    assert f"/work/openings/{opening.code}/" in page.url
    expect(page.locator("#candidates tbody tr").first).to_be_visible()
    html = page.content()
    assert "Profil anonyme" in html
    operator = User.objects.get(username="admin")
    rows = candidate_rows(operator, opening)
    assert rows, "the demo should hold candidates for a sewing job in Morocco"
    for row in rows:
        person = Person.objects.get(pk=row.profile.pk)
        assert person.family_name not in html and person.given_name + " " + person.family_name not in html
        assert person.public_code not in html
    screenshot(page, "work-fr-partner-opening-candidates")
    page.goto("/fr/work/capacity/")
    screenshot(page, "work-fr-partner-capacity")
    page.context.clear_cookies()

    # The operator, in Arabic: candidates by name with their reasons.
    sign_in(page, "admin", PASSWORD, language="ar")
    _fill_opening(
        page,
        "ar",
        {"title": "مساعد طباخ", "seats": "2", "wage_min": "280", "wage_max": "320", "valid_until": until},
        {
            "employer:label": "مخابز عمّان الحديثة",
            "administration:label": "مديرية الأمن العام – إدارة مراكز الإصلاح والتأهيل",
            "occupation": "75",
            "region:label": "محافظة العاصمة (عمّان)",
            "currency": "JOD",
        },
        ["[name=only_for_leavers]"],
    )
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "work-ar-admin-publish-form")
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("networkidle")
    opening = Opening.objects.get(title="مساعد طباخ")
    expect(page.locator("#candidates tbody tr").first).to_be_visible()
    first = candidate_rows(operator, opening)[0]
    assert first.named and first.person.full_name in page.locator("#candidates").inner_text()
    screenshot(page, "work-ar-admin-opening-candidates")

    workshop = Workshop.objects.get(names__en="Metal-sheet factory")
    page.goto(f"/ar/work/workshops/{workshop.code}/")
    expect(page.locator("#jobs tbody tr").first).to_be_visible()
    screenshot(page, "work-ar-admin-metal-sheet-factory")
    pay_run = PayRun.objects.filter(workshop=workshop, status="paid").first()
    page.goto(f"/ar/work/pay-runs/{pay_run.code}/")
    screenshot(page, "work-ar-admin-pay-run")
    worker = pay_run.lines.first().person
    page.goto(f"/ar/people/{worker.public_code}/")
    expect(page.locator("#work")).to_be_visible()
    screenshot(page, "work-ar-admin-person-work")
    page.goto("/ar/work/due/?days=90")
    screenshot(page, "work-ar-admin-due")
    page.goto("/ar/work/")
    screenshot(page, "work-ar-admin-home")
