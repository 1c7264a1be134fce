"""The operations that change work records. Each checks the actor's right and its input, runs in one
transaction, and writes nothing when it refuses (a translated ValidationError says why)."""

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from karama.agreements import services as agreement_services
from karama.agreements.models import Agreement, Commitment, Domain
from karama.core.access import require_manage, scope_of
from karama.core.models import Facility, Organization, Region, User
from karama.core.money import to_amount, validate_currency
from karama.people.catalogues import OCCUPATION_GROUPS
from karama.people.models import CaseCategory, Person, PersonStatus
from karama.people.selectors import can_manage_person, is_visible
from karama.work import matching, pay
from karama.work.models import (
    Application,
    ApplicationStatus,
    FacilityCapacity,
    InvestmentProposal,
    Job,
    JobEndReason,
    Opening,
    OpeningExclusion,
    OpeningSkill,
    OpeningStatus,
    PayBand,
    PayBasis,
    PayLine,
    PayRun,
    PayRunStatus,
    Position,
    ProposalStatus,
    RetentionCheck,
    SavingsPayout,
    WagePeriod,
    WageSplit,
    Workshop,
    WorkshopKind,
    WorkshopStatus,
)
from karama.work.selectors import (
    can_manage_opening,
    can_move_application,
    can_review_proposal,
    can_run_workshop,
    employers_for,
    employment_consents,
    partner_administration_ids,
)

LONGEST_PAY_PERIOD_DAYS = 31


def _clean(instance, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _amount(value, currency: str, field: str, **options) -> Decimal:
    try:
        return to_amount(value, currency, **options)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _occupation(code: str, field: str = "occupation") -> str:
    if code not in OCCUPATION_GROUPS or len(code or "") != 2:
        raise ValidationError({field: _("Choose an occupation group.")})
    return code


def _names(names: dict) -> dict:
    return {code: text.strip() for code, text in (names or {}).items() if text and text.strip()}


# Workshops ---------------------------------------------------------------------------------------------


def _check_partner_links(
    administration_id: int, operator: Organization | None, agreement: Agreement | None, commitment
) -> None:
    if (
        operator is not None
        and operator.administration_id_for_scoping != administration_id
        and not (agreement and agreement.parties.filter(organization=operator).exists())
    ):
        raise ValidationError({"operator": _("Choose an organization that works with this administration.")})
    if agreement is not None and agreement.administration_id != administration_id:
        raise ValidationError({"agreement": _("Choose an agreement of the facility's administration.")})
    if commitment is not None and (agreement is None or commitment.agreement_id != agreement.pk):
        raise ValidationError({"commitment": _("Choose a commitment of the chosen agreement.")})


def create_workshop(
    *,
    by: User,
    facility: Facility,
    names: dict,
    kind: str,
    occupation: str,
    currency: str,
    original_language: str = "en",
    operator: Organization | None = None,
    agreement: Agreement | None = None,
    commitment: Commitment | None = None,
    description: str = "",
    space_square_metres: int | None = None,
    status: str = WorkshopStatus.ACTIVE,
    opened_on: datetime.date | None = None,
) -> Workshop:
    require_manage(by, facility.administration_id)
    _check_partner_links(facility.administration_id, operator, agreement, commitment)
    workshop = Workshop(
        administration_id=facility.administration_id,
        facility=facility,
        names=_names(names),
        original_language=original_language,
        kind=kind,
        occupation=_occupation(occupation),
        currency=currency,
        operator=operator,
        agreement=agreement,
        commitment=commitment,
        description=description,
        space_square_metres=space_square_metres,
        status=status,
        opened_on=opened_on,
        created_by=by,
    )
    _clean(workshop)
    with transaction.atomic():
        workshop.save()
    return workshop


WORKSHOP_FIELDS = (
    "names",
    "original_language",
    "kind",
    "occupation",
    "operator",
    "agreement",
    "commitment",
    "description",
    "space_square_metres",
    "status",
    "opened_on",
)


def update_workshop(*, workshop: Workshop, by: User, **changes) -> Workshop:
    require_manage(by, workshop.administration_id)
    unknown = set(changes) - set(WORKSHOP_FIELDS)
    if unknown:
        raise ValueError(f"update_workshop cannot change {sorted(unknown)}")
    if "names" in changes:
        changes["names"] = _names(changes["names"])
    if "occupation" in changes:
        _occupation(changes["occupation"])
    _check_partner_links(
        workshop.administration_id,
        changes.get("operator", workshop.operator),
        changes.get("agreement", workshop.agreement),
        changes.get("commitment", workshop.commitment),
    )
    with transaction.atomic():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        if changes.get("status") == WorkshopStatus.CLOSED and locked.jobs.filter(ends_on__isnull=True).exists():
            raise ValidationError({"status": _("End the workshop's jobs before closing it.")})
        for name, value in changes.items():
            setattr(locked, name, value)
        _clean(locked)
        locked.save()
    return locked


def add_position(*, workshop: Workshop, by: User, title: str, occupation: str, places: int) -> Position:
    require_manage(by, workshop.administration_id)
    if workshop.status == WorkshopStatus.CLOSED:
        raise ValidationError(_("This workshop is closed."))
    if not places or places < 1:
        raise ValidationError({"places": _("A position has at least one place.")})
    position = Position(
        workshop=workshop, title=(title or "").strip(), occupation=_occupation(occupation), places=places
    )
    _clean(position)
    with transaction.atomic():
        position.save()
    return position


def update_position(*, position: Position, by: User, places: int) -> Position:
    """Change how many people may hold the position; never below the jobs it holds now."""
    require_manage(by, position.workshop.administration_id)
    with transaction.atomic():
        locked = Position.objects.select_for_update().get(pk=position.pk)
        held = locked.jobs.filter(ends_on__isnull=True).count()
        if not places or places < max(1, held):
            raise ValidationError(
                {"places": _("%(held)s people hold this position now; end jobs first.") % {"held": held}}
            )
        locked.places = places
        locked.save(update_fields=["places"])
    return locked


def add_pay_band(*, workshop: Workshop, by: User, name: str, basis: str, rate) -> PayBand:
    require_manage(by, workshop.administration_id)
    if basis not in PayBasis.values:
        raise ValidationError({"basis": _("Choose how the pay is counted.")})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the pay band a name.")})
    if workshop.pay_bands.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("This workshop already has a pay band of that name.")})
    band = PayBand(workshop=workshop, name=name, basis=basis, rate=_amount(rate, workshop.currency, "rate"))
    with transaction.atomic():
        band.save()
    return band


