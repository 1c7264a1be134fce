"""API of the support app, mounted at /api/v1/support/: coverage, requests, households' needs, packages and
disbursements. Thin over the support selectors (404 outside one's scope) and services; amounts are strings."""

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from karama.agreements.models import Agreement, Budget
from karama.agreements.selectors import agreements_visible_to
from karama.core.access import scope_of
from karama.core.crypto import decrypt
from karama.core.formatting import currency_precision
from karama.core.models import Organization, Region
from karama.people.models import AccessAction, Household
from karama.people.selectors import get_person_for
from karama.people.services import log_access
from karama.support import selectors, services
from karama.support.models import (
    Coverage,
    Disbursement,
    HouseholdNeed,
    NeedKind,
    Recurrence,
    SupportForm,
    SupportPackage,
    SupportRequest,
    Urgency,
)

router = Router(tags=["support"])


def _money(amount: Decimal | None, currency: str) -> str | None:
    if amount is None:
        return None
    return f"{amount:.{currency_precision(currency)}f}" if currency else str(amount)


class Mapped:
    """A queryset seen through a function: the pagination slices and counts it, and only the page is shaped."""

    def __init__(self, queryset, shape):
        self.queryset, self.shape = queryset, shape

    def all(self) -> "Mapped":
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, key):
        return [self.shape(row) for row in self.queryset[key]]


def _internal(request) -> None:
    if scope_of(request.auth).sees_nothing_internal:
        raise Http404


# Out ---------------------------------------------------------------------------------------------------


class CoverageOut(Schema):
    id: int
    association: str
    region: str
    administration: str
    starts_on: datetime.date
    ends_on: datetime.date | None

    @staticmethod
    def resolve_association(row: Coverage) -> str:
        return row.association.code

    @staticmethod
    def resolve_region(row: Coverage) -> str:
        return row.region.code

    @staticmethod
    def resolve_administration(row: Coverage) -> str:
        return row.administration.code


class RequestOut(Schema):
    code: str = Field(..., description="The request's reference, e.g. R-7K2M-9QXH.")
    status: str
    channel: str
    region: str
    administration: str
    association: str | None
    created_at: datetime.datetime
    language: str
    contact_name: str
    contact_relation: str
    contact_phone: str = Field(..., description="Stored encrypted; shown to those who must call the family.")
    prisoner_name: str
    has_prisoner_national_id: bool = Field(..., description="The ID itself is never returned.")
    household_size: int | None
    children: int | None
    needs: list[str]
    message: str
    checked_on: datetime.date | None
    check_note: str
    household: str | None
    rejection_reason: str
    decision_note: str


def _request(row: SupportRequest) -> dict:
    return {
        "code": row.public_code,
        "status": row.status,
        "channel": row.channel,
        "region": row.region.code,
        "administration": row.administration.code,
        "association": row.association.code if row.association_id else None,
        "created_at": row.created_at,
        "language": row.language,
        "contact_name": row.contact_name,
        "contact_relation": row.contact_relation,
        "contact_phone": decrypt(row.contact_phone_encrypted),
        "prisoner_name": row.prisoner_name,
        "has_prisoner_national_id": bool(row.prisoner_national_id_hash),
        "household_size": row.household_size,
        "children": row.children,
        "needs": row.needs,
        "message": row.message,
        "checked_on": row.checked_on,
        "check_note": row.check_note,
        "household": row.household.public_code if row.household_id else None,
        "rejection_reason": row.rejection_reason,
        "decision_note": row.decision_note,
    }


class ReceivedOut(Schema):
    cash: dict[str, str] = Field(..., description="Cash received, by currency.")
    in_kind: int = Field(..., description="Handovers in kind.")
    last_on: datetime.date | None


class HouseholdOut(Schema):
    code: str
    person: str = Field(..., description="Public code of the prisoner's record.")
    region: str | None
    supporting_association: str | None
    supported: bool = Field(..., description="Checked face to face and accepted for support.")


class HouseholdDetailOut(HouseholdOut):
    open_needs: int
    received: ReceivedOut


