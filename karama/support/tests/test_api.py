"""The support API: scoped like the pages, amounts as exact strings, errors in the one JSON shape."""

import datetime

import pytest

from karama.support import services
from karama.support.models import Disbursement, SupportRequest

pytestmark = pytest.mark.django_db
API = "/api/v1/support"


def test_an_association_lists_only_its_households(support, client_for):
    response = client_for(support.partner_a).get(f"{API}/households/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["code"] == support.household_a.public_code
    assert body["items"][0]["supported"] is True


def test_an_association_records_a_need_and_reads_it_back(support, client_for):
    client = client_for(support.partner_a)
    code = support.household_a.public_code
    response = client.post(
        f"{API}/households/{code}/needs/",
        {"kind": "rent", "amount": "1500", "currency": "SAR", "recurrence": "monthly", "urgency": "high"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    need = response.json()
    assert need["amount"] == "1500.00"
    assert need["assessing_organization"] == "sa-support-qassim"
    listed = client.get(f"{API}/households/{code}/needs/").json()
    assert [item["id"] for item in listed] == [need["id"]]
    assert client.get(f"{API}/needs/?urgency=high").json()["count"] == 1


def test_a_float_amount_is_refused_in_the_one_error_shape(support, client_for):
    response = client_for(support.partner_a).post(
        f"{API}/households/{support.household_a.public_code}/needs/",
        {"kind": "rent", "amount": "12.345", "currency": "SAR"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and "amount" in body["fields"]


def test_a_package_and_its_disbursement_through_the_api(support, client_for):
    client = client_for(support.world.admin_sa)
    code = support.household_a.public_code
    package = client.post(
        f"{API}/households/{code}/packages/",
        {
            "form": "cash",
            "association": "sa-support-qassim",
            "agreement": support.agreement.pk,
            "amount": "750",
            "currency": "SAR",
            "recurrence": "monthly",
        },
        content_type="application/json",
    )
    assert package.status_code == 201, package.content
    assert package.json()["budget"] == support.budget.pk
    disbursement = client.post(
        f"{API}/packages/{package.json()['id']}/disbursements/", {"reference": "TR-1"}, content_type="application/json"
    )
    assert disbursement.status_code == 201, disbursement.content
    assert disbursement.json()["amount"] == "750.00"
    assert disbursement.json()["status"] == "disbursed"
    household = client.get(f"{API}/households/{code}/").json()
    assert household["received"]["cash"] == {"SAR": "750.00"}


def test_an_association_disbursement_is_approved_through_the_api(support, client_for):
    package = services.create_package(
        household=support.household_a,
        by=support.partner_a,
        form="cash",
        amount="500",
        currency="SAR",
        recurrence="monthly",
        agreement=support.agreement,
    )
    response = client_for(support.partner_a).post(
        f"{API}/packages/{package.uuid}/disbursements/", {}, content_type="application/json"
    )
    assert response.json()["status"] == "awaiting_approval"
    pending_id = response.json()["id"]
    assert client_for(support.partner_a).post(f"{API}/disbursements/{pending_id}/approve/").status_code == 404
    approved = client_for(support.world.admin_sa).post(f"{API}/disbursements/{pending_id}/approve/")
    assert approved.status_code == 200
    assert Disbursement.objects.get().status == Disbursement.Status.DISBURSED


def test_requests_are_listed_checked_and_never_show_the_national_id(support, client_for):
    request = services.submit_public_request(
        region=support.qassim,
        contact_name="أم خالد",
        contact_relation="spouse",
        contact_phone="0501234567",
        prisoner_name="خالد",
        prisoner_national_id="1234509876",
    )
    client = client_for(support.partner_a)
    listed = client.get(f"{API}/requests/").json()
    assert [item["code"] for item in listed["items"]] == [request.public_code]
    assert "1234509876" not in str(listed)
    assert listed["items"][0]["has_prisoner_national_id"] is True
    checked = client.post(
        f"{API}/requests/{request.public_code}/check/",
        {"checked_on": datetime.date.today().isoformat(), "confirmed": True},
        content_type="application/json",
    )
    assert checked.json()["status"] == SupportRequest.Status.AWAITING_LINK
    assert client_for(support.partner_b).get(f"{API}/requests/{request.public_code}/").status_code == 404


def test_coverage_is_listed_for_the_association_and_added_by_the_administrator(support, client_for):
    assert [row["region"] for row in client_for(support.partner_a).get(f"{API}/coverage/").json()] == ["sa-qassim"]
    added = client_for(support.world.admin_sa).post(
        f"{API}/coverage/", {"association": "sa-support-qassim", "region": "sa-riyadh"}, content_type="application/json"
    )
    assert added.status_code == 201
    refused = client_for(support.partner_a).post(
        f"{API}/coverage/", {"association": "sa-support-qassim", "region": "sa-riyadh"}, content_type="application/json"
    )
    assert refused.status_code == 404


def test_donors_get_404_from_every_list(support, client_for):
    client = client_for(support.world.donor)
    for path in ("households/", "requests/", "needs/", "disbursements/", "coverage/"):
        assert client.get(f"{API}/{path}").status_code == 404
