"""The operations that change programmes, sessions, enrolments, attendance and certificates.

Each checks the actor's right and its input, runs in one transaction and is written to the change history
in it; a refused change raises a translated ValidationError and writes nothing. Enrolling locks the
programme row, so two enrolments racing for the last place never both get it.
"""

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from karama.agreements.models import Agreement, Commitment
from karama.core.access import require_manage, scope_of
from karama.core.formatting import format_date
from karama.core.models import Facility, Organization, User, validate_names
from karama.core.selectors import organizations_visible_to
from karama.core.text import normalize_for_search
from karama.people.catalogues import OCCUPATION_GROUPS
from karama.people.models import ConsentPurpose, Person, Sex
from karama.people.selectors import active_consents, is_visible
from karama.training.models import (
    PLACE_STATUSES,
    Attendance,
    AttendanceStatus,
    Certificate,
    CertificateSeries,
    CustodyEndReason,
    Enrolment,
    EnrolmentStatus,
    Programme,
    Session,
    Trainer,
    attendance_rate,
)
from karama.training.selectors import STAFF_ROLES, can_revoke_certificate, can_run_programme, enrolments_visible_to

PROGRAMME_FIELDS = (
    "reference",
    "kind",
    "names",
    "original_language",
    "certificate_titles",
    "coordinator",
    "agreement",
    "commitment",
    "occupation",
    "capacity",
    "sex",
    "starts_on",
    "ends_on",
    "planned_hours",
    "requires_literacy",
    "minimum_attendance",
    "description",
)
# What a programme's completions may count toward: people for inmates' programmes, staff for staff training,
# and, for either, the courses or workshops an agreement promised (a programme counts once it has a graduate).
PEOPLE_UNITS = {Commitment.Unit.PEOPLE_TRAINED, Commitment.Unit.COURSES, Commitment.Unit.WORKSHOPS}
STAFF_UNITS = {Commitment.Unit.STAFF_TRAINED, Commitment.Unit.COURSES, Commitment.Unit.WORKSHOPS}
# A certificate is shown to employers: its title never says where the course was held.
_PRISON_WORDS = [
    normalize_for_search(word)
    for word in (
        "سجن",
        "سجين",
        "نزيل",
        "نزلاء",
        "إصلاحية",
        "زندان",
        "مددجو",
        "prison",
        "détenu",
        "pénitentiaire",
        "carcéral",
        "incarcér",
        "inmate",
        "reformator",
    )
]


def _clean(instance, exclude: list[str] | None = None) -> None:
    """Model validation, with the unique checks left to the explicit, translated ones."""
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _require_run(by: User, programme: Programme) -> None:
    if not can_run_programme(by, programme):
        raise PermissionDenied


def _names(value: dict | None) -> dict:
    return {code: text.strip() for code, text in (value or {}).items() if text and text.strip()}


# Programmes ------------------------------------------------------------------------------------------


def _check_reference(administration_id: int, reference: str, exclude_pk: int | None = None) -> str:
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("Give the programme a reference.")})
    clash = Programme.objects.filter(administration_id=administration_id, reference__iexact=reference)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"reference": _("Another programme already has the reference %(reference)s.") % {"reference": reference}}
        )
    return reference


def _check_certificate_title(programme: Programme) -> None:
    if programme.is_staff_training:
        # Staff certificates may well name the prison service: they carry no stigma.
        return
    for text in (programme.certificate_titles or programme.names).values():
        normalized = normalize_for_search(text)
        if any(word in normalized for word in _PRISON_WORDS):
            field = "certificate_titles" if programme.certificate_titles else "names"
            raise ValidationError(
                {
                    field: _(
                        "Certificates are shown to employers and must not mention prison: give a title on the "
                        "certificate without it."
                    )
                }
            )


