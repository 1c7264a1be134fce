"""Gifts: starting one, crediting it when the provider's signed callback arrives, moving pooled money to a case,
and giving money back when a case is cancelled.

The callback is the hot path of a national campaign. Everything that can be read before the case row is
locked is read before (the gift, its accounts); inside the lock there are only the sum of what the case
has raised, the two INSERTs of the entry, and the UPDATE of the gift. The lock is what keeps a case from
being funded past its target when hundreds of gifts arrive at once; what it can no longer take goes
where the donor asked: to the case's campaign or to the general fund.
"""

import logging
from collections import defaultdict
from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal

from babel.numbers import get_territory_currencies
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from karama.core.access import require_manage
from karama.core.crypto import encrypt
from karama.core.models import Organization, User
from karama.core.money import to_amount
from karama.giving import ledger
from karama.giving.ledger import ZERO, credit, debit
from karama.giving.models import (
    Account,
    AllocationRule,
    Campaign,
    Case,
    CaseStatus,
    Donation,
    Entry,
    GiftKind,
    Line,
    Overflow,
)
from karama.giving.payments import CallbackRejected, PaymentEvent, log_rejection, provider

logger = logging.getLogger("karama.giving")


def administration_currency(administration: Organization) -> str:
    """The currency a general gift to an administration is made in: its country's."""
    currencies = get_territory_currencies(administration.country, tender=True, non_tender=False)
    return currencies[0] if currencies else "USD"


# Starting a gift ------------------------------------------------------------------------------------------


def start_donation(
    *,
    amount,
    gift_kind: str,
    case: Case | None = None,
    campaign: Campaign | None = None,
    administration: Organization | None = None,
    overflow: str = Overflow.CAMPAIGN,
    donor: User | None = None,
    anonymous: bool = False,
    donor_name: str = "",
    donor_email: str = "",
    language: str = "en",
    provider_code: str = "sandbox",
) -> tuple[Donation, str]:
    """Record a gift awaiting payment and open the provider's charge; return it and the checkout address."""
    administration_id, currency = _destination(case, campaign, administration)
    if gift_kind not in GiftKind.values:
        raise ValidationError({"gift_kind": _("Choose the kind of gift.")})
    if gift_kind == GiftKind.ZAKAT and case is not None and not case.zakat_eligible:
        raise ValidationError({"gift_kind": _("Zakat can go only to debtors and families in need.")})
    if overflow not in Overflow.values:
        raise ValidationError({"overflow": _("Choose where the rest of your gift goes.")})
    try:
        amount = to_amount(amount, currency)
    except ValidationError as error:
        raise ValidationError({"amount": error.messages}) from None
    donor_email = (donor_email or "").strip()
    if donor_email:
        try:
            validate_email(donor_email)
        except ValidationError:
            raise ValidationError({"donor_email": _("Enter a valid e-mail address.")}) from None
    donation = Donation(
        administration_id=administration_id,
        currency=currency,
        amount=amount,
        gift_kind=gift_kind,
        case=case,
        campaign=campaign,
        overflow=overflow,
        donor=donor if donor is not None and donor.is_authenticated else None,
        anonymous=anonymous,
        # Anonymous even to staff: no name is kept; the e-mail, if given, only to send the receipt and news.
        donor_name="" if anonymous else (donor_name or "").strip()[:200],
        donor_email_encrypted=encrypt(donor_email),
        language=language,
        provider=provider_code,
    )
    gateway = provider(provider_code)
    with transaction.atomic():
        donation.save()
        payment_id, checkout_url = gateway.create_charge(
            donation=donation,
            description=_describe(donation),
            merchant=str(donation.administration),
            return_url=reverse("giving:thanks", args=[donation.receipt_token]),
        )
        donation.provider_payment_id = payment_id
        donation.save(update_fields=["provider_payment_id"])
    return donation, checkout_url


def _destination(case, campaign, administration) -> tuple[int, str]:
    today = timezone.localdate()
    if case is not None:
        if not case.accepts_gifts:
            raise ValidationError(_("This case no longer takes gifts: it is funded or closed."))
        return case.administration_id, case.currency
    if campaign is not None:
        if not campaign.is_open_on(today):
            raise ValidationError(_("This campaign is not taking gifts now."))
        return campaign.administration_id, campaign.currency
    if administration is None or not administration.is_administration:
        raise ValidationError({"administration": _("Choose the administration whose general fund you give to.")})
    return administration.pk, administration_currency(administration)


