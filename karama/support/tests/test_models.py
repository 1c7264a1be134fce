"""The database refuses what the services refuse, so no other road can write an inconsistent row."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from karama.support.models import HouseholdNeed, SupportRequest
from karama.support.tests.factories import make_household, make_region

pytestmark = pytest.mark.django_db


def _need(household, **fields):
    defaults = {
        "household": household,
        "administration": household.person.administration,
        "kind": "rent",
        "assessing_organization": household.person.administration,
    }
    return HouseholdNeed(**{**defaults, **fields})


def test_a_need_without_amount_or_items_is_refused_by_the_database(world):
    household = make_household(world, region=make_region())
    with pytest.raises(IntegrityError), transaction.atomic():
        _need(household).save()


def test_a_need_amount_needs_a_currency(world):
    household = make_household(world, region=make_region())
    with pytest.raises(IntegrityError), transaction.atomic():
        _need(household, amount=Decimal("100")).save()
    _need(household, amount=Decimal("100"), currency="SAR").save()


def test_an_accepted_request_must_be_checked_and_linked(world):
    region = make_region()
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportRequest.objects.create(
            administration=world.sa,
            region=region,
            channel="public_form",
            contact_name="x",
            contact_relation="spouse",
            status="accepted",
        )