def _percent(value, field: str) -> Decimal:
    if isinstance(value, float):
        raise ValidationError({field: _("Give percentages as exact decimal text.")})
    try:
        percent = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a percentage between 0 and 100.")}) from None
    if not percent.is_finite() or percent < 0 or percent > 100 or -percent.as_tuple().exponent > 2:
        raise ValidationError({field: _("Enter a percentage between 0 and 100.")})
    return percent


def _split(family_percent, savings_percent, kept_percent) -> tuple[Decimal, Decimal, Decimal]:
    percents = (
        _percent(family_percent, "family_percent"),
        _percent(savings_percent, "savings_percent"),
        _percent(kept_percent, "kept_percent"),
    )
    if sum(percents) != 100:
        raise ValidationError(_("The family's, the savings' and the worker's shares must make 100 %."))
    return percents


def agree_wage_split(
    *,
    workshop: Workshop,
    by: User,
    effective_from: datetime.date,
    family_percent,
    savings_percent,
    kept_percent,
    note: str = "",
) -> WageSplit:
    """Record the split agreed with the operator from a date on; pay runs already made keep theirs."""
    require_manage(by, workshop.administration_id)
    family, savings, kept = _split(family_percent, savings_percent, kept_percent)
    if workshop.pay_runs.filter(period_end__gte=effective_from).exists():
        raise ValidationError({"effective_from": _("A pay run already covers this date; choose a later one.")})
    if workshop.wage_splits.filter(effective_from=effective_from).exists():
        raise ValidationError({"effective_from": _("A split already starts on this date.")})
    split = WageSplit(
        workshop=workshop,
        effective_from=effective_from,
        family_percent=family,
        savings_percent=savings,
        kept_percent=kept,
        note=note[:300],
        recorded_by=by,
    )
    with transaction.atomic():
        split.save()
    return split


# Jobs in prison ------------------------------------------------------------------------------------------


def assign_job(
    *,
    by: User,
    person: Person,
    position: Position,
    pay_band: PayBand,
    starts_on: datetime.date,
    hours_per_week: Decimal | None = None,
) -> Job:
    """Give a person in custody a job in a workshop of their facility; never more jobs than places."""
    workshop = position.workshop
    if not (can_run_workshop(by, workshop) and can_manage_person(by, person)):
        raise PermissionDenied
    if workshop.status != WorkshopStatus.ACTIVE:
        raise ValidationError(_("Jobs are given only in an active workshop."))
    if pay_band.workshop_id != workshop.pk:
        raise ValidationError({"pay_band": _("Choose a pay band of this workshop.")})
    if person.status != PersonStatus.IN_CUSTODY or person.facility_id != workshop.facility_id:
        raise ValidationError({"person": _("The person must be in custody in the workshop's facility.")})
    current = person.episodes.filter(released_on__isnull=True).first()
    if current and starts_on < current.admitted_on:
        raise ValidationError({"starts_on": _("The job cannot start before the person's admission.")})
    if starts_on > timezone.localdate() + datetime.timedelta(days=60):
        raise ValidationError({"starts_on": _("A job starts within the next two months at the latest.")})
    if hours_per_week is not None and not (0 < hours_per_week <= 84):
        raise ValidationError({"hours_per_week": _("Enter between 1 and 84 hours a week.")})
    with transaction.atomic():
        locked = Position.objects.select_for_update().get(pk=position.pk)
        if locked.jobs.filter(ends_on__isnull=True).count() >= locked.places:
            raise ValidationError({"position": _("Every place of this position is taken.")})
        if Job.objects.filter(person=person, ends_on__isnull=True).exists():
            raise ValidationError({"person": _("This person already has a job; end it first.")})
        try:
            with transaction.atomic():
                return Job.objects.create(
                    person=person,
                    workshop=workshop,
                    position=locked,
                    pay_band=pay_band,
                    starts_on=starts_on,
                    hours_per_week=hours_per_week,
                    assigned_by=by,
                )
        except IntegrityError:
            raise ValidationError({"person": _("This person already has a job; end it first.")}) from None


