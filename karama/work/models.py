"""Work inside and after prison: workshops with positions, pay bands, wage splits, jobs and pay runs;
facilities' published capacity and entrepreneurs' investment proposals; openings after release,
applications, placements and their retention checks."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from karama.core.models import Facility, NamedInLanguages, Organization, Region
from karama.core.money import CURRENCY_FIELD_LENGTH, validate_currency
from karama.people.catalogues import OCCUPATION_CHOICES
from karama.people.models import CaseCategory, Person, new_public_code

MONEY = {"max_digits": 18, "decimal_places": 3}
PERCENT = {"max_digits": 5, "decimal_places": 2}


def new_workshop_code() -> str:
    return new_public_code("W")


def new_job_code() -> str:
    return new_public_code("J")


def new_pay_run_code() -> str:
    return new_public_code("R")


def new_proposal_code() -> str:
    return new_public_code("I")


def new_opening_code() -> str:
    return new_public_code("O")


def new_application_code() -> str:
    return new_public_code("A")


# Workshops and in-prison jobs --------------------------------------------------------------------


class WorkshopKind(models.TextChoices):
    FACTORY = "factory", _("Factory")
    CRAFT_WORKSHOP = "craft_workshop", _("Craft workshop")
    SEWING = "sewing", _("Sewing workshop")
    CARPENTRY = "carpentry", _("Carpentry workshop")
    FARM = "farm", _("Farm")
    KITCHEN = "kitchen", _("Kitchen")
    BAKERY = "bakery", _("Bakery")
    LAUNDRY = "laundry", _("Laundry")
    MAINTENANCE = "maintenance", _("Maintenance")
    OTHER = "other", _("Other")


class WorkshopStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class Workshop(NamedInLanguages):
    """A place of work inside a facility, run by the administration or by a partner under an agreement."""

    code = models.CharField(_("code"), max_length=16, unique=True, default=new_workshop_code, editable=False)
    administration = models.ForeignKey(
        Organization, verbose_name=_("administration"), on_delete=models.PROTECT, related_name="workshops"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="workshops"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=WorkshopKind.choices)
    occupation = models.CharField(_("trade"), max_length=2, choices=OCCUPATION_CHOICES)
    operator = models.ForeignKey(
        Organization,
        verbose_name=_("operated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operated_workshops",
        help_text=_("The partner that runs the workshop; empty when the administration runs it."),
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workshops",
    )
    commitment = models.ForeignKey(
        "agreements.Commitment",
        verbose_name=_("employment commitment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshops",
        help_text=_("The agreement's commitment that the people employed here count toward."),
    )
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    description = models.TextField(_("description"), blank=True)
    space_square_metres = models.PositiveIntegerField(_("floor space (m²)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=WorkshopStatus.choices, default=WorkshopStatus.ACTIVE)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["facility__code", "code"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        indexes = [models.Index(fields=["administration", "status"])]

    def extra_search_texts(self) -> list[str]:
        return [self.code]

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id, "agreement": self.agreement_id}


class Position(models.Model):
    """A kind of job in a workshop and how many people may hold it at once."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="positions")
    title = models.CharField(_("title"), max_length=200)
    occupation = models.CharField(_("occupation group"), max_length=2, choices=OCCUPATION_CHOICES)
    places = models.PositiveIntegerField(_("places"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [models.CheckConstraint(condition=Q(places__gt=0), name="work_position_has_places")]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict:
        return {"administration": self.workshop.administration_id, "agreement": self.workshop.agreement_id}


class PayBasis(models.TextChoices):
    HOURLY = "hourly", _("Hours worked × hourly rate")
    PIECE = "piece", _("Pieces made × piece rate")
    ATTENDANCE = "attendance", _("Days attended × daily rate")


class PayBand(models.Model):
    """A rate of pay in a workshop: by the hour, by the piece or by the day attended."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="pay_bands")
    name = models.CharField(_("name"), max_length=100)
    basis = models.CharField(_("basis"), max_length=12, choices=PayBasis.choices)
    rate = models.DecimalField(_("rate"), **MONEY)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pay band")
        verbose_name_plural = _("pay bands")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="work_pay_band_rate_positive"),
            models.UniqueConstraint(fields=["workshop", "name"], name="work_pay_band_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"administration": self.workshop.administration_id, "agreement": self.workshop.agreement_id}


class WageSplit(models.Model):
    """How wages are divided, as agreed with the operator from a date on: a share sent to the family,
    a share saved until release, and the share the worker keeps. The three always make 100 %."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="wage_splits")
    effective_from = models.DateField(_("in force from"))
    family_percent = models.DecimalField(_("sent to the family (%)"), **PERCENT)
    savings_percent = models.DecimalField(_("saved until release (%)"), **PERCENT)
    kept_percent = models.DecimalField(_("kept by the worker (%)"), **PERCENT)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-pk"]
        verbose_name = _("wage split")
        verbose_name_plural = _("wage splits")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "effective_from"], name="work_wage_split_one_per_day"),
            models.CheckConstraint(
                condition=Q(family_percent__gte=0, savings_percent__gte=0, kept_percent__gte=0),
                name="work_wage_split_not_negative",
            ),
            models.CheckConstraint(
                condition=Exact(F("family_percent") + F("savings_percent") + F("kept_percent"), 100),
                name="work_wage_split_makes_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family_percent}/{self.savings_percent}/{self.kept_percent}"

    def get_additional_data(self) -> dict:
        return {"administration": self.workshop.administration_id, "agreement": self.workshop.agreement_id}


class JobEndReason(models.TextChoices):
    RELEASED = "released", _("Released from custody")
    TRANSFERRED = "transferred", _("Transferred")
    RESIGNED = "resigned", _("Stopped at their own request")
    DISMISSED = "dismissed", _("Dismissed")
    SECURITY = "security", _("Security reasons")
    WORKSHOP_CLOSED = "workshop_closed", _("Workshop closed")
    OTHER = "other", _("Other")


class Job(models.Model):
    """A person's job in a workshop while in custody: a position, a pay band, hours, a start and an end."""

    code = models.CharField(_("code"), max_length=16, unique=True, default=new_job_code, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="prison_jobs")
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="jobs")
    position = models.ForeignKey(Position, verbose_name=_("position"), on_delete=models.PROTECT, related_name="jobs")
    pay_band = models.ForeignKey(PayBand, verbose_name=_("pay band"), on_delete=models.PROTECT, related_name="jobs")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, choices=JobEndReason.choices, blank=True)
    hours_per_week = models.DecimalField(_("hours a week"), max_digits=5, decimal_places=2, null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("job in prison")
        verbose_name_plural = _("jobs in prison")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(ends_on__isnull=True), name="work_one_open_job"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="work_job_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True, end_reason="") | Q(ends_on__isnull=False) & ~Q(end_reason=""),
                name="work_job_end_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__isnull=True) | Q(hours_per_week__gt=0, hours_per_week__lte=84),
                name="work_job_hours_plausible",
            ),
        ]
        indexes = [models.Index(fields=["workshop", "ends_on"]), models.Index(fields=["position", "ends_on"])]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.ends_on is None

    def get_additional_data(self) -> dict:
        return {"administration": self.workshop.administration_id, "person": self.person_id}


class PayRunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")


class PayRun(models.Model):
    """The pay of one workshop for one period: each worker's gross and its split, as agreed at the time."""

    code = models.CharField(_("code"), max_length=16, unique=True, default=new_pay_run_code, editable=False)
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="pay_runs")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    # The split in force at the end of the period, copied so that a later change never rewrites a past run.
    family_percent = models.DecimalField(_("sent to the family (%)"), **PERCENT)
    savings_percent = models.DecimalField(_("saved until release (%)"), **PERCENT)
    kept_percent = models.DecimalField(_("kept by the worker (%)"), **PERCENT)
    status = models.CharField(_("status"), max_length=10, choices=PayRunStatus.choices, default=PayRunStatus.DRAFT)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        verbose_name = _("pay run")
        verbose_name_plural = _("pay runs")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "period_start"], name="work_pay_run_one_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="work_pay_run_period_order"),
            models.CheckConstraint(
                condition=Q(status="paid", paid_on__isnull=False) | ~Q(status="paid") & Q(paid_on__isnull=True),
                name="work_pay_run_paid_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_additional_data(self) -> dict:
        return {"administration": self.workshop.administration_id, "agreement": self.workshop.agreement_id}


class PayLine(models.Model):
    """One worker's pay in a run. The three shares always add up exactly to the gross."""

    pay_run = models.ForeignKey(PayRun, on_delete=models.CASCADE, related_name="lines")
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="pay_lines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="pay_lines")
    basis = models.CharField(_("basis"), max_length=12, choices=PayBasis.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=9, decimal_places=2)
    rate = models.DecimalField(_("rate"), **MONEY)
    gross = models.DecimalField(_("gross"), **MONEY)
    family_amount = models.DecimalField(_("sent to the family"), **MONEY)
    savings_amount = models.DecimalField(_("saved until release"), **MONEY)
    kept_amount = models.DecimalField(_("kept by the worker"), **MONEY)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pay line")
        verbose_name_plural = _("pay lines")
        constraints = [
            models.UniqueConstraint(fields=["pay_run", "job"], name="work_pay_line_one_per_job"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0, rate__gt=0, gross__gte=0)
                & Q(family_amount__gte=0, savings_amount__gte=0, kept_amount__gte=0),
                name="work_pay_line_not_negative",
            ),
            models.CheckConstraint(
                condition=Exact(F("family_amount") + F("savings_amount") + F("kept_amount"), F("gross")),
                name="work_pay_line_shares_make_gross",
            ),
        ]
        indexes = [models.Index(fields=["person", "pay_run"])]

    def __str__(self) -> str:
        return f"{self.pay_run.code} {self.job.code}"

    def get_additional_data(self) -> dict:
        return {"administration": self.pay_run.workshop.administration_id, "person": self.person_id}


