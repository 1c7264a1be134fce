"""API of the training app, mounted at /api/v1/training/: programmes, trainers, sessions and attendance,
enrolments and their outcomes, certificates, and the public verification (no sign-in).

Thin over the selectors and services. Participants appear by public code (people) or username (staff),
never by name: names are read through the people API, under the sections the caller may see.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from karama.agreements.models import Commitment
from karama.agreements.selectors import agreements_visible_to
from karama.core.access import scope_of
from karama.core.models import Facility, Organization, User
from karama.core.selectors import administrations_managed_by, facilities_visible_to, organizations_visible_to
from karama.people.models import AccessAction, Sex
from karama.people.selectors import get_person_for
from karama.people.services import log_access
from karama.training import services
from karama.training.certificates import certificate_language, render_certificate_pdf, verify_url
from karama.training.eligibility import hints_for
from karama.training.models import (
    AttendanceStatus,
    Certificate,
    CustodyEndReason,
    Enrolment,
    Programme,
    ProgrammeKind,
    Session,
    Trainer,
)
from karama.training.selectors import (
    ProgrammeFilters,
    certificates_visible_to,
    enrolments_visible_to,
    get_enrolment_for,
    get_programme_for,
    get_programme_to_manage,
    get_programme_to_run,
    participant_for,
    programme_list_for,
    rate_of,
    valid_certificate,
    with_attendance,
    with_counts,
)
from karama.training.verification import client_address, verify_certificate

router = Router(tags=["training"])

# Out ----------------------------------------------------------------------------------------------------


class ProgrammeOut(Schema):
    id: int
    reference: str
    kind: str
    administration: str = Field(..., alias="administration.code")
    name: str
    names: dict[str, str]
    original_language: str
    certificate_titles: dict[str, str]
    provider: str = Field(..., alias="provider.code")
    coordinator: str | None
    agreement: int | None = Field(None, alias="agreement_id")
    commitment: int | None = Field(None, alias="commitment_id")
    facilities: list[str]
    occupation: str
    capacity: int
    sex: str
    starts_on: datetime.date
    ends_on: datetime.date
    planned_hours: int | None
    requires_literacy: bool
    minimum_attendance: int | None
    description: str
    places_taken: int = Field(..., description="Enrolled, completed or failed: the places held.")
    completed: int = Field(..., alias="completed_count")
    waiting: int = Field(..., alias="applied_count")

    @staticmethod
    def resolve_coordinator(programme: Programme) -> str | None:
        return programme.coordinator.code if programme.coordinator_id else None

    @staticmethod
    def resolve_facilities(programme: Programme) -> list[str]:
        return [facility.code for facility in programme.facilities.all()]


class TrainerOut(Schema):
    id: int
    user: str | None
    name: str
    organization: str | None
    expertise: str

    @staticmethod
    def of(trainer: Trainer) -> "TrainerOut":
        return TrainerOut(
            id=trainer.pk,
            user=trainer.user.username if trainer.user_id else None,
            name=trainer.display_name,
            organization=trainer.organization.code if trainer.organization_id else None,
            expertise=trainer.expertise,
        )


class SessionOut(Schema):
    id: int
    held_on: datetime.date
    starts_at: datetime.time | None
    ends_at: datetime.time | None
    topic: str
    facility: str | None
    trainer: int | None

    @staticmethod
    def of(session: Session) -> "SessionOut":
        return SessionOut(
            id=session.pk,
            held_on=session.held_on,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            topic=session.topic,
            facility=session.facility.code if session.facility_id else None,
            trainer=session.trainer_id,
        )


class AttendanceOut(Schema):
    enrolment: str
    participant: str
    status: str


class CertificateOut(Schema):
    id: int
    enrolment: str
    number: str
    verification_code: str
    issuer: str
    issued_on: datetime.date
    revoked_at: datetime.datetime | None
    revocation_reason: str

    @staticmethod
    def of(certificate: Certificate) -> "CertificateOut":
        return CertificateOut(
            id=certificate.pk,
            enrolment=certificate.enrolment.public_code,
            number=certificate.number,
            verification_code=certificate.verification_code,
            issuer=certificate.issuer.code,
            issued_on=certificate.issued_on,
            revoked_at=certificate.revoked_at,
            revocation_reason=certificate.revocation_reason,
        )


class EnrolmentOut(Schema):
    code: str = Field(..., alias="public_code")
    programme: int = Field(..., alias="programme_id")
    person: str | None = Field(None, description="The participant's public code (inmates' programmes).")
    staff: str | None = Field(None, description="The participant's username (staff training).")
    status: str
    end_reason: str
    ended_on: datetime.date | None
    score: int | None
    result_note: str
    attendance_rate: int | None = Field(None, description="Percent present of the sessions counted; excused left out.")
    certificate: str | None = Field(None, description="Number of the valid certificate, if any.")

    @staticmethod
    def resolve_person(enrolment: Enrolment) -> str | None:
        return enrolment.person.public_code if enrolment.person_id else None

    @staticmethod
    def resolve_staff(enrolment: Enrolment) -> str | None:
        return enrolment.staff.username if enrolment.staff_id else None

    @staticmethod
    def resolve_attendance_rate(enrolment: Enrolment) -> int | None:
        return rate_of(enrolment)

    @staticmethod
    def resolve_certificate(enrolment: Enrolment) -> str | None:
        certificate = valid_certificate(enrolment)
        return certificate.number if certificate else None


class HintOut(Schema):
    tone: str = Field(..., description="good, warning or note")
    text: str


class VerificationOut(Schema):
    valid: bool
    revoked: bool
    programme: str
    issuer: str
    issued_on: datetime.date


# In -----------------------------------------------------------------------------------------------------


class ProgrammeIn(Schema):
    administration: str
    reference: str
    kind: ProgrammeKind
    names: dict[str, str]
    original_language: str = "en"
    certificate_titles: dict[str, str] = {}
    provider: str
    coordinator: str | None = None
    agreement: int | None = None
    commitment: int | None = None
    facilities: list[str] = []
    occupation: str = ""
    capacity: int
    sex: Sex | None = None
    starts_on: datetime.date
    ends_on: datetime.date
    planned_hours: int | None = None
    requires_literacy: bool = False
    minimum_attendance: int | None = None
    description: str = ""


class ProgrammePatch(Schema):
    reference: str | None = None
    kind: ProgrammeKind | None = None
    names: dict[str, str] | None = None
    original_language: str | None = None
    certificate_titles: dict[str, str] | None = None
    provider: str | None = None
    coordinator: str | None = None
    agreement: int | None = None
    commitment: int | None = None
    facilities: list[str] | None = None
    occupation: str | None = None
    capacity: int | None = None
    sex: Sex | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    planned_hours: int | None = None
    requires_literacy: bool | None = None
    minimum_attendance: int | None = None
    description: str | None = None


class ProgrammeQuery(Schema):
    q: str = ""
    kind: str = ""
    provider: str = ""
    facility: str = ""
    phase: str = Field("", description="upcoming, running or ended")
    agreement: int | None = None


class TrainerIn(Schema):
    user: str | None = Field(None, description="Username of a user of the provider.")
    name: str = Field("", description="An exchanged expert's name, when not a user.")
    organization: str | None = Field(None, description="The expert's organization.")
    expertise: str = ""


class SessionIn(Schema):
    held_on: datetime.date
    starts_at: datetime.time | None = None
    ends_at: datetime.time | None = None
    topic: str = ""
    facility: str | None = None
    trainer: int | None = None


class MarkIn(Schema):
    enrolment: str
    status: AttendanceStatus


class AttendanceIn(Schema):
    marks: list[MarkIn]


class EnrolmentIn(Schema):
    person: str | None = Field(None, description="Public code of an inmate (inmates' programmes).")
    staff: str | None = Field(None, description="Username of a staff member (staff training).")
    waiting_list: bool = False


class CompleteIn(Schema):
    on: datetime.date
    score: int | None = None
    note: str = ""
    certificate_number: str = Field("", description="Only if the provider already numbered it; else the next one.")


class FailIn(Schema):
    on: datetime.date
    score: int | None = None
    note: str = ""


class DropoutIn(Schema):
    on: datetime.date
    note: str = ""


class CustodyEndIn(Schema):
    on: datetime.date
    reason: CustodyEndReason


class CertificateIn(Schema):
    number: str = ""


class RevokeIn(Schema):
    reason: str


# Helpers ------------------------------------------------------------------------------------------------


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _organization(user: User, code: str | None, field: str) -> Organization | None:
    if not code:
        return None
    organization = organizations_visible_to(user).filter(code=code).first()
    if organization is None:
        raise ValidationError({field: _("Unknown organization.")})
    return organization


def _facilities(user: User, codes: list[str]) -> list[Facility]:
    facilities = list(facilities_visible_to(user).filter(code__in=codes))
    if len(facilities) != len(set(codes)):
        raise ValidationError({"facilities": _("Unknown facility.")})
    return facilities


def _agreement_and_commitment(user: User, data: dict) -> None:
    if "agreement" in data:
        agreement_id = data["agreement"]
        data["agreement"] = agreements_visible_to(user).filter(pk=agreement_id).first() if agreement_id else None
        if agreement_id and data["agreement"] is None:
            raise ValidationError({"agreement": _("Unknown agreement.")})
    if "commitment" in data:
        commitment_id = data["commitment"]
        visible = Commitment.objects.filter(agreement__in=agreements_visible_to(user))
        data["commitment"] = visible.filter(pk=commitment_id).first() if commitment_id else None
        if commitment_id and data["commitment"] is None:
            raise ValidationError({"commitment": _("Unknown commitment.")})


def _out(user: User, programme_id: int) -> Programme:
    programmes = with_counts(Programme.objects.filter(pk=programme_id))
    return programmes.select_related("administration", "provider", "coordinator").prefetch_related("facilities").get()


def _enrolment_of(request, programme: Programme, code: str) -> Enrolment:
    enrolment = enrolments_visible_to(request.auth).filter(programme=programme, public_code=code.upper()).first()
    if enrolment is None:
        raise ValidationError({"enrolment": _("Unknown participant of this programme: %(code)s.") % {"code": code}})
    return enrolment


def _session(programme: Programme, session_id: int) -> Session:
    session = programme.sessions.filter(pk=session_id).first()
    if session is None:
        raise Http404
    return session


def _enrolment_out(request, code: str) -> Enrolment:
    return get_enrolment_for(request.auth, code)


def _running(request, code: str) -> Enrolment:
    enrolment = get_enrolment_for(request.auth, code)
    get_programme_to_run(request.auth, enrolment.programme_id)
    return enrolment


# Programmes ---------------------------------------------------------------------------------------------


@router.get("/programmes/", response=list[ProgrammeOut])
@paginate(LimitOffsetPagination)
def list_programmes(request, filters: Query[ProgrammeQuery]) -> QuerySet[Programme]:
    if scope_of(request.auth).sees_nothing_internal:
        raise Http404
    values = filters.dict()
    values["query"] = values.pop("q")
    return programme_list_for(request.auth, ProgrammeFilters(**values))


@router.get("/programmes/{int:programme_id}/", response=ProgrammeOut)
def get_programme(request, programme_id: int):
    return _out(request.auth, get_programme_for(request.auth, programme_id).pk)


@router.post("/programmes/", response={201: ProgrammeOut})
def create_programme(request, payload: ProgrammeIn):
    data = payload.dict()
    administration = administrations_managed_by(request.auth).filter(code=data.pop("administration")).first()
    if administration is None:
        raise ValidationError({"administration": _("Unknown administration.")})
    data["provider"] = _organization(request.auth, data["provider"], "provider")
    if data["provider"] is None:
        raise ValidationError({"provider": _("Choose the provider.")})
    data["coordinator"] = _organization(request.auth, data["coordinator"], "coordinator")
    data["facilities"] = _facilities(request.auth, data["facilities"])
    data["sex"] = data["sex"] or ""
    _agreement_and_commitment(request.auth, data)
    programme = services.create_programme(by=request.auth, administration=administration, **data)
    return Status(201, _out(request.auth, programme.pk))


@router.patch("/programmes/{int:programme_id}/", response=ProgrammeOut)
def update_programme(request, programme_id: int, payload: ProgrammePatch):
    programme = get_programme_to_manage(request.auth, programme_id)
    changes = payload.dict(exclude_unset=True)
    facilities = _facilities(request.auth, changes.pop("facilities")) if "facilities" in changes else None
    for field in ("provider", "coordinator"):
        if field in changes:
            changes[field] = _organization(request.auth, changes[field], field)
    if "provider" in changes and changes["provider"] is None:
        raise ValidationError({"provider": _("Choose the provider.")})
    if "sex" in changes:
        changes["sex"] = changes["sex"] or ""
    _agreement_and_commitment(request.auth, changes)
    services.update_programme(programme=programme, by=request.auth, facilities=facilities, **changes)
    return _out(request.auth, programme.pk)


# Trainers and sessions -----------------------------------------------------------------------------------


@router.get("/programmes/{int:programme_id}/trainers/", response=list[TrainerOut])
def list_trainers(request, programme_id: int):
    programme = get_programme_for(request.auth, programme_id)
    return [TrainerOut.of(t) for t in programme.trainers.select_related("user", "organization")]


@router.post("/programmes/{int:programme_id}/trainers/", response={201: TrainerOut})
def add_trainer(request, programme_id: int, payload: TrainerIn):
    programme = get_programme_to_run(request.auth, programme_id)
    data = payload.dict()
    user = None
    if data["user"]:
        user = User.objects.filter(username=data["user"]).first()
        if user is None:
            raise ValidationError({"user": _("Choose a user of the provider.")})
    organization = _organization(request.auth, data["organization"], "organization")
    trainer = services.add_trainer(
        programme=programme,
        by=request.auth,
        user=user,
        name=data["name"],
        organization=organization,
        expertise=data["expertise"],
    )
    return Status(201, TrainerOut.of(trainer))


@router.delete("/programmes/{int:programme_id}/trainers/{int:trainer_id}/", response={204: None})
def remove_trainer(request, programme_id: int, trainer_id: int):
    programme = get_programme_to_run(request.auth, programme_id)
    trainer = programme.trainers.filter(pk=trainer_id).first()
    if trainer is None:
        raise Http404
    services.remove_trainer(trainer=trainer, by=request.auth)
    return Status(204, None)


@router.get("/programmes/{int:programme_id}/sessions/", response=list[SessionOut])
def list_sessions(request, programme_id: int):
    programme = get_programme_for(request.auth, programme_id)
    return [SessionOut.of(s) for s in programme.sessions.select_related("facility")]


@router.post("/programmes/{int:programme_id}/sessions/", response={201: SessionOut})
def schedule_session(request, programme_id: int, payload: SessionIn):
    programme = get_programme_to_run(request.auth, programme_id)
    data = payload.dict()
    facility = None
    if data["facility"]:
        facility = programme.facilities.filter(code=data["facility"]).first()
        if facility is None:
            raise ValidationError({"facility": _("The programme is not held in this facility.")})
    trainer = None
    if data["trainer"]:
        trainer = programme.trainers.filter(pk=data["trainer"]).first()
        if trainer is None:
            raise ValidationError({"trainer": _("Choose a trainer of this programme.")})
    session = services.schedule_session(
        programme=programme,
        by=request.auth,
        held_on=data["held_on"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        topic=data["topic"],
        facility=facility,
        trainer=trainer,
    )
    return Status(201, SessionOut.of(session))


@router.delete("/programmes/{int:programme_id}/sessions/{int:session_id}/", response={204: None})
def remove_session(request, programme_id: int, session_id: int):
    programme = get_programme_to_run(request.auth, programme_id)
    services.remove_session(session=_session(programme, session_id), by=request.auth)
    return Status(204, None)


def _attendance(request, session: Session) -> list[AttendanceOut]:
    visible = enrolments_visible_to(request.auth).filter(programme_id=session.programme_id)
    rows = session.attendance.filter(enrolment__in=visible).select_related("enrolment__person", "enrolment__staff")
    return [
        AttendanceOut(
            enrolment=row.enrolment.public_code, participant=row.enrolment.participant_code, status=row.status
        )
        for row in rows
    ]


@router.get("/programmes/{int:programme_id}/sessions/{int:session_id}/attendance/", response=list[AttendanceOut])
def get_attendance(request, programme_id: int, session_id: int):
    programme = get_programme_for(request.auth, programme_id)
    return _attendance(request, _session(programme, session_id))


@router.put("/programmes/{int:programme_id}/sessions/{int:session_id}/attendance/", response=list[AttendanceOut])
def record_attendance(request, programme_id: int, session_id: int, payload: AttendanceIn):
    programme = get_programme_to_run(request.auth, programme_id)
    session = _session(programme, session_id)
    marks = {_enrolment_of(request, programme, mark.enrolment): mark.status for mark in payload.marks}
    services.record_attendance(session=session, by=request.auth, marks=marks)
    return _attendance(request, session)


# Enrolments ---------------------------------------------------------------------------------------------


@router.get("/programmes/{int:programme_id}/enrolments/", response=list[EnrolmentOut])
@paginate(LimitOffsetPagination)
def list_programme_enrolments(request, programme_id: int) -> QuerySet[Enrolment]:
    programme = get_programme_for(request.auth, programme_id)
    enrolments = with_attendance(enrolments_visible_to(request.auth).filter(programme=programme))
    return enrolments.select_related("person", "staff").order_by("pk")


@router.post("/programmes/{int:programme_id}/enrolments/", response={201: EnrolmentOut})
def enrol(request, programme_id: int, payload: EnrolmentIn):
    programme = get_programme_to_run(request.auth, programme_id)
    if programme.is_staff_training:
        staff = participant_for(request.auth, programme, payload.staff or "")
        if staff is None:
            raise ValidationError({"staff": _("Choose a member of the administration's staff.")})
        participant = {"staff": staff}
    else:
        # 404 outside the caller's scope; the service says why someone visible cannot be enrolled.
        participant = {"person": get_person_for(request.auth, (payload.person or "").strip().upper())}
    enrolment = services.enrol(programme=programme, by=request.auth, waiting_list=payload.waiting_list, **participant)
    return Status(201, _enrolment_out(request, enrolment.public_code))


@router.get("/programmes/{int:programme_id}/eligibility/{code}/", response=list[HintOut])
def eligibility(request, programme_id: int, code: str):
    """The hints shown beside a candidate: release date against the programme's end, literacy, assessment."""
    programme = get_programme_to_run(request.auth, programme_id)
    person = get_person_for(request.auth, code.strip().upper())
    return [HintOut(tone=hint.tone, text=hint.text) for hint in hints_for(request.auth, programme, person)]


