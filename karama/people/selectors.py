"""Reads of people, always through the one selector that decides who may see whom.

`people_visible_to(user)` is the only road to a queryset of persons for pages, the API,
search, exports and later apps; `get_person_for(user, code)` the only fetch of one.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from karama.core.access import Scope, scope_of
from karama.core.models import User
from karama.core.text import search_tokens
from karama.people.models import (
    CaseNote,
    Consent,
    ConsentPurpose,
    CustodyEpisode,
    NoteVisibility,
    Person,
    PersonNeed,
)

# What each consent purpose opens to partner staff, beyond the person's public code, names, sex and status.
# A national ID, the case category, internal notes, the photo and the exact birth date are never among them.
PURPOSE_SECTIONS = {
    ConsentPurpose.TRAINING: {"education", "skills", "birth_year", "custody"},
    ConsentPurpose.EMPLOYMENT: {"education", "skills", "birth_year", "custody", "household_region"},
    ConsentPurpose.INCOME_PROJECT: {"education", "skills", "birth_year", "custody", "assessment", "household_region"},
    ConsentPurpose.FAMILY_SUPPORT: {"household", "custody"},
    ConsentPurpose.AFTERCARE: {"education", "skills", "birth_year", "custody", "assessment", "plan", "household"},
    ConsentPurpose.VISITS: {"custody"},
}
# Research consent never opens a record to anyone: researchers receive only de-identified aggregates.
RECORD_PURPOSES = [purpose for purpose in ConsentPurpose.values if purpose != ConsentPurpose.RESEARCH]
ALL_SECTIONS = {
    "identity",
    "national_id",
    "case_category",
    "education",
    "skills",
    "birth_date",
    "birth_year",
    "custody",
    "household",
    "household_region",
    "assessment",
    "plan",
    "notes",
    "internal_notes",
    "consents",
    "access_log",
    "photo",
}


def active_consents(organization_id: int, today: datetime.date | None = None) -> QuerySet[Consent]:
    """Consents to this organization that are in force today: not revoked, within their dates, and,
    where they name an agreement, only while that agreement is active and not past its end."""
    today = today or timezone.localdate()
    return Consent.objects.filter(
        Q(agreement__isnull=True)
        | Q(agreement__status="active") & (Q(agreement__ends_on__isnull=True) | Q(agreement__ends_on__gte=today)),
        organization_id=organization_id,
        purpose__in=RECORD_PURPOSES,
        revoked_at__isnull=True,
        valid_from__lte=today,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def people_visible_to(user: User) -> QuerySet[Person]:
    """National administrators: everyone in their administration (the operator: everyone). Facility
    staff: people whose current or last episode is in their facility. Partner staff: people with an
    active, unrevoked consent to their organization. Donors, researchers, visitors: nobody."""
    scope = scope_of(user)
    people = Person.objects.all()
    if scope.everywhere:
        return people
    if scope.role == "facility_staff" and scope.facility_id:
        return people.filter(facility_id=scope.facility_id)
    if scope.reads_administration:
        return people.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        consent = active_consents(scope.organization_id).filter(person=OuterRef("pk"))
        return people.filter(Exists(consent))
    return people.none()


def is_visible(user: User, person: Person) -> bool:
    return people_visible_to(user).filter(pk=person.pk).exists()


def visible_sections(user: User, person: Person) -> set[str]:
    """Which parts of a visible person's record this user may read: everything for the administration's
    own people, only what the consented purposes need for partner staff."""
    scope = scope_of(user)
    if not scope.is_partner:
        return set(ALL_SECTIONS) if _reads_everything(scope) else set()
    purposes = set(active_consents(scope.organization_id).filter(person=person).values_list("purpose", flat=True))
    sections = {"identity", "shared_notes"}
    for purpose in purposes:
        sections |= PURPOSE_SECTIONS.get(purpose, set())
    return sections


def _reads_everything(scope: Scope) -> bool:
    return scope.everywhere or scope.reads_administration or (scope.role == "facility_staff" and scope.facility_id)


def get_person_for(user: User, code: str) -> Person:
    person = people_visible_to(user).select_related("administration", "facility").filter(public_code=code).first()
    if person is None:
        raise Http404
    return person


def can_manage_person(user: User, person: Person) -> bool:
    """Facility staff of the person's facility and the administration's administrators change the record."""
    scope = scope_of(user)
    if scope.role == "operator":
        return True
    if scope.role == "national_admin":
        return scope.administration_id == person.administration_id
    return scope.role == "facility_staff" and scope.facility_id == person.facility_id


def notes_visible_to(user: User, person: Person) -> QuerySet[CaseNote]:
    notes = person.notes.select_related("author", "author_organization")
    sections = visible_sections(user, person)
    if "internal_notes" in sections:
        return notes
    if "shared_notes" in sections:
        return notes.filter(visibility=NoteVisibility.SHARED)
    return notes.none()


@dataclass
class PeopleFilters:
    query: str = ""
    facility: str = ""
    status: str = ""
    release_within_days: int | None = None
    need: str = ""  # "domain:need"
    national_id: str = ""
    code: str = ""


def search_people(people: QuerySet[Person], filters: PeopleFilters) -> QuerySet[Person]:
    """Name search across spelling variants (each normalized token must appear), and filters."""
    from karama.core.crypto import lookup_hash

    if filters.code:
        people = people.filter(public_code=filters.code.strip().upper())
    if filters.national_id:
        people = people.filter(national_id_hash=lookup_hash(filters.national_id))
    for token in search_tokens(filters.query):
        people = people.filter(search_name__contains=token)
    if filters.facility:
        people = people.filter(facility__code=filters.facility)
    if filters.status:
        people = people.filter(status=filters.status)
    if filters.release_within_days is not None:
        today = timezone.localdate()
        window = today + datetime.timedelta(days=filters.release_within_days)
        open_episode = CustodyEpisode.objects.filter(
            person=OuterRef("pk"),
            released_on__isnull=True,
            expected_release_on__gte=today,
            expected_release_on__lte=window,
        )
        people = people.filter(Exists(open_episode))
    if filters.need and ":" in filters.need:
        domain, need = filters.need.split(":", 1)
        open_need = PersonNeed.objects.filter(
            person=OuterRef("pk"), domain=domain, need=need, status__in=["open", "in_progress"]
        )
        people = people.filter(Exists(open_need))
    return people


def rank_by_name(people: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Closest names first. On PostgreSQL by trigram similarity of the few rows already matched;
    elsewhere alphabetically."""
    from django.db import connection

    normalized = "".join(search_tokens(query))
    if normalized and connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        return people.annotate(rank=TrigramSimilarity("search_name", normalized)).order_by("-rank", "pk")
    return people.order_by("family_name", "given_name", "pk")


def open_episode(person: Person) -> CustodyEpisode | None:
    return person.episodes.filter(released_on__isnull=True).select_related("facility").first()


def due_for_release(user: User, facility_id: int, days: int = 90) -> QuerySet[CustodyEpisode]:
    """The work list of a reintegration-preparation service: open episodes in this facility whose expected
    release falls in the next `days` days, with the person's assessment and plan state fetched alongside."""
    from django.db.models import Count, Max

    today = timezone.localdate()
    visible = people_visible_to(user)
    return (
        CustodyEpisode.objects.filter(
            facility_id=facility_id,
            released_on__isnull=True,
            expected_release_on__gte=today,
            expected_release_on__lte=today + datetime.timedelta(days=days),
            person__in=visible,
        )
        .select_related("person", "person__plan")
        .annotate(
            last_assessed_on=Max("person__assessments__assessed_on"),
            open_needs=Count(
                "person__needs", filter=Q(person__needs__status__in=["open", "in_progress"]), distinct=True
            ),
        )
        .order_by("expected_release_on", "pk")
    )
