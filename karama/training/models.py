"""Training programmes, their trainers and sessions, enrolments with attendance, and certificates."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from karama.core.i18n import pick_name
from karama.core.models import Facility, NamedInLanguages, Organization
from karama.people.catalogues import OCCUPATION_CHOICES
from karama.people.models import Person, Sex, new_public_code


class ProgrammeKind(models.TextChoices):
    VOCATIONAL = "vocational", _("Vocational training")
    CRAFTS = "crafts", _("Crafts")
    LITERACY = "literacy", _("Literacy")
    ACADEMIC = "academic", _("Academic course")
    LIFE_SKILLS = "life_skills", _("Life skills")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial programme")
    STAFF_TRAINING = "staff_training", _("Staff training")


class Programme(NamedInLanguages):
    """A course run by a provider (a university, a crafts programme, a vocational-training office) for inmates,
    or, for staff training, for the administration's own staff."""

    administration = models.ForeignKey(
        Organization,
        verbose_name=_("administration"),
        on_delete=models.PROTECT,
        related_name="training_programmes",
        limit_choices_to={"kind": "prison_administration"},
    )
    reference = models.CharField(_("reference"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=ProgrammeKind.choices)
    provider = models.ForeignKey(
        Organization, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="programmes_provided"
    )
    # A partner that runs the programme with the provider (the Foundation with the OFPPT); certificates stay
    # in the provider's name.
    coordinator = models.ForeignKey(
        Organization,
        verbose_name=_("run with"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes_coordinated",
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_programmes",
    )
    commitment = models.ForeignKey(
        "agreements.Commitment",
        verbose_name=_("commitment delivered"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_programmes",
    )
    facilities = models.ManyToManyField(
        Facility, verbose_name=_("facilities"), blank=True, related_name="training_programmes"
    )
    occupation = models.CharField(_("occupation group"), max_length=2, choices=OCCUPATION_CHOICES, blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    sex = models.CharField(_("participants"), max_length=8, choices=Sex.choices, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    planned_hours = models.PositiveSmallIntegerField(_("hours"), null=True, blank=True)
    requires_literacy = models.BooleanField(_("requires reading and writing"), default=False)
    minimum_attendance = models.PositiveSmallIntegerField(_("minimum attendance (%)"), null=True, blank=True)
    # What the certificate calls the programme, by language; the names are used when empty.
    certificate_titles = models.JSONField(_("title on the certificate"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "reference"]
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        constraints = [
            models.UniqueConstraint(
                "administration", Lower("reference"), name="programme_reference_unique_ignoring_case"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="programme_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="programme_capacity_positive"),
            models.CheckConstraint(
                condition=Q(minimum_attendance__isnull=True)
                | Q(minimum_attendance__gte=1, minimum_attendance__lte=100),
                name="programme_minimum_attendance_percent",
            ),
            models.CheckConstraint(
                condition=Q(commitment__isnull=True) | Q(agreement__isnull=False),
                name="programme_commitment_needs_agreement",
            ),
        ]
        indexes = [models.Index(fields=["administration", "starts_on"]), models.Index(fields=["provider"])]

    def extra_search_texts(self) -> list[str]:
        return [self.reference]

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id, "agreement": self.agreement_id}

    @property
    def is_staff_training(self) -> bool:
        return self.kind == ProgrammeKind.STAFF_TRAINING

    def phase(self, today) -> str:
        if today < self.starts_on:
            return "upcoming"
        return "ended" if today > self.ends_on else "running"

    def certificate_title(self, language: str) -> str:
        return pick_name(self.certificate_titles or self.names, self.original_language, language)


class Trainer(models.Model):
    """A trainer of a programme: a user of the provider, or an exchanged expert named with their organization."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="trainers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_roles",
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    expertise = models.CharField(_("expertise"), max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("trainer")
        verbose_name_plural = _("trainers")
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(name=""), name="trainer_is_named"),
            models.UniqueConstraint(
                fields=["programme", "user"], condition=Q(user__isnull=False), name="trainer_user_once"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.username
        return self.name

    @property
    def is_expert(self) -> bool:
        return self.user_id is None

    def get_additional_data(self) -> dict:
        return {"administration": self.programme.administration_id, "agreement": self.programme.agreement_id}


class Session(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    starts_at = models.TimeField(_("from"), null=True, blank=True)
    ends_at = models.TimeField(_("to"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    trainer = models.ForeignKey(
        Trainer, verbose_name=_("trainer"), on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )

    class Meta:
        ordering = ["held_on", "starts_at", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}".strip()

    def get_additional_data(self) -> dict:
        return {"administration": self.programme.administration_id, "agreement": self.programme.agreement_id}


class EnrolmentStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    DROPPED_OUT = "dropped_out", _("Dropped out")
    FAILED = "failed", _("Failed")
    # Released before the end, transferred, or a security decision: not the participant's failure.
    ENDED_CUSTODY = "ended_custody", _("Ended for a custody reason")


class CustodyEndReason(models.TextChoices):
    RELEASED = "released", _("Released before the end")
    TRANSFERRED = "transferred", _("Transferred")
    SECURITY = "security", _("Security")


# Statuses that hold one of the programme's places.
PLACE_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED)
CLOSED_STATUSES = (
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.DROPPED_OUT,
    EnrolmentStatus.FAILED,
    EnrolmentStatus.ENDED_CUSTODY,
)


def new_enrolment_code() -> str:
    return new_public_code("E")


class Enrolment(models.Model):
    """One participant in one programme: an inmate (a person of the registry) or, in staff training, a user."""

    public_code = models.CharField(
        _("public code"), max_length=16, unique=True, default=new_enrolment_code, editable=False
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="training_enrolments"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_enrolments",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    end_reason = models.CharField(_("custody reason"), max_length=12, choices=CustodyEndReason.choices, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("assessment score (out of 100)"), null=True, blank=True)
    result_note = models.CharField(_("assessment result"), max_length=300, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["programme", "pk"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, staff__isnull=True) | Q(person__isnull=True, staff__isnull=False),
                name="enrolment_one_participant",
            ),
            models.UniqueConstraint(
                fields=["programme", "person"], condition=Q(person__isnull=False), name="enrolment_person_once"
            ),
            models.UniqueConstraint(
                fields=["programme", "staff"], condition=Q(staff__isnull=False), name="enrolment_staff_once"
            ),
            models.CheckConstraint(
                condition=Q(status="ended_custody", end_reason__in=CustodyEndReason.values)
                | (~Q(status="ended_custody") & Q(end_reason="")),
                name="enrolment_custody_reason",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="enrolment_score_out_of_100"
            ),
        ]
        indexes = [models.Index(fields=["programme", "status"])]

    def __str__(self) -> str:
        return self.public_code

    @property
    def participant_code(self) -> str:
        return self.person.public_code if self.person_id else self.staff.username

    @property
    def is_open(self) -> bool:
        return self.status in (EnrolmentStatus.APPLIED, EnrolmentStatus.ENROLLED)

    def get_additional_data(self) -> dict:
        data = {"administration": self.programme.administration_id, "agreement": self.programme.agreement_id}
        if self.person_id:
            data["person"] = self.person_id
        return data


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    # An absence for a reason the participant does not control (a hearing, a visit, sickness): not counted.
    EXCUSED = "excused", _("Excused")


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=8, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "enrolment"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.enrolment.public_code} {self.session.held_on}: {self.status}"

    def get_additional_data(self) -> dict:
        # Kept out of the agreement's history, which would drown in one row per participant and session.
        data = {"administration": self.session.programme.administration_id}
        if self.enrolment.person_id:
            data["person"] = self.enrolment.person_id
        return data


def attendance_rate(present: int, absent: int) -> int | None:
    """Percent of the sessions counted (present or absent; excused absences are left out); None before any."""
    counted = present + absent
    return round(100 * present / counted) if counted else None


# Crockford's base 32 without I, L, O, U, as the people's public codes.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_verification_code() -> str:
    """Ten random characters (50 bits) printed on the certificate; with its number it proves the certificate."""
    body = "".join(secrets.choice(_CODE_ALPHABET) for _position in range(10))
    return f"{body[:5]}-{body[5:]}"


class CertificateSeries(models.Model):
    """The last number an issuer used in a year, locked while the next certificate is numbered."""

    issuer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="certificate_series_once")]

    def __str__(self) -> str:
        return f"{self.issuer_id}/{self.year}: {self.last_number}"


class Certificate(models.Model):
    """Issued in the provider's name for a completed enrolment; verifiable in public by number and code."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="certificates")
    issuer = models.ForeignKey(
        Organization, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="training_certificates"
    )
    number = models.CharField(_("certificate number"), max_length=40)
    verification_code = models.CharField(
        _("verification code"), max_length=16, default=new_verification_code, editable=False
    )
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "number"], name="certificate_number_unique_per_issuer"),
            models.UniqueConstraint(
                fields=["enrolment"], condition=Q(revoked_at__isnull=True), name="certificate_one_valid_per_enrolment"
            ),
            models.CheckConstraint(condition=~Q(number=""), name="certificate_has_number"),
        ]
        indexes = [models.Index(fields=["number"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    def get_additional_data(self) -> dict:
        programme = self.enrolment.programme
        data = {"administration": programme.administration_id, "agreement": programme.agreement_id}
        if self.enrolment.person_id:
            data["person"] = self.enrolment.person_id
        return data