@router.get("/enrolments/", response=list[EnrolmentOut])
@paginate(LimitOffsetPagination)
def list_enrolments(request, person: str = "", status: str = "") -> QuerySet[Enrolment]:
    enrolments: QuerySet[Enrolment] = with_attendance(enrolments_visible_to(request.auth))
    if person:
        enrolments = enrolments.filter(person__public_code=person.strip().upper())
    if status:
        enrolments = enrolments.filter(status=status)
    return enrolments.select_related("person", "staff").order_by("pk")


@router.get("/enrolments/{code}/", response=EnrolmentOut)
def get_enrolment(request, code: str):
    enrolment = get_enrolment_for(request.auth, code)
    if enrolment.person_id:
        log_access(
            user=request.auth,
            person=enrolment.person,
            action=AccessAction.API_READ,
            detail=f"training {enrolment.public_code}",
            address=_address(request),
        )
    return enrolment


@router.post("/enrolments/{code}/confirm/", response=EnrolmentOut)
def confirm_enrolment(request, code: str):
    services.confirm_enrolment(enrolment=_running(request, code), by=request.auth)
    return _enrolment_out(request, code)


@router.post("/enrolments/{code}/complete/", response=EnrolmentOut)
def complete_enrolment(request, code: str, payload: CompleteIn):
    services.complete_enrolment(enrolment=_running(request, code), by=request.auth, **payload.dict())
    return _enrolment_out(request, code)


