"""The provider's callbacks: signed, within a time window, idempotent. A replay credits once; a forged, stale,
unknown or tampered callback changes nothing and is logged. The sandbox's checkout drives the same path."""

import logging
import time

import pytest
from django.urls import reverse

from karama.giving import ledger
from karama.giving.models import Donation, Entry, Line, SandboxCharge
from karama.giving.payments import PROVIDERS, SIGNATURE_HEADER, CallbackRejected
from karama.giving.tests.factories import D, callback_body, published_debt_case, signed_headers, start_gift

CALLBACK = "/api/v1/giving/payments/sandbox/callback/"


def _post(client, body: bytes, headers: dict):
    extra = {"HTTP_" + key.upper().replace("-", "_"): value for key, value in headers.items()}
    return client.post(CALLBACK, data=body, content_type="application/json", **extra)


def _ledger_state():
    return (Entry.objects.count(), Line.objects.count(), list(Donation.objects.values_list("status", flat=True)))


def test_a_callback_replayed_a_hundred_times_credits_once(world, client):
    case = published_debt_case(world, amount="5000.00")
    gift = start_gift(amount="250.00", case=case)
    body = callback_body(gift, fee="3.75")
    outcomes = [_post(client, body, signed_headers(body)).json()["outcome"] for _ in range(100)]
    assert outcomes[0] == "credited" and set(outcomes[1:]) == {"duplicate"}
    assert Entry.objects.filter(donation=gift, kind=Entry.Kind.DONATION).count() == 1
    assert Entry.objects.filter(donation=gift, kind=Entry.Kind.FEE).count() == 1
    assert ledger.raised_for_cases([case.pk])[case.pk] == D("250.00")


@pytest.mark.parametrize(
    "tamper",
    ["signature", "secret", "stale", "future", "no_header", "amount", "currency", "unknown", "garbage"],
)
def test_a_forged_stale_or_tampered_callback_changes_nothing_and_is_logged(world, client, caplog, tamper):
    case = published_debt_case(world, amount="5000.00")
    gift = start_gift(amount="250.00", case=case)
    body = callback_body(gift)
    headers = signed_headers(body)
    if tamper == "signature":
        headers = {SIGNATURE_HEADER: headers[SIGNATURE_HEADER][:-4] + "0000"}
    elif tamper == "secret":
        headers = signed_headers(body, secret="someone-else's-secret")
    elif tamper == "stale":
        headers = signed_headers(body, at=int(time.time()) - 3600)
    elif tamper == "future":
        headers = signed_headers(body, at=int(time.time()) + 3600)
    elif tamper == "no_header":
        headers = {}
    elif tamper == "amount":
        body = callback_body(gift, amount="25000.00")
        headers = signed_headers(body)
    elif tamper == "currency":
        body = callback_body(gift).replace(b'"SAR"', b'"USD"')
        headers = signed_headers(body)
    elif tamper == "unknown":
        body = callback_body(gift).replace(gift.provider_payment_id.encode(), b"sbx_000000000000")
        headers = signed_headers(body)
    elif tamper == "garbage":
        body = b"{not json"
        headers = signed_headers(body)
    before = _ledger_state()
    with caplog.at_level(logging.WARNING, logger="karama.giving.payments"):
        response = _post(client, body, headers)
    assert response.status_code == 400
    assert response.json()["code"].startswith("callback_")
    assert _ledger_state() == before
    assert any("rejected" in record.getMessage() for record in caplog.records)


def test_a_failed_payment_credits_nothing(world, client):
    case = published_debt_case(world, amount="5000.00")
    gift = start_gift(amount="250.00", case=case)
    body = callback_body(gift, status="failed")
    assert _post(client, body, signed_headers(body)).json()["outcome"] == "failed"
    gift.refresh_from_db()
    assert gift.status == Donation.Status.FAILED and not Entry.objects.exists()


def test_the_sandbox_checkout_pays_and_sends_the_donor_back(world, client):
    case = published_debt_case(world, amount="5000.00")
    response = client.post(
        f"/ar/giving/cases/{case.public_code}/",
        {"amount": "٢٥٠", "gift_kind": "sadaqa", "overflow": "campaign", "anonymous": "on"},
    )
    assert response.status_code == 302
    charge = SandboxCharge.objects.get()
    assert response["Location"] == reverse("giving:sandbox_checkout", args=[charge.pk]).replace("/en/", "/ar/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "4242" in page.content.decode()
    back = client.post(response["Location"], {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"})
    gift = Donation.objects.get()
    assert back["Location"] == f"/ar/giving/thanks/{gift.receipt_token}/"
    assert gift.status == Donation.Status.PAID and gift.donor_name == "" and gift.anonymous
    assert ledger.raised_for_cases([case.pk])[case.pk] == D("250")


def test_a_declined_card_pays_nothing(world, client):
    case = published_debt_case(world, amount="5000.00")
    client.post(
        f"/en/giving/cases/{case.public_code}/", {"amount": "100", "gift_kind": "sadaqa", "overflow": "campaign"}
    )
    charge = SandboxCharge.objects.get()
    client.post(
        f"/en/giving/sandbox/checkout/{charge.pk}/",
        {"card_number": "4000 0000 0000 0002", "expiry": "1/30", "cvc": "1"},
    )
    assert Donation.objects.get().status == Donation.Status.FAILED
    assert not Entry.objects.exists()


def test_the_sandbox_refuses_an_unknown_provider():
    with pytest.raises(CallbackRejected):
        from karama.giving.payments import provider

        provider("nobody")
    assert "sandbox" in PROVIDERS
