"""API for people: records, custody, households, consents, assessments, plans and notes.

Every endpoint fetches the person through `get_person_for` first (404 outside one's scope), returns
only the sections `visible_sections` allows (fields not permitted are absent, not null), writes through
`karama.people.services`, and logs every read of a record to the access log.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from karama.agreements.selectors import agreements_visible_to
from karama.core.access import scope_of
from karama.core.crypto import decrypt, mask
from karama.core.models import Facility, Organization, Region, User
from karama.core.selectors import facilities_visible_to, organizations_visible_to, regions_visible_to
from karama.people import services
from karama.people.catalogues import need_label
from karama.people.models import (
    AccessAction,
    Assessment,
    CaseCategory,
    CaseNote,
    Consent,
    ConsentPurpose,
    CustodyEpisode,
    EducationLevel,
    Exemption,
    Household,
    HouseholdMember,
    Literacy,
    NeedLevel,
    NeedStatus,
    NoteVisibility,
    Person,
    PersonNeed,
    PlanAction,
    PlanReview,
    PlanStatus,
    RecommendedPath,
    ReintegrationPlan,
    Relation,
    ReleaseReason,
    ReleaseTask,
    ReleaseTaskStatus,
    Schooling,
    Sex,
)
from karama.people.selectors import (
    PeopleFilters,
    can_manage_person,
    get_person_for,
    notes_visible_to,
    open_episode,
    people_visible_to,
    rank_by_name,
    search_people,
    visible_sections,
)

router = Router(tags=["people"])

REGISTRAR_ROLES = {"operator", "national_admin", "facility_staff"}
NOTES_IN_RECORD = 50

# Out ------------------------------------------------------------------------------------------------


class PersonFields(Schema):
    public_code: str
    given_name: str
    father_name: str
    family_name: str
    latin_given_name: str
    latin_family_name: str
    sex: str
    status: str
    facility: str | None


class PersonSummaryOut(PersonFields):
    @staticmethod
    def resolve_facility(person: Person) -> str | None:
        return person.facility.code if person.facility_id else None


class EpisodeOut(Schema):
    facility: str
    admission_kind: str
    admitted_on: datetime.date
    expected_release_on: datetime.date | None
    released_on: datetime.date | None
    release_reason: str
    case_category: str | None = Field(None, description="Only for the administration's own staff.")


class CustodyOut(Schema):
    status: str
    facility: str | None
    episodes: list[EpisodeOut]


class HouseholdMemberOut(Schema):
    id: int
    relation: str
    sex: str
    birth_year: int | None
    schooling: str
    health_needs: str
    special_needs: bool
    dependent: bool


class HouseholdOut(Schema):
    region: str | None = Field(None, description="Region code; all that the household_region section shows.")
    code: str | None = Field(None, description="Household section only.")
    contact_name: str | None = Field(None, description="Household section only.")
    contact_relation: str | None = Field(None, description="Household section only.")
    has_contact_phone: bool | None = Field(
        None, description="Household section only. The telephone itself is write-only."
    )
    supporting_association: str | None = Field(None, description="Household section only.")
    notes: str | None = Field(None, description="Household section only.")
    members: list[HouseholdMemberOut] | None = Field(None, description="Household section only.")


class ConsentOut(Schema):
    id: int
    organization: str
    purpose: str
    agreement: int | None
    valid_from: datetime.date
    valid_until: datetime.date | None
    revoked_at: datetime.datetime | None


class RatingOut(Schema):
    domain: str
    level: str
    notes: str


class AssessmentOut(Schema):
    id: int
    assessed_on: datetime.date
    recommended_paths: list[str]
    summary: str
    ratings: list[RatingOut]


class NeedOut(Schema):
    id: int
    domain: str
    need: str
    label: str
    status: str
    note: str
    updated_side: str
    updated_at: datetime.datetime


class PlanActionOut(Schema):
    id: int
    goal: str
    action: str
    domain: str
    owner: str
    due_on: datetime.date | None
    status: str


class ReleaseTaskOut(Schema):
    id: int
    kind: str
    status: str
    note: str
    due_on: datetime.date | None


class ReviewOut(Schema):
    id: int
    kind: str
    due_on: datetime.date
    completed_on: datetime.date | None
    exemption: str
    note: str
    missed: bool = Field(..., description="Past due, neither completed nor exempted.")


class PlanOut(Schema):
    assessment: int | None
    created_at: datetime.datetime
    actions: list[PlanActionOut]
    release_tasks: list[ReleaseTaskOut]
    reviews: list[ReviewOut]


class NoteOut(Schema):
    id: int
    written_at: datetime.datetime
    author_organization: str | None
    visibility: str
    text: str


class NoteRowOut(NoteOut):
    """A note read straight from the database, for the paginated list of notes."""

    @staticmethod
    def resolve_author_organization(note: CaseNote) -> str | None:
        return note.author_organization.code if note.author_organization_id else None


def _only(section: str) -> str:
    return f"Present only when the caller may read the {section} section."


class PersonOut(PersonFields):
    national_id_masked: str | None = Field(None, description=_only("national_id") + " Never the clear ID.")
    birth_date: datetime.date | None = Field(None, description=_only("birth_date"))
    nationality: str | None = Field(None, description=_only("birth_date"))
    birth_year: int | None = Field(None, description=_only("birth_year"))
    education_level: str | None = Field(None, description=_only("education"))
    literacy: str | None = Field(None, description=_only("education"))
    languages: list[str] | None = Field(None, description=_only("education"))
    skills: list[str] | None = Field(None, description=_only("skills") + " ISCO-08 sub-major groups.")
    free_skills: str | None = Field(None, description=_only("skills"))
    vocational_orientation: str | None = Field(None, description=_only("skills"))
    episodes: list[EpisodeOut] | None = Field(None, description=_only("custody"))
    household: HouseholdOut | None = Field(None, description=_only("household or household_region"))
    assessment: AssessmentOut | None = Field(None, description=_only("assessment") + " The latest one.")
    needs: list[NeedOut] | None = Field(None, description=_only("assessment"))
    plan: PlanOut | None = Field(None, description=_only("plan"))
    notes: list[NoteOut] = Field(..., description="The latest notes the caller may read.")


class NationalIdOut(Schema):
    national_id: str


# In -------------------------------------------------------------------------------------------------


class PeopleQuery(Schema):
    q: str = ""
    code: str = ""
    national_id: str = Field("", description="Exact look-up; ignored for partner staff.")
    facility: str = ""
    status: str = ""
    release_within_days: int | None = Field(None, ge=0, le=3650)
    need: str = Field("", description="An open need, as domain:need.")


class PersonIn(Schema):
    facility: str
    admitted_on: datetime.date
    case_category: CaseCategory
    expected_release_on: datetime.date | None = None
    national_id: str = ""
    given_name: str
    father_name: str = ""
    family_name: str
    latin_given_name: str = ""
    latin_family_name: str = ""
    sex: Sex
    birth_date: datetime.date | None = None
    nationality: str = ""
    education_level: EducationLevel = EducationLevel.UNKNOWN
    literacy: Literacy = Literacy.UNKNOWN
    languages: list[str] = []
    free_skills: str = ""
    vocational_orientation: str = ""
    source_reference: str = ""
    skills: list[str] = []


class PersonPatch(Schema):
    national_id: str | None = None
    given_name: str | None = None
    father_name: str | None = None
    family_name: str | None = None
    latin_given_name: str | None = None
    latin_family_name: str | None = None
    sex: Sex | None = None
    birth_date: datetime.date | None = None
    nationality: str | None = None
    education_level: EducationLevel | None = None
    literacy: Literacy | None = None
    languages: list[str] | None = None
    free_skills: str | None = None
    vocational_orientation: str | None = None
    source_reference: str | None = None
    skills: list[str] | None = None


class AdmissionIn(Schema):
    facility: str
    admitted_on: datetime.date
    case_category: CaseCategory
    expected_release_on: datetime.date | None = None


class TransferIn(Schema):
    to_facility: str
    on: datetime.date


class ReleaseIn(Schema):
    on: datetime.date
    reason: ReleaseReason


class StatusDateIn(Schema):
    on: datetime.date


class ClosureIn(Schema):
    on: datetime.date
    reason: str = ""


class ExpectedReleaseIn(Schema):
    expected_release_on: datetime.date | None


class HouseholdIn(Schema):
    region: str | None = None
    contact_name: str = ""
    contact_relation: str = ""
    contact_phone: str | None = Field(
        None, description="Write-only: stored encrypted, never returned. Left out or null keeps it; empty clears it."
    )
    supporting_association: str | None = None
    notes: str = ""


class HouseholdMemberIn(Schema):
    relation: Relation
    sex: Sex | None = None
    birth_year: int | None = None
    schooling: Schooling | None = None
    health_needs: str = ""
    special_needs: bool = False
    dependent: bool = True


class ConsentIn(Schema):
    organization: str
    purpose: ConsentPurpose
    agreement: int | None = None
    valid_from: datetime.date
    valid_until: datetime.date | None = None


class RatingIn(Schema):
    level: NeedLevel
    notes: str = ""


class AssessmentIn(Schema):
    assessed_on: datetime.date
    ratings: dict[str, RatingIn] = {}
    needs: list[str] = Field([], description="Needs from the catalogue, as domain:need.")
    recommended_paths: list[RecommendedPath] = []
    summary: str = ""


class NeedPatch(Schema):
    status: NeedStatus | None = None
    note: str | None = None


class PlanActionIn(Schema):
    goal: str
    owner: str = Field(..., description="Code of the organization that carries the action out.")
    action: str = ""
    domain: str = ""
    due_on: datetime.date | None = None


class PlanActionPatch(Schema):
    status: PlanStatus


class ReleaseTaskPatch(Schema):
    status: ReleaseTaskStatus | None = None
    note: str | None = None


class ReviewCompleteIn(Schema):
    completed_on: datetime.date | None = Field(None, description="Today when left out.")
    note: str = ""


class ReviewExemptIn(Schema):
    exemption: Exemption
    note: str = ""


class NoteIn(Schema):
    text: str
    visibility: NoteVisibility = Field(
        NoteVisibility.INTERNAL, description="Partners' notes are always shared with the administration."
    )


# Fetching ---------------------------------------------------------------------------------------------


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _log_read(request, person: Person, detail: str = "") -> None:
    services.log_access(
        user=request.auth, person=person, action=AccessAction.API_READ, detail=detail, address=_address(request)
    )


def _person_with(request, code: str, *sections: str) -> tuple[Person, set[str]]:
    """The person, if the caller may read at least one of these sections of the record; else 404."""
    person = get_person_for(request.auth, code)
    granted = visible_sections(request.auth, person)
    if not granted.intersection(sections):
        raise Http404
    return person, granted


def _managed(request, code: str) -> Person:
    """The person, if the caller may change the record (facility staff, the administration); else 404."""
    person = get_person_for(request.auth, code)
    if not can_manage_person(request.auth, person):
        raise Http404
    return person


def _facility(
    user: User, code: str, *, field: str = "facility", administration_id: int | None = None, to_admit: bool = True
) -> Facility:
    """A facility the user sees; one they may admit into (facility staff: only their own) when `to_admit`."""
    facilities = facilities_visible_to(user).filter(code=code)
    scope = scope_of(user)
    if to_admit and scope.role == "facility_staff":
        facilities = facilities.filter(pk=scope.facility_id)
    if administration_id is not None:
        facilities = facilities.filter(administration_id=administration_id)
    facility = facilities.first()
    if facility is None:
        raise ValidationError({field: _("Unknown facility.")})
    return facility


def _organization(user: User, code: str | None, field: str) -> Organization | None:
    if not code:
        return None
    organization = organizations_visible_to(user).filter(code=code).first()
    if organization is None:
        raise ValidationError({field: _("Unknown organization.")})
    return organization


def _region(user: User, code: str | None) -> Region | None:
    if not code:
        return None
    region = regions_visible_to(user).filter(code=code).first()
    if region is None:
        raise ValidationError({"region": _("Unknown region.")})
    return region


def _plan_of(person: Person) -> ReintegrationPlan | None:
    return (
        ReintegrationPlan.objects.filter(person=person)
        .prefetch_related(
            Prefetch("actions", queryset=PlanAction.objects.select_related("owner")), "release_tasks", "reviews"
        )
        .first()
    )


def _household_of(person: Person) -> Household | None:
    return (
        Household.objects.filter(person=person)
        .select_related("region", "supporting_association")
        .prefetch_related("members")
        .first()
    )


# Shaping: sections decide which keys exist -----------------------------------------------------------


def _episode(episode: CustodyEpisode, sections: set[str]) -> dict:
    out = {
        "facility": episode.facility.code,
        "admission_kind": episode.admission_kind,
        "admitted_on": episode.admitted_on,
        "expected_release_on": episode.expected_release_on,
        "released_on": episode.released_on,
        "release_reason": episode.release_reason,
    }
    if "case_category" in sections:
        out["case_category"] = episode.case_category
    return out


def _episodes(person: Person, sections: set[str]) -> list[dict]:
    return [_episode(e, sections) for e in person.episodes.select_related("facility")]


def _custody(person: Person, sections: set[str]) -> CustodyOut:
    person.refresh_from_db(fields=["status", "facility"])
    return CustodyOut(
        status=person.status,
        facility=person.facility.code if person.facility_id else None,
        episodes=_episodes(person, sections),
    )


def _household(household: Household, sections: set[str]) -> dict:
    out = {"region": household.region.code if household.region_id else None}
    if "household" in sections:
        out |= {
            "code": household.public_code,
            "contact_name": household.contact_name,
            "contact_relation": household.contact_relation,
            "has_contact_phone": bool(household.contact_phone_encrypted),
            "supporting_association": (
                household.supporting_association.code if household.supporting_association_id else None
            ),
            "notes": household.notes,
            "members": [_member(member) for member in household.members.all()],
        }
    return out


def _member(member: HouseholdMember) -> dict:
    return {
        "id": member.pk,
        "relation": member.relation,
        "sex": member.sex,
        "birth_year": member.birth_year,
        "schooling": member.schooling,
        "health_needs": member.health_needs,
        "special_needs": member.special_needs,
        "dependent": member.dependent,
    }


def _consent(consent: Consent) -> dict:
    return {
        "id": consent.pk,
        "organization": consent.organization.code,
        "purpose": consent.purpose,
        "agreement": consent.agreement_id,
        "valid_from": consent.valid_from,
        "valid_until": consent.valid_until,
        "revoked_at": consent.revoked_at,
    }


def _need(need: PersonNeed) -> dict:
    return {
        "id": need.pk,
        "domain": need.domain,
        "need": need.need,
        "label": str(need_label(need.domain, need.need)),
        "status": need.status,
        "note": need.note,
        "updated_side": need.updated_side,
        "updated_at": need.updated_at,
    }


def _action(item: PlanAction) -> dict:
    return {
        "id": item.pk,
        "goal": item.goal,
        "action": item.action,
        "domain": item.domain,
        "owner": item.owner.code,
        "due_on": item.due_on,
        "status": item.status,
    }


def _task(task: ReleaseTask) -> dict:
    return {"id": task.pk, "kind": task.kind, "status": task.status, "note": task.note, "due_on": task.due_on}


def _review(review: PlanReview) -> dict:
    return {
        "id": review.pk,
        "kind": review.kind,
        "due_on": review.due_on,
        "completed_on": review.completed_on,
        "exemption": review.exemption,
        "note": review.note,
        "missed": review.is_missed(timezone.localdate()),
    }


def _plan(plan: ReintegrationPlan) -> dict:
    return {
        "assessment": plan.assessment_id,
        "created_at": plan.created_at,
        "actions": [_action(item) for item in plan.actions.all()],
        "release_tasks": [_task(task) for task in plan.release_tasks.all()],
        "reviews": [_review(review) for review in plan.reviews.all()],
    }


def _note(note: CaseNote) -> dict:
    return {
        "id": note.pk,
        "written_at": note.written_at,
        "author_organization": note.author_organization.code if note.author_organization_id else None,
        "visibility": note.visibility,
        "text": note.text,
    }


def _assessment(assessment: Assessment) -> dict:
    return {
        "id": assessment.pk,
        "assessed_on": assessment.assessed_on,
        "recommended_paths": assessment.recommended_paths,
        "summary": assessment.summary,
        "ratings": [{"domain": r.domain, "level": r.level, "notes": r.notes} for r in assessment.ratings.all()],
    }


def _own_fields(person: Person, sections: set[str]) -> dict:
    """The columns of the person's own row that these sections open."""
    data = {field: getattr(person, field) for field in PersonFields.model_fields if field != "facility"}
    data["facility"] = person.facility.code if person.facility_id else None
    if "national_id" in sections:
        data["national_id_masked"] = mask(decrypt(person.national_id_encrypted)) or None
    if "birth_date" in sections:
        data |= {"birth_date": person.birth_date, "nationality": person.nationality}
    if "birth_year" in sections:
        data["birth_year"] = person.birth_year
    if "education" in sections:
        data |= {"education_level": person.education_level, "literacy": person.literacy, "languages": person.languages}
    if "skills" in sections:
        data |= {
            "skills": [skill.occupation for skill in person.skills.all()],
            "free_skills": person.free_skills,
            "vocational_orientation": person.vocational_orientation,
        }
    return data


