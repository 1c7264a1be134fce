"""Who sees which person, tried from every side through the pages: outsiders get 404 and learn nothing."""

import datetime

import pytest
from django.utils import timezone

from karama.agreements import services as agreement_services
from karama.people import services
from karama.people.selectors import people_visible_to, visible_sections
from karama.people.tests.factories import make_person


@pytest.fixture
def ahmad(world):
    return make_person(
        by=world.staff_a, facility=world.facility_a, given_name="أحمد", family_name="الغامدي", national_id="1098765432"
    )


def _consent(world, person, purpose="training", **extra):
    return services.record_consent(
        person=person,
        by=world.staff_a,
        organization=world.university,
        purpose=purpose,
        valid_from=extra.pop("valid_from", datetime.date(2024, 1, 1)),
        **extra,
    )


def _page(client, person):
    return client.get(f"/en/people/{person.public_code}/")


def _sees(world, client_for, user, person) -> bool:
    response = _page(client_for(user), person)
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        assert "الغامدي" not in response.content.decode()
    return response.status_code == 200


def test_staff_of_the_facility_and_the_administration_see_the_person(world, client_for, ahmad):
    assert _sees(world, client_for, world.staff_a, ahmad)
    assert _sees(world, client_for, world.admin_sa, ahmad)
    assert _sees(world, client_for, world.operator, ahmad)
    assert _sees(world, client_for, world.auditor_sa, ahmad)


def test_staff_of_another_facility_do_not(world, client_for, ahmad):
    assert not _sees(world, client_for, world.staff_b, ahmad)


def test_after_a_transfer_the_new_facility_sees_and_the_old_one_does_not(world, client_for, ahmad):
    services.transfer(person=ahmad, by=world.staff_a, to_facility=world.facility_b, on=datetime.date(2024, 6, 1))
    assert _sees(world, client_for, world.staff_b, ahmad)
    assert not _sees(world, client_for, world.staff_a, ahmad)


def test_after_release_the_last_facility_still_sees(world, client_for, ahmad):
    services.release(person=ahmad, by=world.staff_a, on=datetime.date(2024, 6, 1), reason="end_of_sentence")
    assert _sees(world, client_for, world.staff_a, ahmad)


def test_another_administration_donor_and_researcher_see_nobody(world, client_for, ahmad):
    for user in (world.admin_ma, world.donor, world.researcher, world.partner_foundation):
        assert not _sees(world, client_for, user, ahmad)
        assert not people_visible_to(user).exists()


def test_partner_without_consent_sees_nothing(world, client_for, ahmad):
    assert not _sees(world, client_for, world.partner_university, ahmad)
    html = client_for(world.partner_university).get("/en/people/", {"q": "الغامدي"}).content.decode()
    assert ahmad.public_code not in html and "0 people" in html


def test_partner_with_consent_sees_the_person(world, client_for, ahmad):
    _consent(world, ahmad)
    assert _sees(world, client_for, world.partner_university, ahmad)
    assert not _sees(world, client_for, world.partner_outsider, ahmad)


def test_revocation_takes_effect_immediately(world, client_for, ahmad):
    consent = _consent(world, ahmad)
    assert _sees(world, client_for, world.partner_university, ahmad)
    services.revoke_consent(consent=consent, by=world.staff_a)
    assert not _sees(world, client_for, world.partner_university, ahmad)


def test_a_consent_bound_to_an_agreement_ends_with_the_agreement(world, client_for, ahmad):
    agreement = agreement_services.change_agreement_status(agreement=world.mou_sa, status="active", by=world.admin_sa)
    _consent(world, ahmad, agreement=agreement)
    assert _sees(world, client_for, world.partner_university, ahmad)
    agreement_services.change_agreement_status(agreement=agreement, status="terminated", by=world.admin_sa)
    assert not _sees(world, client_for, world.partner_university, ahmad)


