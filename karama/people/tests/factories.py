"""Build people for tests through the services, as a user would."""

import datetime
import itertools

import factory

from karama.people import services

_numbers = itertools.count(1)


class PersonData(factory.DictFactory):
    given_name = factory.Iterator(["أحمد", "محمد", "فاطمة", "إبراهيم", "خالد"])
    family_name = factory.Iterator(["القحطاني", "العتيبي", "الشمري", "الزهراني"])
    latin_given_name = "Ahmad"
    latin_family_name = "Alqahtani"
    sex = "male"
    birth_date = datetime.date(1985, 3, 1)
    nationality = "SA"


def make_person(
    *,
    by,
    facility,
    national_id: str | None = None,
    admitted_on=None,
    expected_release_on=None,
    case_category: str = "financial",
    **fields,
):
    data = PersonData(**fields)
    return services.register_person(
        by=by,
        facility=facility,
        admitted_on=admitted_on or datetime.date(2024, 1, 10),
        expected_release_on=expected_release_on,
        case_category=case_category,
        national_id=national_id if national_id is not None else f"10{next(_numbers):08d}",
        **data,
    )
