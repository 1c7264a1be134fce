"""Races on PostgreSQL: the row locks decide them one after the other, so a position never holds more
jobs than places, an opening never more hires than seats, and a period is never paid twice."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from karama.people import services as people_services
from karama.people.tests.factories import make_person
from karama.work import services
from karama.work.models import Application, Job, PayRun, RetentionCheck
from karama.work.tests.factories import (
    LAST_MONTH_END,
    LAST_MONTH_START,
    TODAY,
    consent_employment,
    make_opening,
    make_worker,
    make_workshop,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _race(calls) -> tuple[int, int, list[str]]:
    start = threading.Barrier(len(calls))
    done, refused, errors = [], [], []

    def run(call):
        try:
            start.wait()
            call()
            done.append(1)
        except ValidationError:
            refused.append(1)
        except Exception as error:  # a deadlock or a lost update fails the test
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(done), len(refused), errors


def test_ten_people_racing_for_three_places_get_three_jobs(world):
    workshop = make_workshop(world)
    people = [make_person(by=world.staff_a, facility=world.facility_a) for _ in range(10)]
    calls = [
        (
            lambda person=person: services.assign_job(
                by=world.staff_a, person=person, position=workshop.welder, pay_band=workshop.hourly, starts_on=TODAY
            )
        )
        for person in people
    ]
    done, refused, errors = _race(calls)
    assert errors == [] and (done, refused) == (3, 7)
    assert Job.objects.filter(position=workshop.welder, ends_on__isnull=True).count() == 3


def test_eight_hires_racing_for_two_seats_hire_two(world):
    opening = make_opening(world, seats=2)
    applications = []
    for _ in range(8):
        person = make_person(by=world.staff_a, facility=world.facility_a)
        people_services.update_person(person=person, by=world.staff_a, skills=["72"])
        people_services.release(person=person, by=world.staff_a, on=TODAY, reason="pardon")
        person.refresh_from_db()
        consent_employment(world, person, world.outsider_org)
        application = services.propose_candidate(by=world.staff_a, opening=opening, person=person)
        applications.append(
            services.change_application_status(by=world.staff_a, application=application, status="applied")
        )
    started = TODAY - datetime.timedelta(days=1)
    calls = [
        (
            lambda application=application: services.change_application_status(
                by=world.staff_a, application=application, status="hired", started_on=started, wage="3500"
            )
        )
        for application in applications
    ]
    done, refused, errors = _race(calls)
    assert errors == [] and (done, refused) == (2, 6)
    assert Application.objects.filter(status="hired").count() == 2
    assert RetentionCheck.objects.count() == 6
    opening.refresh_from_db()
    assert opening.status == "filled"


def test_a_period_raced_twice_is_paid_once(world):
    workshop = make_workshop(world)
    _person, job = make_worker(world, workshop)
    calls = [
        (
            lambda: services.run_payroll(
                by=world.staff_a,
                workshop=workshop,
                period_start=LAST_MONTH_START,
                period_end=LAST_MONTH_END,
                quantities={job.code: "100"},
            )
        )
        for _ in range(4)
    ]
    done, refused, errors = _race(calls)
    assert errors == [] and (done, refused) == (1, 3)
    assert PayRun.objects.count() == 1
