"""API for organizations and facilities: thin over the core's selectors and services."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from karama.core import services
from karama.core.access import require_manage, scope_of
from karama.core.models import Facility, Organization, Region
from karama.core.selectors import (
    facilities_visible_to,
    get_facility_for,
    get_organization_for,
    organizations_visible_to,
    search_named,
)

router = Router(tags=["organizations"])


class OrganizationOut(Schema):
    code: str
    kind: str
    country: str
    name: str
    names: dict[str, str]
    original_language: str
    administration: str | None = Field(None, alias="administration.code")
    region: str | None = Field(None, alias="region.code")
    website: str
    email: str
    phone: str
    address: str


class OrganizationIn(Schema):
    code: str
    kind: Organization.Kind
    country: str = Field(..., min_length=2, max_length=2)
    names: dict[str, str]
    original_language: str = "en"
    administration: str | None = None
    region: str | None = None
    website: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""


class OrganizationPatch(Schema):
    kind: Organization.Kind | None = None
    country: str | None = None
    names: dict[str, str] | None = None
    original_language: str | None = None
    region: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None


class OrganizationFilters(Schema):
    q: str = ""
    kind: str = ""
    country: str = ""


class FacilityOut(Schema):
    code: str
    kind: str
    name: str
    names: dict[str, str]
    original_language: str
    administration: str = Field(..., alias="administration.code")
    operator: str | None = Field(None, alias="operator.code")
    region: str | None = Field(None, alias="region.code")
    country: str


class FacilityIn(Schema):
    code: str
    kind: Facility.Kind
    administration: str
    names: dict[str, str]
    original_language: str = "en"
    operator: str | None = None
    region: str | None = None
    country: str = Field(..., min_length=2, max_length=2)


class FacilityPatch(Schema):
    kind: Facility.Kind | None = None
    names: dict[str, str] | None = None
    original_language: str | None = None
    operator: str | None = None
    region: str | None = None
    country: str | None = None


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({"region": _("Unknown region.")})
    return region


def _organization_in_scope(request, code: str | None, field: str) -> Organization | None:
    if not code:
        return None
    organization = organizations_visible_to(request.auth).filter(code=code).first()
    if organization is None:
        raise ValidationError({field: _("Unknown organization.")})
    return organization


@router.get("/organizations/", response=list[OrganizationOut])
@paginate(LimitOffsetPagination)
def list_organizations(request, filters: Query[OrganizationFilters]) -> QuerySet[Organization]:
    organizations = organizations_visible_to(request.auth).select_related("administration", "region")
    if filters.q:
        organizations = search_named(organizations, filters.q)
    if filters.kind:
        organizations = organizations.filter(kind=filters.kind)
    if filters.country:
        organizations = organizations.filter(country=filters.country.upper())
    return organizations.order_by("code")


@router.get("/organizations/{code}/", response=OrganizationOut)
def get_organization(request, code: str):
    return get_organization_for(request.auth, code)


@router.post("/organizations/", response={201: OrganizationOut})
def create_organization(request, payload: OrganizationIn):
    data = payload.dict()
    administration = _organization_in_scope(request, data.pop("administration"), "administration")
    data["region"] = _region(data.pop("region"))
    organization = services.register_organization(
        by=request.auth, code=data.pop("code"), administration=administration, **data
    )
    return Status(201, organization)


@router.patch("/organizations/{code}/", response=OrganizationOut)
def update_organization(request, code: str, payload: OrganizationPatch):
    organization = get_organization_for(request.auth, code)
    require_manage(request.auth, organization.administration_id_for_scoping)
    changes = payload.dict(exclude_unset=True)
    if "region" in changes:
        changes["region"] = _region(changes["region"])
    return services.update_organization(organization=organization, by=request.auth, **changes)


@router.get("/facilities/", response=list[FacilityOut], tags=["facilities"])
@paginate(LimitOffsetPagination)
def list_facilities(request, q: str = "", administration: str = ""):
    facilities = facilities_visible_to(request.auth)
    if q:
        facilities = search_named(facilities, q)
    if administration:
        facilities = facilities.filter(administration__code=administration)
    return facilities.order_by("code")


@router.get("/facilities/{code}/", response=FacilityOut, tags=["facilities"])
def get_facility(request, code: str):
    return get_facility_for(request.auth, code)


@router.post("/facilities/", response={201: FacilityOut}, tags=["facilities"])
def create_facility(request, payload: FacilityIn):
    data = payload.dict()
    administration = _organization_in_scope(request, data.pop("administration"), "administration")
    if administration is None or not scope_of(request.auth).can_manage(administration.pk):
        raise Http404
    data["operator"] = _organization_in_scope(request, data.pop("operator"), "operator")
    data["region"] = _region(data.pop("region"))
    facility = services.register_facility(by=request.auth, code=data.pop("code"), administration=administration, **data)
    return Status(201, facility)


@router.patch("/facilities/{code}/", response=FacilityOut, tags=["facilities"])
def update_facility(request, code: str, payload: FacilityPatch):
    facility = get_facility_for(request.auth, code)
    require_manage(request.auth, facility.administration_id)
    changes = payload.dict(exclude_unset=True)
    if "operator" in changes:
        changes["operator"] = _organization_in_scope(request, changes["operator"], "operator")
    if "region" in changes:
        changes["region"] = _region(changes["region"])
    return services.update_facility(facility=facility, by=request.auth, **changes)
