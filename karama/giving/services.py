"""The operations on cases, campaigns and their rules. Each checks the actor's right, runs in one transaction
and writes nothing when it refuses. Gifts and the ledger's own operations are in donations.py."""

import datetime
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from karama.core.access import require_manage
from karama.core.models import Organization, Region, User, validate_names
from karama.core.money import to_amount, validate_currency
from karama.giving import ledger
from karama.giving.donations import administration_currency, return_case_money
from karama.giving.models import (
    PARENT_ROLES,
    AllocationRule,
    Campaign,
    Case,
    CaseKind,
    CaseStatus,
    CreditorKind,
    DebtClaim,
    DebtNature,
    DebtReason,
    EligibilityPolicy,
    Entry,
    FundingSource,
    LoanInstallment,
    NeedReason,
    PriorityRule,
    Settlement,
    SummaryRole,
    Trade,
)
from karama.giving.selectors import can_manage_case
from karama.people.models import CustodyEpisode, Household, Person, ReleaseReason
from karama.people.selectors import can_manage_person

FACT_FIELDS = (
    "region",
    "sex",
    "summary_role",
    "summary_reason",
    "children",
    "household_size",
    "head_of_household",
    "illness",
    "pregnancy",
)
REASONS = {CaseKind.DEBT_RELEASE: DebtReason, CaseKind.HOUSEHOLD_NEED: NeedReason, CaseKind.EQUIPMENT: Trade}
CANCELLABLE = {CaseStatus.DRAFT, CaseStatus.APPROVED, CaseStatus.PUBLISHED, CaseStatus.FUNDED}
ELDERLY_AGE, YOUNG_AGE = 60, 25


def _require_case_manager(by: User, case: Case) -> None:
    if not can_manage_case(by, case):
        raise PermissionDenied


def _require_draft(case: Case) -> None:
    if case.status != CaseStatus.DRAFT:
        raise ValidationError(_("Only a draft case can be changed; an approved case is frozen."))


