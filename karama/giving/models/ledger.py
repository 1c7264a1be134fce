"""The double-entry ledger: accounts in one currency, entries whose lines balance, nothing stored as a total.

Every gift, allocation, refund, fee and settlement is one Entry. A case's raised amount, a campaign's total
and the general fund are sums of Lines, so no counter can drift from what happened. Zakat is kept apart in
accounts of its own; it can only ever reach eligible cases.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karama.core.models import Organization
from karama.core.money import CURRENCY_FIELD_LENGTH, validate_currency
from karama.giving.models.cases import MONEY, Campaign, Case


class Account(models.Model):
    class Kind(models.TextChoices):
        # Where donors' money is held (the collection account at the payment provider, then the bank).
        CLEARING = "clearing", _("Collection account")
        # Provider fees, borne by the administration: never taken from a gift.
        FEES = "fees", _("Payment fees borne by the administration")
        GENERAL = "general", _("General fund")
        CAMPAIGN = "campaign", _("Campaign fund")
        CASE = "case", _("Case fund")

    FUNDS = frozenset({Kind.GENERAL, Kind.CAMPAIGN, Kind.CASE})

    administration = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="giving_accounts")
    currency = models.CharField(max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    kind = models.CharField(max_length=10, choices=Kind.choices)
    zakat = models.BooleanField(default=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "currency", "kind", "zakat"],
                condition=Q(kind__in=["clearing", "fees", "general"]),
                name="account_one_per_administration_currency",
            ),
            models.UniqueConstraint(
                fields=["campaign", "zakat"], condition=Q(campaign__isnull=False), name="account_one_per_campaign"
            ),
            models.UniqueConstraint(
                fields=["case", "zakat"], condition=Q(case__isnull=False), name="account_one_per_case"
            ),
            models.CheckConstraint(
                condition=Q(kind="case", case__isnull=False) | Q(~Q(kind="case"), case__isnull=True),
                name="account_case_iff_case_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="campaign", campaign__isnull=False) | Q(~Q(kind="campaign"), campaign__isnull=True),
                name="account_campaign_iff_campaign_kind",
            ),
            models.CheckConstraint(
                condition=Q(zakat=False) | Q(kind__in=["general", "campaign", "case"]),
                name="account_zakat_only_in_funds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.currency}{' zakat' if self.zakat else ''}"


class Entry(models.Model):
    class Kind(models.TextChoices):
        DONATION = "donation", _("Gift")
        ALLOCATION = "allocation", _("Allocation to a case")
        REALLOCATION = "reallocation", _("Reallocation")
        REFUND = "refund", _("Refund")
        FEE = "fee", _("Payment fee")
        SETTLEMENT = "settlement", _("Settlement")

    administration = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    kind = models.CharField(max_length=12, choices=Kind.choices)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    donation = models.ForeignKey(
        "giving.Donation", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    memo = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            # A gift is credited once, and its fee charged once, whatever the provider replays.
            models.UniqueConstraint(
                fields=["donation", "kind"],
                condition=Q(kind__in=["donation", "fee"]),
                name="entry_gift_credited_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Line(models.Model):
    """One side of an entry on one account: a debit or a credit, never both."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit = models.DecimalField(**MONEY, default=0)
    credit = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0), name="line_debit_or_credit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} Dr {self.debit} Cr {self.credit}"