def _related_sections(person: Person, sections: set[str]) -> dict:
    """Custody, household, assessment and plan: one or a few queries each, whatever their size."""
    data = {}
    if "custody" in sections:
        data["episodes"] = _episodes(person, sections)
    if sections.intersection({"household", "household_region"}):
        household = _household_of(person)
        data["household"] = _household(household, sections) if household else None
    if "assessment" in sections:
        latest = person.assessments.prefetch_related("ratings").first()
        data["assessment"] = _assessment(latest) if latest else None
        data["needs"] = [_need(need) for need in person.needs.all()]
    if "plan" in sections:
        plan = _plan_of(person)
        data["plan"] = _plan(plan) if plan else None
    return data


def _record(user: User, person: Person) -> PersonOut:
    """The record as this user may read it; keys of sections they may not read are left out."""
    sections = visible_sections(user, person)
    notes = notes_visible_to(user, person)[:NOTES_IN_RECORD]
    return PersonOut(
        **_own_fields(person, sections),
        **_related_sections(person, sections),
        notes=[_note(note) for note in notes],
    )


# Records --------------------------------------------------------------------------------------------


@router.get("/", response=list[PersonSummaryOut])
@paginate(LimitOffsetPagination)
def list_people(request, filters: Query[PeopleQuery]):
    scope = scope_of(request.auth)
    if scope.sees_nothing_internal:
        raise Http404
    values = filters.dict()
    values["query"] = values.pop("q")
    if scope.is_partner:
        values["national_id"] = ""
    people = search_people(people_visible_to(request.auth), PeopleFilters(**values)).select_related("facility")
    if values["query"]:
        return rank_by_name(people, values["query"])
    return people.order_by("family_name", "given_name", "pk")


