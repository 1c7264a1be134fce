"""Reads of programmes, enrolments and certificates, always scoped by the acting user.

`programmes_visible_to(user)` and `enrolments_visible_to(user)` are the only roads to these querysets;
people are reached only through `people.selectors.people_visible_to`, so a partner sees a participant only
under an active consent, and an enrolment of someone the reader may not see is never listed.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from karama.agreements.models import Agreement, Party
from karama.core.access import scope_of
from karama.core.models import Role, User
from karama.core.selectors import search_named
from karama.people.models import ConsentPurpose, Person
from karama.people.selectors import PeopleFilters, active_consents, people_visible_to, search_people
from karama.training.models import (
    PLACE_STATUSES,
    Attendance,
    AttendanceStatus,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    Programme,
    Session,
    Trainer,
    attendance_rate,
)

# Users of an administration who may take part in its staff training.
STAFF_ROLES = (Role.NATIONAL_ADMIN, Role.FACILITY_STAFF, Role.AUDITOR)


def programmes_visible_to(user: User) -> QuerySet[Programme]:
    """Operator: all. Administration staff and auditors: their administration's. Partner staff: the programmes
    their organization provides or runs, and those of agreements it is party to. Others: none."""
    scope = scope_of(user)
    programmes = Programme.objects.select_related("administration", "provider", "coordinator", "agreement")
    if scope.everywhere:
        return programmes
    if scope.reads_administration:
        return programmes.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        party = Party.objects.filter(agreement_id=OuterRef("agreement_id"), organization_id=scope.organization_id)
        return programmes.filter(
            Q(provider_id=scope.organization_id) | Q(coordinator_id=scope.organization_id) | Exists(party)
        )
    return programmes.none()


def can_manage_programme(user: User, programme: Programme) -> bool:
    """Create and change the programme itself: the administration's national administrators (and the operator)."""
    return scope_of(user).can_manage(programme.administration_id)


def can_run_programme(user: User, programme: Programme) -> bool:
    """Schedule sessions, enrol, record attendance and results: the administration, facility staff where the
    programme is held, and the staff of the provider or of the partner that runs it."""
    scope = scope_of(user)
    if scope.can_manage(programme.administration_id):
        return True
    if scope.role == Role.FACILITY_STAFF and scope.administration_id == programme.administration_id:
        return programme.facilities.filter(pk=scope.facility_id).exists()
    if scope.is_partner:
        return scope.organization_id in (programme.provider_id, programme.coordinator_id)
    return False


def can_revoke_certificate(user: User, certificate: Certificate) -> bool:
    """The issuer's staff and the administration may revoke a certificate."""
    scope = scope_of(user)
    programme = certificate.enrolment.programme
    return scope.can_manage(programme.administration_id) or (
        scope.is_partner and scope.organization_id == certificate.issuer_id
    )


def get_programme_for(user: User, pk: int) -> Programme:
    programme = programmes_visible_to(user).filter(pk=pk).first()
    if programme is None:
        raise Http404
    return programme


def get_programme_to_run(user: User, pk: int) -> Programme:
    programme = get_programme_for(user, pk)
    if not can_run_programme(user, programme):
        raise Http404
    return programme


def get_programme_to_manage(user: User, pk: int) -> Programme:
    programme = get_programme_for(user, pk)
    if not can_manage_programme(user, programme):
        raise Http404
    return programme


def _staff_enrolments_visible(user: User) -> Q:
    """Staff participants are the administration's own people: its readers see them, and a partner sees
    those of the programmes it provides or runs."""
    scope = scope_of(user)
    if scope.is_partner:
        return Q(staff__isnull=False) & (
            Q(programme__provider_id=scope.organization_id) | Q(programme__coordinator_id=scope.organization_id)
        )
    return Q(staff__isnull=False)


def enrolments_visible_to(user: User) -> QuerySet[Enrolment]:
    """Enrolments in a programme the user sees, of a person the user sees (or of a staff participant)."""
    scope = scope_of(user)
    if scope.sees_nothing_internal:
        return Enrolment.objects.none()
    # The reader's people are checked per enrolment (EXISTS on the person's key), never listed: `person_id IN
    # (their people)` OR'ed with the staff condition made PostgreSQL hash every person of the administration to
    # find one enrolment (150 ms at 250,000 people for one certificate PDF, 165 ms for a programme's list).
    visible_person = people_visible_to(user).filter(pk=OuterRef("person_id"))
    return Enrolment.objects.filter(
        Exists(visible_person) | _staff_enrolments_visible(user),
        programme__in=programmes_visible_to(user).values("pk"),
    )


