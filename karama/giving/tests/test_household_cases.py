"""Household needs assessed through family support become cases: the need's amount is asked, the summary speaks
of a family, zakat may go to it, and the association covering the household sees its case — no other."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from karama.giving import ledger, services
from karama.giving.models import CaseKind
from karama.giving.public import summary
from karama.giving.tests.factories import D, give, ready_for_approval
from karama.people import services as people_services
from karama.support import services as support_services
from karama.support.tests.factories import make_association, make_association_user, make_household, make_region


@pytest.fixture
def families(world):
    qassim = make_region("sa-qassim", "SA", ar="منطقة القصيم", en="Qassim")
    riyadh = make_region("sa-riyadh", "SA", ar="منطقة الرياض", en="Riyadh")
    association_a = make_association("support-qassim", world.sa)
    association_b = make_association("support-riyadh", world.sa)
    support_services.add_coverage(by=world.admin_sa, association=association_a, region=qassim)
    support_services.add_coverage(by=world.admin_sa, association=association_b, region=riyadh)
    household = make_household(world, region=qassim, consent_to=association_a)
    for relation, year in (("spouse", 1988), ("child", 2012), ("child", 2015)):
        people_services.add_household_member(
            person=household.person, by=world.admin_sa, relation=relation, birth_year=year
        )
    request = support_services.register_for_support(person=household.person, by=world.admin_sa)
    support_services.record_check(request=request, by=world.admin_sa, checked_on=datetime.date.today(), confirmed=True)
    need = support_services.record_need(
        household=household, by=world.admin_sa, kind="rent", amount="4500.00", currency="SAR"
    )
    return {
        "need": need,
        "household": household,
        "partner_a": make_association_user("partner-support-a", association_a),
        "partner_b": make_association_user("partner-support-b", association_b),
    }


def _published(world, need):
    case = services.open_case(by=world.staff_a, kind=CaseKind.HOUSEHOLD_NEED, household_need=need)
    case = ready_for_approval(world, case)
    services.approve_case(by=world.admin_sa, case=case)
    return services.publish_case(by=world.admin_sa, case=case)


def test_a_household_need_becomes_a_case_asking_its_amount(world, families):
    case = _published(world, families["need"])
    assert case.target == D("4500.00") and case.household == families["household"]
    assert summary(case) == "A family of 4 whose breadwinner is in prison needs help with the rent."
    give(amount="100.00", case=case, gift_kind="zakat")
    assert ledger.case_money(case).held_zakat == D("100.00")


def test_a_need_gets_one_case(world, families):
    services.open_case(by=world.staff_a, kind=CaseKind.HOUSEHOLD_NEED, household_need=families["need"])
    with pytest.raises(ValidationError):
        services.open_case(by=world.staff_a, kind=CaseKind.HOUSEHOLD_NEED, household_need=families["need"])


def test_the_covering_association_sees_its_household_case_and_no_other(world, families, client_for):
    case = _published(world, families["need"])
    seen = client_for(families["partner_a"]).get("/api/v1/giving/cases/").json()["items"]
    assert [row["code"] for row in seen] == [case.public_code]
    client = client_for(families["partner_b"])
    assert client.get("/api/v1/giving/cases/").json()["items"] == []
    assert client.get(f"/en/giving/manage/cases/{case.public_code}/").status_code == 404


def test_the_association_reads_but_never_approves_or_settles(world, families, client_for):
    case = services.open_case(by=world.staff_a, kind=CaseKind.HOUSEHOLD_NEED, household_need=families["need"])
    client = client_for(families["partner_a"])
    assert client.get(f"/en/giving/manage/cases/{case.public_code}/").status_code == 200
    assert (
        client.post(f"/en/giving/manage/cases/{case.public_code}/approve/", {"summary_reviewed": "on"}).status_code
        == 404
    )


def test_without_the_familys_consent_the_association_sees_no_case(world, families, client_for):
    case = _published(world, families["need"])
    for consent in families["household"].person.consents.all():
        people_services.revoke_consent(consent=consent, by=world.admin_sa)
    client = client_for(families["partner_a"])
    assert client.get("/api/v1/giving/cases/").json()["items"] == []
    assert client.get(f"/en/giving/manage/cases/{case.public_code}/").status_code == 404


def test_the_association_never_sees_the_donors(world, families, client_for):
    case = _published(world, families["need"])
    give(amount="10.00", case=case, donor_name="Named Donor")
    html = client_for(families["partner_a"]).get(f"/en/giving/manage/cases/{case.public_code}/").content.decode()
    assert "Named Donor" not in html
    assert (
        "Named Donor" in client_for(world.admin_sa).get(f"/en/giving/manage/cases/{case.public_code}/").content.decode()
    )


def test_staff_open_a_household_case_through_the_api(world, families, client_for):
    need = families["need"]
    response = client_for(world.staff_a).post(
        "/api/v1/giving/cases/",
        {
            "kind": "household_need",
            "person": families["household"].person.public_code,
            "household_need": str(need.uuid),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["target"] == "4500.00" and response.json()["summary_reason"] == "rent"
