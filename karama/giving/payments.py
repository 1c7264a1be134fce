"""Payment providers: the interface each one implements, and the sandbox provider the project serves itself.

A gift is paid in three steps, as with a real provider: the project creates a charge and sends the donor
to the provider's checkout page; the provider tells the project the outcome in a signed callback; the
donor's browser comes back to the project's thank-you page. Only the signed callback credits a gift.

The sandbox signs its callbacks as Stripe does: `X-Sandbox-Signature: t=<unix time>,v1=<hex HMAC-SHA256
of "<t>.<body>">` under GIVING_SANDBOX_SECRET. Callbacks older or newer than five minutes are refused.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from karama.giving.models import Donation, SandboxCharge

logger = logging.getLogger("karama.giving.payments")

DEMO_SECRET = "karama-sandbox-demo-secret-not-for-production"
SIGNATURE_HEADER = "X-Sandbox-Signature"
TOLERANCE_SECONDS = 300


class CallbackRejected(Exception):
    """A callback that changes nothing: forged, stale, malformed, for an unknown payment, or tampered with."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class PaymentEvent:
    payment_id: str
    status: str  # "succeeded", "failed" or "cancelled"
    amount: Decimal
    currency: str
    fee: Decimal


class PaymentProvider(Protocol):
    code: str

    def create_charge(self, *, donation: Donation, description: str, merchant: str, return_url: str) -> tuple[str, str]:
        """Open a payment; return the provider's payment id and the checkout address to send the donor to."""

    def parse_callback(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Verify a callback and read it; raise CallbackRejected when it cannot be trusted."""

    def refund(self, *, payment_id: str, amount: Decimal) -> None:
        """Give (part of) a paid amount back to the donor."""


def sandbox_secret() -> str:
    secret = getattr(settings, "GIVING_SANDBOX_SECRET", DEMO_SECRET)
    if getattr(settings, "PRODUCTION", False) and secret == DEMO_SECRET:
        raise ImproperlyConfigured("GIVING_SANDBOX_SECRET must be set to a secret of your own in production.")
    return secret


def sign(body: bytes, timestamp: int, secret: str | None = None) -> str:
    key = (secret or sandbox_secret()).encode()
    digest = hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _signature_parts(header: str) -> tuple[int, str]:
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        return int(parts.get("t", "")), parts.get("v1", "")
    except ValueError:
        raise CallbackRejected("forged", "no timestamp") from None


class SandboxProvider:
    """A provider that behaves like a card gateway, with its checkout page served by the project."""

    code = "sandbox"
    fee_rate = Decimal("0.015")
    approved_card = "4242424242424242"
    declined_card = "4000000000000002"

    def create_charge(self, *, donation: Donation, description: str, merchant: str, return_url: str) -> tuple[str, str]:
        charge = SandboxCharge.objects.create(
            id="sbx_" + secrets.token_hex(12),
            amount=donation.amount,
            currency=donation.currency,
            description=description[:200],
            merchant=merchant[:200],
            return_url=return_url,
        )
        return charge.id, reverse("giving:sandbox_checkout", args=[charge.id])

    def fee_for(self, amount: Decimal, currency: str) -> Decimal:
        from karama.giving.ledger import quantum

        return (amount * self.fee_rate).quantize(quantum(currency), rounding=ROUND_HALF_UP)

    def complete(self, charge: SandboxCharge, *, card_number: str) -> SandboxCharge:
        """The donor pressed Pay on the checkout page: decide, record on the provider's side, call back."""
        digits = "".join(ch for ch in card_number if ch.isdigit())
        status = SandboxCharge.Status.FAILED if digits == self.declined_card else SandboxCharge.Status.SUCCEEDED
        return self._finish(charge, status)

    def cancel(self, charge: SandboxCharge) -> SandboxCharge:
        return self._finish(charge, SandboxCharge.Status.CANCELLED)

    def _finish(self, charge: SandboxCharge, status: str) -> SandboxCharge:
        with transaction.atomic():
            locked = SandboxCharge.objects.select_for_update().get(pk=charge.pk)
            if locked.status != SandboxCharge.Status.OPEN:
                return locked
            locked.status, locked.completed_at = status, timezone.now()
            locked.save(update_fields=["status", "completed_at"])
        # The provider's side is committed; now it tells the project, as a real gateway's webhook would.
        self.deliver(self.event_body(locked))
        return locked

    def event_body(self, charge: SandboxCharge) -> bytes:
        fee = self.fee_for(charge.amount, charge.currency) if charge.status == SandboxCharge.Status.SUCCEEDED else 0
        event = {
            "id": "evt_" + secrets.token_hex(12),
            "type": f"payment.{charge.status}",
            "payment": {
                "id": charge.id,
                "status": charge.status,
                "amount": str(charge.amount),
                "currency": charge.currency,
                "fee": str(fee),
            },
        }
        return json.dumps(event, separators=(",", ":")).encode()

    def deliver(self, body: bytes) -> str:
        """Send a signed callback. The sandbox delivers in-process, through the very code the callback endpoint
        runs, so it works on a closed network; a real provider POSTs the same body to the endpoint."""
        from karama.giving.donations import receive_callback

        headers = {SIGNATURE_HEADER: sign(body, int(time.time()))}
        try:
            return receive_callback(provider_code=self.code, body=body, headers=headers)
        except CallbackRejected as rejected:
            return rejected.reason

    def parse_callback(self, *, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        timestamp, given = _signature_parts(headers.get(SIGNATURE_HEADER, ""))
        expected = sign(body, timestamp).split("v1=", 1)[1]
        if not given or not hmac.compare_digest(expected, given):
            raise CallbackRejected("forged", "bad signature")
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise CallbackRejected("stale", f"timestamp {timestamp}")
        try:
            payment = json.loads(body)["payment"]
            return PaymentEvent(
                payment_id=str(payment["id"]),
                status=str(payment["status"]),
                amount=Decimal(str(payment["amount"])),
                currency=str(payment["currency"]),
                fee=Decimal(str(payment.get("fee") or "0")),
            )
        except (ValueError, KeyError, TypeError, InvalidOperation):
            raise CallbackRejected("malformed", "unreadable body") from None

    def refund(self, *, payment_id: str, amount: Decimal) -> None:
        # The sandbox gives the money back at once; a real provider confirms refunds asynchronously.
        logger.info("Sandbox refund of %s on %s", amount, payment_id)


PROVIDERS: dict[str, PaymentProvider] = {"sandbox": SandboxProvider()}


def provider(code: str) -> PaymentProvider:
    try:
        return PROVIDERS[code]
    except KeyError:
        raise CallbackRejected("unknown_provider", code) from None


def log_rejection(provider_code: str, rejected: CallbackRejected, address: str | None = None) -> None:
    logger.warning(
        "Payment callback rejected (%s) from %s for provider %s: %s",
        rejected.reason,
        address or "-",
        provider_code,
        rejected.detail,
    )
