"""The baseline views: the least a Django request through Karama's middleware can do with the database."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from karama.giving.ledger import ZERO, quantum, raised_for_cases
from karama.giving.models import Case, CaseStatus, Donation, Entry, Line
from karama.people.models import Person

SANDBOX_FEE_RATE = Decimal("0.015")  # karama.giving.payments.SandboxProvider.fee_rate


def one_row(request, pk: int):
    # No scoping and no sign-in on purpose: this measures the framework, not the application.
    row = Person.objects.filter(pk=pk).values("pk", "public_code", "status").first()
    if row is None:
        raise Http404
    return JsonResponse(row)


@csrf_exempt
@require_POST
def ledger_write(request, donation: int, clearing: int, fund: int, overflow: int, fees: int):
    """Only the ledger transaction of a gift's callback, as `karama.giving.donations._credit` runs it under its
    locks: the gift's row and its case's row locked, what the case has raised summed from its lines, the gift's
    entry and lines, the fee's entry and lines, the gift marked paid (and the case funded when the gift fills
    it). The accounts come in the address, so nothing is read before the transaction: no signature, no lookup
    of the gift by its payment id, no account query, no checks in Python. No sign-in, no CSRF: bench-only."""
    with transaction.atomic():
        gift = (
            Donation.objects.select_for_update()
            .filter(pk=donation)
            .values("status", "case_id", "amount", "currency", "administration_id")
            .first()
        )
        if gift is None:
            raise Http404
        if gift["status"] != Donation.Status.PENDING:
            return JsonResponse({"outcome": "duplicate"})
        case_id, amount, currency = gift["case_id"], gift["amount"], gift["currency"]
        target = (
            Case.objects.select_for_update()
            .filter(pk=case_id, status=CaseStatus.PUBLISHED)
            .values_list("target", flat=True)
            .first()
        )
        room = ZERO
        if target is not None:
            room = max(ZERO, target - raised_for_cases([case_id])[case_id])
        share = min(amount, room)
        common = {"administration_id": gift["administration_id"], "currency": currency, "donation_id": donation}
        entry = Entry.objects.create(kind=Entry.Kind.DONATION, case_id=case_id, **common)
        lines = [Line(entry=entry, account_id=clearing, debit=amount)]
        if share > 0:
            lines.append(Line(entry=entry, account_id=fund, credit=share))
        if amount - share > 0:
            lines.append(Line(entry=entry, account_id=overflow, credit=amount - share))
        Line.objects.bulk_create(lines)
        fee = (amount * SANDBOX_FEE_RATE).quantize(quantum(currency), rounding=ROUND_HALF_UP)
        if fee > 0:
            fee_entry = Entry.objects.create(kind=Entry.Kind.FEE, **common)
            Line.objects.bulk_create(
                [
                    Line(entry=fee_entry, account_id=fees, debit=fee),
                    Line(entry=fee_entry, account_id=clearing, credit=fee),
                ]
            )
        now = timezone.now()
        Donation.objects.filter(pk=donation).update(status=Donation.Status.PAID, paid_at=now, fee=fee)
        if room > 0 and share == room:
            Case.objects.filter(pk=case_id).update(status=CaseStatus.FUNDED, funded_at=now)
    return JsonResponse({"outcome": "credited"})
