"""Reads of organizations, facilities and regions, always scoped by the acting user."""

from django.db.models import Q, QuerySet
from django.http import Http404

from karama.core.access import scope_of
from karama.core.models import Facility, Organization, Region, User
from karama.core.text import search_tokens


def _agreement_model():
    from django.apps import apps

    return apps.get_model("agreements", "Agreement")


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    """Every organization for the operator; for an administration's people, its own registry and the
    parties to its agreements; for partner staff, their organization and its fellow parties."""
    scope = scope_of(user)
    organizations = Organization.objects.all()
    if scope.everywhere:
        return organizations
    if scope.reads_administration:
        agreements = _agreement_model().objects.filter(administration_id=scope.administration_id)
        return organizations.filter(
            Q(pk=scope.administration_id)
            | Q(administration_id=scope.administration_id)
            | Q(pk__in=agreements.values("parties__organization_id"))
        )
    if scope.is_partner:
        agreements = _agreement_model().objects.filter(parties__organization_id=scope.organization_id)
        return organizations.filter(
            Q(pk=scope.organization_id)
            | Q(pk__in=agreements.values("parties__organization_id"))
            | Q(pk__in=agreements.values("administration_id"))
        )
    return organizations.none()


def administrations_visible_to(user: User) -> QuerySet[Organization]:
    return organizations_visible_to(user).filter(kind=Organization.Kind.PRISON_ADMINISTRATION)


def administrations_managed_by(user: User) -> QuerySet[Organization]:
    ids = scope_of(user).manageable_administration_ids()
    administrations = Organization.objects.filter(kind=Organization.Kind.PRISON_ADMINISTRATION)
    return administrations if ids is None else administrations.filter(pk__in=ids)


def facilities_visible_to(user: User) -> QuerySet[Facility]:
    scope = scope_of(user)
    facilities = Facility.objects.select_related("administration", "region", "operator")
    if scope.everywhere:
        return facilities
    if scope.reads_administration:
        return facilities.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        agreements = _agreement_model().objects.filter(parties__organization_id=scope.organization_id)
        return facilities.filter(administration_id__in=agreements.values("administration_id"))
    return facilities.none()


def regions_visible_to(user: User) -> QuerySet[Region]:
    # Regions are public geography, not records of anyone; every signed-in user may pick them.
    return Region.objects.all()


def search_named(queryset: QuerySet, query: str) -> QuerySet:
    """Keep the rows whose stored search text holds every token of the query, in any language."""
    for token in search_tokens(query):
        queryset = queryset.filter(search_text__contains=token)
    return queryset


def get_organization_for(user: User, code: str) -> Organization:
    organization = organizations_visible_to(user).select_related("administration", "region").filter(code=code).first()
    if organization is None:
        raise Http404
    return organization


def get_facility_for(user: User, code: str) -> Facility:
    facility = facilities_visible_to(user).filter(code=code).first()
    if facility is None:
        raise Http404
    return facility
