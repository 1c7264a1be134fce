"""Fifty grants racing for one budget on PostgreSQL: the row lock decides them one after the other, so
the budget is never overdrawn and every refused grant leaves nothing behind."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from karama.agreements.models import Budget, BudgetMovement
from karama.ventures import services
from karama.ventures.models import Grant, GrantShare, Stage, Venture
from karama.ventures.tests import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

RACERS = 50
BUDGET = Decimal("1000000.00")
EACH = Decimal("30000.00")  # 50 × 30,000 asks for 1,500,000: only 33 grants fit


def test_fifty_concurrent_grants_never_exceed_the_budget(world):
    budget = f.budget(world, amount=str(BUDGET))
    ventures = [f.approved(world, f.moroccan(world, released=False)) for _ in range(RACERS)]
    start = threading.Barrier(RACERS)
    granted, refused, errors = [], [], []

    def race(venture: Venture) -> None:
        try:
            start.wait()
            services.grant_venture(
                venture=venture, by=world.admin_ma, agreement=venture.agreement, shares=[(budget, EACH)]
            )
            granted.append(venture.pk)
        except ValidationError:
            refused.append(venture.pk)
        except Exception as error:  # anything else (a deadlock, a lost update) fails the test below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(venture,)) for venture in ventures]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(granted) == int(BUDGET // EACH) == 33
    assert len(refused) == RACERS - 33
    allocated = sum(BudgetMovement.objects.filter(budget=budget).values_list("amount", flat=True))
    assert allocated == EACH * 33 <= BUDGET
    assert Budget.objects.get(pk=budget.pk).remaining == BUDGET - EACH * 33
    assert Grant.objects.count() == GrantShare.objects.count() == 33
    assert set(Venture.objects.filter(stage=Stage.FUNDED).values_list("pk", flat=True)) == set(granted)
    assert set(Venture.objects.filter(stage=Stage.APPROVED).values_list("pk", flat=True)) == set(refused)
