"""The work API mirrors the pages: workshops, jobs and pay runs, capacity and proposals, openings with
ranked candidates, applications and retention. Amounts are strings; bad input writes nothing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karama.people import services as people_services
from karama.people.tests.factories import make_person
from karama.work import services
from karama.work.models import Application, InvestmentProposal, Opening, PayRun, Workshop
from karama.work.tests.factories import (
    LAST_MONTH_END,
    LAST_MONTH_START,
    TODAY,
    consent_employment,
    make_opening,
    make_worker,
    make_workshop,
)

API = "/api/v1/work"


def _post(client, path, data):
    return client.post(f"{API}{path}", data, content_type="application/json")


def _released(world):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    people_services.update_person(person=person, by=world.staff_a, skills=["72"])
    people_services.release(person=person, by=world.staff_a, on=TODAY - datetime.timedelta(days=4), reason="pardon")
    person.refresh_from_db()
    return person


def test_build_a_workshop_and_pay_it_through_the_api(world, client_for):
    client = client_for(world.admin_sa)
    response = _post(
        client,
        "/workshops/",
        {
            "facility": "unaizah",
            "names": {"ar": "مصنع"},
            "original_language": "ar",
            "kind": "factory",
            "occupation": "72",
            "currency": "SAR",
        },
    )
    assert response.status_code == 201, response.json()
    code = response.json()["code"]
    position = _post(
        client, f"/workshops/{code}/positions/", {"title": "Welder", "occupation": "72", "places": 2}
    ).json()
    band = _post(
        client, f"/workshops/{code}/pay-bands/", {"name": "Skilled", "basis": "hourly", "rate": "12.50"}
    ).json()
    assert band["rate"] == "12.50"
    split = _post(
        client,
        f"/workshops/{code}/wage-splits/",
        {"effective_from": "2024-01-01", "family_percent": "40", "savings_percent": "30", "kept_percent": "30"},
    )
    assert split.status_code == 201
    person = make_person(by=world.staff_a, facility=world.facility_a)
    job = _post(
        client,
        f"/workshops/{code}/jobs/",
        {"person": person.public_code, "position": position["id"], "pay_band": band["id"], "starts_on": "2024-02-01"},
    ).json()
    period = {"period_start": LAST_MONTH_START.isoformat(), "period_end": LAST_MONTH_END.isoformat()}
    bad = _post(client, f"/workshops/{code}/pay-runs/", {**period, "quantities": {job["code"]: "-3"}})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    assert not PayRun.objects.exists()
    run = _post(client, f"/workshops/{code}/pay-runs/", {**period, "quantities": {job["code"]: "40.5"}}).json()
    assert run["totals"] == {"workers": 1, "gross": "506.25", "family": "202.50", "savings": "151.88", "kept": "151.87"}
    assert run["lines"][0]["person"] == person.public_code
    assert _post(client, f"/pay-runs/{run['code']}/approve/", {}).json()["status"] == "approved"
    paid = _post(client, f"/pay-runs/{run['code']}/paid/", {"paid_on": TODAY.isoformat()}).json()
    assert paid["status"] == "paid"
    work = client.get(f"{API}/people/{person.public_code}/work/").json()
    assert work["earnings"][0]["family"] == "202.50" and work["jobs"][0]["code"] == job["code"]


def test_a_partner_operator_sees_totals_but_no_workers(world, client_for):
    workshop = make_workshop(world, operator=world.university, agreement=world.mou_sa)
    _person, job = make_worker(world, workshop)
    pay_run = services.run_payroll(
        by=world.staff_a,
        workshop=workshop,
        period_start=LAST_MONTH_START,
        period_end=LAST_MONTH_END,
        quantities={job.code: "10"},
    )
    data = client_for(world.partner_university).get(f"{API}/pay-runs/{pay_run.code}/").json()
    assert data["totals"]["gross"] == "125.00" and "lines" not in data
    assert client_for(world.partner_university).get(f"{API}/workshops/{workshop.code}/jobs/").json() == []


def test_proposals_through_the_api(world, client_for):
    partner = client_for(world.partner_outsider)
    response = _post(
        partner,
        "/proposals/",
        {
            "facility": "unaizah",
            "proposer": "nauss",
            "title": "Carpentry",
            "occupation": "75",
            "workshop_kind": "carpentry",
            "places": 10,
            "investment": "90000",
            "currency": "SAR",
            "family_percent": "40",
            "savings_percent": "30",
            "kept_percent": "30",
        },
    )
    assert response.status_code == 201, response.json()
    proposal = response.json()
    assert proposal["proposer"] == "some-company"  # partners always propose for their own organization
    bad = _post(
        partner,
        "/proposals/",
        {
            "facility": "unaizah",
            "title": "Bad",
            "occupation": "75",
            "workshop_kind": "carpentry",
            "places": 10,
            "investment": "90000",
            "currency": "SAR",
            "family_percent": "50",
            "savings_percent": "30",
            "kept_percent": "30",
        },
    )
    assert bad.status_code == 422 and InvestmentProposal.objects.count() == 1
    admin = client_for(world.admin_sa)
    _post(admin, f"/proposals/{proposal['code']}/review/", {})
    accepted = _post(admin, f"/proposals/{proposal['code']}/accept/", {"reference": "SA-INV-API"}).json()
    assert accepted["status"] == "accepted" and accepted["workshop"] and accepted["agreement"]
    assert Workshop.objects.get(code=accepted["workshop"]).operator == world.outsider_org


def test_capacity_through_the_api(world, client_for):
    response = client_for(world.staff_a).put(
        f"{API}/capacity/unaizah/",
        {"space_square_metres": 900, "trades": ["72"], "idle_workers": 20, "published": True},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["idle_workers"] == 20
    assert client_for(world.partner_outsider).get(f"{API}/capacity/").json()[0]["facility"] == "unaizah"
    assert client_for(world.partner_foundation).get(f"{API}/capacity/").json() == []


def test_openings_candidates_applications_and_retention_through_the_api(world, client_for):
    person = _released(world)
    partner = client_for(world.partner_outsider)
    response = _post(
        partner,
        "/openings/",
        {
            "employer": "some-company",
            "administration": "sa-prisons",
            "title": "Welder",
            "occupation": "72",
            "valid_until": (TODAY + datetime.timedelta(days=60)).isoformat(),
            "currency": "SAR",
            "seats": 1,
            "wage_min": "3000",
            "wage_max": "4000",
            "excluded_categories": ["violence"],
        },
    )
    assert response.status_code == 201, response.json()
    opening = response.json()
    assert opening["excluded_categories"] == ["violence"] and opening["wage_min"] == "3000.00"
    [candidate] = partner.get(f"{API}/openings/{opening['code']}/candidates/").json()
    assert not candidate["named"] and "name" not in candidate and candidate["code"].startswith("M-")
    assert {reason["code"] for reason in candidate["reasons"]} >= {"occupation", "released"}
    interest = _post(partner, "/applications/", {"opening": opening["code"], "person": candidate["code"]})
    assert interest.status_code == 201 and interest.json()["person"] == candidate["code"]
    code = interest.json()["code"]
    refused = _post(partner, f"/applications/{code}/status/", {"status": "applied"})
    assert refused.status_code == 422 and Application.objects.get().status == "proposed"
    consent_employment(world, person, world.outsider_org)
    assert _post(partner, f"/applications/{code}/status/", {"status": "applied"}).json()["person"] == person.public_code
    hired = _post(
        partner,
        f"/applications/{code}/status/",
        {"status": "hired", "started_on": (TODAY - datetime.timedelta(days=95)).isoformat(), "wage": "3500"},
    ).json()
    assert hired["status"] == "hired" and [c["months"] for c in hired["retention_checks"]] == [3, 6, 12]
    assert Opening.objects.get(code=opening["code"]).status == "filled"
    due = partner.get(f"{API}/retention-checks/due/").json()
    assert [item["code"] for item in due] == [code]
    recorded = _post(partner, f"/applications/{code}/retention/3/", {"still_employed": True}).json()
    assert recorded["retention_checks"][0]["still_employed"] is True
    changed = partner.patch(
        f"{API}/openings/{opening['code']}/", {"excluded_categories": []}, content_type="application/json"
    )
    assert changed.status_code == 422


def test_a_persons_openings_and_the_due_list(world, client_for):
    person = make_person(
        by=world.staff_a, facility=world.facility_a, expected_release_on=TODAY + datetime.timedelta(days=30)
    )
    people_services.update_person(person=person, by=world.staff_a, skills=["72"])
    opening = make_opening(world)
    client = client_for(world.staff_a)
    [match] = client.get(f"{API}/people/{person.public_code}/openings/").json()
    assert match["opening"] == opening.code and match["score"] > 0
    due = client.get(f"{API}/due/", {"days": 60}).json()
    assert due["count"] == 1 and due["items"][0]["matches"][0]["opening"] == opening.code
    assert client_for(world.partner_outsider).get(f"{API}/due/").status_code == 404


@pytest.mark.parametrize("path", ["/workshops/", "/openings/", "/applications/", "/proposals/", "/due/?days=90"])
def test_list_endpoints_take_a_fixed_number_of_queries(world, client_for, path):
    client = client_for(world.admin_sa)
    workshop = make_workshop(world)
    make_worker(world, workshop)
    opening = make_opening(world)
    services.propose_candidate(by=world.staff_a, opening=opening, person=_released(world))
    person = make_person(
        by=world.staff_a, facility=world.facility_a, expected_release_on=TODAY + datetime.timedelta(days=30)
    )

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(f"{API}{path}").status_code == 200
        return len(context)

    before = count()
    make_workshop(world)
    make_opening(world, title="Another")
    services.propose_candidate(by=world.staff_a, opening=opening, person=_released(world))
    make_person(by=world.staff_a, facility=world.facility_a, expected_release_on=TODAY + datetime.timedelta(days=40))
    del person
    assert count() == before