def _clean(instance, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _amount(value, currency: str, field: str = "amount") -> Decimal:
    try:
        return to_amount(value, currency)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("person", "campaign").get(pk=case.pk)


# Opening a case ---------------------------------------------------------------------------------------------


def open_case(
    *,
    by: User,
    kind: str,
    person: Person | None = None,
    household_need=None,
    target=None,
    currency: str = "",
    campaign: Campaign | None = None,
    claims: Iterable[dict] = (),
    **facts,
) -> Case:
    """Open a draft case from a person's record or a household's assessed need. A debt-release case starts from
    the creditors' claims (its target is what they claim, less the funding plan); a household need asks for the
    need's amount; a project's equipment states its target. Facts default from the records and can be edited
    until the case is approved.

    Other apps call this too: ventures opens equipment cases with kind="equipment", person and target.
    """
    if kind not in CaseKind.values:
        raise ValidationError({"kind": _("Unknown kind of case.")})
    household = None
    if kind == CaseKind.HOUSEHOLD_NEED:
        household, person, target, currency = _from_need(household_need)
        facts.setdefault("summary_reason", household_need.kind)
    if person is None:
        raise ValidationError({"person": _("Choose the person the case is about.")})
    if not can_manage_person(by, person):
        raise PermissionDenied
    if set(facts) - set(FACT_FIELDS):
        raise ValueError(f"open_case cannot set {sorted(set(facts) - set(FACT_FIELDS))}")
    currency = currency or administration_currency(person.administration)
    validate_currency(currency)
    checked = [_claim(dict(claim), currency) for claim in claims]
    if kind == CaseKind.DEBT_RELEASE:
        if not checked:
            raise ValidationError({"claims": _("A debt-release case starts from the creditor's claim.")})
        target = sum((claim.amount for claim in checked), Decimal(0))
    else:
        target = _amount(target, currency, "target")
    case = Case(
        administration_id=person.administration_id,
        kind=kind,
        person=person,
        household=household,
        household_need=household_need if kind == CaseKind.HOUSEHOLD_NEED else None,
        currency=currency,
        target=target,
        opened_by=by,
        **{**_facts_from_records(person, household), **facts},
    )
    _check_facts(case)
    _clean(case)
    if campaign is not None:
        _check_campaign(case, campaign)
        case.campaign = campaign
    with transaction.atomic():
        case.save()
        for claim in checked:
            claim.case = case
            claim.save()
    return case


def _from_need(need) -> tuple:
    """The household, person, amount and currency of an assessed household need that can become a case."""
    if need is None:
        raise ValidationError({"household_need": _("Choose the household's assessed need.")})
    if not need.is_open:
        raise ValidationError({"household_need": _("This need is already met or closed.")})
    if need.amount is None:
        raise ValidationError({"household_need": _("Only a need with an amount can be funded by donors.")})
    taken = Case.objects.filter(household_need=need).exclude(status=CaseStatus.CANCELLED).exists()
    if taken:
        raise ValidationError({"household_need": _("This need already has a case.")})
    household = need.household
    # Stored with three decimals whatever the currency; asked of donors in the currency's own units.
    return household, household.person, need.amount.quantize(ledger.quantum(need.currency)), need.currency


def _facts_from_records(person: Person, household: Household | None) -> dict:
    household = household or Household.objects.filter(person=person).select_related("region").first()
    members = list(household.members.all()) if household else []
    children = sum(1 for member in members if member.relation == "child" and member.dependent)
    region = household.region if household and household.region_id else None
    if region is None and person.facility_id:
        region = Region.objects.filter(facility__pk=person.facility_id).first()
    return {
        "region": region,
        "sex": person.sex,
        "summary_role": _default_role(person, children),
        "children": children,
        "household_size": len(members) + 1,
        "head_of_household": any(member.dependent for member in members),
        "illness": any(member.health_needs or member.special_needs for member in members),
    }


def _default_role(person: Person, children: int) -> str:
    woman = person.sex == "female"
    age = _age(person.birth_date, timezone.localdate())
    if age is not None and age >= ELDERLY_AGE:
        return SummaryRole.ELDERLY_WOMAN if woman else SummaryRole.ELDERLY_MAN
    if children:
        return SummaryRole.MOTHER if woman else SummaryRole.FATHER
    if age is not None and age < YOUNG_AGE:
        return SummaryRole.YOUNG_WOMAN if woman else SummaryRole.YOUNG_MAN
    return SummaryRole.WOMAN if woman else SummaryRole.MAN


def _age(birth_date: datetime.date | None, today: datetime.date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _check_facts(case: Case) -> None:
    reasons = REASONS[case.kind]
    if case.summary_reason and case.summary_reason not in reasons.values:
        raise ValidationError({"summary_reason": _("Choose one of the template's reasons.")})
    if case.summary_role and case.summary_role not in SummaryRole.values:
        raise ValidationError({"summary_role": _("Choose one of the template's descriptions.")})
    if case.summary_role in PARENT_ROLES and not case.children:
        raise ValidationError({"children": _("A father or a mother: say how many children.")})
    if case.household_size and case.children >= case.household_size:
        case.household_size = case.children + 1


def update_case_facts(*, by: User, case: Case, **facts) -> Case:
    """Edit the public facts and the summary's choices of a draft case."""
    _require_case_manager(by, case)
    if set(facts) - set(FACT_FIELDS):
        raise ValueError(f"update_case_facts cannot set {sorted(set(facts) - set(FACT_FIELDS))}")
    with transaction.atomic():
        locked = _locked(case)
        _require_draft(locked)
        for name, value in facts.items():
            setattr(locked, name, value)
        _check_facts(locked)
        _clean(locked)
        locked.save()
    return locked


def set_case_campaign(*, by: User, case: Case, campaign: Campaign | None) -> Case:
    _require_case_manager(by, case)
    with transaction.atomic():
        locked = _locked(case)
        if locked.status not in {CaseStatus.DRAFT, CaseStatus.APPROVED, CaseStatus.PUBLISHED}:
            raise ValidationError(_("A funded, settled or closed case stays in its campaign."))
        if campaign is not None:
            _check_campaign(locked, campaign)
        locked.campaign = campaign
        locked.save(update_fields=["campaign", "updated_at"])
    return locked


def _check_campaign(case: Case, campaign: Campaign) -> None:
    if campaign.administration_id != case.administration_id:
        raise ValidationError({"campaign": _("Choose a campaign of the case's administration.")})
    if campaign.currency != case.currency:
        raise ValidationError({"campaign": _("The campaign collects in another currency.")})


# Claims and the funding plan --------------------------------------------------------------------------------


def _claim(data: dict, currency: str) -> DebtClaim:
    allowed = {"creditor_kind", "creditor_name", "nature", "amount", "court_reference", "pay_to"}
    if set(data) - allowed:
        raise ValueError(f"a claim cannot set {sorted(set(data) - allowed)}")
    claim = DebtClaim(
        creditor_kind=data.get("creditor_kind") or CreditorKind.INDIVIDUAL,
        creditor_name=(data.get("creditor_name") or "").strip(),
        nature=data.get("nature") or DebtNature.PRIVATE_RIGHT,
        amount=_amount(data.get("amount"), currency),
        court_reference=(data.get("court_reference") or "").strip(),
        pay_to=(data.get("pay_to") or "").strip(),
    )
    _clean(claim, exclude=["case"])
    return claim


def add_claim(*, by: User, case: Case, **data) -> DebtClaim:
    _require_case_manager(by, case)
    if case.kind != CaseKind.DEBT_RELEASE:
        raise ValidationError(_("Only a debt-release case has creditors' claims."))
    claim = _claim(data, case.currency)
    with transaction.atomic():
        locked = _locked(case)
        _require_draft(locked)
        claim.case = locked
        claim.save()
        _recompute_target(locked)
    return claim


def remove_claim(*, by: User, claim: DebtClaim) -> None:
    _require_case_manager(by, claim.case)
    with transaction.atomic():
        locked = _locked(claim.case)
        _require_draft(locked)
        if locked.claims.count() == 1:
            raise ValidationError(_("A debt-release case keeps at least one claim."))
        claim.delete()
        _recompute_target(locked)


def verify_claim(*, by: User, claim: DebtClaim, on: datetime.date | None = None) -> DebtClaim:
    """Staff checked the claim with the court or enforcement office: recorded with who and when."""
    _require_case_manager(by, claim.case)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"verified_on": _("A check cannot be dated in the future.")})
    with transaction.atomic():
        _require_draft(_locked(claim.case))
        claim.verified_by, claim.verified_on = by, on
        claim.save(update_fields=["verified_by", "verified_on"])
    return claim


