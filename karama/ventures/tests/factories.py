"""Build projects for tests through the services, as the people who run them would.

Everything happens in Morocco, in the `world` of conftest.py: the Souss-Massa agreement (made active
here), its Foundation, and people of the Agadir prison who consented to share with the Foundation.
"""

import datetime

from django.utils import timezone

from karama.agreements import services as agreement_services
from karama.agreements.models import Agreement, Budget
from karama.core.models import Organization, Region
from karama.people import services as people_services
from karama.people.tests.factories import make_person
from karama.ventures import services
from karama.ventures.models import Venture


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def region() -> Region:
    found = Region.objects.filter(code="ma-souss-massa").first()
    return found or Region.objects.create(
        code="ma-souss-massa", country="MA", names={"fr": "Souss-Massa", "ar": "جهة سوس ماسة"}
    )


def active_agreement(world) -> Agreement:
    agreement = world.agreement_ma
    agreement.refresh_from_db()
    if agreement.status == Agreement.Status.DRAFT:
        agreement = agreement_services.change_agreement_status(agreement=agreement, status="active", by=world.admin_ma)
    return agreement


def budget(world, amount: str = "1000000.00", funder=None, label: str = "INDH") -> Budget:
    return agreement_services.add_budget(
        agreement=active_agreement(world),
        by=world.admin_ma,
        amount=amount,
        currency="MAD",
        funder=funder,
        label=label,
    )


def second_funder(world):
    """Another funder party of the agreement, for grants split across shares."""
    committee = Organization.objects.create(
        code="cpdh-agadir",
        kind=Organization.Kind.GOVERNMENT_AGENCY,
        country="MA",
        administration=world.ma,
        names={"fr": "Comité provincial de développement humain"},
        original_language="fr",
    )
    return agreement_services.add_party(
        agreement=active_agreement(world), by=world.admin_ma, organization=committee, role="funder"
    )


def moroccan(
    world,
    *,
    released: bool = True,
    released_on: datetime.date | None = None,
    consent: str | None = "income_project",
    **fields,
):
    """A person of the Agadir prison; released a month ago unless told otherwise; consenting to the Foundation."""
    fields.setdefault("nationality", "MA")
    person = make_person(by=world.admin_ma, facility=world.facility_ma, admitted_on=days_ago(1500), **fields)
    if consent:
        people_services.record_consent(
            person=person,
            by=world.admin_ma,
            organization=world.foundation,
            purpose=consent,
            valid_from=days_ago(1400),
        )
    if released:
        people_services.release(
            person=person, by=world.admin_ma, on=released_on or days_ago(30), reason="end_of_sentence"
        )
    person.refresh_from_db()
    return person


PLAN = {
    "sector": "handicrafts",
    "activity": "Atelier de couture",
    "equipment_budget": "30000.00",
    "working_capital": "5000.00",
    "expected_monthly_income": "3000.00",
    "training_and_experience": "Formation en couture (OFPPT), 2 ans d'atelier en détention",
    "equipment_description": "Machine à coudre industrielle, surjeteuse, table de coupe",
}


# Each step is dated from the handover (`base`, twenty days ago unless told): the plan 100 days before it,
# the committee 80, the grant 70.


def _before(base: datetime.date | None, days: int) -> datetime.date:
    return (base or days_ago(20)) - datetime.timedelta(days=days)


def draft(world, person=None, *, by=None, base=None, **overrides) -> Venture:
    person = person or moroccan(world)
    values = {**PLAN, "region": region(), **overrides}
    return services.prepare_plan(
        person=person,
        by=by or world.partner_foundation,
        currency="MAD",
        agreement=active_agreement(world),
        prepared_on=_before(base, 100),
        **values,
    )


def approved(world, person=None, *, by=None, approved_amount=None, base=None, **overrides) -> Venture:
    venture = draft(world, person, by=by, base=base, **overrides)
    services.submit_for_review(venture=venture, by=by or world.partner_foundation)
    services.record_review(
        venture=venture,
        by=by or world.partner_foundation,
        reviewed_on=_before(base, 80),
        members="Fondation Mohammed VI\nComité provincial de développement humain\nDGAPR",
        decision="approved_with_changes" if approved_amount else "approved",
        reasons="Sans le fonds de roulement" if approved_amount else "",
        approved_amount=approved_amount,
    )
    venture.refresh_from_db()
    return venture


def funded(world, person=None, *, amount: str = "30000.00", the_budget: Budget | None = None, base=None, **overrides):
    venture = approved(world, person, base=base, **overrides)
    the_budget = the_budget or Budget.objects.filter(agreement=venture.agreement).first() or budget(world)
    services.grant_venture(
        venture=venture,
        by=world.admin_ma,
        agreement=venture.agreement,
        shares=[(the_budget, amount)],
        granted_on=_before(base, 70),
    )
    venture.refresh_from_db()
    return venture


def equipped(world, person=None, **overrides) -> Venture:
    venture = funded(world, person, **overrides)
    services.add_kit_item(
        venture=venture,
        by=world.partner_foundation,
        name="Machine à coudre industrielle",
        unit_cost="12000.00",
        quantity=2,
        supplier="Souss Équipement",
        serial_number="JK-2024-0017",
    )
    services.set_procurement(venture=venture, by=world.partner_foundation, procurement="delivered")
    venture.refresh_from_db()
    return venture


def handed_over(world, person=None, *, on: datetime.date | None = None, **overrides) -> Venture:
    venture = equipped(world, person, base=on, **overrides)
    services.hand_over(
        venture=venture,
        by=world.partner_foundation,
        handed_over_on=on or days_ago(20),
        place="Wilaya d'Agadir",
        handed_over_by="Le wali de la région",
        ceremony="Cérémonie de signature",
        beneficiary_signed=True,
    )
    venture.refresh_from_db()
    return venture
