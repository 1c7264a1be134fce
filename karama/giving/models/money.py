"""Gifts and their payment, the sandbox provider's own records, and the settlement paid out of a case."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karama.core.models import Organization
from karama.core.money import CURRENCY_FIELD_LENGTH, validate_currency
from karama.giving.models.cases import MONEY, Campaign, Case
from karama.people.models import new_public_code


def new_donation_code() -> str:
    return new_public_code("D")


def new_receipt_token() -> str:
    return secrets.token_urlsafe(24)


class GiftKind(models.TextChoices):
    ZAKAT = "zakat", _("Zakat")
    SADAQA = "sadaqa", _("Sadaqa")
    GENERAL = "general", _("General gift")


class Overflow(models.TextChoices):
    """Where the part of a gift goes that a case can no longer take (it was funded meanwhile)."""

    CAMPAIGN = "campaign", _("To the case's campaign")
    GENERAL = "general", _("To the general fund")


class Donation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Payment failed")
        CANCELLED = "cancelled", _("Payment cancelled")
        REFUNDED = "refunded", _("Refunded")

    code = models.CharField(_("receipt number"), max_length=16, unique=True, default=new_donation_code, editable=False)
    administration = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="giving_donations")
    currency = models.CharField(_("currency"), max_length=CURRENCY_FIELD_LENGTH, validators=[validate_currency])
    amount = models.DecimalField(_("amount"), **MONEY)
    gift_kind = models.CharField(_("kind of gift"), max_length=8, choices=GiftKind.choices, default=GiftKind.SADAQA)
    # A gift goes to one case, to a campaign, or (neither) to the general fund.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="donations")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="donations")
    overflow = models.CharField(
        _("if the case is already funded"), max_length=8, choices=Overflow.choices, default=Overflow.CAMPAIGN
    )
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="giving_donations"
    )
    # Anonymous even to staff: name and e-mail are then never shown on any page or in the API.
    anonymous = models.BooleanField(_("anonymous, even to staff"), default=False)
    donor_name = models.CharField(_("name on the receipt"), max_length=200, blank=True)
    donor_email_encrypted = models.TextField(blank=True, editable=False)
    language = models.CharField(_("language"), max_length=8, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(max_length=20, default="sandbox")
    provider_payment_id = models.CharField(max_length=64, blank=True)
    fee = models.DecimalField(_("payment fee"), **MONEY, default=0)
    receipt_token = models.CharField(max_length=40, unique=True, default=new_receipt_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="donation_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(case__isnull=True) | Q(campaign__isnull=True), name="donation_one_destination"
            ),
            # The provider's payment id identifies one gift: a replayed callback finds the same row.
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~Q(provider_payment_id=""),
                name="donation_provider_payment_unique",
            ),
        ]
        indexes = [models.Index(fields=["case", "status"]), models.Index(fields=["status", "paid_at"])]

    def __str__(self) -> str:
        return self.code

    def get_additional_data(self) -> dict:
        return {"administration": self.administration_id}

    @property
    def is_paid(self) -> bool:
        return self.status == self.Status.PAID


class SandboxCharge(models.Model):
    """The sandbox provider's own record of a payment, as a real provider keeps it on its side."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.CharField(primary_key=True, max_length=64)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=CURRENCY_FIELD_LENGTH)
    description = models.CharField(max_length=200)
    merchant = models.CharField(max_length=200)
    return_url = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.id


def settlement_proof_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "pdf"
    return f"giving/settlements/{secrets.token_hex(16)}.{extension}"


class Settlement(models.Model):
    """The payment of a funded case to the creditor, the court, the household or the supplier."""

    class PayeeKind(models.TextChoices):
        CREDITOR = "creditor", _("The creditor")
        COURT = "court", _("The court's or enforcement office's account")
        HOUSEHOLD = "household", _("The household")
        SUPPLIER = "supplier", _("The supplier")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="settlement")
    payee_kind = models.CharField(_("paid to"), max_length=10, choices=PayeeKind.choices)
    payee = models.CharField(_("payee"), max_length=200)
    reference = models.CharField(_("payment reference"), max_length=100)
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount paid from gifts"), **MONEY)
    proof = models.FileField(_("proof of payment"), upload_to=settlement_proof_path)
    entry = models.OneToOneField("giving.Entry", on_delete=models.PROTECT, related_name="settlement")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_amount_positive")]

    def __str__(self) -> str:
        return f"{self.case} {self.reference}"

    def get_additional_data(self) -> dict:
        return {"administration": self.case.administration_id, "person": self.case.person_id}
