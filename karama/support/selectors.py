"""Reads of family support, always scoped by the acting user.

`households_visible_to(user)` is the only road to the households this app shows: the administration's
staff see their people's households (facility staff only their facility's), and a support association
sees only the households it covers — in a region it covers, or naming it as their supporting association —
of people who consented to share their household with it. Everything else (needs, packages,
disbursements) is reached through those households.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from karama.core.access import scope_of
from karama.core.models import Organization, Region, User
from karama.people.models import Household, Person
from karama.people.selectors import PURPOSE_SECTIONS, active_consents, can_manage_person, people_visible_to
from karama.support.models import (
    URGENCY_RANK,
    Coverage,
    Disbursement,
    HouseholdNeed,
    NeedEvidence,
    SupportPackage,
    SupportRequest,
)

# Consent purposes that open a person's household to a partner (family support, aftercare).
HOUSEHOLD_PURPOSES = sorted(purpose for purpose, sections in PURPOSE_SECTIONS.items() if "household" in sections)


def active_coverage(today: datetime.date | None = None) -> QuerySet[Coverage]:
    today = today or timezone.localdate()
    return Coverage.objects.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def _covered_by(organization_id: int) -> Q:
    """Households an association covers: in a region it covers for their administration, or naming it."""
    coverage = active_coverage().filter(
        association_id=organization_id,
        region_id=OuterRef("region_id"),
        administration_id=OuterRef("person__administration_id"),
    )
    return Q(Exists(coverage)) | Q(supporting_association_id=organization_id)


def households_visible_to(user: User) -> QuerySet[Household]:
    scope = scope_of(user)
    households = Household.objects.select_related("person", "region", "supporting_association")
    if scope.everywhere:
        return households
    if scope.role == "facility_staff" and scope.facility_id:
        return households.filter(person__facility_id=scope.facility_id)
    if scope.reads_administration:
        return households.filter(person__administration_id=scope.administration_id)
    if scope.is_partner:
        consent = active_consents(scope.organization_id).filter(
            person=OuterRef("person_id"), purpose__in=HOUSEHOLD_PURPOSES
        )
        return households.filter(_covered_by(scope.organization_id)).filter(Exists(consent))
    return households.none()


def get_household_for(user: User, code: str) -> Household:
    household = households_visible_to(user).filter(public_code=(code or "").strip().upper()).first()
    if household is None:
        raise Http404
    return household


def can_assess(user: User, household: Household) -> bool:
    """Record needs: the covering association's staff, and the facility staff or administrators of the person."""
    scope = scope_of(user)
    if scope.is_partner:
        return households_visible_to(user).filter(pk=household.pk).exists()
    return can_manage_person(user, household.person)


def can_give(user: User, household: Household) -> bool:
    """Create packages and record disbursements: a covering association, or the administration."""
    scope = scope_of(user)
    if scope.is_partner:
        return _is_association(scope.organization_id) and households_visible_to(user).filter(pk=household.pk).exists()
    return scope.can_manage(household.person.administration_id)


def _is_association(organization_id: int | None) -> bool:
    return Organization.objects.filter(pk=organization_id, kind=Organization.Kind.ASSOCIATION).exists()


def has_accepted_request(household: Household) -> bool:
    return SupportRequest.objects.filter(household=household, status=SupportRequest.Status.ACCEPTED).exists()


# Requests -------------------------------------------------------------------------------------------


def requests_visible_to(user: User) -> QuerySet[SupportRequest]:
    """The association a request is routed to; the administration's administrators and auditors; facility staff
    for their people (once linked, or when the prisoner's national ID matches one of them)."""
    scope = scope_of(user)
    requests = SupportRequest.objects.select_related("region", "association", "administration", "household")
    if scope.everywhere:
        return requests
    if scope.role == "facility_staff" and scope.facility_id:
        match = Person.objects.filter(
            facility_id=scope.facility_id,
            administration_id=OuterRef("administration_id"),
            national_id_hash=OuterRef("prisoner_national_id_hash"),
        )
        return requests.filter(
            Q(household__person__facility_id=scope.facility_id) | ~Q(prisoner_national_id_hash="") & Q(Exists(match))
        )
    if scope.reads_administration:
        return requests.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        return requests.filter(association_id=scope.organization_id)
    return requests.none()


def get_request_for(user: User, code: str) -> SupportRequest:
    request = requests_visible_to(user).filter(public_code=(code or "").strip().upper()).first()
    if request is None:
        raise Http404
    return request


