"""Writing and reading the ledger: the one place that posts entries, and the sums every total comes from.

`post()` refuses an entry whose debits and credits differ, that mixes currencies or administrations, or
that lets zakat leave the zakat accounts for anything but an eligible case, a refund or a settlement.
Every amount shown anywhere (raised, balance, paid, a campaign's total, the general fund) is read here
from the lines.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from karama.core.formatting import currency_precision
from karama.giving.models import Account, Campaign, Case, Entry, Line, Settlement

ZERO = Decimal("0")
Kind = Account.Kind


@dataclass(frozen=True)
class Posting:
    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def debit(account: Account, amount: Decimal) -> Posting:
    return Posting(account, debit=amount)


def credit(account: Account, amount: Decimal) -> Posting:
    return Posting(account, credit=amount)


def quantum(currency: str) -> Decimal:
    """The smallest amount of a currency: 0.01 SAR, 0.001 JOD, 1 IRR."""
    return Decimal(1).scaleb(-currency_precision(currency))


# Writing ---------------------------------------------------------------------------------------------


def post(
    *,
    kind: str,
    administration_id: int,
    currency: str,
    postings: Iterable[Posting],
    donation=None,
    case: Case | None = None,
    campaign: Campaign | None = None,
    memo: str = "",
    by=None,
) -> Entry:
    """Write one balanced entry and its lines (two INSERTs). Must run inside the caller's transaction."""
    postings = [p for p in postings if p.debit or p.credit]
    _check_balanced(postings, administration_id, currency)
    _check_zakat(kind, postings)
    entry = Entry.objects.create(
        kind=kind,
        administration_id=administration_id,
        currency=currency,
        donation=donation,
        case=case,
        campaign=campaign,
        memo=memo[:300],
        created_by=by,
    )
    Line.objects.bulk_create([Line(entry=entry, account=p.account, debit=p.debit, credit=p.credit) for p in postings])
    return entry


def _check_balanced(postings: list[Posting], administration_id: int, currency: str) -> None:
    if len(postings) < 2:
        raise ValidationError(_("A ledger entry needs at least one debit and one credit."))
    for posting in postings:
        if posting.debit < 0 or posting.credit < 0 or (posting.debit and posting.credit):
            raise ValidationError(_("Each line of an entry is either a debit or a credit, and positive."))
        if posting.account.currency != currency or posting.account.administration_id != administration_id:
            raise ValidationError(_("An entry stays in one currency and one administration."))
    debits = sum((p.debit for p in postings), ZERO)
    credits = sum((p.credit for p in postings), ZERO)
    if debits != credits:
        raise ValidationError(_("The entry does not balance: debits and credits differ."))


def _check_zakat(kind: str, postings: list[Posting]) -> None:
    """Zakat only moves between zakat funds, or out to an eligible case's payee or back to its donor."""
    if kind == Entry.Kind.FEE:
        if {p.account.kind for p in postings} != {Kind.FEES, Kind.CLEARING}:
            raise ValidationError(_("A fee is paid by the administration, never out of a fund."))
        return
    for posting in postings:
        account = posting.account
        if account.zakat and account.kind == Kind.CASE and not account.case.zakat_eligible:
            raise ValidationError(_("Zakat can go only to debtors and families in need."))
    funds = [p for p in postings if p.account.kind in Account.FUNDS]
    if not any(p.account.zakat for p in funds) or all(p.account.zakat for p in funds):
        return
    # Zakat and other money in one entry only when every fund is on the same side against the collection
    # account alone: a gift coming in, or a settlement or refund going out. Never one fund into another.
    sides = {bool(p.debit) for p in funds}
    others = {p.account.kind for p in postings if p.account.kind not in Account.FUNDS}
    if len(sides) != 1 or others != {Kind.CLEARING}:
        raise ValidationError(_("Zakat cannot be mixed with other money or spent on fees and overheads."))


# Accounts -----------------------------------------------------------------------------------------------


