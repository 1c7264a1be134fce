"""The training services: enrolments within the rules, attendance, completion, certificates, commitments."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from karama.agreements import services as agreement_services
from karama.agreements.progress import delivered_quantities
from karama.people.tests.factories import make_person
from karama.training import services
from karama.training.models import Attendance, Certificate, Enrolment, EnrolmentStatus, Programme
from karama.training.tests.factories import complete, consent_to, days, make_programme


@pytest.fixture
def programme(world):
    return make_programme(world)


@pytest.fixture
def person(world):
    return make_person(by=world.staff_a, facility=world.facility_a)


def test_completing_issues_a_numbered_certificate_in_the_providers_name(world, programme, person):
    enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)

    complete(enrolment, world.admin_sa, score=88)

    certificate = Certificate.objects.get(enrolment=enrolment)
    year = timezone.localdate().year
    assert certificate.number == f"NAUSS-{year}-000001"
    assert certificate.issuer == world.university
    assert len(certificate.verification_code) == 11 and certificate.is_valid
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.COMPLETED


def test_each_issuer_numbers_its_certificates_in_its_own_series(world, programme):
    people = [make_person(by=world.staff_a, facility=world.facility_a) for _ in range(2)]
    numbers = []
    for person in people:
        enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)
        complete(enrolment, world.admin_sa)
        numbers.append(enrolment.certificates.get().number)
    year = timezone.localdate().year
    assert numbers == [f"NAUSS-{year}-000001", f"NAUSS-{year}-000002"]


def test_a_duplicate_certificate_number_writes_nothing(world, programme):
    first, second = (
        services.enrol(
            programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
        )
        for _ in range(2)
    )
    complete(first, world.admin_sa, certificate_number="NAUSS-PAPER-17")

    with pytest.raises(ValidationError, match="NAUSS-PAPER-17"):
        complete(second, world.admin_sa, certificate_number="nauss-paper-17")

    assert Enrolment.objects.get(pk=second.pk).status == EnrolmentStatus.ENROLLED
    assert Certificate.objects.count() == 1


def test_the_series_skips_a_number_already_typed_in_from_the_register(world, programme):
    year = timezone.localdate().year
    first, second = (
        services.enrol(
            programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
        )
        for _ in range(2)
    )
    complete(first, world.admin_sa, certificate_number=f"NAUSS-{year}-000001")
    complete(second, world.admin_sa)
    assert second.certificates.get().number == f"NAUSS-{year}-000002"


def test_an_enrolment_after_the_programme_ended_writes_nothing(world, person):
    programme = make_programme(world, starts_on=days(-60), ends_on=days(-1))

    with pytest.raises(ValidationError, match="ended"):
        services.enrol(programme=programme, by=world.admin_sa, person=person)

    assert not Enrolment.objects.exists()


def test_a_full_programme_refuses_one_more_and_the_waiting_list_takes_them(world):
    programme = make_programme(world, capacity=1)
    first, second = (make_person(by=world.staff_a, facility=world.facility_a) for _ in range(2))
    services.enrol(programme=programme, by=world.admin_sa, person=first)

    with pytest.raises(ValidationError, match="full"):
        services.enrol(programme=programme, by=world.admin_sa, person=second)
    waiting = services.enrol(programme=programme, by=world.admin_sa, person=second, waiting_list=True)

    assert waiting.status == EnrolmentStatus.APPLIED
    with pytest.raises(ValidationError, match="full"):
        services.confirm_enrolment(enrolment=waiting, by=world.admin_sa)
    services.record_dropout(
        enrolment=programme.enrolments.get(person=first), by=world.admin_sa, on=timezone.localdate()
    )
    assert services.confirm_enrolment(enrolment=waiting, by=world.admin_sa).status == EnrolmentStatus.ENROLLED


def test_the_same_person_is_enrolled_once(world, programme, person):
    services.enrol(programme=programme, by=world.admin_sa, person=person)
    with pytest.raises(ValidationError, match="Already"):
        services.enrol(programme=programme, by=world.admin_sa, person=person, waiting_list=True)
    assert Enrolment.objects.count() == 1


def test_a_programme_for_women_refuses_a_man(world, person):
    programme = make_programme(world, sex="female")
    with pytest.raises(ValidationError, match="for women"):
        services.enrol(programme=programme, by=world.admin_sa, person=person)
    assert not Enrolment.objects.exists()


def test_capacity_cannot_drop_below_the_places_taken(world, programme):
    for _ in range(2):
        services.enrol(
            programme=programme, by=world.admin_sa, person=make_person(by=world.staff_a, facility=world.facility_a)
        )
    with pytest.raises(ValidationError, match="already taken"):
        services.update_programme(programme=programme, by=world.admin_sa, capacity=1)
    assert Programme.objects.get(pk=programme.pk).capacity == 10


def test_a_partner_enrols_only_people_who_consented_to_training_with_it(world, programme, person):
    other = make_person(by=world.staff_a, facility=world.facility_a)
    consent_to(world, person, world.university)
    # A consent for another purpose shows the record to the university, but does not make it a trainee.
    consent_to(world, other, world.university, purpose="employment")

    enrolment = services.enrol(programme=programme, by=world.partner_university, person=person)
    with pytest.raises(ValidationError, match="consented to training"):
        services.enrol(programme=programme, by=world.partner_university, person=other)
    stranger = make_person(by=world.staff_a, facility=world.facility_a)
    with pytest.raises(PermissionDenied):
        services.enrol(programme=programme, by=world.partner_university, person=stranger)

    assert list(Enrolment.objects.all()) == [enrolment]


def test_a_partner_runs_only_the_programmes_it_provides(world, person):
    programme = make_programme(world)
    consent_to(world, person, world.university)
    with pytest.raises(PermissionDenied):
        services.enrol(programme=programme, by=world.partner_outsider, person=person)
    with pytest.raises(PermissionDenied):
        services.enrol(programme=programme, by=world.auditor_sa, person=person)


def test_facility_staff_run_the_programmes_held_in_their_facility_only(world, programme, person):
    services.enrol(programme=programme, by=world.staff_a, person=person)
    with pytest.raises(PermissionDenied):
        services.schedule_session(programme=programme, by=world.staff_b, held_on=timezone.localdate())


def test_attendance_rate_leaves_excused_absences_out(world, programme, person):
    enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)
    marks = ["present", "present", "absent", "excused"]
    for offset, mark in enumerate(marks):
        session = services.schedule_session(programme=programme, by=world.admin_sa, held_on=days(-10 + offset))
        services.record_attendance(session=session, by=world.admin_sa, marks={enrolment: mark})

    assert services.rate_for(enrolment) == 67


def test_attendance_waits_for_the_session_to_be_held(world, programme, person):
    enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)
    session = services.schedule_session(programme=programme, by=world.admin_sa, held_on=days(3))
    with pytest.raises(ValidationError, match="held"):
        services.record_attendance(session=session, by=world.admin_sa, marks={enrolment: "present"})
    assert not Attendance.objects.exists()


def test_a_session_outside_the_programme_dates_is_refused(world, programme):
    with pytest.raises(ValidationError):
        services.schedule_session(programme=programme, by=world.admin_sa, held_on=days(90))


def test_completion_below_the_minimum_attendance_is_refused(world, person):
    programme = make_programme(world, minimum_attendance=75)
    enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)
    for offset, mark in enumerate(["present", "absent"]):
        session = services.schedule_session(programme=programme, by=world.admin_sa, held_on=days(-5 + offset))
        services.record_attendance(session=session, by=world.admin_sa, marks={enrolment: mark})

    with pytest.raises(ValidationError, match="75"):
        complete(enrolment, world.admin_sa)

    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ENROLLED
    assert not Certificate.objects.exists()


def test_a_score_out_of_range_writes_nothing(world, programme, person):
    enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)
    with pytest.raises(ValidationError):
        complete(enrolment, world.admin_sa, score=140)
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ENROLLED


def test_leaving_for_a_custody_reason_is_not_a_failure(world, programme, person):
    enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)

    ended = services.end_for_custody_reason(
        enrolment=enrolment, by=world.admin_sa, on=timezone.localdate(), reason="transferred"
    )

    assert (ended.status, ended.end_reason) == (EnrolmentStatus.ENDED_CUSTODY, "transferred")
    assert not Enrolment.objects.filter(status=EnrolmentStatus.FAILED).exists()
    # The place is free again.
    assert programme.enrolments.filter(status__in=["enrolled", "completed", "failed"]).count() == 0


def test_completions_count_toward_the_commitment_the_programme_delivers(world, person):
    commitment = agreement_services.add_commitment(
        agreement=world.mou_sa,
        by=world.admin_sa,
        description="Inmates trained",
        target_quantity=100,
        unit="people_trained",
    )
    programme = make_programme(world, commitment=commitment)
    others = [make_person(by=world.staff_a, facility=world.facility_a) for _ in range(2)]
    enrolments = [services.enrol(programme=programme, by=world.admin_sa, person=p) for p in [person, *others]]
    complete(enrolments[0], world.admin_sa)
    complete(enrolments[1], world.admin_sa)
    services.fail_enrolment(enrolment=enrolments[2], by=world.admin_sa, on=timezone.localdate())

    assert delivered_quantities([commitment.pk])[commitment.pk] == 2


def test_a_courses_commitment_counts_each_programme_with_a_graduate_once(world, person):
    commitment = agreement_services.add_commitment(
        agreement=world.mou_sa, by=world.admin_sa, description="Specialized courses", unit="courses"
    )
    with_graduate = make_programme(world, commitment=commitment)
    make_programme(world, commitment=commitment)  # nobody completed it yet
    complete(services.enrol(programme=with_graduate, by=world.admin_sa, person=person), world.admin_sa)

    assert delivered_quantities([commitment.pk])[commitment.pk] == 1


def test_a_commitment_in_another_unit_is_refused(world):
    commitment = agreement_services.add_commitment(
        agreement=world.mou_sa, by=world.admin_sa, description="Families", unit="families"
    )
    with pytest.raises(ValidationError, match="people trained"):
        make_programme(world, commitment=commitment)
    assert not Programme.objects.exists()


def test_staff_training_takes_users_of_the_administration_not_inmates(world, person):
    programme = make_programme(world, kind="staff_training", facilities=[])

    enrolment = services.enrol(programme=programme, by=world.admin_sa, staff=world.staff_b)

    assert enrolment.staff == world.staff_b
    with pytest.raises(ValidationError, match="not for inmates"):
        services.enrol(programme=programme, by=world.admin_sa, person=person)
    with pytest.raises(ValidationError, match="staff"):
        services.enrol(programme=programme, by=world.admin_sa, staff=world.admin_ma)
    complete(enrolment, world.admin_sa)
    assert enrolment.certificates.get().issuer == world.university


@pytest.mark.parametrize(
    "title",
    ["دورة النجارة لنزلاء سجن الرياض", "Menuiserie pour détenus", "آموزش خیاطی زندان", "Carpentry for inmates"],
)
def test_the_title_on_a_certificate_never_mentions_prison(world, title):
    with pytest.raises(ValidationError, match="must not mention prison"):
        make_programme(world, names={"en": "Carpentry"}, certificate_titles={"ar": title})
    assert not Programme.objects.exists()


def test_an_internal_name_is_fine_when_the_certificate_has_its_own_title(world):
    programme = make_programme(
        world, names={"ar": "النجارة – إصلاحية عنيزة"}, certificate_titles={"ar": "النجارة", "fr": "Menuiserie"}
    )
    assert programme.certificate_title("fr") == "Menuiserie"


def test_the_administration_issues_no_certificate_to_inmates(world):
    with pytest.raises(ValidationError, match="provider"):
        make_programme(world, provider=world.sa)


def test_the_provider_is_a_party_to_the_agreement(world):
    with pytest.raises(ValidationError, match="not a party"):
        make_programme(world, provider=world.outsider_org)


def test_a_revoked_certificate_can_be_reissued_under_a_new_number(world, programme, person):
    enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)
    complete(enrolment, world.admin_sa)
    first = enrolment.certificates.get()

    services.revoke_certificate(certificate=first, by=world.partner_university, reason="Name misspelt")
    second = services.issue_certificate(enrolment=enrolment, by=world.admin_sa)

    assert Certificate.objects.get(pk=first.pk).revoked_at is not None
    assert second.number != first.number and second.is_valid
    with pytest.raises(ValidationError, match="already holds"):
        services.issue_certificate(enrolment=enrolment, by=world.admin_sa)


def test_only_the_issuer_or_the_administration_revokes(world, programme, person):
    enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)
    complete(enrolment, world.admin_sa)
    with pytest.raises(PermissionDenied):
        services.revoke_certificate(certificate=enrolment.certificates.get(), by=world.staff_a, reason="x")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_enrolments_racing_for_the_last_place_never_both_get_it(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    programme = make_programme(world, capacity=1)
    people = [make_person(by=world.staff_a, facility=world.facility_a) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def enrol(person):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.enrol(programme=programme, by=world.admin_sa, person=person)
            outcomes.append("enrolled")
        except ValidationError:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=enrol, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["enrolled", "refused"]
    assert Enrolment.objects.filter(programme=programme, status="enrolled").count() == 1
