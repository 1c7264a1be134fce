"""The training pages: list and programme, enrolling with hints, attendance, outcomes, person and agreement
sections, and the query counts of the busiest pages."""

import datetime

import pytest
from django.utils import timezone

from karama.agreements import services as agreement_services
from karama.people import services as people_services
from karama.people.tests.factories import make_person
from karama.training import services
from karama.training.models import Attendance, Certificate, Enrolment, Programme
from karama.training.tests.factories import complete, consent_to, days, make_programme


@pytest.fixture
def programme(world):
    return make_programme(world)


def test_the_list_shows_the_programmes_and_filters_by_phase(world, client_for, programme):
    ended = make_programme(world, names={"en": "Old course"}, starts_on=days(-90), ends_on=days(-30))
    client = client_for(world.admin_sa)
    html = client.get("/en/training/").content.decode()
    assert "Carpentry course" in html and "Old course" in html
    html = client.get("/en/training/", {"phase": "ended"}, HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="programme-results">')
    assert "Old course" in html and "Carpentry course" not in html
    assert ended.pk


def test_create_a_programme_through_the_form(world, client_for):
    response = client_for(world.admin_sa).post(
        "/en/training/new/",
        {
            "administration": world.sa.pk,
            "reference": "NAUSS-LS-1",
            "kind": "life_skills",
            "name_ar": "مهارات الحياة",
            "name_en": "Life skills",
            "original_language": "ar",
            "provider": world.university.pk,
            "agreement": world.mou_sa.pk,
            "facilities": [world.facility_a.pk],
            "capacity": "12",
            "starts_on": "2026-01-10",
            "ends_on": "2026-03-10",
            "planned_hours": "30",
            "title_fr": "Compétences de vie",
        },
    )
    programme = Programme.objects.get(reference="NAUSS-LS-1")
    assert response.status_code == 302 and response["Location"] == f"/en/training/{programme.pk}/"
    assert programme.certificate_titles == {"fr": "Compétences de vie"}
    assert list(programme.facilities.all()) == [world.facility_a]


def test_a_bad_programme_shows_the_reason_and_writes_nothing(world, client_for):
    response = client_for(world.admin_sa).post(
        "/en/training/new/",
        {
            "administration": world.sa.pk,
            "reference": "X-1",
            "kind": "crafts",
            "name_en": "Carpentry for inmates",
            "original_language": "en",
            "provider": world.university.pk,
            "capacity": "12",
            "starts_on": "2026-01-10",
            "ends_on": "2026-03-10",
        },
    )
    assert response.status_code == 200
    assert "must not mention prison" in response.content.decode()
    assert not Programme.objects.exists()


def test_facility_staff_cannot_create_programmes(world, client_for):
    assert client_for(world.staff_a).get("/en/training/new/").status_code == 404


def test_the_enrol_page_shows_each_candidates_hints(world, client_for):
    programme = make_programme(world, requires_literacy=True)
    person = make_person(
        by=world.staff_a,
        facility=world.facility_a,
        family_name="المرشح",
        literacy="illiterate",
        expected_release_on=programme.ends_on - datetime.timedelta(days=10),
    )
    people_services.record_assessment(
        person=person,
        by=world.staff_a,
        assessed_on=days(-5),
        ratings={"vocational": ("high", "")},
        needs=[("vocational", "craft_training")],
        recommended_paths=["training"],
    )
    html = client_for(world.staff_a).get(f"/en/training/{programme.pk}/enrol/").content.decode()
    assert "المرشح" in html
    assert "before the programme ends" in html
    assert "needs reading and writing" in html
    assert "The needs assessment recommends training." in html
    assert "Assessed need: Craft training." in html
    assert "Not shared with Naif Arab University for Security Sciences: no training consent." in html


def test_a_partner_is_offered_only_people_who_consented_to_training(world, client_for, programme):
    consenting = make_person(by=world.staff_a, facility=world.facility_a, family_name="الموافق")
    employment_only = make_person(by=world.staff_a, facility=world.facility_a, family_name="للتوظيف")
    consent_to(world, consenting, world.university)
    consent_to(world, employment_only, world.university, purpose="employment")
    html = client_for(world.partner_university).get(f"/en/training/{programme.pk}/enrol/").content.decode()
    assert "الموافق" in html and "للتوظيف" not in html
    # The assessment is not among what a training consent opens: no hint draws on it.
    assert "assessed" not in html.lower()


def test_enrol_through_the_page(world, client_for, programme):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    response = client_for(world.admin_sa).post(f"/en/training/{programme.pk}/enrol/", {"code": person.public_code})
    assert response.status_code == 302
    assert Enrolment.objects.get().person == person


def test_enrolling_someone_outside_ones_scope_is_404(world, client_for, programme):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    response = client_for(world.partner_university).post(
        f"/en/training/{programme.pk}/enrol/", {"code": person.public_code}
    )
    assert response.status_code == 404 and not Enrolment.objects.exists()


def test_an_ended_programme_says_nobody_can_be_enrolled(world, client_for):
    programme = make_programme(world, starts_on=days(-60), ends_on=days(-1))
    person = make_person(by=world.staff_a, facility=world.facility_a)
    client = client_for(world.admin_sa)
    response = client.post(f"/en/training/{programme.pk}/enrol/", {"code": person.public_code})
    assert "ended" in response.content.decode() and not Enrolment.objects.exists()


def test_record_attendance_on_the_session_page(world, client_for, programme):
    people = [make_person(by=world.staff_a, facility=world.facility_a) for _ in range(2)]
    enrolments = [services.enrol(programme=programme, by=world.admin_sa, person=p) for p in people]
    session = services.schedule_session(programme=programme, by=world.admin_sa, held_on=days(-1))
    client = client_for(world.staff_a)
    response = client.post(
        f"/en/training/{programme.pk}/sessions/{session.pk}/",
        {f"mark-{enrolments[0].pk}": "present", f"mark-{enrolments[1].pk}": "excused"},
    )
    assert response.status_code == 302
    assert dict(Attendance.objects.values_list("enrolment_id", "status")) == {
        enrolments[0].pk: "present",
        enrolments[1].pk: "excused",
    }


def test_complete_on_the_enrolment_page_issues_the_certificate(world, client_for, programme):
    enrolment = services.enrol(
        programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
    )
    client = client_for(world.partner_university)
    consent_to(world, enrolment.person, world.university)
    response = client.post(
        f"/en/training/enrolments/{enrolment.public_code}/complete/",
        {"on": timezone.localdate().isoformat(), "score": "91", "note": "Excellent"},
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    html = client.get(f"/en/training/enrolments/{enrolment.public_code}/").content.decode()
    assert certificate.number in html and certificate.verification_code in html
    assert "Download the PDF" in html


def test_a_completion_in_the_future_shows_an_error_and_writes_nothing(world, client_for, programme):
    enrolment = services.enrol(
        programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
    )
    response = client_for(world.admin_sa).post(
        f"/en/training/enrolments/{enrolment.public_code}/complete/", {"on": days(3).isoformat()}
    )
    assert response.status_code == 200 and "future" in response.content.decode()
    assert Enrolment.objects.get().status == "enrolled" and not Certificate.objects.exists()


def test_the_person_page_lists_their_training(world, client_for, programme):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    complete(services.enrol(programme=programme, by=world.admin_sa, person=person), world.admin_sa)
    html = client_for(world.staff_a).get(f"/en/people/{person.public_code}/").content.decode()
    assert 'id="training"' in html and "Carpentry course" in html
    assert Certificate.objects.get().number in html


def test_a_partner_without_a_training_or_education_purpose_does_not_see_the_section(world, client_for, programme):
    person = make_person(by=world.staff_a, facility=world.facility_a)
    services.enrol(programme=programme, by=world.admin_sa, person=person)
    consent_to(world, person, world.university, purpose="visits")
    html = client_for(world.partner_university).get(f"/en/people/{person.public_code}/").content.decode()
    assert 'id="training"' not in html


def test_the_agreement_page_shows_trained_of_target_and_the_programmes(world, client_for):
    commitment = agreement_services.add_commitment(
        agreement=world.mou_sa,
        by=world.admin_sa,
        description="Inmates trained in crafts",
        target_quantity=100,
        unit="people_trained",
    )
    programme = make_programme(world, commitment=commitment)
    for _ in range(3):
        person = make_person(by=world.staff_a, facility=world.facility_a)
        complete(services.enrol(programme=programme, by=world.admin_sa, person=person), world.admin_sa)
    html = client_for(world.admin_sa).get(f"/en/agreements/{world.mou_sa.pk}/").content.decode()
    assert "3 of 100 people trained" in html
    assert 'id="training-programmes"' in html and f"/en/training/{programme.pk}/" in html


def test_the_list_and_programme_pages_keep_their_query_counts(world, client_for, django_assert_num_queries):
    programme = make_programme(world)
    for day in range(3):
        services.schedule_session(programme=programme, by=world.admin_sa, held_on=days(-day))
    for _ in range(4):
        person = make_person(by=world.staff_a, facility=world.facility_a)
        enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)
        complete(enrolment, world.admin_sa)
    for _ in range(3):
        make_programme(world)
    client = client_for(world.admin_sa)
    client.get("/en/training/")  # sessions and the like are warmed once
    with django_assert_num_queries(7):
        client.get("/en/training/")
    with django_assert_num_queries(12):
        client.get(f"/en/training/{programme.pk}/")


def test_htmx_adds_a_session_and_an_expert_and_returns_their_sections(world, client_for, programme):
    client = client_for(world.partner_university)
    response = client.post(
        f"/en/training/{programme.pk}/trainers/",
        {"name": "Dr. Salma Haddad", "organization": world.university.pk, "expertise": "Woodwork"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="trainers">') and "Dr. Salma Haddad" in html
    trainer = programme.trainers.get()
    response = client.post(
        f"/en/training/{programme.pk}/sessions/",
        {"held_on": days(2).isoformat(), "topic": "Joinery", "trainer": trainer.pk, "starts_at": "09:00"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="sessions">') and "Joinery" in html


def test_a_session_with_attendance_cannot_be_removed(world, client_for, programme):
    enrolment = services.enrol(
        programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
    )
    session = services.schedule_session(programme=programme, by=world.admin_sa, held_on=days(-1))
    services.record_attendance(session=session, by=world.admin_sa, marks={enrolment: "present"})
    client_for(world.admin_sa).post(f"/en/training/{programme.pk}/sessions/{session.pk}/remove/")
    assert programme.sessions.filter(pk=session.pk).exists()


def test_attendance_stays_out_of_the_agreements_history(world, client_for, programme):
    enrolment = services.enrol(
        programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
    )
    session = services.schedule_session(programme=programme, by=world.admin_sa, held_on=days(-1))
    services.record_attendance(session=session, by=world.admin_sa, marks={enrolment: "present"})
    from auditlog.models import LogEntry

    from karama.core.history import history_of_agreement

    assert LogEntry.objects.get_for_model(Attendance).count() == 1
    assert not history_of_agreement(world.mou_sa.pk).filter(content_type__model="attendance").exists()
    assert history_of_agreement(world.mou_sa.pk).filter(content_type__model="enrolment").exists()


def test_the_person_section_costs_the_same_queries_with_or_without_training(world, client_for, programme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from karama.training.selectors import person_training

    untrained = make_person(by=world.staff_a, facility=world.facility_a)
    trained = make_person(by=world.staff_a, facility=world.facility_a)
    complete(services.enrol(programme=programme, by=world.admin_sa, person=trained), world.admin_sa)
    counts = []
    for person in (untrained, trained):
        with CaptureQueriesContext(connection) as captured:
            data = person_training(world.partner_university, person)
        counts.append(len(captured))
    assert counts == [1, 1]
    assert data["rows"][0]["certificate"] == Certificate.objects.get().number
    assert data["rows"][0]["programme_link"] and not data["rows"][0]["enrolment_link"]