@router.get("/{code}/", response=PersonOut, exclude_unset=True)
def get_person(request, code: str):
    person = get_person_for(request.auth, code)
    _log_read(request, person)
    return _record(request.auth, person)


@router.post("/", response={201: PersonOut}, exclude_unset=True)
def register_person(request, payload: PersonIn):
    if scope_of(request.auth).role not in REGISTRAR_ROLES:
        raise Http404
    data = payload.dict()
    facility = _facility(request.auth, data.pop("facility"))
    person = services.register_person(by=request.auth, facility=facility, **data)
    return Status(201, _record(request.auth, get_person_for(request.auth, person.public_code)))


@router.patch("/{code}/", response=PersonOut, exclude_unset=True)
def update_person(request, code: str, payload: PersonPatch):
    person = _managed(request, code)
    changes = payload.dict(exclude_unset=True)
    national_id = changes.pop("national_id", None)
    skills = changes.pop("skills", None)
    with transaction.atomic():
        person = services.update_person(person=person, by=request.auth, skills=skills, **changes)
        if national_id is not None:
            services.set_national_id(person=person, by=request.auth, national_id=national_id)
    return _record(request.auth, get_person_for(request.auth, code))


@router.post("/{code}/national-id/reveal/", response=NationalIdOut)
def reveal_national_id(request, code: str):
    person = get_person_for(request.auth, code)
    clear = services.reveal_national_id(person=person, by=request.auth, address=_address(request))
    return {"national_id": clear}


