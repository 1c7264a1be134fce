"""The registry of inmates and former inmates: identity, custody, household, consents,
assessments, plans, notes, and the log of who looked at whom."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from karama.core.models import Facility, Organization, Region, validate_country
from karama.core.text import search_document
from karama.people.catalogues import OCCUPATION_CHOICES, NeedDomain

# Crockford's base 32 without I, L, O, U: no letters that read as digits or words.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_public_code(prefix: str) -> str:
    """A random code such as P-7K2M-9QXH: nothing about the person, not guessable, not sequential."""
    body = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def new_person_code() -> str:
    return new_public_code("P")


def new_household_code() -> str:
    return new_public_code("H")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class EducationLevel(models.TextChoices):
    NONE = "none", _("No schooling")
    PRIMARY = "primary", _("Primary")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")
    VOCATIONAL = "vocational", _("Vocational diploma")
    HIGHER = "higher", _("Higher education")
    UNKNOWN = "unknown", _("Unknown")


class Literacy(models.TextChoices):
    ILLITERATE = "illiterate", _("Cannot read or write")
    BASIC = "basic", _("Reads and writes a little")
    LITERATE = "literate", _("Reads and writes")
    UNKNOWN = "unknown", _("Unknown")


class PersonStatus(models.TextChoices):
    IN_CUSTODY = "in_custody", _("In custody")
    RELEASED = "released", _("Released")
    IN_AFTERCARE = "in_aftercare", _("In aftercare")
    CLOSED = "closed", _("Closed")


class Person(models.Model):
    public_code = models.CharField(
        _("public code"), max_length=16, unique=True, default=new_person_code, editable=False
    )
    administration = models.ForeignKey(
        Organization, verbose_name=_("administration"), on_delete=models.PROTECT, related_name="people"
    )
    given_name = models.CharField(_("given name"), max_length=120)
    father_name = models.CharField(_("father's name"), max_length=120, blank=True)
    family_name = models.CharField(_("family name"), max_length=120)
    latin_given_name = models.CharField(_("given name (Latin letters)"), max_length=120, blank=True)
    latin_family_name = models.CharField(_("family name (Latin letters)"), max_length=120, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    nationality = models.CharField(_("nationality"), max_length=2, blank=True, validators=[validate_country])
    # The national ID is kept only encrypted; the keyed hash allows exact look-up without it.
    national_id_encrypted = models.TextField(blank=True, editable=False)
    national_id_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    education_level = models.CharField(
        _("education"), max_length=20, choices=EducationLevel.choices, default=EducationLevel.UNKNOWN
    )
    literacy = models.CharField(_("literacy"), max_length=12, choices=Literacy.choices, default=Literacy.UNKNOWN)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    free_skills = models.TextField(_("other skills"), blank=True)
    vocational_orientation = models.TextField(_("vocational orientation"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="people/photos/", blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.IN_CUSTODY, editable=False
    )
    # Where the current or last custody episode is: the facility whose staff see this person.
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        editable=False,
    )
    source_reference = models.CharField(
        _("reference in the prison management system"), max_length=60, blank=True, db_index=True
    )
    search_name = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name", "given_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "national_id_hash"],
                condition=~Q(national_id_hash=""),
                name="person_national_id_unique_per_administration",
            ),
            models.UniqueConstraint(
                "administration",
                Lower("source_reference"),
                condition=~Q(source_reference=""),
                name="person_source_reference_unique_per_administration",
            ),
        ]
        indexes = [
            models.Index(fields=["administration", "status"]),
            models.Index(fields=["facility", "status"]),
        ]

    def __str__(self) -> str:
        return self.public_code

    def save(self, *args, **kwargs):
        self.search_name = search_document(*self.name_parts())
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "search_name" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_name"]
        super().save(*args, **kwargs)

    def name_parts(self) -> list[str]:
        return [
            self.given_name,
            self.father_name,
            self.family_name,
            self.latin_given_name,
            self.latin_family_name,
        ]

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.father_name, self.family_name) if part)

    @property
    def latin_name(self) -> str:
        return " ".join(part for part in (self.latin_given_name, self.latin_family_name) if part)

    @property
    def birth_year(self) -> int | None:
        return self.birth_date.year if self.birth_date else None

    @property
    def has_national_id(self) -> bool:
        return bool(self.national_id_encrypted)

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id, "person": self.pk}


class PersonSkill(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="skills")
    occupation = models.CharField(_("occupation group"), max_length=2, choices=OCCUPATION_CHOICES)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["occupation"]
        constraints = [models.UniqueConstraint(fields=["person", "occupation"], name="person_skill_unique")]
        # Matching looks people up by trade (work app): "who has skill 72?" without scanning every skill.
        indexes = [models.Index(fields=["occupation", "person"], name="person_skill_by_occupation")]

    def __str__(self) -> str:
        return self.get_occupation_display()

    def get_additional_data(self) -> dict:
        return {"administration": self.person.administration_id, "person": self.person_id}


class CaseCategory(models.TextChoices):
    FINANCIAL = "financial", _("Financial or debt")
    PROPERTY = "property", _("Property")
    DRUGS = "drugs", _("Drugs")
    VIOLENCE = "violence", _("Violence")
    OTHER = "other", _("Other")


class AdmissionKind(models.TextChoices):
    ADMISSION = "admission", _("First admission")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    READMISSION = "readmission", _("Re-admission after release")


class ReleaseReason(models.TextChoices):
    END_OF_SENTENCE = "end_of_sentence", _("End of sentence")
    PARDON = "pardon", _("Pardon")
    DEBT_SETTLED = "debt_settled", _("Debt settled")
    PAROLE = "parole", _("Parole")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    DEATH = "death", _("Death")


class CustodyEpisode(models.Model):
    """A stay in one facility. A transfer closes one episode and opens the next; a new admission after a
    release is a re-admission, which outcome reports count."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="episodes")
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="episodes"
    )
    admission_kind = models.CharField(
        _("admission"), max_length=12, choices=AdmissionKind.choices, default=AdmissionKind.ADMISSION
    )
    admitted_on = models.DateField(_("admitted on"))
    expected_release_on = models.DateField(_("expected release"), null=True, blank=True)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    release_reason = models.CharField(_("release reason"), max_length=20, choices=ReleaseReason.choices, blank=True)
    case_category = models.CharField(_("case category"), max_length=12, choices=CaseCategory.choices)
    source_reference = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["admitted_on", "pk"]
        verbose_name = _("custody episode")
        verbose_name_plural = _("custody episodes")
        constraints = [
            models.CheckConstraint(
                condition=Q(released_on__isnull=True) | Q(released_on__gte=models.F("admitted_on")),
                name="episode_released_after_admission",
            ),
            models.CheckConstraint(
                condition=Q(released_on__isnull=True, release_reason="")
                | Q(released_on__isnull=False) & ~Q(release_reason=""),
                name="episode_release_has_reason",
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(released_on__isnull=True), name="episode_one_open_per_person"
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "released_on", "expected_release_on"], name="episode_release_worklist"),
            models.Index(fields=["person", "admitted_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.person.public_code} @ {self.facility.code} {self.admitted_on}"

    @property
    def is_open(self) -> bool:
        return self.released_on is None

    def get_additional_data(self) -> dict:
        return {"administration": self.person.administration_id, "person": self.person_id}


class StatusChange(models.Model):
    """The person's status over time, with the day it took effect (reports count from these)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=16, choices=PersonStatus.choices)
    effective_on = models.DateField()
    reason = models.CharField(max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.effective_on}"


class Household(models.Model):
    public_code = models.CharField(
        _("public code"), max_length=16, unique=True, default=new_household_code, editable=False
    )
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="household")
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_relation = models.CharField(_("relation to the person"), max_length=60, blank=True)
    contact_phone_encrypted = models.TextField(blank=True, editable=False)
    supporting_association = models.ForeignKey(
        Organization,
        verbose_name=_("supporting association"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supported_households",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.public_code

    def get_additional_data(self) -> dict:
        return {"administration": self.person.administration_id, "person": self.person_id}


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Brother or sister")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER = "other", _("Other relative")


class Schooling(models.TextChoices):
    NOT_OF_AGE = "not_of_age", _("Not of school age")
    IN_SCHOOL = "in_school", _("In school")
    OUT_OF_SCHOOL = "out_of_school", _("Out of school")
    FINISHED = "finished", _("Finished school")


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    schooling = models.CharField(_("schooling"), max_length=16, choices=Schooling.choices, blank=True)
    health_needs = models.CharField(_("health needs"), max_length=200, blank=True)
    special_needs = models.BooleanField(_("special needs"), default=False)
    dependent = models.BooleanField(_("dependent on the person"), default=True)

    class Meta:
        ordering = ["birth_year", "pk"]
        verbose_name = _("household member")
        verbose_name_plural = _("household members")

    def __str__(self) -> str:
        return f"{self.get_relation_display()} {self.birth_year or ''}".strip()

    def get_additional_data(self) -> dict:
        return {"administration": self.household.person.administration_id, "person": self.household.person_id}


class ConsentPurpose(models.TextChoices):
    TRAINING = "training", _("Training")
    EMPLOYMENT = "employment", _("Employment")
    INCOME_PROJECT = "income_project", _("Income-generating project")
    FAMILY_SUPPORT = "family_support", _("Family support")
    AFTERCARE = "aftercare", _("Aftercare")
    VISITS = "visits", _("Visits")
    RESEARCH = "research", _("Research")


def consent_form_path(instance, filename: str) -> str:
    return f"people/consents/{secrets.token_hex(16)}.pdf"


class Consent(models.Model):
    """The person agrees that a named organization may see their record, for one purpose."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=ConsentPurpose.choices)
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("under the agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_form = models.FileField(_("signed form"), upload_to=consent_form_path, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="consent_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["organization", "person"], name="consent_by_organization")]

    def __str__(self) -> str:
        return f"{self.person.public_code} → {self.organization.code} ({self.purpose})"

    def get_additional_data(self) -> dict:
        return {"administration": self.person.administration_id, "person": self.person_id}


class NeedLevel(models.TextChoices):
    NONE = "none", _("No need")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RecommendedPath(models.TextChoices):
    TRAINING = "training", _("Training")
    JOB = "job", _("Job")
    INCOME_PROJECT = "income_project", _("Income-generating project")
    FAMILY_SUPPORT = "family_support", _("Family support")
    DEBT_RELEASE = "debt_release", _("Debt release")


class Assessment(models.Model):
    """The diagnosis made during the sentence, from which the plan and later projects are prepared."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recommended_paths = models.JSONField(_("recommended paths"), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        get_latest_by = ["assessed_on", "pk"]
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")

    def __str__(self) -> str:
        return f"{self.person.public_code} {self.assessed_on}"

    def get_additional_data(self) -> dict:
        return {"administration": self.person.administration_id, "person": self.person_id}

    def recommended_path_labels(self) -> list[str]:
        return [RecommendedPath(path).label for path in self.recommended_paths if path in RecommendedPath.values]


class DomainRating(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    domain = models.CharField(_("domain"), max_length=12, choices=NeedDomain.choices)
    level = models.CharField(_("need level"), max_length=8, choices=NeedLevel.choices)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["assessment", "domain"], name="rating_one_per_domain")]

    def __str__(self) -> str:
        return f"{self.get_domain_display()}: {self.get_level_display()}"

    def get_additional_data(self) -> dict:
        return {"administration": self.assessment.person.administration_id, "person": self.assessment.person_id}


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    NO_LONGER_RELEVANT = "no_longer_relevant", _("No longer relevant")


class Side(models.TextChoices):
    FACILITY = "facility", _("Facility")
    PARTNER = "partner", _("Partner")


class PersonNeed(models.Model):
    """One need from the catalogue, found by an assessment and followed until it is met."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="needs")
    assessment = models.ForeignKey(Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="needs")
    domain = models.CharField(_("domain"), max_length=12, choices=NeedDomain.choices)
    need = models.CharField(_("need"), max_length=40)
    status = models.CharField(_("status"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_side = models.CharField(_("updated by"), max_length=10, choices=Side.choices, default=Side.FACILITY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["domain", "need"]
        indexes = [models.Index(fields=["domain", "need", "status"])]

    def __str__(self) -> str:
        from karama.people.catalogues import need_label

        return str(need_label(self.domain, self.need))

    def get_additional_data(self) -> dict:
        return {"administration": self.person.administration_id, "person": self.person_id}


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ReintegrationPlan(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="plan")
    assessment = models.ForeignKey(Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reintegration plan")
        verbose_name_plural = _("reintegration plans")

    def __str__(self) -> str:
        return f"{self.person.public_code}"

    def get_additional_data(self) -> dict:
        return {"administration": self.person.administration_id, "person": self.person_id}


class PlanAction(models.Model):
    plan = models.ForeignKey(ReintegrationPlan, on_delete=models.CASCADE, related_name="actions")
    goal = models.CharField(_("goal"), max_length=300)
    action = models.TextField(_("action"), blank=True)
    domain = models.CharField(_("domain"), max_length=12, choices=NeedDomain.choices, blank=True)
    owner = models.ForeignKey(
        Organization, verbose_name=_("owner organization"), on_delete=models.PROTECT, related_name="plan_actions"
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.PLANNED)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")

    def __str__(self) -> str:
        return self.goal

    def get_additional_data(self) -> dict:
        return {"administration": self.plan.person.administration_id, "person": self.plan.person_id}


class ReleaseTaskKind(models.TextChoices):
    IDENTITY_DOCUMENTS = "identity_documents", _("Identity documents")
    BANK_ACCOUNT = "bank_account", _("Bank account")
    HOUSING = "housing", _("Housing on release")
    TRANSPORT = "transport", _("Transport on release day")


class ReleaseTaskStatus(models.TextChoices):
    TO_DO = "to_do", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_NEEDED = "not_needed", _("Not needed")


class ReleaseTask(models.Model):
    plan = models.ForeignKey(ReintegrationPlan, on_delete=models.CASCADE, related_name="release_tasks")
    kind = models.CharField(_("task"), max_length=20, choices=ReleaseTaskKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=ReleaseTaskStatus.choices, default=ReleaseTaskStatus.TO_DO
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "kind"], name="release_task_one_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()

    def get_additional_data(self) -> dict:
        return {"administration": self.plan.person.administration_id, "person": self.plan.person_id}


class ReviewKind(models.TextChoices):
    INITIAL = "initial", _("Initial plan")
    PERIODIC = "periodic", _("Periodic review")
    PRE_RELEASE = "pre_release", _("Pre-release review")


class Exemption(models.TextChoices):
    TRANSFER = "transfer", _("Transfer")
    HOSPITAL = "hospital", _("Hospital")
    SECURITY = "security", _("Security")


class PlanReview(models.Model):
    """A review deadline computed from admission and expected release; a recorded exemption is not a failure."""

    plan = models.ForeignKey(ReintegrationPlan, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(_("review"), max_length=12, choices=ReviewKind.choices)
    due_on = models.DateField(_("due on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    exemption = models.CharField(_("exemption"), max_length=10, choices=Exemption.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"

    def is_missed(self, today) -> bool:
        return self.completed_on is None and not self.exemption and self.due_on < today

    def get_additional_data(self) -> dict:
        return {"administration": self.plan.person.administration_id, "person": self.plan.person_id}


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal to the administration")
    SHARED = "shared", _("Shared with consenting partners")


class CaseNote(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notes")
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("note"))
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )

    class Meta:
        ordering = ["-written_at", "-pk"]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self) -> str:
        return self.text[:60]

    def get_additional_data(self) -> dict:
        return {"administration": self.person.administration_id, "person": self.person_id}


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed the record")
    REVEAL_NATIONAL_ID = "reveal_national_id", _("Revealed the national ID")
    EXPORT = "export", _("Exported")
    IMPORT = "import", _("Imported")
    API_READ = "api_read", _("Read through the API")


class AccessLog(models.Model):
    """Every read of a person's record, every reveal, export and import: who, when, what, from where.

    Written with one INSERT and no update, on the hot path of every person page.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="access_log")
    administration_id = models.BigIntegerField(db_index=True)
    action = models.CharField(max_length=24, choices=AccessAction.choices)
    detail = models.CharField(max_length=200, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "-at"], name="access_by_person")]

    def __str__(self) -> str:
        return f"{self.at} {self.user_id} {self.action} {self.person_id}"


def import_file_path(instance, filename: str) -> str:
    extension = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    return f"people/imports/{secrets.token_hex(16)}.{extension}"


class ImportBatch(models.Model):
    """One file of people and custody episodes from a prison management system: checked in a dry run,
    then committed all at once or not at all."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked, ready to import")
        INVALID = "invalid", _("Errors found")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    public_code = models.CharField(max_length=32, unique=True, editable=False)
    administration = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("When set, every row must be in this facility (an import by facility staff)."),
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=import_file_path)
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_people = models.PositiveIntegerField(default=0)
    updated_people = models.PositiveIntegerField(default=0)
    created_episodes = models.PositiveIntegerField(default=0)
    unchanged_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # At most the first thousand errors are kept, each {"line": n, "column": name, "reason": text}.
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if not self.public_code:
            self.public_code = secrets.token_hex(16)
        super().save(*args, **kwargs)

    @property
    def progress_percent(self) -> int:
        return min(100, round(100 * self.processed_rows / self.total_rows)) if self.total_rows else 0