def _get_or_create(**fields) -> Account:
    account = Account.objects.filter(**fields).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(**fields)
    except IntegrityError:
        # Another request created it between our read and our write.
        return Account.objects.get(**fields)


def clearing_account(administration_id: int, currency: str) -> Account:
    return _get_or_create(administration_id=administration_id, currency=currency, kind=Kind.CLEARING, zakat=False)


def fees_account(administration_id: int, currency: str) -> Account:
    return _get_or_create(administration_id=administration_id, currency=currency, kind=Kind.FEES, zakat=False)


def general_fund(administration_id: int, currency: str, *, zakat: bool) -> Account:
    return _get_or_create(administration_id=administration_id, currency=currency, kind=Kind.GENERAL, zakat=zakat)


def campaign_fund(campaign: Campaign, *, zakat: bool) -> Account:
    return _get_or_create(
        administration_id=campaign.administration_id,
        currency=campaign.currency,
        kind=Kind.CAMPAIGN,
        campaign=campaign,
        zakat=zakat,
    )


def case_fund(case: Case, *, zakat: bool) -> Account:
    if zakat and not case.zakat_eligible:
        raise ValidationError(_("Zakat can go only to debtors and families in need."))
    account = _get_or_create(
        administration_id=case.administration_id, currency=case.currency, kind=Kind.CASE, case=case, zakat=zakat
    )
    account.case = case
    return account


def open_case_funds(case: Case) -> list[Account]:
    """The accounts a published case receives gifts on: zakat apart, where the case may take zakat."""
    funds = [case_fund(case, zakat=False)]
    if case.zakat_eligible:
        funds.append(case_fund(case, zakat=True))
    return funds


@dataclass
class GiftAccounts:
    """The accounts one gift may touch, read in one query before any lock is taken."""

    clearing: Account
    fees: Account
    general: Account
    campaign: Account | None
    cases: dict[int, Account]  # case id -> its fund for this kind of gift


def gift_accounts(
    *, administration_id: int, currency: str, zakat: bool, campaign: Campaign | None, cases: list[Case]
) -> GiftAccounts:
    pooled = Q(
        administration_id=administration_id,
        currency=currency,
        kind__in=[Kind.CLEARING, Kind.FEES, Kind.GENERAL],
        case__isnull=True,
        campaign__isnull=True,
    )
    wanted = pooled | Q(case_id__in=[case.pk for case in cases], zakat=zakat)
    if campaign is not None:
        wanted |= Q(campaign_id=campaign.pk, zakat=zakat)
    found = list(Account.objects.filter(wanted))
    by_role = {(a.kind, a.zakat): a for a in found if a.case_id is None and a.campaign_id is None}
    by_case = {a.case_id: a for a in found if a.case_id is not None}
    campaign_account = next((a for a in found if a.campaign_id is not None), None)
    return GiftAccounts(
        clearing=by_role.get((Kind.CLEARING, False)) or clearing_account(administration_id, currency),
        fees=by_role.get((Kind.FEES, False)) or fees_account(administration_id, currency),
        general=by_role.get((Kind.GENERAL, zakat)) or general_fund(administration_id, currency, zakat=zakat),
        campaign=campaign_account or (campaign_fund(campaign, zakat=zakat) if campaign is not None else None),
        cases={case.pk: _attached(by_case.get(case.pk), case, zakat) for case in cases},
    )


def _attached(account: Account | None, case: Case, zakat: bool) -> Account:
    account = account or case_fund(case, zakat=zakat)
    account.case = case
    return account


def case_funds(case_ids: Iterable[int]) -> dict[tuple[int, bool], Account]:
    """{(case id, zakat): account} for these cases, in one query."""
    accounts = Account.objects.filter(case_id__in=list(case_ids)).select_related("case")
    return {(account.case_id, account.zakat): account for account in accounts}


# Reading -------------------------------------------------------------------------------------------------


