"""API of the ventures app, mounted at /api/v1/ventures/.

Thin over the selectors and services: a project is fetched through `get_venture_for` (404 outside
one's scope), every write goes through `karama.ventures.services`, reads of one project are written
to the people access log, and amounts travel as exact decimal strings.
"""

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from karama.agreements.models import Budget
from karama.agreements.selectors import agreements_visible_to, get_agreement_for
from karama.core.access import scope_of
from karama.core.formatting import currency_precision
from karama.core.models import Region
from karama.people.models import AccessAction
from karama.people.selectors import get_person_for
from karama.people.services import log_access
from karama.ventures import services
from karama.ventures.models import (
    Decision,
    FollowUp,
    Help,
    IncomeBand,
    KitItem,
    Procurement,
    ProjectState,
    Sector,
    Stage,
    Venture,
)
from karama.ventures.selectors import (
    BoardFilters,
    agreement_report,
    agreement_ventures,
    can_ask_donors,
    can_fund,
    can_work_on,
    filter_ventures,
    follow_up_worklist,
    get_venture_for,
    venture_detail,
    ventures_visible_to,
    with_card_fields,
)

router = Router(tags=["ventures"])


def _money(amount, currency: str) -> str | None:
    if amount is None:
        return None
    return f"{amount:.{currency_precision(currency)}f}"


# Out ---------------------------------------------------------------------------------------------------


class VentureFields(Schema):
    code: str
    person: str = Field(..., description="The person's public code.")
    stage: Stage
    agreement: int | None
    sector: str
    activity: str
    region: str
    currency: str
    requested: str
    granted: str


class VentureSummaryOut(VentureFields):
    """A row of the list, resolved from the project as the board fetches it."""

    @staticmethod
    def resolve_code(venture: Venture) -> str:
        return venture.public_code

    @staticmethod
    def resolve_person(venture: Venture) -> str:
        return venture.person.public_code

    @staticmethod
    def resolve_agreement(venture: Venture) -> int | None:
        return venture.agreement_id

    @staticmethod
    def resolve_sector(venture: Venture) -> str:
        return venture.current_version.sector

    @staticmethod
    def resolve_activity(venture: Venture) -> str:
        return venture.current_version.activity

    @staticmethod
    def resolve_region(venture: Venture) -> str:
        return venture.current_version.region.code

    @staticmethod
    def resolve_requested(venture: Venture) -> str:
        return _money(venture.current_version.requested_total, venture.currency)

    @staticmethod
    def resolve_granted(venture: Venture) -> str:
        return _money(venture.granted or 0, venture.currency)


class VersionOut(Schema):
    number: int
    sector: str
    activity: str
    region: str
    locality: str
    training_and_experience: str
    equipment_description: str
    equipment_budget: str
    working_capital: str
    expected_monthly_income: str
    prepared_on: datetime.date
    prepared_by: str | None
    change_note: str


class ReviewOut(Schema):
    id: int
    version: int
    committee: str
    members: list[str]
    reviewed_on: datetime.date
    decision: Decision
    reasons: str
    approved_amount: str | None


class ShareOut(Schema):
    budget: int
    amount: str
    movement: int


class GrantOut(Schema):
    id: int
    kind: str
    agreement: int
    amount: str
    currency: str
    granted_on: datetime.date
    note: str
    shares: list[ShareOut]


class KitItemOut(Schema):
    id: int
    name: str
    quantity: int
    unit_cost: str
    total: str
    supplier: str
    serial_number: str


class KitOut(Schema):
    procurement: Procurement
    total: str
    items: list[KitItemOut]


class HandoverOut(Schema):
    handed_over_on: datetime.date
    place: str
    ceremony: str
    handed_over_by: str
    beneficiary_signed: bool
    has_receipt: bool


class FollowUpOut(Schema):
    id: int
    month_mark: int | None = Field(..., description="1, 3, 6 or 12 for a scheduled visit; null for one added.")
    due_on: datetime.date
    visited_on: datetime.date | None
    state: str
    income_band: str
    problems: str
    help_given: list[str]
    help_note: str


class SurvivalOut(Schema):
    months: int
    due: bool
    survived: bool | None = Field(..., description="Null while unknown or not yet due.")


