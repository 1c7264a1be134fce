"""The rules of the registry: status changes only through services, custody history kept, IDs encrypted."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from karama.people import services
from karama.people.models import AdmissionKind, Person, PlanReview
from karama.people.planning import review_schedule
from karama.people.tests.factories import make_person


@pytest.fixture
def person(world):
    return make_person(
        by=world.staff_a,
        facility=world.facility_a,
        national_id="2233445566",
        expected_release_on=datetime.date(2027, 1, 10),
    )


def test_the_national_id_is_never_stored_in_clear(world, person):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person WHERE id = %s", [person.pk])
        row = cursor.fetchone()
    assert not any("2233445566" in str(value) for value in row)
    assert person.national_id_hash and person.national_id_encrypted


def test_national_ids_are_found_through_the_keyed_hash_whatever_the_digits(world, person):
    from karama.people.selectors import PeopleFilters, people_visible_to, search_people

    found = search_people(people_visible_to(world.staff_a), PeopleFilters(national_id="٢٢٣٣-٤٤٥-٥٦٦"))
    assert list(found) == [person]


def test_the_same_national_id_cannot_be_registered_twice_in_an_administration(world, person):
    with pytest.raises(ValidationError):
        make_person(by=world.staff_a, facility=world.facility_a, national_id="22 3344 5566")
    assert Person.objects.count() == 1


def test_staff_can_only_register_in_their_own_facility(world):
    with pytest.raises(PermissionDenied):
        make_person(by=world.staff_a, facility=world.facility_b)
    with pytest.raises(PermissionDenied):
        make_person(by=world.partner_university, facility=world.facility_a)
    assert not Person.objects.exists()


def test_expected_release_before_admission_is_refused(world):
    with pytest.raises(ValidationError):
        make_person(
            by=world.staff_a,
            facility=world.facility_a,
            admitted_on=datetime.date(2024, 5, 1),
            expected_release_on=datetime.date(2024, 4, 1),
        )
    assert not Person.objects.exists()


def test_a_transfer_keeps_both_stays(world, person):
    services.transfer(person=person, by=world.staff_a, to_facility=world.facility_b, on=datetime.date(2024, 3, 1))
    episodes = list(person.episodes.order_by("admitted_on", "pk"))
    assert [(e.facility.code, e.admission_kind, e.release_reason) for e in episodes] == [
        ("unaizah", "admission", "transfer_out"),
        ("riyadh", "transfer_in", ""),
    ]
    person.refresh_from_db()
    assert person.facility == world.facility_b and person.status == "in_custody"


def test_a_transfer_to_another_administration_is_refused(world, person):
    with pytest.raises(ValidationError):
        services.transfer(person=person, by=world.admin_sa, to_facility=world.facility_ma, on=datetime.date(2024, 3, 1))
    assert person.episodes.count() == 1


def test_release_then_readmission_is_recorded_as_such(world, person):
    services.release(person=person, by=world.staff_a, on=datetime.date(2024, 6, 1), reason="end_of_sentence")
    person.refresh_from_db()
    assert person.status == "released"
    episode = services.admit(
        person=person,
        by=world.staff_a,
        facility=world.facility_a,
        admitted_on=datetime.date(2025, 2, 1),
        case_category="property",
    )
    assert episode.admission_kind == AdmissionKind.READMISSION
    person.refresh_from_db()
    assert person.status == "in_custody"
    assert list(person.status_changes.values_list("status", flat=True)) == ["in_custody", "released", "in_custody"]


def test_a_readmission_cannot_predate_the_release(world, person):
    services.release(person=person, by=world.staff_a, on=datetime.date(2024, 6, 1), reason="pardon")
    with pytest.raises(ValidationError):
        services.admit(
            person=person,
            by=world.staff_a,
            facility=world.facility_a,
            admitted_on=datetime.date(2024, 5, 1),
            case_category="property",
        )
    assert person.episodes.count() == 1


def test_a_person_in_custody_cannot_be_admitted_again(world, person):
    with pytest.raises(ValidationError):
        services.admit(
            person=person,
            by=world.staff_a,
            facility=world.facility_a,
            admitted_on=datetime.date(2024, 5, 1),
            case_category="property",
        )


def test_release_before_admission_or_in_the_future_is_refused(world, person):
    for on in (datetime.date(2023, 1, 1), datetime.date(2999, 1, 1)):
        with pytest.raises(ValidationError):
            services.release(person=person, by=world.staff_a, on=on, reason="pardon")
    person.refresh_from_db()
    assert person.status == "in_custody" and person.episodes.get().released_on is None


def test_aftercare_and_closure_follow_release(world, person):
    with pytest.raises(ValidationError):
        services.start_aftercare(person=person, by=world.staff_a, on=datetime.date(2024, 7, 1))
    with pytest.raises(ValidationError):
        services.close_case(person=person, by=world.staff_a, on=datetime.date(2024, 7, 1))
    services.release(person=person, by=world.staff_a, on=datetime.date(2024, 6, 1), reason="parole")
    services.start_aftercare(person=person, by=world.staff_a, on=datetime.date(2024, 6, 2))
    services.close_case(person=person, by=world.staff_a, on=datetime.date(2025, 6, 2))
    person.refresh_from_db()
    assert person.status == "closed"


def test_review_schedule_from_admission_and_expected_release():
    schedule = review_schedule(datetime.date(2024, 1, 1), datetime.date(2025, 7, 1))
    assert schedule == [
        ("initial", datetime.date(2024, 1, 31)),
        ("periodic", datetime.date(2024, 7, 29)),
        ("periodic", datetime.date(2025, 1, 25)),
        ("pre_release", datetime.date(2025, 4, 2)),
    ]
    assert review_schedule(datetime.date(2024, 1, 1), None) == [("initial", datetime.date(2024, 1, 31))]


def test_a_plan_comes_with_release_tasks_and_review_deadlines(world, person):
    plan = services.create_plan(person=person, by=world.staff_a)
    assert sorted(plan.release_tasks.values_list("kind", flat=True)) == [
        "bank_account",
        "housing",
        "identity_documents",
        "transport",
    ]
    assert plan.reviews.filter(kind="pre_release", due_on=datetime.date(2026, 10, 12)).exists()


def test_an_exempted_missed_review_is_not_a_failure(world, person):
    plan = services.create_plan(person=person, by=world.staff_a)
    initial = plan.reviews.get(kind="initial")
    today = datetime.date(2026, 1, 1)
    assert initial.is_missed(today)
    services.exempt_review(review=initial, by=world.staff_a, exemption="hospital", note="surgery")
    initial.refresh_from_db()
    assert not initial.is_missed(today)


def test_changing_the_expected_release_moves_the_pre_release_review(world, person):
    plan = services.create_plan(person=person, by=world.staff_a)
    services.set_expected_release(
        episode=person.episodes.get(), by=world.staff_a, expected_release_on=datetime.date(2027, 6, 1)
    )
    assert PlanReview.objects.get(plan=plan, kind="pre_release").due_on == datetime.date(2027, 3, 3)


def test_assessment_records_ratings_and_catalogue_needs(world, person):
    services.record_assessment(
        person=person,
        by=world.staff_a,
        assessed_on=datetime.date(2024, 2, 1),
        ratings={"finances": ("high", "debt of 40,000 SAR"), "education": ("low", "")},
        needs=[("finances", "debt_settlement"), ("education", "none")],
        recommended_paths=["debt_release"],
    )
    assert list(person.needs.values_list("domain", "need", "status", "updated_side")) == [
        ("finances", "debt_settlement", "open", "facility")
    ]


def test_unknown_needs_and_future_assessments_are_refused(world, person):
    with pytest.raises(ValidationError):
        services.record_assessment(
            person=person,
            by=world.staff_a,
            assessed_on=datetime.date(2024, 2, 1),
            ratings={},
            needs=[("finances", "lottery")],
        )
    with pytest.raises(ValidationError):
        services.record_assessment(person=person, by=world.staff_a, assessed_on=datetime.date(2999, 2, 1), ratings={})
    assert not person.assessments.exists()


def test_a_partner_updates_a_need_and_the_side_is_stamped(world, person):
    services.record_consent(
        person=person,
        by=world.staff_a,
        organization=world.university,
        purpose="aftercare",
        valid_from=datetime.date(2024, 1, 1),
    )
    services.record_assessment(
        person=person,
        by=world.staff_a,
        assessed_on=datetime.date(2024, 2, 1),
        ratings={},
        needs=[("employment", "job_search")],
    )
    need = person.needs.get()
    services.update_need_status(need=need, by=world.partner_university, status="in_progress")
    need.refresh_from_db()
    assert (need.status, need.updated_side, need.updated_by) == ("in_progress", "partner", world.partner_university)


def test_consent_to_an_agreement_the_organization_is_not_party_to_is_refused(world, person):
    with pytest.raises(ValidationError):
        services.record_consent(
            person=person,
            by=world.staff_a,
            organization=world.outsider_org,
            purpose="training",
            valid_from=datetime.date(2024, 1, 1),
            agreement=world.mou_sa,
        )
    assert not person.consents.exists()


def test_history_records_changes_to_a_person_without_the_national_id(world, person):
    from auditlog.models import LogEntry

    services.update_person(person=person, by=world.staff_a, family_name="الحربي")
    services.set_national_id(person=person, by=world.staff_a, national_id="9988776655")
    entries = LogEntry.objects.get_for_object(person)
    assert entries.filter(changes__has_key="family_name").exists()
    assert "9988776655" not in str(list(entries.values_list("changes", flat=True)))


def test_a_partner_whose_purpose_does_not_include_needs_cannot_change_them(world, person):
    services.record_consent(
        person=person,
        by=world.staff_a,
        organization=world.university,
        purpose="visits",
        valid_from=datetime.date(2024, 1, 1),
    )
    services.record_assessment(
        person=person,
        by=world.staff_a,
        assessed_on=datetime.date(2024, 2, 1),
        ratings={},
        needs=[("employment", "job_search")],
    )
    with pytest.raises(PermissionDenied):
        services.update_need_status(need=person.needs.get(), by=world.partner_university, status="met")
    assert person.needs.get().status == "open"


def test_a_review_is_recorded_once_and_never_in_the_future(world, person):
    plan = services.create_plan(person=person, by=world.staff_a)
    review = plan.reviews.get(kind="initial")
    with pytest.raises(ValidationError):
        services.complete_review(review=review, by=world.staff_a, on=datetime.date(2999, 1, 1))
    services.complete_review(review=review, by=world.staff_a, on=datetime.date(2024, 2, 5))
    with pytest.raises(ValidationError):
        services.exempt_review(review=review, by=world.staff_a, exemption="security")
    review.refresh_from_db()
    assert (review.completed_on, review.exemption) == (datetime.date(2024, 2, 5), "")


def test_a_transfer_cannot_be_recorded_in_the_future(world, person):
    with pytest.raises(ValidationError):
        services.transfer(person=person, by=world.staff_a, to_facility=world.facility_b, on=datetime.date(2999, 1, 1))
    assert person.episodes.count() == 1


def test_auditors_read_the_masked_national_id_but_cannot_reveal_it(world, person):
    with pytest.raises(PermissionDenied):
        services.reveal_national_id(person=person, by=world.auditor_sa)
    assert not person.access_log.filter(action="reveal_national_id").exists()


def test_plan_actions_are_owned_by_organizations_the_staff_work_with(world, person):
    plan = services.create_plan(person=person, by=world.staff_a)
    with pytest.raises(ValidationError):
        services.add_plan_action(plan=plan, by=world.staff_a, goal="x", owner=world.foundation)
    assert not plan.actions.exists()
