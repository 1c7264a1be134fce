"""Disbursements racing for the last of a budget: the budget row lock decides them one after the other."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from karama.support import services
from karama.support.models import Disbursement, SupportPackage


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_disbursements_racing_for_the_last_of_a_budget_never_overdraw_it(support):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    package = services.create_package(
        household=support.household_a,
        by=support.world.admin_sa,
        association=support.association_a,
        form="cash",
        amount="3000.00",
        currency="SAR",
        recurrence="monthly",
        agreement=support.agreement,
    )
    racers = 6
    barrier = threading.Barrier(racers)
    outcomes = []

    def disburse():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.record_disbursement(package=SupportPackage.objects.get(pk=package.pk), by=support.world.admin_sa)
            outcomes.append("disbursed")
        except ValidationError:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=disburse) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 10,000 SAR hold three disbursements of 3,000; the other three are refused and write nothing.
    assert sorted(outcomes) == ["disbursed"] * 3 + ["refused"] * 3
    assert Disbursement.objects.count() == 3
    support.budget.refresh_from_db()
    assert support.budget.remaining == Decimal("1000.00")
