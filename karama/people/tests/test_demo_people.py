"""The demo's 500 synthetic people: spread, due releases, consents, spelling variants, encrypted IDs, a second load."""

from collections import defaultdict
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection, transaction

from karama.core.crypto import decrypt
from karama.core.models import User
from karama.core.text import normalize_for_search
from karama.people import demo
from karama.people.models import Assessment, Consent, CustodyEpisode, Household, Person
from karama.people.selectors import due_for_release, people_visible_to


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """The demo is loaded once for the module (it takes seconds) and rolled back after its last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = load_demo()
        yield output
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    models = (Person, CustodyEpisode, Household, Consent, Assessment, LogEntry)
    return {model.__name__: model.objects.count() for model in models}


def test_a_second_load_creates_nothing(demo_output, db):
    before = counts()
    last_entry = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    output = load_demo()

    assert "People: 500 new people" in demo_output
    assert "People: 0 new people, 0 new custody episodes" in output
    assert counts() == before
    assert not LogEntry.objects.filter(pk__gt=last_entry).exists()


def test_about_500_people_over_the_four_administrations(demo_output, db):
    people = Person.objects.filter(source_reference__startswith=demo.REFERENCE_PREFIX)
    per_administration = {
        code: people.filter(administration__code=code).count()
        for code in ("sa-gdp", "jo-psd-crca", "ma-dgapr", "ir-prisons")
    }

    assert people.count() == demo.TARGET == 500
    assert per_administration == {"sa-gdp": 150, "jo-psd-crca": 100, "ma-dgapr": 150, "ir-prisons": 100}
    assert people.filter(facility__code="sa-unaizah-reformatory").count() >= 60
    assert CustodyEpisode.objects.filter(admission_kind="readmission").exists()
    assert CustodyEpisode.objects.filter(admission_kind="transfer_in").exists()
    assert people.filter(status="released").exists() and people.filter(status="in_aftercare").exists()


def test_unaizah_staff_have_at_least_25_people_due_for_release(demo_output, db):
    staff = User.objects.get(username="staff-unaizah")

    due = due_for_release(staff, staff.facility_id, days=90)

    assert due.count() >= 25


def test_idmaj_sees_only_the_jordanians_who_consented(demo_output, db):
    partner = User.objects.get(username="partner-idmaj")
    jordanians = Person.objects.filter(administration__code="jo-psd-crca")
    revoked = Consent.objects.filter(organization__code="jo-idmaj", revoked_at__isnull=False)

    visible = people_visible_to(partner)

    assert 0 < visible.count() < jordanians.count()
    assert not visible.exclude(administration__code="jo-psd-crca").exists()
    assert revoked.exists()
    assert not visible.filter(pk__in=revoked.values("person")).exists()


def test_foundation_sees_moroccans_under_its_two_agreements(demo_output, db):
    partner = User.objects.get(username="partner-foundation")
    consents = Consent.objects.filter(organization__code="ma-fm6", purpose="income_project")

    assert people_visible_to(partner).count() >= 50
    assert set(consents.values_list("agreement__reference", flat=True)) == {
        "MA-FM6-2024-SOUSS-MASSA",
        "MA-FM6-BENI-MELLAL",
    }


def test_names_include_spellings_that_search_treats_as_one(demo_output, db):
    spellings = defaultdict(set)
    for parts in Person.objects.values_list("given_name", "father_name", "family_name"):
        for part in parts:
            spellings[normalize_for_search(part)].add(part)

    variants = [forms for forms in spellings.values() if len(forms) > 1]

    assert variants, "no two spellings of the same name"
    assert any({"أحمد", "احمد"} <= forms or {"إبراهيم", "ابراهيم"} <= forms for forms in variants)


def test_no_national_id_is_stored_in_clear(demo_output, db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person")
        stored = "\n".join(" ".join(str(value) for value in row) for row in cursor.fetchall())
    person = Person.objects.get(source_reference=demo.reference(1))

    assert not [number for number in range(1, demo.TARGET + 1) if demo.national_id(number) in stored]
    assert decrypt(person.national_id_encrypted) == demo.national_id(1)