def _check_programme(programme: Programme, by: User, facilities: list[Facility] | None) -> None:
    """The rules between a programme's fields: dates, provider, agreement and commitment, facilities."""
    if programme.provider_id is None:
        raise ValidationError({"provider": _("Choose the provider.")})
    if programme.capacity is None or programme.capacity < 1:
        raise ValidationError({"capacity": _("A programme has at least one place.")})
    if programme.minimum_attendance is not None and not 1 <= programme.minimum_attendance <= 100:
        raise ValidationError({"minimum_attendance": _("Give a percentage between 1 and 100.")})
    if programme.starts_on and programme.ends_on and programme.ends_on < programme.starts_on:
        raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})
    if programme.occupation and (programme.occupation not in OCCUPATION_GROUPS or len(programme.occupation) != 2):
        raise ValidationError({"occupation": _("Unknown occupation group.")})
    visible = organizations_visible_to(by)
    for field in ("provider", "coordinator"):
        organization = getattr(programme, field)
        if organization is not None and not visible.filter(pk=organization.pk).exists():
            raise ValidationError({field: _("Choose an organization you work with.")})
    if programme.provider.is_administration and not programme.is_staff_training:
        raise ValidationError(
            {"provider": _("Certificates of inmates' programmes are issued by the provider, not the administration.")}
        )
    if programme.provider.is_administration and programme.provider_id != programme.administration_id:
        raise ValidationError({"provider": _("Choose an organization you work with.")})
    _check_agreement(programme)
    for facility in facilities or []:
        if facility.administration_id != programme.administration_id:
            raise ValidationError({"facilities": _("The facility belongs to another administration.")})
    if programme.is_staff_training and programme.sex:
        programme.sex = ""
    _check_certificate_title(programme)


def _check_agreement(programme: Programme) -> None:
    agreement, commitment = programme.agreement, programme.commitment
    if agreement is None:
        if commitment is not None:
            raise ValidationError({"commitment": _("Choose the agreement first.")})
        return
    if agreement.administration_id != programme.administration_id:
        raise ValidationError({"agreement": _("Choose an agreement of the programme's administration.")})
    parties = set(agreement.parties.values_list("organization_id", flat=True))
    if programme.provider_id not in parties | {agreement.administration_id}:
        raise ValidationError({"provider": _("The provider is not a party to this agreement.")})
    if programme.coordinator_id and programme.coordinator_id not in parties:
        raise ValidationError({"coordinator": _("This organization is not a party to the agreement.")})
    if commitment is None:
        return
    if commitment.agreement_id != agreement.pk:
        raise ValidationError({"commitment": _("Choose a commitment of this agreement.")})
    units = STAFF_UNITS if programme.is_staff_training else PEOPLE_UNITS
    if commitment.unit not in units:
        raise ValidationError(
            {
                "commitment": _(
                    "Choose a commitment counted in people trained (staff trained for staff training), "
                    "courses or workshops."
                )
            }
        )


def create_programme(
    *,
    by: User,
    administration: Organization,
    reference: str,
    kind: str,
    names: dict,
    provider: Organization,
    starts_on: datetime.date,
    ends_on: datetime.date,
    capacity: int,
    original_language: str = "en",
    facilities: Iterable[Facility] = (),
    coordinator: Organization | None = None,
    agreement: Agreement | None = None,
    commitment: Commitment | None = None,
    occupation: str = "",
    sex: str = "",
    planned_hours: int | None = None,
    requires_literacy: bool = False,
    minimum_attendance: int | None = None,
    certificate_titles: dict | None = None,
    description: str = "",
) -> Programme:
    require_manage(by, administration.pk)
    if not administration.is_administration:
        raise ValidationError({"administration": _("Programmes belong to a prison administration.")})
    facilities = list(facilities)
    programme = Programme(
        administration=administration,
        reference=_check_reference(administration.pk, reference),
        kind=kind,
        names=_names(names),
        original_language=original_language,
        certificate_titles=_names(certificate_titles),
        provider=provider,
        coordinator=coordinator,
        agreement=agreement,
        commitment=commitment,
        occupation=occupation or "",
        capacity=capacity,
        sex=sex or "",
        starts_on=starts_on,
        ends_on=ends_on,
        planned_hours=planned_hours,
        requires_literacy=requires_literacy,
        minimum_attendance=minimum_attendance,
        description=description,
        created_by=by,
    )
    _check_programme(programme, by, facilities)
    _clean(programme)
    try:
        with transaction.atomic():
            programme.save()
            programme.facilities.set(facilities)
    except IntegrityError:
        raise ValidationError(
            {"reference": _("Another programme already has the reference %(reference)s.") % {"reference": reference}}
        ) from None
    return programme