def _household(household: Household) -> dict:
    return {
        "code": household.public_code,
        "person": household.person.public_code,
        "region": household.region.code if household.region_id else None,
        "supporting_association": (
            household.supporting_association.code if household.supporting_association_id else None
        ),
        "supported": bool(getattr(household, "supported", False)),
    }


class EvidenceOut(Schema):
    id: uuid.UUID
    title: str
    content_type: str
    size: int
    uploaded_at: datetime.datetime


class NeedOut(Schema):
    id: uuid.UUID
    household: str
    kind: str
    description: str
    amount: str | None
    currency: str
    items: str
    recurrence: str
    urgency: str
    status: str
    status_note: str
    assessed_on: datetime.date
    assessing_organization: str
    covering_association: str | None
    evidence: list[EvidenceOut]


def _need(need: HouseholdNeed) -> dict:
    return {
        "id": need.uuid,
        "household": need.household.public_code,
        "kind": need.kind,
        "description": need.description,
        "amount": _money(need.amount, need.currency),
        "currency": need.currency,
        "items": need.items,
        "recurrence": need.recurrence,
        "urgency": need.urgency,
        "status": need.status,
        "status_note": need.status_note,
        "assessed_on": need.assessed_on,
        "assessing_organization": need.assessing_organization.code,
        "covering_association": need.covering_association.code if need.covering_association_id else None,
        "evidence": [
            {
                "id": item.uuid,
                "title": item.title,
                "content_type": item.content_type,
                "size": item.size,
                "uploaded_at": item.uploaded_at,
            }
            for item in need.evidence.all()
        ],
    }


class PackageOut(Schema):
    id: uuid.UUID
    household: str
    association: str
    agreement: int | None
    budget: int | None
    form: str
    amount: str | None
    currency: str
    items: str
    recurrence: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    status: str
    description: str
    needs: list[uuid.UUID]


def _package(package: SupportPackage) -> dict:
    return {
        "id": package.uuid,
        "household": package.household.public_code,
        "association": package.association.code,
        "agreement": package.agreement_id,
        "budget": package.budget_id,
        "form": package.form,
        "amount": _money(package.amount, package.currency),
        "currency": package.currency,
        "items": package.items,
        "recurrence": package.recurrence,
        "starts_on": package.starts_on,
        "ends_on": package.ends_on,
        "status": package.status,
        "description": package.description,
        "needs": [need.uuid for need in package.needs.all()],
    }


class DisbursementOut(Schema):
    id: uuid.UUID
    household: str
    package: uuid.UUID
    association: str
    form: str
    amount: str | None
    currency: str
    items: str
    estimated_value: str | None
    disbursed_on: datetime.date
    reference: str
    note: str
    status: str
    refusal_reason: str


def _disbursement(item: Disbursement) -> dict:
    return {
        "id": item.uuid,
        "household": item.household.public_code,
        "package": item.package.uuid,
        "association": item.association.code,
        "form": item.form,
        "amount": _money(item.amount, item.currency),
        "currency": item.currency,
        "items": item.items,
        "estimated_value": _money(item.estimated_value, item.currency),
        "disbursed_on": item.disbursed_on,
        "reference": item.reference,
        "note": item.note,
        "status": item.status,
        "refusal_reason": item.refusal_reason,
    }


# In -----------------------------------------------------------------------------------------------------


class CoverageIn(Schema):
    association: str
    region: str
    starts_on: datetime.date | None = None


class RequestQuery(Schema):
    status: SupportRequest.Status | None = Field(
        None, description="Open requests (received or awaiting link) if left out."
    )
    region: str = ""


class CheckIn(Schema):
    checked_on: datetime.date
    confirmed: bool = True
    note: str = ""
    rejection_reason: SupportRequest.RejectionReason | None = Field(None, description="Required when not confirmed.")


class LinkIn(Schema):
    person: str = Field(..., description="Public code of the prisoner's record.")
    record_consent: bool = Field(True, description="Record the prisoner's consent to share the household.")