def can_check(user: User, request: SupportRequest) -> bool:
    """The face-to-face check is the routed association's (or an administrator's, for the administration)."""
    scope = scope_of(user)
    if scope.is_partner:
        return request.association_id == scope.organization_id
    return scope.can_manage(request.administration_id)


def can_link(user: User) -> bool:
    """Linking a request to a person's record is for those who manage people records."""
    return scope_of(user).role in {"operator", "national_admin", "facility_staff"}


def link_candidates(user: User, request: SupportRequest) -> QuerySet[Person]:
    """People of the request's administration this user manages whose national ID matches the one given."""
    if not request.prisoner_national_id_hash or not can_link(user):
        return Person.objects.none()
    return (
        people_visible_to(user)
        .filter(administration_id=request.administration_id, national_id_hash=request.prisoner_national_id_hash)
        .select_related("facility")
    )


def regions_for_public_form() -> QuerySet[Region]:
    """Regions of the countries whose prison administration uses this installation."""
    countries = Organization.objects.filter(kind=Organization.Kind.PRISON_ADMINISTRATION).values("country")
    return Region.objects.filter(country__in=countries).order_by("country", "code")


# Coverage -------------------------------------------------------------------------------------------


def coverage_visible_to(user: User) -> QuerySet[Coverage]:
    scope = scope_of(user)
    coverage = Coverage.objects.select_related("association", "region", "administration")
    if scope.everywhere:
        return coverage
    if scope.reads_administration:
        return coverage.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        return coverage.filter(association_id=scope.organization_id)
    return coverage.none()


def associations_for(user: User, administration_id: int | None = None) -> QuerySet[Organization]:
    """Support associations this user may choose (to cover a region, give a package, take a request)."""
    from karama.core.selectors import organizations_visible_to

    associations = organizations_visible_to(user).filter(kind=Organization.Kind.ASSOCIATION)
    if administration_id is not None:
        associations = associations.filter(administration_id=administration_id)
    return associations.order_by("code")


# Needs, packages, disbursements ------------------------------------------------------------------------


def needs_visible_to(user: User) -> QuerySet[HouseholdNeed]:
    return HouseholdNeed.objects.filter(household__in=households_visible_to(user).values("pk")).select_related(
        "household", "assessing_organization", "covering_association", "assessed_by"
    )


def get_need_for(user: User, uuid) -> HouseholdNeed:
    need = needs_visible_to(user).filter(uuid=uuid).first()
    if need is None:
        raise Http404
    return need


def get_evidence_for(user: User, uuid) -> NeedEvidence:
    evidence = NeedEvidence.objects.filter(uuid=uuid, need__in=needs_visible_to(user).values("pk")).first()
    if evidence is None:
        raise Http404
    return evidence


def packages_visible_to(user: User) -> QuerySet[SupportPackage]:
    return SupportPackage.objects.filter(household__in=households_visible_to(user).values("pk")).select_related(
        "household", "association", "agreement", "budget"
    )


def get_package_for(user: User, uuid) -> SupportPackage:
    package = packages_visible_to(user).filter(uuid=uuid).first()
    if package is None:
        raise Http404
    return package


def disbursements_visible_to(user: User) -> QuerySet[Disbursement]:
    return Disbursement.objects.filter(household__in=households_visible_to(user).values("pk")).select_related(
        "household", "association", "package", "recorded_by"
    )


def get_disbursement_for(user: User, uuid) -> Disbursement:
    disbursement = disbursements_visible_to(user).filter(uuid=uuid).first()
    if disbursement is None:
        raise Http404
    return disbursement


def awaiting_approval(user: User) -> QuerySet[Disbursement]:
    """Disbursements an administrator may approve: those of administrations they manage, oldest first."""
    ids = scope_of(user).manageable_administration_ids()
    pending = disbursements_visible_to(user).filter(status=Disbursement.Status.AWAITING_APPROVAL)
    if ids is not None:
        pending = pending.filter(administration_id__in=ids)
    return pending.select_related("package__agreement", "package__budget").order_by("created_at", "pk")


# Pages ---------------------------------------------------------------------------------------------------


@dataclass
class Received:
    """What a household received, by currency for cash and counted for in-kind handovers."""

    cash: dict[str, Decimal] = field(default_factory=dict)
    in_kind: int = 0
    last_on: datetime.date | None = None


@dataclass
class HouseholdSupport:
    household: Household
    requests: list[SupportRequest]
    needs: list[HouseholdNeed]
    packages: list[SupportPackage]
    disbursements: list[Disbursement]
    received: Received
    accepted: bool
    covering_association: Organization | None = None