def _describe(donation: Donation) -> str:
    if donation.case_id:
        return _("Gift to case %(code)s") % {"code": donation.case.public_code}
    if donation.campaign_id:
        return _("Gift to the campaign %(name)s") % {"name": donation.campaign.name}
    return _("Gift to the general fund")


# Donor accounts -------------------------------------------------------------------------------------------


def register_donor(*, username: str, password: str, email: str = "", language: str = "en") -> User:
    """An optional account for a donor's history and receipts: the role that sees nothing internal."""
    from django.contrib.auth.password_validation import validate_password

    from karama.core.models import Role

    username = (username or "").strip()
    if not username or User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This name is taken; choose another.")})
    donor = User(username=username, email=(email or "").strip(), role=Role.DONOR, language=language)
    try:
        validate_password(password, donor)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None
    donor.set_password(password)
    donor.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        donor.save()
    return donor


def keep_gift(*, donor: User, donation: Donation) -> Donation:
    """Add a gift made before signing in to the donor's history (it stays as anonymous as it was)."""
    if not donor.is_authenticated:
        raise ValidationError(_("Sign in to keep your gifts."))
    with transaction.atomic():
        changed = Donation.objects.filter(pk=donation.pk, donor__isnull=True).update(donor=donor)
    if not changed and donation.donor_id != donor.pk:
        raise ValidationError(_("This gift is already in someone's history."))
    donation.donor = donor
    return donation


# The provider's callback ------------------------------------------------------------------------------------


def receive_callback(*, provider_code: str, body: bytes, headers: Mapping[str, str], address: str | None = None) -> str:
    """Verify and apply a provider's callback: "credited", "duplicate", "failed" or "ignored".

    A forged, stale, malformed, unknown or tampered callback raises CallbackRejected, writes nothing and
    is logged.
    """
    try:
        event = provider(provider_code).parse_callback(body=body, headers=headers)
        return apply_payment_event(provider_code=provider_code, event=event)
    except CallbackRejected as rejected:
        log_rejection(provider_code, rejected, address)
        raise


def apply_payment_event(*, provider_code: str, event: PaymentEvent) -> str:
    donation = (
        Donation.objects.select_related("case", "campaign")
        .filter(provider=provider_code, provider_payment_id=event.payment_id)
        .first()
    )
    if donation is None:
        raise CallbackRejected("unknown", event.payment_id)
    if event.amount != donation.amount or event.currency != donation.currency:
        raise CallbackRejected("tampered", f"{event.payment_id}: {event.amount} {event.currency}")
    if event.status == "succeeded":
        return _credit(donation, event.fee)
    if event.status in ("failed", "cancelled"):
        status = Donation.Status.FAILED if event.status == "failed" else Donation.Status.CANCELLED
        changed = Donation.objects.filter(pk=donation.pk, status=Donation.Status.PENDING).update(status=status)
        return "failed" if changed else "ignored"
    raise CallbackRejected("malformed", f"status {event.status}")


def _credit(donation: Donation, fee: Decimal) -> str:
    if donation.status in (Donation.Status.PAID, Donation.Status.REFUNDED):
        return "duplicate"
    zakat = donation.gift_kind == GiftKind.ZAKAT
    cases = _candidate_cases(donation, zakat)
    accounts = ledger.gift_accounts(
        administration_id=donation.administration_id,
        currency=donation.currency,
        zakat=zakat,
        campaign=_overflow_campaign(donation),
        cases=cases,
    )
    with transaction.atomic():
        status = Donation.objects.select_for_update().filter(pk=donation.pk).values_list("status", flat=True).get()
        if status in (Donation.Status.PAID, Donation.Status.REFUNDED):
            return "duplicate"
        postings, funded = _share_out(donation, cases, accounts)
        ledger.post(
            kind=Entry.Kind.DONATION,
            administration_id=donation.administration_id,
            currency=donation.currency,
            postings=postings,
            donation=donation,
            case=donation.case,
            campaign=donation.campaign,
        )
        if fee > 0:
            ledger.post(
                kind=Entry.Kind.FEE,
                administration_id=donation.administration_id,
                currency=donation.currency,
                postings=[debit(accounts.fees, fee), credit(accounts.clearing, fee)],
                donation=donation,
            )
        now = timezone.now()
        Donation.objects.filter(pk=donation.pk).update(status=Donation.Status.PAID, paid_at=now, fee=fee)
        for case in funded:
            _mark_funded(case, now)
    if donation.donor_email_encrypted:
        from karama.giving import tasks

        transaction.on_commit(lambda: tasks.send_receipt.enqueue(donation.pk))
    return "credited"