class VentureOut(VentureFields):
    assessment: int | None
    equipment_case: str | None = Field(..., description="The giving case asking donors for missing equipment.")
    donated: str = Field(..., description="What donors paid the supplier through that case.")
    created_at: datetime.datetime
    versions: list[VersionOut]
    reviews: list[ReviewOut]
    grants: list[GrantOut]
    kit: KitOut | None
    handover: HandoverOut | None
    follow_ups: list[FollowUpOut]
    survival: list[SurvivalOut]


class WorkItemOut(Schema):
    follow_up: int
    venture: str
    person: str
    month_mark: int | None
    due_on: datetime.date
    days_late: int


class MoneyOut(Schema):
    currency: str
    committed: str
    handed_over: str
    remaining: str


class SurvivalFiguresOut(Schema):
    months: int
    due: int
    surviving: int
    not_surviving: int
    unknown: int
    rate: int | None = Field(..., description="Percent of the known that survived.")


class SectorOut(Schema):
    sector: str
    plans: int
    funded: int
    handed_over: int
    granted: dict[str, str]
    equipment: dict[str, str]
    survival: list[SurvivalFiguresOut]


class ReportOut(Schema):
    agreement: int
    beneficiaries_target: int | None
    beneficiaries_funded: int
    beneficiaries_handed_over: int
    money: list[MoneyOut]
    sectors: list[SectorOut]
    total: SectorOut


# In -----------------------------------------------------------------------------------------------------


class VentureQuery(Schema):
    agreement: int | None = None
    region: str = ""
    sector: str = ""
    stage: str = ""


class PlanFields(Schema):
    sector: Sector
    activity: str
    region: str = Field(..., description="Region code.")
    locality: str = ""
    training_and_experience: str = ""
    equipment_description: str = ""
    equipment_budget: str = "0"
    working_capital: str = "0"
    expected_monthly_income: str = "0"
    agreement: int | None = None
    prepared_on: datetime.date | None = Field(None, description="Today when left out.")


class PlanIn(PlanFields):
    person: str = Field(..., description="The person's public code.")
    currency: str


class RevisionIn(PlanFields):
    change_note: str = ""


class ReviewIn(Schema):
    reviewed_on: datetime.date
    members: list[str]
    decision: Decision
    reasons: str = ""
    committee: str = ""
    approved_amount: str | None = None


class ShareIn(Schema):
    budget: int
    amount: str


class GrantIn(Schema):
    agreement: int | None = Field(None, description="The project's agreement when left out.")
    shares: list[ShareIn]
    granted_on: datetime.date | None = None
    note: str = ""
    follow_up: int | None = Field(None, description="An extra grant: the visit that decided it.")


class KitItemIn(Schema):
    name: str
    quantity: int = 1
    unit_cost: str
    supplier: str = ""
    serial_number: str = ""


class ProcurementIn(Schema):
    procurement: Procurement


class HandoverIn(Schema):
    handed_over_on: datetime.date
    place: str
    handed_over_by: str
    ceremony: str = ""
    beneficiary_signed: bool = Field(
        ..., description="The paper receipt signed by the beneficiary is on file. (Photos are uploaded on the page.)"
    )


class FollowUpIn(Schema):
    follow_up: int | None = Field(None, description="A scheduled visit; left out for a visit not planned.")
    visited_on: datetime.date
    state: ProjectState
    income_band: IncomeBand
    problems: str = ""
    help_given: list[Help] = []
    help_note: str = ""


class VisitPlanIn(Schema):
    due_on: datetime.date


class DonorsIn(Schema):
    target: str = Field(..., description="The missing equipment's cost, asked of donors.")


class EquipmentCaseOut(Schema):
    case: str = Field(..., description="The giving app's case code (a draft until approved and published there).")
    status: str
    target: str
    currency: str


# Shaping ---------------------------------------------------------------------------------------------------


def _summary(venture: Venture) -> dict:
    version = venture.current_version
    return {
        "code": venture.public_code,
        "person": venture.person.public_code,
        "stage": venture.stage,
        "agreement": venture.agreement_id,
        "sector": version.sector,
        "activity": version.activity,
        "region": version.region.code,
        "currency": venture.currency,
        "requested": _money(version.requested_total, venture.currency),
        "granted": _money(getattr(venture, "granted", None) or 0, venture.currency),
    }


def _version(version, currency: str) -> dict:
    return {
        "number": version.number,
        "sector": version.sector,
        "activity": version.activity,
        "region": version.region.code,
        "locality": version.locality,
        "training_and_experience": version.training_and_experience,
        "equipment_description": version.equipment_description,
        "equipment_budget": _money(version.equipment_budget, currency),
        "working_capital": _money(version.working_capital, currency),
        "expected_monthly_income": _money(version.expected_monthly_income, currency),
        "prepared_on": version.prepared_on,
        "prepared_by": version.prepared_by.username if version.prepared_by else None,
        "change_note": version.change_note,
    }