def end_job(*, by: User, job: Job, ends_on: datetime.date, reason: str) -> Job:
    if not can_run_workshop(by, job.workshop):
        raise PermissionDenied
    if reason not in JobEndReason.values:
        raise ValidationError({"reason": _("Choose why the job ended.")})
    if job.ends_on is not None:
        raise ValidationError(_("This job has already ended."))
    if ends_on < job.starts_on:
        raise ValidationError({"ends_on": _("A job cannot end before it starts.")})
    if ends_on > timezone.localdate():
        raise ValidationError({"ends_on": _("A job cannot be ended in the future.")})
    with transaction.atomic():
        job.ends_on, job.end_reason = ends_on, reason
        job.save(update_fields=["ends_on", "end_reason"])
    return job


# Pay ---------------------------------------------------------------------------------------------------


def _quantity(raw, basis: str, days: int, code: str) -> Decimal:
    field = f"quantity_{code}"
    if isinstance(raw, float):
        raise ValidationError({field: _("Give quantities as exact decimal text.")})
    try:
        quantity = Decimal(str(raw).strip() or "0")
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not quantity.is_finite() or quantity < 0:
        raise ValidationError({field: _("A quantity cannot be negative.")})
    limits = {
        PayBasis.HOURLY: (Decimal(days * 16), 2, _("At most %(limit)s hours in this period.")),
        PayBasis.ATTENDANCE: (Decimal(days), 1, _("At most %(limit)s days in this period.")),
        PayBasis.PIECE: (Decimal("9999999"), 0, _("At most %(limit)s pieces.")),
    }
    limit, decimals, message = limits[basis]
    if quantity > limit:
        raise ValidationError({field: message % {"limit": limit}})
    if -quantity.as_tuple().exponent > decimals:
        raise ValidationError({field: _("Too many decimal places.")})
    return quantity


def _split_in_force(workshop: Workshop, on: datetime.date) -> WageSplit:
    split = workshop.wage_splits.filter(effective_from__lte=on).order_by("-effective_from").first()
    if split is None:
        raise ValidationError(_("Agree the wage split with the operator before the first pay run."))
    return split


def _check_period(workshop: Workshop, period_start: datetime.date, period_end: datetime.date) -> None:
    if period_end < period_start:
        raise ValidationError({"period_end": _("The end date cannot be before the start date.")})
    if (period_end - period_start).days + 1 > LONGEST_PAY_PERIOD_DAYS:
        raise ValidationError({"period_end": _("A pay period is at most a month long.")})
    if period_end > timezone.localdate():
        raise ValidationError({"period_end": _("A period is paid once it is over.")})
    overlapping = workshop.pay_runs.filter(period_start__lte=period_end, period_end__gte=period_start)
    if overlapping.exists():
        raise ValidationError({"period_start": _("Another pay run of this workshop covers part of this period.")})