def update_programme(
    *, programme: Programme, by: User, facilities: Iterable[Facility] | None = None, **changes
) -> Programme:
    require_manage(by, programme.administration_id)
    unknown = set(changes) - set(PROGRAMME_FIELDS) - {"provider"}
    if unknown:
        raise ValueError(f"update_programme cannot change {sorted(unknown)}")
    for field in ("names", "certificate_titles"):
        if field in changes:
            changes[field] = _names(changes[field])
    if "names" in changes:
        validate_names(changes["names"])
    if "reference" in changes:
        changes["reference"] = _check_reference(programme.administration_id, changes["reference"], programme.pk)
    facilities = list(facilities) if facilities is not None else None
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        issued = Certificate.objects.filter(enrolment__programme=locked).exists()
        if "provider" in changes and changes["provider"].pk != locked.provider_id and issued:
            raise ValidationError({"provider": _("Certificates were issued in the provider's name; it stays.")})
        for field, value in changes.items():
            setattr(locked, field, value)
        _check_programme(locked, by, facilities)
        _check_capacity_covers(locked)
        _check_sessions_within(locked)
        _clean(locked)
        locked.save()
        if facilities is not None:
            locked.facilities.set(facilities)
    return locked


def _check_capacity_covers(programme: Programme) -> None:
    taken = programme.enrolments.filter(status__in=PLACE_STATUSES).count()
    if programme.capacity < taken:
        raise ValidationError(
            {"capacity": _("%(taken)s places are already taken; the capacity cannot be lower.") % {"taken": taken}}
        )


def _check_sessions_within(programme: Programme) -> None:
    outside = programme.sessions.exclude(held_on__range=(programme.starts_on, programme.ends_on))
    if outside.exists():
        raise ValidationError({"ends_on": _("Some sessions fall outside these dates; move or remove them first.")})


# Trainers and sessions --------------------------------------------------------------------------------


def add_trainer(
    *,
    programme: Programme,
    by: User,
    user: User | None = None,
    name: str = "",
    organization: Organization | None = None,
    expertise: str = "",
) -> Trainer:
    """A user of the provider, or an exchanged expert named with their organization."""
    _require_run(by, programme)
    name = (name or "").strip()
    if user is None and not name:
        raise ValidationError({"name": _("Choose a user of the provider or name the expert.")})
    if user is not None:
        of_provider = user.organization_id == programme.provider_id or (
            programme.provider.is_administration and user.administration_id == programme.provider_id
        )
        if not of_provider or not user.is_active:
            raise ValidationError({"user": _("Choose a user of the provider.")})
        if programme.trainers.filter(user=user).exists():
            raise ValidationError({"user": _("This trainer is already listed.")})
        name, organization = "", None
    elif organization is not None and not organizations_visible_to(by).filter(pk=organization.pk).exists():
        raise ValidationError({"organization": _("Choose an organization you work with.")})
    trainer = Trainer(programme=programme, user=user, name=name, organization=organization, expertise=expertise)
    _clean(trainer)
    with transaction.atomic():
        trainer.save()
    return trainer


def remove_trainer(*, trainer: Trainer, by: User) -> None:
    _require_run(by, trainer.programme)
    with transaction.atomic():
        trainer.delete()


def schedule_session(
    *,
    programme: Programme,
    by: User,
    held_on: datetime.date,
    topic: str = "",
    starts_at: datetime.time | None = None,
    ends_at: datetime.time | None = None,
    facility: Facility | None = None,
    trainer: Trainer | None = None,
) -> Session:
    _require_run(by, programme)
    if not programme.starts_on <= held_on <= programme.ends_on:
        raise ValidationError(
            {
                "held_on": _("The session must fall between {start} and {end}.").format(
                    start=format_date(programme.starts_on), end=format_date(programme.ends_on)
                )
            }
        )
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The session must end after it starts.")})
    facilities = list(programme.facilities.all())
    if facility is None and len(facilities) == 1:
        facility = facilities[0]
    if facility is not None and facility not in facilities:
        raise ValidationError({"facility": _("The programme is not held in this facility.")})
    if trainer is not None and trainer.programme_id != programme.pk:
        raise ValidationError({"trainer": _("Choose a trainer of this programme.")})
    session = Session(
        programme=programme,
        held_on=held_on,
        starts_at=starts_at,
        ends_at=ends_at,
        topic=(topic or "").strip(),
        facility=facility,
        trainer=trainer,
    )
    _clean(session)
    with transaction.atomic():
        session.save()
    return session