@router.post("/enrolments/{code}/fail/", response=EnrolmentOut)
def fail_enrolment(request, code: str, payload: FailIn):
    services.fail_enrolment(enrolment=_running(request, code), by=request.auth, **payload.dict())
    return _enrolment_out(request, code)


@router.post("/enrolments/{code}/dropout/", response=EnrolmentOut)
def record_dropout(request, code: str, payload: DropoutIn):
    services.record_dropout(enrolment=_running(request, code), by=request.auth, **payload.dict())
    return _enrolment_out(request, code)


@router.post("/enrolments/{code}/custody-end/", response=EnrolmentOut)
def end_for_custody_reason(request, code: str, payload: CustodyEndIn):
    services.end_for_custody_reason(enrolment=_running(request, code), by=request.auth, **payload.dict())
    return _enrolment_out(request, code)


# Certificates -------------------------------------------------------------------------------------------


@router.get("/certificates/", response=list[CertificateOut])
@paginate(LimitOffsetPagination)
def list_certificates(request, number: str = "") -> list[CertificateOut]:
    certificates = certificates_visible_to(request.auth)
    if number:
        certificates = certificates.filter(number=number.strip().upper())
    return [CertificateOut.of(c) for c in certificates.order_by("-issued_on", "-pk")]


@router.post("/enrolments/{code}/certificates/", response={201: CertificateOut})
def issue_certificate(request, code: str, payload: CertificateIn):
    enrolment = _running(request, code)
    certificate = services.issue_certificate(
        enrolment=enrolment, by=request.auth, number=payload.number, issued_on=enrolment.ended_on
    )
    return Status(201, CertificateOut.of(certificate))


