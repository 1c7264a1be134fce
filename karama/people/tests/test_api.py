"""The people API: the same scoping and field rules as the pages, outsiders get 404 and learn nothing,
bad input writes nothing, every read is logged, and query counts do not grow with the record."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from karama.agreements import services as agreement_services
from karama.people import services
from karama.people.catalogues import NEEDS
from karama.people.models import (
    AccessAction,
    AccessLog,
    CaseNote,
    Consent,
    CustodyEpisode,
    Household,
    HouseholdMember,
    Person,
    PersonNeed,
    StatusChange,
)

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
NATIONAL_ID = "1098765432"
GIVEN, FAMILY = "Zubayr", "Qahtaniyyun"


def _register(world, by=None, facility=None, **fields):
    values = {
        "given_name": GIVEN,
        "family_name": FAMILY,
        "latin_given_name": GIVEN,
        "sex": "male",
        "birth_date": datetime.date(1990, 5, 4),
        "nationality": "SA",
        "education_level": "primary",
        "literacy": "literate",
        "admitted_on": datetime.date(2023, 1, 10),
        "expected_release_on": TODAY + datetime.timedelta(days=60),
        "case_category": "financial",
        "national_id": NATIONAL_ID,
        "skills": ["72"],
    }
    values.update(fields)
    return services.register_person(by=by or world.staff_a, facility=facility or world.facility_a, **values)


def _consent(world, person, purpose="training", by=None, **fields):
    values = {"valid_from": YESTERDAY}
    values.update(fields)
    return services.record_consent(
        person=person, by=by or world.staff_a, organization=world.university, purpose=purpose, **values
    )


def _household(world, person):
    household = services.save_household(
        person=person,
        by=world.staff_a,
        contact_name="Umm Zubayr",
        contact_relation="mother",
        contact_phone="0551234567",
    )
    services.add_household_member(person=person, by=world.staff_a, relation="child", birth_year=2015)
    return household


def _send(client, method, url, data=None):
    return getattr(client, method)(url, data, content_type="application/json")


def _url(person, rest=""):
    return f"/api/v1/people/{person.public_code}/{rest}"


def _counts():
    return (
        Person.objects.count(),
        CustodyEpisode.objects.count(),
        StatusChange.objects.count(),
        Consent.objects.count(),
        CaseNote.objects.count(),
        HouseholdMember.objects.count(),
    )


# Scoping ------------------------------------------------------------------------------------------------

RECORD_READS = [
    "",
    "episodes/",
    "household/",
    "consents/",
    "assessments/",
    "needs/",
    "plan/",
    "notes/",
]


@pytest.fixture
def full_record(world):
    """A person of facility A with every section filled in."""
    person = _register(world)
    _household(world, person)
    services.record_assessment(
        person=person,
        by=world.staff_a,
        assessed_on=YESTERDAY,
        ratings={"education": ("high", "reads slowly")},
        needs=[("education", "literacy")],
    )
    services.create_plan(person=person, by=world.staff_a)
    services.add_note(person=person, by=world.staff_a, text="Internal remark", visibility="internal")
    return person


def _assert_not_found_and_silent(response, person):
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    body = response.content.decode()
    for secret in (GIVEN, FAMILY, NATIONAL_ID, person.public_code):
        assert secret not in body


@pytest.mark.parametrize(
    "persona", ["staff_b", "partner_university", "partner_outsider", "admin_ma", "donor", "researcher"]
)
@pytest.mark.parametrize("rest", RECORD_READS)
def test_outsiders_get_404_for_every_part_of_the_record(world, client_for, full_record, persona, rest):
    response = client_for(getattr(world, persona)).get(_url(full_record, rest))
    _assert_not_found_and_silent(response, full_record)


@pytest.mark.parametrize("persona", ["staff_b", "partner_university", "admin_ma", "donor"])
def test_outsiders_cannot_write_or_reveal_and_nothing_is_written(world, client_for, full_record, persona):
    client = client_for(getattr(world, persona))
    before = _counts()
    attempts = [
        ("post", "national-id/reveal/", None),
        ("patch", "", {"given_name": "Changed"}),
        ("post", "notes/", {"text": "hello", "visibility": "shared"}),
        ("post", "releases/", {"on": str(TODAY), "reason": "pardon"}),
        ("post", "household/members/", {"relation": "child"}),
        ("post", "consents/", {"organization": "nauss", "purpose": "training", "valid_from": str(TODAY)}),
    ]
    for method, rest, data in attempts:
        _assert_not_found_and_silent(_send(client, method, _url(full_record, rest), data), full_record)
    assert _counts() == before
    assert not AccessLog.objects.filter(action=AccessAction.REVEAL_NATIONAL_ID).exists()


def test_anonymous_callers_are_asked_to_sign_in_and_learn_nothing(world, client, full_record):
    for url in ("/api/v1/people/", _url(full_record)):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
        assert GIVEN not in response.content.decode()


def test_partner_without_consent_gets_404(world, client_for):
    person = _register(world)
    _assert_not_found_and_silent(client_for(world.partner_university).get(_url(person)), person)


def test_partner_with_consent_reads_the_record(world, client_for):
    person = _register(world)
    _consent(world, person)
    response = client_for(world.partner_university).get(_url(person))
    assert response.status_code == 200
    assert response.json()["given_name"] == GIVEN


def test_partner_loses_the_record_when_consent_is_revoked(world, client_for):
    person = _register(world)
    consent = _consent(world, person)
    client = client_for(world.partner_university)
    assert client.get(_url(person)).status_code == 200
    services.revoke_consent(consent=consent, by=world.staff_a)
    _assert_not_found_and_silent(client.get(_url(person)), person)


def test_revocation_through_the_api_takes_effect_at_once(world, client_for):
    person = _register(world)
    consent = _consent(world, person)
    response = client_for(world.staff_a).post(_url(person, f"consents/{consent.pk}/revoke/"))
    assert response.status_code == 200
    assert response.json()["revoked_at"]
    _assert_not_found_and_silent(client_for(world.partner_university).get(_url(person)), person)


@pytest.mark.parametrize("end", ["terminated", "expired", "past_end_date"])
def test_consent_under_an_ended_agreement_opens_nothing(world, client_for, end):
    person = _register(world)
    agreement = agreement_services.change_agreement_status(agreement=world.mou_sa, status="active", by=world.admin_sa)
    _consent(world, person, agreement=agreement)
    client = client_for(world.partner_university)
    assert client.get(_url(person)).status_code == 200
    if end == "past_end_date":
        agreement_services.update_agreement(agreement=agreement, by=world.admin_sa, ends_on=YESTERDAY)
    else:
        agreement_services.change_agreement_status(agreement=agreement, status=end, by=world.admin_sa)
    _assert_not_found_and_silent(client.get(_url(person)), person)


def test_consent_under_a_draft_agreement_opens_nothing(world, client_for):
    person = _register(world)
    _consent(world, person, agreement=world.mou_sa)
    _assert_not_found_and_silent(client_for(world.partner_university).get(_url(person)), person)


def test_consent_past_its_end_date_opens_nothing(world, client_for):
    person = _register(world)
    _consent(world, person, valid_from=datetime.date(2020, 1, 1), valid_until=datetime.date(2021, 1, 1))
    _assert_not_found_and_silent(client_for(world.partner_university).get(_url(person)), person)


def test_research_consent_opens_nothing(world, client_for):
    person = _register(world)
    _consent(world, person, purpose="research")
    client = client_for(world.partner_university)
    _assert_not_found_and_silent(client.get(_url(person)), person)
    assert client.get("/api/v1/people/").json()["count"] == 0


def test_partner_list_holds_only_consenting_people(world, client_for):
    consenting = _register(world)
    _register(world, given_name="Other", family_name="Person", national_id="2222233333")
    _consent(world, consenting)
    body = client_for(world.partner_university).get("/api/v1/people/").json()
    assert [item["public_code"] for item in body["items"]] == [consenting.public_code]


def test_list_items_are_summaries_without_national_ids(world, client_for):
    _register(world)
    body = client_for(world.staff_a).get("/api/v1/people/").json()
    assert body["count"] == 1
    assert set(body["items"][0]) == {
        "public_code",
        "given_name",
        "father_name",
        "family_name",
        "latin_given_name",
        "latin_family_name",
        "sex",
        "status",
        "facility",
    }
    assert body["items"][0]["facility"] == "unaizah"
    assert NATIONAL_ID not in str(body)


def test_other_facility_staff_see_an_empty_list(world, client_for):
    _register(world)
    assert client_for(world.staff_b).get("/api/v1/people/").json()["count"] == 0


@pytest.mark.parametrize("persona", ["donor", "researcher"])
def test_donors_and_researchers_have_no_people_list(world, client_for, persona):
    _register(world)
    assert client_for(getattr(world, persona)).get("/api/v1/people/").status_code == 404


def test_list_filters_by_name_variant_status_facility_code_and_release(world, client_for):
    person = _register(world, given_name="أحمد", family_name="العتيبي")
    _register(world, given_name="Other", family_name="Person", national_id="2222233333")
    client = client_for(world.admin_sa)

    def codes(query: str) -> list[str]:
        return [item["public_code"] for item in client.get(f"/api/v1/people/?{query}").json()["items"]]

    assert codes("q=احمد عتيبي") == [person.public_code]
    assert codes("facility=riyadh") == []
    assert len(codes("status=in_custody&facility=unaizah")) == 2
    assert codes(f"code={person.public_code.lower()}") == [person.public_code]
    assert len(codes("release_within_days=90")) == 2
    assert codes("release_within_days=30") == []


def test_list_filters_by_open_need(world, client_for):
    person = _register(world)
    _register(world, given_name="Other", family_name="Person", national_id="2222233333")
    services.record_assessment(
        person=person, by=world.staff_a, assessed_on=YESTERDAY, ratings={}, needs=[("housing", "rent_support")]
    )
    body = client_for(world.staff_a).get("/api/v1/people/?need=housing:rent_support").json()
    assert [p["public_code"] for p in body["items"]] == [person.public_code]


# Field rules ------------------------------------------------------------------------------------------------


def test_staff_read_every_section_with_a_masked_national_id(world, client_for, full_record):
    body = client_for(world.staff_a).get(_url(full_record)).json()
    assert body["national_id_masked"].endswith(NATIONAL_ID[-3:])
    assert NATIONAL_ID not in str(body)
    assert body["birth_date"] == "1990-05-04"
    assert body["nationality"] == "SA"
    assert body["episodes"][0]["case_category"] == "financial"
    assert body["episodes"][0]["admitted_on"] == "2023-01-10"
    assert body["skills"] == ["72"]
    assert body["household"]["contact_name"] == "Umm Zubayr"
    assert body["household"]["has_contact_phone"] is True
    assert "0551234567" not in str(body)
    assert body["assessment"]["ratings"] == [{"domain": "education", "level": "high", "notes": "reads slowly"}]
    assert body["needs"][0]["need"] == "literacy"
    assert len(body["plan"]["release_tasks"]) == 4
    assert body["notes"][0]["text"] == "Internal remark"


def test_partner_with_training_consent_sees_only_what_training_needs(world, client_for, full_record):
    _consent(world, full_record, purpose="training")
    body = client_for(world.partner_university).get(_url(full_record)).json()
    for absent in ("national_id_masked", "birth_date", "nationality", "household", "assessment", "needs", "plan"):
        assert absent not in body, absent
    assert body["birth_year"] == 1990
    assert body["education_level"] == "primary"
    assert body["skills"] == ["72"]
    assert body["episodes"] and all("case_category" not in episode for episode in body["episodes"])
    assert "financial" not in str(body)
    assert body["notes"] == []


def test_partner_with_family_support_consent_sees_the_household_not_education(world, client_for, full_record):
    _consent(world, full_record, purpose="family_support")
    client = client_for(world.partner_university)
    body = client.get(_url(full_record)).json()
    assert body["household"]["contact_name"] == "Umm Zubayr"
    assert len(body["household"]["members"]) == 1
    for absent in ("education_level", "literacy", "skills", "birth_year", "birth_date", "national_id_masked"):
        assert absent not in body, absent
    assert client.get(_url(full_record, "household/")).json()["contact_name"] == "Umm Zubayr"
    assert client.get(_url(full_record, "assessments/")).status_code == 404


def test_partner_with_employment_consent_sees_only_the_household_region(world, client_for, full_record):
    _consent(world, full_record, purpose="employment")
    client = client_for(world.partner_university)
    assert client.get(_url(full_record)).json()["household"] == {"region": None}
    assert client.get(_url(full_record, "household/")).json() == {"region": None}


@pytest.mark.parametrize("rest", ["household/", "assessments/", "needs/", "plan/", "consents/"])
def test_partner_with_visits_consent_gets_404_for_other_sections(world, client_for, full_record, rest):
    _consent(world, full_record, purpose="visits")
    client = client_for(world.partner_university)
    assert client.get(_url(full_record, "episodes/")).status_code == 200
    _assert_not_found_and_silent(client.get(_url(full_record, rest)), full_record)


def test_reveal_is_404_for_partners(world, client_for, full_record):
    _consent(world, full_record, purpose="aftercare")
    response = client_for(world.partner_university).post(_url(full_record, "national-id/reveal/"))
    _assert_not_found_and_silent(response, full_record)
    assert not AccessLog.objects.filter(action=AccessAction.REVEAL_NATIONAL_ID).exists()


def test_internal_notes_never_reach_partners_shared_ones_do(world, client_for, full_record):
    services.add_note(person=full_record, by=world.staff_a, text="Shared remark", visibility="shared")
    _consent(world, full_record, purpose="aftercare")
    client = client_for(world.partner_university)
    record = client.get(_url(full_record)).json()
    notes = client.get(_url(full_record, "notes/")).json()
    assert [n["text"] for n in record["notes"]] == ["Shared remark"]
    assert [n["text"] for n in notes["items"]] == ["Shared remark"]
    assert "Internal remark" not in str(record) + str(notes)


def test_a_partners_note_is_always_shared(world, client_for, full_record):
    _consent(world, full_record, purpose="training")
    response = _send(
        client_for(world.partner_university),
        "post",
        _url(full_record, "notes/"),
        {"text": "Attended the course", "visibility": "internal"},
    )
    assert response.status_code == 201
    assert response.json()["visibility"] == "shared"
    assert response.json()["author_organization"] == "nauss"


def test_imports_are_never_read_as_a_persons_code():
    assert resolve("/api/v1/people/P-AAAA-BBBB/").url_name == "get_person"
    for url in ("/api/v1/people/imports/", "/api/v1/people/imports/abc/"):
        assert resolve(url).url_name not in {"get_person", "register_person"}


def test_openapi_describes_the_optional_sections(world, client_for):
    schema = client_for(world.admin_sa).get("/api/v1/openapi.json").json()
    properties = schema["components"]["schemas"]["PersonOut"]["properties"]
    for field in ("national_id_masked", "birth_date", "birth_year", "education_level", "episodes", "household", "plan"):
        assert field in properties
    assert "case_category" in schema["components"]["schemas"]["EpisodeOut"]["properties"]
    assert "contact_phone" not in schema["components"]["schemas"]["HouseholdOut"]["properties"]


# Registering and changing ------------------------------------------------------------------------------------


REGISTRATION = {
    "facility": "unaizah",
    "admitted_on": "2024-03-01",
    "case_category": "financial",
    "expected_release_on": "2026-03-01",
    "national_id": "1 0987-65432",
    "given_name": "سالم",
    "family_name": "الحربي",
    "latin_given_name": "Salem",
    "latin_family_name": "Alharbi",
    "sex": "male",
    "birth_date": "1988-07-02",
    "skills": ["72", "83"],
}


def test_register_stores_the_national_id_only_encrypted(world, client_for):
    response = _send(client_for(world.staff_a), "post", "/api/v1/people/", REGISTRATION)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["facility"] == "unaizah"
    assert body["national_id_masked"].endswith("432")
    assert body["skills"] == ["72", "83"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person WHERE public_code = %s", [body["public_code"]])
        row = cursor.fetchone()
    stored = " ".join(str(value) for value in row)
    assert NATIONAL_ID not in stored and "10987" not in stored
    assert Person.objects.get(public_code=body["public_code"]).national_id_encrypted


def test_staff_find_a_person_by_national_id(world, client_for):
    person = _register(world)
    _register(world, given_name="Other", family_name="Person", national_id="2222233333")
    body = client_for(world.staff_a).get("/api/v1/people/?national_id=10-987-654-32").json()
    assert [item["public_code"] for item in body["items"]] == [person.public_code]


def test_partners_cannot_search_by_national_id(world, client_for):
    person = _register(world)
    other = _register(world, given_name="Other", family_name="Person", national_id="2222233333")
    _consent(world, person)
    _consent(world, other)
    body = client_for(world.partner_university).get(f"/api/v1/people/?national_id={NATIONAL_ID}").json()
    assert body["count"] == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expected_release_on": "2024-01-01"}, "expected_release_on"),
        ({"facility": "nowhere"}, "facility"),
        ({"facility": "riyadh"}, "facility"),
        ({"admitted_on": (TODAY + datetime.timedelta(days=3)).isoformat(), "expected_release_on": None}, "admitted_on"),
        ({"skills": ["ZZ"]}, "skills"),
        ({"case_category": "murder"}, "case_category"),
    ],
)
def test_bad_registrations_write_nothing(world, client_for, change, field):
    before = _counts()
    response = _send(client_for(world.staff_a), "post", "/api/v1/people/", {**REGISTRATION, **change})
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert _counts() == before


def test_a_duplicate_national_id_in_the_administration_is_refused(world, client_for):
    _register(world, facility=world.facility_b, by=world.staff_b)
    before = _counts()
    response = _send(client_for(world.staff_a), "post", "/api/v1/people/", REGISTRATION)
    assert response.status_code == 422
    assert set(response.json()) == {"code", "message", "fields"}
    assert "national_id" in response.json()["fields"]
    assert NATIONAL_ID not in response.content.decode()
    assert _counts() == before


@pytest.mark.parametrize("persona", ["partner_university", "donor", "auditor_sa"])
def test_only_staff_and_administrators_register(world, client_for, persona):
    response = _send(client_for(getattr(world, persona)), "post", "/api/v1/people/", REGISTRATION)
    assert response.status_code == 404
    assert not Person.objects.exists()


def test_update_identity_education_skills_and_national_id(world, client_for):
    person = _register(world)
    response = _send(
        client_for(world.staff_a),
        "patch",
        _url(person),
        {"latin_family_name": "Alqahtani", "literacy": "basic", "skills": ["51"], "national_id": "5555566666"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["latin_family_name"], body["literacy"], body["skills"]) == ("Alqahtani", "basic", ["51"])
    assert body["national_id_masked"].endswith("666")
    assert body["given_name"] == GIVEN


def test_a_bad_update_changes_nothing(world, client_for):
    person = _register(world)
    other = _register(world, given_name="Other", family_name="Person", national_id="2222233333")
    response = _send(
        client_for(world.staff_a), "patch", _url(other), {"given_name": "Renamed", "national_id": NATIONAL_ID}
    )
    assert response.status_code == 422
    other.refresh_from_db()
    assert other.given_name == "Other"
    assert person.national_id_hash != other.national_id_hash


def test_partners_and_auditors_cannot_update(world, client_for):
    person = _register(world)
    _consent(world, person, purpose="aftercare")
    for persona in (world.partner_university, world.auditor_sa):
        assert _send(client_for(persona), "patch", _url(person), {"given_name": "X"}).status_code == 404
    person.refresh_from_db()
    assert person.given_name == GIVEN


# Custody ---------------------------------------------------------------------------------------------------


def test_release_aftercare_readmission_and_closure(world, client_for):
    person = _register(world)
    client = client_for(world.staff_a)
    released = _send(client, "post", _url(person, "releases/"), {"on": str(YESTERDAY), "reason": "debt_settled"})
    assert released.status_code == 200, released.content
    assert released.json()["status"] == "released"
    assert released.json()["episodes"][-1]["release_reason"] == "debt_settled"
    aftercare = _send(client, "post", _url(person, "aftercare/"), {"on": str(TODAY)})
    assert aftercare.json()["status"] == "in_aftercare"
    readmitted = _send(
        client,
        "post",
        _url(person, "admissions/"),
        {"facility": "unaizah", "admitted_on": str(TODAY), "case_category": "drugs"},
    )
    assert readmitted.status_code == 201, readmitted.content
    assert readmitted.json()["episodes"][-1]["admission_kind"] == "readmission"
    episodes = client.get(_url(person, "episodes/")).json()
    assert [e["case_category"] for e in episodes] == ["financial", "drugs"]


def test_transfer_moves_the_person_out_of_the_first_facility(world, client_for):
    person = _register(world)
    response = _send(
        client_for(world.admin_sa), "post", _url(person, "transfers/"), {"to_facility": "riyadh", "on": str(YESTERDAY)}
    )
    assert response.status_code == 201, response.content
    assert response.json()["facility"] == "riyadh"
    assert client_for(world.staff_a).get(_url(person)).status_code == 404
    assert client_for(world.staff_b).get(_url(person)).status_code == 200


def test_closing_a_case_after_release(world, client_for):
    person = _register(world)
    client = client_for(world.staff_a)
    _send(client, "post", _url(person, "releases/"), {"on": str(YESTERDAY), "reason": "end_of_sentence"})
    response = _send(client, "post", _url(person, "closure/"), {"on": str(TODAY), "reason": "settled"})
    assert response.json()["status"] == "closed"


@pytest.mark.parametrize(
    ("rest", "method", "data"),
    [
        ("releases/", "post", {"on": "2022-01-01", "reason": "pardon"}),
        ("releases/", "post", {"on": str(YESTERDAY), "reason": "transfer_out"}),
        ("expected-release/", "patch", {"expected_release_on": "2022-12-31"}),
        ("transfers/", "post", {"to_facility": "agadir", "on": str(YESTERDAY)}),
        ("transfers/", "post", {"to_facility": "riyadh", "on": "2022-01-01"}),
        ("admissions/", "post", {"facility": "unaizah", "admitted_on": str(YESTERDAY), "case_category": "drugs"}),
        ("closure/", "post", {"on": str(TODAY)}),
        ("aftercare/", "post", {"on": str(TODAY)}),
    ],
)
def test_impossible_custody_changes_write_nothing(world, client_for, rest, method, data):
    person = _register(world)
    before = (_counts(), list(CustodyEpisode.objects.values()))
    response = _send(client_for(world.admin_sa), method, _url(person, rest), data)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert (_counts(), list(CustodyEpisode.objects.values())) == before
    person.refresh_from_db()
    assert person.status == "in_custody"


def test_expected_release_moves_the_review_schedule(world, client_for):
    person = _register(world)
    services.create_plan(person=person, by=world.staff_a)
    new_date = TODAY + datetime.timedelta(days=400)
    response = _send(
        client_for(world.staff_a), "patch", _url(person, "expected-release/"), {"expected_release_on": str(new_date)}
    )
    assert response.status_code == 200
    assert response.json()["episodes"][0]["expected_release_on"] == new_date.isoformat()
    reviews = client_for(world.staff_a).get(_url(person, "plan/")).json()["reviews"]
    assert reviews[-1]["kind"] == "pre_release"
    assert reviews[-1]["due_on"] == (new_date - datetime.timedelta(days=90)).isoformat()


# Household ----------------------------------------------------------------------------------------------------


def test_household_phone_is_write_only(world, client_for):
    person = _register(world)
    client = client_for(world.staff_a)
    response = _send(
        client,
        "put",
        _url(person, "household/"),
        {"contact_name": "Umm Salem", "contact_relation": "mother", "contact_phone": "0559876543"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["has_contact_phone"] is True
    assert "0559876543" not in response.content.decode()
    household = Household.objects.get(person=person)
    assert household.contact_phone_encrypted and "0559876543" not in household.contact_phone_encrypted
    again = _send(client, "put", _url(person, "household/"), {"contact_name": "Abu Salem"})
    assert again.json()["has_contact_phone"] is True


def test_household_members_are_added_and_removed(world, client_for):
    person = _register(world)
    client = client_for(world.staff_a)
    added = _send(
        client,
        "post",
        _url(person, "household/members/"),
        {"relation": "child", "birth_year": 2016, "schooling": "in_school"},
    )
    assert added.status_code == 201, added.content
    member_id = added.json()["id"]
    assert client.get(_url(person, "household/")).json()["members"][0]["schooling"] == "in_school"
    assert client.delete(_url(person, f"household/members/{member_id}/")).status_code == 204
    assert not HouseholdMember.objects.exists()


def test_a_bad_household_member_writes_nothing(world, client_for):
    person = _register(world)
    response = _send(
        client_for(world.staff_a), "post", _url(person, "household/members/"), {"relation": "child", "birth_year": 1700}
    )
    assert response.status_code == 422
    assert not Household.objects.exists()


def test_supporting_association_must_be_an_association(world, client_for):
    person = _register(world)
    response = _send(client_for(world.staff_a), "put", _url(person, "household/"), {"supporting_association": "nauss"})
    assert response.status_code == 422
    assert not Household.objects.exists()


def test_a_member_of_someone_elses_household_is_404(world, client_for):
    mine = _register(world)
    theirs = _register(world, facility=world.facility_b, by=world.staff_b, national_id="2222233333")
    household = _household(world, mine)
    member = household.members.get()
    response = client_for(world.staff_b).delete(_url(theirs, f"household/members/{member.pk}/"))
    assert response.status_code == 404
    assert HouseholdMember.objects.filter(pk=member.pk).exists()


# Consents -----------------------------------------------------------------------------------------------------


def test_consent_is_recorded_and_listed_for_staff(world, client_for):
    person = _register(world)
    client = client_for(world.staff_a)
    response = _send(
        client,
        "post",
        _url(person, "consents/"),
        {"organization": "nauss", "purpose": "training", "valid_from": str(YESTERDAY)},
    )
    assert response.status_code == 201, response.content
    assert response.json()["organization"] == "nauss"
    assert [c["purpose"] for c in client.get(_url(person, "consents/")).json()] == ["training"]
    assert client_for(world.partner_university).get(_url(person)).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"organization": "sa-prisons"},
        {"organization": "fm6"},
        {"valid_until": "2000-01-01"},
        {"agreement": 999999},
        {"purpose": "gossip"},
    ],
)
def test_bad_consents_write_nothing(world, client_for, change):
    person = _register(world)
    data = {"organization": "nauss", "purpose": "training", "valid_from": str(YESTERDAY), **change}
    response = _send(client_for(world.staff_a), "post", _url(person, "consents/"), data)
    assert response.status_code == 422, response.content
    assert not Consent.objects.exists()


def test_a_consent_under_another_administrations_agreement_is_refused(world, client_for):
    person = _register(world)
    data = {
        "organization": "nauss",
        "purpose": "training",
        "valid_from": str(YESTERDAY),
        "agreement": world.agreement_ma.pk,
    }
    assert _send(client_for(world.admin_sa), "post", _url(person, "consents/"), data).status_code == 422
    assert not Consent.objects.exists()


# Assessments and needs ------------------------------------------------------------------------------------------


def test_assessment_records_ratings_and_needs(world, client_for):
    person = _register(world)
    client = client_for(world.staff_a)
    response = _send(
        client,
        "post",
        _url(person, "assessments/"),
        {
            "assessed_on": str(YESTERDAY),
            "ratings": {"housing": {"level": "high", "notes": "no home"}, "finances": {"level": "medium"}},
            "needs": ["housing:accommodation_on_release", "finances:debt_settlement"],
            "recommended_paths": ["debt_release"],
            "summary": "Debt first.",
        },
    )
    assert response.status_code == 201, response.content
    assert {r["domain"] for r in response.json()["ratings"]} == {"housing", "finances"}
    needs = client.get(_url(person, "needs/")).json()
    assert {n["need"] for n in needs} == {"accommodation_on_release", "debt_settlement"}
    assert client.get(_url(person, "assessments/")).json()[0]["summary"] == "Debt first."


@pytest.mark.parametrize(
    "change",
    [
        {"needs": ["housing"]},
        {"needs": ["housing:castle"]},
        {"ratings": {"astrology": {"level": "high"}}},
        {"ratings": {"housing": {"level": "extreme"}}},
        {"assessed_on": (TODAY + datetime.timedelta(days=1)).isoformat()},
    ],
)
def test_bad_assessments_write_nothing(world, client_for, change):
    person = _register(world)
    data = {
        "assessed_on": str(YESTERDAY),
        "ratings": {"housing": {"level": "high"}},
        "needs": ["housing:rent_support"],
        **change,
    }
    response = _send(client_for(world.staff_a), "post", _url(person, "assessments/"), data)
    assert response.status_code == 422, response.content
    assert not person.assessments.exists()
    assert not PersonNeed.objects.exists()


def test_partner_with_the_assessment_section_moves_a_need_along(world, client_for, full_record):
    _consent(world, full_record, purpose="income_project")
    need = full_record.needs.get()
    response = _send(
        client_for(world.partner_university),
        "patch",
        _url(full_record, f"needs/{need.pk}/"),
        {"status": "in_progress", "note": "Enrolled"},
    )
    assert response.status_code == 200, response.content
    need.refresh_from_db()
    assert (need.status, need.note, need.updated_side) == ("in_progress", "Enrolled", "partner")


def test_partner_without_the_assessment_section_cannot_touch_needs(world, client_for, full_record):
    _consent(world, full_record, purpose="training")
    need = full_record.needs.get()
    response = _send(
        client_for(world.partner_university), "patch", _url(full_record, f"needs/{need.pk}/"), {"status": "met"}
    )
    _assert_not_found_and_silent(response, full_record)
    need.refresh_from_db()
    assert need.status == "open"


# Plans ------------------------------------------------------------------------------------------------------------


def test_plan_actions_tasks_and_reviews(world, client_for):
    person = _register(world)
    client = client_for(world.staff_a)
    created = client.post(_url(person, "plan/"))
    assert created.status_code == 201, created.content
    assert len(created.json()["release_tasks"]) == 4
    initial = created.json()["reviews"][0]
    assert initial["kind"] == "initial" and initial["missed"] is True
    action = _send(
        client,
        "post",
        _url(person, "plan/actions/"),
        {"goal": "Welding course", "owner": "nauss", "domain": "vocational"},
    )
    assert action.status_code == 201, action.content
    task_id = created.json()["release_tasks"][0]["id"]
    task = _send(client, "patch", _url(person, f"plan/tasks/{task_id}/"), {"status": "done", "note": "ID card ready"})
    assert task.json()["status"] == "done"
    completed = _send(client, "post", _url(person, f"plan/reviews/{initial['id']}/complete/"), {"note": "Done late"})
    assert completed.json()["completed_on"] == TODAY.isoformat() and completed.json()["missed"] is False
    second = created.json()["reviews"][1]["id"]
    exempted = _send(client, "post", _url(person, f"plan/reviews/{second}/exempt/"), {"exemption": "hospital"})
    assert exempted.json()["exemption"] == "hospital" and exempted.json()["missed"] is False
    plan = client.get(_url(person, "plan/")).json()
    assert plan["actions"][0]["owner"] == "nauss"


def test_a_second_plan_is_refused(world, client_for):
    person = _register(world)
    client = client_for(world.staff_a)
    client.post(_url(person, "plan/"))
    assert client.post(_url(person, "plan/")).status_code == 422


def test_the_owning_partner_updates_its_action_other_partners_cannot(world, client_for):
    person = _register(world)
    plan = services.create_plan(person=person, by=world.staff_a)
    item = services.add_plan_action(plan=plan, by=world.staff_a, goal="Course", owner=world.university)
    _consent(world, person, purpose="training")
    url = _url(person, f"plan/actions/{item.pk}/")
    assert _send(client_for(world.partner_university), "patch", url, {"status": "in_progress"}).status_code == 200
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert _send(client_for(world.partner_outsider), "patch", url, {"status": "done"}).status_code == 404
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_a_bad_release_task_status_changes_nothing(world, client_for):
    person = _register(world)
    plan = services.create_plan(person=person, by=world.staff_a)
    task = plan.release_tasks.first()
    response = _send(client_for(world.staff_a), "patch", _url(person, f"plan/tasks/{task.pk}/"), {"status": "maybe"})
    assert response.status_code == 422
    task.refresh_from_db()
    assert task.status == "to_do"


# The access log ----------------------------------------------------------------------------------------------------


def test_each_record_read_writes_one_access_log_entry(world, client_for, full_record):
    client = client_for(world.staff_a)
    client.get(_url(full_record), REMOTE_ADDR="10.1.2.3")
    entries = AccessLog.objects.filter(person=full_record, action=AccessAction.API_READ)
    assert entries.count() == 1
    assert (entries.get().user, entries.get().address) == (world.staff_a, "10.1.2.3")
    client.get(_url(full_record, "household/"))
    assert entries.count() == 2


def test_each_reveal_writes_one_reveal_entry_and_shows_the_clear_id(world, client_for, full_record):
    client = client_for(world.admin_sa)
    response = client.post(_url(full_record, "national-id/reveal/"))
    assert response.status_code == 200
    assert response.json() == {"national_id": NATIONAL_ID}
    client.post(_url(full_record, "national-id/reveal/"))
    reveals = AccessLog.objects.filter(person=full_record, action=AccessAction.REVEAL_NATIONAL_ID)
    assert reveals.count() == 2
    assert not AccessLog.objects.filter(action=AccessAction.API_READ).exists()


def test_outsiders_leave_no_read_in_the_log(world, client_for, full_record):
    client_for(world.staff_b).get(_url(full_record))
    assert not AccessLog.objects.exists()


# Query counts ---------------------------------------------------------------------------------------------------------


def _grow(world, person, size: int) -> None:
    """Give the person `size` episodes, notes, needs, household members and plan actions."""
    day = datetime.date(2023, 1, 10)
    for _ in range(size - 1):
        day += datetime.timedelta(days=1)
        person.refresh_from_db()
        elsewhere = world.facility_a if person.facility_id == world.facility_b.pk else world.facility_b
        services.transfer(person=person, by=world.admin_sa, to_facility=elsewhere, on=day)
    for index in range(size):
        services.add_note(person=person, by=world.admin_sa, text=f"note {index}", visibility="shared")
    needs = [(domain, need) for domain, catalogue in NEEDS.items() for need in catalogue][:size]
    services.record_assessment(person=person, by=world.admin_sa, assessed_on=YESTERDAY, ratings={}, needs=needs)
    for _ in range(size):
        services.add_household_member(person=person, by=world.admin_sa, relation="child")
    plan = services.create_plan(person=person, by=world.admin_sa)
    for index in range(size):
        services.add_plan_action(plan=plan, by=world.admin_sa, goal=f"goal {index}", owner=world.university)
    _consent(world, person, purpose="aftercare", by=world.admin_sa)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


@pytest.mark.parametrize("persona", ["admin_sa", "partner_university"])
def test_record_read_costs_the_same_for_one_or_ten_of_everything(world, client_for, persona):
    small = _register(world, facility=world.facility_b, by=world.admin_sa)
    large = _register(world, facility=world.facility_b, by=world.admin_sa, national_id="2222233333")
    _grow(world, small, 1)
    _grow(world, large, 10)
    client = client_for(getattr(world, persona))
    body = client.get(_url(large)).json()
    assert len(body["episodes"]) == 10 and len(body["notes"]) == 10 and len(body["needs"]) == 10
    assert _queries(client, _url(small)) == _queries(client, _url(large))


@pytest.mark.parametrize("persona", ["admin_sa", "partner_university"])
def test_list_costs_the_same_for_one_or_ten_people(world, client_for, persona):
    first = _register(world, by=world.admin_sa)
    _grow(world, first, 10)
    client = client_for(getattr(world, persona))
    one = _queries(client, "/api/v1/people/")
    for index in range(9):
        person = _register(world, by=world.admin_sa, national_id=f"99999{index:05d}")
        _grow(world, person, 2)
    assert client.get("/api/v1/people/").json()["count"] == 10
    assert _queries(client, "/api/v1/people/") == one


def test_query_counts_are_pinned(world, client_for, django_assert_num_queries):
    person = _register(world, by=world.admin_sa)
    _grow(world, person, 3)
    client = client_for(world.admin_sa)
    # Session and user, then: the list's count and page.
    with django_assert_num_queries(4):
        client.get("/api/v1/people/")
    # Session, user, person, access log, skills, episodes, household and members, latest assessment and its
    # ratings, needs, plan with actions, tasks and reviews, notes.
    with django_assert_num_queries(16):
        client.get(_url(person))
