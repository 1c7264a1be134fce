"""The API: public read-only endpoints for anyone, staff endpoints scoped like the pages, four eyes, one error
shape, and nothing written on bad input."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from karama.giving.models import Case, CaseStatus
from karama.giving.tests.factories import (
    give,
    make_campaign,
    make_debtor,
    open_debt_case,
    published_debt_case,
    ready_for_approval,
)

TODAY = timezone.localdate()
PUBLIC_FIELDS = {
    "code",
    "kind",
    "kind_label",
    "status",
    "status_label",
    "summary",
    "region",
    "region_code",
    "sex",
    "children",
    "illness",
    "pregnancy",
    "head_of_household",
    "reasons",
    "currency",
    "target",
    "raised",
    "remaining",
    "percent",
    "zakat_eligible",
    "accepts_gifts",
    "campaign_code",
    "campaign_name",
}


def test_the_public_case_api_needs_no_sign_in_and_says_only_public_things(world, client):
    case = published_debt_case(world, amount="37452.50")
    give(amount="1234.56", case=case)
    rows = client.get("/api/v1/giving/public/cases/").json()["items"]
    assert [row["code"] for row in rows] == [case.public_code]
    assert set(rows[0]) == PUBLIC_FIELDS
    assert (rows[0]["target"], rows[0]["raised"]) == ("37000", "1200")
    detail = client.get(f"/api/v1/giving/public/cases/{case.public_code}/", HTTP_ACCEPT_LANGUAGE="ar").json()
    assert detail["summary"].startswith("رجل")


def test_the_public_api_costs_the_same_queries_for_many_cases(world, client, django_assert_max_num_queries):
    for _ in range(8):
        published_debt_case(world)
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/giving/public/cases/").json()["items"]) == 8


def test_public_campaigns_and_transparency(world, client):
    campaign = make_campaign(world)
    give(amount="500.00", campaign=campaign)
    campaigns = client.get("/api/v1/giving/public/campaigns/").json()
    assert campaigns[0]["code"] == campaign.code and campaigns[0]["raised"] == "500"
    report = client.get("/api/v1/giving/public/transparency/").json()
    assert report[0]["given"] == "500" and report[0]["administration"] == "sa-prisons"


def test_staff_open_a_case_through_the_api_and_the_opener_cannot_approve_it(world, client_for):
    person = make_debtor(world)
    client = client_for(world.staff_a)
    response = client.post(
        "/api/v1/giving/cases/",
        {
            "person": person.public_code,
            "claims": [
                {"creditor_name": "Bank", "amount": "2500.00", "court_reference": "ENF-7", "creditor_kind": "bank"}
            ],
            "summary_reason": "personal_loan",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    code = response.json()["code"]
    case = ready_for_approval(world, Case.objects.get(public_code=code))
    refused = client.post(f"/api/v1/giving/cases/{code}/approve/")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DRAFT
    approved = client_for(world.admin_sa).post(f"/api/v1/giving/cases/{code}/approve/")
    assert approved.json()["approved_by"] == "admin-sa"


@pytest.mark.parametrize("outsider", ["staff_b", "admin_ma", "partner_university", "donor"])
def test_an_outsider_gets_404_from_the_staff_api(world, client_for, outsider):
    case = open_debt_case(world)
    client = client_for(getattr(world, outsider))
    assert client.get(f"/api/v1/giving/cases/{case.public_code}/").status_code == 404
    assert client.post(f"/api/v1/giving/cases/{case.public_code}/approve/").status_code == 404
    listed = client.get("/api/v1/giving/cases/")
    assert listed.status_code == 404 or listed.json()["items"] == []


def test_bad_input_writes_nothing(world, client_for):
    person = make_debtor(world)
    response = client_for(world.staff_a).post(
        "/api/v1/giving/cases/",
        {"person": person.public_code, "claims": [{"creditor_name": "X", "amount": "12.345", "court_reference": "R"}]},
        content_type="application/json",
    )
    assert response.status_code == 422 and "amount" in response.json()["fields"]
    assert not Case.objects.exists()


def test_settle_and_release_through_the_api(world, client_for):
    case = published_debt_case(world, amount="300.00")
    give(amount="300.00", case=case)
    client = client_for(world.admin_sa)
    proof = SimpleUploadedFile("proof.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    settled = client.post(
        f"/api/v1/giving/cases/{case.public_code}/settlement/",
        {
            "payee_kind": "creditor",
            "payee": "Landlord",
            "reference": "TRF",
            "paid_on": TODAY.isoformat(),
            "proof": proof,
        },
    )
    assert settled.status_code == 200, settled.content
    assert settled.json()["paid_out"] == "300.00"
    released = client.post(
        f"/api/v1/giving/cases/{case.public_code}/release/", {"on": TODAY.isoformat()}, content_type="application/json"
    )
    assert released.json()["status"] == "closed" and released.json()["released_on"] == TODAY.isoformat()


def test_staff_see_gifts_but_never_an_anonymous_donors_name(world, client_for):
    case = published_debt_case(world)
    give(amount="10.00", case=case, anonymous=True, donor_name="Hidden")
    give(amount="10.00", case=case, donor_name="Shown")
    gifts = client_for(world.admin_sa).get("/api/v1/giving/gifts/").json()["items"]
    assert sorted(str(gift["donor_name"]) for gift in gifts) == ["None", "Shown"]
    assert client_for(world.staff_a).get("/api/v1/giving/gifts/").json()["items"] == []


def test_balances_are_sums_of_the_ledger(world, client_for):
    case = published_debt_case(world)
    give(amount="10.00", case=case, fee="0.50")
    rows = client_for(world.admin_sa).get("/api/v1/giving/balances/").json()
    by_account = {(row["account"], row["zakat"]): row["balance"] for row in rows}
    assert by_account[("clearing", False)] == "9.50" and by_account[("case", False)] == "10.00"
    assert by_account[("fees", False)] == "0.50"
