"""Cases a donor can fund, the campaigns that group them, and the rules that order and admit them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from karama.core.models import NamedInLanguages, Organization, Region
from karama.core.money import CURRENCY_FIELD_LENGTH, validate_currency
from karama.people.models import new_public_code

MONEY = {"max_digits": 18, "decimal_places": 3}


def new_case_code() -> str:
    # Its own prefix and its own random body: nothing links it to the person's or household's code.
    return new_public_code("C")


class CaseKind(models.TextChoices):
    DEBT_RELEASE = "debt_release", _("Debt release")
    HOUSEHOLD_NEED = "household_need", _("Household need")
    EQUIPMENT = "equipment", _("Project equipment")


# Zakat may go to debtors and to families in need; never to equipment, fees or overheads.
ZAKAT_ELIGIBLE_KINDS = frozenset({CaseKind.DEBT_RELEASE, CaseKind.HOUSEHOLD_NEED})


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    FUNDED = "funded", _("Funded")
    SETTLED = "settled", _("Settled")
    CLOSED = "closed", pgettext_lazy("giving case", "Closed")
    CANCELLED = "cancelled", _("Cancelled")


class SummaryRole(models.TextChoices):
    """Who the case is about, as the public summary says it: never more precise than this."""

    FATHER = "father", pgettext_lazy("case summary", "a father")
    MOTHER = "mother", pgettext_lazy("case summary", "a mother")
    YOUNG_MAN = "young_man", pgettext_lazy("case summary", "a young man")
    YOUNG_WOMAN = "young_woman", pgettext_lazy("case summary", "a young woman")
    MAN = "man", pgettext_lazy("case summary", "a man")
    WOMAN = "woman", pgettext_lazy("case summary", "a woman")
    ELDERLY_MAN = "elderly_man", pgettext_lazy("case summary", "an elderly man")
    ELDERLY_WOMAN = "elderly_woman", pgettext_lazy("case summary", "an elderly woman")


WOMEN_ROLES = frozenset({SummaryRole.MOTHER, SummaryRole.YOUNG_WOMAN, SummaryRole.WOMAN, SummaryRole.ELDERLY_WOMAN})
PARENT_ROLES = frozenset({SummaryRole.FATHER, SummaryRole.MOTHER})


class DebtReason(models.TextChoices):
    RENT = "rent", pgettext_lazy("held for", "an unpaid rent debt")
    BUSINESS = "business", pgettext_lazy("held for", "the debts of a failed small business")
    PERSONAL_LOAN = "personal_loan", pgettext_lazy("held for", "an unpaid personal loan")
    ACCIDENT = "accident", pgettext_lazy("held for", "compensation owed after a traffic accident")
    MEDICAL = "medical", pgettext_lazy("held for", "unpaid medical bills")
    GUARANTEE = "guarantee", pgettext_lazy("held for", "a debt guaranteed for someone else")
    FAMILY_EXPENSES = "family_expenses", pgettext_lazy("held for", "debts run up for the family's needs")
    MARRIAGE_PORTION = "marriage_portion", pgettext_lazy("held for", "an unpaid marriage portion (mahr)")
    BLOOD_MONEY = "blood_money", pgettext_lazy("held for", "blood money (diya) for an unintentional accident")


class NeedReason(models.TextChoices):
    FOOD = "food", pgettext_lazy("help with", "food")
    RENT = "rent", pgettext_lazy("help with", "the rent")
    SCHOOL = "school", pgettext_lazy("help with", "school costs")
    MEDICAL = "medical", pgettext_lazy("help with", "medical care")
    UTILITIES = "utilities", pgettext_lazy("help with", "utility bills")
    DEBTS = "debts", pgettext_lazy("help with", "pressing debts")
    OTHER = "other", pgettext_lazy("help with", "other essentials")


class Trade(models.TextChoices):
    SERVICES = "services", pgettext_lazy("project in", "services")
    AGRICULTURE = "agriculture", pgettext_lazy("project in", "agriculture")
    HANDICRAFTS = "handicrafts", pgettext_lazy("project in", "handicrafts")
    CONSTRUCTION = "construction", pgettext_lazy("project in", "construction")
    CATERING = "catering", pgettext_lazy("project in", "catering")
    TRADE = "trade", pgettext_lazy("project in", "trade")


class AllocationRule(models.TextChoices):
    URGENT_FIRST = "urgent_first", _("Most urgent cases first")
    EVENLY = "evenly", _("Evenly among the open cases")


class Campaign(NamedInLanguages):
    """A drive with a goal and a window (a Ramadan campaign); gifts to it are shared out among its cases."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    administration = models.ForeignKey(
        Organization,
        verbose_name=_("administration"),
        on_delete=models.PROTECT,
        related_name="giving_campaigns",
        limit_choices_to={"kind": "prison_administration"},
    )
    descriptions = models.JSONField(_("description"), default=dict, blank=True)
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    goal = models.DecimalField(_("goal"), **MONEY, null=True, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    allocation_rule = models.CharField(
        _("how gifts are shared out"),
        max_length=16,
        choices=AllocationRule.choices,
        default=AllocationRule.URGENT_FIRST,
    )
    is_public = models.BooleanField(_("shown on the portal"), default=False)
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="giving_campaigns",
    )
    commitment = models.ForeignKey(
        "agreements.Commitment",
        verbose_name=_("commitment it delivers"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="giving_campaigns",
        help_text=_("People released through the campaign count towards this commitment."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "code"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"),
            models.CheckConstraint(condition=Q(goal__isnull=True) | Q(goal__gt=0), name="campaign_goal_positive"),
        ]

    def extra_search_texts(self) -> list[str]:
        return [self.code]

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id, "agreement": self.agreement_id}

    @property
    def description(self) -> str:
        from karama.core.i18n import pick_name

        return pick_name(self.descriptions, self.original_language)

    def is_open_on(self, day) -> bool:
        return self.is_public and self.starts_on <= day <= self.ends_on


class Case(models.Model):
    """Something a donor can fund: the debt that holds an insolvent prisoner, a household's need, a project's
    equipment. Internally it points at the person or household; its public face is its own code, a coarse
    region, indicators and a summary written from a template."""

    public_code = models.CharField(_("public code"), max_length=16, unique=True, default=new_case_code, editable=False)
    administration = models.ForeignKey(
        Organization, verbose_name=_("administration"), on_delete=models.PROTECT, related_name="giving_cases"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="giving_cases"
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="giving_cases",
    )
    household_need = models.ForeignKey(
        "support.HouseholdNeed",
        verbose_name=_("household need"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="giving_cases",
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    # What is asked of donors: for a debt, the claims less every other source of the funding plan.
    target = models.DecimalField(_("asked of donors"), **MONEY)
    # The public face: nothing here may single the person out.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=[("male", _("Male")), ("female", _("Female"))], blank=True)
    summary_role = models.CharField(_("who"), max_length=16, choices=SummaryRole.choices, blank=True)
    summary_reason = models.CharField(_("why"), max_length=20, blank=True)
    children = models.PositiveSmallIntegerField(_("children"), default=0)
    household_size = models.PositiveSmallIntegerField(_("people in the household"), default=0)
    head_of_household = models.BooleanField(_("head of household"), default=False)
    illness = models.BooleanField(_("serious illness in the family"), default=False)
    pregnancy = models.BooleanField(_("pregnancy in the family"), default=False)
    # Derived from the published priority rules each time they or the case change.
    priority_score = models.PositiveIntegerField(default=0, editable=False)
    priority_reasons = models.JSONField(default=list, blank=True, editable=False)
    # {rule: {"passed": bool, "detail": str}} as last checked, and by whom.
    eligibility = models.JSONField(default=dict, blank=True, editable=False)
    eligibility_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    eligibility_checked_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    funded_at = models.DateTimeField(_("funded at"), null=True, blank=True)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(condition=Q(target__gt=0), name="case_target_positive"),
            # Four eyes, in the database too: whoever opened a case never approves it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("opened_by")),
                name="case_approved_by_someone_else",
            ),
            models.CheckConstraint(
                condition=~Q(kind="household_need") | Q(household__isnull=False, household_need__isnull=False),
                name="case_household_need_household",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-priority_score", "target"], name="case_portal_order"),
            models.Index(fields=["administration", "status"]),
            models.Index(fields=["campaign", "status"]),
        ]

    def __str__(self) -> str:
        return self.public_code

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id, "person": self.person_id}

    @property
    def zakat_eligible(self) -> bool:
        return self.kind in ZAKAT_ELIGIBLE_KINDS

    @property
    def accepts_gifts(self) -> bool:
        return self.status == CaseStatus.PUBLISHED

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES


# What the portal shows: open cases, and those funded, settled or closed as an account of what gifts did.
PUBLIC_STATUSES = frozenset({CaseStatus.PUBLISHED, CaseStatus.FUNDED, CaseStatus.SETTLED, CaseStatus.CLOSED})


class CreditorKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COMPANY = "company", _("Company or shop")
    BANK = "bank", _("Bank or finance company")
    LANDLORD = "landlord", _("Landlord")
    OTHER = "other", _("Other")


class DebtNature(models.TextChoices):
    PRIVATE_RIGHT = "private_right", _("Private right (owed to a person or company)")
    PUBLIC_RIGHT = "public_right", _("Public right (a fine or sum owed to the state)")


class DebtClaim(models.Model):
    """What a creditor claims, as the court or enforcement office records it, and who verified it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="claims")
    creditor_kind = models.CharField(_("creditor"), max_length=12, choices=CreditorKind.choices)
    creditor_name = models.CharField(_("creditor's name"), max_length=200)
    nature = models.CharField(
        _("nature of the debt"), max_length=14, choices=DebtNature.choices, default=DebtNature.PRIVATE_RIGHT
    )
    amount = models.DecimalField(_("amount claimed"), **MONEY)
    court_reference = models.CharField(_("court or enforcement reference"), max_length=100)
    pay_to = models.CharField(
        _("pay to"), max_length=200, blank=True, help_text=_("The creditor's or the court's account for the payment.")
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("creditor's claim")
        verbose_name_plural = _("creditors' claims")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="claim_amount_positive")]

    def __str__(self) -> str:
        return f"{self.court_reference} {self.amount}"

    def get_additional_data(self) -> dict:
        return {"administration": self.case.administration_id, "person": self.case.person_id}


class FundingSource(models.Model):
    """One part of a debt's funding plan other than donors (as Iran's Setad Dieh combines them)."""

    class Kind(models.TextChoices):
        FORGIVENESS = "forgiveness", _("Creditor forgiveness")
        OWN = "own", _("The prisoner's own contribution")
        FAMILY = "family", _("The family's contribution")
        LOAN = "loan", _("Interest-free loan, repaid after release")
        OTHER = "other", _("Another charity or fund")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="funding_sources")
    kind = models.CharField(_("source"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    note = models.CharField(
        _("note"), max_length=300, blank=True, help_text=_("E.g. the reconciliation committee that negotiated it.")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="funding_source_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def get_additional_data(self) -> dict:
        return {"administration": self.case.administration_id, "person": self.case.person_id}


class LoanInstallment(models.Model):
    """The repayment schedule of an interest-free loan."""

    source = models.ForeignKey(FundingSource, on_delete=models.CASCADE, related_name="installments")
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.due_on} {self.amount}"

    def get_additional_data(self) -> dict:
        return {"administration": self.source.case.administration_id, "person": self.source.case.person_id}


class EligibilityPolicy(models.Model):
    """Who may be released through donors' money, as an administration configures it without code."""

    administration = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="giving_eligibility", verbose_name=_("administration")
    )
    financial_category_only = models.BooleanField(_("only people held in a financial or debt case"), default=True)
    private_right_only = models.BooleanField(_("only private-right debts"), default=True)
    max_amount = models.DecimalField(_("largest debt"), **MONEY, null=True, blank=True)
    max_amount_currency = models.CharField(
        _("currency"), max_length=CURRENCY_FIELD_LENGTH, blank=True, validators=[validate_currency]
    )
    exclude_fraud = models.BooleanField(_("no fraud conviction"), default=True)
    min_months_served = models.PositiveSmallIntegerField(_("months served at least"), default=0)
    require_good_conduct = models.BooleanField(_("good conduct in custody"), default=True)
    years_since_last_release = models.PositiveSmallIntegerField(
        _("no earlier release through the platform within (years)"), default=5
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("eligibility rules")
        verbose_name_plural = _("eligibility rules")

    def __str__(self) -> str:
        return str(self.administration)

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id}


