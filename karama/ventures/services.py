"""Operations on income-generating projects, one function per business action.

Each checks the actor's right and its input, runs in one transaction and writes nothing when it refuses.
A project moves draft → in review → approved → funded → equipped → handed over → followed up (a deferral
sends it back to draft, a rejection ends it); each step checks the stage under a row lock, so two people
acting at once cannot both move it.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from karama.agreements.models import Agreement, Budget, BudgetMovement
from karama.agreements.selectors import agreements_visible_to
from karama.agreements.services import record_budget_movement
from karama.core.access import scope_of
from karama.core.formatting import currency_precision, format_money
from karama.core.models import Region, User
from karama.core.money import to_amount, validate_currency
from karama.people.models import Assessment, Person, PersonStatus, ReleaseReason
from karama.ventures.models import (
    AFTER_HANDOVER,
    APPROVING_DECISIONS,
    FOLLOW_UP_MONTHS,
    CommitteeReview,
    Decision,
    FollowUp,
    Grant,
    GrantKind,
    GrantShare,
    Handover,
    Help,
    IncomeBand,
    Kit,
    KitItem,
    PlanVersion,
    Procurement,
    ProjectState,
    Sector,
    Stage,
    Venture,
)
from karama.ventures.selectors import budget_label, can_fund, can_work_on, projects_under_way
from karama.ventures.survival import add_months

if TYPE_CHECKING:
    from karama.giving.models import Case

ZERO = Decimal("0")
PLAN_FIELDS = (
    "sector",
    "activity",
    "region",
    "locality",
    "training_and_experience",
    "equipment_description",
    "equipment_budget",
    "working_capital",
    "expected_monthly_income",
)


def _require_worker(by: User, person: Person) -> None:
    if not can_work_on(by, person):
        raise PermissionDenied


def _locked(venture: Venture) -> Venture:
    """The project re-read under a row lock: its stage is decided one actor at a time."""
    return (
        Venture.objects.select_for_update(of=("self",)).select_related("person", "current_version").get(pk=venture.pk)
    )


def _require_stage(venture: Venture, *stages: str) -> None:
    if venture.stage not in stages:
        raise ValidationError(
            _("This is not possible while the project is at the stage “%(stage)s”.")
            % {"stage": Stage(venture.stage).label}
        )


def _not_in_future(day: datetime.date | None, field: str) -> datetime.date:
    today = timezone.localdate()
    if day is None:
        return today
    if day > today:
        raise ValidationError({field: _("This date cannot be in the future.")})
    return day


def _amount(raw, currency: str, **options) -> Decimal:
    """core.money.to_amount, also for a Decimal read from the database (stored with three places): its
    trailing zeros are not precision, so 1000000.000 MAD is 1000000.00 MAD; 100.001 MAD is still refused."""
    if isinstance(raw, Decimal) and raw.is_finite():
        places = Decimal(1).scaleb(-currency_precision(currency))
        if raw == raw.quantize(places):
            raw = raw.quantize(places)
    return to_amount(raw, currency, **options)


def _clean(instance, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


# Plans ----------------------------------------------------------------------------------------------------


def _plan_values(currency: str, values: dict) -> dict:
    """Check the plan's fields; amounts become exact Decimals in the project's currency."""
    if values.get("sector") not in Sector.values:
        raise ValidationError({"sector": _("Choose a sector.")})
    if not (values.get("activity") or "").strip():
        raise ValidationError({"activity": _("Say what the activity is.")})
    if not isinstance(values.get("region"), Region):
        raise ValidationError({"region": _("Choose the region where the project will run.")})
    checked = dict(values)
    checked["activity"] = values["activity"].strip()
    for field in ("equipment_budget", "working_capital", "expected_monthly_income"):
        raw = values.get(field)
        try:
            checked[field] = _amount(ZERO if raw in (None, "") else raw, currency, allow_zero=True)
        except ValidationError as error:
            raise ValidationError({field: error.messages}) from None
    if checked["equipment_budget"] + checked["working_capital"] <= 0:
        raise ValidationError({"equipment_budget": _("A plan asks for equipment, working capital or both.")})
    for field in ("locality", "training_and_experience", "equipment_description"):
        checked[field] = (values.get(field) or "").strip()
    return checked


def _check_agreement(by: User, person: Person, agreement: Agreement | None, currency: str) -> None:
    if agreement is None:
        return
    if agreement.administration_id != person.administration_id:
        raise ValidationError({"agreement": _("Choose an agreement of the person's administration.")})
    if not agreements_visible_to(by).filter(pk=agreement.pk).exists():
        raise ValidationError({"agreement": _("Choose an agreement of the person's administration.")})
    if agreement.status not in (Agreement.Status.DRAFT, Agreement.Status.ACTIVE):
        raise ValidationError({"agreement": _("This agreement has ended: choose a running one.")})
    currencies = set(agreement.budgets.values_list("currency", flat=True))
    if currencies and currency not in currencies:
        raise ValidationError(
            {
                "currency": _("The agreement's budgets are in %(currencies)s.")
                % {"currencies": ", ".join(sorted(currencies))}
            }
        )


def prepare_plan(
    *,
    person: Person,
    by: User,
    currency: str,
    agreement: Agreement | None = None,
    assessment: Assessment | None = None,
    prepared_on: datetime.date | None = None,
    **plan,
) -> Venture:
    """Start a project with the first version of its plan, prepared from the person's latest assessment."""
    _require_worker(by, person)
    unknown = set(plan) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"prepare_plan cannot set {sorted(unknown)}")
    if person.status == PersonStatus.CLOSED:
        raise ValidationError(_("This person's case is closed."))
    try:
        validate_currency(currency)
    except ValidationError as error:
        raise ValidationError({"currency": error.messages}) from None
    values = _plan_values(currency, plan)
    _check_agreement(by, person, agreement, currency)
    prepared_on = _not_in_future(prepared_on, "prepared_on")
    if assessment is None:
        assessment = person.assessments.order_by("-assessed_on", "-pk").first()
    elif assessment.person_id != person.pk:
        raise ValidationError({"assessment": _("Choose an assessment of this person.")})
    if projects_under_way(person).exists():
        raise ValidationError(_("This person already has a project under way."))
    try:
        with transaction.atomic():
            venture = Venture.objects.create(
                person=person,
                administration_id=person.administration_id,
                agreement=agreement,
                assessment=assessment,
                currency=currency,
                created_by=by,
            )
            version = PlanVersion.objects.create(
                venture=venture, number=1, prepared_by=by, prepared_on=prepared_on, **values
            )
            venture.current_version = version
            venture.save(update_fields=["current_version"])
    except IntegrityError:
        # Two plans started at once for the same person: the partial unique index lets one through.
        raise ValidationError(_("This person already has a plan being prepared or reviewed.")) from None
    return venture