def _venture_out(venture: Venture) -> dict:
    detail = venture_detail(venture)
    currency = venture.currency
    venture.granted = detail.granted
    out = _summary(venture)
    out.update(
        assessment=venture.assessment_id,
        equipment_case=venture.equipment_case.public_code if venture.equipment_case_id else None,
        donated=_money(detail.donated, currency),
        created_at=venture.created_at,
        versions=[_version(v, currency) for v in detail.versions],
        reviews=[
            {
                "id": r.pk,
                "version": r.version.number,
                "committee": r.committee,
                "members": r.member_list(),
                "reviewed_on": r.reviewed_on,
                "decision": r.decision,
                "reasons": r.reasons,
                "approved_amount": _money(r.approved_amount, currency),
            }
            for r in detail.reviews
        ],
        grants=[
            {
                "id": g.pk,
                "kind": g.kind,
                "agreement": g.agreement_id,
                "amount": _money(g.amount, currency),
                "currency": g.currency,
                "granted_on": g.granted_on,
                "note": g.note,
                "shares": [
                    {"budget": s.budget_id, "amount": _money(s.amount, currency), "movement": s.movement_id}
                    for s in g.shares.all()
                ],
            }
            for g in detail.grants
        ],
        kit=None,
        handover=None,
        follow_ups=[_follow_up(f) for f in detail.follow_ups],
        survival=[],
    )
    if detail.kit:
        out["kit"] = {
            "procurement": detail.kit.procurement,
            "total": _money(detail.kit_total, currency),
            "items": [_item(i, currency) for i in detail.items],
        }
    if detail.handover:
        h = detail.handover
        out["handover"] = {
            "handed_over_on": h.handed_over_on,
            "place": h.place,
            "ceremony": h.ceremony,
            "handed_over_by": h.handed_over_by,
            "beneficiary_signed": h.beneficiary_signed,
            "has_receipt": bool(h.receipt),
        }
        out["survival"] = [
            {
                "months": months,
                "due": bool(f.due),
                "survived": True if f.surviving else False if f.not_surviving else None,
            }
            for months, f in detail.survival.items()
        ]
    return out


def _item(item: KitItem, currency: str) -> dict:
    return {
        "id": item.pk,
        "name": item.name,
        "quantity": item.quantity,
        "unit_cost": _money(item.unit_cost, currency),
        "total": _money(item.total, currency),
        "supplier": item.supplier,
        "serial_number": item.serial_number,
    }


def _follow_up(visit: FollowUp) -> dict:
    return {
        "id": visit.pk,
        "month_mark": visit.month_mark,
        "due_on": visit.due_on,
        "visited_on": visit.visited_on,
        "state": visit.state,
        "income_band": visit.income_band,
        "problems": visit.problems,
        "help_given": list(visit.help_given),
        "help_note": visit.help_note,
    }


def _figures(figures) -> dict:
    return {
        "months": figures.months,
        "due": figures.due,
        "surviving": figures.surviving,
        "not_surviving": figures.not_surviving,
        "unknown": figures.unknown,
        "rate": figures.rate,
    }


def _sector(line) -> dict:
    return {
        "sector": line.sector or "all",
        "plans": line.plans,
        "funded": line.funded,
        "handed_over": line.handed_over,
        "granted": {currency: _money(amount, currency) for currency, amount in line.granted.items()},
        "equipment": {currency: _money(amount, currency) for currency, amount in line.equipment.items()},
        "survival": [_figures(f) for f in line.survival.values()],
    }


# Fetching ---------------------------------------------------------------------------------------------------


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _read(request, code: str) -> Venture:
    venture = get_venture_for(request.auth, code)
    log_access(
        user=request.auth,
        person=venture.person,
        action=AccessAction.API_READ,
        detail=f"venture {venture.public_code}",
        address=_address(request),
    )
    return venture


def _to_work_on(request, code: str) -> Venture:
    venture = get_venture_for(request.auth, code)
    if not can_work_on(request.auth, venture.person):
        raise Http404
    return venture


def _fresh(request, venture: Venture) -> dict:
    return _venture_out(get_venture_for(request.auth, venture.public_code))


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({"region": _("Unknown region.")})
    return region


