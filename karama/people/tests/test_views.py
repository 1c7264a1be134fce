"""The people pages: search across spellings, forms in the user's calendar, HTMX sections, the work list."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from karama.people import services
from karama.people.models import Person
from karama.people.tests.factories import make_person


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("أحمد", "احمد"), ("إبراهيم", "ابراهيم"), ("فاطمة", "فاطمه"), ("علی", "علي"), ("عبد الله", "عبدالله")],
)
def test_search_finds_a_name_written_another_way(world, client_for, stored, typed):
    person = make_person(by=world.staff_a, facility=world.facility_a, given_name=stored, family_name="السبيعي")
    html = client_for(world.staff_a).get("/ar/people/", {"q": f"{typed} السبيعي"}).content.decode()
    assert person.public_code in html


def test_search_by_latin_transliteration_and_public_code(world, client_for):
    person = make_person(
        by=world.staff_a, facility=world.facility_a, latin_given_name="Ibrahim", latin_family_name="Al-Subaie"
    )
    client = client_for(world.staff_a)
    assert person.public_code in client.get("/en/people/", {"q": "ibrahim alsubaie"}).content.decode()
    assert person.public_code in client.get("/en/people/", {"code": person.public_code.lower()}).content.decode()


def test_htmx_search_returns_only_the_results(world, client_for):
    make_person(by=world.staff_a, facility=world.facility_a)
    response = client_for(world.staff_a).get("/en/people/", {"q": "x"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="people-results">') and "<html" not in html


def test_register_a_person_with_a_hijri_admission_date(world, client_for):
    world.staff_a.calendar = "hijri"
    world.staff_a.save()
    response = client_for(world.staff_a).post(
        "/ar/people/new/",
        {
            "given_name": "سالم",
            "family_name": "الدوسري",
            "sex": "male",
            "education_level": "primary",
            "literacy": "basic",
            "facility": world.facility_a.pk,
            "admitted_on": "١٤٤٥-٠١-٠١",
            "case_category": "financial",
            "national_id": "1234509876",
            "skills": ["72", "73"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(family_name="الدوسري")
    assert person.episodes.get().admitted_on == datetime.date(2023, 7, 19)
    assert sorted(person.skills.values_list("occupation", flat=True)) == ["72", "73"]


def test_a_bad_registration_shows_errors_and_writes_nothing(world, client_for):
    response = client_for(world.staff_a).post(
        "/en/people/new/",
        {
            "given_name": "x",
            "family_name": "y",
            "sex": "male",
            "education_level": "primary",
            "literacy": "basic",
            "facility": world.facility_a.pk,
            "admitted_on": "2024-05-01",
            "expected_release_on": "2024-04-01",
            "case_category": "financial",
        },
    )
    assert response.status_code == 200
    assert "expected release cannot be before" in response.content.decode()
    assert not Person.objects.exists()


def test_htmx_adds_a_household_member_and_returns_the_section(world, client_for):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    response = client_for(world.staff_a).post(
        f"/en/people/{person.public_code}/household/members/",
        {"relation": "child", "sex": "female", "birth_year": "2015", "schooling": "in_school", "dependent": "on"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="household">')
    assert "In school" in html
    assert Person.objects.get(pk=person.pk).household.members.count() == 1


def test_a_member_born_in_the_future_is_refused(world, client_for):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    response = client_for(world.staff_a).post(
        f"/en/people/{person.public_code}/household/members/",
        {"relation": "child", "birth_year": "2099"},
        HTTP_HX_REQUEST="true",
    )
    assert 'class="form-errors"' in response.content.decode()
    assert not hasattr(Person.objects.get(pk=person.pk), "household")


def test_record_an_assessment_and_build_the_plan(world, client_for):
    person = make_person(by=world.staff_a, facility=world.facility_a, expected_release_on=datetime.date(2027, 1, 1))
    client = client_for(world.staff_a)
    client.post(
        f"/en/people/{person.public_code}/assessments/",
        {
            "assessed_on": "2024-02-01",
            "level_finances": "high",
            "notes_finances": "rent debt",
            "needs": ["finances:debt_settlement", "identity:national_id_card"],
            "recommended_paths": ["debt_release"],
        },
    )
    client.post(f"/en/people/{person.public_code}/plan/")
    html = client.get(f"/en/people/{person.public_code}/").content.decode()
    assert "Settling debts" in html and "National identity card" in html
    assert "Transport on release day" in html and "Pre-release review" in html


def test_the_release_work_list_shows_who_is_due_with_assessment_and_plan(world, client_for):
    today = timezone.localdate()
    soon = make_person(
        by=world.staff_a,
        facility=world.facility_a,
        family_name="القريب",
        expected_release_on=today + datetime.timedelta(days=20),
    )
    make_person(
        by=world.staff_a,
        facility=world.facility_a,
        family_name="البعيد",
        expected_release_on=today + datetime.timedelta(days=400),
    )
    services.create_plan(person=soon, by=world.staff_a)
    html = client_for(world.staff_a).get("/en/people/release-worklist/unaizah/").content.decode()
    assert "القريب" in html and "البعيد" not in html
    assert "Plan in place" in html and "Not assessed" in html


def test_work_list_comes_a_page_at_a_time_soonest_first(world, client_for, monkeypatch):
    from karama.people import views

    monkeypatch.setattr(views, "WORKLIST_PAGE_SIZE", 2)
    today = timezone.localdate()
    for days, name in ((30, "الثالث"), (10, "الأول"), (20, "الثاني")):
        make_person(
            by=world.staff_a,
            facility=world.facility_a,
            family_name=name,
            expected_release_on=today + datetime.timedelta(days=days),
        )
    client = client_for(world.staff_a)
    first = client.get("/en/people/release-worklist/unaizah/").content.decode()
    assert first.index("الأول") < first.index("الثاني") and "الثالث" not in first
    assert "3 people due" in first and "Page 1 of 2" in first
    second = client.get("/en/people/release-worklist/unaizah/?page=2").content.decode()
    assert "الثالث" in second and "الأول" not in second


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_list_detail_and_work_list_query_counts_do_not_grow_with_the_data(world, client_for):
    today = timezone.localdate()
    client = client_for(world.staff_a)
    first = make_person(
        by=world.staff_a, facility=world.facility_a, expected_release_on=today + datetime.timedelta(days=30)
    )
    services.create_plan(person=first, by=world.staff_a)
    counts_small = [
        _queries(client, u)
        for u in ("/en/people/", f"/en/people/{first.public_code}/", "/en/people/release-worklist/unaizah/")
    ]
    for _ in range(6):
        other = make_person(
            by=world.staff_a, facility=world.facility_a, expected_release_on=today + datetime.timedelta(days=40)
        )
        services.create_plan(person=other, by=world.staff_a)
    for index in range(4):
        services.add_note(person=first, by=world.staff_a, text=f"note {index}")
        services.transfer(
            person=first,
            by=world.admin_sa,
            to_facility=world.facility_b if index % 2 == 0 else world.facility_a,
            on=datetime.date(2024, 2, 1 + index),
        )
    counts_large = [
        _queries(client, u)
        for u in ("/en/people/", f"/en/people/{first.public_code}/", "/en/people/release-worklist/unaizah/")
    ]
    assert counts_large == counts_small


def test_other_apps_add_sections_shown_only_to_readers_of_the_required_section(world, client_for, settings, tmp_path):
    from karama.people import sections

    (tmp_path / "extra.html").write_text('<section id="extra">{{ data.label }}</section>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]}]
    person = make_person(by=world.staff_a, facility=world.facility_a)
    services.record_consent(
        person=person,
        by=world.staff_a,
        organization=world.university,
        purpose="visits",
        valid_from=datetime.date(2024, 1, 1),
    )
    saved = dict(sections._sections)
    sections.register_person_section(
        sections.PersonSection(
            key="extra",
            template="extra.html",
            requires="skills",
            context=lambda user, p: {"label": f"Trained {p.public_code}"},
        )
    )
    try:
        staff_html = client_for(world.staff_a).get(f"/en/people/{person.public_code}/").content.decode()
        partner_html = client_for(world.partner_university).get(f"/en/people/{person.public_code}/").content.decode()
    finally:
        sections._sections.clear()
        sections._sections.update(saved)
    assert f"Trained {person.public_code}" in staff_html
    assert 'id="extra"' not in partner_html