def run_payroll(
    *,
    by: User,
    workshop: Workshop,
    period_start: datetime.date,
    period_end: datetime.date,
    quantities: dict[str, object],
) -> PayRun:
    """Compute a period's pay: for each job (by code) the hours, pieces or days worked, times the job's
    rate, then the split agreed for the workshop. Jobs with nothing worked get no line."""
    if not can_run_workshop(by, workshop):
        raise PermissionDenied
    from karama.work.selectors import jobs_for_pay_run

    days = (period_end - period_start).days + 1
    with transaction.atomic():
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        _check_period(locked, period_start, period_end)
        split = _split_in_force(locked, period_end)
        jobs = {job.code: job for job in jobs_for_pay_run(locked, period_start, period_end)}
        unknown = set(quantities) - set(jobs)
        if unknown:
            raise ValidationError(
                _("These jobs are not in the workshop in this period: %(codes)s.")
                % {"codes": ", ".join(sorted(unknown))}
            )
        percents = (split.family_percent, split.savings_percent, split.kept_percent)
        lines = []
        for code, raw in quantities.items():
            job = jobs[code]
            quantity = _quantity(raw, job.pay_band.basis, days, code)
            if quantity == 0:
                continue
            gross = pay.gross_pay(quantity, job.pay_band.rate, locked.currency)
            shares = pay.split_wage(gross, percents, locked.currency)
            lines.append((job, quantity, gross, shares))
        if not lines:
            raise ValidationError(_("Nothing was worked in this period: there is nothing to pay."))
        pay_run = PayRun.objects.create(
            workshop=locked,
            period_start=period_start,
            period_end=period_end,
            currency=locked.currency,
            family_percent=split.family_percent,
            savings_percent=split.savings_percent,
            kept_percent=split.kept_percent,
            created_by=by,
        )
        PayLine.objects.bulk_create(
            PayLine(
                pay_run=pay_run,
                job=job,
                person_id=job.person_id,
                basis=job.pay_band.basis,
                quantity=quantity,
                rate=job.pay_band.rate,
                gross=gross,
                family_amount=shares.family,
                savings_amount=shares.savings,
                kept_amount=shares.kept,
            )
            for job, quantity, gross, shares in lines
        )
    return pay_run


def approve_pay_run(*, by: User, pay_run: PayRun) -> PayRun:
    """The administration approves what a facility prepared; an approved run can no longer be discarded."""
    require_manage(by, pay_run.workshop.administration_id)
    with transaction.atomic():
        locked = PayRun.objects.select_for_update().get(pk=pay_run.pk)
        if locked.status != PayRunStatus.DRAFT:
            raise ValidationError(_("Only a draft pay run can be approved."))
        locked.status, locked.approved_by = PayRunStatus.APPROVED, by
        locked.save(update_fields=["status", "approved_by"])
    return locked


def record_pay_run_paid(*, by: User, pay_run: PayRun, paid_on: datetime.date) -> PayRun:
    """The wages were credited and the families' shares sent: from now on they count as received."""
    require_manage(by, pay_run.workshop.administration_id)
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment cannot be recorded in the future.")})
    with transaction.atomic():
        locked = PayRun.objects.select_for_update().get(pk=pay_run.pk)
        if locked.status != PayRunStatus.APPROVED:
            raise ValidationError(_("Approve the pay run before recording its payment."))
        if paid_on < locked.period_end:
            raise ValidationError({"paid_on": _("A period is paid after it ends.")})
        locked.status, locked.paid_on = PayRunStatus.PAID, paid_on
        locked.save(update_fields=["status", "paid_on"])
    return locked


def discard_pay_run(*, by: User, pay_run: PayRun) -> None:
    if not can_run_workshop(by, pay_run.workshop):
        raise PermissionDenied
    with transaction.atomic():
        locked = PayRun.objects.select_for_update().get(pk=pay_run.pk)
        if locked.status != PayRunStatus.DRAFT:
            raise ValidationError(_("Only a draft pay run can be discarded."))
        locked.delete()


def pay_out_savings(*, by: User, person: Person, paid_on: datetime.date) -> list[SavingsPayout]:
    """Hand over the savings kept until release, in each currency they were saved in."""
    from karama.work.selectors import earnings_of

    if not can_manage_person(by, person):
        raise PermissionDenied
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment cannot be recorded in the future.")})
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.status == PersonStatus.IN_CUSTODY:
            raise ValidationError(_("Savings are kept until release: pay them out when the person leaves."))
        balances = [(e.currency, e.savings_balance) for e in earnings_of(person) if e.savings_balance > 0]
        if not balances:
            raise ValidationError(_("There are no savings to pay out."))
        return [
            SavingsPayout.objects.create(person=person, currency=currency, amount=amount, paid_on=paid_on, paid_by=by)
            for currency, amount in balances
        ]


# Capacity and investment proposals --------------------------------------------------------------------


def _require_facility_manager(by: User, facility: Facility) -> None:
    scope = scope_of(by)
    if not (
        scope.can_manage(facility.administration_id)
        or scope.role == "facility_staff"
        and scope.facility_id == facility.pk
    ):
        raise PermissionDenied


def publish_capacity(
    *,
    by: User,
    facility: Facility,
    space_square_metres: int = 0,
    trades: Iterable[str] = (),
    idle_workers: int = 0,
    training_places: int = 0,
    notes: str = "",
    published: bool = True,
) -> FacilityCapacity:
    """What the facility offers to entrepreneurs and trainers; partners see it once published."""
    _require_facility_manager(by, facility)
    trades = sorted(set(trades or []))
    for code in trades:
        _occupation(code, "trades")
    numbers = {
        "space_square_metres": space_square_metres,
        "idle_workers": idle_workers,
        "training_places": training_places,
    }
    for name, value in numbers.items():
        if value is None or value < 0:
            raise ValidationError({name: _("Enter a number, zero or more.")})
    with transaction.atomic():
        capacity, _created = FacilityCapacity.objects.select_for_update().get_or_create(facility=facility)
        for name, value in numbers.items():
            setattr(capacity, name, value)
        capacity.trades, capacity.notes, capacity.published, capacity.updated_by = trades, notes, published, by
        capacity.save()
    return capacity