def remove_session(*, session: Session, by: User) -> None:
    _require_run(by, session.programme)
    if session.attendance.exists():
        raise ValidationError(_("Attendance was recorded for this session; it stays."))
    with transaction.atomic():
        session.delete()


# Enrolments -------------------------------------------------------------------------------------------


def _check_person(programme: Programme, by: User, person: Person) -> None:
    if programme.is_staff_training:
        raise ValidationError({"person": _("Staff training is for the administration's staff, not for inmates.")})
    if not is_visible(by, person):
        raise PermissionDenied
    scope = scope_of(by)
    if scope.is_partner:
        consent = active_consents(scope.organization_id).filter(person=person, purpose=ConsentPurpose.TRAINING)
        if not consent.exists():
            raise ValidationError({"person": _("This person has not consented to training with your organization.")})
    if person.administration_id != programme.administration_id:
        raise ValidationError({"person": _("This person belongs to another administration.")})
    if programme.sex and person.sex != programme.sex:
        message = _("This programme is for women.") if programme.sex == Sex.FEMALE else _("This programme is for men.")
        raise ValidationError({"person": message})


def _check_staff(programme: Programme, staff: User) -> None:
    if not programme.is_staff_training:
        raise ValidationError({"staff": _("Only staff training takes the administration's users.")})
    if staff.administration_id != programme.administration_id or staff.role not in STAFF_ROLES or not staff.is_active:
        raise ValidationError({"staff": _("Choose a member of the administration's staff.")})


def _check_place(locked: Programme) -> None:
    taken = locked.enrolments.filter(status__in=PLACE_STATUSES).count()
    if taken >= locked.capacity:
        raise ValidationError(
            _("The programme is full ({capacity} places); add the person to the waiting list instead.").format(
                capacity=locked.capacity
            )
        )


def enrol(
    *,
    programme: Programme,
    by: User,
    person: Person | None = None,
    staff: User | None = None,
    waiting_list: bool = False,
) -> Enrolment:
    """Enrol an inmate (or, in staff training, a user of the administration), or put them on the waiting list.

    Staff enrol the people they can see; partner staff only those who consented to training with their
    organization. The programme row is locked while its places are counted.
    """
    _require_run(by, programme)
    if (person is None) == (staff is None):
        raise ValueError("enrol takes a person or a staff user")
    if person is not None:
        _check_person(programme, by, person)
    else:
        _check_staff(programme, staff)
    if programme.ends_on < timezone.localdate():
        raise ValidationError(
            _("The programme ended on {date}; nobody can be enrolled any more.").format(
                date=format_date(programme.ends_on)
            )
        )
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        already = locked.enrolments.filter(person=person) if person else locked.enrolments.filter(staff=staff)
        if already.exists():
            raise ValidationError(_("Already in this programme."))
        if not waiting_list:
            _check_place(locked)
        enrolment = Enrolment(
            programme=locked,
            person=person,
            staff=staff,
            status=EnrolmentStatus.APPLIED if waiting_list else EnrolmentStatus.ENROLLED,
            enrolled_by=by,
        )
        _clean(enrolment)
        try:
            with transaction.atomic():
                enrolment.save()
        except IntegrityError:
            raise ValidationError(_("Already in this programme.")) from None
    return enrolment


def confirm_enrolment(*, enrolment: Enrolment, by: User) -> Enrolment:
    """Give a place to someone on the waiting list."""
    _require_run(by, enrolment.programme)
    if enrolment.programme.ends_on < timezone.localdate():
        raise ValidationError(_("The programme has ended."))
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=enrolment.programme_id)
        current = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if current.status != EnrolmentStatus.APPLIED:
            raise ValidationError(_("Only an application on the waiting list can be confirmed."))
        _check_place(locked)
        current.status = EnrolmentStatus.ENROLLED
        current.save(update_fields=["status", "updated_at"])
    return current


def _locked_open(enrolment: Enrolment, allowed: Iterable[str]) -> Enrolment:
    current = Enrolment.objects.select_for_update().select_related("programme").get(pk=enrolment.pk)
    if current.status not in allowed:
        raise ValidationError(
            _("This enrolment is already closed ({status}).").format(status=current.get_status_display())
        )
    return current