def test_a_consent_under_a_draft_agreement_opens_nothing(world, client_for, ahmad):
    _consent(world, ahmad, agreement=world.mou_sa)
    assert not _sees(world, client_for, world.partner_university, ahmad)


def test_an_expired_or_future_consent_opens_nothing(world, client_for, ahmad):
    today = timezone.localdate()
    _consent(
        world, ahmad, valid_from=today - datetime.timedelta(days=30), valid_until=today - datetime.timedelta(days=1)
    )
    assert not _sees(world, client_for, world.partner_university, ahmad)
    _consent(world, ahmad, purpose="employment", valid_from=today + datetime.timedelta(days=3))
    assert not _sees(world, client_for, world.partner_university, ahmad)


def test_a_research_consent_never_opens_the_record(world, client_for, ahmad):
    _consent(world, ahmad, purpose="research")
    assert not _sees(world, client_for, world.partner_university, ahmad)


def test_partner_sees_only_what_the_purpose_needs(world, client_for, ahmad):
    _consent(world, ahmad, purpose="training")
    services.add_note(person=ahmad, by=world.staff_a, text="Internal remark about conduct", visibility="internal")
    services.add_note(person=ahmad, by=world.staff_a, text="Shared: attends every class", visibility="shared")
    services.save_household(person=ahmad, by=world.staff_a, contact_name="أم أحمد")
    sections = visible_sections(world.partner_university, ahmad)
    assert {"national_id", "case_category", "internal_notes", "household", "birth_date", "photo"}.isdisjoint(sections)
    html = _page(client_for(world.partner_university), ahmad).content.decode()
    assert "Internal remark" not in html
    assert "Shared: attends every class" in html
    assert "Financial or debt" not in html  # the case category
    assert "أم أحمد" not in html  # the household contact
    assert "1985" in html and "March" not in html  # birth year, not the date
    assert 'id="national-id"' not in html


def test_the_national_id_is_masked_on_the_page_and_revealing_it_is_logged(world, client_for, ahmad):
    client = client_for(world.admin_sa)
    html = _page(client, ahmad).content.decode()
    assert "1098765432" not in html
    assert "•••" in html and "432" in html
    response = client.post(f"/en/people/{ahmad.public_code}/national-id/", HTTP_HX_REQUEST="true")
    assert "1098765432" in response.content.decode()
    assert ahmad.access_log.filter(action="reveal_national_id", user=world.admin_sa).count() == 1


def test_partners_cannot_reveal_a_national_id(world, client_for, ahmad):
    _consent(world, ahmad)
    response = client_for(world.partner_university).post(f"/en/people/{ahmad.public_code}/national-id/")
    assert response.status_code == 404
    assert not ahmad.access_log.filter(action="reveal_national_id").exists()


def test_every_read_of_a_record_is_logged_and_shown_on_the_page(world, client_for, ahmad):
    _page(client_for(world.staff_a), ahmad)
    _page(client_for(world.admin_sa), ahmad)
    assert set(ahmad.access_log.values_list("user__username", flat=True)) == {"staff-a", "admin-sa"}
    html = _page(client_for(world.admin_sa), ahmad).content.decode()
    assert "staff-a" in html


def test_nobody_outside_can_change_a_record(world, client_for, ahmad):
    _consent(world, ahmad)
    for user in (world.staff_b, world.partner_university, world.admin_ma, world.auditor_sa):
        client = client_for(user)
        response = client.post(
            f"/en/people/{ahmad.public_code}/custody/release/", {"on": "2024-06-01", "reason": "pardon"}
        )
        assert response.status_code == 404
    ahmad.refresh_from_db()
    assert ahmad.status == "in_custody"


def test_the_work_list_is_for_the_facility_and_not_for_partners(world, client_for, ahmad):
    assert client_for(world.staff_a).get("/en/people/release-worklist/unaizah/").status_code == 200
    assert client_for(world.partner_university).get("/en/people/release-worklist/unaizah/").status_code == 404
    assert client_for(world.admin_ma).get("/en/people/release-worklist/unaizah/").status_code == 404
