"""The agreements API: one error shape, translated; nothing written on failure; tokens; OpenAPI."""

import pytest
from auditlog.models import LogEntry

from karama.agreements.models import Agreement, Budget
from karama.core.models import ApiToken


def _post(client, url, data, **headers):
    return client.post(url, data, content_type="application/json", **headers)


def test_create_an_agreement_with_a_party_commitment_and_budget(world, client_for):
    client = client_for(world.admin_ma)
    response = _post(
        client,
        "/api/v1/agreements/",
        {
            "administration": "ma-dgapr",
            "kind": "partnership",
            "reference": "MA-2025-BM",
            "names": {"ar": "اتفاقية بني ملال", "fr": "Convention Béni Mellal"},
            "original_language": "ar",
            "starts_on": "2025-01-01",
            "ends_on": "2026-12-31",
            "domains": ["income_projects", "training"],
        },
    )
    assert response.status_code == 201, response.content
    agreement_id = response.json()["id"]
    party = _post(client, f"/api/v1/agreements/{agreement_id}/parties/", {"organization": "fm6", "role": "funder"})
    assert party.status_code == 201
    commitment = _post(
        client,
        f"/api/v1/agreements/{agreement_id}/commitments/",
        {
            "party": party.json()["id"],
            "description": "Equip former inmates",
            "target_quantity": 21,
            "unit": "beneficiaries",
        },
    )
    assert commitment.status_code == 201
    budget = _post(
        client,
        f"/api/v1/agreements/{agreement_id}/budgets/",
        {
            "amount": "500000.00",
            "currency": "MAD",
            "funder": party.json()["id"],
        },
    )
    assert budget.status_code == 201
    assert budget.json()["remaining"] == "500000.00"
    movement = _post(
        client,
        f"/api/v1/agreements/{agreement_id}/budgets/{budget.json()['id']}/movements/",
        {
            "kind": "allocation",
            "amount": "24000.50",
        },
    )
    assert movement.status_code == 201
    detail = client.get(f"/api/v1/agreements/{agreement_id}/").json()
    assert detail["budgets"][0]["remaining"] == "475999.50"
    assert detail["commitments"][0]["target_quantity"] == 21
    assert detail["commitments"][0]["delivered_quantity"] == 0
    assert sorted(detail["domains"]) == ["income_projects", "training"]


def test_errors_have_one_shape_with_a_translated_message(world, client_for):
    client = client_for(world.admin_sa)
    before = (Agreement.objects.count(), LogEntry.objects.count())
    response = _post(
        client,
        "/api/v1/agreements/",
        {"administration": "sa-prisons", "kind": "mou", "reference": "SA-2019-01", "names": {"en": "dup"}},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body) == {"code", "message", "fields"}
    assert "reference" in body["fields"]
    assert (Agreement.objects.count(), LogEntry.objects.count()) == before


def test_a_malformed_payload_is_refused_with_field_errors(world, client_for):
    client = client_for(world.admin_sa)
    response = _post(client, "/api/v1/agreements/", {"administration": "sa-prisons", "kind": "treaty"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert "kind" in body["fields"] and "reference" in body["fields"]


@pytest.mark.parametrize("amount", ["-1", "1e400", "12.3456", 99.99])
def test_bad_amounts_through_the_api_write_nothing(world, client_for, amount):
    client = client_for(world.admin_ma)
    response = _post(
        client, f"/api/v1/agreements/{world.agreement_ma.pk}/budgets/", {"amount": amount, "currency": "MAD"}
    )
    assert response.status_code == 422
    assert not Budget.objects.exists()


def test_an_illegal_status_change_through_the_api_changes_nothing(world, client_for):
    client = client_for(world.admin_sa)
    response = client.patch(
        f"/api/v1/agreements/{world.mou_sa.pk}/", {"status": "expired", "summary": "x"}, content_type="application/json"
    )
    assert response.status_code == 422
    world.mou_sa.refresh_from_db()
    assert (world.mou_sa.status, world.mou_sa.summary) == ("draft", "")


def test_token_authentication_for_systems(world, client):
    token, secret = ApiToken.issue(user=world.admin_sa, name="prison management system")
    response = client.get("/api/v1/agreements/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 200
    assert [a["reference"] for a in response.json()["items"]] == ["SA-2019-01"]
    assert client.get("/api/v1/agreements/", HTTP_AUTHORIZATION=f"Token {secret}x").status_code == 401
    token.revoked_at = token.created_at
    token.save()
    assert client.get("/api/v1/agreements/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 401


def test_tokens_are_stored_only_as_hashes(world):
    token, secret = ApiToken.issue(user=world.admin_sa, name="x")
    assert secret.split(".", 1)[1] not in token.secret_hash


def test_session_writes_need_the_csrf_token(world, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.admin_sa, backend="django.contrib.auth.backends.ModelBackend")
    response = strict.post(
        f"/api/v1/agreements/{world.mou_sa.pk}/objectives/", {"text": "x"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert not world.mou_sa.objectives.exists()


def test_list_filters_and_pagination(world, client_for):
    client = client_for(world.operator)
    body = client.get("/api/v1/agreements/?domain=research").json()
    assert [a["reference"] for a in body["items"]] == ["SA-2019-01"]
    assert client.get("/api/v1/agreements/?partner=fm6").json()["count"] == 1
    assert client.get("/api/v1/agreements/?country=MA").json()["items"][0]["reference"] == "MA-2024-SM"
    assert client.get("/api/v1/agreements/?q=نايف").json()["count"] == 1
    page = client.get("/api/v1/agreements/?limit=1&offset=1").json()
    assert page["count"] == 2 and len(page["items"]) == 1


def test_the_openapi_document_and_docs_are_served_locally(world, client_for):
    client = client_for(world.admin_sa)
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/agreements/" in schema["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower()