def _may_propose_for(by: User, proposer: Organization, facility: Facility) -> bool:
    scope = scope_of(by)
    if scope.is_partner:
        return proposer.pk == scope.organization_id and facility.administration_id in partner_administration_ids(by)
    return scope.can_manage(facility.administration_id)


def submit_investment_proposal(
    *,
    by: User,
    facility: Facility,
    proposer: Organization,
    title: str,
    occupation: str,
    workshop_kind: str,
    places: int,
    investment,
    currency: str,
    family_percent,
    savings_percent,
    kept_percent,
    terms: str = "",
    language: str = "en",
) -> InvestmentProposal:
    """An entrepreneur (or the administration on their behalf) offers to invest in a workshop."""
    if not _may_propose_for(by, proposer, facility):
        raise PermissionDenied
    if proposer.kind == Organization.Kind.PRISON_ADMINISTRATION:
        raise ValidationError({"proposer": _("An entrepreneur or a company makes the proposal.")})
    if workshop_kind not in WorkshopKind.values:
        raise ValidationError({"workshop_kind": _("Choose a kind of workshop.")})
    if not places or places < 1:
        raise ValidationError({"places": _("Offer at least one job.")})
    try:
        validate_currency(currency)
    except ValidationError as error:
        raise ValidationError({"currency": error.messages}) from None
    family, savings, kept = _split(family_percent, savings_percent, kept_percent)
    proposal = InvestmentProposal(
        administration_id=facility.administration_id,
        facility=facility,
        proposer=proposer,
        title=(title or "").strip(),
        language=language,
        occupation=_occupation(occupation),
        workshop_kind=workshop_kind,
        places=places,
        investment=_amount(investment, currency, "investment"),
        currency=currency,
        terms=terms,
        family_percent=family,
        savings_percent=savings,
        kept_percent=kept,
        submitted_by=by,
    )
    _clean(proposal)
    with transaction.atomic():
        proposal.save()
    return proposal


def _decide(proposal: InvestmentProposal, status: str, by: User, note: str = "") -> InvestmentProposal:
    locked = InvestmentProposal.objects.select_for_update().get(pk=proposal.pk)
    if not locked.can_change_to(status):
        raise ValidationError(
            _("A proposal cannot go from “%(from)s” to “%(to)s”.")
            % {"from": locked.get_status_display(), "to": ProposalStatus(status).label}
        )
    locked.status = status
    if status in (ProposalStatus.ACCEPTED, ProposalStatus.REJECTED):
        locked.decided_by, locked.decided_on, locked.decision_note = by, timezone.localdate(), note
    return locked


def start_proposal_review(*, by: User, proposal: InvestmentProposal) -> InvestmentProposal:
    if not can_review_proposal(by, proposal):
        raise PermissionDenied
    with transaction.atomic():
        locked = _decide(proposal, ProposalStatus.UNDER_REVIEW, by)
        locked.save(update_fields=["status"])
    return locked


def reject_investment_proposal(*, by: User, proposal: InvestmentProposal, note: str) -> InvestmentProposal:
    if not can_review_proposal(by, proposal):
        raise PermissionDenied
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the proposal is not accepted.")})
    with transaction.atomic():
        locked = _decide(proposal, ProposalStatus.REJECTED, by, note.strip())
        locked.save(update_fields=["status", "decided_by", "decided_on", "decision_note"])
    return locked


def withdraw_investment_proposal(*, by: User, proposal: InvestmentProposal) -> InvestmentProposal:
    scope = scope_of(by)
    if not (scope.is_partner and scope.organization_id == proposal.proposer_id) and not can_review_proposal(
        by, proposal
    ):
        raise PermissionDenied
    with transaction.atomic():
        locked = _decide(proposal, ProposalStatus.WITHDRAWN, by)
        locked.save(update_fields=["status"])
    return locked