def with_attendance(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Present and absent counts (excused absences are not counted) and the valid certificate, in one go."""
    return enrolments.annotate(
        present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
        absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
    ).prefetch_related(
        Prefetch("certificates", queryset=Certificate.objects.filter(revoked_at__isnull=True), to_attr="valid")
    )


def get_enrolment_for(user: User, code: str) -> Enrolment:
    enrolment = (
        with_attendance(enrolments_visible_to(user))
        .select_related(
            "programme__administration",
            "programme__provider",
            "programme__coordinator",
            "programme__agreement",
            "person__facility",
            "staff",
        )
        .filter(public_code=code.upper())
        .first()
    )
    if enrolment is None:
        raise Http404
    return enrolment


def rate_of(enrolment: Enrolment) -> int | None:
    return attendance_rate(getattr(enrolment, "present", 0), getattr(enrolment, "absent", 0))


def valid_certificate(enrolment: Enrolment) -> Certificate | None:
    valid = getattr(enrolment, "valid", None)
    if valid is None:
        valid = list(enrolment.certificates.filter(revoked_at__isnull=True))
    return valid[0] if valid else None


# The list --------------------------------------------------------------------------------------------


@dataclass
class ProgrammeFilters:
    query: str = ""
    kind: str = ""
    provider: str = ""  # organization code
    facility: str = ""  # facility code
    phase: str = ""  # upcoming, running, ended
    agreement: int | None = None


def with_counts(programmes: QuerySet[Programme]) -> QuerySet[Programme]:
    return programmes.annotate(
        places_taken=Count("enrolments", filter=Q(enrolments__status__in=PLACE_STATUSES), distinct=True),
        completed_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.COMPLETED), distinct=True),
        applied_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.APPLIED), distinct=True),
    )


def programme_list_for(user: User, filters: ProgrammeFilters) -> QuerySet[Programme]:
    programmes = programmes_visible_to(user)
    if filters.query:
        programmes = search_named(programmes, filters.query)
    if filters.kind:
        programmes = programmes.filter(kind=filters.kind)
    if filters.provider:
        programmes = programmes.filter(Q(provider__code=filters.provider) | Q(coordinator__code=filters.provider))
    if filters.facility:
        programmes = programmes.filter(facilities__code=filters.facility)
    if filters.agreement:
        programmes = programmes.filter(agreement_id=filters.agreement)
    today = timezone.localdate()
    phases = {
        "upcoming": Q(starts_on__gt=today),
        "running": Q(starts_on__lte=today, ends_on__gte=today),
        "ended": Q(ends_on__lt=today),
    }
    if filters.phase in phases:
        programmes = programmes.filter(phases[filters.phase])
    return with_counts(programmes).prefetch_related("facilities").order_by("-starts_on", "reference")


# One programme -------------------------------------------------------------------------------------


@dataclass
class SessionRow:
    session: Session
    present: int
    recorded: int


@dataclass
class ProgrammeDetail:
    programme: Programme
    trainers: list[Trainer]
    sessions: list[SessionRow]
    enrolments: list[Enrolment]
    hidden: int  # participants the reader may not see (no consent to their organization)
    places_taken: int
    completed: int
    applied: int
    facilities: list = field(default_factory=list)
    delivered: object = None


def programme_detail(user: User, programme: Programme) -> ProgrammeDetail:
    """Everything the programme page shows, in a fixed number of queries whatever its size."""
    visible = (
        with_attendance(enrolments_visible_to(user).filter(programme=programme))
        .select_related("person", "person__facility", "staff")
        .order_by("status", "pk")
    )
    enrolments = list(visible)
    totals = programme.enrolments.aggregate(
        all=Count("pk"),
        places=Count("pk", filter=Q(status__in=PLACE_STATUSES)),
        completed=Count("pk", filter=Q(status=EnrolmentStatus.COMPLETED)),
        applied=Count("pk", filter=Q(status=EnrolmentStatus.APPLIED)),
    )
    sessions = programme.sessions.select_related("trainer__user", "facility").annotate(
        present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
        recorded=Count("attendance"),
    )
    return ProgrammeDetail(
        programme=programme,
        trainers=list(programme.trainers.select_related("user", "organization")),
        sessions=[SessionRow(s, s.present, s.recorded) for s in sessions],
        enrolments=enrolments,
        hidden=totals["all"] - len(enrolments),
        places_taken=totals["places"],
        completed=totals["completed"],
        applied=totals["applied"],
        facilities=list(programme.facilities.all()),
    )


def session_roster(user: User, session: Session) -> list[tuple[Enrolment, str]]:
    """The participants the user sees who were enrolled for the session, with the attendance already recorded."""
    recorded = dict(Attendance.objects.filter(session=session).values_list("enrolment_id", "status"))
    enrolments = (
        enrolments_visible_to(user)
        .filter(programme_id=session.programme_id)
        .filter(Q(status=EnrolmentStatus.ENROLLED) | Q(pk__in=list(recorded)))
        .select_related("person", "staff")
        .order_by("pk")
    )
    return [(enrolment, recorded.get(enrolment.pk, "")) for enrolment in enrolments]


def attendance_of(enrolment: Enrolment) -> list[tuple[Session, str]]:
    """Each session of the programme with this participant's attendance ('' when not recorded)."""
    marks = dict(enrolment.attendance.values_list("session_id", "status"))
    return [(session, marks.get(session.pk, "")) for session in enrolment.programme.sessions.all()]


# Enrolling ------------------------------------------------------------------------------------------


def enrolment_candidates(user: User, programme: Programme, query: str = "", here_only: bool = True):
    """People the user may enrol: visible, of the programme's administration, of its participants' sex, not
    already in it; for partner staff only those who consented to training with their organization."""
    scope = scope_of(user)
    people = people_visible_to(user).filter(administration_id=programme.administration_id)
    if scope.is_partner:
        consents = active_consents(scope.organization_id).filter(person=OuterRef("pk"), purpose=ConsentPurpose.TRAINING)
        people = people.filter(Exists(consents))
    if programme.sex:
        people = people.filter(sex=programme.sex)
    facility_ids = [facility.pk for facility in programme.facilities.all()]
    if here_only and facility_ids:
        people = people.filter(facility_id__in=facility_ids, status="in_custody")
    people = people.exclude(Exists(Enrolment.objects.filter(programme=programme, person=OuterRef("pk"))))
    code = query.strip().upper()
    if code.startswith("P-"):
        return search_people(people, PeopleFilters(code=code)).select_related("facility")
    return (
        search_people(people, PeopleFilters(query=query))
        .select_related("facility")
        .order_by("family_name", "given_name", "pk")
    )


def staff_candidates(user: User, programme: Programme, query: str = "") -> QuerySet[User]:
    """Users of the programme's administration who may take part in its staff training."""
    if scope_of(user).sees_nothing_internal:
        return User.objects.none()
    users = User.objects.filter(
        administration_id=programme.administration_id, role__in=STAFF_ROLES, is_active=True
    ).exclude(Exists(Enrolment.objects.filter(programme=programme, staff=OuterRef("pk"))))
    for token in query.split():
        users = users.filter(
            Q(username__icontains=token) | Q(first_name__icontains=token) | Q(last_name__icontains=token)
        )
    return users.select_related("facility").order_by("last_name", "first_name", "username")


def participant_for(user: User, programme: Programme, code: str):
    """The person (by public code) or staff user (by username) the user may enrol in this programme; else None."""
    if programme.is_staff_training:
        return staff_candidates(user, programme).filter(username=code).first()
    return (
        enrolment_candidates(user, programme, here_only=False)
        .filter(public_code=code.strip().upper())
        .select_related("administration")
        .first()
    )


# A person's training and an agreement's programmes ------------------------------------------------------


def person_training(user: User, person: Person) -> dict:
    """The person page's section: every programme the person took part in (the reader already sees the
    person's education), with a link where the reader may open it; one query whatever the person's record."""
    valid = Certificate.objects.filter(enrolment=OuterRef("pk"), revoked_at__isnull=True)
    enrolments = (
        Enrolment.objects.filter(person=person)
        .annotate(
            present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
            certificate_number=Subquery(valid.values("number")[:1]),
            programme_link=Exists(programmes_visible_to(user).filter(pk=OuterRef("programme_id"))),
            enrolment_link=Exists(enrolments_visible_to(user).filter(pk=OuterRef("pk"))),
        )
        .select_related("programme__provider")
        .order_by("-programme__starts_on", "-pk")
    )
    rows = [
        {
            "enrolment": e,
            "rate": rate_of(e),
            "certificate": e.certificate_number,
            "programme_link": e.programme_link,
            "enrolment_link": e.enrolment_link,
        }
        for e in enrolments
    ]
    return {"rows": rows, "person": person}


def agreement_programmes(user: User, agreement: Agreement) -> dict:
    programmes = with_counts(programmes_visible_to(user).filter(agreement=agreement)).select_related("commitment")
    # Shown on agreements about training, and on any other that a programme happens to deliver.
    relevant = agreement.domains.filter(domain__in=["training", "crafts", "staff_training"]).exists()
    return {"programmes": list(programmes.order_by("-starts_on", "reference")), "relevant": relevant}


# Certificates -----------------------------------------------------------------------------------------


def certificates_visible_to(user: User) -> QuerySet[Certificate]:
    return Certificate.objects.filter(enrolment__in=enrolments_visible_to(user).values("pk")).select_related(
        "issuer", "enrolment__programme", "enrolment__person", "enrolment__staff"
    )


def find_certificate(number: str, code: str) -> Certificate | None:
    """The certificate with this number and verification code, for the public page; None if no such pair."""
    number = (number or "").strip().upper()
    code = "".join((code or "").split()).upper().replace("O", "0").replace("I", "1").replace("L", "1")
    if len(code) == 10:
        code = f"{code[:5]}-{code[5:]}"
    if not number or not code:
        return None
    return (
        Certificate.objects.select_related("issuer", "enrolment__programme")
        .filter(number=number, verification_code=code)
        .first()
    )


def default_completion_day(programme: Programme) -> datetime.date:
    return min(programme.ends_on, timezone.localdate())