# Custody --------------------------------------------------------------------------------------------


@router.get("/{code}/episodes/", response=list[EpisodeOut], exclude_unset=True)
def list_episodes(request, code: str):
    person, sections = _person_with(request, code, "custody")
    _log_read(request, person, "episodes")
    return _episodes(person, sections)


@router.post("/{code}/admissions/", response={201: CustodyOut})
def admit(request, code: str, payload: AdmissionIn):
    person = _managed(request, code)
    data = payload.dict()
    facility = _facility(request.auth, data.pop("facility"), administration_id=person.administration_id)
    services.admit(person=person, by=request.auth, facility=facility, **data)
    return Status(201, _custody(person, visible_sections(request.auth, person)))


@router.post("/{code}/transfers/", response={201: CustodyOut})
def transfer(request, code: str, payload: TransferIn):
    person = _managed(request, code)
    sections = visible_sections(request.auth, person)
    to_facility = _facility(
        request.auth,
        payload.to_facility,
        field="to_facility",
        administration_id=person.administration_id,
        to_admit=False,
    )
    services.transfer(person=person, by=request.auth, to_facility=to_facility, on=payload.on)
    return Status(201, _custody(person, sections))


@router.post("/{code}/releases/", response=CustodyOut)
def release(request, code: str, payload: ReleaseIn):
    person = _managed(request, code)
    services.release(person=person, by=request.auth, on=payload.on, reason=payload.reason)
    return _custody(person, visible_sections(request.auth, person))