def household_support(household: Household) -> HouseholdSupport:
    """Everything the household's support page shows, in a fixed number of queries."""
    needs = list(
        household.support_needs.select_related("assessing_organization", "covering_association", "assessed_by")
        .prefetch_related("evidence")
        .order_by("status", "-assessed_on", "-pk")
    )
    needs.sort(key=lambda need: (not need.is_open, URGENCY_RANK.get(need.urgency, 9)))
    disbursements = list(
        household.support_disbursements.select_related("association", "package", "recorded_by").order_by(
            "-disbursed_on", "-pk"
        )
    )
    packages = list(
        household.support_packages.select_related("association", "agreement", "budget").prefetch_related(
            Prefetch("needs", queryset=HouseholdNeed.objects.only("pk", "kind", "household_id"))
        )
    )
    requests = list(household.support_requests.select_related("association").order_by("-created_at"))
    accepted = next((r for r in requests if r.status == SupportRequest.Status.ACCEPTED), None)
    return HouseholdSupport(
        household=household,
        requests=requests,
        needs=needs,
        packages=packages,
        disbursements=disbursements,
        received=received_by(disbursements),
        accepted=accepted is not None,
        covering_association=household.supporting_association or (accepted.association if accepted else None),
    )


def attach_covering_associations(households: list[Household]) -> None:
    """Each household's covering association (the one it names, else the one that accepted it), in one query."""
    missing = [household.pk for household in households if household.supporting_association_id is None]
    accepted = {
        request.household_id: request.association
        for request in SupportRequest.objects.filter(
            household_id__in=missing, status=SupportRequest.Status.ACCEPTED
        ).select_related("association")
    }
    for household in households:
        household.covering = household.supporting_association or accepted.get(household.pk)


def received_by(disbursements: list[Disbursement]) -> Received:
    cash: dict[str, Decimal] = defaultdict(Decimal)
    received = Received()
    for disbursement in disbursements:
        if disbursement.status != Disbursement.Status.DISBURSED:
            continue
        if disbursement.form == "cash":
            cash[disbursement.currency] += disbursement.amount
        else:
            received.in_kind += 1
        if received.last_on is None or disbursement.disbursed_on > received.last_on:
            received.last_on = disbursement.disbursed_on
    received.cash = dict(sorted(cash.items()))
    return received


# What agreements delivered --------------------------------------------------------------------------------


def families_supported(commitment_ids: list[int]) -> dict[int, int]:
    """Delivered quantity of "families supported" commitments: households that received at least one
    disbursement under a package drawing on the commitment's agreement — only the committed association's,
    when the commitment names an association as its party."""
    from karama.agreements.models import Commitment

    commitments = list(
        Commitment.objects.filter(pk__in=commitment_ids, unit=Commitment.Unit.FAMILIES).select_related(
            "party__organization"
        )
    )
    if not commitments:
        return {}
    rows = (
        Disbursement.objects.filter(
            status=Disbursement.Status.DISBURSED,
            package__agreement_id__in={commitment.agreement_id for commitment in commitments},
        )
        .values_list("package__agreement_id", "association_id", "household_id")
        .distinct()
    )
    households: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for agreement_id, association_id, household_id in rows:
        households[agreement_id].add((association_id, household_id))
    delivered = {}
    for commitment in commitments:
        pairs = households.get(commitment.agreement_id, set())
        party = commitment.party.organization if commitment.party_id else None
        if party is not None and party.kind == Organization.Kind.ASSOCIATION:
            pairs = {pair for pair in pairs if pair[0] == party.pk}
        delivered[commitment.pk] = len({household_id for _association, household_id in pairs})
    return delivered


@dataclass
class AgreementSupport:
    families: int
    packages: int
    disbursed: dict[str, Decimal]
    awaiting_approval: int


def agreement_support(agreement_id: int) -> AgreementSupport:
    """Family support drawn on an agreement, as totals only: never a household."""
    from django.db.models import Sum

    disbursed = Disbursement.objects.filter(package__agreement_id=agreement_id)
    done = disbursed.filter(status=Disbursement.Status.DISBURSED)
    totals = done.filter(form="cash").values_list("currency").annotate(total=Sum("amount")).order_by("currency")
    return AgreementSupport(
        families=done.values("household_id").distinct().count(),
        packages=SupportPackage.objects.filter(agreement_id=agreement_id).count(),
        disbursed=dict(totals),
        awaiting_approval=disbursed.filter(status=Disbursement.Status.AWAITING_APPROVAL).count(),
    )