def _overflow_campaign(donation: Donation) -> Campaign | None:
    if donation.campaign_id:
        return donation.campaign
    if donation.case_id and donation.overflow == Overflow.CAMPAIGN and donation.case.campaign_id:
        return donation.case.campaign
    return None


def _candidate_cases(donation: Donation, zakat: bool) -> list[Case]:
    if donation.case_id:
        return [donation.case]
    if donation.campaign_id:
        cases = Case.objects.filter(campaign_id=donation.campaign_id, status=CaseStatus.PUBLISHED)
        return [case for case in cases if case.zakat_eligible or not zakat]
    return []


def _share_out(donation: Donation, cases: list[Case], accounts: ledger.GiftAccounts):
    """The postings of a gift, decided under the lock of the cases it may fund; and the cases it fills."""
    amount = donation.amount
    postings = [debit(accounts.clearing, amount)]
    if not cases:
        pool = accounts.campaign or accounts.general
        return [*postings, credit(pool, amount)], []
    locked = list(
        Case.objects.select_for_update()
        .filter(pk__in=[case.pk for case in cases], status=CaseStatus.PUBLISHED)
        .order_by("pk")
        .only("pk", "target", "priority_score", "published_at")
    )
    raised = ledger.raised_for_cases([case.pk for case in locked])
    rooms = {case.pk: max(ZERO, case.target - raised[case.pk]) for case in locked}
    if donation.case_id:
        shares = {donation.case_id: min(amount, rooms.get(donation.case_id, ZERO))}
    else:
        shares = _campaign_shares(donation, locked, rooms)
    for case_id, share in shares.items():
        if share > 0:
            postings.append(credit(accounts.cases[case_id], share))
    rest = amount - sum(shares.values(), ZERO)
    if rest > 0:
        postings.append(credit(accounts.campaign or accounts.general, rest))
    funded = [case for case in locked if rooms[case.pk] > 0 and shares.get(case.pk, ZERO) == rooms[case.pk]]
    return postings, funded


def _campaign_shares(donation: Donation, cases: list[Case], rooms: dict[int, Decimal]) -> dict[int, Decimal]:
    rule = donation.campaign.allocation_rule
    if rule == AllocationRule.EVENLY:
        return share_evenly(donation.amount, [(c.pk, rooms[c.pk]) for c in cases], ledger.quantum(donation.currency))
    return share_urgent_first(donation.amount, [(c.pk, rooms[c.pk]) for c in sorted(cases, key=_urgency)])


def _urgency(case: Case):
    # The portal's order: the most points first, then the smallest amount, then the longest wait.
    return (-case.priority_score, case.target, case.published_at or timezone.now(), case.pk)


def share_urgent_first(amount: Decimal, rooms: list[tuple[int, Decimal]]) -> dict[int, Decimal]:
    """Fill the first case, then the next, until the gift is spent."""
    shares, left = {}, amount
    for key, room in rooms:
        shares[key] = min(left, room)
        left -= shares[key]
    return shares


def share_evenly(amount: Decimal, rooms: list[tuple[int, Decimal]], unit: Decimal) -> dict[int, Decimal]:
    """Equal shares, never past a case's room; what a full case cannot take is shared among the others."""
    shares = {key: ZERO for key, _room in rooms}
    room_left = dict(rooms)
    left = amount
    open_keys = [key for key, room in rooms if room > 0]
    while open_keys and left >= unit * len(open_keys):
        each = (left / len(open_keys)).quantize(unit, rounding=ROUND_DOWN)
        for key in list(open_keys):
            give = min(each, room_left[key])
            shares[key] += give
            room_left[key] -= give
            left -= give
            if room_left[key] == 0:
                open_keys.remove(key)
    for key in open_keys:  # the last few units, one each, in order
        if left < unit:
            break
        give = min(unit, room_left[key])
        shares[key] += give
        left -= give
    return shares


def _mark_funded(case: Case, now) -> None:
    # Saved (not updated) so the change history records when the case was funded.
    row = Case.objects.get(pk=case.pk)
    row.status, row.funded_at = CaseStatus.FUNDED, now
    row.save(update_fields=["status", "funded_at", "updated_at"])


# Pooled money to a case -------------------------------------------------------------------------------------