def _check_end_day(enrolment: Enrolment, on: datetime.date) -> None:
    if on > timezone.localdate():
        raise ValidationError({"on": _("This cannot be recorded in the future.")})
    if on < enrolment.programme.starts_on:
        raise ValidationError({"on": _("This cannot be before the programme starts.")})


def _check_score(score: int | None) -> None:
    if score is not None and not 0 <= score <= 100:
        raise ValidationError({"score": _("A score is between 0 and 100.")})


def rate_for(enrolment: Enrolment) -> int | None:
    marks = list(enrolment.attendance.values_list("status", flat=True))
    return attendance_rate(marks.count(AttendanceStatus.PRESENT), marks.count(AttendanceStatus.ABSENT))


def complete_enrolment(
    *,
    enrolment: Enrolment,
    by: User,
    on: datetime.date,
    score: int | None = None,
    note: str = "",
    certificate_number: str = "",
) -> Enrolment:
    """Record that the participant completed the programme and issue the certificate, in one transaction."""
    _require_run(by, enrolment.programme)
    _check_end_day(enrolment, on)
    _check_score(score)
    with transaction.atomic():
        current = _locked_open(enrolment, [EnrolmentStatus.ENROLLED])
        required = current.programme.minimum_attendance
        rate = rate_for(current)
        if required and (rate is None or rate < required):
            raise ValidationError(
                _("Attendance is {rate}, below the {required} % this programme requires.").format(
                    rate=f"{rate} %" if rate is not None else "—", required=required
                )
            )
        current.status, current.ended_on = EnrolmentStatus.COMPLETED, on
        current.score, current.result_note = score, (note or "").strip()[:300]
        current.save(update_fields=["status", "ended_on", "score", "result_note", "updated_at"])
        issue_certificate(enrolment=current, by=by, number=certificate_number, issued_on=on)
    return current


def fail_enrolment(
    *, enrolment: Enrolment, by: User, on: datetime.date, score: int | None = None, note: str = ""
) -> Enrolment:
    _require_run(by, enrolment.programme)
    _check_end_day(enrolment, on)
    _check_score(score)
    with transaction.atomic():
        current = _locked_open(enrolment, [EnrolmentStatus.ENROLLED])
        current.status, current.ended_on = EnrolmentStatus.FAILED, on
        current.score, current.result_note = score, (note or "").strip()[:300]
        current.save(update_fields=["status", "ended_on", "score", "result_note", "updated_at"])
    return current


def record_dropout(*, enrolment: Enrolment, by: User, on: datetime.date, note: str = "") -> Enrolment:
    """The participant left (or withdrew an application); the place is free again."""
    _require_run(by, enrolment.programme)
    _check_end_day(enrolment, on)
    with transaction.atomic():
        current = _locked_open(enrolment, [EnrolmentStatus.APPLIED, EnrolmentStatus.ENROLLED])
        current.status, current.ended_on, current.result_note = EnrolmentStatus.DROPPED_OUT, on, note.strip()[:300]
        current.save(update_fields=["status", "ended_on", "result_note", "updated_at"])
    return current


def end_for_custody_reason(*, enrolment: Enrolment, by: User, on: datetime.date, reason: str) -> Enrolment:
    """Released before the end, transferred, or a security decision: closed without counting as a failure."""
    _require_run(by, enrolment.programme)
    if reason not in CustodyEndReason.values:
        raise ValidationError({"reason": _("Choose the custody reason.")})
    _check_end_day(enrolment, on)
    with transaction.atomic():
        current = _locked_open(enrolment, [EnrolmentStatus.APPLIED, EnrolmentStatus.ENROLLED])
        current.status, current.ended_on, current.end_reason = EnrolmentStatus.ENDED_CUSTODY, on, reason
        current.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    return current


# Attendance ---------------------------------------------------------------------------------------------


