"""Who sees which programme, enrolment and certificate: outside one's scope is 404, and a partner sees a
participant only under an active consent to its organization."""

import pytest

from karama.people.tests.factories import make_person
from karama.training import services
from karama.training.selectors import (
    can_run_programme,
    certificates_visible_to,
    enrolments_visible_to,
    programmes_visible_to,
)
from karama.training.tests.factories import complete, consent_to, make_programme


@pytest.fixture
def programme(world):
    return make_programme(world)


@pytest.fixture
def enrolments(world, programme):
    """Two participants at the Unaizah reformatory: one consented to training with the university."""
    consenting = make_person(by=world.staff_a, facility=world.facility_a, family_name="الموافق")
    other = make_person(by=world.staff_a, facility=world.facility_a, family_name="غير الموافق")
    consent_to(world, consenting, world.university)
    return [services.enrol(programme=programme, by=world.admin_sa, person=person) for person in (consenting, other)]


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("operator", True),
        ("admin_sa", True),
        ("staff_a", True),
        ("staff_b", True),
        ("auditor_sa", True),
        ("auditor_all", True),
        ("partner_university", True),
        ("admin_ma", False),
        ("partner_outsider", False),
        ("partner_foundation", False),
        ("donor", False),
        ("researcher", False),
    ],
)
def test_who_sees_a_programme(world, programme, persona, sees):
    assert programmes_visible_to(getattr(world, persona)).filter(pk=programme.pk).exists() is sees


def test_a_partner_sees_only_the_participants_who_consented(world, enrolments):
    visible = list(enrolments_visible_to(world.partner_university))
    assert visible == [enrolments[0]]


def test_facility_staff_see_the_participants_of_their_facility_only(world, enrolments):
    assert enrolments_visible_to(world.staff_a).count() == 2
    assert enrolments_visible_to(world.staff_b).count() == 0
    assert enrolments_visible_to(world.admin_ma).count() == 0


def test_a_revoked_consent_hides_the_participant_at_once(world, enrolments):
    from karama.people import services as people_services

    consent = enrolments[0].person.consents.get()
    people_services.revoke_consent(consent=consent, by=world.admin_sa)
    assert not enrolments_visible_to(world.partner_university).exists()


def test_outsiders_get_404_on_every_training_page(world, client_for, programme, enrolments):
    complete(enrolments[0], world.admin_sa)
    certificate = enrolments[0].certificates.get()
    session = services.schedule_session(programme=programme, by=world.admin_sa, held_on=programme.starts_on)
    code = enrolments[0].public_code
    paths = [
        f"/en/training/{programme.pk}/",
        f"/en/training/{programme.pk}/edit/",
        f"/en/training/{programme.pk}/enrol/",
        f"/en/training/{programme.pk}/sessions/{session.pk}/",
        f"/en/training/enrolments/{code}/",
        f"/en/training/enrolments/{code}/certificates/{certificate.pk}/pdf/",
    ]
    for persona in (world.admin_ma, world.partner_outsider, world.partner_foundation):
        client = client_for(persona)
        for path in paths:
            assert client.get(path).status_code == 404, (persona.username, path)
    assert client_for(world.donor).get("/en/training/").status_code == 404


def test_a_partner_opens_a_consenting_participant_and_not_the_other(world, client_for, enrolments):
    client = client_for(world.partner_university)
    assert client.get(f"/en/training/enrolments/{enrolments[0].public_code}/").status_code == 200
    assert client.get(f"/en/training/enrolments/{enrolments[1].public_code}/").status_code == 404


def test_the_programme_page_of_a_partner_counts_but_does_not_name_the_others(world, client_for, programme, enrolments):
    html = client_for(world.partner_university).get(f"/en/training/{programme.pk}/").content.decode()
    assert enrolments[0].person.family_name in html
    assert enrolments[1].person.family_name not in html
    assert enrolments[1].person.public_code not in html
    assert "1 more participant has not consented" in html


def test_a_party_to_the_agreement_sees_the_programme_but_does_not_run_it(world, programme):
    from karama.agreements import services as agreement_services

    agreement_services.add_party(agreement=world.mou_sa, by=world.admin_sa, organization=world.outsider_org)
    assert programmes_visible_to(world.partner_outsider).filter(pk=programme.pk).exists()
    assert not can_run_programme(world.partner_outsider, programme)


def test_auditors_read_but_never_run(world, programme):
    assert not can_run_programme(world.auditor_sa, programme)
    assert can_run_programme(world.partner_university, programme)
    assert can_run_programme(world.staff_a, programme)
    assert not can_run_programme(world.staff_b, programme)


def test_certificates_follow_the_enrolments(world, enrolments):
    for enrolment in enrolments:
        complete(enrolment, world.admin_sa)
    assert certificates_visible_to(world.admin_sa).count() == 2
    assert list(certificates_visible_to(world.partner_university)) == [enrolments[0].certificates.get()]
    assert not certificates_visible_to(world.staff_b).exists()


def test_staff_participants_are_seen_by_their_administration_and_the_provider_only(world):
    programme = make_programme(world, kind="staff_training", facilities=[])
    services.enrol(programme=programme, by=world.admin_sa, staff=world.staff_a)
    assert enrolments_visible_to(world.staff_b).count() == 1
    assert enrolments_visible_to(world.partner_university).count() == 1
    assert enrolments_visible_to(world.admin_ma).count() == 0


@pytest.mark.parametrize("persona", ["admin_sa", "staff_a", "partner_university"])
def test_the_readers_people_are_checked_per_enrolment_not_listed(world, enrolments, persona):
    """`person_id IN (the reader's people)` OR'ed with the staff participants made PostgreSQL hash every person of
    the administration to find one enrolment (the bench: 150 ms for one certificate PDF at 250,000 people). The
    reader's people are checked with EXISTS on the person's key instead; who sees what is unchanged (above)."""
    reader = getattr(world, persona)
    sql = str(enrolments_visible_to(reader).filter(public_code=enrolments[0].public_code).query)
    assert "EXISTS" in sql
    assert '"person_id" IN (SELECT' not in sql
    assert enrolments_visible_to(reader).filter(public_code=enrolments[0].public_code).exists()