class PriorityRule(models.Model):
    """One published rule that raises cases on the portal; points add up, the case shows which rules applied."""

    class Kind(models.TextChoices):
        ELDERLY = "elderly", _("Older people")
        HEAD_OF_HOUSEHOLD = "head_of_household", _("Heads of household")
        WOMEN = "women", _("Women")
        TIME_HELD = "time_held", _("Time already held")
        SMALL_AMOUNT = "small_amount", _("Smallest amounts first")
        CHILDREN = "children", _("Children at home")
        ILLNESS = "illness", _("Serious illness in the family")
        PREGNANCY = "pregnancy", _("Pregnancy in the family")

    # Rules whose threshold means something, and what it counts.
    THRESHOLDS = {
        Kind.ELDERLY: _("age in years"),
        Kind.TIME_HELD: _("months held"),
        Kind.SMALL_AMOUNT: _("amount asked, at most"),
        Kind.CHILDREN: _("children, at least"),
    }

    administration = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="giving_priority_rules")
    kind = models.CharField(_("rule"), max_length=20, choices=Kind.choices)
    points = models.PositiveSmallIntegerField(_("points"), default=10)
    threshold = models.DecimalField(_("threshold"), **MONEY, null=True, blank=True)
    active = models.BooleanField(_("in force"), default=True)

    class Meta:
        ordering = ["-points", "kind"]
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority rules")
        constraints = [
            models.UniqueConstraint(fields=["administration", "kind"], name="priority_rule_one_per_kind"),
            models.CheckConstraint(
                condition=Q(threshold__isnull=True) | Q(threshold__gt=0), name="priority_threshold_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id}