class RejectIn(Schema):
    reason: SupportRequest.RejectionReason
    note: str = ""


class AssignIn(Schema):
    association: str


class NeedQuery(Schema):
    status: HouseholdNeed.Status | None = Field(None, description="Open and being met if left out.")
    kind: NeedKind | None = None
    urgency: Urgency | None = None


class NeedIn(Schema):
    kind: NeedKind
    amount: str | None = Field(None, description='Exact decimal text, e.g. "1500000"; or give items.')
    currency: str = ""
    items: str = ""
    description: str = ""
    recurrence: Recurrence = Recurrence.ONE_OFF
    urgency: Urgency = Urgency.MEDIUM
    assessed_on: datetime.date | None = None


class NeedPatch(Schema):
    status: HouseholdNeed.Status
    note: str = ""


class PackageIn(Schema):
    form: SupportForm
    association: str | None = Field(None, description="Administrators only; an association gives its own packages.")
    agreement: int | None = None
    budget: int | None = None
    amount: str | None = None
    currency: str = ""
    items: str = ""
    recurrence: Recurrence = Recurrence.ONE_OFF
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    description: str = ""
    needs: list[uuid.UUID] = []


class PackagePatch(Schema):
    status: SupportPackage.Status


class DisbursementIn(Schema):
    disbursed_on: datetime.date | None = None
    amount: str | None = Field(None, description="Cash: the package's amount if left out.")
    items: str = ""
    estimated_value: str | None = None
    reference: str = ""
    note: str = ""


class DisbursementQuery(Schema):
    status: Disbursement.Status | None = None


class RefuseIn(Schema):
    reason: str


# Coverage -------------------------------------------------------------------------------------------------


@router.get("/coverage/", response=list[CoverageOut])
def list_coverage(request):
    _internal(request)
    return selectors.coverage_visible_to(request.auth).order_by("region__code", "association__code")


@router.post("/coverage/", response={201: CoverageOut})
def add_coverage(request, payload: CoverageIn):
    association = selectors.associations_for(request.auth).filter(code=payload.association).first()
    if association is None:
        raise ValidationError({"association": _("Unknown organization.")})
    region = Region.objects.filter(code=payload.region).first()
    if region is None:
        raise ValidationError({"region": _("Unknown region.")})
    row = services.add_coverage(by=request.auth, association=association, region=region, starts_on=payload.starts_on)
    return Status(201, row)


# Requests ----------------------------------------------------------------------------------------------------


@router.get("/requests/", response=list[RequestOut])
@paginate(LimitOffsetPagination)
def list_requests(request, filters: Query[RequestQuery]):
    _internal(request)
    rows = selectors.requests_visible_to(request.auth)
    if filters.status:
        rows = rows.filter(status=filters.status)
    else:
        rows = rows.filter(status__in=services.OPEN_REQUEST_STATUSES)
    if filters.region:
        rows = rows.filter(region__code=filters.region)
    return Mapped(rows.order_by("-created_at", "-pk"), _request)


@router.get("/requests/{code}/", response=RequestOut)
def get_request(request, code: str):
    return _request(selectors.get_request_for(request.auth, code))


def _refetch(request, code: str) -> dict:
    return _request(selectors.get_request_for(request.auth, code))


@router.post("/requests/{code}/check/", response=RequestOut)
def check_request(request, code: str, payload: CheckIn):
    row = selectors.get_request_for(request.auth, code)
    services.record_check(
        request=row,
        by=request.auth,
        checked_on=payload.checked_on,
        note=payload.note,
        confirmed=payload.confirmed,
        rejection_reason=payload.rejection_reason or "",
    )
    return _refetch(request, code)


@router.post("/requests/{code}/link/", response=RequestOut)
def link_request(request, code: str, payload: LinkIn):
    row = selectors.get_request_for(request.auth, code)
    try:
        person = get_person_for(request.auth, payload.person.strip().upper())
    except Http404:
        raise ValidationError({"person": _("No record with this public code in your scope.")}) from None
    services.link_request(request=row, by=request.auth, person=person, record_consent=payload.record_consent)
    return _refetch(request, code)