def add_funding_source(
    *,
    by: User,
    case: Case,
    kind: str,
    amount,
    note: str = "",
    installments: int = 0,
    first_due_on: datetime.date | None = None,
) -> FundingSource:
    """A part of the debt met otherwise than by donors; an interest-free loan gets its monthly schedule."""
    _require_case_manager(by, case)
    if case.kind != CaseKind.DEBT_RELEASE:
        raise ValidationError(_("Only a debt-release case has a funding plan."))
    if kind not in FundingSource.Kind.values:
        raise ValidationError({"kind": _("Choose the source.")})
    amount = _amount(amount, case.currency)
    if kind == FundingSource.Kind.LOAN and (installments < 1 or first_due_on is None):
        raise ValidationError({"installments": _("A loan needs its number of monthly installments and a first date.")})
    with transaction.atomic():
        locked = _locked(case)
        _require_draft(locked)
        source = FundingSource.objects.create(case=locked, kind=kind, amount=amount, note=note[:300], recorded_by=by)
        if kind == FundingSource.Kind.LOAN:
            _schedule(source, installments, first_due_on)
        _recompute_target(locked)
    return source


def _schedule(source: FundingSource, count: int, first_due_on: datetime.date) -> None:
    unit = ledger.quantum(source.case.currency)
    share = (source.amount / count).quantize(unit, rounding=ROUND_DOWN)
    for number in range(count):
        amount = share if number < count - 1 else source.amount - share * (count - 1)
        LoanInstallment.objects.create(source=source, due_on=_months_after(first_due_on, number), amount=amount)