def accept_investment_proposal(
    *, by: User, proposal: InvestmentProposal, reference: str, note: str = "", starts_on: datetime.date | None = None
) -> InvestmentProposal:
    """The accepted proposal becomes an active agreement with the entrepreneur (the investment as its budget,
    the jobs as its employment commitment) and a planned workshop that the entrepreneur operates."""
    if not can_review_proposal(by, proposal):
        raise PermissionDenied
    starts_on = starts_on or timezone.localdate()
    with transaction.atomic():
        locked = _decide(proposal, ProposalStatus.ACCEPTED, by, note)
        names = {locked.language: locked.title}
        agreement = agreement_services.create_agreement(
            by=by,
            administration=locked.administration,
            kind=Agreement.Kind.PARTNERSHIP,
            reference=reference,
            names=names,
            original_language=locked.language,
            summary=locked.terms,
            signed_on=starts_on,
            starts_on=starts_on,
            domains=[Domain.INDUSTRY, Domain.EMPLOYMENT, Domain.ENTREPRENEURSHIP],
        )
        agreement_services.add_party(agreement=agreement, by=by, organization=locked.administration)
        entrepreneur = agreement_services.add_party(agreement=agreement, by=by, organization=locked.proposer)
        commitment = agreement_services.add_commitment(
            agreement=agreement,
            by=by,
            party=entrepreneur,
            description=_("Inmates employed in the workshop: %(title)s") % {"title": locked.title},
            target_quantity=locked.places,
            unit=Commitment.Unit.PLACEMENTS,
        )
        agreement_services.add_budget(
            agreement=agreement,
            by=by,
            amount=locked.investment.quantize(pay.minor_unit(locked.currency)),
            currency=locked.currency,
            funder=entrepreneur,
            label=_("Investment in the workshop"),
        )
        agreement = agreement_services.change_agreement_status(
            agreement=agreement, status=Agreement.Status.ACTIVE, by=by
        )
        workshop = create_workshop(
            by=by,
            facility=locked.facility,
            names=names,
            original_language=locked.language,
            kind=locked.workshop_kind,
            occupation=locked.occupation,
            currency=locked.currency,
            operator=locked.proposer,
            agreement=agreement,
            commitment=commitment,
            description=locked.terms,
            status=WorkshopStatus.PLANNED,
        )
        WageSplit.objects.create(
            workshop=workshop,
            effective_from=starts_on,
            family_percent=locked.family_percent,
            savings_percent=locked.savings_percent,
            kept_percent=locked.kept_percent,
            note=_("As agreed in the investment proposal %(code)s.") % {"code": locked.code},
            recorded_by=by,
        )
        locked.agreement, locked.workshop = agreement, workshop
        locked.save()
    return locked


# Openings ------------------------------------------------------------------------------------------------


def _may_publish_for(by: User, employer: Organization, administration: Organization) -> bool:
    scope = scope_of(by)
    if scope.is_partner:
        return employer.pk == scope.organization_id and administration.pk in partner_administration_ids(by)
    return scope.can_manage(administration.pk) and employers_for(by).filter(pk=employer.pk).exists()


def _check_opening(values: dict, administration: Organization) -> dict:
    currency = values["currency"]
    try:
        validate_currency(currency)
    except ValidationError as error:
        raise ValidationError({"currency": error.messages}) from None
    for name in ("wage_min", "wage_max"):
        if values.get(name) not in (None, ""):
            values[name] = _amount(values[name], currency, name)
        else:
            values[name] = None
    if values["wage_min"] and values["wage_max"] and values["wage_max"] < values["wage_min"]:
        raise ValidationError({"wage_max": _("The highest wage cannot be below the lowest.")})
    if values["valid_until"] < timezone.localdate():
        raise ValidationError({"valid_until": _("An opening is valid until today or later.")})
    if not values.get("seats") or values["seats"] < 1:
        raise ValidationError({"seats": _("Offer at least one seat.")})
    region: Region | None = values.get("region")
    if region is not None and region.country != administration.country:
        raise ValidationError({"region": _("Choose a region of the administration's country.")})
    if values.get("wage_period") and values["wage_period"] not in WagePeriod.values:
        raise ValidationError({"wage_period": _("Choose a wage period.")})
    _occupation(values["occupation"])
    agreement, commitment = values.get("agreement"), values.get("commitment")
    if agreement is not None and agreement.administration_id != administration.pk:
        raise ValidationError({"agreement": _("Choose an agreement of this administration.")})
    if commitment is not None and (agreement is None or commitment.agreement_id != agreement.pk):
        raise ValidationError({"commitment": _("Choose a commitment of the chosen agreement.")})
    return values


def _save_skills(opening: Opening, skills: Iterable[str]) -> None:
    wanted = {_occupation(code, "skills") for code in skills or []}
    opening.skills.exclude(occupation__in=wanted).delete()
    existing = set(opening.skills.values_list("occupation", flat=True))
    OpeningSkill.objects.bulk_create(
        OpeningSkill(opening=opening, occupation=code) for code in sorted(wanted - existing)
    )