@router.post("/{code}/aftercare/", response=CustodyOut)
def start_aftercare(request, code: str, payload: StatusDateIn):
    person = _managed(request, code)
    services.start_aftercare(person=person, by=request.auth, on=payload.on)
    return _custody(person, visible_sections(request.auth, person))


@router.post("/{code}/closure/", response=CustodyOut)
def close_case(request, code: str, payload: ClosureIn):
    person = _managed(request, code)
    services.close_case(person=person, by=request.auth, on=payload.on, reason=payload.reason)
    return _custody(person, visible_sections(request.auth, person))


@router.patch("/{code}/expected-release/", response=CustodyOut)
def set_expected_release(request, code: str, payload: ExpectedReleaseIn):
    person = _managed(request, code)
    episode = open_episode(person)
    if episode is None:
        raise ValidationError(_("This person is not in custody."))
    episode.person = person
    services.set_expected_release(episode=episode, by=request.auth, expected_release_on=payload.expected_release_on)
    return _custody(person, visible_sections(request.auth, person))


# Household ------------------------------------------------------------------------------------------


@router.get("/{code}/household/", response=HouseholdOut, exclude_unset=True)
def get_household(request, code: str):
    person, sections = _person_with(request, code, "household", "household_region")
    household = _household_of(person)
    if household is None:
        raise Http404
    _log_read(request, person, "household")
    return _household(household, sections)


