"""Income-generating projects: the plan prepared in custody and its versions, the committee's review,
grants drawn from an agreement's budgets, the equipment kit, its handover and the follow-up visits."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from karama.core.money import CURRENCY_FIELD_LENGTH, validate_currency
from karama.people.models import new_public_code


def new_venture_code() -> str:
    return new_public_code("V")


def _money_field(label, **kwargs) -> models.DecimalField:
    return models.DecimalField(label, max_digits=18, decimal_places=3, **kwargs)


class Sector(models.TextChoices):
    # "Trade" is a commerce here, not a craft: every label carries its context.
    SERVICES = "services", pgettext_lazy("sector", "Services")
    AGRICULTURE = "agriculture", pgettext_lazy("sector", "Agriculture")
    HANDICRAFTS = "handicrafts", pgettext_lazy("sector", "Handicrafts")
    CONSTRUCTION = "construction", pgettext_lazy("sector", "Construction")
    CATERING = "catering", pgettext_lazy("sector", "Catering")
    TRADE = "trade", pgettext_lazy("sector", "Trade")
    OTHER = "other", pgettext_lazy("sector", "Other")


class Stage(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("project stage", "Draft")
    IN_REVIEW = "in_review", pgettext_lazy("project stage", "In review")
    APPROVED = "approved", pgettext_lazy("project stage", "Approved")
    FUNDED = "funded", pgettext_lazy("project stage", "Funded")
    EQUIPPED = "equipped", pgettext_lazy("project stage", "Equipped")
    HANDED_OVER = "handed_over", pgettext_lazy("project stage", "Handed over")
    FOLLOWED_UP = "followed_up", pgettext_lazy("project stage", "Followed up")
    REJECTED = "rejected", pgettext_lazy("project stage", "Rejected")


# The columns of the pipeline board, in the order a plan moves through them.
PIPELINE = [
    Stage.DRAFT,
    Stage.IN_REVIEW,
    Stage.APPROVED,
    Stage.FUNDED,
    Stage.EQUIPPED,
    Stage.HANDED_OVER,
    Stage.FOLLOWED_UP,
]
# A person has at most one plan being prepared or reviewed at a time (in the database; the services go further:
# one project under way, see selectors.projects_under_way).
PREPARATION_STAGES = [Stage.DRAFT, Stage.IN_REVIEW, Stage.APPROVED]
# Stages at which money has been granted.
FUNDED_STAGES = [Stage.FUNDED, Stage.EQUIPPED, Stage.HANDED_OVER, Stage.FOLLOWED_UP]
AFTER_HANDOVER = [Stage.HANDED_OVER, Stage.FOLLOWED_UP]


class Venture(models.Model):
    """One person's income-generating project, from the first draft of its plan to its follow-up."""

    public_code = models.CharField(
        _("public code"), max_length=16, unique=True, default=new_venture_code, editable=False
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="ventures"
    )
    # The person's administration, kept here so that scoping and history need no join.
    administration = models.ForeignKey(
        "core.Organization", verbose_name=_("administration"), on_delete=models.PROTECT, related_name="+"
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ventures",
    )
    assessment = models.ForeignKey(
        "people.Assessment",
        verbose_name=_("prepared from the assessment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.DRAFT)
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    current_version = models.ForeignKey(
        "PlanVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    # The giving app's case through which donors complete a kit the grant could not pay for in full.
    equipment_case = models.ForeignKey(
        "giving.Case",
        verbose_name=_("donors' case for missing equipment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("income-generating project")
        verbose_name_plural = _("income-generating projects")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(stage__in=PREPARATION_STAGES),
                name="venture_one_plan_in_preparation_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["administration", "stage"]),
            models.Index(fields=["agreement", "stage"]),
        ]

    def __str__(self) -> str:
        return self.public_code

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id, "person": self.person_id}

    @property
    def is_funded(self) -> bool:
        return self.stage in FUNDED_STAGES

    @property
    def is_handed_over(self) -> bool:
        return self.stage in AFTER_HANDOVER


class PlanVersion(models.Model):
    """One version of the plan. A revision adds a version; none is ever changed, so the committee's
    decision always points at the text it read."""

    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    activity = models.CharField(_("activity"), max_length=200)
    region = models.ForeignKey("core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    locality = models.CharField(_("town or village"), max_length=120, blank=True)
    training_and_experience = models.TextField(_("relevant training and experience"), blank=True)
    equipment_description = models.TextField(_("equipment needed"), blank=True)
    equipment_budget = _money_field(_("equipment"))
    working_capital = _money_field(_("working capital"))
    expected_monthly_income = _money_field(_("expected monthly income"))
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    prepared_on = models.DateField(_("prepared on"))
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["venture", "-number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.UniqueConstraint(fields=["venture", "number"], name="plan_version_number_unique"),
            models.CheckConstraint(
                condition=Q(equipment_budget__gte=0, working_capital__gte=0, expected_monthly_income__gte=0),
                name="plan_version_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(equipment_budget__gt=0) | Q(working_capital__gt=0),
                name="plan_version_asks_for_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venture.public_code} v{self.number}"

    def get_additional_data(self) -> dict:
        return {"administration": self.venture.administration_id, "person": self.venture.person_id}

    @property
    def requested_total(self):
        return self.equipment_budget + self.working_capital


class Decision(models.TextChoices):
    APPROVED = "approved", pgettext_lazy("committee decision", "Approved")
    APPROVED_WITH_CHANGES = "approved_with_changes", pgettext_lazy("committee decision", "Approved with changes")
    DEFERRED = "deferred", pgettext_lazy("committee decision", "Deferred")
    REJECTED = "rejected", pgettext_lazy("committee decision", "Rejected")


APPROVING_DECISIONS = [Decision.APPROVED, Decision.APPROVED_WITH_CHANGES]


class CommitteeReview(models.Model):
    """A committee's decision on one version of the plan; only an approval opens the way to a grant."""

    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="reviews")
    version = models.ForeignKey(PlanVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+")
    committee = models.CharField(_("committee"), max_length=200, blank=True)
    members = models.TextField(
        pgettext_lazy("committee", "members"), help_text=_("One member per line, with their organization.")
    )
    reviewed_on = models.DateField(_("date of the meeting"))
    decision = models.CharField(_("decision"), max_length=24, choices=Decision.choices)
    reasons = models.TextField(_("reasons"), blank=True)
    approved_amount = _money_field(
        _("approved amount"),
        null=True,
        blank=True,
        help_text=_("The most that may be granted; the plan's total when left empty."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        get_latest_by = ["reviewed_on", "pk"]
        verbose_name = _("committee review")
        verbose_name_plural = _("committee reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | Q(approved_amount__gt=0, decision__in=["approved", "approved_with_changes"]),
                name="review_amount_only_when_approved",
            ),
            models.CheckConstraint(
                condition=Q(decision="approved") | ~Q(reasons=""),
                name="review_reasons_unless_plainly_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venture.public_code} {self.get_decision_display()}"

    def get_additional_data(self) -> dict:
        return {"administration": self.venture.administration_id, "person": self.venture.person_id}

    @property
    def approves(self) -> bool:
        return self.decision in APPROVING_DECISIONS

    def member_list(self) -> list[str]:
        return [line.strip() for line in self.members.splitlines() if line.strip()]


class GrantKind(models.TextChoices):
    INITIAL = "initial", _("Grant")
    EXTRA = "extra", _("Extra grant")


class Grant(models.Model):
    """Money drawn from an agreement's budgets for one project, in one or several funders' shares."""

    venture = models.ForeignKey(Venture, on_delete=models.PROTECT, related_name="grants")
    agreement = models.ForeignKey(
        "agreements.Agreement", verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=GrantKind.choices, default=GrantKind.INITIAL)
    amount = _money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    granted_on = models.DateField(_("granted on"))
    follow_up = models.ForeignKey(
        "FollowUp",
        verbose_name=_("decided at the follow-up visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grants",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["granted_on", "pk"]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grant_amount_positive"),
            models.UniqueConstraint(
                fields=["venture"], condition=Q(kind="initial"), name="grant_one_initial_per_venture"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venture.public_code} {self.amount} {self.currency}"

    def get_additional_data(self) -> dict:
        return {
            "administration": self.venture.administration_id,
            "agreement": self.agreement_id,
            "person": self.venture.person_id,
        }

    @property
    def source(self) -> str:
        """What the budget movements of this grant say caused them."""
        return f"ventures:grant:{self.pk}"


class GrantShare(models.Model):
    """The part of a grant one budget (one funder's share of the agreement) pays, and its movement."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="shares")
    budget = models.ForeignKey(
        "agreements.Budget", verbose_name=_("budget"), on_delete=models.PROTECT, related_name="+"
    )
    amount = _money_field(_("amount"))
    movement = models.OneToOneField(
        "agreements.BudgetMovement", on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["budget_id"]
        verbose_name = _("share of a grant")
        verbose_name_plural = _("shares of grants")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grant_share_amount_positive"),
            models.UniqueConstraint(fields=["grant", "budget"], name="grant_share_one_per_budget"),
        ]

    def __str__(self) -> str:
        return f"{self.grant} ← {self.budget_id}"

    def get_additional_data(self) -> dict:
        return {
            "administration": self.grant.venture.administration_id,
            "agreement": self.grant.agreement_id,
            "person": self.grant.venture.person_id,
        }


class Procurement(models.TextChoices):
    TO_ORDER = "to_order", _("To be ordered")
    ORDERED = "ordered", _("Ordered")
    DELIVERED = "delivered", _("Delivered, ready to hand over")


class Kit(models.Model):
    """The equipment bought with the grant. After the handover the items belong to the beneficiary."""

    venture = models.OneToOneField(Venture, on_delete=models.CASCADE, related_name="kit")
    procurement = models.CharField(
        _("procurement"), max_length=12, choices=Procurement.choices, default=Procurement.TO_ORDER
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("equipment kit")
        verbose_name_plural = _("equipment kits")

    def __str__(self) -> str:
        return self.venture.public_code

    def get_additional_data(self) -> dict:
        return {"administration": self.venture.administration_id, "person": self.venture.person_id}


class KitItem(models.Model):
    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("item"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_cost = _money_field(_("unit cost"))
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("kit item")
        verbose_name_plural = _("kit items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="kit_item_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="kit_item_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"administration": self.kit.venture.administration_id, "person": self.kit.venture.person_id}

    @property
    def total(self):
        return self.unit_cost * self.quantity


def receipt_path(instance, filename: str) -> str:
    # A random name: the stored path says nothing about whose receipt it is.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"ventures/receipts/{secrets.token_hex(16)}.{extension}"


class Handover(models.Model):
    """The day the equipment was given to the beneficiary, after release."""

    venture = models.OneToOneField(Venture, on_delete=models.CASCADE, related_name="handover")
    handed_over_on = models.DateField(_("handed over on"))
    place = models.CharField(_("place"), max_length=200)
    ceremony = models.CharField(
        _("ceremony"), max_length=200, blank=True, help_text=_("The ceremony, if the equipment was handed over at one.")
    )
    handed_over_by = models.CharField(
        _("handed over by"), max_length=200, help_text=_("Who gave the equipment, with their title.")
    )
    beneficiary_signed = models.BooleanField(
        _("the beneficiary signed the receipt"), default=False, help_text=_("The signed paper receipt is on file.")
    )
    receipt = models.FileField(_("photo or scan of the signed receipt"), upload_to=receipt_path, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.CheckConstraint(
                condition=Q(beneficiary_signed=True) | ~Q(receipt=""), name="handover_signed_or_receipt"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venture.public_code} {self.handed_over_on}"

    def get_additional_data(self) -> dict:
        return {"administration": self.venture.administration_id, "person": self.venture.person_id}


class ProjectState(models.TextChoices):
    OPERATING = "operating", pgettext_lazy("project state", "Operating")
    STRUGGLING = "struggling", pgettext_lazy("project state", "Struggling")
    SUSPENDED = "suspended", pgettext_lazy("project state", "Suspended")
    CLOSED = "closed", pgettext_lazy("project state", "Closed")


# A project found in one of these states at a follow-up is alive (see survival.py).
SURVIVING_STATES = [ProjectState.OPERATING, ProjectState.STRUGGLING]


class IncomeBand(models.TextChoices):
    NONE = "none", _("No income yet")
    BELOW_HALF = "below_half", _("Less than half of the expected income")
    BELOW_EXPECTED = "below_expected", _("Half of the expected income or more")
    AT_EXPECTED = "at_expected", _("The expected income or more")


class Help(models.TextChoices):
    TRAINING = "training", _("Training")
    ADVICE = "advice", _("Advice")
    EXTRA_GRANT = "extra_grant", _("Extra grant")
    REFERRAL = "referral", _("Referral to another service")


# Scheduled visits, in months after the handover.
FOLLOW_UP_MONTHS = (1, 3, 6, 12)


class FollowUp(models.Model):
    """A visit of the accompaniment centre: scheduled at 1, 3, 6 and 12 months after the handover, or
    added when needed. Until it is recorded it is only a due date on the centre's work list."""

    venture = models.ForeignKey(Venture, on_delete=models.CASCADE, related_name="follow_ups")
    month_mark = models.PositiveSmallIntegerField(
        _("scheduled at month"), null=True, blank=True, help_text=_("Empty for a visit added when needed.")
    )
    due_on = models.DateField(_("due on"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    state = models.CharField(_("state of the project"), max_length=12, choices=ProjectState.choices, blank=True)
    income_band = models.CharField(_("monthly income"), max_length=16, choices=IncomeBand.choices, blank=True)
    problems = models.TextField(_("problems"), blank=True)
    help_given = models.JSONField(_("help given"), default=list, blank=True)
    help_note = models.TextField(_("about the help"), blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "core.Organization",
        verbose_name=_("accompaniment centre"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["venture", "month_mark"],
                condition=Q(month_mark__isnull=False),
                name="follow_up_one_per_month_mark",
            ),
            models.CheckConstraint(
                condition=Q(visited_on__isnull=True, state="") | Q(visited_on__isnull=False) & ~Q(state=""),
                name="follow_up_visited_has_state",
            ),
        ]
        indexes = [models.Index(fields=["visited_on", "due_on"], name="follow_up_worklist")]

    def __str__(self) -> str:
        return f"{self.venture.public_code} {self.due_on}"

    def get_additional_data(self) -> dict:
        return {"administration": self.venture.administration_id, "person": self.venture.person_id}

    @property
    def is_recorded(self) -> bool:
        return self.visited_on is not None

    def is_overdue(self, today) -> bool:
        return self.visited_on is None and self.due_on < today

    def help_labels(self) -> list[str]:
        return [Help(code).label for code in self.help_given if code in Help.values]

    def schedule_label(self) -> str:
        """'At 3 months' for a scheduled visit, 'When needed' for one added later, in the reader's digits."""
        from karama.core.formatting import localize_digits

        if self.month_mark:
            text = ngettext("At %(months)s month", "At %(months)s months", self.month_mark)
            return text % {"months": localize_digits(str(self.month_mark))}
        return pgettext("follow-up visit", "When needed")