def publish_opening(
    *,
    by: User,
    employer: Organization,
    administration: Organization,
    title: str,
    occupation: str,
    valid_until: datetime.date,
    currency: str,
    seats: int = 1,
    region: Region | None = None,
    skills: Iterable[str] = (),
    excluded_categories: Iterable[str] = (),
    wage_min=None,
    wage_max=None,
    wage_period: str = WagePeriod.MONTH,
    only_for_leavers: bool = False,
    description: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    agreement: Agreement | None = None,
    commitment: Commitment | None = None,
) -> Opening:
    """An employer offers a job to people leaving prison. The case categories it excludes are fixed once
    published (changing them would let anyone comparing candidate lists learn people's case categories)."""
    if not administration.is_administration or not _may_publish_for(by, employer, administration):
        raise PermissionDenied
    categories = sorted(set(excluded_categories or []))
    if set(categories) - set(CaseCategory.values):
        raise ValidationError({"excluded_categories": _("Unknown case category.")})
    values = _check_opening(
        {
            "title": (title or "").strip(),
            "occupation": occupation,
            "valid_until": valid_until,
            "currency": currency,
            "seats": seats,
            "region": region,
            "wage_min": wage_min,
            "wage_max": wage_max,
            "wage_period": wage_period,
            "only_for_leavers": only_for_leavers,
            "description": description,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "contact_email": contact_email,
            "agreement": agreement,
            "commitment": commitment,
        },
        administration,
    )
    opening = Opening(administration=administration, employer=employer, created_by=by, **values)
    _clean(opening, exclude=["occupation_major"])
    with transaction.atomic():
        opening.save()
        _save_skills(opening, skills)
        OpeningExclusion.objects.bulk_create(OpeningExclusion(opening=opening, category=c) for c in categories)
    return opening


OPENING_FIELDS = (
    "title",
    "description",
    "occupation",
    "region",
    "seats",
    "wage_min",
    "wage_max",
    "currency",
    "wage_period",
    "only_for_leavers",
    "contact_name",
    "contact_phone",
    "contact_email",
    "valid_until",
    "agreement",
    "commitment",
)


def update_opening(*, by: User, opening: Opening, skills: Iterable[str] | None = None, **changes) -> Opening:
    if not can_manage_opening(by, opening):
        raise PermissionDenied
    if "excluded_categories" in changes:
        raise ValidationError(
            {"excluded_categories": _("Excluded case categories cannot change once published; close and republish.")}
        )
    unknown = set(changes) - set(OPENING_FIELDS)
    if unknown:
        raise ValueError(f"update_opening cannot change {sorted(unknown)}")
    values = {name: getattr(opening, name) for name in OPENING_FIELDS} | changes
    values = _check_opening(values, opening.administration)
    with transaction.atomic():
        locked = Opening.objects.select_for_update().get(pk=opening.pk)
        if locked.status == OpeningStatus.CLOSED:
            raise ValidationError(_("This opening is closed."))
        hired = locked.applications.filter(status=ApplicationStatus.HIRED).count()
        if values["seats"] < hired:
            raise ValidationError({"seats": _("%(hired)s people are already hired on it.") % {"hired": hired}})
        for name, value in values.items():
            setattr(locked, name, value)
        locked.status = OpeningStatus.FILLED if hired >= locked.seats else OpeningStatus.OPEN
        _clean(locked, exclude=["occupation_major"])
        locked.save()
        if skills is not None:
            _save_skills(locked, skills)
    return locked


def close_opening(*, by: User, opening: Opening) -> Opening:
    if not can_manage_opening(by, opening):
        raise PermissionDenied
    with transaction.atomic():
        locked = Opening.objects.select_for_update().get(pk=opening.pk)
        if locked.status == OpeningStatus.CLOSED:
            raise ValidationError(_("This opening is already closed."))
        locked.status = OpeningStatus.CLOSED
        locked.save(update_fields=["status", "updated_at"])
    return locked


# Applications, placements, retention --------------------------------------------------------------------


def _may_propose(by: User, opening: Opening, person: Person) -> bool:
    """Staff who act on the person; a partner who sees the person through a consent; the employer's staff,
    for their own opening, even without seeing who the candidate is (an expression of interest)."""
    scope = scope_of(by)
    if scope.is_partner:
        if opening.administration_id not in partner_administration_ids(by):
            return False
        return opening.employer_id == scope.organization_id or is_visible(by, person)
    return can_manage_person(by, person)


def propose_candidate(*, by: User, opening: Opening, person: Person, note: str = "") -> Application:
    """Put a person forward for an opening; the match as it stands is kept with the application."""
    if not _may_propose(by, opening, person):
        raise PermissionDenied
    today = timezone.localdate()
    if opening.status != OpeningStatus.OPEN or opening.valid_until < today:
        raise ValidationError(_("This opening is no longer open."))
    opening = Opening.objects.select_related("region").prefetch_related("skills", "exclusions").get(pk=opening.pk)
    profile = matching.load_profiles([person.pk]).get(person.pk)
    match = matching.score(profile, matching.facts_of(opening), today) if profile else None
    if match is None:
        raise ValidationError(_("This person does not meet the opening's conditions."))
    scope = scope_of(by)
    application = Application(
        opening=opening,
        person=person,
        score=match.score,
        reasons=[reason.as_json() for reason in match.reasons],
        proposed_by=by,
        proposed_by_organization_id=scope.organization_id if scope.is_partner else scope.administration_id,
        note=note[:300],
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ValidationError(_("This person has already been put forward for this opening.")) from None
    return application


def _add_months(day: datetime.date, months: int) -> datetime.date:
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=months)