@router.put("/{code}/household/", response=HouseholdOut, exclude_unset=True)
def save_household(request, code: str, payload: HouseholdIn):
    person = _managed(request, code)
    data = payload.dict()
    data["region"] = _region(request.auth, data["region"])
    data["supporting_association"] = _organization(
        request.auth, data["supporting_association"], "supporting_association"
    )
    services.save_household(person=person, by=request.auth, **data)
    return _household(_household_of(person), visible_sections(request.auth, person))


@router.post("/{code}/household/members/", response={201: HouseholdMemberOut})
def add_household_member(request, code: str, payload: HouseholdMemberIn):
    person = _managed(request, code)
    data = payload.dict()
    data["sex"] = data["sex"] or ""
    data["schooling"] = data["schooling"] or ""
    return Status(201, _member(services.add_household_member(person=person, by=request.auth, **data)))


@router.delete("/{code}/household/members/{int:member_id}/", response={204: None})
def remove_household_member(request, code: str, member_id: int):
    person = _managed(request, code)
    member = HouseholdMember.objects.filter(household__person=person, pk=member_id).select_related("household")
    if not member.exists():
        raise Http404
    member = member.get()
    member.household.person = person
    services.remove_household_member(member=member, by=request.auth)
    return Status(204, None)


# Consents -------------------------------------------------------------------------------------------