def revise_plan(
    *,
    venture: Venture,
    by: User,
    change_note: str = "",
    prepared_on: datetime.date | None = None,
    agreement: Agreement | None = None,
    **plan,
) -> PlanVersion:
    """A new version of a draft plan; the earlier versions are kept as they were."""
    _require_worker(by, venture.person)
    unknown = set(plan) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"revise_plan cannot set {sorted(unknown)}")
    values = _plan_values(venture.currency, plan)
    _check_agreement(by, venture.person, agreement, venture.currency)
    prepared_on = _not_in_future(prepared_on, "prepared_on")
    with transaction.atomic():
        locked = _locked(venture)
        _require_stage(locked, Stage.DRAFT)
        if prepared_on < locked.current_version.prepared_on:
            raise ValidationError({"prepared_on": _("A revision cannot be dated before the version it revises.")})
        version = PlanVersion.objects.create(
            venture=locked,
            number=locked.current_version.number + 1,
            prepared_by=by,
            prepared_on=prepared_on,
            change_note=(change_note or "").strip()[:300],
            **values,
        )
        locked.current_version = version
        locked.agreement = agreement
        locked.save(update_fields=["current_version", "agreement", "updated_at"])
    return version


def submit_for_review(*, venture: Venture, by: User) -> Venture:
    _require_worker(by, venture.person)
    with transaction.atomic():
        locked = _locked(venture)
        _require_stage(locked, Stage.DRAFT)
        locked.stage = Stage.IN_REVIEW
        locked.save(update_fields=["stage", "updated_at"])
    return locked


