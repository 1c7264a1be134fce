"""Who sees which projects: as in the people issue, and for partner staff only under a consent for an
income-generating project. Outside one's scope every page and endpoint answers 404."""

import pytest
from django.utils import timezone

from conftest import make_user
from karama.core.models import Region
from karama.people import services as people_services
from karama.people.tests.factories import make_person
from karama.ventures import services
from karama.ventures.models import Venture
from karama.ventures.selectors import ventures_visible_to
from karama.ventures.tests import factories as f


def _saudi_plan(world):
    region = Region.objects.create(code="sa-qassim", country="SA", names={"en": "Qassim"})
    person = make_person(by=world.staff_a, facility=world.facility_a)
    return services.prepare_plan(
        person=person, by=world.staff_a, currency="SAR", region=region, **{**f.PLAN, "sector": "handicrafts"}
    )


def test_the_foundation_sees_the_plans_of_people_who_consented_to_an_income_project(world):
    consenting = f.draft(world, f.moroccan(world, consent="income_project"))
    training_only = f.draft(world, f.moroccan(world, consent="training"), by=world.admin_ma)
    nobody = f.draft(world, f.moroccan(world, consent=None), by=world.admin_ma)
    visible = set(ventures_visible_to(world.partner_foundation))
    assert consenting in visible
    assert training_only not in visible and nobody not in visible


def test_a_revoked_consent_closes_the_project_at_once(world, client_for):
    person = f.moroccan(world)
    venture = f.draft(world, person)
    client = client_for(world.partner_foundation)
    assert client.get(f"/en/ventures/{venture.public_code}/").status_code == 200
    people_services.revoke_consent(consent=person.consents.get(), by=world.admin_ma)
    assert client.get(f"/en/ventures/{venture.public_code}/").status_code == 404
    assert client.get(f"/api/v1/ventures/{venture.public_code}").status_code == 404


def test_facility_staff_see_their_facility_only_and_administrations_their_own(world):
    saudi = _saudi_plan(world)
    moroccan = f.draft(world)
    assert set(ventures_visible_to(world.staff_a)) == {saudi}
    assert not ventures_visible_to(world.staff_b).exists()
    assert set(ventures_visible_to(world.admin_sa)) == {saudi}
    assert set(ventures_visible_to(world.admin_ma)) == {moroccan}
    assert set(ventures_visible_to(world.operator)) == {saudi, moroccan}
    assert set(ventures_visible_to(world.auditor_sa)) == {saudi}


@pytest.mark.parametrize("persona", ["donor", "researcher", "partner_university", "partner_outsider", "staff_b"])
def test_outsiders_get_404_everywhere(world, client_for, persona):
    venture = f.handed_over(world)
    user = getattr(world, persona)
    assert not ventures_visible_to(user).exists()
    client = client_for(user)
    code = venture.public_code
    for url in (
        f"/en/ventures/{code}/",
        f"/en/ventures/{code}/revise/",
        f"/en/ventures/{code}/handover/receipt/",
        f"/api/v1/ventures/{code}",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/en/ventures/{code}/submit/",
        f"/en/ventures/{code}/review/",
        f"/en/ventures/{code}/grant/",
        f"/en/ventures/{code}/kit/items/",
        f"/en/ventures/{code}/kit/procurement/",
        f"/en/ventures/{code}/handover/",
        f"/en/ventures/{code}/follow-ups/",
        f"/en/ventures/{code}/follow-ups/plan/",
    ):
        assert client.post(url, {}).status_code == 404, url
    for url in (f"/api/v1/ventures/{code}/submit", f"/api/v1/ventures/{code}/follow-ups/planned"):
        assert client.post(url, {}, content_type="application/json").status_code in (404, 422), url
    assert client.get(f"/en/ventures/new/?person={venture.person.public_code}").status_code == 404


@pytest.mark.parametrize("persona", ["donor", "researcher"])
def test_the_board_and_the_work_list_are_not_for_the_public(world, client_for, persona):
    client = client_for(getattr(world, persona))
    assert client.get("/en/ventures/").status_code == 404
    assert client.get("/en/ventures/follow-ups/").status_code == 404
    assert client.get("/api/v1/ventures/").status_code == 404


def test_an_auditor_reads_but_changes_nothing(world, client_for):
    venture = f.draft(world, by=world.admin_ma)
    auditor = make_user("auditor-ma", "auditor", administration=world.ma)
    client = client_for(auditor)
    assert client.get(f"/en/ventures/{venture.public_code}/").status_code == 200
    assert client.post(f"/en/ventures/{venture.public_code}/submit/").status_code == 404
    venture.refresh_from_db()
    assert venture.stage == "draft"


def test_only_a_partner_that_funds_or_implements_the_agreement_draws_the_grant(world, client_for):
    f.budget(world)
    venture = f.approved(world)
    client = client_for(world.partner_foundation)
    # As a mere signatory, the Foundation sees no budget form and cannot draw money.
    world.party_foundation.role = "signatory"
    world.party_foundation.save()
    html = client.get(f"/en/ventures/{venture.public_code}/").content.decode()
    assert 'name="budget_' not in html
    response = client.post(f"/en/ventures/{venture.public_code}/grant/", {"granted_on": str(timezone.localdate())})
    assert response.status_code == 404
    assert not Venture.objects.get(pk=venture.pk).grants.exists()
    # As the agreement's implementer, it draws the grant through the budget service.
    world.party_foundation.role = "implementer"
    world.party_foundation.save()
    assert 'name="budget_' in client.get(f"/en/ventures/{venture.public_code}/").content.decode()


def test_the_agreement_section_shows_aggregates_to_every_party(world, client_for):
    venture = f.funded(world)
    html = client_for(world.partner_foundation).get(f"/en/agreements/{venture.agreement_id}/").content.decode()
    assert 'id="ventures"' in html and "Committed to projects" in html
    # An aggregate: nobody's name or code (the budget movement names the project's random code only).
    assert venture.person.public_code not in html and venture.person.family_name not in html
