"""What the support app adds to the person's page and the agreement's page."""

import dataclasses

from karama.agreements.models import Agreement
from karama.core.models import User
from karama.people.models import Household, Person
from karama.people.selectors import can_manage_person
from karama.support import selectors
from karama.support.models import SupportRequest


def person_section(user: User, person: Person) -> dict:
    """The household's support at a glance, and, for those who manage the record, registering it."""
    household = Household.objects.filter(person=person).select_related("supporting_association").first()
    data = {"household": household, "person_code": person.public_code, "support": None, "request": None}
    if household is None:
        data["can_register"] = False
        return data
    visible = selectors.households_visible_to(user).filter(pk=household.pk).exists()
    if visible:
        data["support"] = selectors.household_support(household)
        data["open_needs"] = sum(1 for need in data["support"].needs if need.is_open)
        data["request"] = next(iter(data["support"].requests), None)
    registered = household.support_requests.filter(
        status__in=[SupportRequest.Status.RECEIVED, SupportRequest.Status.AWAITING_LINK, SupportRequest.Status.ACCEPTED]
    ).exists()
    data["can_register"] = can_manage_person(user, person) and not registered and household.region_id is not None
    return data


def agreement_section(user: User, agreement: Agreement) -> dict:
    return dataclasses.asdict(selectors.agreement_support(agreement.pk))
