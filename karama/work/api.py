"""API of the work app, mounted at /api/v1/work/: thin over the work selectors and services.

Fetches go through the scoped selectors (404 outside one's scope); amounts are strings; people are
named by public code only where the reader may see them, and by an anonymous candidate code otherwise.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from karama.agreements.models import Agreement, Commitment
from karama.agreements.selectors import agreements_visible_to
from karama.core.access import scope_of
from karama.core.models import Facility, Organization, Region, User
from karama.core.selectors import facilities_visible_to, get_facility_for, organizations_visible_to
from karama.people.models import AccessAction, Person
from karama.people.selectors import can_manage_person, get_person_for, people_visible_to, visible_sections
from karama.people.services import log_access
from karama.work import matching, selectors, services
from karama.work.models import (
    Application,
    ApplicationStatus,
    FacilityCapacity,
    InvestmentProposal,
    Job,
    JobEndReason,
    Opening,
    PayBasis,
    PayRun,
    WagePeriod,
    Workshop,
    WorkshopKind,
    WorkshopStatus,
)

router = Router(tags=["work"])


def _amount_text(value: Decimal | None, currency: str) -> str | None:
    from karama.work.pay import minor_unit

    return None if value is None else str(value.quantize(minor_unit(currency)))


# Schemas -------------------------------------------------------------------------------------------------


class ReasonOut(Schema):
    code: str
    weight: int
    text: str


def _reasons(reasons) -> list[dict]:
    return [{"code": r.code, "weight": r.weight, "text": r.text} for r in reasons]


class PositionOut(Schema):
    id: int
    title: str
    occupation: str
    places: int
    filled: int


class PayBandOut(Schema):
    id: int
    name: str
    basis: str
    rate: str


class WageSplitOut(Schema):
    effective_from: datetime.date
    family_percent: str
    savings_percent: str
    kept_percent: str
    note: str


class WorkshopOut(Schema):
    code: str
    name: str
    names: dict[str, str]
    kind: str
    occupation: str
    status: str
    facility: str
    administration: str
    operator: str | None
    agreement: int | None
    commitment: int | None
    currency: str
    opened_on: datetime.date | None
    space_square_metres: int | None
    description: str
    positions: list[PositionOut] = []
    pay_bands: list[PayBandOut] = []
    wage_split: WageSplitOut | None = None


class WorkshopIn(Schema):
    facility: str
    names: dict[str, str]
    original_language: str = "en"
    kind: WorkshopKind
    occupation: str
    currency: str
    operator: str | None = None
    agreement: int | None = None
    commitment: int | None = None
    description: str = ""
    space_square_metres: int | None = Field(None, ge=0)
    status: WorkshopStatus = WorkshopStatus.ACTIVE
    opened_on: datetime.date | None = None


class WorkshopPatch(Schema):
    names: dict[str, str] | None = None
    original_language: str | None = None
    kind: WorkshopKind | None = None
    occupation: str | None = None
    operator: str | None = None
    agreement: int | None = None
    commitment: int | None = None
    description: str | None = None
    space_square_metres: int | None = Field(None, ge=0)
    status: WorkshopStatus | None = None
    opened_on: datetime.date | None = None


class PositionIn(Schema):
    title: str
    occupation: str
    places: int = Field(..., ge=1)


class PayBandIn(Schema):
    name: str
    basis: PayBasis
    rate: str = Field(..., description="Exact decimal text in the workshop's currency.")


class WageSplitIn(Schema):
    effective_from: datetime.date
    family_percent: str
    savings_percent: str
    kept_percent: str
    note: str = ""


class JobOut(Schema):
    code: str
    person: str
    workshop: str
    position: int
    pay_band: int
    starts_on: datetime.date
    ends_on: datetime.date | None
    end_reason: str
    hours_per_week: str | None


class JobIn(Schema):
    person: str = Field(..., description="The person's public code.")
    position: int
    pay_band: int
    starts_on: datetime.date
    hours_per_week: Decimal | None = Field(None, gt=0, le=84)


class JobEndIn(Schema):
    ends_on: datetime.date
    reason: JobEndReason


class PayLineOut(Schema):
    job: str
    person: str
    basis: str
    quantity: str
    rate: str
    gross: str
    family: str
    savings: str
    kept: str


class PayTotalsOut(Schema):
    workers: int
    gross: str
    family: str
    savings: str
    kept: str


class PayRunOut(Schema):
    code: str
    workshop: str
    period_start: datetime.date
    period_end: datetime.date
    currency: str
    family_percent: str
    savings_percent: str
    kept_percent: str
    status: str
    paid_on: datetime.date | None
    totals: PayTotalsOut
    lines: list[PayLineOut] | None = Field(None, description="Only for the administration's staff.")


class PayRunIn(Schema):
    period_start: datetime.date
    period_end: datetime.date
    quantities: dict[str, str] = Field(
        ..., description="Job code → hours, pieces or days worked in the period (by the job's pay band)."
    )


class PaidIn(Schema):
    paid_on: datetime.date


class CapacityOut(Schema):
    facility: str
    administration: str
    space_square_metres: int
    trades: list[str]
    idle_workers: int
    training_places: int
    workshop_places: int
    notes: str
    published: bool


class CapacityIn(Schema):
    space_square_metres: int = Field(0, ge=0)
    trades: list[str] = []
    idle_workers: int = Field(0, ge=0)
    training_places: int = Field(0, ge=0)
    notes: str = ""
    published: bool = True


class ProposalOut(Schema):
    code: str
    administration: str
    facility: str
    proposer: str
    title: str
    occupation: str
    workshop_kind: str
    places: int
    investment: str
    currency: str
    family_percent: str
    savings_percent: str
    kept_percent: str
    terms: str
    status: str
    decided_on: datetime.date | None
    decision_note: str
    agreement: int | None
    workshop: str | None


class ProposalIn(Schema):
    facility: str
    proposer: str | None = Field(None, description="Partner staff always propose for their own organization.")
    title: str
    occupation: str
    workshop_kind: WorkshopKind
    places: int = Field(..., ge=1)
    investment: str
    currency: str
    family_percent: str
    savings_percent: str
    kept_percent: str
    terms: str = ""
    language: str = "en"


class AcceptIn(Schema):
    reference: str
    note: str = ""
    starts_on: datetime.date | None = None


class RejectIn(Schema):
    note: str


class OpeningOut(Schema):
    code: str
    administration: str
    employer: str
    title: str
    description: str
    occupation: str
    skills: list[str]
    region: str | None
    seats: int
    hired: int
    wage_min: str | None
    wage_max: str | None
    currency: str
    wage_period: str
    only_for_leavers: bool
    excluded_categories: list[str]
    contact_name: str
    contact_phone: str
    contact_email: str
    valid_until: datetime.date
    status: str
    agreement: int | None
    commitment: int | None


class OpeningIn(Schema):
    employer: str
    administration: str
    title: str
    occupation: str
    valid_until: datetime.date
    currency: str
    seats: int = Field(1, ge=1)
    region: str | None = None
    skills: list[str] = []
    excluded_categories: list[str] = []
    wage_min: str | None = None
    wage_max: str | None = None
    wage_period: WagePeriod = WagePeriod.MONTH
    only_for_leavers: bool = False
    description: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    agreement: int | None = None
    commitment: int | None = None


class OpeningPatch(Schema):
    title: str | None = None
    description: str | None = None
    occupation: str | None = None
    skills: list[str] | None = None
    region: str | None = None
    seats: int | None = Field(None, ge=1)
    wage_min: str | None = None
    wage_max: str | None = None
    currency: str | None = None
    wage_period: WagePeriod | None = None
    only_for_leavers: bool | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    valid_until: datetime.date | None = None
    excluded_categories: list[str] | None = Field(None, description="Refused: fixed once published.")


class OpeningFilters(Schema):
    status: str = "open"
    occupation: str = ""
    region: str = ""
    employer: str = ""


class CandidateOut(Schema):
    code: str = Field(..., description="The public code when named; else an anonymous code valid for this opening.")
    named: bool
    name: str | None = Field(None, description="Only when the reader may see the person.")
    skills: list[str]
    training: list[str]
    region: str
    availability: str = Field(..., description="'now', or whole months until the expected release.")
    score: int
    reasons: list[ReasonOut]


class MatchOut(Schema):
    opening: str
    title: str
    employer: str
    region: str | None
    valid_until: datetime.date
    score: int
    reasons: list[ReasonOut]


class DueOut(Schema):
    person: str
    expected_release: datetime.date | None
    matches: list[MatchOut]


class DueFilters(Schema):
    days: int = Field(90, ge=1, le=365)
    facility: str = ""


class RetentionOut(Schema):
    months: int
    due_on: datetime.date
    checked_on: datetime.date | None
    still_employed: bool | None
    note: str


class ApplicationOut(Schema):
    code: str
    opening: str
    person: str = Field(..., description="The public code when named; else the anonymous candidate code.")
    named: bool
    status: str
    score: int
    reasons: list[ReasonOut]
    started_on: datetime.date | None
    wage: str | None
    wage_period: str
    left_on: datetime.date | None
    note: str
    retention_checks: list[RetentionOut]


class ApplicationIn(Schema):
    opening: str
    person: str = Field(..., description="A public code, or the anonymous candidate code an employer was shown.")
    note: str = ""


class StatusIn(Schema):
    status: ApplicationStatus
    started_on: datetime.date | None = None
    wage: str | None = None
    wage_period: WagePeriod | None = None
    left_on: datetime.date | None = None
    note: str | None = None


class RetentionIn(Schema):
    still_employed: bool
    checked_on: datetime.date | None = None
    note: str = ""


class EarningsOut(Schema):
    currency: str
    gross: str
    family: str
    saved: str
    kept: str
    paid_out: str
    savings_balance: str


class PersonWorkOut(Schema):
    jobs: list[JobOut]
    earnings: list[EarningsOut] | None = Field(None, description="Only for the administration's staff.")
    applications: list[ApplicationOut]


class PayoutOut(Schema):
    currency: str
    amount: str
    paid_on: datetime.date


# Shaping -------------------------------------------------------------------------------------------------


def _workshops(workshops: list[Workshop]) -> list[dict]:
    """Workshops with their positions, pay bands and split, in four queries whatever their number."""
    from django.db.models import prefetch_related_objects

    from karama.work.models import Job

    prefetch_related_objects(workshops, "positions", "pay_bands", "wage_splits")
    filled = dict(
        Job.objects.filter(workshop__in=workshops, ends_on__isnull=True)
        .values_list("position_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    today = timezone.localdate()
    return [_workshop(workshop, filled, today) for workshop in workshops]


def _workshop(workshop: Workshop, filled: dict[int, int], today: datetime.date) -> dict:
    split = next((s for s in workshop.wage_splits.all() if s.effective_from <= today), None)
    return {
        "code": workshop.code,
        "name": workshop.name,
        "names": workshop.names,
        "kind": workshop.kind,
        "occupation": workshop.occupation,
        "status": workshop.status,
        "facility": workshop.facility.code,
        "administration": workshop.administration.code,
        "operator": workshop.operator.code if workshop.operator_id else None,
        "agreement": workshop.agreement_id,
        "commitment": workshop.commitment_id,
        "currency": workshop.currency,
        "opened_on": workshop.opened_on,
        "space_square_metres": workshop.space_square_metres,
        "description": workshop.description,
        "positions": [_position(p, filled.get(p.pk, 0)) for p in workshop.positions.all()],
        "pay_bands": [_band(band, workshop.currency) for band in workshop.pay_bands.all()],
        "wage_split": _split(split) if split else None,
    }


def _one_workshop(user: User, code: str) -> dict:
    return _workshops([selectors.get_workshop_for(user, code)])[0]


def _position(position, filled: int = 0) -> dict:
    return {
        "id": position.pk,
        "title": position.title,
        "occupation": position.occupation,
        "places": position.places,
        "filled": filled,
    }


def _band(band, currency: str) -> dict:
    return {"id": band.pk, "name": band.name, "basis": band.basis, "rate": _amount_text(band.rate, currency)}


def _split(split) -> dict:
    return {
        "effective_from": split.effective_from,
        "family_percent": str(split.family_percent),
        "savings_percent": str(split.savings_percent),
        "kept_percent": str(split.kept_percent),
        "note": split.note,
    }


def _job(job: Job) -> dict:
    return {
        "code": job.code,
        "person": job.person.public_code,
        "workshop": job.workshop.code,
        "position": job.position_id,
        "pay_band": job.pay_band_id,
        "starts_on": job.starts_on,
        "ends_on": job.ends_on,
        "end_reason": job.end_reason,
        "hours_per_week": str(job.hours_per_week) if job.hours_per_week is not None else None,
    }


def _pay_run(user: User, pay_run: PayRun) -> dict:
    totals = selectors.pay_run_totals(pay_run)
    currency = pay_run.currency
    out = {
        "code": pay_run.code,
        "workshop": pay_run.workshop.code,
        "period_start": pay_run.period_start,
        "period_end": pay_run.period_end,
        "currency": currency,
        "family_percent": str(pay_run.family_percent),
        "savings_percent": str(pay_run.savings_percent),
        "kept_percent": str(pay_run.kept_percent),
        "status": pay_run.status,
        "paid_on": pay_run.paid_on,
        "totals": {
            "workers": totals.workers,
            "gross": _amount_text(totals.gross, currency),
            "family": _amount_text(totals.family, currency),
            "savings": _amount_text(totals.savings, currency),
            "kept": _amount_text(totals.kept, currency),
        },
    }
    if selectors.sees_workers(user):
        out["lines"] = [
            {
                "job": line.job.code,
                "person": line.person.public_code,
                "basis": line.basis,
                "quantity": str(line.quantity),
                "rate": _amount_text(line.rate, currency),
                "gross": _amount_text(line.gross, currency),
                "family": _amount_text(line.family_amount, currency),
                "savings": _amount_text(line.savings_amount, currency),
                "kept": _amount_text(line.kept_amount, currency),
            }
            for line in selectors.pay_lines_visible_to(user, pay_run).select_related("job")
        ]
    return out


def _capacity(capacity: FacilityCapacity, workshop_places: int) -> dict:
    return {
        "facility": capacity.facility.code,
        "administration": capacity.facility.administration.code,
        "space_square_metres": capacity.space_square_metres,
        "trades": capacity.trades,
        "idle_workers": capacity.idle_workers,
        "training_places": capacity.training_places,
        "workshop_places": workshop_places,
        "notes": capacity.notes,
        "published": capacity.published,
    }


def _proposal(proposal: InvestmentProposal) -> dict:
    return {
        "code": proposal.code,
        "administration": proposal.administration.code,
        "facility": proposal.facility.code,
        "proposer": proposal.proposer.code,
        "title": proposal.title,
        "occupation": proposal.occupation,
        "workshop_kind": proposal.workshop_kind,
        "places": proposal.places,
        "investment": _amount_text(proposal.investment, proposal.currency),
        "currency": proposal.currency,
        "family_percent": str(proposal.family_percent),
        "savings_percent": str(proposal.savings_percent),
        "kept_percent": str(proposal.kept_percent),
        "terms": proposal.terms,
        "status": proposal.status,
        "decided_on": proposal.decided_on,
        "decision_note": proposal.decision_note,
        "agreement": proposal.agreement_id,
        "workshop": proposal.workshop.code if proposal.workshop_id else None,
    }


def _opening(opening: Opening, hired: int | None = None) -> dict:
    currency = opening.currency
    return {
        "code": opening.code,
        "administration": opening.administration.code,
        "employer": opening.employer.code,
        "title": opening.title,
        "description": opening.description,
        "occupation": opening.occupation,
        "skills": [skill.occupation for skill in opening.skills.all()],
        "region": opening.region.code if opening.region_id else None,
        "seats": opening.seats,
        "hired": hired if hired is not None else selectors.hired_count(opening),
        "wage_min": _amount_text(opening.wage_min, currency),
        "wage_max": _amount_text(opening.wage_max, currency),
        "currency": currency,
        "wage_period": opening.wage_period,
        "only_for_leavers": opening.only_for_leavers,
        "excluded_categories": [exclusion.category for exclusion in opening.exclusions.all()],
        "contact_name": opening.contact_name,
        "contact_phone": opening.contact_phone,
        "contact_email": opening.contact_email,
        "valid_until": opening.valid_until,
        "status": opening.status,
        "agreement": opening.agreement_id,
        "commitment": opening.commitment_id,
    }


def _match(opening: Opening, match: matching.Match) -> dict:
    return {
        "opening": opening.code,
        "title": opening.title,
        "employer": opening.employer.code,
        "region": opening.region.code if opening.region_id else None,
        "valid_until": opening.valid_until,
        "score": match.score,
        "reasons": _reasons(match.reasons),
    }


def _application(application: Application, named: bool) -> dict:
    currency = application.opening.currency
    return {
        "code": application.code,
        "opening": application.opening.code,
        "person": application.person.public_code
        if named
        else selectors.candidate_code(application.opening, application.person_id),
        "named": named,
        "status": application.status,
        "score": application.score,
        "reasons": _reasons(matching.Reason.from_json(item) for item in application.reasons),
        "started_on": application.started_on,
        "wage": _amount_text(application.wage, currency),
        "wage_period": application.wage_period,
        "left_on": application.left_on,
        "note": application.note,
        "retention_checks": [
            {
                "months": check.months,
                "due_on": check.due_on,
                "checked_on": check.checked_on,
                "still_employed": check.still_employed,
                "note": check.note,
            }
            for check in application.retention_checks.all()
        ],
    }


def _applications(user: User, applications) -> list[dict]:
    applications = list(applications)
    named = selectors.named_applications(user, applications)
    return [_application(application, application.pk in named) for application in applications]


class _Page:
    """A queryset paginated lazily and shaped one page at a time (nested lists, who may be named)."""

    def __init__(self, queryset, shape_page):
        self.queryset, self.shape_page = queryset, shape_page

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice) -> list[dict]:
        return self.shape_page(list(self.queryset[window]))


# Lookups by code, within the caller's reach ------------------------------------------------------------


def _internal(request) -> None:
    if scope_of(request.auth).sees_nothing_internal:
        raise Http404


def _organization(user: User, code: str | None, field: str) -> Organization | None:
    if not code:
        return None
    organization = organizations_visible_to(user).filter(code=code).first()
    if organization is None:
        raise ValidationError({field: _("Unknown organization.")})
    return organization


def _agreement(user: User, pk: int | None) -> Agreement | None:
    if pk is None:
        return None
    agreement = agreements_visible_to(user).filter(pk=pk).first()
    if agreement is None:
        raise ValidationError({"agreement": _("Unknown agreement.")})
    return agreement


def _commitment(agreement: Agreement | None, pk: int | None) -> Commitment | None:
    if pk is None:
        return None
    commitment = Commitment.objects.filter(pk=pk, agreement=agreement).first() if agreement else None
    if commitment is None:
        raise ValidationError({"commitment": _("Choose a commitment of the chosen agreement.")})
    return commitment


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({"region": _("Unknown region.")})
    return region


def _facility(user: User, code: str) -> Facility:
    facility = facilities_visible_to(user).filter(code=code).first()
    if facility is None:
        raise ValidationError({"facility": _("Unknown facility.")})
    return facility


def _workshop_run(request, code: str) -> Workshop:
    workshop = selectors.get_workshop_for(request.auth, code)
    if not selectors.can_run_workshop(request.auth, workshop):
        raise Http404
    return workshop


def _workshop_managed(request, code: str) -> Workshop:
    workshop = selectors.get_workshop_for(request.auth, code)
    if not selectors.can_manage_workshop(request.auth, workshop):
        raise Http404
    return workshop


# Workshops, jobs and pay ----------------------------------------------------------------------------------


@router.get("/workshops/", response=list[WorkshopOut])
@paginate(LimitOffsetPagination)
def list_workshops(request, facility: str = "", status: str = ""):
    _internal(request)
    workshops = selectors.workshops_visible_to(request.auth)
    if facility:
        workshops = workshops.filter(facility__code=facility)
    if status:
        workshops = workshops.filter(status=status)
    return _Page(workshops.order_by("facility__code", "pk"), _workshops)


@router.get("/workshops/{code}/", response=WorkshopOut)
def get_workshop(request, code: str):
    return _one_workshop(request.auth, code)


@router.post("/workshops/", response={201: WorkshopOut})
def create_workshop(request, payload: WorkshopIn):
    data = payload.dict()
    facility = _facility(request.auth, data.pop("facility"))
    if not scope_of(request.auth).can_manage(facility.administration_id):
        raise Http404
    data["operator"] = _organization(request.auth, data["operator"], "operator")
    data["agreement"] = _agreement(request.auth, data["agreement"])
    data["commitment"] = _commitment(data["agreement"], data["commitment"])
    workshop = services.create_workshop(by=request.auth, facility=facility, **data)
    return Status(201, _one_workshop(request.auth, workshop.code))


@router.patch("/workshops/{code}/", response=WorkshopOut)
def update_workshop(request, code: str, payload: WorkshopPatch):
    workshop = _workshop_managed(request, code)
    changes = payload.dict(exclude_unset=True)
    if "operator" in changes:
        changes["operator"] = _organization(request.auth, changes["operator"], "operator")
    if "agreement" in changes:
        changes["agreement"] = _agreement(request.auth, changes["agreement"])
    if "commitment" in changes:
        changes["commitment"] = _commitment(changes.get("agreement", workshop.agreement), changes["commitment"])
    services.update_workshop(workshop=workshop, by=request.auth, **changes)
    return _one_workshop(request.auth, code)


@router.post("/workshops/{code}/positions/", response={201: PositionOut})
def add_position(request, code: str, payload: PositionIn):
    workshop = _workshop_managed(request, code)
    return Status(201, _position(services.add_position(workshop=workshop, by=request.auth, **payload.dict())))


@router.post("/workshops/{code}/pay-bands/", response={201: PayBandOut})
def add_pay_band(request, code: str, payload: PayBandIn):
    workshop = _workshop_managed(request, code)
    band = services.add_pay_band(workshop=workshop, by=request.auth, **payload.dict())
    return Status(201, _band(band, workshop.currency))


@router.post("/workshops/{code}/wage-splits/", response={201: WageSplitOut})
def agree_wage_split(request, code: str, payload: WageSplitIn):
    workshop = _workshop_managed(request, code)
    return Status(201, _split(services.agree_wage_split(workshop=workshop, by=request.auth, **payload.dict())))


@router.get("/workshops/{code}/jobs/", response=list[JobOut])
def list_jobs(request, code: str, current: bool = True):
    workshop = selectors.get_workshop_for(request.auth, code)
    jobs = selectors.jobs_visible_to(request.auth).filter(workshop=workshop)
    if current:
        jobs = jobs.filter(ends_on__isnull=True)
    return [_job(job) for job in jobs]


@router.post("/workshops/{code}/jobs/", response={201: JobOut})
def assign_job(request, code: str, payload: JobIn):
    workshop = _workshop_run(request, code)
    person = people_visible_to(request.auth).filter(public_code=payload.person).first()
    position = workshop.positions.filter(pk=payload.position).first()
    band = workshop.pay_bands.filter(pk=payload.pay_band).first()
    if person is None or position is None or band is None:
        raise ValidationError(_("Unknown person, position or pay band."))
    position.workshop = workshop
    job = services.assign_job(
        by=request.auth,
        person=person,
        position=position,
        pay_band=band,
        starts_on=payload.starts_on,
        hours_per_week=payload.hours_per_week,
    )
    return Status(201, _job(job))


@router.post("/jobs/{code}/end/", response=JobOut)
def end_job(request, code: str, payload: JobEndIn):
    job = selectors.jobs_visible_to(request.auth).filter(code=code).first()
    if job is None or not selectors.can_run_workshop(request.auth, job.workshop):
        raise Http404
    return _job(services.end_job(by=request.auth, job=job, ends_on=payload.ends_on, reason=payload.reason))


@router.get("/workshops/{code}/pay-runs/", response=list[PayRunOut], exclude_unset=True)
@paginate(LimitOffsetPagination)
def list_pay_runs(request, code: str):
    workshop = selectors.get_workshop_for(request.auth, code)
    runs = selectors.pay_runs_visible_to(request.auth).filter(workshop=workshop).order_by("-period_start")
    return _Page(runs, lambda page: [_pay_run(request.auth, run) for run in page])


@router.post("/workshops/{code}/pay-runs/", response={201: PayRunOut}, exclude_unset=True)
def run_payroll(request, code: str, payload: PayRunIn):
    workshop = _workshop_run(request, code)
    pay_run = services.run_payroll(by=request.auth, workshop=workshop, **payload.dict())
    return Status(201, _pay_run(request.auth, selectors.get_pay_run_for(request.auth, pay_run.code)))


@router.get("/pay-runs/{code}/", response=PayRunOut, exclude_unset=True)
def get_pay_run(request, code: str):
    return _pay_run(request.auth, selectors.get_pay_run_for(request.auth, code))


@router.post("/pay-runs/{code}/approve/", response=PayRunOut, exclude_unset=True)
def approve_pay_run(request, code: str):
    pay_run = selectors.get_pay_run_for(request.auth, code)
    services.approve_pay_run(by=request.auth, pay_run=pay_run)
    return _pay_run(request.auth, selectors.get_pay_run_for(request.auth, code))


@router.post("/pay-runs/{code}/paid/", response=PayRunOut, exclude_unset=True)
def record_pay_run_paid(request, code: str, payload: PaidIn):
    pay_run = selectors.get_pay_run_for(request.auth, code)
    services.record_pay_run_paid(by=request.auth, pay_run=pay_run, paid_on=payload.paid_on)
    return _pay_run(request.auth, selectors.get_pay_run_for(request.auth, code))


@router.delete("/pay-runs/{code}/", response={204: None})
def discard_pay_run(request, code: str):
    services.discard_pay_run(by=request.auth, pay_run=selectors.get_pay_run_for(request.auth, code))
    return Status(204, None)


# Capacity and proposals -------------------------------------------------------------------------------


@router.get("/capacity/", response=list[CapacityOut])
def list_capacity(request):
    _internal(request)
    capacities = list(selectors.capacities_visible_to(request.auth).order_by("facility__code"))
    idle = selectors.idle_places_by_facility(c.facility_id for c in capacities)
    return [_capacity(c, idle.get(c.facility_id, 0)) for c in capacities]


@router.put("/capacity/{facility}/", response=CapacityOut)
def publish_capacity(request, facility: str, payload: CapacityIn):
    found = get_facility_for(request.auth, facility)
    capacity = services.publish_capacity(by=request.auth, facility=found, **payload.dict())
    capacity.facility = found
    return _capacity(capacity, selectors.idle_places_by_facility([found.pk]).get(found.pk, 0))


@router.get("/proposals/", response=list[ProposalOut])
@paginate(LimitOffsetPagination)
def list_proposals(request, status: str = ""):
    _internal(request)
    proposals = selectors.proposals_visible_to(request.auth)
    if status:
        proposals = proposals.filter(status=status)
    return _Page(proposals, lambda page: [_proposal(p) for p in page])


@router.get("/proposals/{code}/", response=ProposalOut)
def get_proposal(request, code: str):
    return _proposal(selectors.get_proposal_for(request.auth, code))


@router.post("/proposals/", response={201: ProposalOut})
def submit_proposal(request, payload: ProposalIn):
    _internal(request)
    data = payload.dict()
    scope = scope_of(request.auth)
    facility = selectors.facilities_for_proposals(request.auth).filter(code=data.pop("facility")).first()
    if facility is None:
        raise ValidationError({"facility": _("Unknown facility.")})
    proposer_code = data.pop("proposer")
    proposer = request.auth.organization if scope.is_partner else _organization(request.auth, proposer_code, "proposer")
    if proposer is None:
        raise ValidationError({"proposer": _("Unknown organization.")})
    proposal = services.submit_investment_proposal(by=request.auth, facility=facility, proposer=proposer, **data)
    return Status(201, _proposal(selectors.get_proposal_for(request.auth, proposal.code)))


def _proposal_step(request, code: str, step) -> dict:
    proposal = selectors.get_proposal_for(request.auth, code)
    step(proposal)
    return _proposal(selectors.get_proposal_for(request.auth, code))


@router.post("/proposals/{code}/review/", response=ProposalOut)
def start_review(request, code: str):
    return _proposal_step(request, code, lambda p: services.start_proposal_review(by=request.auth, proposal=p))


@router.post("/proposals/{code}/accept/", response=ProposalOut)
def accept_proposal(request, code: str, payload: AcceptIn):
    return _proposal_step(
        request, code, lambda p: services.accept_investment_proposal(by=request.auth, proposal=p, **payload.dict())
    )


@router.post("/proposals/{code}/reject/", response=ProposalOut)
def reject_proposal(request, code: str, payload: RejectIn):
    return _proposal_step(
        request, code, lambda p: services.reject_investment_proposal(by=request.auth, proposal=p, note=payload.note)
    )


@router.post("/proposals/{code}/withdraw/", response=ProposalOut)
def withdraw_proposal(request, code: str):
    return _proposal_step(request, code, lambda p: services.withdraw_investment_proposal(by=request.auth, proposal=p))


# Openings and matching --------------------------------------------------------------------------------


@router.get("/openings/", response=list[OpeningOut])
@paginate(LimitOffsetPagination)
def list_openings(request, filters: Query[OpeningFilters]):
    _internal(request)
    openings = selectors.openings_visible_to(request.auth).prefetch_related("skills", "exclusions")
    if filters.status:
        openings = openings.filter(status=filters.status)
    if filters.occupation:
        openings = openings.filter(occupation=filters.occupation)
    if filters.region:
        openings = openings.filter(region__code=filters.region)
    if filters.employer:
        openings = openings.filter(employer__code=filters.employer)
    openings = openings.annotate(
        hired_now=Count("applications", filter=Q(applications__status=ApplicationStatus.HIRED))
    ).order_by("valid_until", "pk")
    return _Page(openings, lambda page: [_opening(opening, opening.hired_now) for opening in page])


@router.get("/openings/{code}/", response=OpeningOut)
def get_opening(request, code: str):
    return _opening(selectors.get_opening_for(request.auth, code))


def _opening_links(user: User, data: dict) -> dict:
    data["region"] = _region(data.get("region"))
    if "agreement" in data:
        data["agreement"] = _agreement(user, data["agreement"])
    if "commitment" in data:
        data["commitment"] = _commitment(data.get("agreement"), data["commitment"])
    return data


@router.post("/openings/", response={201: OpeningOut})
def publish_opening(request, payload: OpeningIn):
    _internal(request)
    data = payload.dict()
    employer = _organization(request.auth, data.pop("employer"), "employer")
    administration = (
        selectors.administrations_for_openings(request.auth).filter(code=data.pop("administration")).first()
    )
    if administration is None:
        raise ValidationError({"administration": _("Unknown administration.")})
    opening = services.publish_opening(
        by=request.auth, employer=employer, administration=administration, **_opening_links(request.auth, data)
    )
    return Status(201, _opening(selectors.get_opening_for(request.auth, opening.code)))


@router.patch("/openings/{code}/", response=OpeningOut)
def update_opening(request, code: str, payload: OpeningPatch):
    opening = selectors.get_opening_for(request.auth, code)
    if not selectors.can_manage_opening(request.auth, opening):
        raise Http404
    changes = payload.dict(exclude_unset=True)
    skills = changes.pop("skills", None)
    if "region" in changes:
        changes["region"] = _region(changes["region"])
    services.update_opening(by=request.auth, opening=opening, skills=skills, **changes)
    return _opening(selectors.get_opening_for(request.auth, code))


@router.post("/openings/{code}/close/", response=OpeningOut)
def close_opening(request, code: str):
    opening = selectors.get_opening_for(request.auth, code)
    if not selectors.can_manage_opening(request.auth, opening):
        raise Http404
    services.close_opening(by=request.auth, opening=opening)
    return _opening(selectors.get_opening_for(request.auth, code))


@router.get("/openings/{code}/candidates/", response=list[CandidateOut], exclude_unset=True)
def list_candidates(request, code: str, limit: int = Query(50, ge=1, le=200)):
    opening = selectors.get_opening_for(request.auth, code)
    rows = selectors.candidate_rows(request.auth, opening, limit)
    out = []
    for row in rows:
        item = {
            "code": row.code,
            "named": row.named,
            "skills": row.skills,
            "training": row.training,
            "region": row.profile.region_name,
            "availability": row.availability,
            "score": row.match.score,
            "reasons": _reasons(row.match.reasons),
        }
        if row.named:
            item["name"] = row.person.full_name
        out.append(item)
    return out


@router.get("/people/{code}/openings/", response=list[MatchOut])
def person_openings(request, code: str, limit: int = Query(20, ge=1, le=100)):
    person = get_person_for(request.auth, code)
    if "skills" not in visible_sections(request.auth, person):
        raise Http404
    log_access(
        user=request.auth,
        person=person,
        action=AccessAction.API_READ,
        detail="work: openings",
        address=request.META.get("REMOTE_ADDR"),
    )
    profile = matching.load_profiles([person.pk]).get(person.pk)
    ranked = matching.openings_for(profile, timezone.localdate(), limit) if profile else []
    return [_match(opening, match) for opening, match in ranked]


@router.get("/due/", response=list[DueOut])
@paginate(LimitOffsetPagination)
def due_matches(request, filters: Query[DueFilters]):
    scope = scope_of(request.auth)
    if scope.is_partner or scope.sees_nothing_internal:
        raise Http404
    facility = None
    if filters.facility:
        facility = get_facility_for(request.auth, filters.facility)
    people = selectors.due_people(request.auth, filters.days, facility.pk if facility else None)
    return _Page(people.order_by("pk"), lambda page: _due_rows(request.auth, page))


def _due_rows(user: User, people: list[Person]) -> list[dict]:
    """Only the page's people are ranked, from one in-memory index of the openings per administration."""
    return [
        {
            "person": row.person.public_code,
            "expected_release": row.expected_release,
            "matches": [_match(opening, match) for opening, match in row.matches],
        }
        for row in selectors.due_matches(user, people, per_person=5)
    ]


