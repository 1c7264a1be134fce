"""The demonstration data: the seed articles' facts, the eight logins, and a second load that changes nothing."""

from decimal import Decimal
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from karama.agreements.models import Agreement, Commitment
from karama.core.demo import PASSWORD
from karama.core.models import Facility, Role, User


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """Loaded once for the module (it takes seconds) and rolled back after its last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = load_demo()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_once, db) -> str:
    return demo_once


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = row_counts()
    last_entry = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    load_demo()

    assert row_counts() == counts
    assert not LogEntry.objects.filter(pk__gt=last_entry).exists()


def test_souss_massa_agreement_has_its_million_dirhams(demo):
    agreement = Agreement.objects.get(administration__code="ma-dgapr", reference="MA-FM6-2024-SOUSS-MASSA")
    budget = agreement.budgets.get()
    totals = budget.totals()

    assert agreement.status == Agreement.Status.ACTIVE
    assert (budget.amount, budget.currency) == (Decimal("1000000.00"), "MAD")
    # The projects' grants draw on it (ventures demo); what remains is derived, never typed.
    assert totals.total == Decimal("1000000.00")
    assert totals.remaining == totals.total - totals.allocated >= 0
    assert budget.funder.organization.code == "ma-cpdh-agadir"


def test_beni_mellal_agreement_promises_21_beneficiaries(demo):
    agreement = Agreement.objects.get(administration__code="ma-dgapr", reference="MA-FM6-BENI-MELLAL")

    assert agreement.commitments.filter(target_quantity=21, unit=Commitment.Unit.BENEFICIARIES).exists()


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("admin", Role.OPERATOR),
        ("admin-ma", Role.NATIONAL_ADMIN),
        ("staff-unaizah", Role.FACILITY_STAFF),
        ("partner-idmaj", Role.PARTNER_STAFF),
        ("partner-foundation", Role.PARTNER_STAFF),
        ("donor", Role.DONOR),
        ("researcher", Role.RESEARCHER),
        ("auditor", Role.AUDITOR),
    ],
)
def test_each_demo_login_signs_in_with_the_demo_password(demo, username, role):
    user = User.objects.get(username=username)

    assert user.role == role
    assert user.check_password(PASSWORD)
    assert user.get_full_name()
    assert username in demo


def test_auditor_reads_the_whole_installation(demo):
    assert User.objects.get(username="auditor").administration is None


def test_unaizah_reformatory_belongs_to_the_saudi_administration(demo):
    unaizah = Facility.objects.get(code="sa-unaizah-reformatory")

    assert unaizah.administration.code == "sa-gdp"
    assert unaizah.administration.country == "SA"
    assert User.objects.get(username="staff-unaizah").administration == unaizah.administration