def _agreement(request, pk: int | None):
    if pk is None:
        return None
    agreement = agreements_visible_to(request.auth).filter(pk=pk).first()
    if agreement is None:
        raise ValidationError({"agreement": _("Unknown agreement.")})
    return agreement


def _plan_values(payload: PlanFields) -> dict:
    return {
        "sector": payload.sector,
        "activity": payload.activity,
        "region": _region(payload.region),
        "locality": payload.locality,
        "training_and_experience": payload.training_and_experience,
        "equipment_budget": payload.equipment_budget,
        "working_capital": payload.working_capital,
        "expected_monthly_income": payload.expected_monthly_income,
        "equipment_description": payload.equipment_description,
    }


def _nobody_outside(request) -> None:
    if scope_of(request.auth).sees_nothing_internal:
        raise Http404


# Endpoints ----------------------------------------------------------------------------------------------------


@router.get("/", response=list[VentureSummaryOut])
@paginate(LimitOffsetPagination)
def list_ventures(request, filters: Query[VentureQuery]):
    """The projects the caller may see, the most recently changed first."""
    _nobody_outside(request)
    ventures = filter_ventures(
        ventures_visible_to(request.auth),
        BoardFilters(agreement=filters.agreement, region=filters.region, sector=filters.sector),
    )
    if filters.stage:
        ventures = ventures.filter(stage=filters.stage)
    return with_card_fields(ventures).order_by("-updated_at", "-pk")


@router.post("/", response={201: VentureOut})
def prepare_plan(request, payload: PlanIn):
    person = get_person_for(request.auth, payload.person.strip().upper())
    if not can_work_on(request.auth, person):
        raise Http404
    venture = services.prepare_plan(
        person=person,
        by=request.auth,
        currency=payload.currency,
        agreement=_agreement(request, payload.agreement),
        prepared_on=payload.prepared_on,
        **_plan_values(payload),
    )
    return Status(201, _fresh(request, venture))


@router.get("/follow-ups/due", response=list[WorkItemOut])
def follow_ups_due(request, days: int = Query(30, ge=0, le=365)):
    """The accompaniment centre's work list: visits overdue or due within `days` days."""
    _nobody_outside(request)
    today = timezone.localdate()
    return [
        {
            "follow_up": f.pk,
            "venture": f.venture.public_code,
            "person": f.venture.person.public_code,
            "month_mark": f.month_mark,
            "due_on": f.due_on,
            "days_late": max(0, (today - f.due_on).days),
        }
        for f in follow_up_worklist(request.auth, today, days)
    ]


@router.get("/agreements/{agreement_id}/report", response=ReportOut)
def report(request, agreement_id: int):
    """Per sector: plans, beneficiaries funded and equipped, money, and survival at 6 and 12 months."""
    agreement = get_agreement_for(request.auth, agreement_id)
    summary = agreement_ventures(agreement)
    lines, total = agreement_report(agreement)
    return {
        "agreement": agreement.pk,
        "beneficiaries_target": summary.target,
        "beneficiaries_funded": summary.funded,
        "beneficiaries_handed_over": summary.handed_over,
        "money": [
            {
                "currency": m.currency,
                "committed": _money(m.committed, m.currency),
                "handed_over": _money(m.handed_over, m.currency),
                "remaining": _money(m.remaining, m.currency),
            }
            for m in summary.money
        ],
        "sectors": [_sector(line) for line in lines],
        "total": _sector(total),
    }


@router.get("/{code}", response=VentureOut)
def get_venture(request, code: str):
    return _venture_out(_read(request, code))


@router.post("/{code}/versions", response={201: VentureOut})
def revise_plan(request, code: str, payload: RevisionIn):
    venture = _to_work_on(request, code)
    services.revise_plan(
        venture=venture,
        by=request.auth,
        change_note=payload.change_note,
        prepared_on=payload.prepared_on,
        agreement=_agreement(request, payload.agreement),
        **_plan_values(payload),
    )
    return Status(201, _fresh(request, venture))


@router.post("/{code}/submit", response=VentureOut)
def submit(request, code: str):
    venture = _to_work_on(request, code)
    services.submit_for_review(venture=venture, by=request.auth)
    return _fresh(request, venture)


@router.post("/{code}/reviews", response={201: VentureOut})
def record_review(request, code: str, payload: ReviewIn):
    venture = _to_work_on(request, code)
    services.record_review(
        venture=venture,
        by=request.auth,
        reviewed_on=payload.reviewed_on,
        members="\n".join(payload.members),
        decision=payload.decision,
        reasons=payload.reasons,
        committee=payload.committee,
        approved_amount=payload.approved_amount,
    )
    return Status(201, _fresh(request, venture))