class SavingsPayout(models.Model):
    """The savings kept until release, handed to the person (usually on the day they leave)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="savings_payouts")
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-pk"]
        verbose_name = _("savings payout")
        verbose_name_plural = _("savings payouts")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="work_savings_payout_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def get_additional_data(self) -> dict:
        return {"administration": self.person.administration_id, "person": self.person_id}


# Capacity and investment ---------------------------------------------------------------------------


class FacilityCapacity(models.Model):
    """What a facility offers to entrepreneurs and trainers: free space, the trades it can host, idle places."""

    facility = models.OneToOneField(Facility, on_delete=models.CASCADE, related_name="work_capacity")
    space_square_metres = models.PositiveIntegerField(_("free floor space (m²)"), default=0)
    trades = models.JSONField(_("trades it can host"), default=list, blank=True)
    idle_workers = models.PositiveIntegerField(
        _("people available for work"), default=0, help_text=_("Inmates able and wishing to work who have no job.")
    )
    training_places = models.PositiveIntegerField(_("free places in training rooms"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    published = models.BooleanField(_("published to partners"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("facility capacity")
        verbose_name_plural = _("facility capacities")

    def __str__(self) -> str:
        return str(self.facility)

    def get_additional_data(self) -> dict:
        return {"administration": self.facility.administration_id}


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class InvestmentProposal(models.Model):
    """An entrepreneur's offer to invest in a workshop inside a facility (trade, places, money, terms).
    Accepted, it becomes an agreement and a workshop."""

    TRANSITIONS = {
        ProposalStatus.SUBMITTED: {ProposalStatus.UNDER_REVIEW, ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN},
        ProposalStatus.UNDER_REVIEW: {ProposalStatus.ACCEPTED, ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN},
        ProposalStatus.ACCEPTED: set(),
        ProposalStatus.REJECTED: set(),
        ProposalStatus.WITHDRAWN: set(),
    }

    code = models.CharField(_("code"), max_length=16, unique=True, default=new_proposal_code, editable=False)
    administration = models.ForeignKey(
        Organization, verbose_name=_("administration"), on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="investment_proposals"
    )
    proposer = models.ForeignKey(
        Organization, verbose_name=_("entrepreneur"), on_delete=models.PROTECT, related_name="investment_proposals"
    )
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language of the proposal"), max_length=8, default="en")
    occupation = models.CharField(_("trade"), max_length=2, choices=OCCUPATION_CHOICES)
    workshop_kind = models.CharField(_("kind of workshop"), max_length=20, choices=WorkshopKind.choices)
    places = models.PositiveIntegerField(_("jobs offered"))
    investment = models.DecimalField(_("investment"), **MONEY)
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    terms = models.TextField(_("terms"), blank=True)
    family_percent = models.DecimalField(_("wages sent to the family (%)"), **PERCENT)
    savings_percent = models.DecimalField(_("wages saved until release (%)"), **PERCENT)
    kept_percent = models.DecimalField(_("wages kept by the worker (%)"), **PERCENT)
    status = models.CharField(
        _("status"), max_length=14, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="investment_proposals",
    )
    workshop = models.OneToOneField(
        Workshop, verbose_name=_("workshop"), on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("investment proposal")
        verbose_name_plural = _("investment proposals")
        constraints = [
            models.CheckConstraint(condition=Q(investment__gt=0, places__gt=0), name="work_proposal_positive"),
            models.CheckConstraint(
                condition=Exact(F("family_percent") + F("savings_percent") + F("kept_percent"), 100),
                name="work_proposal_split_makes_100",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(agreement__isnull=False, workshop__isnull=False),
                name="work_proposal_accepted_has_agreement",
            ),
        ]
        indexes = [models.Index(fields=["administration", "status"])]

    def __str__(self) -> str:
        return self.title

    def can_change_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id, "agreement": self.agreement_id}


# Openings after release --------------------------------------------------------------------------


class WagePeriod(models.TextChoices):
    MONTH = "month", _("a month")
    DAY = "day", _("a day")
    HOUR = "hour", _("an hour")


class OpeningStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FILLED = "filled", _("Filled")
    CLOSED = "closed", _("Closed")


class Opening(models.Model):
    """A job an employer or entrepreneur offers to people leaving prison."""

    code = models.CharField(_("code"), max_length=16, unique=True, default=new_opening_code, editable=False)
    administration = models.ForeignKey(
        Organization, verbose_name=_("administration"), on_delete=models.PROTECT, related_name="+"
    )
    employer = models.ForeignKey(
        Organization, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="openings"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    occupation = models.CharField(_("occupation group"), max_length=2, choices=OCCUPATION_CHOICES)
    # The ISCO major group (the first digit), kept so that matching filters on it in SQL.
    occupation_major = models.CharField(max_length=1, editable=False)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    seats = models.PositiveIntegerField(_("seats"), default=1)
    wage_min = models.DecimalField(_("wage from"), null=True, blank=True, **MONEY)
    wage_max = models.DecimalField(_("wage up to"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    wage_period = models.CharField(_("wage per"), max_length=6, choices=WagePeriod.choices, default=WagePeriod.MONTH)
    only_for_leavers = models.BooleanField(
        _("only for people leaving prison"),
        default=False,
        help_text=_("The employer reserves this job for people leaving prison."),
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("telephone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=8, choices=OpeningStatus.choices, default=OpeningStatus.OPEN)
    agreement = models.ForeignKey(
        "agreements.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="openings",
    )
    commitment = models.ForeignKey(
        "agreements.Commitment",
        verbose_name=_("employment commitment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="openings",
        help_text=_("The agreement's commitment that hires on this opening count toward."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["valid_until", "pk"]
        verbose_name = _("opening")
        verbose_name_plural = _("openings")
        constraints = [
            models.CheckConstraint(condition=Q(seats__gt=0), name="work_opening_has_seats"),
            models.CheckConstraint(
                condition=Q(wage_min__isnull=True) | Q(wage_min__gt=0), name="work_opening_wage_min_positive"
            ),
            models.CheckConstraint(
                condition=Q(wage_min__isnull=True) | Q(wage_max__isnull=True) | Q(wage_max__gte=F("wage_min")),
                name="work_opening_wage_range",
            ),
        ]
        indexes = [
            models.Index(fields=["administration", "status", "valid_until"], name="work_opening_matching"),
            models.Index(fields=["employer", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.occupation_major = (self.occupation or " ")[0]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "occupation" in update_fields:
            kwargs["update_fields"] = [*update_fields, "occupation_major"]
        super().save(*args, **kwargs)

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id, "agreement": self.agreement_id}


class OpeningSkill(models.Model):
    """A further occupation group the employer values, beyond the opening's own."""

    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="skills")
    occupation = models.CharField(_("occupation group"), max_length=2, choices=OCCUPATION_CHOICES)

    class Meta:
        ordering = ["occupation"]
        constraints = [models.UniqueConstraint(fields=["opening", "occupation"], name="work_opening_skill_unique")]

    def __str__(self) -> str:
        return self.get_occupation_display()


