"""Build work records for tests through the services, as a user would."""

import datetime
from decimal import Decimal

from django.utils import timezone

from karama.people import services as people_services
from karama.people.tests.factories import make_person
from karama.work import services

TODAY = timezone.localdate()
LAST_MONTH_END = TODAY.replace(day=1) - datetime.timedelta(days=1)
LAST_MONTH_START = LAST_MONTH_END.replace(day=1)


def make_workshop(world, *, by=None, facility=None, split=("40", "30", "30"), currency="SAR", **fields):
    """A metal-sheet factory in facility A with a welder position, an hourly, a piece and a daily band."""
    by = by or world.admin_sa
    values = {
        "names": {"ar": "مصنع الصفائح المعدنية", "en": "Metal-sheet factory"},
        "original_language": "ar",
        "kind": "factory",
        "occupation": "72",
    }
    values.update(fields)
    workshop = services.create_workshop(by=by, facility=facility or world.facility_a, currency=currency, **values)
    workshop.welder = services.add_position(workshop=workshop, by=by, title="Welder", occupation="72", places=3)
    workshop.hourly = services.add_pay_band(workshop=workshop, by=by, name="Skilled", basis="hourly", rate="12.50")
    workshop.piece = services.add_pay_band(workshop=workshop, by=by, name="Per panel", basis="piece", rate="0.75")
    workshop.daily = services.add_pay_band(workshop=workshop, by=by, name="Attendance", basis="attendance", rate="40")
    if split:
        services.agree_wage_split(
            workshop=workshop,
            by=by,
            effective_from=datetime.date(2024, 1, 1),
            family_percent=split[0],
            savings_percent=split[1],
            kept_percent=split[2],
        )
    return workshop


def make_worker(world, workshop, *, band=None, position=None, by=None, **fields):
    person = make_person(by=world.staff_a, facility=workshop.facility, **fields)
    job = services.assign_job(
        by=by or world.staff_a,
        person=person,
        position=position or workshop.welder,
        pay_band=band or workshop.hourly,
        starts_on=datetime.date(2024, 2, 1),
    )
    return person, job


def consent_employment(world, person, organization, by=None):
    return people_services.record_consent(
        person=person,
        by=by or world.admin_sa,
        organization=organization,
        purpose="employment",
        valid_from=TODAY - datetime.timedelta(days=1),
    )


def make_opening(world, *, by=None, employer=None, administration=None, **fields):
    values = {
        "title": "عامل لحام",
        "occupation": "72",
        "valid_until": TODAY + datetime.timedelta(days=120),
        "currency": "SAR",
        "seats": 2,
        "wage_min": Decimal("3000"),
        "wage_max": Decimal("4500"),
    }
    values.update(fields)
    return services.publish_opening(
        by=by or world.admin_sa,
        employer=employer or world.outsider_org,
        administration=administration or world.sa,
        **values,
    )
