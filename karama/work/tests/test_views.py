"""The work pages: they render for the roles that use them, forms write through the services, HTMX gets
fragments, outsiders get 404, and query counts do not grow with the number of rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karama.people import services as people_services
from karama.people.tests.factories import make_person
from karama.work import services
from karama.work.models import Application, InvestmentProposal, Job, Opening, PayRun, Position
from karama.work.tests.factories import (
    LAST_MONTH_END,
    LAST_MONTH_START,
    TODAY,
    consent_employment,
    make_opening,
    make_worker,
    make_workshop,
)


def _released(world, **fields):
    person = make_person(by=world.staff_a, facility=world.facility_a, **fields)
    people_services.update_person(person=person, by=world.staff_a, skills=["72"])
    people_services.release(person=person, by=world.staff_a, on=TODAY - datetime.timedelta(days=3), reason="pardon")
    person.refresh_from_db()
    return person


@pytest.mark.parametrize(
    "path",
    [
        "/en/work/",
        "/en/work/workshops/",
        "/en/work/capacity/",
        "/en/work/proposals/",
        "/en/work/openings/",
        "/en/work/due/",
        "/en/work/applications/",
        "/en/work/retention/",
        "/en/work/workshops/new/",
        "/en/work/openings/new/",
        "/en/work/proposals/new/",
    ],
)
def test_the_pages_render_for_an_administrator(world, client_for, path):
    response = client_for(world.admin_sa).get(path)
    assert response.status_code == 200, path


@pytest.mark.parametrize("path", ["/en/work/", "/en/work/openings/", "/en/work/workshops/", "/en/work/due/"])
def test_donors_and_researchers_see_nothing(world, client_for, path):
    assert client_for(world.donor).get(path).status_code == 404
    assert client_for(world.researcher).get(path).status_code == 404


def test_create_a_workshop_and_build_it_inline(world, client_for):
    client = client_for(world.admin_sa)
    response = client.post(
        "/ar/work/workshops/new/",
        {
            "name_ar": "مصنع الصفائح المعدنية",
            "original_language": "ar",
            "facility": world.facility_a.pk,
            "kind": "factory",
            "occupation": "72",
            "currency": "SAR",
            "status": "active",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    code = response["Location"].rstrip("/").split("/")[-1]
    base = f"/ar/work/workshops/{code}"
    fragment = client.post(
        f"{base}/positions/", {"title": "لحام", "occupation": "72", "places": "2"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.content.decode().lstrip().startswith('<section class="card" id="positions">')
    client.post(f"{base}/pay-bands/", {"name": "ماهر", "basis": "hourly", "rate": "١٢٫٥٠"})
    client.post(
        f"{base}/wage-split/",
        {"effective_from": "2024-01-01", "family_percent": "40", "savings_percent": "30", "kept_percent": "30"},
    )
    person = make_person(by=world.staff_a, facility=world.facility_a)
    position = Position.objects.get()
    response = client.post(
        f"{base}/jobs/",
        {
            "person": person.public_code,
            "position": position.pk,
            "pay_band": position.workshop.pay_bands.get().pk,
            "starts_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.pay_band.rate == 12.5
    assert "مصنع الصفائح المعدنية" in client.get(f"{base}/").content.decode()


def test_a_bad_wage_split_shows_the_error_and_writes_nothing(world, client_for):
    workshop = make_workshop(world, split=None)
    response = client_for(world.admin_sa).post(
        f"/en/work/workshops/{workshop.code}/wage-split/",
        {"effective_from": "2024-01-01", "family_percent": "50", "savings_percent": "30", "kept_percent": "30"},
        HTTP_HX_REQUEST="true",
    )
    assert "must make 100" in response.content.decode()
    assert not workshop.wage_splits.exists()


def test_a_pay_run_through_the_pages(world, client_for):
    workshop = make_workshop(world)
    _person, job = make_worker(world, workshop)
    client = client_for(world.staff_a)
    period = {"period_start": LAST_MONTH_START.isoformat(), "period_end": LAST_MONTH_END.isoformat()}
    page = client.get(f"/en/work/workshops/{workshop.code}/pay-runs/new/", period).content.decode()
    assert f"quantity_{job.code}" in page
    response = client.post(
        f"/en/work/workshops/{workshop.code}/pay-runs/new/", {**period, f"quantity_{job.code}": "-4"}
    )
    assert response.status_code == 200 and not PayRun.objects.exists()
    response = client.post(
        f"/en/work/workshops/{workshop.code}/pay-runs/new/", {**period, f"quantity_{job.code}": "40"}
    )
    pay_run = PayRun.objects.get()
    assert response["Location"].endswith(f"/work/pay-runs/{pay_run.code}/")
    html = client.get(f"/en/work/pay-runs/{pay_run.code}/").content.decode()
    assert "SAR" in html and "500.00" in html
    admin = client_for(world.admin_sa)
    admin.post(f"/en/work/pay-runs/{pay_run.code}/approve/")
    admin.post(f"/en/work/pay-runs/{pay_run.code}/paid/", {"paid_on": TODAY.isoformat()})
    pay_run.refresh_from_db()
    assert pay_run.status == "paid"


def test_staff_of_another_facility_cannot_run_the_pay_and_partners_see_no_workers(world, client_for):
    workshop = make_workshop(world)
    person, job = make_worker(world, workshop)
    assert client_for(world.staff_b).post(f"/en/work/workshops/{workshop.code}/jobs/{job.code}/end/").status_code == 404
    assert client_for(world.staff_b).get(f"/en/work/workshops/{workshop.code}/pay-runs/new/").status_code == 404
    operated = make_workshop(world, operator=world.university, agreement=world.mou_sa)
    make_worker(world, operated)
    html = client_for(world.partner_university).get(f"/en/work/workshops/{operated.code}/").content.decode()
    assert "1 person works here" in html
    assert person.family_name not in html
    assert client_for(world.partner_university).get(f"/en/work/workshops/{workshop.code}/").status_code == 404


def test_publish_an_opening_and_see_ranked_candidates(world, client_for):
    _released(world)
    client = client_for(world.partner_outsider)
    response = client.post(
        "/fr/work/openings/new/",
        {
            "employer": world.outsider_org.pk,
            "administration": world.sa.pk,
            "title": "Soudeur",
            "occupation": "72",
            "seats": "2",
            "currency": "SAR",
            "wage_period": "month",
            "valid_until": (TODAY + datetime.timedelta(days=60)).isoformat(),
            "excluded_categories": ["violence"],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    opening = Opening.objects.get()
    html = client.get(f"/fr/work/openings/{opening.code}/").content.decode()
    assert "Profil anonyme" in html or "Anonymous profile" in html
    assert "M-" in html


def test_the_opening_candidates_fragment_for_htmx(world, client_for):
    _released(world)
    opening = make_opening(world)
    html = client_for(world.admin_sa).get(f"/en/work/openings/{opening.code}/", HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<section class="card" id="candidates">')


def test_another_partner_sees_the_opening_but_not_its_candidates(world, client_for):
    opening = make_opening(world)
    _released(world)
    html = client_for(world.partner_university).get(f"/en/work/openings/{opening.code}/").content.decode()
    assert 'id="candidates"' not in html
    assert client_for(world.partner_foundation).get(f"/en/work/openings/{opening.code}/").status_code == 404


def test_an_employer_expresses_interest_in_an_anonymous_candidate(world, client_for):
    person = _released(world)
    opening = make_opening(world)
    client = client_for(world.partner_outsider)
    html = client.get(f"/en/work/openings/{opening.code}/").content.decode()
    code = next(part.split("<")[0] for part in html.split("<code>")[1:] if part.startswith("M-"))
    client.post(f"/en/work/openings/{opening.code}/candidates/{code}/")
    application = Application.objects.get()
    assert application.person == person and application.status == "proposed"
    html = client.get(f"/en/work/applications/{application.code}/").content.decode()
    assert person.given_name not in html and person.public_code not in html


def test_the_person_page_shows_the_work_history(world, client_for):
    workshop = make_workshop(world)
    person, job = make_worker(world, workshop)
    pay_run = services.run_payroll(
        by=world.staff_a,
        workshop=workshop,
        period_start=LAST_MONTH_START,
        period_end=LAST_MONTH_END,
        quantities={job.code: "10"},
    )
    services.approve_pay_run(by=world.admin_sa, pay_run=pay_run)
    services.record_pay_run_paid(by=world.admin_sa, pay_run=pay_run, paid_on=TODAY)
    html = client_for(world.staff_a).get(f"/en/people/{person.public_code}/").content.decode()
    assert 'id="work"' in html and "Welder" in html and "SAR" in html and "Sent to the family" in html
    assert "Pay out the savings" not in html  # savings are kept until release
    people_services.release(person=person, by=world.staff_a, on=TODAY, reason="end_of_sentence")
    html = client_for(world.admin_sa).get(f"/en/people/{person.public_code}/").content.decode()
    assert "Pay out the savings" in html
    client_for(world.admin_sa).post(f"/en/work/people/{person.public_code}/savings/")
    assert (
        "Pay out the savings"
        not in client_for(world.admin_sa).get(f"/en/people/{person.public_code}/").content.decode()
    )


def test_a_person_s_openings_and_putting_them_forward(world, client_for):
    person = _released(world)
    opening = make_opening(world)
    client = client_for(world.staff_a)
    html = client.get(f"/en/work/people/{person.public_code}/").content.decode()
    assert opening.title in html and "Has the trade asked for" in html
    client.post(f"/en/work/people/{person.public_code}/openings/{opening.code}/")
    assert Application.objects.filter(person=person, opening=opening).exists()
    assert client_for(world.staff_b).get(f"/en/work/people/{person.public_code}/").status_code == 404


def test_hire_and_record_retention_through_the_pages(world, client_for):
    person = _released(world)
    opening = make_opening(world)
    consent_employment(world, person, world.outsider_org)
    application = services.propose_candidate(by=world.staff_a, opening=opening, person=person)
    client = client_for(world.partner_outsider)
    client.post(f"/en/work/applications/{application.code}/status/", {"status": "applied"})
    response = client.post(
        f"/en/work/applications/{application.code}/status/", {"status": "hired", "started_on": "2026-01-10"}
    )
    assert response.status_code == 200 and "Nothing was saved" in response.content.decode()
    client.post(
        f"/en/work/applications/{application.code}/status/",
        {
            "status": "hired",
            "started_on": (TODAY - datetime.timedelta(days=100)).isoformat(),
            "wage": "3200",
            "wage_period": "month",
        },
    )
    application.refresh_from_db()
    assert application.status == "hired" and application.retention_checks.count() == 3
    assert "3 months after the hire" in client.get("/en/work/retention/").content.decode()
    client.post(f"/en/work/applications/{application.code}/checks/3/", {"still_employed": "yes", "next": "due"})
    assert application.retention_checks.get(months=3).still_employed is True


def test_a_proposal_through_the_pages(world, client_for):
    client = client_for(world.partner_outsider)
    response = client.post(
        "/en/work/proposals/new/",
        {
            "facility": world.facility_a.pk,
            "title": "Sewing workshop",
            "occupation": "75",
            "workshop_kind": "sewing",
            "places": "12",
            "investment": "150000",
            "currency": "SAR",
            "family_percent": "40",
            "savings_percent": "30",
            "kept_percent": "30",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    proposal = InvestmentProposal.objects.get()
    assert proposal.proposer == world.outsider_org
    admin = client_for(world.admin_sa)
    admin.post(f"/en/work/proposals/{proposal.code}/review/")
    admin.post(f"/en/work/proposals/{proposal.code}/accept/", {"reference": "SA-INV-9"})
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.workshop is not None
    agreement_html = admin.get(f"/en/agreements/{proposal.agreement_id}/").content.decode()
    assert proposal.workshop.code in agreement_html
    assert client_for(world.partner_university).get(f"/en/work/proposals/{proposal.code}/").status_code == 404


def test_due_for_release_lists_best_openings(world, client_for):
    person = make_person(
        by=world.staff_a, facility=world.facility_a, expected_release_on=TODAY + datetime.timedelta(days=20)
    )
    people_services.update_person(person=person, by=world.staff_a, skills=["72"])
    opening = make_opening(world)
    html = client_for(world.staff_a).get("/en/work/due/?days=30").content.decode()
    assert person.public_code in html and opening.title in html


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context)


def test_query_counts_do_not_grow_with_rows(world, client_for):
    workshop = make_workshop(world)
    make_worker(world, workshop)
    opening = make_opening(world)
    services.propose_candidate(by=world.staff_a, opening=opening, person=_released(world))
    _released(world)
    client = client_for(world.admin_sa)
    paths = [
        "/en/work/workshops/",
        f"/en/work/workshops/{workshop.code}/",
        "/en/work/openings/",
        f"/en/work/openings/{opening.code}/",
        "/en/work/applications/",
        "/en/work/due/",
    ]
    before = {path: _count(client, path) for path in paths}
    make_worker(world, workshop)
    make_worker(world, workshop)
    make_workshop(world)
    make_opening(world, title="Another")
    for _ in range(3):
        person = _released(world)
        services.propose_candidate(by=world.staff_a, opening=opening, person=person)
    after = {path: _count(client, path) for path in paths}
    assert after == before