def record_review(
    *,
    venture: Venture,
    by: User,
    reviewed_on: datetime.date,
    members: str,
    decision: str,
    reasons: str = "",
    committee: str = "",
    approved_amount=None,
) -> CommitteeReview:
    """The committee's decision on the plan under review. Approved: it may be funded. Deferred: back to
    draft for revision. Rejected: it can never be funded."""
    _require_worker(by, venture.person)
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose the committee's decision.")})
    members = "\n".join(line.strip() for line in (members or "").splitlines() if line.strip())
    if not members:
        raise ValidationError({"members": _("Name the members of the committee.")})
    reasons = (reasons or "").strip()
    if decision != Decision.APPROVED and not reasons:
        raise ValidationError({"reasons": _("Give the committee's reasons.")})
    reviewed_on = _not_in_future(reviewed_on, "reviewed_on")
    with transaction.atomic():
        locked = _locked(venture)
        _require_stage(locked, Stage.IN_REVIEW)
        version = locked.current_version
        if reviewed_on < version.prepared_on:
            raise ValidationError({"reviewed_on": _("The committee cannot meet before the plan was prepared.")})
        amount = _approved_amount(approved_amount, decision, version, locked.currency)
        review = CommitteeReview.objects.create(
            venture=locked,
            version=version,
            committee=(committee or "").strip()[:200],
            members=members,
            reviewed_on=reviewed_on,
            decision=decision,
            reasons=reasons,
            approved_amount=amount,
            recorded_by=by,
        )
        locked.stage = {
            Decision.APPROVED: Stage.APPROVED,
            Decision.APPROVED_WITH_CHANGES: Stage.APPROVED,
            Decision.DEFERRED: Stage.DRAFT,
            Decision.REJECTED: Stage.REJECTED,
        }[decision]
        locked.save(update_fields=["stage", "updated_at"])
    return review


def _approved_amount(raw, decision: str, version: PlanVersion, currency: str) -> Decimal | None:
    if raw in (None, ""):
        return None
    if decision not in APPROVING_DECISIONS:
        raise ValidationError({"approved_amount": _("Only an approval sets an amount.")})
    try:
        amount = _amount(raw, currency)
    except ValidationError as error:
        raise ValidationError({"approved_amount": error.messages}) from None
    if amount > version.requested_total:
        raise ValidationError(
            {
                "approved_amount": _("The plan asks for %(requested)s; the committee cannot approve more.")
                % {"requested": format_money(version.requested_total, currency)}
            }
        )
    return amount


# Grants ----------------------------------------------------------------------------------------------------


