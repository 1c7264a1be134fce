"""Two hundred gifts racing to a nearly funded case never fund it past its target, and the ledger balances.

PostgreSQL only: the guarantee is the case row's lock (SELECT ... FOR UPDATE). The gifts are paid by 40 threads,
each with its own database connection (PostgreSQL's default limit is 100 connections, shared with other test
runs), all released at once by a barrier.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, connections

from karama.giving import ledger
from karama.giving.models import Case, CaseStatus, Donation, Entry, GiftKind, Overflow
from karama.giving.tests.factories import D, give, make_campaign, pay, published_debt_case, start_gift

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GIFTS = 200
THREADS = 40


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")


def _race(donations: list[Donation]) -> list[str]:
    barrier = threading.Barrier(THREADS)
    batches = [donations[number::THREADS] for number in range(THREADS)]

    def run(batch: list[Donation]) -> list[str]:
        try:
            barrier.wait()
            return [pay(donation, fee="0.75") for donation in batch]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return [outcome for outcomes in pool.map(run, batches) for outcome in outcomes]


def test_two_hundred_gifts_racing_never_overfund_a_case(world):
    campaign = make_campaign(world)
    case = published_debt_case(world, amount="10000.00", campaign=campaign)
    give(amount="9000.00", case=case)
    racing = [
        start_gift(
            amount="50.00",
            case=case,
            gift_kind=GiftKind.ZAKAT if number % 3 == 0 else GiftKind.SADAQA,
            overflow=Overflow.CAMPAIGN if number % 2 else Overflow.GENERAL,
        )
        for number in range(GIFTS)
    ]
    outcomes = _race(racing)

    assert outcomes.count("credited") == GIFTS
    case.refresh_from_db()
    assert case.status == CaseStatus.FUNDED
    assert ledger.raised_for_cases([case.pk])[case.pk] == D("10000.00")
    # The 9,000 that did not fit went where each donor asked, none of it lost.
    pools = [
        ledger.campaign_fund(campaign, zakat=True),
        ledger.campaign_fund(campaign, zakat=False),
        ledger.general_fund(world.sa.pk, "SAR", zakat=True),
        ledger.general_fund(world.sa.pk, "SAR", zakat=False),
    ]
    assert sum(ledger.fund_balances(pools).values(), Decimal(0)) == D("9000.00")
    assert Entry.objects.filter(kind=Entry.Kind.DONATION).count() == GIFTS + 1
    assert ledger.trial_balance() == {}


def test_gifts_to_a_campaign_racing_with_gifts_to_its_cases_never_overfund_any(world):
    campaign = make_campaign(world, allocation_rule="evenly")
    cases = [published_debt_case(world, amount="1000.00", campaign=campaign) for _ in range(3)]
    racing = [
        start_gift(amount="40.00", case=cases[number % 3])
        if number % 2
        else start_gift(amount="40.00", campaign=campaign)
        for number in range(GIFTS)
    ]
    _race(racing)
    raised = ledger.raised_for_cases(case.pk for case in cases)
    assert all(value == D("1000.00") for value in raised.values())
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True)) == {"funded"}
    assert ledger.trial_balance() == {}


def test_postgresql_itself_refuses_an_unbalanced_entry_and_any_change_to_a_line(world):
    from django.db import DatabaseError, transaction

    from karama.giving.models import Line

    clearing = ledger.clearing_account(world.sa.pk, "SAR")
    general = ledger.general_fund(world.sa.pk, "SAR", zakat=False)
    with pytest.raises(DatabaseError), transaction.atomic():
        entry = Entry.objects.create(kind=Entry.Kind.DONATION, administration=world.sa, currency="SAR")
        Line.objects.create(entry=entry, account=clearing, debit=D("10"))
        Line.objects.create(entry=entry, account=general, credit=D("9"))
    assert not Entry.objects.exists()
    entry = ledger.post(
        kind=Entry.Kind.DONATION,
        administration_id=world.sa.pk,
        currency="SAR",
        postings=[ledger.debit(clearing, D("10")), ledger.credit(general, D("10"))],
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Line.objects.filter(entry=entry, credit__gt=0).update(credit=D("11"))
    with pytest.raises(DatabaseError), transaction.atomic():
        Line.objects.filter(entry=entry).delete()
    assert ledger.trial_balance() == {}
