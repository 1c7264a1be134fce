"""Giving (issue 6): a gift end to end — the portal, the sandbox provider's checkout, its signed callback, the
ledger — from 32 donors at once, spread over 1,000 cases and all on one hot case; beside it, in the same run,
the floors it is held to: a bare Django view running only the callback's ledger transaction, and pgbench running
that transaction in SQL; and the public case list at 4 connections with 20,000 open cases.

The data (once, in the bench administration): 20,000 published cases, debt release (70 %) and household needs
(30 %), of people in custody who have a household on record, opened, checked, approved and published as the
services would leave them: claims verified, eligibility recorded under the administration's policy, facts from
the records (`services._facts_from_records`), priority under the published rules (`services.priority_of`), a
fund per case and zakat apart (`ledger.open_case_funds`). Rows go in with bulk_create in batches.

Each run starts from cases without gifts (the gifts of the previous run are deleted, ledger lines included, so
runs compare), and ends with the ledger checked: every entry balanced, each paid gift credited once, the
collection account holding what the gifts brought less the fees, no case past its target.
"""

import asyncio
import concurrent.futures
import datetime
import math
import os
import random
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from glob import glob

from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from bench.frame import ADMINISTRATION_CODE
from bench.population import public_code
from bench.report import Line as ReportLine
from bench.report import Section, Target
from bench.sink import Table, delete_rows, sink_for_connection
from karama.core.crypto import encrypt
from karama.core.formatting import currency_precision
from karama.core.models import Organization, Role, User
from karama.giving import ledger, services
from karama.giving.donations import administration_currency
from karama.giving.models import (
    Account,
    Case,
    CaseKind,
    CaseStatus,
    CreditorKind,
    DebtClaim,
    DebtNature,
    DebtReason,
    Donation,
    Entry,
    FundingSource,
    GiftKind,
    PriorityRule,
    SandboxCharge,
)
from karama.giving.models.money import new_receipt_token
from karama.giving.payments import PROVIDERS, SIGNATURE_HEADER, sign
from karama.people.models import Household, Person, PersonStatus
from karama.support.models import HouseholdNeed, NeedKind, Recurrence, Urgency