# Applications and retention ------------------------------------------------------------------------------


@router.get("/applications/", response=list[ApplicationOut])
@paginate(LimitOffsetPagination)
def list_applications(request, status: str = "", opening: str = ""):
    _internal(request)
    applications = selectors.applications_visible_to(request.auth).prefetch_related("retention_checks")
    if status == "placed":
        applications = applications.filter(status__in=Application.PLACED)
    elif status:
        applications = applications.filter(status=status)
    if opening:
        applications = applications.filter(opening__code=opening)
    return _Page(applications.order_by("-updated_at", "-pk"), lambda page: _applications(request.auth, page))


@router.get("/applications/{code}/", response=ApplicationOut)
def get_application(request, code: str):
    application = selectors.get_application_for(request.auth, code)
    return _application(application, selectors.is_named(request.auth, application))


@router.post("/applications/", response={201: ApplicationOut})
def propose_candidate(request, payload: ApplicationIn):
    opening = selectors.get_opening_for(request.auth, payload.opening)
    person = people_visible_to(request.auth).filter(public_code=payload.person).first()
    if person is None and selectors.can_see_candidates(request.auth, opening):
        row = selectors.find_candidate(request.auth, opening, payload.person)
        person = Person.objects.get(pk=row.profile.pk)
    if person is None:
        raise Http404
    application = services.propose_candidate(by=request.auth, opening=opening, person=person, note=payload.note)
    application = selectors.get_application_for(request.auth, application.code)
    return Status(201, _application(application, selectors.is_named(request.auth, application)))


