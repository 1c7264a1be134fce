"""Build training records for tests through the services, as a user would."""

import datetime
import itertools

from django.utils import timezone

from karama.people import services as people_services
from karama.training import services

_numbers = itertools.count(1)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def make_programme(world, *, by=None, administration=None, facilities=None, **fields):
    """A running crafts programme of the university at the Unaizah reformatory, unless told otherwise."""
    values = {
        "reference": f"PRG-{next(_numbers):04d}",
        "kind": "crafts",
        "names": {"ar": "دورة النجارة", "en": "Carpentry course"},
        "original_language": "ar",
        "provider": world.university,
        "agreement": world.mou_sa,
        "starts_on": days(-20),
        "ends_on": days(40),
        "capacity": 10,
        "planned_hours": 60,
    }
    values.update(fields)
    return services.create_programme(
        by=by or world.admin_sa,
        administration=administration or world.sa,
        facilities=[world.facility_a] if facilities is None else facilities,
        **values,
    )


def consent_to(world, person, organization, *, purpose="training", agreement=None, by=None):
    return people_services.record_consent(
        person=person,
        by=by or world.admin_sa,
        organization=organization,
        purpose=purpose,
        agreement=agreement,
        valid_from=days(-30),
    )


def complete(enrolment, by, *, on=None, **extra):
    return services.complete_enrolment(enrolment=enrolment, by=by, on=on or timezone.localdate(), **extra)
