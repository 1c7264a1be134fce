"""The giving suite (bench/suites/giving.py) at small scale, so that it cannot rot: its cases are what the services
would have written, it prepares them once, and on PostgreSQL it measures a few gifts end to end, callbacks, the
bare ledger view, pgbench and the case list against a live server, with no error and the ledger balanced."""

import argparse
import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from bench.generate import generate
from bench.suites import SUITES, giving
from karama.giving import ledger, services
from karama.giving.models import Account, Case, CaseKind, CaseStatus, Donation, PriorityRule

CASES, SPREAD = 300, 40


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"


def _suite_cases(prepared):
    return (
        Case.objects.filter(administration_id=prepared.administration_id, kind__in=giving.KINDS)
        .select_related("person", "household", "household_need")
        .prefetch_related("person__episodes", "household__members", "claims", "funding_sources", "accounts")
    )


def test_the_suite_is_registered():
    assert SUITES["giving"] is giving


def test_cases_are_published_as_the_services_would_leave_them(db, client):
    generate(people=600, seed=3)
    prepared = giving.prepare(cases=CASES, spread=SPREAD, seed=3)
    assert (prepared.cases, prepared.debt, prepared.household) == (CASES, 210, 90)
    assert prepared.hot.target == giving.HOT_TARGET and len(prepared.spread) == SPREAD
    assert prepared.hot.pk not in {case.pk for case in prepared.spread}
    rules = list(PriorityRule.objects.filter(administration_id=prepared.administration_id, active=True))
    assert len(rules) == len(giving.PRIORITY_RULES)
    today = timezone.localdate()
    for case in _suite_cases(prepared):
        assert case.status == CaseStatus.PUBLISHED and case.approved_by_id != case.opened_by_id
        assert case.opened_at < case.approved_at < case.published_at
        assert (case.priority_score, case.priority_reasons) == services.priority_of(case, rules, today)
        facts = services._facts_from_records(case.person, case.household)
        assert all(getattr(case, name) == value for name, value in facts.items() if name != "household_size")
        assert {account.zakat for account in case.accounts.all()} == {False, True}
        if case.kind == CaseKind.DEBT_RELEASE:
            claimed = sum(claim.amount for claim in case.claims.all())
            covered = sum((source.amount for source in case.funding_sources.all()), Decimal(0))
            assert case.target == claimed - covered > 0
            assert all(claim.verified_by_id and claim.verified_on for claim in case.claims.all())
            assert case.eligibility and all(result["passed"] for result in case.eligibility.values())
        else:
            assert case.target == case.household_need.amount and case.summary_reason == case.household_need.kind
    assert Case.objects.get(pk=prepared.hot.pk).summary_reason == "blood_money"
    # The portal shows them.
    assert "giving-case" in client.get("/en/giving/cases/").content.decode()
    assert client.get(f"/fa/giving/cases/{prepared.spread[0].code}/").status_code == 200
    # Once: a second preparation finds them and writes nothing.
    again = giving.prepare(cases=CASES, spread=SPREAD, seed=3)
    assert again.seconds == 0 and again.hot == prepared.hot and again.spread == prepared.spread


def test_a_gifts_ledger_transaction_alone_credits_it_once(db, client, bench_urls):
    generate(people=600, seed=3)
    prepared = giving.prepare(cases=CASES, spread=SPREAD, seed=3)
    gifts = giving.pending_gifts(prepared, prepared.spread[:2], 3, random.Random(1))
    for gift in gifts:
        assert client.post(giving.bare_path(prepared, gift)).json() == {"outcome": "credited"}
    assert client.post(giving.bare_path(prepared, gifts[0])).json() == {"outcome": "duplicate"}
    check = giving.check_ledger(prepared)
    assert check.ok and check.paid == 3 and check.entries == 6, check
    raised = ledger.raised_for_cases([gift.case.pk for gift in gifts])
    assert raised[gifts[0].case.pk] == gifts[0].amount + gifts[2].amount
    giving.clear_gifts(prepared.administration_id)
    assert not Donation.objects.filter(administration_id=prepared.administration_id).exists()
    assert not Account.objects.filter(case_id=gifts[0].case.pk, lines__isnull=False).exists()
    # Generating the national data again deletes the bench administration, gifts and ledger lines included.
    again = giving.pending_gifts(prepared, prepared.spread[:1], 1, random.Random(2))
    assert client.post(giving.bare_path(prepared, again[0])).json() == {"outcome": "credited"}
    generate(people=600, seed=3, force=True)
    assert not Case.objects.exists() and not Donation.objects.exists()


@pytest.mark.postgres
def test_the_suite_measures_gifts_with_no_error_and_leaves_the_ledger_balanced(
    transactional_db, live_server, bench_urls
):
    if connection.vendor != "postgresql":
        pytest.skip("32 donors at once, row locks and pgbench need PostgreSQL")
    generate(people=600, seed=3, today=datetime.date.today())
    arguments = argparse.Namespace(
        requests=6,
        seconds=60,
        quiet=1.0,
        seed=3,
        giving_cases=CASES,
        giving_spread=SPREAD,
        giving_pgbench_seconds=1,
        giving_pgbench_pool=5000,
    )
    section = giving.measure(arguments, live_server.url)
    for line in section.lines:
        for result in (line.result, line.baseline):
            assert result.errors == 0 and result.count > 0, (line.name, result.first_error)
    names = [line.name for line in section.lines]
    assert names[0] == f"public case list ({CASES:,} open cases)"
    assert f"gift end to end, {SPREAD} cases" in names and "payment callback, one hot case" in names
    verdict = section.targets[-1]
    assert verdict.met, verdict.measured
    assert "balanced" in section.text and "pgbench" in section.text
    prepared = giving.prepare(cases=CASES, spread=SPREAD, seed=3)
    paid = Donation.objects.filter(administration_id=prepared.administration_id, status=Donation.Status.PAID)
    assert paid.count() >= 2 * 3 * 6  # six gifts of each kind, over the spread and on the hot case, at least