class OpeningExclusion(models.Model):
    """A case category the employer will not take; nobody with a custody episode in it is ever proposed."""

    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="exclusions")
    category = models.CharField(_("case category"), max_length=12, choices=CaseCategory.choices)

    class Meta:
        ordering = ["category"]
        constraints = [
            models.UniqueConstraint(fields=["opening", "category"], name="work_opening_exclusion_unique"),
        ]

    def __str__(self) -> str:
        return self.get_category_display()


class ApplicationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPLIED = "applied", _("Applied")
    INTERVIEW = "interview", _("Interview")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Not retained")
    LEFT = "left", _("Left the job")


class Application(models.Model):
    """A person put forward for an opening, followed from the proposal to the hire (a placement) and after."""

    TRANSITIONS = {
        ApplicationStatus.PROPOSED: {ApplicationStatus.APPLIED, ApplicationStatus.REJECTED},
        ApplicationStatus.APPLIED: {ApplicationStatus.INTERVIEW, ApplicationStatus.HIRED, ApplicationStatus.REJECTED},
        ApplicationStatus.INTERVIEW: {ApplicationStatus.HIRED, ApplicationStatus.REJECTED},
        ApplicationStatus.HIRED: {ApplicationStatus.LEFT},
        ApplicationStatus.REJECTED: set(),
        ApplicationStatus.LEFT: set(),
    }
    PLACED = (ApplicationStatus.HIRED, ApplicationStatus.LEFT)

    code = models.CharField(_("code"), max_length=16, unique=True, default=new_application_code, editable=False)
    opening = models.ForeignKey(
        Opening, verbose_name=_("opening"), on_delete=models.PROTECT, related_name="applications"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="job_applications")
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PROPOSED
    )
    # The match when the person was put forward: its score and reasons, as they were then.
    score = models.PositiveSmallIntegerField(_("match score"), default=0)
    reasons = models.JSONField(_("why it matched"), default=list, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_by_organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_on = models.DateField(_("start date"), null=True, blank=True)
    wage = models.DecimalField(_("wage"), null=True, blank=True, **MONEY)
    wage_period = models.CharField(_("wage per"), max_length=6, choices=WagePeriod.choices, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["opening", "person"], name="work_application_once_per_opening"),
            models.CheckConstraint(
                condition=~Q(status__in=["hired", "left"]) | Q(started_on__isnull=False, wage__gt=0),
                name="work_placement_has_start_and_wage",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(started_on__isnull=False, left_on__gte=F("started_on")),
                name="work_placement_left_after_start",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"]), models.Index(fields=["opening", "status"])]

    def __str__(self) -> str:
        return self.code

    @property
    def is_placement(self) -> bool:
        return self.status in self.PLACED

    def can_change_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    def get_additional_data(self) -> dict:
        return {"administration": self.opening.administration_id, "person": self.person_id}


class RetentionCheck(models.Model):
    """Is the person still in the job 3, 6 and 12 months after the hire? Scheduled at the hire."""

    MILESTONES = (3, 6, 12)

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="retention_checks")
    months = models.PositiveSmallIntegerField(_("months after the hire"))
    due_on = models.DateField(_("due on"))
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    still_employed = models.BooleanField(_("still employed"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("retention check")
        verbose_name_plural = _("retention checks")
        constraints = [
            models.UniqueConstraint(fields=["application", "months"], name="work_retention_one_per_milestone"),
            models.CheckConstraint(condition=Q(months__in=[3, 6, 12]), name="work_retention_milestones"),
            models.CheckConstraint(
                condition=Q(checked_on__isnull=True, still_employed__isnull=True)
                | Q(checked_on__isnull=False, still_employed__isnull=False),
                name="work_retention_recorded_with_outcome",
            ),
        ]
        indexes = [models.Index(fields=["checked_on", "due_on"], name="work_retention_due")]

    def __str__(self) -> str:
        return f"{self.application.code} +{self.months}"

    @property
    def is_recorded(self) -> bool:
        return self.checked_on is not None

    def get_additional_data(self) -> dict:
        return {"administration": self.application.opening.administration_id, "person": self.application.person_id}
