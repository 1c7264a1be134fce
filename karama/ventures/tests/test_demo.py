"""The demo of seeds 002 and 003: the Souss-Massa kits add up to its 1,000,000 MAD, Beni Mellal equips 21
former inmates in the six sectors of the article for more than 500,000 MAD, at every stage; a reload adds
nothing."""

import io
from decimal import Decimal

import pytest
from django.db import transaction

from karama.agreements import demo as agreements_demo
from karama.agreements.models import Agreement
from karama.core import demo as core_demo
from karama.people import demo as people_demo
from karama.people.models import PersonStatus
from karama.ventures import demo
from karama.ventures.models import AFTER_HANDOVER, FUNDED_STAGES, FollowUp, KitItem, Stage, Venture


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo's apps this one builds on, then this one: loaded once for the module, rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        for loader in (core_demo, agreements_demo, people_demo, demo):
            loader.load(io.StringIO())
        yield
        transaction.set_rollback(True)


def _kits(reference: str) -> Decimal:
    return sum(item.total for item in KitItem.objects.filter(kit__venture__agreement__reference=reference))


def test_souss_massa_kits_add_up_to_its_budget(loaded, db):
    assert _kits("MA-FM6-2024-SOUSS-MASSA") == Decimal("1000000")
    agreement = Agreement.objects.get(reference="MA-FM6-2024-SOUSS-MASSA")
    assert sum(b.remaining for b in agreement.budgets.all()) == 0


def test_beni_mellal_equips_21_people_in_the_six_sectors_for_more_than_500000_mad(loaded, db):
    funded = Venture.objects.filter(agreement__reference="MA-FM6-BENI-MELLAL", stage__in=FUNDED_STAGES)
    assert funded.values("person").distinct().count() == 21
    assert {v.current_version.sector for v in funded} == {
        "services",
        "agriculture",
        "handicrafts",
        "construction",
        "catering",
        "trade",
    }
    assert _kits("MA-FM6-BENI-MELLAL") > Decimal("500000")


def test_projects_are_at_every_stage_and_only_released_people_got_their_equipment(loaded, db):
    stages = set(Venture.objects.values_list("stage", flat=True))
    assert stages == set(Stage.values)
    for venture in Venture.objects.filter(stage__in=AFTER_HANDOVER).select_related("person", "handover"):
        assert venture.person.status != PersonStatus.IN_CUSTODY
    # One kit in each programme waits for donors to complete it, through a draft giving case.
    assert Venture.objects.filter(equipment_case__status="draft", stage=Stage.FUNDED).count() == 2
    recorded = FollowUp.objects.filter(visited_on__isnull=False)
    assert set(recorded.values_list("month_mark", flat=True)) >= {1, 3, 6, 12}


def test_every_project_is_of_a_person_who_consented_to_the_foundation(loaded, db):
    from karama.core.models import User
    from karama.ventures.selectors import ventures_visible_to

    foundation = User.objects.get(username="partner-foundation")
    assert ventures_visible_to(foundation).count() == Venture.objects.count()


def test_a_reload_adds_nothing(loaded, db):
    before = (Venture.objects.count(), KitItem.objects.count(), FollowUp.objects.count())
    out = io.StringIO()
    demo.load(out)
    assert (Venture.objects.count(), KitItem.objects.count(), FollowUp.objects.count()) == before
    assert "0 new project plans" in out.getvalue()
