"""A project can open a giving case for the equipment its grant could not buy; what donors paid the supplier
through it raises what the kit may cost."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from karama.giving import services as giving
from karama.giving.models import Case, CaseKind, CaseStatus
from karama.giving.tests.factories import give
from karama.ventures import services
from karama.ventures.tests import factories as f


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


def test_staff_open_an_equipment_case_in_the_projects_sector_and_currency(world):
    venture = f.funded(world)
    case = services.ask_donors_for_equipment(venture=venture, by=world.admin_ma, target="8000.00")
    venture.refresh_from_db()
    assert venture.equipment_case == case
    assert (case.kind, case.status, case.person, case.currency) == (
        CaseKind.EQUIPMENT,
        CaseStatus.DRAFT,
        venture.person,
        "MAD",
    )
    assert case.target == 8000 and case.summary_reason == "handicrafts"
    with pytest.raises(ValidationError, match=case.public_code):
        services.ask_donors_for_equipment(venture=venture, by=world.admin_ma, target="1000.00")


def test_a_cancelled_case_can_be_replaced(world):
    venture = f.funded(world)
    first = services.ask_donors_for_equipment(venture=venture, by=world.admin_ma, target="8000.00")
    giving.cancel_case(by=world.admin_ma, case=first, reason="Devis périmé")
    second = services.ask_donors_for_equipment(venture=venture, by=world.admin_ma, target="7000.00")
    assert second != first


def test_partner_staff_and_unfunded_plans_cannot_ask_donors(world, client_for):
    venture = f.funded(world)
    with pytest.raises(PermissionDenied):
        services.ask_donors_for_equipment(venture=venture, by=world.partner_foundation, target="8000.00")
    response = client_for(world.partner_foundation).post(
        f"/en/ventures/{venture.public_code}/kit/donors/", {"target": "8000"}
    )
    assert response.status_code == 404
    draft = f.draft(world)
    with pytest.raises(ValidationError):
        services.ask_donors_for_equipment(venture=draft, by=world.admin_ma, target="8000.00")
    assert not Case.objects.exists()


def test_what_donors_paid_the_supplier_raises_what_the_kit_may_cost(world, client_for):
    venture = f.funded(world, amount="30000.00")
    services.add_kit_item(venture=venture, by=world.partner_foundation, name="Machine", unit_cost="30000.00")
    with pytest.raises(ValidationError):
        services.add_kit_item(venture=venture, by=world.partner_foundation, name="Surjeteuse", unit_cost="7000.00")

    response = client_for(world.admin_ma).post(f"/en/ventures/{venture.public_code}/kit/donors/", {"target": "7000.00"})
    assert response.status_code == 302
    case = Case.objects.get()
    giving.update_case_facts(by=world.admin_ma, case=case, region=f.region())
    giving.approve_case(by=world.operator, case=case)
    case = giving.publish_case(by=world.admin_ma, case=case)
    give(amount="7000.00", case=case)
    case.refresh_from_db()
    giving.record_settlement(
        by=world.admin_ma,
        case=case,
        payee_kind="supplier",
        payee="Textile Équipement",
        reference="FAC-2026-118",
        paid_on=f.days_ago(0),
        proof=SimpleUploadedFile("facture.pdf", b"%PDF-1.4 facture", content_type="application/pdf"),
    )

    services.add_kit_item(venture=venture, by=world.partner_foundation, name="Surjeteuse", unit_cost="7000.00")
    html = client_for(world.partner_foundation).get(f"/en/ventures/{venture.public_code}/").content.decode()
    assert "given by donors" in html and case.public_code in html


def test_the_api_opens_the_case(world, client_for):
    venture = f.funded(world)
    response = client_for(world.admin_ma).post(
        f"/api/v1/ventures/{venture.public_code}/equipment-case",
        {"target": "5000.00"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["status"] == "draft"
    assert response.json()["case"] == Case.objects.get().public_code