def raised_for_cases(case_ids: Iterable[int]) -> dict[int, Decimal]:
    """What each case has received, net of refunds and reallocations (a settlement spends it, it stays raised).

    The sum runs over the cases' lines alone, leaving out those of the cases' settlements (one at most each,
    found by the case): the callback sums a case's lines under the case's lock, and joining every line to its
    entry to read the entry's kind made each gift to a popular case read the entries of all the gifts before."""
    ids = list(case_ids)
    if not ids:
        return {}
    settlements = Settlement.objects.filter(case_id__in=ids).values("entry_id")
    rows = (
        Line.objects.filter(account__case_id__in=ids)
        .values("account__case_id")
        .annotate(credits=Sum("credit"), debits=Sum("debit", filter=~Q(entry_id__in=settlements)))
        .order_by()
    )
    raised = dict.fromkeys(ids, ZERO)
    for row in rows:
        raised[row["account__case_id"]] = (row["credits"] or ZERO) - (row["debits"] or ZERO)
    return raised


def fund_balances(accounts: Iterable[Account]) -> dict[int, Decimal]:
    """Credit balance of fund accounts (what they hold), by account id."""
    ids = [account.pk for account in accounts]
    rows = Line.objects.filter(account_id__in=ids).values("account_id").annotate(c=Sum("credit"), d=Sum("debit"))
    balances = dict.fromkeys(ids, ZERO)
    for row in rows.order_by():
        balances[row["account_id"]] = (row["c"] or ZERO) - (row["d"] or ZERO)
    return balances


@dataclass
class CaseMoney:
    raised: Decimal
    held: Decimal  # still in the case's funds
    held_zakat: Decimal
    paid_out: Decimal  # settled to the creditor, court, household or supplier
    remaining: Decimal  # still to be asked of donors

    @property
    def percent(self) -> int:
        total = self.raised + self.remaining
        return min(100, int(self.raised * 100 / total)) if total else 0


def case_money(case: Case) -> CaseMoney:
    rows = (
        Line.objects.filter(account__case=case)
        .values("account__zakat", "entry__kind")
        .annotate(c=Sum("credit"), d=Sum("debit"))
        .order_by()
    )
    held = held_zakat = paid = credits = debits = ZERO
    for row in rows:
        c, d = row["c"] or ZERO, row["d"] or ZERO
        held += c - d
        if row["account__zakat"]:
            held_zakat += c - d
        if row["entry__kind"] == Entry.Kind.SETTLEMENT:
            paid += d
        else:
            credits += c
            debits += d
    raised = credits - debits
    remaining = max(ZERO, case.target - raised) if case.status not in ("cancelled",) else ZERO
    return CaseMoney(raised=raised, held=held, held_zakat=held_zakat, paid_out=paid, remaining=remaining)


def trial_balance() -> dict[int, tuple[Decimal, Decimal]]:
    """{entry id: (debits, credits)} of every entry whose two sides differ: empty when the ledger is sound."""
    rows = Line.objects.values("entry_id").annotate(d=Sum("debit"), c=Sum("credit")).order_by()
    return {row["entry_id"]: (row["d"], row["c"]) for row in rows if row["d"] != row["c"]}


def balances_by_account(administration_ids: list[int] | None = None) -> dict[tuple, Decimal]:
    """{(administration id, currency, kind, zakat): balance} over the pooled accounts and all case funds together."""
    lines = Line.objects.all()
    if administration_ids is not None:
        lines = lines.filter(account__administration_id__in=administration_ids)
    rows = (
        lines.values("account__administration_id", "account__currency", "account__kind", "account__zakat")
        .annotate(c=Sum("credit"), d=Sum("debit"))
        .order_by()
    )
    totals: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        key = (row["account__administration_id"], row["account__currency"], row["account__kind"], row["account__zakat"])
        natural = (row["d"] or ZERO) - (row["c"] or ZERO)
        totals[key] += natural if row["account__kind"] in (Kind.CLEARING, Kind.FEES) else -natural
    return dict(totals)