def _hire(application: Application, started_on, wage, wage_period: str) -> None:
    if started_on is None:
        raise ValidationError({"started_on": _("Give the start date.")})
    if started_on > timezone.localdate() + datetime.timedelta(days=90):
        raise ValidationError({"started_on": _("Record the hire at most three months ahead.")})
    application.wage = _amount(wage, application.opening.currency, "wage")
    application.wage_period = wage_period or application.opening.wage_period
    if application.wage_period not in WagePeriod.values:
        raise ValidationError({"wage_period": _("Choose a wage period.")})
    opening = Opening.objects.select_for_update().get(pk=application.opening_id)
    hired = opening.applications.filter(status=ApplicationStatus.HIRED).count()
    if hired >= opening.seats:
        raise ValidationError(_("Every seat of this opening is taken."))
    application.started_on = started_on
    RetentionCheck.objects.bulk_create(
        RetentionCheck(application=application, months=months, due_on=_add_months(started_on, months))
        for months in RetentionCheck.MILESTONES
    )
    if hired + 1 >= opening.seats:
        opening.status = OpeningStatus.FILLED
        opening.save(update_fields=["status", "updated_at"])


def _leave(application: Application, left_on, by: User) -> None:
    if left_on is None or left_on < application.started_on:
        raise ValidationError({"left_on": _("The person cannot leave before starting.")})
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": _("A departure cannot be recorded in the future.")})
    application.left_on = left_on
    # The checks after the departure are answered by it.
    application.retention_checks.filter(checked_on__isnull=True, due_on__gt=left_on).update(
        checked_on=left_on, still_employed=False, note=_("Left the job"), checked_by=by
    )
    opening = Opening.objects.select_for_update().get(pk=application.opening_id)
    if opening.status == OpeningStatus.FILLED and opening.valid_until >= timezone.localdate():
        opening.status = OpeningStatus.OPEN
        opening.save(update_fields=["status", "updated_at"])


def change_application_status(
    *,
    by: User,
    application: Application,
    status: str,
    started_on: datetime.date | None = None,
    wage=None,
    wage_period: str = "",
    left_on: datetime.date | None = None,
    note: str | None = None,
) -> Application:
    """Move an application along. Beyond a proposal, the person must have consented to share their record
    with the employer for employment; a hire schedules the retention checks at 3, 6 and 12 months."""
    if not can_move_application(by, application):
        raise PermissionDenied
    if status not in ApplicationStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    with transaction.atomic():
        locked = Application.objects.select_for_update().select_related("opening").get(pk=application.pk)
        if not locked.can_change_to(status):
            raise ValidationError(
                {
                    "status": _("An application cannot go from “%(from)s” to “%(to)s”.")
                    % {"from": locked.get_status_display(), "to": ApplicationStatus(status).label}
                }
            )
        needs_consent = (ApplicationStatus.APPLIED, ApplicationStatus.INTERVIEW, ApplicationStatus.HIRED)
        if status in needs_consent and not employment_consents(locked.opening.employer_id, [locked.person_id]):
            raise ValidationError(
                {"status": _("The person has not consented to share their record with this employer for employment.")}
            )
        if status == ApplicationStatus.HIRED:
            _hire(locked, started_on, wage, wage_period)
        if status == ApplicationStatus.LEFT:
            _leave(locked, left_on, by)
        locked.status = status
        if note is not None:
            locked.note = note[:300]
        _clean(locked)
        locked.save()
    return locked


def record_retention_check(
    *, by: User, check: RetentionCheck, still_employed: bool, checked_on: datetime.date | None = None, note: str = ""
) -> RetentionCheck:
    """Still employed or not, at 3, 6 or 12 months. Someone no longer employed has left the job."""
    application = check.application
    if not can_move_application(by, application) and not can_manage_person(by, application.person):
        raise PermissionDenied
    checked_on = checked_on or timezone.localdate()
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("A check cannot be recorded in the future.")})
    if application.started_on and checked_on < application.started_on:
        raise ValidationError({"checked_on": _("A check comes after the hire.")})
    with transaction.atomic():
        locked = RetentionCheck.objects.select_for_update().get(pk=check.pk)
        if locked.checked_on is not None:
            raise ValidationError(_("This check is already recorded."))
        locked.checked_on, locked.still_employed, locked.note, locked.checked_by = (
            checked_on,
            still_employed,
            note[:300],
            by,
        )
        locked.save()
        if not still_employed and application.status == ApplicationStatus.HIRED:
            change_application_status(by=by, application=application, status=ApplicationStatus.LEFT, left_on=checked_on)
    return locked
