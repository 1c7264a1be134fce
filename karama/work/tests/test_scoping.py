"""Who sees what of work: a partner employer never sees a name without the person's consent to share with
it for employment; outsiders get 404; facility staff see only their own workers; reads are logged."""

import datetime

import pytest

from karama.people import services as people_services
from karama.people.models import AccessLog
from karama.people.tests.factories import make_person
from karama.work import services
from karama.work.selectors import candidate_rows
from karama.work.tests.factories import TODAY, consent_employment, make_opening, make_worker, make_workshop

NAMES = [("Zubayda", "Qarawiyyin"), ("Haytham", "Sulaymani"), ("Nawal", "Ghassani")]


@pytest.fixture
def released_welders(world):
    people = []
    for given, family in NAMES:
        person = make_person(
            by=world.staff_a,
            facility=world.facility_a,
            given_name=given,
            family_name=family,
            latin_given_name=given,
            latin_family_name=family,
        )
        people_services.update_person(person=person, by=world.staff_a, skills=["72"])
        people_services.release(person=person, by=world.staff_a, on=TODAY - datetime.timedelta(days=9), reason="pardon")
        person.refresh_from_db()
        people.append(person)
    return people


def _identifying(person) -> list[str]:
    return [person.given_name, person.family_name, person.public_code]


def _shows_anyone(text: str, people) -> list[str]:
    return [part for person in people for part in _identifying(person) if part in text]


def test_a_partner_employer_never_sees_a_name_without_consent(world, client_for, released_welders):
    opening = make_opening(world, employer=world.outsider_org)
    for person in released_welders:
        services.propose_candidate(by=world.staff_a, opening=opening, person=person)
    # A consent for another purpose opens nothing here.
    people_services.record_consent(
        person=released_welders[0],
        by=world.staff_a,
        organization=world.outsider_org,
        purpose="training",
        valid_from=TODAY - datetime.timedelta(days=1),
    )
    client = client_for(world.partner_outsider)
    seen = [
        client.get(f"/en/work/openings/{opening.code}/").content.decode(),
        client.get("/en/work/applications/").content.decode(),
        client.get("/en/work/retention/").content.decode(),
        client.get(f"/api/v1/work/openings/{opening.code}/candidates/").content.decode(),
        client.get("/api/v1/work/applications/").content.decode(),
    ]
    for application in opening.applications.all():
        seen.append(client.get(f"/en/work/applications/{application.code}/").content.decode())
        seen.append(client.get(f"/api/v1/work/applications/{application.code}/").content.decode())
    for text in seen:
        assert _shows_anyone(text, released_welders) == []


def test_consent_for_employment_names_only_that_person(world, client_for, released_welders):
    opening = make_opening(world, employer=world.outsider_org)
    consenting, *others = released_welders
    consent_employment(world, consenting, world.outsider_org)
    html = client_for(world.partner_outsider).get(f"/en/work/openings/{opening.code}/").content.decode()
    assert consenting.family_name in html and consenting.public_code in html
    assert _shows_anyone(html, others) == []


def test_a_revoked_consent_makes_the_person_anonymous_again(world, client_for, released_welders):
    opening = make_opening(world, employer=world.outsider_org)
    consent = consent_employment(world, released_welders[0], world.outsider_org)
    people_services.revoke_consent(consent=consent, by=world.staff_a)
    html = client_for(world.partner_outsider).get(f"/en/work/openings/{opening.code}/").content.decode()
    assert _shows_anyone(html, released_welders) == []


def test_anonymous_codes_cannot_be_linked_across_openings(world, released_welders):
    first = make_opening(world, employer=world.outsider_org)
    second = make_opening(world, employer=world.outsider_org, excluded_categories=["violence"])
    codes_first = {row.code for row in candidate_rows(world.partner_outsider, first)}
    codes_second = {row.code for row in candidate_rows(world.partner_outsider, second)}
    assert len(codes_first) == 3 and len(codes_second) == 3
    assert codes_first.isdisjoint(codes_second)


