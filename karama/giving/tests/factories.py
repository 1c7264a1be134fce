"""Cases and gifts for tests, built through the services and the sandbox provider as staff and donors would."""

import datetime
import json
import time
from decimal import Decimal

from django.utils import timezone

from karama.giving import donations, services
from karama.giving.models import Campaign, Case, CaseKind, Donation, GiftKind, Overflow
from karama.giving.payments import SIGNATURE_HEADER, sign
from karama.people.tests.factories import make_person


def make_debtor(world, **fields):
    return make_person(by=world.staff_a, facility=world.facility_a, case_category="financial", **fields)


def open_debt_case(world, *, amount="10000.00", person=None, by=None, campaign=None, **facts) -> Case:
    person = person or make_debtor(world)
    claim = {
        "creditor_kind": "landlord",
        "creditor_name": "Landlord Co.",
        "amount": amount,
        "court_reference": "ENF-2026-00042",
        "pay_to": "Court deposit account",
    }
    facts.setdefault("summary_reason", "rent")
    return services.open_case(
        by=by or world.staff_a, kind=CaseKind.DEBT_RELEASE, person=person, campaign=campaign, claims=[claim], **facts
    )


def ready_for_approval(world, case: Case, by=None) -> Case:
    by = by or world.staff_a
    for claim in case.claims.all():
        services.verify_claim(by=by, claim=claim)
    if case.kind == CaseKind.DEBT_RELEASE:
        services.check_eligibility(by=by, case=case, fraud_conviction=False, good_conduct=True)
    if case.region_id is None:
        from karama.core.models import Region

        region, _created = Region.objects.get_or_create(
            code="sa-qassim", defaults={"country": "SA", "names": {"ar": "منطقة القصيم", "en": "Qassim Province"}}
        )
        services.update_case_facts(by=by, case=case, region=region)
    return Case.objects.get(pk=case.pk)


def published_debt_case(world, *, amount="10000.00", campaign=None, **kwargs) -> Case:
    case = ready_for_approval(world, open_debt_case(world, amount=amount, campaign=campaign, **kwargs))
    services.approve_case(by=world.admin_sa, case=case)
    return services.publish_case(by=world.admin_sa, case=case)


def make_campaign(world, *, code="ramadan", allocation_rule="urgent_first", **fields) -> Campaign:
    today = timezone.localdate()
    values = {
        "names": {"ar": "حملة رمضان", "en": "Ramadan campaign"},
        "original_language": "ar",
        "starts_on": today - datetime.timedelta(days=3),
        "ends_on": today + datetime.timedelta(days=30),
        "allocation_rule": allocation_rule,
        "is_public": True,
        "goal": "100000",
    }
    values.update(fields)
    return services.create_campaign(by=world.admin_sa, administration=world.sa, code=code, currency="SAR", **values)


def start_gift(*, amount, case=None, campaign=None, administration=None, **fields) -> Donation:
    fields.setdefault("gift_kind", GiftKind.SADAQA)
    fields.setdefault("overflow", Overflow.CAMPAIGN)
    donation, _checkout = donations.start_donation(
        amount=amount, case=case, campaign=campaign, administration=administration, **fields
    )
    return donation


def callback_body(donation: Donation, *, status="succeeded", amount=None, fee="0") -> bytes:
    payment = {
        "id": donation.provider_payment_id,
        "status": status,
        "amount": str(amount if amount is not None else donation.amount),
        "currency": donation.currency,
        "fee": str(fee),
    }
    return json.dumps({"id": "evt_test", "type": f"payment.{status}", "payment": payment}).encode()


def signed_headers(body: bytes, *, at: int | None = None, secret: str | None = None) -> dict:
    return {SIGNATURE_HEADER: sign(body, at if at is not None else int(time.time()), secret)}


def pay(donation: Donation, *, fee="0") -> str:
    """The provider's signed callback for a successful payment, as it arrives at the endpoint."""
    body = callback_body(donation, fee=fee)
    return donations.receive_callback(provider_code="sandbox", body=body, headers=signed_headers(body))


def give(*, amount, case=None, campaign=None, fee="0", **fields) -> Donation:
    donation = start_gift(amount=amount, case=case, campaign=campaign, **fields)
    pay(donation, fee=fee)
    donation.refresh_from_db()
    return donation


def D(value) -> Decimal:  # noqa: N802 - reads like a literal in assertions
    return Decimal(str(value))