@router.post("/requests/{code}/reject/", response=RequestOut)
def reject_request(request, code: str, payload: RejectIn):
    row = selectors.get_request_for(request.auth, code)
    services.reject_request(request=row, by=request.auth, reason=payload.reason, note=payload.note)
    return _refetch(request, code)


@router.post("/requests/{code}/assign/", response=RequestOut)
def assign_request(request, code: str, payload: AssignIn):
    row = selectors.get_request_for(request.auth, code)
    association = Organization.objects.filter(code=payload.association, kind=Organization.Kind.ASSOCIATION).first()
    if association is None:
        raise ValidationError({"association": _("Unknown organization.")})
    services.assign_request(request=row, by=request.auth, association=association)
    return _refetch(request, code)


# Households ----------------------------------------------------------------------------------------------------


def _household_for(request, code: str, detail: str) -> Household:
    household = selectors.get_household_for(request.auth, code)
    log_access(
        user=request.auth,
        person=household.person,
        action=AccessAction.API_READ,
        detail=detail,
        address=request.META.get("REMOTE_ADDR"),
    )
    return household


@router.get("/households/", response=list[HouseholdOut])
@paginate(LimitOffsetPagination)
def list_households(request):
    _internal(request)
    from django.db.models import Exists, OuterRef

    accepted = SupportRequest.objects.filter(household=OuterRef("pk"), status=SupportRequest.Status.ACCEPTED)
    households = selectors.households_visible_to(request.auth).annotate(supported=Exists(accepted))
    return Mapped(households.order_by("public_code"), _household)


@router.get("/households/{code}/", response=HouseholdDetailOut)
def get_household(request, code: str):
    household = _household_for(request, code, "support household")
    support = selectors.household_support(household)
    household.supported = support.accepted
    received = support.received
    return {
        **_household(household),
        "open_needs": sum(1 for need in support.needs if need.is_open),
        "received": {
            "cash": {currency: _money(total, currency) for currency, total in received.cash.items()},
            "in_kind": received.in_kind,
            "last_on": received.last_on,
        },
    }


@router.get("/households/{code}/needs/", response=list[NeedOut])
def list_household_needs(request, code: str):
    household = _household_for(request, code, "support needs")
    needs = household.support_needs.select_related("household", "assessing_organization", "covering_association")
    return [_need(need) for need in needs.prefetch_related("evidence")]


@router.post("/households/{code}/needs/", response={201: NeedOut})
def record_need(request, code: str, payload: NeedIn):
    household = selectors.get_household_for(request.auth, code)
    need = services.record_need(household=household, by=request.auth, **payload.dict())
    return Status(201, _need(need))


@router.get("/households/{code}/packages/", response=list[PackageOut])
def list_household_packages(request, code: str):
    household = _household_for(request, code, "support packages")
    packages = household.support_packages.select_related("household", "association").prefetch_related("needs")
    return [_package(package) for package in packages]


def _agreement(request, pk: int | None) -> Agreement | None:
    if pk is None:
        return None
    agreement = agreements_visible_to(request.auth).filter(pk=pk).first()
    if agreement is None:
        raise ValidationError({"agreement": _("Unknown agreement.")})
    return agreement


@router.post("/households/{code}/packages/", response={201: PackageOut})
def create_package(request, code: str, payload: PackageIn):
    household = selectors.get_household_for(request.auth, code)
    data = payload.dict()
    agreement = _agreement(request, data.pop("agreement"))
    budget_pk = data.pop("budget")
    budget = Budget.objects.filter(pk=budget_pk, agreement=agreement).first() if budget_pk and agreement else None
    if budget_pk and budget is None:
        raise ValidationError({"budget": _("Choose a budget of this agreement in the package's currency.")})
    association_code = data.pop("association")
    association = None
    if association_code:
        association = selectors.associations_for(request.auth).filter(code=association_code).first()
        if association is None:
            raise ValidationError({"association": _("Unknown organization.")})
    needs = list(household.support_needs.filter(uuid__in=data.pop("needs")))
    package = services.create_package(
        household=household,
        by=request.auth,
        agreement=agreement,
        budget=budget,
        association=association,
        needs=needs,
        **data,
    )
    return Status(201, _package(package))