def allocate_to_case(*, by: User, case: Case, source: str, amount, zakat: bool = False) -> Entry:
    """Give a published case money from the general fund or from its campaign's fund, never past its target."""
    require_manage(by, case.administration_id)
    if zakat and not case.zakat_eligible:
        raise ValidationError({"zakat": _("Zakat can go only to debtors and families in need.")})
    try:
        amount = to_amount(amount, case.currency)
    except ValidationError as error:
        raise ValidationError({"amount": error.messages}) from None
    if source == "campaign":
        if case.campaign_id is None:
            raise ValidationError({"source": _("This case is in no campaign.")})
        pool = ledger.campaign_fund(case.campaign, zakat=zakat)
    elif source == "general":
        pool = ledger.general_fund(case.administration_id, case.currency, zakat=zakat)
    else:
        raise ValidationError({"source": _("Choose the fund the money comes from.")})
    target = ledger.case_fund(case, zakat=zakat)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status != CaseStatus.PUBLISHED:
            raise ValidationError(_("Only a published case that is not yet funded can receive an allocation."))
        room = locked.target - ledger.raised_for_cases([case.pk])[case.pk]
        if amount > room:
            raise ValidationError({"amount": _("The case needs only %(room)s more.") % {"room": _money(room, case)}})
        Account.objects.select_for_update().filter(pk=pool.pk).first()
        available = ledger.fund_balances([pool])[pool.pk]
        if amount > available:
            raise ValidationError(
                {"amount": _("The fund holds only %(amount)s.") % {"amount": _money(available, case)}}
            )
        entry = ledger.post(
            kind=Entry.Kind.ALLOCATION,
            administration_id=case.administration_id,
            currency=case.currency,
            postings=[debit(pool, amount), credit(target, amount)],
            case=case,
            campaign=case.campaign if source == "campaign" else None,
            by=by,
        )
        if amount == room:
            _mark_funded(locked, timezone.now())
    return entry


def _money(amount: Decimal, case: Case) -> str:
    from karama.core.formatting import format_money

    return format_money(amount, case.currency)


# Money back out of a cancelled case ---------------------------------------------------------------------------


def return_case_money(*, case: Case, by: User, disposition: str) -> None:
    """Empty a cancelled case's funds: refund direct gifts to their donors, or move everything to the campaign
    or the general fund. Pooled money that reached the case by allocation always goes back to a pool.
    Runs inside the caller's transaction, with the case row locked."""
    funds = ledger.case_funds([case.pk])
    balances = ledger.fund_balances(funds.values())
    if disposition == "refund":
        for (donation, zakat), amount in _direct_gifts(case).items():
            account = funds[(case.pk, zakat)]
            amount = min(amount, balances[account.pk])
            if amount > 0:
                _refund(donation, case, account, amount, by)
                balances[account.pk] -= amount
    pool_campaign = disposition != "general" and case.campaign_id is not None
    for (_case_id, zakat), account in funds.items():
        left = balances[account.pk]
        if left <= 0:
            continue
        if pool_campaign:
            pool = ledger.campaign_fund(case.campaign, zakat=zakat)
        else:
            pool = ledger.general_fund(case.administration_id, case.currency, zakat=zakat)
        ledger.post(
            kind=Entry.Kind.REALLOCATION,
            administration_id=case.administration_id,
            currency=case.currency,
            postings=[debit(account, left), credit(pool, left)],
            case=case,
            campaign=case.campaign if pool_campaign else None,
            memo=_("Case %(code)s cancelled") % {"code": case.public_code},
            by=by,
        )


def _direct_gifts(case: Case) -> dict[tuple[Donation, bool], Decimal]:
    """What each gift brought to this case, net of what was already given back, by zakat or not."""
    rows = (
        Line.objects.filter(account__case=case, entry__donation__isnull=False)
        .values("entry__donation_id", "account__zakat")
        .annotate(c=Sum("credit"), d=Sum("debit"))
        .order_by("entry__donation_id")
    )
    donations = Donation.objects.in_bulk([row["entry__donation_id"] for row in rows])
    totals: dict[tuple[Donation, bool], Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        totals[(donations[row["entry__donation_id"]], row["account__zakat"])] += (row["c"] or ZERO) - (row["d"] or ZERO)
    return {key: amount for key, amount in totals.items() if amount > 0}


def _refund(donation: Donation, case: Case, account: Account, amount: Decimal, by: User) -> None:
    clearing = ledger.clearing_account(case.administration_id, case.currency)
    ledger.post(
        kind=Entry.Kind.REFUND,
        administration_id=case.administration_id,
        currency=case.currency,
        postings=[debit(account, amount), credit(clearing, amount)],
        donation=donation,
        case=case,
        by=by,
    )
    if amount == donation.amount:
        Donation.objects.filter(pk=donation.pk).update(status=Donation.Status.REFUNDED, refunded_at=timezone.now())
    gateway = provider(donation.provider)
    transaction.on_commit(lambda: gateway.refund(payment_id=donation.provider_payment_id, amount=amount))