def _months_after(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, 28))


def remove_funding_source(*, by: User, source: FundingSource) -> None:
    _require_case_manager(by, source.case)
    with transaction.atomic():
        locked = _locked(source.case)
        _require_draft(locked)
        source.delete()
        _recompute_target(locked)


def record_installment_paid(*, by: User, installment: LoanInstallment, paid_on: datetime.date) -> LoanInstallment:
    _require_case_manager(by, installment.source.case)
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment cannot be dated in the future.")})
    with transaction.atomic():
        installment.paid_on = paid_on
        installment.save(update_fields=["paid_on"])
    return installment


def _recompute_target(case: Case) -> None:
    """What is left for donors: the claims less every other source of the plan; never nothing or less."""
    claimed = case.claims.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    covered = case.funding_sources.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    if claimed - covered <= 0:
        raise ValidationError(
            {"amount": _("The funding plan already covers the whole debt: nothing would be left to ask of donors.")}
        )
    case.target = claimed - covered
    case.save(update_fields=["target", "updated_at"])


# Eligibility and priority ------------------------------------------------------------------------------------


def eligibility_policy(administration_id: int) -> EligibilityPolicy:
    policy = EligibilityPolicy.objects.filter(administration_id=administration_id).first()
    return policy or EligibilityPolicy(administration_id=administration_id)


def check_eligibility(*, by: User, case: Case, fraud_conviction: bool, good_conduct: bool) -> dict:
    """Check a debt-release case against its administration's rules; record each rule's outcome and who checked.
    Fraud and conduct come from the staff member's check of the file; the rest from the records."""
    _require_case_manager(by, case)
    if case.kind != CaseKind.DEBT_RELEASE:
        raise ValidationError(_("Eligibility rules apply to debt-release cases."))
    policy = eligibility_policy(case.administration_id)
    with transaction.atomic():
        locked = _locked(case)
        _require_draft(locked)
        results = _eligibility_results(locked, policy, fraud_conviction, good_conduct)
        locked.eligibility = results
        locked.eligibility_checked_by, locked.eligibility_checked_at = by, timezone.now()
        locked.save(update_fields=["eligibility", "eligibility_checked_by", "eligibility_checked_at", "updated_at"])
    return results


def _eligibility_results(case: Case, policy: EligibilityPolicy, fraud: bool, conduct: bool) -> dict:
    episode = CustodyEpisode.objects.filter(person=case.person, released_on__isnull=True).first()
    claims = list(case.claims.all())
    total = sum((claim.amount for claim in claims), Decimal(0))
    results = {}

    def rule(name: str, passed: bool, detail: str = "") -> None:
        results[name] = {"passed": bool(passed), "detail": detail}

    rule("in_custody", episode is not None)
    if policy.financial_category_only:
        rule("financial_category", episode is not None and episode.case_category == "financial")
    if policy.private_right_only:
        rule("private_right", all(claim.nature == DebtNature.PRIVATE_RIGHT for claim in claims))
    if policy.max_amount:
        same = policy.max_amount_currency in ("", case.currency)
        rule("max_amount", same and total <= policy.max_amount, f"{total} / {policy.max_amount}")
    if policy.exclude_fraud:
        rule("no_fraud", not fraud)
    if policy.min_months_served:
        months = _months_between(episode.admitted_on, timezone.localdate()) if episode else 0
        rule("time_served", months >= policy.min_months_served, str(months))
    if policy.require_good_conduct:
        rule("good_conduct", conduct)
    if policy.years_since_last_release:
        since = timezone.localdate() - datetime.timedelta(days=365 * policy.years_since_last_release)
        earlier = Case.objects.filter(person=case.person, released_on__gte=since).exclude(pk=case.pk).exists()
        rule("no_recent_release", not earlier)
    return results