@router.post("/applications/{code}/status/", response=ApplicationOut)
def change_status(request, code: str, payload: StatusIn):
    application = selectors.get_application_for(request.auth, code)
    if not selectors.can_move_application(request.auth, application):
        raise Http404
    data = payload.dict()
    services.change_application_status(
        by=request.auth,
        application=application,
        status=data["status"],
        started_on=data["started_on"],
        wage=data["wage"],
        wage_period=data["wage_period"] or "",
        left_on=data["left_on"],
        note=data["note"],
    )
    application = selectors.get_application_for(request.auth, code)
    return _application(application, selectors.is_named(request.auth, application))


@router.post("/applications/{code}/retention/{int:months}/", response=ApplicationOut)
def record_retention(request, code: str, months: int, payload: RetentionIn):
    application = selectors.get_application_for(request.auth, code)
    check = application.retention_checks.filter(months=months).first()
    if check is None:
        raise Http404
    check.application = application
    services.record_retention_check(by=request.auth, check=check, **payload.dict())
    application = selectors.get_application_for(request.auth, code)
    return _application(application, selectors.is_named(request.auth, application))


@router.get("/retention-checks/due/", response=list[ApplicationOut])
def retention_due(request, within_days: int = Query(14, ge=0, le=365)):
    _internal(request)
    checks = selectors.retention_checks_due(request.auth, within_days)
    codes = list(dict.fromkeys(check.application.code for check in checks))
    applications = (
        selectors.applications_visible_to(request.auth).filter(code__in=codes).prefetch_related("retention_checks")
    )
    return _applications(request.auth, applications.order_by("pk"))