def record_attendance(*, session: Session, by: User, marks: Mapping[Enrolment, str]) -> list[Attendance]:
    """Present, absent or excused for each participant of a session held today or before; a second record of
    the same session corrects the first."""
    programme = session.programme
    _require_run(by, programme)
    if session.held_on > timezone.localdate():
        raise ValidationError(_("Attendance is recorded once the session has been held."))
    if not marks:
        raise ValidationError(_("Mark at least one participant."))
    visible = set(enrolments_visible_to(by).filter(programme=programme).values_list("pk", flat=True))
    recorded = set(session.attendance.values_list("enrolment_id", flat=True))
    for enrolment, status in marks.items():
        if status not in AttendanceStatus.values:
            raise ValidationError({"status": _("Unknown attendance.")})
        if enrolment.programme_id != programme.pk or enrolment.pk not in visible:
            raise PermissionDenied
        if enrolment.status != EnrolmentStatus.ENROLLED and enrolment.pk not in recorded:
            raise ValidationError(
                _("{code} is no longer enrolled ({status}).").format(
                    code=enrolment.participant_code, status=enrolment.get_status_display()
                )
            )
    saved = []
    with transaction.atomic():
        for enrolment, status in marks.items():
            row = Attendance.objects.filter(session=session, enrolment=enrolment).first()
            if row is None:
                row = Attendance(session=session, enrolment=enrolment)
            elif row.status == status:
                saved.append(row)
                continue
            row.status, row.recorded_by = status, by
            row.save()
            saved.append(row)
    return saved


# Certificates -------------------------------------------------------------------------------------------


def certificate_prefix(issuer: Organization) -> str:
    """NAUSS for sa-nauss, OFPPT for ma-ofppt, CRAFTS for sa-crafts-programme: the issuer's code without its
    country, cut to its first word when long."""
    code = issuer.code.upper()
    country = f"{issuer.country}-".upper()
    if code.startswith(country) and len(code) > len(country):
        code = code[len(country) :]
    return code.split("-")[0] if len(code) > 12 else code


def _next_number(issuer: Organization, year: int) -> str:
    series, _created = CertificateSeries.objects.select_for_update().get_or_create(issuer=issuer, year=year)
    prefix = certificate_prefix(issuer)
    while True:
        series.last_number += 1
        number = f"{prefix}-{year}-{series.last_number:06d}"
        # A number typed in from the issuer's own register may already hold this place in the series.
        if not Certificate.objects.filter(issuer=issuer, number=number).exists():
            series.save(update_fields=["last_number"])
            return number


def issue_certificate(
    *, enrolment: Enrolment, by: User, number: str = "", issued_on: datetime.date | None = None
) -> Certificate:
    """Issue the certificate of a completed enrolment in the provider's name: the next number of the provider's
    series, or the number the provider gave it in its own register."""
    programme = enrolment.programme
    _require_run(by, programme)
    issued_on = issued_on or timezone.localdate()
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _("A certificate cannot be dated in the future.")})
    number = (number or "").strip().upper()
    if len(number) > 40:
        raise ValidationError({"number": _("A certificate number has at most 40 characters.")})
    issuer = programme.provider
    with transaction.atomic():
        current = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if current.status != EnrolmentStatus.COMPLETED:
            raise ValidationError(_("A certificate is issued once the programme is completed."))
        if current.certificates.filter(revoked_at__isnull=True).exists():
            raise ValidationError(_("This participant already holds a valid certificate for the programme."))
        if number and Certificate.objects.filter(issuer=issuer, number=number).exists():
            raise ValidationError(
                {
                    "number": _("{issuer} has already issued a certificate numbered {number}.").format(
                        issuer=issuer.name, number=number
                    )
                }
            )
        certificate = Certificate(
            enrolment=current,
            issuer=issuer,
            number=number or _next_number(issuer, issued_on.year),
            issued_on=issued_on,
            issued_by=by,
        )
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError:
            raise ValidationError(
                {
                    "number": _("{issuer} has already issued a certificate numbered {number}.").format(
                        issuer=issuer.name, number=certificate.number
                    )
                }
            ) from None
    return certificate


def revoke_certificate(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """From now on the public verification page says the certificate was revoked."""
    if not can_revoke_certificate(by, certificate):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the certificate is revoked.")})
    with transaction.atomic():
        current = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if current.revoked_at:
            raise ValidationError(_("This certificate is already revoked."))
        current.revoked_at, current.revoked_by, current.revocation_reason = timezone.now(), by, reason[:300]
        current.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    return current