def grant_venture(
    *,
    venture: Venture,
    by: User,
    agreement: Agreement,
    shares: Iterable[tuple[Budget, object]],
    granted_on: datetime.date | None = None,
    kind: str = GrantKind.INITIAL,
    note: str = "",
    follow_up: FollowUp | None = None,
) -> Grant:
    """Fund an approved plan (or add an extra grant after the handover) from the agreement's budgets, in
    one or more funders' shares. Each share is an allocation recorded through the agreements' budget
    service, which locks the budget row: concurrent grants are decided one after the other and none can
    take a budget past what remains. If any share is refused, nothing is written."""
    if not can_fund(by, venture):
        raise PermissionDenied
    if kind not in GrantKind.values:
        raise ValidationError({"kind": _("Unknown kind of grant.")})
    granted_on = _not_in_future(granted_on, "granted_on")
    wanted = _checked_shares(venture, agreement, shares)
    total = sum(wanted.values(), ZERO)
    with transaction.atomic():
        locked = _locked(venture)
        _check_grant(locked, agreement, kind, total, granted_on, follow_up)
        grant = Grant.objects.create(
            venture=locked,
            agreement=agreement,
            kind=kind,
            amount=total,
            currency=locked.currency,
            granted_on=granted_on,
            follow_up=follow_up,
            note=(note or "").strip()[:300],
            granted_by=by,
        )
        # Budgets are locked in a fixed order so that two grants sharing them never wait on each other.
        for budget in sorted(wanted, key=lambda b: b.pk):
            movement = _allocate(budget, wanted[budget], by, grant, locked)
            GrantShare.objects.create(grant=grant, budget=budget, amount=wanted[budget], movement=movement)
        if kind == GrantKind.INITIAL:
            locked.stage = Stage.FUNDED
            locked.agreement = agreement
            locked.save(update_fields=["stage", "agreement", "updated_at"])
            Kit.objects.get_or_create(venture=locked)
    return grant


def _checked_shares(venture: Venture, agreement: Agreement, shares) -> dict[Budget, Decimal]:
    wanted: dict[Budget, Decimal] = {}
    for budget, raw in shares:
        if raw in (None, ""):
            continue
        if budget.agreement_id != agreement.pk:
            raise ValidationError({"shares": _("Draw only on the budgets of the chosen agreement.")})
        if budget.currency != venture.currency:
            raise ValidationError(
                {
                    "shares": _("This project is in %(currency)s; the budget of %(budget)s is in %(other)s.")
                    % {"currency": venture.currency, "budget": budget_label(budget), "other": budget.currency}
                }
            )
        if budget in wanted:
            raise ValidationError({"shares": _("Draw on each budget once.")})
        try:
            wanted[budget] = _amount(raw, budget.currency)
        except ValidationError as error:
            raise ValidationError({"shares": [f"{budget_label(budget)}: {m}" for m in error.messages]}) from None
    if not wanted:
        raise ValidationError({"shares": _("Give the amount drawn on at least one budget.")})
    return wanted


def _check_grant(
    venture: Venture, agreement: Agreement, kind: str, total: Decimal, granted_on, follow_up: FollowUp | None
) -> None:
    if agreement.administration_id != venture.administration_id:
        raise ValidationError({"agreement": _("Choose an agreement of the person's administration.")})
    if agreement.status != Agreement.Status.ACTIVE:
        raise ValidationError({"agreement": _("Only an active agreement's budget can fund a project.")})
    if venture.agreement_id and venture.agreement_id != agreement.pk:
        raise ValidationError({"agreement": _("This project is funded under another agreement.")})
    if follow_up is not None and follow_up.venture_id != venture.pk:
        raise ValidationError({"follow_up": _("Choose a follow-up visit of this project.")})
    if kind == GrantKind.EXTRA:
        _require_stage(venture, *AFTER_HANDOVER)
        return
    review = venture.reviews.order_by("-reviewed_on", "-pk").first()
    if venture.stage == Stage.REJECTED or (review is not None and review.decision == Decision.REJECTED):
        raise ValidationError(_("The committee rejected this plan: it cannot be funded."))
    if venture.stage != Stage.APPROVED or review is None or not review.approves:
        raise ValidationError(_("Only a plan the committee approved can be funded."))
    limit = review.approved_amount or review.version.requested_total
    if total > limit:
        raise ValidationError(
            {
                "shares": _("The committee approved at most %(limit)s.")
                % {"limit": format_money(limit, venture.currency)}
            }
        )
    if granted_on < review.reviewed_on:
        raise ValidationError({"granted_on": _("A grant cannot be dated before the committee's approval.")})


