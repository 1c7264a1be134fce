"""Build family-support data for tests: the Saudi persona world gets a region, two support associations
and households of facility A's people."""

import datetime

from karama.core.models import Organization, Region, Role
from karama.people import services as people_services
from karama.people.tests.factories import make_person


def make_region(code: str = "sa-qassim", country: str = "SA", **names) -> Region:
    region, _created = Region.objects.get_or_create(
        code=code, defaults={"country": country, "names": names or {"en": code}}
    )
    return region


def make_association(code: str, administration: Organization, **fields) -> Organization:
    return Organization.objects.create(
        code=code,
        kind=Organization.Kind.ASSOCIATION,
        country=administration.country,
        administration=administration,
        names=fields.pop("names", {"en": code}),
        **fields,
    )


def make_household(world, *, facility=None, region=None, association=None, consent_to=None, **person_fields):
    """A person of facility A (or `facility`) with a household; a family-support consent to `consent_to`."""
    person = make_person(by=world.admin_sa, facility=facility or world.facility_a, **person_fields)
    household = people_services.save_household(
        person=person,
        by=world.admin_sa,
        region=region,
        contact_name="أم محمد",
        contact_relation="زوجة",
        supporting_association=association,
    )
    if consent_to is not None:
        people_services.record_consent(
            person=person,
            by=world.admin_sa,
            organization=consent_to,
            purpose="family_support",
            valid_from=datetime.date(2024, 1, 15),
        )
    return household


def make_association_user(username: str, association: Organization):
    from conftest import make_user

    return make_user(username, Role.PARTNER_STAFF, organization=association)
