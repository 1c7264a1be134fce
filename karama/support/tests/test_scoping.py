"""Who sees which household, request and need: an association only the households it covers."""

import datetime

import pytest
from django.urls import reverse

from karama.people import services as people_services
from karama.support import services
from karama.support.selectors import (
    households_visible_to,
    needs_visible_to,
    requests_visible_to,
)
from karama.support.tests.factories import make_household

pytestmark = pytest.mark.django_db


def _codes(queryset) -> set[str]:
    return set(queryset.values_list("public_code", flat=True))


def test_a_partner_association_sees_only_its_households(support):
    assert _codes(households_visible_to(support.partner_a)) == {support.household_a.public_code}
    assert _codes(households_visible_to(support.partner_b)) == {support.household_b.public_code}


def test_a_partner_association_gets_404_for_another_associations_household(support, client_for):
    client = client_for(support.partner_b)
    code = support.household_a.public_code
    assert client.get(reverse("support:household", args=[code])).status_code == 404
    assert client.get(f"/api/v1/support/households/{code}/").status_code == 404
    need = services.record_need(household=support.household_a, by=support.partner_a, kind="food", items="basket")
    assert client.get(reverse("support:need", args=[need.uuid])).status_code == 404
    assert client.get(f"/api/v1/support/needs/{need.uuid}/").status_code == 404


def test_a_household_in_a_covered_region_stays_hidden_without_consent(support):
    household = make_household(support.world, region=support.qassim)
    assert not households_visible_to(support.partner_a).filter(pk=household.pk).exists()


def test_a_consent_for_training_does_not_open_the_household(support):
    household = make_household(support.world, region=support.qassim)
    people_services.record_consent(
        person=household.person,
        by=support.world.admin_sa,
        organization=support.association_a,
        purpose="training",
        valid_from=datetime.date(2024, 1, 1),
    )
    assert not households_visible_to(support.partner_a).filter(pk=household.pk).exists()


def test_a_household_naming_the_association_is_seen_outside_its_regions(support):
    household = make_household(
        support.world, region=support.riyadh, association=support.association_a, consent_to=support.association_a
    )
    assert households_visible_to(support.partner_a).filter(pk=household.pk).exists()


def test_a_consent_outside_the_coverage_opens_nothing(support):
    household = make_household(support.world, region=support.riyadh, consent_to=support.association_a)
    assert not households_visible_to(support.partner_a).filter(pk=household.pk).exists()


def test_a_revoked_consent_closes_the_household_at_once(support):
    consent = support.household_a.person.consents.get(organization=support.association_a)
    people_services.revoke_consent(consent=consent, by=support.world.admin_sa)
    assert not households_visible_to(support.partner_a).exists()
    assert not needs_visible_to(support.partner_a).exists()


def test_facility_staff_see_only_their_facilitys_households(support):
    world = support.world
    other = make_household(world, facility=world.facility_b, region=support.qassim)
    assert other.pk not in set(households_visible_to(world.staff_a).values_list("pk", flat=True))
    assert _codes(households_visible_to(world.staff_b)) == {other.public_code}


def test_a_national_administrator_sees_only_their_administration(support):
    world = support.world
    assert households_visible_to(world.admin_sa).count() == 2
    assert households_visible_to(world.admin_ma).count() == 0


@pytest.mark.parametrize("persona", ["donor", "researcher", "partner_outsider", "partner_foundation"])
def test_outsiders_see_no_household_request_or_need(support, persona, client_for):
    user = getattr(support.world, persona)
    assert not households_visible_to(user).exists()
    assert not requests_visible_to(user).exists()
    client = client_for(user)
    assert client.get(reverse("support:household", args=[support.household_a.public_code])).status_code == 404
    assert client.get(reverse("support:request", args=[support.request_a.public_code])).status_code == 404


def test_a_request_is_seen_by_the_association_it_is_routed_to(support):
    assert _codes(requests_visible_to(support.partner_a)) == {support.request_a.public_code}
    assert not requests_visible_to(support.partner_b).exists()


def test_facility_staff_see_a_public_request_naming_one_of_their_people(support):
    world = support.world
    from karama.core.crypto import decrypt

    person = support.household_b.person
    request = services.submit_public_request(
        region=support.riyadh,
        contact_name="أم خالد",
        contact_relation="spouse",
        contact_phone="0501112222",
        prisoner_name="خالد",
        prisoner_national_id=decrypt(person.national_id_encrypted),
    )
    assert requests_visible_to(world.staff_a).filter(pk=request.pk).exists()
    assert not requests_visible_to(world.staff_b).filter(pk=request.pk).exists()


def test_evidence_is_served_only_within_scope(support, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    need = services.record_need(household=support.household_a, by=support.partner_a, kind="rent", items="rent")
    evidence = services.attach_evidence(
        need=need, by=support.partner_a, uploaded=SimpleUploadedFile("lease.pdf", b"%PDF-1.4 lease")
    )
    url = reverse("support:evidence", args=[evidence.uuid])
    response = client_for(support.partner_a).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client_for(support.partner_b).get(url).status_code == 404