@router.get("/{code}/consents/", response=list[ConsentOut])
def list_consents(request, code: str):
    person, _sections = _person_with(request, code, "consents")
    _log_read(request, person, "consents")
    return [_consent(consent) for consent in person.consents.select_related("organization")]


@router.post("/{code}/consents/", response={201: ConsentOut})
def record_consent(request, code: str, payload: ConsentIn):
    person = _managed(request, code)
    data = payload.dict()
    data["organization"] = _organization(request.auth, data["organization"], "organization")
    if data["agreement"] is not None:
        agreement = agreements_visible_to(request.auth).filter(
            pk=data["agreement"], administration_id=person.administration_id
        )
        if not agreement.exists():
            raise ValidationError({"agreement": _("Choose an agreement of the person's administration.")})
        data["agreement"] = agreement.get()
    return Status(201, _consent(services.record_consent(person=person, by=request.auth, **data)))


@router.post("/{code}/consents/{int:consent_id}/revoke/", response=ConsentOut)
def revoke_consent(request, code: str, consent_id: int):
    person = _managed(request, code)
    consent = person.consents.select_related("organization").filter(pk=consent_id).first()
    if consent is None:
        raise Http404
    consent.person = person
    return _consent(services.revoke_consent(consent=consent, by=request.auth))


# Assessments and needs ------------------------------------------------------------------------------


