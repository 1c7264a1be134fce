"""The family-support personas, on top of the shared `world`: two Saudi support associations covering two
regions, their staff, an active agreement with a riyal budget, and a household covered by each."""

import datetime
from decimal import Decimal

import pytest

from karama.agreements import services as agreement_services
from karama.support import services
from karama.support.tests.factories import make_association, make_association_user, make_household, make_region


class SupportWorld:
    """world + support: s.qassim, s.association_a, s.partner_a, s.household_a, s.agreement, s.budget..."""


def accept(household, association, by):
    """Register a household through staff and record the association's confirming check."""
    request = services.register_for_support(person=household.person, by=by)
    return services.record_check(
        request=request, by=by, checked_on=datetime.date.today(), note="Visited the family.", confirmed=True
    )


@pytest.fixture
def support(world) -> SupportWorld:
    s = SupportWorld()
    s.world = world
    s.qassim = make_region("sa-qassim", "SA", ar="منطقة القصيم", en="Qassim")
    s.riyadh = make_region("sa-riyadh", "SA", ar="منطقة الرياض", en="Riyadh")
    s.association_a = make_association("sa-support-qassim", world.sa, names={"ar": "جمعية رعاية أسر السجناء بالقصيم"})
    s.association_b = make_association("sa-support-riyadh", world.sa, names={"ar": "جمعية رعاية أسر السجناء بالرياض"})
    s.coverage_a = services.add_coverage(by=world.admin_sa, association=s.association_a, region=s.qassim)
    s.coverage_b = services.add_coverage(by=world.admin_sa, association=s.association_b, region=s.riyadh)
    s.partner_a = make_association_user("partner-support-a", s.association_a)
    s.partner_b = make_association_user("partner-support-b", s.association_b)
    s.agreement = agreement_services.create_agreement(
        by=world.admin_sa,
        administration=world.sa,
        kind="mou",
        reference="SA-FAMILIES-1",
        names={"ar": "دعم أسر النزلاء", "en": "Support of inmates' families"},
        original_language="ar",
        domains=["family_support"],
    )
    for association in (s.association_a, s.association_b):
        agreement_services.add_party(
            agreement=s.agreement, by=world.admin_sa, organization=association, role="implementer"
        )
    s.agreement = agreement_services.change_agreement_status(agreement=s.agreement, status="active", by=world.admin_sa)
    s.budget = agreement_services.add_budget(
        agreement=s.agreement, by=world.admin_sa, amount=Decimal("10000.00"), currency="SAR", label="Families fund"
    )
    s.household_a = make_household(world, region=s.qassim, consent_to=s.association_a, given_name="فاطمة")
    s.household_b = make_household(world, region=s.riyadh, consent_to=s.association_b, given_name="خالد")
    s.request_a = accept(s.household_a, s.association_a, world.admin_sa)
    return s
