"""The API under /api/v1/ventures/: the whole life of a project, scoped reads, amounts as exact strings, and
errors in the one JSON shape with a translated message."""

from karama.agreements.models import BudgetMovement
from karama.people.models import AccessLog
from karama.ventures.models import Grant, Venture
from karama.ventures.tests import factories as f

API = "/api/v1/ventures"


def _post(client, url: str, payload: dict, **headers):
    return client.post(url, payload, content_type="application/json", **headers)


def test_a_project_from_plan_to_follow_up_through_the_api(world, client_for):
    f.region()
    budget = f.budget(world)
    person = f.moroccan(world)
    foundation = client_for(world.partner_foundation)
    response = _post(
        foundation,
        f"{API}/",
        {
            "person": person.public_code,
            "currency": "MAD",
            "agreement": f.active_agreement(world).pk,
            "sector": "trade",
            "activity": "Épicerie de quartier",
            "region": "ma-souss-massa",
            "equipment_budget": "20000.00",
            "working_capital": "4000.00",
            "expected_monthly_income": "2500",
        },
    )
    assert response.status_code == 201, response.json()
    code = response.json()["code"]
    assert response.json()["requested"] == "24000.00" and response.json()["stage"] == "draft"
    assert _post(foundation, f"{API}/{code}/submit", {}).json()["stage"] == "in_review"
    review = {
        "reviewed_on": str(f.days_ago(0)),
        "members": ["Fondation", "INDH"],
        "decision": "approved_with_changes",
        "reasons": "Sans fonds de roulement",
        "approved_amount": "20000.00",
    }
    reviewed = _post(foundation, f"{API}/{code}/reviews", review)
    assert reviewed.status_code == 201, reviewed.json()
    assert reviewed.json()["stage"] == "approved"
    # The Foundation implements the agreement: it draws the grant on the budget itself.
    granted = _post(foundation, f"{API}/{code}/grants", {"shares": [{"budget": budget.pk, "amount": "20000.00"}]})
    assert granted.status_code == 201, granted.json()
    assert granted.json()["grants"][0]["shares"][0]["amount"] == "20000.00"
    item = _post(foundation, f"{API}/{code}/kit/items", {"name": "Réfrigérateur", "unit_cost": "8500.00"})
    assert item.status_code == 201 and item.json()["total"] == "8500.00"
    assert (
        _post(foundation, f"{API}/{code}/kit/procurement", {"procurement": "delivered"}).json()["stage"] == "equipped"
    )
    handover = {
        "handed_over_on": str(f.days_ago(0)),
        "place": "Inezgane",
        "handed_over_by": "Coordinateur",
        "beneficiary_signed": True,
    }
    body = _post(foundation, f"{API}/{code}/handover", handover).json()
    assert body["stage"] == "handed_over" and [v["month_mark"] for v in body["follow_ups"]] == [1, 3, 6, 12]
    visit = {"visited_on": str(f.days_ago(0)), "state": "operating", "income_band": "below_expected"}
    assert _post(foundation, f"{API}/{code}/follow-ups", visit).status_code == 201
    assert foundation.get(f"{API}/{code}").json()["stage"] == "followed_up"


def test_over_budget_is_refused_in_the_error_shape_and_writes_nothing(world, client_for):
    budget = f.budget(world, amount="5000.00")
    venture = f.approved(world)
    response = _post(
        client_for(world.admin_ma),
        f"{API}/{venture.public_code}/grants",
        {"shares": [{"budget": budget.pk, "amount": "30000.00"}]},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and "shares" in body["fields"]
    assert not Grant.objects.exists() and not BudgetMovement.objects.exists()


def test_handover_before_release_is_refused_through_the_api(world, client_for):
    venture = f.equipped(world, f.moroccan(world, released=False))
    response = _post(
        client_for(world.partner_foundation),
        f"{API}/{venture.public_code}/handover",
        {"handed_over_on": str(f.days_ago(0)), "place": "x", "handed_over_by": "y", "beneficiary_signed": True},
    )
    assert response.status_code == 422 and "custody" in response.json()["message"]


def test_the_list_is_scoped_and_filtered(world, client_for):
    mine = f.draft(world)
    f.draft(world, f.moroccan(world, consent="training"), by=world.admin_ma, sector="agriculture")
    rows = client_for(world.partner_foundation).get(f"{API}/").json()["items"]
    assert [row["code"] for row in rows] == [mine.public_code]
    admin = client_for(world.admin_ma)
    assert len(admin.get(f"{API}/").json()["items"]) == 2
    assert len(admin.get(f"{API}/", {"sector": "agriculture"}).json()["items"]) == 1
    assert client_for(world.admin_sa).get(f"{API}/").json()["items"] == []


def test_reading_a_project_is_written_to_the_access_log(world, client_for):
    venture = f.draft(world)
    client_for(world.partner_foundation).get(f"{API}/{venture.public_code}")
    entry = AccessLog.objects.get(person=venture.person, action="api_read")
    assert venture.public_code in entry.detail


def test_the_report_and_the_work_list(world, client_for):
    f.handed_over(world)
    agreement = f.active_agreement(world)
    client = client_for(world.partner_foundation)
    report = client.get(f"{API}/agreements/{agreement.pk}/report").json()
    assert report["beneficiaries_funded"] == 1 and report["beneficiaries_handed_over"] == 1
    assert report["total"]["granted"] == {"MAD": "30000.00"}
    assert [s["months"] for s in report["total"]["survival"]] == [6, 12]
    due = client.get(f"{API}/follow-ups/due", {"days": 40}).json()
    assert [item["month_mark"] for item in due] == [1]
    assert client_for(world.admin_sa).get(f"{API}/agreements/{agreement.pk}/report").status_code == 404


def test_a_person_outside_ones_scope_cannot_get_a_plan(world, client_for):
    person = f.moroccan(world, consent=None)
    response = _post(
        client_for(world.partner_foundation),
        f"{API}/",
        {
            "person": person.public_code,
            "currency": "MAD",
            "sector": "trade",
            "activity": "x",
            "region": "ma-souss-massa",
        },
    )
    assert response.status_code == 404
    assert not Venture.objects.exists()


def test_revise_remove_an_item_and_plan_a_visit_through_the_api(world, client_for):
    f.region()
    venture = f.draft(world)
    client = client_for(world.partner_foundation)
    revision = {"sector": "trade", "activity": "Épicerie", "region": "ma-souss-massa", "equipment_budget": "9000.00"}
    response = _post(client, f"{API}/{venture.public_code}/versions", {**revision, "change_note": "Autre activité"})
    assert response.status_code == 201 and [v["number"] for v in response.json()["versions"]] == [2, 1]

    funded = f.funded(world)
    item = _post(client, f"{API}/{funded.public_code}/kit/items", {"name": "Balance", "unit_cost": "1300.00"}).json()
    assert client.delete(f"{API}/{funded.public_code}/kit/items/{item['id']}").status_code == 204
    assert client.get(f"{API}/{funded.public_code}").json()["kit"]["items"] == []

    handed = f.handed_over(world)
    visit = _post(client, f"{API}/{handed.public_code}/follow-ups/planned", {"due_on": str(f.days_ago(-10))})
    assert visit.status_code == 201 and visit.json()["month_mark"] is None
