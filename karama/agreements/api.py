"""API for agreements, their parties, objectives, commitments, budgets and budget movements."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from karama.agreements import services
from karama.agreements.models import Agreement, BudgetMovement, Commitment, Domain, Party
from karama.agreements.selectors import (
    AgreementFilters,
    agreement_detail,
    agreement_list_for,
    get_agreement_for,
    get_agreement_to_manage,
)
from karama.core.formatting import currency_precision
from karama.core.selectors import organizations_visible_to

router = Router(tags=["agreements"])


def _money(amount, currency: str) -> str:
    """Amounts leave the API as exact decimal strings in the currency's minor units."""
    places = currency_precision(currency)
    return f"{amount:.{places}f}"


class PartyOut(Schema):
    id: int
    organization: str
    organization_name: str
    role: str
    representative_name: str
    representative_title: str
    deputy_name: str
    deputy_title: str

    @staticmethod
    def from_party(party: Party) -> "PartyOut":
        return PartyOut(
            id=party.pk,
            organization=party.organization.code,
            organization_name=party.organization.name,
            role=party.role,
            representative_name=party.representative_name,
            representative_title=party.representative_title,
            deputy_name=party.deputy_name,
            deputy_title=party.deputy_title,
        )


class CommitmentOut(Schema):
    id: int
    party: int | None
    description: str
    target_quantity: int | None
    unit: str
    due_on: datetime.date | None
    delivered_quantity: int


class MovementOut(Schema):
    id: int
    kind: str
    amount: str
    occurred_on: datetime.date
    reference: str
    note: str


class BudgetOut(Schema):
    id: int
    funder: int | None
    label: str
    currency: str
    amount: str
    total: str
    allocated: str
    remaining: str
    movements: list[MovementOut]


class AgreementFields(Schema):
    id: int
    reference: str
    kind: str
    status: str
    administration: str
    title: str
    names: dict[str, str]
    signed_on: datetime.date | None
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    domains: list[str]
    parties: list[str]


class AgreementSummaryOut(AgreementFields):
    @staticmethod
    def resolve_administration(agreement: Agreement) -> str:
        return agreement.administration.code

    @staticmethod
    def resolve_title(agreement: Agreement) -> str:
        return agreement.name

    @staticmethod
    def resolve_domains(agreement: Agreement) -> list[str]:
        return [d.domain for d in agreement.domains.all()]

    @staticmethod
    def resolve_parties(agreement: Agreement) -> list[str]:
        return [p.organization.code for p in agreement.parties.all()]


class AgreementOut(AgreementFields):
    original_language: str
    summary: str
    signed_place: str
    objectives: list[str]
    party_details: list[PartyOut]
    commitments: list[CommitmentOut]
    budgets: list[BudgetOut]


class AgreementIn(Schema):
    administration: str
    kind: Agreement.Kind
    reference: str
    names: dict[str, str]
    original_language: str = "en"
    summary: str = ""
    signed_on: datetime.date | None = None
    signed_place: str = ""
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    domains: list[Domain] = []


class AgreementPatch(Schema):
    kind: Agreement.Kind | None = None
    reference: str | None = None
    names: dict[str, str] | None = None
    original_language: str | None = None
    summary: str | None = None
    signed_on: datetime.date | None = None
    signed_place: str | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    domains: list[Domain] | None = None
    status: Agreement.Status | None = None


class PartyIn(Schema):
    organization: str
    role: Party.Role = Party.Role.SIGNATORY
    representative_name: str = ""
    representative_title: str = ""
    deputy_name: str = ""
    deputy_title: str = ""


class CommitmentIn(Schema):
    party: int | None = None
    description: str
    target_quantity: int | None = None
    unit: Commitment.Unit = Commitment.Unit.OTHER
    due_on: datetime.date | None = None


class ObjectiveIn(Schema):
    text: str


class BudgetIn(Schema):
    amount: str | int
    currency: str
    funder: int | None = None
    label: str = ""


class MovementIn(Schema):
    kind: BudgetMovement.Kind
    amount: str | int
    occurred_on: datetime.date | None = None
    reference: str = ""
    note: str = ""


class AgreementQuery(Schema):
    q: str = ""
    country: str = ""
    partner: str = ""
    partner_kind: str = ""
    domain: str = ""
    status: str = ""
    administration: str = ""


def _full(agreement: Agreement) -> AgreementOut:
    detail = agreement_detail(agreement)
    budgets = [
        BudgetOut(
            id=view.budget.pk,
            funder=view.budget.funder_id,
            label=view.budget.label,
            currency=view.budget.currency,
            amount=_money(view.initial, view.budget.currency),
            total=_money(view.total, view.budget.currency),
            allocated=_money(view.allocated, view.budget.currency),
            remaining=_money(view.remaining, view.budget.currency),
            movements=[
                MovementOut(
                    id=m.pk,
                    kind=m.kind,
                    amount=_money(m.amount, view.budget.currency),
                    occurred_on=m.occurred_on,
                    reference=m.reference,
                    note=m.note,
                )
                for m in view.movements
            ],
        )
        for view in detail.budgets
    ]
    return AgreementOut(
        id=agreement.pk,
        reference=agreement.reference,
        kind=agreement.kind,
        status=agreement.status,
        administration=agreement.administration.code,
        title=agreement.name,
        names=agreement.names,
        original_language=agreement.original_language,
        summary=agreement.summary,
        signed_on=agreement.signed_on,
        signed_place=agreement.signed_place,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        domains=[d.domain for d in detail.domains],
        parties=[p.organization.code for p in detail.parties],
        objectives=[o.text for o in detail.objectives],
        party_details=[PartyOut.from_party(p) for p in detail.parties],
        commitments=[
            CommitmentOut(
                id=c.pk,
                party=c.party_id,
                description=c.description,
                target_quantity=c.target_quantity,
                unit=c.unit,
                due_on=c.due_on,
                delivered_quantity=detail.progress[c.pk].delivered,
            )
            for c in detail.commitments
        ],
        budgets=budgets,
    )