def _allocate(budget: Budget, amount: Decimal, by: User, grant: Grant, venture: Venture) -> BudgetMovement:
    try:
        return record_budget_movement(
            budget=budget,
            by=by,
            kind=BudgetMovement.Kind.ALLOCATION,
            amount=amount,
            occurred_on=grant.granted_on,
            reference=venture.public_code,
            note=_("Grant to the income-generating project %(code)s") % {"code": venture.public_code},
            source=grant.source,
        )
    except ValidationError as error:
        messages = [f"{budget_label(budget)}: {message}" for message in error.messages]
        raise ValidationError({"shares": messages}) from None


# The equipment kit -------------------------------------------------------------------------------------------


def _granted(venture: Venture) -> Decimal:
    return venture.grants.aggregate(total=Sum("amount"))["total"] or ZERO


def _for_the_kit(venture: Venture) -> Decimal:
    """What the kit may cost: the grants, and what donors paid the supplier through the project's case."""
    from karama.ventures.selectors import donated_for_kit

    return _granted(venture) + donated_for_kit(venture)


def _kit_value(kit: Kit) -> Decimal:
    return sum((item.total for item in kit.items.all()), ZERO)


def _open_kit(venture: Venture) -> Kit:
    """The kit of a funded project whose items may still change."""
    _require_stage(venture, Stage.FUNDED)
    kit, _created = Kit.objects.get_or_create(venture=venture)
    return kit


def add_kit_item(
    *,
    venture: Venture,
    by: User,
    name: str,
    unit_cost,
    quantity: int = 1,
    supplier: str = "",
    serial_number: str = "",
) -> KitItem:
    """Add equipment to the kit; the kit can never cost more than what was granted."""
    _require_worker(by, venture.person)
    try:
        unit_cost = _amount(unit_cost, venture.currency, allow_zero=True)
    except ValidationError as error:
        raise ValidationError({"unit_cost": error.messages}) from None
    item = KitItem(
        name=(name or "").strip(),
        quantity=quantity,
        unit_cost=unit_cost,
        supplier=(supplier or "").strip(),
        serial_number=(serial_number or "").strip(),
    )
    if not item.name:
        raise ValidationError({"name": _("Name the item.")})
    if not isinstance(quantity, int) or quantity < 1:
        raise ValidationError({"quantity": _("The quantity is at least 1.")})
    _clean(item, exclude=["kit"])
    with transaction.atomic():
        locked = _locked(venture)
        kit = _open_kit(locked)
        if kit.procurement == Procurement.DELIVERED:
            raise ValidationError(_("The kit is marked as delivered: mark it as ordered again to change it."))
        available, value = _for_the_kit(locked), _kit_value(kit) + item.total
        if value > available:
            message = (
                _("The kit would cost %(value)s, more than the %(granted)s granted.")
                if available == _granted(locked)
                else _("The kit would cost %(value)s, more than the %(granted)s granted and given by donors.")
            )
            amounts = {
                "value": format_money(value, locked.currency),
                "granted": format_money(available, locked.currency),
            }
            raise ValidationError({"unit_cost": message % amounts})
        item.kit = kit
        item.save()
    return item


def remove_kit_item(*, item: KitItem, by: User) -> None:
    venture = item.kit.venture
    _require_worker(by, venture.person)
    with transaction.atomic():
        locked = _locked(venture)
        kit = _open_kit(locked)
        if kit.procurement == Procurement.DELIVERED:
            raise ValidationError(_("The kit is marked as delivered: mark it as ordered again to change it."))
        item.delete()


