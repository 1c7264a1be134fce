"""In headless Chromium: facility staff find a person by a variant spelling in Persian and Arabic;
a partner association sees only the people who consented."""

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from conftest import sign_in
from karama.core.models import User
from karama.people.models import Person
from karama.people.selectors import people_visible_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Written one way in the record, typed another way in the search box.
VARIANTS = {"أ": "ا", "إ": "ا", "ة": "ه", "ى": "ي"}


def _variant(name: str) -> str:
    return "".join(VARIANTS.get(ch, ch) for ch in name)


def _person_with_a_variant_spelling(facility_code: str) -> Person:
    people = Person.objects.filter(facility__code=facility_code).order_by("pk")
    return next(p for p in people if _variant(p.given_name) != p.given_name)


def _search_and_open(page, language: str, person: Person, screenshot):
    page.goto(f"/{language}/people/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    typed = f"{_variant(person.given_name)} {person.family_name}"
    page.fill("input[name=q]", typed)
    expect(page.locator("#people-results")).to_contain_text(person.public_code)
    screenshot(page, f"people-{language}-search-variant")
    page.locator(f"#people-results tr:has-text('{person.public_code}') a").first.click()
    page.wait_for_load_state("networkidle")
    assert person.public_code in page.locator(".page-header").inner_text()
    expect(page.locator("#custody")).to_be_visible()
    screenshot(page, f"people-{language}-person")


def _add_a_photo(page, folder, screenshot):
    picture = folder / "face.jpg"
    Image.new("RGB", (600, 800), (90, 120, 160)).save(picture)
    page.locator("#identity details summary").click()
    page.set_input_files("#photo-file", str(picture))
    page.locator("#photo-form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    photo = page.locator("img.person-photo")
    expect(photo).to_be_visible()
    assert photo.evaluate("image => image.naturalWidth") == 600
    screenshot(page, "people-fa-person-photo")


def test_staff_find_a_person_by_a_variant_spelling_and_a_partner_sees_only_consenting_people(
    transactional_db, page, screenshot, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    call_command("load_demo", verbosity=0)
    person = _person_with_a_variant_spelling("sa-unaizah-reformatory")

    sign_in(page, "staff-unaizah", "karama-demo", language="fa")
    _search_and_open(page, "fa", person, screenshot)
    _add_a_photo(page, tmp_path, screenshot)
    _search_and_open(page, "ar", person, screenshot)
    page.goto("/ar/people/release-worklist/sa-unaizah-reformatory/")
    expect(page.locator("tbody tr").first).to_be_visible()
    screenshot(page, "people-ar-release-worklist")
    page.context.clear_cookies()

    partner = User.objects.get(username="partner-idmaj")
    consenting = set(people_visible_to(partner).values_list("public_code", flat=True))
    jordanians = Person.objects.filter(administration=partner.organization.administration)
    assert 0 < len(consenting) < jordanians.count()
    outsider = jordanians.exclude(public_code__in=consenting).first()

    sign_in(page, "partner-idmaj", "karama-demo", language="ar")
    page.goto("/ar/people/")
    codes = set(page.locator("#people-results code").all_inner_texts())
    assert codes and codes <= consenting
    assert outsider.public_code not in codes
    screenshot(page, "people-ar-partner-idmaj-list")
    response = page.goto(f"/ar/people/{outsider.public_code}/")
    assert response.status == 404
    page.goto(f"/ar/people/{sorted(consenting)[0]}/")
    html = page.content()
    assert "national-id" not in html  # partners never see the national ID, not even masked
    screenshot(page, "people-ar-partner-idmaj-person")