@router.get("/households/{code}/disbursements/", response=list[DisbursementOut])
def list_household_disbursements(request, code: str):
    household = _household_for(request, code, "support disbursements")
    items = household.support_disbursements.select_related("household", "package", "association")
    return [_disbursement(item) for item in items]


# Needs -------------------------------------------------------------------------------------------------------------


@router.get("/needs/", response=list[NeedOut])
@paginate(LimitOffsetPagination)
def list_needs(request, filters: Query[NeedQuery]):
    _internal(request)
    needs = selectors.needs_visible_to(request.auth).prefetch_related("evidence")
    needs = needs.filter(status=filters.status) if filters.status else needs.filter(status__in=["open", "in_progress"])
    if filters.kind:
        needs = needs.filter(kind=filters.kind)
    if filters.urgency:
        needs = needs.filter(urgency=filters.urgency)
    return Mapped(needs.order_by("-assessed_on", "-pk"), _need)


@router.get("/needs/{need_id}/", response=NeedOut)
def get_need(request, need_id: uuid.UUID):
    need = selectors.get_need_for(request.auth, need_id)
    log_access(
        user=request.auth,
        person=need.household.person,
        action=AccessAction.API_READ,
        detail="support need",
        address=request.META.get("REMOTE_ADDR"),
    )
    return _need(need)


@router.patch("/needs/{need_id}/", response=NeedOut)
def change_need_status(request, need_id: uuid.UUID, payload: NeedPatch):
    need = selectors.get_need_for(request.auth, need_id)
    services.change_need_status(need=need, by=request.auth, status=payload.status, note=payload.note)
    return _need(selectors.get_need_for(request.auth, need_id))


# Packages and disbursements ------------------------------------------------------------------------------------


@router.patch("/packages/{package_id}/", response=PackageOut)
def change_package_status(request, package_id: uuid.UUID, payload: PackagePatch):
    package = selectors.get_package_for(request.auth, package_id)
    return _package(services.change_package_status(package=package, by=request.auth, status=payload.status))


@router.post("/packages/{package_id}/disbursements/", response={201: DisbursementOut})
def record_disbursement(request, package_id: uuid.UUID, payload: DisbursementIn):
    package = selectors.get_package_for(request.auth, package_id)
    item = services.record_disbursement(package=package, by=request.auth, **payload.dict())
    return Status(201, _disbursement(item))


@router.get("/disbursements/", response=list[DisbursementOut])
@paginate(LimitOffsetPagination)
def list_disbursements(request, filters: Query[DisbursementQuery]):
    _internal(request)
    items = selectors.disbursements_visible_to(request.auth)
    if filters.status:
        items = items.filter(status=filters.status)
    return Mapped(items.order_by("-disbursed_on", "-pk"), _disbursement)


def _pending(request, disbursement_id: uuid.UUID) -> Disbursement:
    item = selectors.awaiting_approval(request.auth).filter(uuid=disbursement_id).first()
    if item is None:
        raise Http404
    return item


@router.post("/disbursements/{disbursement_id}/approve/", response=DisbursementOut)
def approve_disbursement(request, disbursement_id: uuid.UUID):
    item = services.approve_disbursement(disbursement=_pending(request, disbursement_id), by=request.auth)
    return _disbursement(selectors.get_disbursement_for(request.auth, item.uuid))


@router.post("/disbursements/{disbursement_id}/refuse/", response=DisbursementOut)
def refuse_disbursement(request, disbursement_id: uuid.UUID, payload: RefuseIn):
    item = services.refuse_disbursement(
        disbursement=_pending(request, disbursement_id), by=request.auth, reason=payload.reason
    )
    return _disbursement(selectors.get_disbursement_for(request.auth, item.uuid))
