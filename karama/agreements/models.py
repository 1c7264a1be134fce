"""Agreements between an administration and its partners: parties, objectives, commitments, budgets."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from karama.core.models import NamedInLanguages, Organization
from karama.core.money import CURRENCY_FIELD_LENGTH, validate_currency


class Agreement(NamedInLanguages):
    class Kind(models.TextChoices):
        MOU = "mou", _("Memorandum of understanding")
        PARTNERSHIP = "partnership", _("Partnership agreement")
        CONVENTION = "convention", _("Convention")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")

    # The only status changes allowed; every other one is refused.
    TRANSITIONS = {
        Status.DRAFT: {Status.ACTIVE},
        Status.ACTIVE: {Status.EXPIRED, Status.TERMINATED},
        Status.EXPIRED: set(),
        Status.TERMINATED: set(),
    }

    administration = models.ForeignKey(
        Organization,
        verbose_name=_("administration"),
        on_delete=models.PROTECT,
        related_name="agreements",
        limit_choices_to={"kind": "prison_administration"},
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reference = models.CharField(_("reference"), max_length=60)
    summary = models.TextField(_("summary"), blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_place = models.CharField(_("place of signature"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-signed_on", "reference"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.UniqueConstraint(
                "administration", Lower("reference"), name="agreement_reference_unique_ignoring_case"
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="agreement_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["administration", "status"])]

    @property
    def title(self) -> str:
        return self.name

    def extra_search_texts(self) -> list[str]:
        return [self.reference, self.summary]

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id, "agreement": self.pk}

    def can_change_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())


class Domain(models.TextChoices):
    TRAINING = "training", _("Training")
    CRAFTS = "crafts", _("Crafts")
    EMPLOYMENT = "employment", _("Employment")
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship")
    INCOME_PROJECTS = "income_projects", _("Income-generating projects")
    FAMILY_SUPPORT = "family_support", _("Family support")
    RELEASE_CAMPAIGNS = "release_campaigns", _("Release campaigns")
    AFTERCARE = "aftercare", _("Aftercare")
    RESEARCH = "research", _("Research")
    STAFF_TRAINING = "staff_training", _("Staff training")
    INDUSTRY = "industry", _("Industry")


class AgreementDomain(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domain"), max_length=24, choices=Domain.choices)

    class Meta:
        ordering = ["domain"]
        constraints = [models.UniqueConstraint(fields=["agreement", "domain"], name="agreement_domain_unique")]

    def __str__(self) -> str:
        return self.get_domain_display()

    def get_additional_data(self) -> dict:
        return {"administration": self.agreement.administration_id, "agreement": self.agreement_id}


class Party(models.Model):
    class Role(models.TextChoices):
        SIGNATORY = "signatory", _("Signatory")
        FUNDER = "funder", _("Funder")
        IMPLEMENTER = "implementer", _("Implementer")
        BENEFICIARY_INSTITUTION = "beneficiary", _("Beneficiary institution")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="agreement_parties"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SIGNATORY)
    representative_name = models.CharField(_("representative"), max_length=200, blank=True)
    representative_title = models.CharField(_("representative's title"), max_length=200, blank=True)
    deputy_name = models.CharField(
        _("deputy"), max_length=200, blank=True, help_text=_("Who signed on the representative's behalf, if anyone.")
    )
    deputy_title = models.CharField(_("deputy's title"), max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organization", "role"], name="party_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_role_display()})"

    def get_additional_data(self) -> dict:
        return {"administration": self.agreement.administration_id, "agreement": self.agreement_id}


class Objective(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="objectives")
    text = models.TextField(_("objective"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.text

    def get_additional_data(self) -> dict:
        return {"administration": self.agreement.administration_id, "agreement": self.agreement_id}


class Commitment(models.Model):
    class Unit(models.TextChoices):
        PEOPLE_TRAINED = "people_trained", _("people trained")
        STAFF_TRAINED = "staff_trained", _("staff trained")
        BENEFICIARIES = "beneficiaries", _("beneficiaries")
        PROJECTS = "projects", _("projects funded")
        PLACEMENTS = "placements", _("people placed in jobs")
        FAMILIES = "families", _("families supported")
        RELEASES = "releases", _("people released")
        VISITS = "visits", _("visits")
        COURSES = "courses", _("courses")
        STUDIES = "studies", _("studies")
        WORKSHOPS = "workshops", _("workshops")
        OTHER = "other", _("other")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="commitments")
    party = models.ForeignKey(
        Party, verbose_name=_("party"), on_delete=models.PROTECT, related_name="commitments", null=True, blank=True
    )
    description = models.TextField(_("what is promised"))
    target_quantity = models.PositiveIntegerField(_("target"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices, default=Unit.OTHER)
    due_on = models.DateField(_("due on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self) -> str:
        return self.description

    def get_additional_data(self) -> dict:
        return {"administration": self.agreement.administration_id, "agreement": self.agreement_id}


class Budget(models.Model):
    """Money an agreement puts up, in one currency, possibly one funder's share of it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="budgets")
    funder = models.ForeignKey(
        Party, verbose_name=_("funder"), on_delete=models.PROTECT, related_name="budgets", null=True, blank=True
    )
    label = models.CharField(_("label"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=3)
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def get_additional_data(self) -> dict:
        return {"administration": self.agreement.administration_id, "agreement": self.agreement_id}

    def totals(self) -> "BudgetTotals":
        """Derived from the movements every time: nothing typed, nothing that can drift."""
        sums = dict(self.movements.values_list("kind").annotate(total=Sum("amount")).order_by())
        return BudgetTotals.from_sums(self.amount, sums)

    @property
    def remaining(self) -> Decimal:
        return self.totals().remaining


class BudgetTotals:
    def __init__(self, amount: Decimal, adjusted: Decimal, allocated: Decimal, released: Decimal):
        self.initial = amount
        self.adjustments = adjusted
        self.total = amount + adjusted
        self.allocated = allocated - released
        self.remaining = self.total - self.allocated

    @classmethod
    def from_sums(cls, amount: Decimal, sums: dict) -> "BudgetTotals":
        zero = Decimal("0")
        return cls(
            amount,
            sums.get(BudgetMovement.Kind.ADJUSTMENT) or zero,
            sums.get(BudgetMovement.Kind.ALLOCATION) or zero,
            sums.get(BudgetMovement.Kind.RELEASE) or zero,
        )


class BudgetMovement(models.Model):
    """One change to a budget. Allocations commit money, releases return committed money,
    adjustments (signed) change the total, as when an agreement is amended."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", _("Allocation")
        RELEASE = "release", pgettext_lazy("budget movement", "Release")
        ADJUSTMENT = "adjustment", _("Adjustment")

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=3)
    occurred_on = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Later apps point their movements at what caused them (a grant, a settlement).
    source = models.CharField(max_length=100, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "pk"]
        verbose_name = _("budget movement")
        verbose_name_plural = _("budget movements")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="adjustment", amount__lt=0) | Q(kind="adjustment", amount__gt=0) | Q(amount__gt=0),
                name="budget_movement_amount_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def get_additional_data(self) -> dict:
        return {"administration": self.budget.agreement.administration_id, "agreement": self.budget.agreement_id}


def agreement_document_path(instance: "AgreementDocument", filename: str) -> str:
    # Random names: a stored file's path tells nothing about what it holds.
    import uuid

    return f"agreements/{uuid.uuid4().hex}.pdf"


class AgreementDocument(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=agreement_document_path)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict:
        return {"administration": self.agreement.administration_id, "agreement": self.agreement_id}