def set_procurement(*, venture: Venture, by: User, procurement: str) -> Kit:
    """Follow the purchase; a kit marked delivered is ready to be handed over (the project is equipped)."""
    _require_worker(by, venture.person)
    if procurement not in Procurement.values:
        raise ValidationError({"procurement": _("Unknown procurement status.")})
    with transaction.atomic():
        locked = _locked(venture)
        _require_stage(locked, Stage.FUNDED, Stage.EQUIPPED)
        kit, _created = Kit.objects.get_or_create(venture=locked)
        if procurement == Procurement.DELIVERED and not kit.items.exists():
            raise ValidationError({"procurement": _("List the kit's items before marking it delivered.")})
        kit.procurement = procurement
        kit.save(update_fields=["procurement", "updated_at"])
        locked.stage = Stage.EQUIPPED if procurement == Procurement.DELIVERED else Stage.FUNDED
        locked.save(update_fields=["stage", "updated_at"])
    return kit


def ask_donors_for_equipment(*, venture: Venture, by: User, target) -> "Case":
    """Open a case of the giving app for the equipment the grant could not buy, so that donors complete the
    kit. From there the giving app's rules apply (someone else approves and publishes it, donors fund it, the
    supplier is paid from it); what it paid raises what the kit may cost."""
    from karama.giving.models import CaseStatus, Trade
    from karama.giving.services import open_case

    _require_worker(by, venture.person)
    with transaction.atomic():
        locked = _locked(venture)
        _require_stage(locked, Stage.FUNDED, Stage.EQUIPPED)
        current = locked.equipment_case
        if current is not None and current.status != CaseStatus.CANCELLED:
            raise ValidationError(
                _("Donors are already asked to complete this kit (case %(code)s).") % {"code": current.public_code}
            )
        sector = locked.current_version.sector
        reason = {"summary_reason": sector} if sector in Trade.values else {}
        case = open_case(
            by=by, kind="equipment", person=locked.person, target=target, currency=locked.currency, **reason
        )
        locked.equipment_case = case
        locked.save(update_fields=["equipment_case", "updated_at"])
    return case


# Handover ---------------------------------------------------------------------------------------------------

RECEIPT_SIGNATURES = {
    b"\xff\xd8\xff": "jpg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"%PDF-": "pdf",
}


def _check_receipt(uploaded) -> str:
    """The receipt's type, read from its first bytes (never from its name): jpg, png or pdf."""
    limit = settings.KARAMA_DOCUMENT_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError({"receipt": _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}})
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    for signature, extension in RECEIPT_SIGNATURES.items():
        if head.startswith(signature):
            return extension
    raise ValidationError({"receipt": _("Attach a photo (JPEG or PNG) or a PDF scan of the receipt.")})


def _last_release(person: Person):
    return person.episodes.filter(released_on__isnull=False).order_by("-released_on", "-pk").first()


def hand_over(
    *,
    venture: Venture,
    by: User,
    handed_over_on: datetime.date,
    place: str,
    handed_over_by: str,
    ceremony: str = "",
    beneficiary_signed: bool = False,
    receipt=None,
) -> Handover:
    """Give the equipment to the beneficiary, after release only; from then on the items are theirs, and
    follow-up visits are scheduled at 1, 3, 6 and 12 months."""
    _require_worker(by, venture.person)
    place, handed_over_by = (place or "").strip(), (handed_over_by or "").strip()
    if not place:
        raise ValidationError({"place": _("Say where the equipment was handed over.")})
    if not handed_over_by:
        raise ValidationError({"handed_over_by": _("Say who handed the equipment over.")})
    if not beneficiary_signed and receipt is None:
        raise ValidationError(
            {"receipt": _("Confirm the beneficiary signed the receipt, or attach a photo of the signed receipt.")}
        )
    receipt_type = _check_receipt(receipt) if receipt is not None else None
    handed_over_on = _not_in_future(handed_over_on, "handed_over_on")
    with transaction.atomic():
        locked = _locked(venture)
        person = Person.objects.select_for_update().get(pk=locked.person_id)
        if person.status == PersonStatus.IN_CUSTODY:
            raise ValidationError(_("The equipment is handed over after release: this person is still in custody."))
        release = _last_release(person)
        if release and release.release_reason == ReleaseReason.DEATH:
            raise ValidationError(_("This person has died; the equipment cannot be handed over."))
        _require_stage(locked, Stage.EQUIPPED)
        if release and handed_over_on < release.released_on:
            raise ValidationError({"handed_over_on": _("The handover cannot be before the release.")})
        first_grant = locked.grants.order_by("granted_on").first()
        if first_grant and handed_over_on < first_grant.granted_on:
            raise ValidationError({"handed_over_on": _("The handover cannot be before the grant.")})
        handover = Handover(
            venture=locked,
            handed_over_on=handed_over_on,
            place=place[:200],
            ceremony=(ceremony or "").strip()[:200],
            handed_over_by=handed_over_by[:200],
            beneficiary_signed=beneficiary_signed,
            recorded_by=by,
        )
        if receipt is not None:
            handover.receipt.save(f"receipt.{receipt_type}", receipt, save=False)
        try:
            handover.save()
            for months in FOLLOW_UP_MONTHS:
                FollowUp.objects.create(venture=locked, month_mark=months, due_on=add_months(handed_over_on, months))
            locked.stage = Stage.HANDED_OVER
            locked.save(update_fields=["stage", "updated_at"])
        except Exception:
            if handover.receipt:
                handover.receipt.delete(save=False)
            raise
    return handover