def _certificate(request, code: str, certificate_id: int) -> Certificate:
    enrolment = get_enrolment_for(request.auth, code)
    certificate = enrolment.certificates.select_related("issuer").filter(pk=certificate_id).first()
    if certificate is None:
        raise Http404
    certificate.enrolment = enrolment
    return certificate


@router.post("/enrolments/{code}/certificates/{int:certificate_id}/revoke/", response=CertificateOut)
def revoke_certificate(request, code: str, certificate_id: int, payload: RevokeIn):
    certificate = _certificate(request, code, certificate_id)
    revoked = services.revoke_certificate(certificate=certificate, by=request.auth, reason=payload.reason)
    revoked.enrolment = certificate.enrolment
    return CertificateOut.of(revoked)


@router.get("/enrolments/{code}/certificates/{int:certificate_id}/pdf/", response={200: None})
def certificate_pdf(request, code: str, certificate_id: int, language: str = ""):
    """The certificate as a PDF, in the participant's language unless `language` (ar, fa, fr, en) is given."""
    certificate = _certificate(request, code, certificate_id)
    if not certificate.is_valid:
        raise Http404
    language = certificate_language(certificate, language)
    pdf = render_certificate_pdf(certificate, language, verify_url(request, certificate, language))
    if certificate.enrolment.person_id:
        log_access(
            user=request.auth,
            person=certificate.enrolment.person,
            action=AccessAction.EXPORT,
            detail=f"certificate {certificate.number}",
            address=_address(request),
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}-{language}.pdf"'
    return response


@router.get("/verify/", response=VerificationOut, auth=None)
def verify(request, number: str, code: str):
    """Public, no sign-in: whether a certificate with this number and code exists and is valid, with its
    programme, issuer and date. Never the holder's name."""
    result = verify_certificate(number=number, code=code, address=client_address(request))
    if result.throttled:
        from ninja.errors import HttpError

        raise HttpError(429, _("Too many attempts from your connection. Try again in a quarter of an hour."))
    if result.found is None:
        raise Http404
    return VerificationOut(
        valid=result.found.is_valid,
        revoked=not result.found.is_valid,
        programme=result.title,
        issuer=result.found.issuer.name,
        issued_on=result.found.issued_on,
    )