CASES = 20_000
SPREAD = 1_000
HOUSEHOLD_SHARE = 0.3
DONORS = 32
LIST_CONNECTIONS = 4
LIST_REQUESTS = 600
PGBENCH_SECONDS = 10
PGBENCH_THREADS = 2
# Pending gifts a pgbench run may credit: ~3,000/s for 10 s on two cores, with room for a bigger machine.
PGBENCH_POOL = 40_000 * max(1, (os.cpu_count() or 2) // 2)
WARM = 8
KINDS = (CaseKind.DEBT_RELEASE, CaseKind.HOUSEHOLD_NEED)
CALLBACK_PATH = "/api/v1/giving/payments/sandbox/callback/"
LIST_PATHS = ["/en/giving/cases/", *[f"/en/giving/cases/?page={page}" for page in range(2, 6)]]
BARE_NAME = "bare view, one row as JSON"

# In the administration's currency (the bench administration is Iran's: rials, no minor unit).
DEBT_RANGE = (50_000_000, 5_000_000_000)
NEED_RANGE = (10_000_000, 200_000_000)
HOT_TARGET = Decimal("2000000000000")  # blood money for a national appeal: room for 200,000 of the largest gifts
GIFTS = ([1_000_000, 2_000_000, 3_000_000, 5_000_000, 10_000_000], [25, 30, 20, 15, 10])
LANGUAGES = (["fa", "en", "ar"], [70, 20, 10])

OPENED_BEFORE = datetime.timedelta(days=6)

PRIORITY_RULES = [
    (PriorityRule.Kind.ELDERLY, 30, 60),
    (PriorityRule.Kind.WOMEN, 20, None),
    (PriorityRule.Kind.HEAD_OF_HOUSEHOLD, 15, None),
    (PriorityRule.Kind.TIME_HELD, 15, 24),
    (PriorityRule.Kind.SMALL_AMOUNT, 25, 100_000_000),
    (PriorityRule.Kind.CHILDREN, 20, 3),
    (PriorityRule.Kind.ILLNESS, 15, None),
    (PriorityRule.Kind.PREGNANCY, 10, None),
]
CREDITORS = [
    (CreditorKind.INDIVIDUAL, "طلبکار حقیقی"),
    (CreditorKind.COMPANY, "شرکت بازرگانی"),
    (CreditorKind.BANK, "بانک ملی ایران"),
    (CreditorKind.LANDLORD, "موجر"),
]
DEBT_REASONS = (
    [r for r in DebtReason.values if r != DebtReason.BLOOD_MONEY],
    [15, 20, 20, 10, 10, 10, 10, 5],
)


# The data ------------------------------------------------------------------------------------------------------


@dataclass
class CaseRef:
    pk: int
    code: str
    target: Decimal
    funds: dict[bool, int]  # zakat -> the case's fund


@dataclass
class Prepared:
    administration_id: int
    currency: str
    cases: int
    debt: int
    household: int
    hot: CaseRef
    spread: list[CaseRef]
    clearing: int
    fees: int
    general: dict[bool, int]  # zakat -> the general fund, where what a case can no longer take goes
    seconds: float = 0.0  # spent creating the cases in this run (0 when they were there)


def prepare(*, cases: int = CASES, spread: int = SPREAD, seed: int = 7) -> Prepared:
    """The suite's cases in the bench administration: created once, again only if their number changed."""
    administration = Organization.objects.filter(code=ADMINISTRATION_CODE).first()
    if administration is None:
        raise RuntimeError("The bench administration is missing: run generate_national first.")
    started = time.perf_counter()
    existing = Case.objects.filter(administration=administration, kind__in=KINDS)
    created = False
    if existing.count() != cases or existing.exclude(status__in=[CaseStatus.PUBLISHED, CaseStatus.FUNDED]).exists():
        with transaction.atomic():
            delete_cases(administration.pk)
            _create_cases(administration, cases, seed)
        created = True
        _analyze()
    prepared = _prepared(administration, spread)
    prepared.seconds = time.perf_counter() - started if created else 0.0
    return prepared


def _prepared(administration: Organization, spread: int) -> Prepared:
    currency = administration_currency(administration)
    cases = Case.objects.filter(administration=administration, kind__in=KINDS)
    counts = dict(cases.values_list("kind").annotate(n=Count("pk")).order_by())
    funds: dict[int, dict[bool, int]] = {}
    for case_id, zakat, account in Account.objects.filter(case__in=cases).values_list("case_id", "zakat", "pk"):
        funds.setdefault(case_id, {})[zakat] = account
    # The hot case asks for far more than any other; the spread takes the next largest debts, so that a run's
    # gifts never fill one of them (each run starts from no gifts).
    ordered = list(
        cases.filter(kind=CaseKind.DEBT_RELEASE)
        .order_by("-target", "pk")
        .values_list("pk", "public_code", "target")[: spread + 1]
    )
    refs = [CaseRef(pk, code, target, funds[pk]) for pk, code, target in ordered]
    return Prepared(
        administration_id=administration.pk,
        currency=currency,
        cases=sum(counts.values()),
        debt=counts.get(CaseKind.DEBT_RELEASE, 0),
        household=counts.get(CaseKind.HOUSEHOLD_NEED, 0),
        hot=refs[0],
        spread=refs[1:],
        clearing=ledger.clearing_account(administration.pk, currency).pk,
        fees=ledger.fees_account(administration.pk, currency).pk,
        general={zakat: ledger.general_fund(administration.pk, currency, zakat=zakat).pk for zakat in (False, True)},
    )


def _ensure_rules(admin: User, administration: Organization) -> list[PriorityRule]:
    """The administration's published priority rules and eligibility policy, through the services, once.
    Iran's Setad Dieh frees debtors held for blood money and marriage portions too, not only those of a
    'financial' case: the policy does not restrict the custody category."""
    if not PriorityRule.objects.filter(administration=administration).exists():
        for kind, points, threshold in PRIORITY_RULES:
            services.save_priority_rule(
                by=admin, administration=administration, kind=kind, points=points, threshold=threshold
            )
    services.save_eligibility_policy(
        by=admin,
        administration=administration,
        financial_category_only=False,
        private_right_only=True,
        exclude_fraud=True,
        require_good_conduct=True,
        min_months_served=0,
        years_since_last_release=5,
    )
    return services._rules(administration.pk)


def _eligibility(policy) -> dict:
    """What services.check_eligibility records for a person in custody, private-right claims, no fraud on file,
    good conduct, no earlier release through the platform (the keys in its order, for this policy)."""
    results = {"in_custody": True}
    if policy.financial_category_only:
        results["financial_category"] = True
    if policy.private_right_only:
        results["private_right"] = True
    if policy.exclude_fraud:
        results["no_fraud"] = True
    if policy.require_good_conduct:
        results["good_conduct"] = True
    if policy.years_since_last_release:
        results["no_recent_release"] = True
    return {rule: {"passed": passed, "detail": ""} for rule, passed in results.items()}


def _log_uniform(rng: random.Random, low: int, high: int, step: int) -> Decimal:
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return Decimal(max(step, round(value / step) * step))


def _create_cases(administration: Organization, cases: int, seed: int) -> None:
    rng = random.Random(seed * 1009 + cases)
    now, today = timezone.now(), timezone.localdate()
    currency = administration_currency(administration)
    admin = User.objects.get(username=f"{ADMINISTRATION_CODE}-admin")
    staff = dict(
        User.objects.filter(administration=administration, role=Role.FACILITY_STAFF, facility__isnull=False)
        .order_by("pk")
        .values_list("facility_id", "pk")
    )
    any_staff = next(iter(staff.values()))
    rules = _ensure_rules(admin, administration)
    eligibility = _eligibility(services.eligibility_policy(administration.pk))
    # People in custody with a household on record: the facts of a case come from the household.
    people = list(
        Person.objects.filter(administration=administration, status=PersonStatus.IN_CUSTODY, household__isnull=False)
        .order_by("pk")
        .prefetch_related("episodes")[:cases]
    )
    if not people:
        raise RuntimeError("The bench administration has nobody in custody with a household.")
    households = {
        household.person_id: household
        for household in Household.objects.filter(person__in=[person.pk for person in people])
        .select_related("region")
        .prefetch_related("members")
    }
    taken = set(Case.objects.values_list("public_code", flat=True))
    household_count = round(cases * HOUSEHOLD_SHARE) if cases > 1 else 0
    debt_count = cases - household_count

    needs = []
    for number in range(household_count):
        person = people[(debt_count + number) % len(people)]
        needs.append(
            HouseholdNeed(
                household=households[person.pk],
                administration=administration,
                kind=rng.choice(NeedKind.values),
                description="",
                amount=_log_uniform(rng, *NEED_RANGE, 100_000),
                currency=currency,
                recurrence=Recurrence.ONE_OFF,
                urgency=rng.choice([Urgency.MEDIUM, Urgency.HIGH, Urgency.CRITICAL]),
                assessed_on=today - datetime.timedelta(days=rng.randint(10, 200)),
                assessed_by_id=staff.get(person.facility_id, any_staff),
                assessing_organization=administration,
                covering_association_id=households[person.pk].supporting_association_id,
            )
        )
    HouseholdNeed.objects.bulk_create(needs, batch_size=2000)

    made, claims, sources = [], [], []
    for number in range(cases):
        household_case = number >= debt_count
        person = people[number % len(people)]
        household = households[person.pk]
        opener = staff.get(person.facility_id, any_staff)
        published = now - datetime.timedelta(days=1 if number == 0 else rng.uniform(0, 120))
        approved = published - datetime.timedelta(hours=rng.uniform(1, 72))
        case = Case(
            public_code=public_code(rng, "C", taken),
            administration=administration,
            status=CaseStatus.PUBLISHED,
            person=person,
            currency=currency,
            opened_by_id=opener,
            approved_by=admin,
            approved_at=approved,
            published_at=published,
            **services._facts_from_records(person, household),
        )
        if household_case:
            need = needs[number - debt_count]
            case.kind, case.household, case.household_need = CaseKind.HOUSEHOLD_NEED, household, need
            case.summary_reason = need.kind
            case.target = need.amount.quantize(ledger.quantum(currency))  # as services._from_need asks it
            case.pregnancy = rng.random() < 0.04
        else:
            case.kind = CaseKind.DEBT_RELEASE
            case.summary_reason = DebtReason.BLOOD_MONEY if number == 0 else _pick(rng, DEBT_REASONS)
            amounts = [HOT_TARGET] if number == 0 else [_log_uniform(rng, *DEBT_RANGE, 1_000_000)]
            if number and rng.random() < 0.25:
                amounts.append(_log_uniform(rng, DEBT_RANGE[0], DEBT_RANGE[1] // 4, 1_000_000))
            covered = Decimal(0)
            if number and rng.random() < 0.2:
                covered = (sum(amounts) * Decimal(rng.randint(10, 40)) / 100).quantize(Decimal(1_000_000))
            # services._recompute_target: the claims less every other source of the funding plan.
            case.target = sum(amounts) - covered
            case.eligibility, case.eligibility_checked_by_id = eligibility, opener
            case.eligibility_checked_at = approved - datetime.timedelta(days=1)
            claims.append([_claim(rng, amount, opener, approved.date(), index) for index, amount in enumerate(amounts)])
            sources.append(
                [FundingSource(kind=FundingSource.Kind.FORGIVENESS, amount=covered, recorded_by_id=opener)]
                if covered
                else []
            )
        services._check_facts(case)
        case.priority_score, case.priority_reasons = services.priority_of(case, rules, today)
        made.append(case)
    Case.objects.bulk_create(made, batch_size=2000)
    # bulk_create stamps opened_at with the present (auto_now_add): a case was opened before it was approved.
    Case.objects.filter(administration=administration, kind__in=KINDS).update(
        opened_at=F("approved_at") - OPENED_BEFORE
    )
    debt_cases = made[:debt_count]
    DebtClaim.objects.bulk_create(
        [_attach(claim, case) for case, case_claims in zip(debt_cases, claims, strict=True) for claim in case_claims],
        batch_size=2000,
    )
    FundingSource.objects.bulk_create(
        [
            _attach(source, case)
            for case, case_sources in zip(debt_cases, sources, strict=True)
            for source in case_sources
        ],
        batch_size=2000,
    )
    # ledger.open_case_funds: a fund per published case, and zakat apart where the case may take zakat.
    Account.objects.bulk_create(
        [
            Account(administration=administration, currency=currency, kind=Account.Kind.CASE, case=case, zakat=zakat)
            for case in made
            for zakat in ((False, True) if case.zakat_eligible else (False,))
        ],
        batch_size=2000,
    )


def _pick(rng: random.Random, choices: tuple[list, list]):
    return rng.choices(choices[0], weights=choices[1])[0]


def _claim(rng: random.Random, amount: Decimal, by: int, approved: datetime.date, index: int) -> DebtClaim:
    kind, name = CREDITORS[rng.randrange(len(CREDITORS))]
    return DebtClaim(
        creditor_kind=kind,
        creditor_name=name,
        nature=DebtNature.PRIVATE_RIGHT,
        amount=amount,
        court_reference=f"{1400 + rng.randint(0, 4)}/{rng.randint(100, 999)}/{rng.randint(10000, 99999)}-{index}",
        pay_to="حساب سپرده دادگستری",
        verified_by_id=by,
        verified_on=approved - datetime.timedelta(days=rng.randint(1, 20)),
    )


def _attach(row, case: Case):
    row.case = case
    return row


def delete_cases(administration_id: int) -> None:
    """The suite's cases and everything hanging from them (gifts and ledger lines too), in plain SQL."""
    clear_gifts(administration_id)
    kinds = "kind IN ('debt_release', 'household_need')"
    needs = list(
        Case.objects.filter(administration_id=administration_id, household_need__isnull=False).values_list(
            "household_need_id", flat=True
        )
    )
    delete_rows(Case, f"administration_id = %s AND {kinds}", [administration_id])
    if needs:
        HouseholdNeed.objects.filter(pk__in=needs).delete()


def clear_gifts(administration_id: int) -> None:
    """The gifts of earlier runs, with their charges, receipts queued, entries and lines; the cases they filled
    open again. What is left is the prepared data."""
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        donations = Donation.objects.filter(administration_id=administration_id)
        SandboxCharge.objects.filter(pk__in=donations.values("provider_payment_id")).delete()
        DBTaskResult.objects.filter(task_path="karama.giving.tasks.send_receipt").delete()
        delete_rows(Donation, "administration_id = %s", [administration_id])
        delete_rows(Entry, "administration_id = %s", [administration_id])
        Case.objects.filter(administration_id=administration_id, kind__in=KINDS, status=CaseStatus.FUNDED).update(
            status=CaseStatus.PUBLISHED, funded_at=None
        )
    _analyze()


def _analyze() -> None:
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = [
        "giving_case",
        "giving_account",
        "giving_donation",
        "giving_entry",
        "giving_line",
        "giving_sandboxcharge",
        "giving_debtclaim",
        "support_householdneed",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


# Gifts waiting for their callback ------------------------------------------------------------------------------

DONATION = Table(
    Donation,
    [
        "id",
        "code",
        "administration_id",
        "currency",
        "amount",
        "gift_kind",
        "case_id",
        "overflow",
        "anonymous",
        "donor_name",
        "donor_email_encrypted",
        "language",
        "status",
        "provider",
        "provider_payment_id",
        "fee",
        "receipt_token",
    ],
)
CHARGE = Table(
    SandboxCharge,
    ["id", "amount", "currency", "description", "merchant", "return_url", "status", "completed_at"],
)


@dataclass
class Pending:
    """A gift started and paid at the provider, whose callback has not arrived yet."""

    donation: int
    payment_id: str
    case: CaseRef
    amount: Decimal
    zakat: bool


def _gift_values(rng: random.Random) -> tuple[Decimal, bool, bool, str]:
    amount = Decimal(_pick(rng, GIFTS))
    zakat = rng.random() < 0.25
    anonymous = rng.random() < 0.2
    email = f"donor{rng.getrandbits(32):08x}@example.org" if rng.random() < 0.6 else ""
    return amount, zakat, anonymous, email


def pending_gifts(
    prepared: Prepared, cases: list[CaseRef], count: int, rng: random.Random, *, payment_prefix: str = "sbx_"
) -> list[Pending]:
    """`count` gifts to the cases in turn as the portal records them when the donor is sent to pay, and, unless
    they are pgbench's (payment ids of their own prefix), the sandbox's record that the payment succeeded."""
    sink = sink_for_connection()
    now = timezone.now()
    taken = set(Donation.objects.values_list("code", flat=True))
    pending, donations, charges = [], [], []
    with transaction.atomic():
        first = sink.reserve_ids(Donation, count)
        for number in range(count):
            case = cases[number % len(cases)]
            amount, zakat, anonymous, email = _gift_values(rng)
            # Payment ids and receipt tokens as the sandbox and the model draw them: secrets, not the seed's.
            payment_id = f"sbx_{secrets.token_hex(12)}" if payment_prefix == "sbx_" else f"{payment_prefix}{number + 1}"
            token = new_receipt_token()
            donations.append(
                (
                    first + number,
                    public_code(rng, "D", taken),
                    prepared.administration_id,
                    prepared.currency,
                    amount,
                    GiftKind.ZAKAT if zakat else GiftKind.SADAQA,
                    case.pk,
                    "campaign",
                    anonymous,
                    "" if anonymous else "نیکوکار",
                    encrypt(email),
                    "fa",
                    Donation.Status.PENDING,
                    "sandbox",
                    payment_id,
                    Decimal(0),
                    token,
                )
            )
            if payment_prefix == "sbx_":
                charges.append(
                    (
                        payment_id,
                        amount,
                        prepared.currency,
                        f"Gift to case {case.code}",
                        "bench",
                        f"/fa/giving/thanks/{token}/",
                        SandboxCharge.Status.SUCCEEDED,
                        now,
                    )
                )
            pending.append(Pending(first + number, payment_id, case, amount, zakat))
        sink.write(DONATION, donations)
        if charges:
            sink.write(CHARGE, charges)
    return pending


def callback_body(prepared: Prepared, gift: Pending) -> bytes:
    """The sandbox provider's event for a succeeded payment, as SandboxProvider.event_body writes it."""
    charge = SandboxCharge(
        id=gift.payment_id, amount=gift.amount, currency=prepared.currency, status=SandboxCharge.Status.SUCCEEDED
    )
    return PROVIDERS["sandbox"].event_body(charge)


def bare_path(prepared: Prepared, gift: Pending) -> str:
    fund = gift.case.funds[gift.zakat]
    general = prepared.general[gift.zakat]
    return f"/bench/ledger/{gift.donation}/{prepared.clearing}/{fund}/{general}/{prepared.fees}/"


def gifts_for_browsers(cases: list[CaseRef], count: int, rng: random.Random):
    from bench.suites.giving_client import Gift

    gifts = []
    for number in range(count):
        amount, zakat, anonymous, email = _gift_values(rng)
        gifts.append(
            Gift(
                case_code=cases[number % len(cases)].code,
                amount=str(amount),
                gift_kind=GiftKind.ZAKAT if zakat else GiftKind.SADAQA,
                anonymous=anonymous,
                donor_name="" if anonymous else "نیکوکار",
                donor_email=email,
                language=_pick(rng, LANGUAGES),
            )
        )
    return gifts


# Loads ----------------------------------------------------------------------------------------------------------


def browser_load(base_url: str, operation, items: list, addresses, **bounds):
    """run_load with a Browser per worker; each item from a new donor (no cookies, an address of its own)."""
    from bench.client import run_load
    from bench.suites.giving_client import Browser, server_address

    host, port = server_address(base_url)

    async def make_browser():
        return Browser(host, port)

    async def step(browser, item) -> None:
        browser.forget()
        browser.address = next(addresses)
        await operation(browser, item)

    return run_load(make_browser, step, items, **bounds)


def gift_load(base_url: str, gifts: list, addresses, steps=None):
    from bench.suites.giving_client import give

    async def operation(browser, gift) -> None:
        await give(browser, gift, steps)

    return lambda **bounds: browser_load(base_url, operation, gifts, addresses, **bounds)


def callback_load(base_url: str, prepared: Prepared, gifts: list[Pending], addresses):
    from bench.suites.giving_client import callback

    bodies = {gift.donation: callback_body(prepared, gift) for gift in gifts}

    async def operation(browser, gift: Pending) -> None:
        body = bodies[gift.donation]
        # Signed when sent, as the provider does: the endpoint refuses callbacks older than five minutes.
        await callback(browser, CALLBACK_PATH, body, sign(body, int(time.time())), SIGNATURE_HEADER)

    return lambda **bounds: browser_load(base_url, operation, gifts, addresses, **bounds)


def bare_ledger_load(base_url: str, prepared: Prepared, gifts: list[Pending], addresses):
    from bench.suites.giving_client import post_empty

    paths = {gift.donation: bare_path(prepared, gift) for gift in gifts}

    async def operation(browser, gift: Pending) -> None:
        await post_empty(browser, paths[gift.donation])

    return lambda **bounds: browser_load(base_url, operation, gifts, addresses, **bounds)


def _run(load, concurrency: int, requests: int, seconds: float):
    """asyncio.run in a thread of its own: under pytest, Playwright's event loop runs in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, load(concurrency=concurrency, requests=requests, seconds=seconds)).result()


def _quiet(limit: float) -> None:
    """Wait for the machine to be nearly idle (bench.run.wait_for_quiet), unless any load will do (tests)."""
    if limit < 1:
        from bench.run import wait_for_quiet

        wait_for_quiet(limit)


# pgbench --------------------------------------------------------------------------------------------------------

PGBENCH_SCRIPT = """\
SELECT nextval('bench_giving_pgbench') AS n \\gset
SELECT id AS donation, case_id AS case_id, amount AS amount, (gift_kind = 'zakat')::int AS zakat,
       round(amount * {fee_rate}, {digits}) AS fee
  FROM giving_donation WHERE provider = 'sandbox' AND provider_payment_id = '{prefix}' || :n \\gset
SELECT MAX(id) FILTER (WHERE kind = 'case') AS fund, MAX(id) FILTER (WHERE kind = 'general') AS general
  FROM giving_account
 WHERE zakat = (:zakat = 1) AND (case_id = :case_id OR (administration_id = {administration} AND currency = '{currency}'
       AND kind = 'general' AND case_id IS NULL AND campaign_id IS NULL)) \\gset
BEGIN;
SELECT status FROM giving_donation WHERE id = :donation FOR UPDATE;
SELECT target AS target, (status = 'published')::int AS open FROM giving_case WHERE id = :case_id FOR UPDATE \\gset
SELECT CASE WHEN :open = 1 THEN GREATEST(0, :target - COALESCE(SUM(l.credit), 0) + COALESCE(SUM(l.debit)
            FILTER (WHERE NOT l.entry_id IN (SELECT entry_id FROM giving_settlement WHERE case_id = :case_id)), 0))
            ELSE 0 END AS room
  FROM giving_line l JOIN giving_account a ON a.id = l.account_id
 WHERE a.case_id = :case_id \\gset
INSERT INTO giving_entry (administration_id, currency, kind, occurred_at, donation_id, case_id, memo)
     VALUES ({administration}, '{currency}', 'donation', now(), :donation, :case_id, '') RETURNING id AS entry \\gset
INSERT INTO giving_line (entry_id, account_id, debit, credit)
     SELECT :entry, account, debit, credit
       FROM (VALUES ({clearing}, :amount, 0), (:fund, 0, LEAST(:amount, :room)),
                    (:general, 0, :amount - LEAST(:amount, :room))) AS v (account, debit, credit)
      WHERE debit > 0 OR credit > 0;
INSERT INTO giving_entry (administration_id, currency, kind, occurred_at, donation_id, memo)
     VALUES ({administration}, '{currency}', 'fee', now(), :donation, '') RETURNING id AS fee_entry \\gset
INSERT INTO giving_line (entry_id, account_id, debit, credit) VALUES (:fee_entry, {fees}, :fee, 0), (:fee_entry, {clearing}, 0, :fee);
UPDATE giving_donation SET status = 'paid', paid_at = now(), fee = :fee WHERE id = :donation;
UPDATE giving_case SET status = 'funded', funded_at = now(), updated_at = now()
 WHERE id = :case_id AND :room > 0 AND :amount >= :room;
COMMIT;
"""


@dataclass
class Pgbench:
    cases: str
    tps: float = 0.0
    transactions: int = 0
    clients: int = DONORS
    seconds: float = 0.0
    failed: str = ""  # why it could not run, or what pgbench reported wrong


def pgbench_binary() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    installed = sorted(glob("/usr/lib/postgresql/*/bin/pgbench"), key=lambda path: int(path.split("/")[4]))
    return installed[-1] if installed else None


def run_pgbench(
    prepared: Prepared, cases: list[CaseRef], label: str, tag: str, rng: random.Random, **options
) -> Pgbench:
    """The callback's statements in SQL, from `clients` connections for `seconds`: pgbench's tps (without the
    initial connection time). Each transaction credits one pending gift of a pool made for the run."""
    clients = options.get("clients", DONORS)
    seconds = options.get("seconds", PGBENCH_SECONDS)
    pool = options.get("pool", PGBENCH_POOL)
    result = Pgbench(label, clients=clients, seconds=seconds)
    binary = pgbench_binary()
    if connection.vendor != "postgresql" or binary is None:
        result.failed = "pgbench not found" if connection.vendor == "postgresql" else "not PostgreSQL"
        return result
    prefix = f"pgb_{tag}_{secrets.token_hex(4)}_"
    pending_gifts(prepared, cases, pool, rng, payment_prefix=prefix)
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS bench_giving_pgbench")
        cursor.execute("SELECT setval('bench_giving_pgbench', 1, false)")
    _analyze()
    script = PGBENCH_SCRIPT.format(
        prefix=prefix,
        administration=prepared.administration_id,
        currency=prepared.currency,
        clearing=prepared.clearing,
        fees=prepared.fees,
        fee_rate=PROVIDERS["sandbox"].fee_rate,
        digits=currency_precision(prepared.currency),
    )
    settings = connection.settings_dict
    env = os.environ | ({"PGPASSWORD": settings["PASSWORD"]} if settings.get("PASSWORD") else {})
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    command = [binary, "-n", "-M", "simple", "-c", str(clients), "-j", str(min(PGBENCH_THREADS, clients))]
    command += ["-T", str(math.ceil(seconds)), "-f", handle.name]
    command += ["-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432)]
    command += ["-U", settings.get("USER") or "postgres", settings["NAME"]]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 120)
    finally:
        os.unlink(handle.name)
    output = done.stdout + done.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    processed = re.search(r"number of transactions actually processed: (\d+)", output)
    result.tps = float(tps.group(1)) if tps else 0.0
    result.transactions = int(processed.group(1)) if processed else 0
    if done.returncode != 0 or not tps or "aborted" in output:
        result.failed = next((line for line in output.splitlines() if "aborted" in line or "ERROR" in line), "")
        result.failed = result.failed or f"pgbench exited with {done.returncode}"
    if result.transactions >= pool:
        result.failed = f"the pool of {pool:,} pending gifts ran out"
    return result


# The ledger after the run ---------------------------------------------------------------------------------------


@dataclass
class LedgerCheck:
    paid: int = 0
    pending: int = 0
    entries: int = 0
    unbalanced: int = 0
    debits: Decimal = Decimal(0)
    credits: Decimal = Decimal(0)
    clearing: Decimal = Decimal(0)  # its natural (debit) balance
    brought: Decimal = Decimal(0)  # what paid gifts brought, less their fees
    credited_once: bool = True
    overfunded: list[str] = field(default_factory=list)
    funded: int = 0
    fullest: float = 0.0  # the largest share of its target a case has raised

    @property
    def ok(self) -> bool:
        return (
            not self.unbalanced
            and self.debits == self.credits
            and self.clearing == self.brought
            and self.credited_once
            and not self.overfunded
        )


def check_ledger(prepared: Prepared) -> LedgerCheck:
    check = LedgerCheck()
    administration = prepared.administration_id
    donations = Donation.objects.filter(administration_id=administration)
    check.paid = donations.filter(status=Donation.Status.PAID).count()
    check.pending = donations.filter(status=Donation.Status.PENDING).count()
    entries = Entry.objects.filter(administration_id=administration)
    check.entries = entries.count()
    from karama.giving.models import Line

    lines = Line.objects.filter(entry__administration_id=administration)
    check.unbalanced = (
        lines.values("entry_id").annotate(d=Sum("debit"), c=Sum("credit")).exclude(d=F("c")).order_by().count()
    )
    totals = lines.aggregate(d=Sum("debit"), c=Sum("credit"))
    check.debits, check.credits = totals["d"] or Decimal(0), totals["c"] or Decimal(0)
    clearing = Line.objects.filter(account_id=prepared.clearing).aggregate(d=Sum("debit"), c=Sum("credit"))
    check.clearing = (clearing["d"] or Decimal(0)) - (clearing["c"] or Decimal(0))
    brought = donations.filter(status=Donation.Status.PAID).aggregate(a=Sum("amount"), f=Sum("fee"))
    check.brought = (brought["a"] or Decimal(0)) - (brought["f"] or Decimal(0))
    credited = entries.filter(kind=Entry.Kind.DONATION)
    check.credited_once = (
        credited.count() == check.paid
        and credited.values("donation_id").distinct().count() == check.paid
        and not credited.filter(donation__status=Donation.Status.PENDING).exists()
    )
    case_ids = list(credited.exclude(case_id=None).values_list("case_id", flat=True).distinct())
    raised = ledger.raised_for_cases(case_ids)
    targets = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "target"))
    check.overfunded = [str(pk) for pk in case_ids if raised[pk] > targets[pk]]
    check.fullest = max((float(raised[pk] / targets[pk]) for pk in case_ids), default=0.0)
    check.funded = Case.objects.filter(
        administration_id=administration, kind__in=KINDS, status=CaseStatus.FUNDED
    ).count()
    return check


# The measurement ------------------------------------------------------------------------------------------------


def measure(arguments, base_url: str) -> Section:
    from bench import scenarios
    from bench.client import http_load
    from bench.suites.giving_client import STEPS, Steps, donor_addresses

    cases = getattr(arguments, "giving_cases", CASES)
    spread = getattr(arguments, "giving_spread", SPREAD)
    pgbench_seconds = getattr(arguments, "giving_pgbench_seconds", PGBENCH_SECONDS)
    pgbench_pool = getattr(arguments, "giving_pgbench_pool", PGBENCH_POOL)
    requests, seconds, quiet = arguments.requests, arguments.seconds, arguments.quiet
    prepared = prepare(cases=cases, spread=spread, seed=arguments.seed)
    clear_gifts(prepared.administration_id)
    rng = random.Random(arguments.seed)
    addresses = donor_addresses()
    lines: list[ReportLine] = []

    # The public case list, after the bare one-row view, at 4 connections.
    bare_rows = scenarios.bare_paths(scenarios.bench_users())
    list_requests = min(LIST_REQUESTS, requests)
    bare_row = lambda **bounds: http_load(base_url, bare_rows, **bounds)  # noqa: E731
    case_list = lambda **bounds: http_load(base_url, LIST_PATHS, **bounds)  # noqa: E731
    for load in (bare_row, case_list):
        _run(load, 2, WARM, seconds)
    _quiet(quiet)
    base = _run(bare_row, LIST_CONNECTIONS, list_requests, seconds)
    page = _run(case_list, LIST_CONNECTIONS, list_requests, seconds)
    lines.append(ReportLine(f"public case list ({prepared.cases:,} open cases)", page, BARE_NAME, base))
    print("    public case list: done", flush=True)

    # Gifts: the bare ledger view, the provider's callback, the whole path, back to back for each destination.
    spread_label = f"{len(prepared.spread):,} cases"
    destinations = ((spread_label, "spread", prepared.spread), ("one hot case", "hot", [prepared.hot]))
    steps: dict[str, Steps] = {}
    rates: dict[str, dict[str, float]] = {}
    for label, _tag, targets in destinations:
        pools = {
            "bare": pending_gifts(prepared, targets, requests + WARM, rng),
            "callback": pending_gifts(prepared, targets, requests + WARM, rng),
            "gift": gifts_for_browsers(targets, requests + WARM, rng),
        }
        steps[label] = Steps()
        _quiet(quiet)
        measured = {}
        for name, items in pools.items():
            # Warmed on the pool's last few; the measured gifts are the first, in turn over the cases.
            _run(_load(name, base_url, prepared, items[-WARM:], addresses), 2, WARM, seconds)
            load = _load(name, base_url, prepared, items[:-WARM], addresses, steps[label])
            measured[name] = _run(load, DONORS, requests, seconds)
        bare_name = f"bare ledger view, {label}"
        lines.append(ReportLine(f"gift end to end, {label}", measured["gift"], bare_name, measured["bare"]))
        lines.append(ReportLine(f"payment callback, {label}", measured["callback"], bare_name, measured["bare"]))
        rates[label] = {name: result.per_second for name, result in measured.items()}
        print(f"    gifts, {label}: done", flush=True)

    pgbench = []
    for label, tag, targets in destinations:
        _quiet(quiet)
        pgbench.append(run_pgbench(prepared, targets, label, tag, rng, seconds=pgbench_seconds, pool=pgbench_pool))
    print("    pgbench: done", flush=True)
    check = check_ledger(prepared)

    return Section(
        title="Giving: a gift end to end, its callback and ledger write, the public case list",
        lines=lines,
        targets=_targets(prepared, lines, check, spread_label),
        text=_text(prepared, lines, steps, pgbench, check, rates, spread_label, STEPS),
    )


def _load(name: str, base_url: str, prepared: Prepared, items: list, addresses, steps=None):
    if name == "bare":
        return bare_ledger_load(base_url, prepared, items, addresses)
    if name == "callback":
        return callback_load(base_url, prepared, items, addresses)
    return gift_load(base_url, items, addresses, steps)


def _line(lines: list[ReportLine], name: str) -> ReportLine | None:
    return next((line for line in lines if line.name == name), None)


def _targets(prepared: Prepared, lines, check: LedgerCheck, spread_label: str) -> list[Target]:
    targets = []
    spread, hot = _line(lines, f"gift end to end, {spread_label}"), _line(lines, "gift end to end, one hot case")
    for line, limit, what in (
        (spread, 200, "donations end to end over 1,000 cases ≥ 200/s"),
        (hot, 150, "donations on one hot case ≥ 150/s"),
    ):
        rate = line.result.per_second
        note = "" if line is hot or len(prepared.spread) == SPREAD else f" ({spread_label})"
        targets.append(Target(what, f"{rate:,.0f}/s{note}", rate >= limit))
    callback = _line(lines, f"payment callback, {spread_label}")
    share = callback.result.per_second / callback.baseline.per_second if callback.baseline.per_second else 0.0
    targets.append(
        Target(
            "callback ledger write ≥ 60 % of the bare ledger view's throughput (callbacks/s over the bare view's "
            "requests/s, 32 connections, the same cases)",
            f"{100 * share:.0f} %",
            share >= 0.6,
        )
    )
    listing = lines[0]
    p95 = listing.result.percentile(0.95)
    count = "" if prepared.cases == CASES else f" ({prepared.cases:,} open cases)"
    targets.append(
        Target(
            "public case list p95 ≤ 50 ms at 4 connections with 20,000 open cases",
            f"{p95:.1f} ms{count}",
            p95 <= 50 and prepared.cases >= CASES,
        )
    )
    errors = sum(line.result.errors + (line.baseline.errors if line.baseline else 0) for line in lines)
    targets.append(
        Target(
            "gifts: no errors, the ledger balanced, no case past its target",
            f"{errors} errors, ledger {'balanced' if check.ok else 'NOT balanced'}, {len(check.overfunded)} overfunded",
            errors == 0 and check.ok,
        )
    )
    return targets


def _text(prepared, lines, steps, pgbench, check: LedgerCheck, rates, spread_label: str, step_names) -> str:
    money = prepared.currency
    made = f"created in {prepared.seconds:.1f} s" if prepared.seconds else "there from an earlier run"
    parts = [
        f"Cases: {prepared.cases:,} published in the bench administration ({prepared.debt:,} debt release, "
        f"{prepared.household:,} household needs; {money}), {made}",
        f"; gifts go in turn to the {len(prepared.spread):,} largest debts (each run starts from no gifts) or all "
        f"to one hot case (blood money, {prepared.hot.target:,.0f} {money} asked).",
        " A gift end to end is one donor's browser, from an address of its own: the case page, the gift form "
        "posted (the portal opens the sandbox charge), the provider's checkout page, Pay (the sandbox records the "
        "payment and delivers its signed callback through the endpoint's own code, which credits the ledger), and "
        "the thank-you page, which must show the gift received. The payment callback is the provider's signed POST "
        f"to `{CALLBACK_PATH}` for a gift paid at the provider; the bare ledger view (`bench/views.py`) runs only "
        "the callback's ledger transaction with the accounts given. The callback's ledger write is measured as "
        "callbacks per second as a share of the bare ledger view's requests per second, both at 32 connections "
        "over the same cases, measured back to back.",
    ]
    for label, measured in steps.items():
        means = measured.mean_ms()
        if means:
            split = ", ".join(f"{name} {means.get(name, 0):.0f}" for name in step_names)
            parts.append(f" Mean ms per step of a gift, {label}: {split}.")
    for run in pgbench:
        if run.failed and not run.tps:
            parts.append(f" pgbench, {run.cases}: not run ({run.failed}).")
            continue
        bare = rates.get(run.cases, {}).get("bare", 0.0)
        versus = f"; the bare ledger view did {100 * bare / run.tps:.0f} % of that" if run.tps and bare else ""
        note = f" ({run.failed})" if run.failed else ""
        parts.append(
            f" pgbench, the same transaction in SQL, {run.cases}: {run.tps:,.0f} tps at {run.clients} clients for "
            f"{run.seconds:g} s ({run.transactions:,} gifts credited){versus}{note}."
        )
    verdict = "balanced" if check.ok else "NOT balanced"
    parts.append(
        f" Ledger after the run: {check.paid:,} gifts paid ({check.pending:,} still pending, never called back), "
        f"{check.entries:,} entries, {check.unbalanced} unbalanced; debits {check.debits:,.0f} = credits "
        f"{check.credits:,.0f} {money}: {verdict}; the collection account holds {check.clearing:,.0f} {money}, what "
        f"the paid gifts brought less their fees ({check.brought:,.0f}); each paid gift credited once: "
        f"{'yes' if check.credited_once else 'NO'}; cases past their target: {len(check.overfunded)} (the fullest "
        f"at {100 * check.fullest:.2f} % of its target; {check.funded} funded)."
    )
    return "".join(parts)