# Follow-up -----------------------------------------------------------------------------------------------------


def plan_follow_up(*, venture: Venture, by: User, due_on: datetime.date) -> FollowUp:
    """Add a visit beyond the four scheduled ones, when the project needs it."""
    _require_worker(by, venture.person)
    with transaction.atomic():
        locked = _locked(venture)
        _require_stage(locked, *AFTER_HANDOVER)
        if due_on < locked.handover.handed_over_on:
            raise ValidationError({"due_on": _("A visit cannot be due before the handover.")})
        return FollowUp.objects.create(venture=locked, due_on=due_on)


def record_follow_up(
    *,
    venture: Venture,
    by: User,
    visited_on: datetime.date,
    state: str,
    income_band: str,
    follow_up: FollowUp | None = None,
    problems: str = "",
    help_given: Iterable[str] = (),
    help_note: str = "",
) -> FollowUp:
    """Record a visit: a scheduled one (`follow_up`), or one made when needed. It says how the project is
    doing, what it earns and what help was given; survival at 6 and 12 months is derived from visits."""
    _require_worker(by, venture.person)
    if state not in ProjectState.values:
        raise ValidationError({"state": _("Say how the project is doing.")})
    if income_band not in IncomeBand.values:
        raise ValidationError({"income_band": _("Choose the income band.")})
    help_given = list(dict.fromkeys(help_given or []))
    if set(help_given) - set(Help.values):
        raise ValidationError({"help_given": _("Unknown kind of help.")})
    visited_on = _not_in_future(visited_on, "visited_on")
    scope = scope_of(by)
    with transaction.atomic():
        locked = _locked(venture)
        _require_stage(locked, *AFTER_HANDOVER)
        if visited_on < locked.handover.handed_over_on:
            raise ValidationError({"visited_on": _("A visit cannot be before the handover.")})
        if follow_up is None:
            visit = FollowUp(venture=locked, due_on=visited_on)
        else:
            visit = FollowUp.objects.select_for_update().filter(pk=follow_up.pk, venture=locked).first()
            if visit is None:
                raise ValidationError({"follow_up": _("Choose a visit of this project.")})
            if visit.visited_on is not None:
                raise ValidationError({"follow_up": _("This visit is already recorded.")})
        visit.visited_on = visited_on
        visit.state = state
        visit.income_band = income_band
        visit.problems = (problems or "").strip()
        visit.help_given = help_given
        visit.help_note = (help_note or "").strip()
        visit.visited_by = by
        visit.organization_id = scope.organization_id if scope.is_partner else locked.administration_id
        visit.save()
        locked.stage = Stage.FOLLOWED_UP
        locked.save(update_fields=["stage", "updated_at"])
    return visit