# A person's work ---------------------------------------------------------------------------------------


@router.get("/people/{code}/work/", response=PersonWorkOut, exclude_unset=True)
def person_work(request, code: str):
    person = get_person_for(request.auth, code)
    if "skills" not in visible_sections(request.auth, person):
        raise Http404
    log_access(
        user=request.auth,
        person=person,
        action=AccessAction.API_READ,
        detail="work: history",
        address=request.META.get("REMOTE_ADDR"),
    )
    data = selectors.person_work(request.auth, person)
    out = {
        "jobs": [_job(job) for job in data["jobs"]],
        "applications": _applications(request.auth, data["applications"]),
    }
    if data["show_pay"]:
        out["earnings"] = [
            {
                "currency": e.currency,
                "gross": _amount_text(e.gross, e.currency),
                "family": _amount_text(e.family, e.currency),
                "saved": _amount_text(e.saved, e.currency),
                "kept": _amount_text(e.kept, e.currency),
                "paid_out": _amount_text(e.paid_out, e.currency),
                "savings_balance": _amount_text(e.savings_balance, e.currency),
            }
            for e in data["earnings"]
        ]
    return out


@router.post("/people/{code}/savings-payouts/", response={201: list[PayoutOut]})
def pay_out_savings(request, code: str, payload: PaidIn):
    person = get_person_for(request.auth, code)
    if not can_manage_person(request.auth, person):
        raise Http404
    payouts = services.pay_out_savings(by=request.auth, person=person, paid_on=payload.paid_on)
    return Status(
        201,
        [{"currency": p.currency, "amount": _amount_text(p.amount, p.currency), "paid_on": p.paid_on} for p in payouts],
    )