def _months_between(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def priority_of(case: Case, rules: list[PriorityRule], today: datetime.date) -> tuple[int, list[dict]]:
    """The points a case earns under its administration's published rules, and which rules gave them."""
    person = case.person
    age = _age(person.birth_date, today)
    episode = next((e for e in person.episodes.all() if e.released_on is None), None)
    months_held = _months_between(episode.admitted_on, today) if episode else 0
    facts = {
        PriorityRule.Kind.ELDERLY: lambda t: age is not None and age >= (t or ELDERLY_AGE),
        PriorityRule.Kind.HEAD_OF_HOUSEHOLD: lambda t: case.head_of_household,
        PriorityRule.Kind.WOMEN: lambda t: case.sex == "female",
        PriorityRule.Kind.TIME_HELD: lambda t: episode is not None and months_held >= (t or 12),
        PriorityRule.Kind.SMALL_AMOUNT: lambda t: t is not None and case.target <= t,
        PriorityRule.Kind.CHILDREN: lambda t: case.children >= (t or 1),
        PriorityRule.Kind.ILLNESS: lambda t: case.illness,
        PriorityRule.Kind.PREGNANCY: lambda t: case.pregnancy,
    }
    score, reasons = 0, []
    for rule in rules:
        if rule.active and facts[rule.kind](rule.threshold):
            score += rule.points
            threshold = str(rule.threshold.normalize()) if rule.threshold is not None else None
            reasons.append({"kind": rule.kind, "threshold": threshold})
    return score, reasons


def _rules(administration_id: int) -> list[PriorityRule]:
    return list(PriorityRule.objects.filter(administration_id=administration_id, active=True))


def refresh_priorities(*, administration_id: int) -> int:
    """Recompute the order of an administration's public cases (after its rules change, and daily)."""
    rules = _rules(administration_id)
    today = timezone.localdate()
    cases = (
        Case.objects.filter(administration_id=administration_id, status=CaseStatus.PUBLISHED)
        .select_related("person")
        .prefetch_related("person__episodes")
    )
    changed = []
    for case in cases:
        score, reasons = priority_of(case, rules, today)
        if (score, reasons) != (case.priority_score, case.priority_reasons):
            case.priority_score, case.priority_reasons = score, reasons
            changed.append(case)
    with transaction.atomic():
        Case.objects.bulk_update(changed, ["priority_score", "priority_reasons"])
    return len(changed)


# Four eyes and publication ------------------------------------------------------------------------------------


def approve_case(*, by: User, case: Case) -> Case:
    """A second staff member reviews the case and its public summary: whoever opened it never approves it."""
    _require_case_manager(by, case)
    with transaction.atomic():
        locked = _locked(case)
        if locked.opened_by_id == by.pk:
            raise ValidationError(_("A case is approved by a second staff member, not by the one who opened it."))
        _require_draft(locked)
        _check_ready(locked)
        locked.status, locked.approved_by, locked.approved_at = CaseStatus.APPROVED, by, timezone.now()
        try:
            with transaction.atomic():
                locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        except IntegrityError:
            raise ValidationError(
                _("A case is approved by a second staff member, not by the one who opened it.")
            ) from None
    return locked


def _check_ready(case: Case) -> None:
    problems = []
    if not case.summary_reason or (case.kind != CaseKind.HOUSEHOLD_NEED and not case.summary_role):
        problems.append(_("Complete the public summary."))
    if case.region_id is None:
        problems.append(_("Choose the region shown to donors."))
    if case.kind == CaseKind.DEBT_RELEASE:
        claims = list(case.claims.all())
        if any(claim.verified_on is None for claim in claims):
            problems.append(_("Every creditor's claim must be verified."))
        if not case.eligibility:
            problems.append(_("Check the case against the eligibility rules."))
        elif not all(result["passed"] for result in case.eligibility.values()):
            problems.append(_("The case does not meet every eligibility rule."))
    if problems:
        raise ValidationError(problems)


def reopen_case(*, by: User, case: Case) -> Case:
    """Send an approved, unpublished case back to draft to change it; it must then be approved again."""
    _require_case_manager(by, case)
    with transaction.atomic():
        locked = _locked(case)
        if locked.status != CaseStatus.APPROVED:
            raise ValidationError(_("Only an approved case that is not yet published can go back to draft."))
        locked.status, locked.approved_by, locked.approved_at = CaseStatus.DRAFT, None, None
        locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return locked


def publish_case(*, by: User, case: Case) -> Case:
    _require_case_manager(by, case)
    with transaction.atomic():
        locked = _locked(case)
        if locked.status != CaseStatus.APPROVED:
            raise ValidationError(_("A case is published once a second staff member has approved it."))
        ledger.open_case_funds(locked)
        person = Person.objects.prefetch_related("episodes").get(pk=locked.person_id)
        locked.person = person
        locked.priority_score, locked.priority_reasons = priority_of(
            locked, _rules(locked.administration_id), timezone.localdate()
        )
        locked.status, locked.published_at = CaseStatus.PUBLISHED, timezone.now()
        locked.save(update_fields=["status", "published_at", "priority_score", "priority_reasons", "updated_at"])
    return locked


def cancel_case(*, by: User, case: Case, reason: str, disposition: str = "refund") -> Case:
    """Cancel a case that is not yet settled. Money it holds is refunded to the donors who gave to it, or moved
    to its campaign or the general fund, as staff choose (zakat always to zakat)."""
    _require_case_manager(by, case)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the case is cancelled.")})
    if disposition not in {"refund", "campaign", "general"}:
        raise ValidationError({"disposition": _("Choose what becomes of the money the case holds.")})
    with transaction.atomic():
        locked = _locked(case)
        if locked.status not in CANCELLABLE:
            raise ValidationError(_("A settled or closed case cannot be cancelled."))
        if locked.status in {CaseStatus.PUBLISHED, CaseStatus.FUNDED}:
            return_case_money(case=locked, by=by, disposition=disposition)
        locked.status, locked.cancelled_at, locked.cancel_reason = CaseStatus.CANCELLED, timezone.now(), reason.strip()
        locked.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    return locked


# Settlement, release and closure --------------------------------------------------------------------------------

PROOF_TYPES = {b"%PDF-": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}


def _check_proof(proof) -> None:
    if proof is None:
        raise ValidationError({"proof": _("Attach the proof of payment (PDF or image).")})
    if proof.size > settings.KARAMA_DOCUMENT_MAX_BYTES:
        raise ValidationError({"proof": _("The file is too large.")})
    proof.seek(0)
    head = proof.read(8)
    proof.seek(0)
    if not any(head.startswith(magic) for magic in PROOF_TYPES):
        raise ValidationError({"proof": _("Attach the proof as a PDF, PNG or JPEG file.")})


def record_settlement(
    *,
    by: User,
    case: Case,
    payee_kind: str,
    payee: str,
    reference: str,
    paid_on: datetime.date,
    proof,
) -> Settlement:
    """Record the payment of a funded case to the creditor, the court, the household or the supplier: the whole
    of what the case holds leaves the ledger in one entry, with its reference and proof."""
    _require_case_manager(by, case)
    if payee_kind not in Settlement.PayeeKind.values:
        raise ValidationError({"payee_kind": _("Choose who was paid.")})
    if not (payee or "").strip() or not (reference or "").strip():
        raise ValidationError({"reference": _("Give the payee and the payment's reference.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment cannot be dated in the future.")})
    _check_proof(proof)
    funds = ledger.case_funds([case.pk])
    clearing = ledger.clearing_account(case.administration_id, case.currency)
    with transaction.atomic():
        locked = _locked(case)
        if locked.status != CaseStatus.FUNDED:
            raise ValidationError(_("Only a fully funded case can be settled."))
        balances = ledger.fund_balances(funds.values())
        total = sum(balances.values(), Decimal(0))
        postings = [ledger.debit(account, balances[account.pk]) for account in funds.values()]
        entry = ledger.post(
            kind=Entry.Kind.SETTLEMENT,
            administration_id=locked.administration_id,
            currency=locked.currency,
            postings=[*postings, ledger.credit(clearing, total)],
            case=locked,
            memo=reference.strip(),
            by=by,
        )
        settlement = Settlement(
            case=locked,
            payee_kind=payee_kind,
            payee=payee.strip()[:200],
            reference=reference.strip()[:100],
            paid_on=paid_on,
            amount=total,
            entry=entry,
            recorded_by=by,
        )
        settlement.proof.save(proof.name, proof, save=False)
        try:
            settlement.save()
        except Exception:
            settlement.proof.delete(save=False)
            raise
        locked.status = CaseStatus.SETTLED
        locked.save(update_fields=["status", "updated_at"])
    return settlement


def record_release(*, by: User, case: Case, on: datetime.date) -> Case:
    """After the debt is paid: the person's custody ends with the reason "debt settled", the case closes, and
    the donors who gave to it are told, after commit, that the person is free — never who."""
    from karama.giving import tasks
    from karama.people import services as people_services

    _require_case_manager(by, case)
    if case.kind != CaseKind.DEBT_RELEASE:
        raise ValidationError(_("Only a debt-release case ends with a release."))
    with transaction.atomic():
        locked = _locked(case)
        if locked.status != CaseStatus.SETTLED:
            raise ValidationError(_("Record the payment to the creditor before the release."))
        if locked.settlement.paid_on > on:
            raise ValidationError({"on": _("The release cannot come before the payment.")})
        people_services.release(person=locked.person, by=by, on=on, reason=ReleaseReason.DEBT_SETTLED)
        locked.status, locked.released_on, locked.closed_at = CaseStatus.CLOSED, on, timezone.now()
        locked.save(update_fields=["status", "released_on", "closed_at", "updated_at"])
        transaction.on_commit(lambda: tasks.notify_release.enqueue(locked.pk))
    return locked


def close_case(*, by: User, case: Case) -> Case:
    """Close a settled household-need or equipment case once the help has been delivered."""
    _require_case_manager(by, case)
    with transaction.atomic():
        locked = _locked(case)
        if locked.kind == CaseKind.DEBT_RELEASE:
            raise ValidationError(_("A debt-release case closes when the release is recorded."))
        if locked.status != CaseStatus.SETTLED:
            raise ValidationError(_("Only a settled case can be closed."))
        locked.status, locked.closed_at = CaseStatus.CLOSED, timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
    return locked


# Campaigns and rules --------------------------------------------------------------------------------------------

CAMPAIGN_FIELDS = (
    "names",
    "original_language",
    "descriptions",
    "goal",
    "starts_on",
    "ends_on",
    "allocation_rule",
    "is_public",
    "agreement",
    "commitment",
)


def create_campaign(*, by: User, administration: Organization, code: str, currency: str, **fields) -> Campaign:
    require_manage(by, administration.pk)
    if set(fields) - set(CAMPAIGN_FIELDS):
        raise ValueError(f"create_campaign cannot set {sorted(set(fields) - set(CAMPAIGN_FIELDS))}")
    code = (code or "").strip().lower()
    if not code or Campaign.objects.filter(code=code).exists():
        raise ValidationError({"code": _("The code %(code)s is already taken.") % {"code": code or "—"}})
    campaign = Campaign(administration=administration, code=code, currency=currency, created_by=by)
    _apply_campaign(campaign, fields)
    with transaction.atomic():
        campaign.save()
    return campaign


def update_campaign(*, by: User, campaign: Campaign, **fields) -> Campaign:
    require_manage(by, campaign.administration_id)
    if set(fields) - set(CAMPAIGN_FIELDS):
        raise ValueError(f"update_campaign cannot set {sorted(set(fields) - set(CAMPAIGN_FIELDS))}")
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _apply_campaign(locked, fields)
        locked.save()
    return locked


def _apply_campaign(campaign: Campaign, fields: dict) -> None:
    if "names" in fields:
        fields["names"] = {
            code: text.strip() for code, text in (fields["names"] or {}).items() if text and text.strip()
        }
        validate_names(fields["names"])
    if fields.get("goal") not in (None, ""):
        fields["goal"] = _amount(fields["goal"], campaign.currency, "goal")
    else:
        fields.pop("goal", None)
    if fields.get("allocation_rule", AllocationRule.URGENT_FIRST) not in AllocationRule.values:
        raise ValidationError({"allocation_rule": _("Choose how gifts are shared out.")})
    for name, value in fields.items():
        setattr(campaign, name, value)
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})
    agreement = campaign.agreement
    if agreement is not None and agreement.administration_id != campaign.administration_id:
        raise ValidationError({"agreement": _("Choose an agreement of the campaign's administration.")})
    if campaign.commitment is not None and campaign.commitment.agreement_id != campaign.agreement_id:
        raise ValidationError({"commitment": _("Choose a commitment of the campaign's agreement.")})
    _clean(campaign)