@router.get("/", response=list[AgreementSummaryOut])
@paginate(LimitOffsetPagination)
def list_agreements(request, filters: Query[AgreementQuery]):
    values = filters.dict()
    values["query"] = values.pop("q")
    return agreement_list_for(request.auth, AgreementFilters(**values))


@router.get("/{int:agreement_id}/", response=AgreementOut)
def get_agreement(request, agreement_id: int):
    return _full(get_agreement_for(request.auth, agreement_id))


@router.post("/", response={201: AgreementOut})
def create_agreement(request, payload: AgreementIn):
    data = payload.dict()
    administration = (
        organizations_visible_to(request.auth)
        .filter(code=data.pop("administration"), kind="prison_administration")
        .first()
    )
    if administration is None:
        raise ValidationError({"administration": _("Unknown administration.")})
    agreement = services.create_agreement(by=request.auth, administration=administration, **data)
    return Status(201, _full(agreement))


@router.patch("/{int:agreement_id}/", response=AgreementOut)
def update_agreement(request, agreement_id: int, payload: AgreementPatch):
    agreement = get_agreement_to_manage(request.auth, agreement_id)
    changes = payload.dict(exclude_unset=True)
    status = changes.pop("status", None)
    domains = changes.pop("domains", None)
    with transaction.atomic():
        if changes or domains is not None:
            agreement = services.update_agreement(agreement=agreement, by=request.auth, domains=domains, **changes)
        if status and status != agreement.status:
            agreement = services.change_agreement_status(agreement=agreement, status=status, by=request.auth)
    return _full(get_agreement_for(request.auth, agreement_id))


def _party_of(agreement: Agreement, party_id: int | None, field: str = "party") -> Party | None:
    if party_id is None:
        return None
    party = agreement.parties.filter(pk=party_id).first()
    if party is None:
        raise ValidationError({field: _("Choose a party to this agreement.")})
    return party


@router.post("/{int:agreement_id}/parties/", response={201: PartyOut})
def add_party(request, agreement_id: int, payload: PartyIn):
    agreement = get_agreement_to_manage(request.auth, agreement_id)
    data = payload.dict()
    organization = organizations_visible_to(request.auth).filter(code=data.pop("organization")).first()
    if organization is None:
        raise ValidationError({"organization": _("Unknown organization.")})
    party = services.add_party(agreement=agreement, by=request.auth, organization=organization, **data)
    return Status(201, PartyOut.from_party(party))


@router.delete("/{int:agreement_id}/parties/{int:party_id}/", response={204: None})
def remove_party(request, agreement_id: int, party_id: int):
    agreement = get_agreement_to_manage(request.auth, agreement_id)
    party = agreement.parties.filter(pk=party_id).first()
    if party is None:
        raise Http404
    services.remove_party(party=party, by=request.auth)
    return Status(204, None)


@router.post("/{int:agreement_id}/objectives/", response={201: dict})
def add_objective(request, agreement_id: int, payload: ObjectiveIn):
    agreement = get_agreement_to_manage(request.auth, agreement_id)
    objective = services.add_objective(agreement=agreement, by=request.auth, text=payload.text)
    return Status(201, {"id": objective.pk, "text": objective.text})


@router.post("/{int:agreement_id}/commitments/", response={201: CommitmentOut})
def add_commitment(request, agreement_id: int, payload: CommitmentIn):
    agreement = get_agreement_to_manage(request.auth, agreement_id)
    data = payload.dict()
    data["party"] = _party_of(agreement, data.pop("party"))
    commitment = services.add_commitment(agreement=agreement, by=request.auth, **data)
    return Status(
        201,
        CommitmentOut(
            id=commitment.pk,
            party=commitment.party_id,
            description=commitment.description,
            target_quantity=commitment.target_quantity,
            unit=commitment.unit,
            due_on=commitment.due_on,
            delivered_quantity=0,
        ),
    )


@router.get("/{int:agreement_id}/commitments/", response=list[CommitmentOut])
def list_commitments(request, agreement_id: int):
    return _full(get_agreement_for(request.auth, agreement_id)).commitments


@router.post("/{int:agreement_id}/budgets/", response={201: BudgetOut})
def add_budget(request, agreement_id: int, payload: BudgetIn):
    agreement = get_agreement_to_manage(request.auth, agreement_id)
    data = payload.dict()
    data["funder"] = _party_of(agreement, data.pop("funder"), "funder")
    budget = services.add_budget(agreement=agreement, by=request.auth, **data)
    return Status(201, next(b for b in _full(agreement).budgets if b.id == budget.pk))


@router.get("/{int:agreement_id}/budgets/", response=list[BudgetOut])
def list_budgets(request, agreement_id: int):
    return _full(get_agreement_for(request.auth, agreement_id)).budgets


@router.post("/{int:agreement_id}/budgets/{int:budget_id}/movements/", response={201: MovementOut})
def add_movement(request, agreement_id: int, budget_id: int, payload: MovementIn):
    agreement = get_agreement_to_manage(request.auth, agreement_id)
    budget = agreement.budgets.filter(pk=budget_id).first()
    if budget is None:
        raise Http404
    movement = services.record_budget_movement(budget=budget, by=request.auth, **payload.dict())
    return Status(
        201,
        MovementOut(
            id=movement.pk,
            kind=movement.kind,
            amount=_money(movement.amount, budget.currency),
            occurred_on=movement.occurred_on,
            reference=movement.reference,
            note=movement.note,
        ),
    )