def _need_pairs(needs: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for value in needs:
        domain, separator, need = value.partition(":")
        if not separator:
            raise ValidationError({"needs": _("Unknown need: %(need)s.") % {"need": value}})
        pairs.append((domain, need))
    return pairs


@router.get("/{code}/assessments/", response=list[AssessmentOut])
def list_assessments(request, code: str):
    person, _sections = _person_with(request, code, "assessment")
    _log_read(request, person, "assessments")
    return [_assessment(a) for a in person.assessments.prefetch_related("ratings")]


@router.post("/{code}/assessments/", response={201: AssessmentOut})
def record_assessment(request, code: str, payload: AssessmentIn):
    person = _managed(request, code)
    assessment = services.record_assessment(
        person=person,
        by=request.auth,
        assessed_on=payload.assessed_on,
        ratings={domain: (rating.level, rating.notes) for domain, rating in payload.ratings.items()},
        needs=_need_pairs(payload.needs),
        recommended_paths=payload.recommended_paths,
        summary=payload.summary,
    )
    return Status(201, _assessment(assessment))


@router.get("/{code}/needs/", response=list[NeedOut])
def list_needs(request, code: str):
    person, _sections = _person_with(request, code, "assessment")
    _log_read(request, person, "needs")
    return [_need(need) for need in person.needs.all()]


@router.patch("/{code}/needs/{int:need_id}/", response=NeedOut)
def update_need(request, code: str, need_id: int, payload: NeedPatch):
    person, _sections = _person_with(request, code, "assessment")
    need = person.needs.filter(pk=need_id).first()
    if need is None:
        raise Http404
    need.person = person
    changes = payload.dict(exclude_unset=True)
    need = services.update_need_status(
        need=need,
        by=request.auth,
        status=changes.get("status") or need.status,
        note=changes["note"] if changes.get("note") is not None else need.note,
    )
    return _need(need)


# Plans ----------------------------------------------------------------------------------------------


def _plan_item(person: Person, related: str, item_id: int):
    """An action, release task or review of this person's plan, or 404."""
    plan = ReintegrationPlan.objects.filter(person=person).first()
    item = getattr(plan, related).filter(pk=item_id).first() if plan else None
    if item is None:
        raise Http404
    plan.person = person
    item.plan = plan
    return item


@router.get("/{code}/plan/", response=PlanOut)
def get_plan(request, code: str):
    person, _sections = _person_with(request, code, "plan")
    plan = _plan_of(person)
    if plan is None:
        raise Http404
    _log_read(request, person, "plan")
    return _plan(plan)


@router.post("/{code}/plan/", response={201: PlanOut})
def create_plan(request, code: str):
    person = _managed(request, code)
    services.create_plan(person=person, by=request.auth)
    return Status(201, _plan(_plan_of(person)))


@router.post("/{code}/plan/actions/", response={201: PlanActionOut})
def add_plan_action(request, code: str, payload: PlanActionIn):
    person = _managed(request, code)
    plan = ReintegrationPlan.objects.filter(person=person).first()
    if plan is None:
        raise Http404
    plan.person = person
    data = payload.dict()
    data["owner"] = _organization(request.auth, data["owner"], "owner")
    if data["owner"] is None:
        raise ValidationError({"owner": _("Unknown organization.")})
    return Status(201, _action(services.add_plan_action(plan=plan, by=request.auth, **data)))


@router.patch("/{code}/plan/actions/{int:action_id}/", response=PlanActionOut)
def update_plan_action(request, code: str, action_id: int, payload: PlanActionPatch):
    person = get_person_for(request.auth, code)
    item = _plan_item(person, "actions", action_id)
    return _action(services.update_plan_action(item=item, by=request.auth, status=payload.status))


@router.patch("/{code}/plan/tasks/{int:task_id}/", response=ReleaseTaskOut)
def update_release_task(request, code: str, task_id: int, payload: ReleaseTaskPatch):
    task = _plan_item(_managed(request, code), "release_tasks", task_id)
    changes = {key: value for key, value in payload.dict(exclude_unset=True).items() if value is not None}
    task = services.update_release_task(
        task=task, by=request.auth, status=changes.get("status", task.status), note=changes.get("note", task.note)
    )
    return _task(task)


@router.post("/{code}/plan/reviews/{int:review_id}/complete/", response=ReviewOut)
def complete_review(request, code: str, review_id: int, payload: ReviewCompleteIn):
    review = _plan_item(_managed(request, code), "reviews", review_id)
    on = payload.completed_on or timezone.localdate()
    return _review(services.complete_review(review=review, by=request.auth, on=on, note=payload.note))


@router.post("/{code}/plan/reviews/{int:review_id}/exempt/", response=ReviewOut)
def exempt_review(request, code: str, review_id: int, payload: ReviewExemptIn):
    review = _plan_item(_managed(request, code), "reviews", review_id)
    review = services.exempt_review(review=review, by=request.auth, exemption=payload.exemption, note=payload.note)
    return _review(review)


# Notes ----------------------------------------------------------------------------------------------


@router.get("/{code}/notes/", response=list[NoteRowOut])
@paginate(LimitOffsetPagination)
def list_notes(request, code: str):
    person = get_person_for(request.auth, code)
    _log_read(request, person, "notes")
    return notes_visible_to(request.auth, person)


@router.post("/{code}/notes/", response={201: NoteOut})
def add_note(request, code: str, payload: NoteIn):
    person = get_person_for(request.auth, code)
    note = services.add_note(person=person, by=request.auth, text=payload.text, visibility=payload.visibility)
    return Status(201, _note(note))