def test_staff_see_candidates_of_their_facility_by_name_and_others_anonymously(world, released_welders):
    opening = make_opening(world)
    rows = candidate_rows(world.staff_b, opening)
    assert rows and not any(row.named for row in rows)
    assert all(row.named for row in candidate_rows(world.staff_a, opening))


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("admin_ma", "/en/work/workshops/{workshop}/"),
        ("partner_foundation", "/en/work/workshops/{workshop}/"),
        ("partner_foundation", "/en/work/openings/{opening}/"),
        ("partner_university", "/en/work/proposals/{proposal}/"),
        ("partner_outsider", "/en/work/pay-runs/{pay_run}/"),
        ("staff_b", "/en/work/applications/{application}/"),
        ("partner_university", "/en/work/applications/{application}/"),
        ("donor", "/en/work/openings/{opening}/"),
        ("admin_ma", "/api/v1/work/workshops/{workshop}/"),
        ("partner_foundation", "/api/v1/work/openings/{opening}/candidates/"),
        ("partner_university", "/api/v1/work/openings/{opening}/candidates/"),
        ("staff_b", "/api/v1/work/applications/{application}/"),
        ("researcher", "/api/v1/work/pay-runs/{pay_run}/"),
        ("staff_b", "/api/v1/work/people/{person}/work/"),
        ("partner_outsider", "/api/v1/work/people/{person}/openings/"),
    ],
)
def test_outsiders_get_404(world, client_for, released_welders, persona, path):
    from karama.work.tests.factories import LAST_MONTH_END, LAST_MONTH_START

    workshop = make_workshop(world)
    _worker, job = make_worker(world, workshop)
    pay_run = services.run_payroll(
        by=world.staff_a,
        workshop=workshop,
        period_start=LAST_MONTH_START,
        period_end=LAST_MONTH_END,
        quantities={job.code: "10"},
    )
    opening = make_opening(world)
    application = services.propose_candidate(by=world.staff_a, opening=opening, person=released_welders[0])
    proposal = services.submit_investment_proposal(
        by=world.partner_outsider,
        facility=world.facility_a,
        proposer=world.outsider_org,
        title="Sewing",
        occupation="75",
        workshop_kind="sewing",
        places=5,
        investment="1000",
        currency="SAR",
        family_percent="40",
        savings_percent="30",
        kept_percent="30",
    )
    url = path.format(
        workshop=workshop.code,
        opening=opening.code,
        proposal=proposal.code,
        pay_run=pay_run.code,
        application=application.code,
        person=released_welders[0].public_code,
    )
    assert client_for(getattr(world, persona)).get(url).status_code == 404


def test_facility_staff_see_only_their_own_workers(world, client_for):
    workshop = make_workshop(world)
    person, _job = make_worker(world, workshop)
    html = client_for(world.staff_b).get(f"/en/work/workshops/{workshop.code}/").content.decode()
    assert person.public_code not in html
    assert person.public_code in client_for(world.staff_a).get(f"/en/work/workshops/{workshop.code}/").content.decode()
    assert client_for(world.staff_b).get(f"/api/v1/work/workshops/{workshop.code}/jobs/").json() == []


def test_an_auditor_reads_but_never_writes(world, client_for):
    workshop = make_workshop(world)
    client = client_for(world.auditor_sa)
    assert client.get(f"/en/work/workshops/{workshop.code}/").status_code == 200
    assert (
        client.post(
            f"/en/work/workshops/{workshop.code}/positions/", {"title": "x", "occupation": "72", "places": "1"}
        ).status_code
        == 404
    )
    response = client.post(
        "/api/v1/work/openings/",
        {
            "employer": "some-company",
            "administration": "sa-prisons",
            "title": "x",
            "occupation": "72",
            "valid_until": "2099-01-01",
            "currency": "SAR",
        },
        content_type="application/json",
    )
    assert response.status_code in (404, 422)
    assert not workshop.positions.filter(title="x").exists()


def test_reading_a_persons_openings_or_work_is_logged(world, client_for, released_welders):
    person = released_welders[0]
    client = client_for(world.staff_a)
    client.get(f"/en/work/people/{person.public_code}/")
    client.get(f"/api/v1/work/people/{person.public_code}/work/")
    assert AccessLog.objects.filter(person=person, detail__startswith="work:").count() == 2
