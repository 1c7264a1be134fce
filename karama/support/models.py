"""Family support: which association covers which region, families' requests for support, the needs of a
household, the packages an association gives and each disbursement handed over."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from karama.core.models import Organization, Region
from karama.core.money import CURRENCY_FIELD_LENGTH, validate_currency
from karama.people.models import Household, Relation, new_public_code


def new_request_code() -> str:
    return new_public_code("R")


class Coverage(models.Model):
    """A support association covers a region: families there are routed to it for a face-to-face check."""

    association = models.ForeignKey(
        Organization,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="support_coverage",
        limit_choices_to={"kind": "association"},
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    # The administration whose prisoners' families the association covers there.
    administration = models.ForeignKey(
        Organization,
        verbose_name=_("administration"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "prison_administration"},
    )
    starts_on = models.DateField(_("covers since"), default=timezone.localdate)
    ends_on = models.DateField(_("covers until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region__code", "association__code"]
        verbose_name = _("coverage")
        verbose_name_plural = _("coverage")
        constraints = [
            models.UniqueConstraint(fields=["association", "region"], name="coverage_one_per_association_region"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="coverage_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.association} → {self.region}"

    @property
    def is_active(self) -> bool:
        return self.ends_on is None or self.ends_on >= timezone.localdate()

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id}


class NeedKind(models.TextChoices):
    FOOD = "food", _("Food")
    RENT = "rent", _("Rent")
    SCHOOL = "school", _("School costs")
    MEDICAL = "medical", _("Medical care")
    UTILITIES = "utilities", _("Utilities")
    DEBTS = "debts", _("Debts")
    OTHER = "other", _("Other")


class Recurrence(models.TextChoices):
    ONE_OFF = "one_off", _("Once")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every three months")
    YEARLY = "yearly", _("Every year")


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


# Most urgent first, for ordering work lists.
URGENCY_RANK = {Urgency.CRITICAL: 0, Urgency.HIGH: 1, Urgency.MEDIUM: 2, Urgency.LOW: 3}


class SupportRequest(models.Model):
    """A family's registration for support, from the public form or by staff. Routed to the association that
    covers the family's region, which checks it face to face before any need is accepted, then links it to
    the prisoner's household record (or the administration's staff do) or rejects it."""

    class Channel(models.TextChoices):
        PUBLIC_FORM = "public_form", _("Public form")
        STAFF = "staff", _("Registered by staff")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Awaiting the face-to-face check")
        AWAITING_LINK = "awaiting_link", _("Checked, awaiting link to the prisoner's record")
        ACCEPTED = "accepted", _("Accepted: the household is supported")
        REJECTED = "rejected", _("Rejected")

    class RejectionReason(models.TextChoices):
        UNREACHABLE = "unreachable", _("The family could not be reached")
        NOT_A_PRISONER_FAMILY = "not_a_prisoner_family", _("Not the family of a prisoner of this administration")
        DUPLICATE = "duplicate", _("Already registered")
        NO_NEED = "no_need", _("No need found at the check")
        WITHDRAWN = "withdrawn", _("Withdrawn by the family")
        OTHER = "other", _("Other reason")

    public_code = models.CharField(_("reference"), max_length=16, unique=True, default=new_request_code, editable=False)
    administration = models.ForeignKey(
        Organization, verbose_name=_("administration"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    # The association the request was routed to; empty when no association covers the region yet.
    association = models.ForeignKey(
        Organization,
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_requests",
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    language = models.CharField(_("language"), max_length=8, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_relation = models.CharField(
        _("relation to the prisoner"), max_length=12, choices=Relation.choices, blank=True
    )
    contact_phone_encrypted = models.TextField(blank=True, editable=False)
    prisoner_name = models.CharField(_("prisoner's name"), max_length=200, blank=True)
    # As on people.Person: kept only encrypted, with a keyed hash for exact matching.
    prisoner_national_id_encrypted = models.TextField(blank=True, editable=False)
    prisoner_national_id_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    household_size = models.PositiveSmallIntegerField(_("people in the household"), null=True, blank=True)
    children = models.PositiveSmallIntegerField(_("children"), null=True, blank=True)
    needs = models.JSONField(_("main needs"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_requests",
    )
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    check_note = models.TextField(_("what the check found"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.CharField(_("reason"), max_length=24, choices=RejectionReason.choices, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(household__isnull=False, checked_on__isnull=False),
                name="support_request_accepted_is_checked_and_linked",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="support_request_rejection_has_reason",
            ),
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="accepted"), name="support_request_one_accepted_per_household"
            ),
        ]
        indexes = [
            models.Index(fields=["association", "status"]),
            models.Index(fields=["administration", "status"]),
        ]

    def __str__(self) -> str:
        return self.public_code

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.RECEIVED, self.Status.AWAITING_LINK}

    def need_labels(self) -> list[str]:
        return [NeedKind(kind).label for kind in self.needs if kind in NeedKind.values]

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id}


class HouseholdNeed(models.Model):
    """One need of a prisoner's household (food, rent, school costs...), assessed by the covering association
    or facility staff: an amount or items, how often, how urgent, with evidence. The giving app opens public
    cases from these, so the fields below are stable."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("Being met")
        MET = "met", _("Met")
        CLOSED = "closed", _("No longer needed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="support_needs"
    )
    # The household's administration, kept here so lists and other apps filter without joining the person.
    administration = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(_("kind of need"), max_length=12, choices=NeedKind.choices)
    description = models.TextField(_("description"), blank=True)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=3, null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=CURRENCY_FIELD_LENGTH, blank=True, validators=[validate_currency]
    )
    items = models.TextField(_("items"), blank=True, help_text=_("What is needed in kind, and how much."))
    recurrence = models.CharField(_("how often"), max_length=12, choices=Recurrence.choices, default=Recurrence.ONE_OFF)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.MEDIUM)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    status_note = models.CharField(_("note on the status"), max_length=300, blank=True)
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The association or administration whose staff assessed the need.
    assessing_organization = models.ForeignKey(
        Organization, verbose_name=_("assessed by (organization)"), on_delete=models.PROTECT, related_name="+"
    )
    # The association responsible for the household when the need was assessed.
    covering_association = models.ForeignKey(
        Organization,
        verbose_name=_("covering association"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="covered_needs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "-assessed_on", "-pk"]
        verbose_name = _("household need")
        verbose_name_plural = _("household needs")
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="need_amount_positive"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | ~Q(currency=""), name="need_amount_has_currency"),
            models.CheckConstraint(condition=Q(amount__isnull=False) | ~Q(items=""), name="need_has_amount_or_items"),
        ]
        indexes = [
            models.Index(fields=["administration", "status"]),
            models.Index(fields=["covering_association", "status"]),
            models.Index(fields=["household", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.household.public_code}: {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.OPEN, self.Status.IN_PROGRESS}

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id, "person": self.household.person_id}


def evidence_path(instance: "NeedEvidence", filename: str) -> str:
    # Random names: a stored file's path tells nothing about whose it is or what it shows.
    extension = "pdf" if instance.content_type == "application/pdf" else "jpg"
    return f"support/evidence/{secrets.token_hex(16)}.{extension}"


class NeedEvidence(models.Model):
    """A document supporting a need (a rent contract, a school invoice, a medical report): PDF or JPEG,
    served only through a view that checks the reader's scope."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    need = models.ForeignKey(HouseholdNeed, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=evidence_path)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict:
        return {"administration": self.need.administration_id, "person": self.need.household.person_id}


class SupportForm(models.TextChoices):
    CASH = "cash", _("Cash")
    IN_KIND = "in_kind", _("In kind")


class SupportPackage(models.Model):
    """What an association gives a household (cash or in kind, once or on a schedule), under the agreement
    it draws on. Cash packages of an agreement with a budget in their currency draw on that budget."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        STOPPED = "stopped", pgettext_lazy("support package", "Stopped")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="support_packages"
    )
    administration = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", editable=False)
    association = models.ForeignKey(
        Organization, verbose_name=_("association"), on_delete=models.PROTECT, related_name="support_packages"
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_packages",
    )
    budget = models.ForeignKey(
        "agreements.Budget",
        verbose_name=_("budget"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_packages",
    )
    needs = models.ManyToManyField(HouseholdNeed, verbose_name=_("needs met"), blank=True, related_name="packages")
    form = models.CharField(_("form"), max_length=8, choices=SupportForm.choices)
    description = models.TextField(_("description"), blank=True)
    amount = models.DecimalField(_("amount each time"), max_digits=18, decimal_places=3, null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=CURRENCY_FIELD_LENGTH, blank=True, validators=[validate_currency]
    )
    items = models.TextField(_("items each time"), blank=True)
    recurrence = models.CharField(_("how often"), max_length=12, choices=Recurrence.choices, default=Recurrence.ONE_OFF)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("support package")
        verbose_name_plural = _("support packages")
        constraints = [
            models.CheckConstraint(
                condition=~Q(form="cash") | Q(amount__gt=0) & ~Q(currency=""), name="package_cash_has_amount"
            ),
            models.CheckConstraint(condition=~Q(form="in_kind") | ~Q(items=""), name="package_in_kind_has_items"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="package_amount_positive"),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(agreement__isnull=False), name="package_budget_has_agreement"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="package_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["association", "status"]), models.Index(fields=["agreement"])]

    def __str__(self) -> str:
        return f"{self.household.public_code}: {self.get_form_display()}"

    def get_additional_data(self) -> dict:
        data = {"administration": self.administration_id, "person": self.household.person_id}
        if self.agreement_id:
            data["agreement"] = self.agreement_id
        return data


class Disbursement(models.Model):
    """One handing-over of a package to the household: cash (an amount) or in kind (items, with an estimated
    value when known). A cash disbursement that draws on an agreement's budget allocates from it through
    agreements.services.record_budget_movement (source "support:<uuid>"), never past what remains; one
    recorded by an association waits for the administration's approval, which makes the draw."""

    class Status(models.TextChoices):
        DISBURSED = "disbursed", _("Disbursed")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the administration's approval")
        REFUSED = "refused", _("Refused")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    package = models.ForeignKey(SupportPackage, on_delete=models.PROTECT, related_name="disbursements")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="support_disbursements")
    administration = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", editable=False)
    association = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="support_disbursements")
    form = models.CharField(_("form"), max_length=8, choices=SupportForm.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=3, null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=CURRENCY_FIELD_LENGTH, blank=True, validators=[validate_currency]
    )
    items = models.TextField(_("items"), blank=True)
    estimated_value = models.DecimalField(_("estimated value"), max_digits=18, decimal_places=3, null=True, blank=True)
    disbursed_on = models.DateField(_("handed over on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True, help_text=_("Receipt or transfer number."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DISBURSED)
    budget_movement = models.OneToOneField(
        "agreements.BudgetMovement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-disbursed_on", "-pk"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [
            models.CheckConstraint(
                condition=~Q(form="cash") | Q(amount__gt=0) & ~Q(currency=""), name="disbursement_cash_has_amount"
            ),
            models.CheckConstraint(condition=~Q(form="in_kind") | ~Q(items=""), name="disbursement_in_kind_has_items"),
            models.CheckConstraint(
                condition=Q(estimated_value__isnull=True) | Q(estimated_value__gt=0),
                name="disbursement_estimate_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="disbursement_refusal_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["household", "disbursed_on"]),
            models.Index(fields=["administration", "status"]),
            models.Index(fields=["association", "disbursed_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.household.public_code} {self.disbursed_on}"

    @property
    def budget_source(self) -> str:
        return f"support:{self.uuid}"

    def get_additional_data(self) -> dict:
        data = {"administration": self.administration_id, "person": self.household.person_id}
        if self.package.agreement_id:
            data["agreement"] = self.package.agreement_id
        return data