@router.post("/{code}/grants", response={201: VentureOut})
def grant(request, code: str, payload: GrantIn):
    venture = get_venture_for(request.auth, code)
    if not can_fund(request.auth, venture):
        raise Http404
    agreement = _agreement(request, payload.agreement) or venture.agreement
    if agreement is None:
        raise ValidationError({"agreement": _("Choose the agreement that funds this project.")})
    budgets = {b.pk: b for b in Budget.objects.filter(agreement=agreement, pk__in=[s.budget for s in payload.shares])}
    if len(budgets) != len({s.budget for s in payload.shares}):
        raise ValidationError({"shares": _("Draw only on the budgets of the chosen agreement.")})
    follow_up = None
    if payload.follow_up is not None:
        follow_up = venture.follow_ups.filter(pk=payload.follow_up).first()
        if follow_up is None:
            raise ValidationError({"follow_up": _("Choose a visit of this project.")})
    services.grant_venture(
        venture=venture,
        by=request.auth,
        agreement=agreement,
        shares=[(budgets[s.budget], s.amount) for s in payload.shares],
        granted_on=payload.granted_on,
        note=payload.note,
        kind="extra" if venture.is_handed_over else "initial",
        follow_up=follow_up,
    )
    return Status(201, _fresh(request, venture))


@router.post("/{code}/kit/items", response={201: KitItemOut})
def add_kit_item(request, code: str, payload: KitItemIn):
    venture = _to_work_on(request, code)
    item = services.add_kit_item(venture=venture, by=request.auth, **payload.dict())
    return Status(201, _item(item, venture.currency))


@router.delete("/{code}/kit/items/{item_id}", response={204: None})
def remove_kit_item(request, code: str, item_id: int):
    venture = _to_work_on(request, code)
    item = KitItem.objects.filter(kit__venture=venture, pk=item_id).select_related("kit__venture__person").first()
    if item is None:
        raise Http404
    services.remove_kit_item(item=item, by=request.auth)
    return Status(204, None)


@router.post("/{code}/kit/procurement", response=VentureOut)
def set_procurement(request, code: str, payload: ProcurementIn):
    venture = _to_work_on(request, code)
    services.set_procurement(venture=venture, by=request.auth, procurement=payload.procurement)
    return _fresh(request, venture)


@router.post("/{code}/handover", response={201: VentureOut})
def hand_over(request, code: str, payload: HandoverIn):
    venture = _to_work_on(request, code)
    services.hand_over(venture=venture, by=request.auth, **payload.dict())
    return Status(201, _fresh(request, venture))


@router.post("/{code}/follow-ups", response={201: FollowUpOut})
def record_follow_up(request, code: str, payload: FollowUpIn):
    venture = _to_work_on(request, code)
    scheduled = None
    if payload.follow_up is not None:
        scheduled = venture.follow_ups.filter(pk=payload.follow_up).first()
        if scheduled is None:
            raise ValidationError({"follow_up": _("Choose a visit of this project.")})
    visit = services.record_follow_up(
        venture=venture,
        by=request.auth,
        follow_up=scheduled,
        visited_on=payload.visited_on,
        state=payload.state,
        income_band=payload.income_band,
        problems=payload.problems,
        help_given=payload.help_given,
        help_note=payload.help_note,
    )
    return Status(201, _follow_up(visit))


@router.post("/{code}/equipment-case", response={201: EquipmentCaseOut})
def ask_donors(request, code: str, payload: DonorsIn):
    """Open a giving case for the equipment the grant could not buy (staff who manage the person only)."""
    venture = _to_work_on(request, code)
    if not can_ask_donors(request.auth, venture):
        raise Http404
    case = services.ask_donors_for_equipment(venture=venture, by=request.auth, target=payload.target)
    return Status(
        201,
        {
            "case": case.public_code,
            "status": case.status,
            "target": _money(case.target, case.currency),
            "currency": case.currency,
        },
    )


@router.post("/{code}/follow-ups/planned", response={201: FollowUpOut})
def plan_follow_up(request, code: str, payload: VisitPlanIn):
    venture = _to_work_on(request, code)
    visit = services.plan_follow_up(venture=venture, by=request.auth, due_on=payload.due_on)
    return Status(201, _follow_up(visit))