POLICY_FIELDS = (
    "financial_category_only",
    "private_right_only",
    "max_amount",
    "max_amount_currency",
    "exclude_fraud",
    "min_months_served",
    "require_good_conduct",
    "years_since_last_release",
)


def save_eligibility_policy(*, by: User, administration: Organization, **fields) -> EligibilityPolicy:
    require_manage(by, administration.pk)
    if set(fields) - set(POLICY_FIELDS):
        raise ValueError(f"save_eligibility_policy cannot set {sorted(set(fields) - set(POLICY_FIELDS))}")
    if fields.get("max_amount") not in (None, ""):
        currency = fields.get("max_amount_currency") or administration_currency(administration)
        fields["max_amount"], fields["max_amount_currency"] = _amount(fields["max_amount"], currency), currency
    else:
        fields["max_amount"], fields["max_amount_currency"] = None, ""
    with transaction.atomic():
        policy, _created = EligibilityPolicy.objects.select_for_update().get_or_create(administration=administration)
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.updated_by = by
        _clean(policy)
        policy.save()
    return policy


def save_priority_rule(
    *, by: User, administration: Organization, kind: str, points: int, threshold=None, active: bool = True
) -> PriorityRule:
    """Publish or change one priority rule; the portal's order is recomputed at once."""
    require_manage(by, administration.pk)
    if kind not in PriorityRule.Kind.values:
        raise ValidationError({"kind": _("Unknown rule.")})
    if not 0 <= int(points) <= 1000:
        raise ValidationError({"points": _("Give between 0 and 1000 points.")})
    if kind in PriorityRule.THRESHOLDS and threshold in (None, ""):
        raise ValidationError({"threshold": _("This rule needs a threshold.")})
    if threshold not in (None, ""):
        try:
            threshold = Decimal(str(threshold).strip())
        except ArithmeticError:
            raise ValidationError({"threshold": _("The threshold must be positive.")}) from None
        if not threshold.is_finite() or threshold <= 0:
            raise ValidationError({"threshold": _("The threshold must be positive.")})
    else:
        threshold = None
    with transaction.atomic():
        rule, _created = PriorityRule.objects.update_or_create(
            administration=administration,
            kind=kind,
            defaults={"points": int(points), "threshold": threshold, "active": active},
        )
        refresh_priorities(administration_id=administration.pk)
    return rule
