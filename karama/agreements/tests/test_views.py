"""The agreement pages: forms with dates in the user's calendar, HTMX rows, history on the page."""

import datetime

import pytest
from auditlog.models import LogEntry

from karama.agreements.models import Agreement


def test_create_an_agreement_through_the_form_with_a_hijri_date(world, client_for):
    world.admin_sa.calendar = "hijri"
    world.admin_sa.save()
    client = client_for(world.admin_sa)
    response = client.post(
        "/ar/agreements/new/",
        {
            "administration": world.sa.pk,
            "kind": "mou",
            "reference": "SA-1440-CRAFTS",
            "name_ar": "مذكرة تعاون مع البرنامج الوطني للحرف",
            "name_en": "",
            "name_fr": "",
            "name_fa": "",
            "original_language": "ar",
            "signed_on": "١٤٤٠-٠٨-١٠",
            "domains": ["crafts", "training"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement = Agreement.objects.get(reference="SA-1440-CRAFTS")
    assert agreement.signed_on == datetime.date(2019, 4, 15)
    assert set(agreement.domains.values_list("domain", flat=True)) == {"crafts", "training"}
    page = client.get(response["Location"]).content.decode()
    assert "١٠" in page or "10" in page


def test_a_form_with_bad_dates_shows_an_error_and_writes_nothing(world, client_for):
    client = client_for(world.admin_sa)
    before = Agreement.objects.count()
    response = client.post(
        "/fr/agreements/new/",
        {
            "administration": world.sa.pk,
            "kind": "mou",
            "reference": "SA-BAD",
            "name_en": "Bad",
            "original_language": "en",
            "starts_on": "2024-05-01",
            "ends_on": "2024-04-01",
        },
    )
    assert response.status_code == 200
    assert "La date de fin" in response.content.decode() or "ends_on" in response.content.decode()
    assert Agreement.objects.count() == before


def test_htmx_adds_a_party_and_returns_only_the_section(world, client_for):
    client = client_for(world.admin_sa)
    response = client.post(
        f"/en/agreements/{world.mou_sa.pk}/parties/",
        {"organization": world.outsider_org.pk, "role": "funder", "representative_name": "Yousef"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="parties">')
    assert "Some company without agreements" in html
    assert "<html" not in html


def test_htmx_add_commitment_with_errors_keeps_the_form(world, client_for):
    client = client_for(world.admin_sa)
    response = client.post(
        f"/en/agreements/{world.mou_sa.pk}/commitments/",
        {"party": world.party_university.pk, "description": "", "unit": "people_trained", "target_quantity": "-3"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()
    assert not world.mou_sa.commitments.exists()


def test_commitment_progress_shows_on_the_page(world, client_for):
    from karama.agreements import progress, services

    commitment = services.add_commitment(
        agreement=world.mou_sa,
        by=world.admin_sa,
        description="Train inmates",
        party=world.party_university,
        target_quantity=100,
        unit="people_trained",
    )
    saved = dict(progress._counters)
    progress.register_delivery_counter("test", lambda ids: {commitment.pk: 63})
    try:
        html = client_for(world.admin_sa).get(f"/en/agreements/{world.mou_sa.pk}/").content.decode()
    finally:
        progress._counters.clear()
        progress._counters.update(saved)
    assert "63 of 100 people trained" in html
    assert '<progress max="100" value="63">' in html


def test_change_history_records_each_change_with_who_and_before_after(world, client_for):
    client = client_for(world.admin_sa)
    client.post(
        f"/en/agreements/{world.mou_sa.pk}/edit/",
        {
            "kind": "mou",
            "reference": "SA-2019-01",
            "name_ar": "مذكرة تعاون مع جامعة نايف",
            "name_en": "MoU with Naif Arab University",
            "original_language": "ar",
            "signed_on": "2019-02-20",
            "domains": ["training", "research"],
        },
    )
    entry = LogEntry.objects.get_for_object(world.mou_sa).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == world.admin_sa
    assert "Naif Arab University" in str(entry.changes["names"][1])
    assert entry.additional_data["administration"] == world.sa.pk
    html = client.get(f"/en/agreements/{world.mou_sa.pk}/").content.decode()
    assert "MoU with Naif Arab University" in html


def test_auditors_browse_the_history_of_their_administration_only(world, client_for):
    from karama.agreements import services

    services.add_objective(agreement=world.agreement_ma, by=world.admin_ma, text="Objectif marocain")
    services.add_objective(agreement=world.mou_sa, by=world.admin_sa, text="Saudi objective")
    html = client_for(world.auditor_sa).get("/en/history/").content.decode()
    assert "Saudi objective" in html
    assert "Objectif marocain" not in html
    assert client_for(world.partner_university).get("/en/history/").status_code == 404
    everything = client_for(world.auditor_all).get("/en/history/").content.decode()
    assert "Objectif marocain" in everything


def test_deletions_are_recorded_in_the_history(world):
    from karama.agreements import services

    objective = services.add_objective(agreement=world.mou_sa, by=world.admin_sa, text="To be removed")
    services.remove_objective(objective=objective, by=world.admin_sa)
    assert LogEntry.objects.filter(action=LogEntry.Action.DELETE, object_repr="To be removed").exists()


@pytest.mark.parametrize("query", ["نايف", "Naif", "naif", "جامعه نايف"])
def test_the_list_searches_titles_in_any_language(world, client_for, query):
    html = client_for(world.admin_sa).get("/en/agreements/", {"q": query}).content.decode()
    assert "1 agreement" in html
