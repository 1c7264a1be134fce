"""The pages: the public form, the association's work, the household's page, approvals and coverage."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from karama.core.crypto import decrypt
from karama.people.models import AccessLog
from karama.support import services
from karama.support.models import Disbursement, HouseholdNeed, SupportPackage, SupportRequest
from karama.support.tests.factories import make_household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def _form_data(support, **changes) -> dict:
    data = {
        "region": support.qassim.pk,
        "contact_name": "أم خالد",
        "contact_relation": "spouse",
        "contact_phone": "۰۵۰۱۲۳۴۵۶۷",
        "prisoner_name": "خالد الشمري",
        "prisoner_national_id": "",
        "household_size": "5",
        "children": "3",
        "needs": ["rent", "food"],
        "message": "",
        "agree": "on",
        "website": "",
    }
    return {**data, **changes}


def test_the_public_form_needs_no_sign_in_and_speaks_persian(support, client):
    response = client.get("/fa/support/apply/")
    assert response.status_code == 200
    assert 'lang="fa"' in response.content.decode()
    assert "form" in response.content.decode()


def test_a_family_registers_through_the_public_form(support, client):
    response = client.post("/ar/support/apply/", _form_data(support))
    assert response.status_code == 302
    assert response["Location"] == "/ar/support/apply/thanks/"
    request = SupportRequest.objects.get(channel="public_form")
    assert request.association == support.association_a
    assert request.language == "ar"
    assert decrypt(request.contact_phone_encrypted) == "0501234567"
    assert request.needs == ["rent", "food"]


def test_the_answer_is_the_same_whether_or_not_the_prisoner_is_in_the_registry(support, client):
    known = decrypt(support.household_a.person.national_id_encrypted)
    answers = []
    for national_id in (known, "9990001234"):
        response = client.post("/en/support/apply/", _form_data(support, prisoner_national_id=national_id), follow=True)
        # The page differs only by its per-request CSRF token.
        page = re.sub(rb'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', b"", response.content)
        answers.append((response.status_code, response.redirect_chain, page))
    assert answers[0] == answers[1]


def test_the_public_form_is_throttled(support, client, settings):
    from karama.support import views

    for _attempt in range(views.PUBLIC_FORM_LIMIT):
        assert client.post("/en/support/apply/", _form_data(support)).status_code == 302
    assert client.post("/en/support/apply/", _form_data(support)).status_code == 429
    assert SupportRequest.objects.count() == views.PUBLIC_FORM_LIMIT + 1  # the fixture's own request


def test_a_robot_filling_the_hidden_box_is_thanked_and_ignored(support, client):
    response = client.post("/en/support/apply/", _form_data(support, website="http://spam.example"))
    assert response.status_code == 302
    assert SupportRequest.objects.filter(channel="public_form").count() == 0


def test_the_form_without_agreement_is_shown_again_with_its_errors(support, client):
    data = _form_data(support)
    del data["agree"]
    response = client.post("/en/support/apply/", data)
    assert response.status_code == 200
    assert SupportRequest.objects.filter(channel="public_form").count() == 0


def test_the_association_checks_a_request_on_its_page(support, client_for):
    request = services.submit_public_request(
        region=support.qassim,
        contact_name="أم خالد",
        contact_relation="spouse",
        contact_phone="0501234567",
        prisoner_name="خالد",
    )
    client = client_for(support.partner_a)
    page = client.get(reverse("support:request", args=[request.public_code]))
    assert page.status_code == 200
    assert "0501234567" in page.content.decode()
    response = client.post(
        reverse("support:request_check", args=[request.public_code]),
        {"checked_on": datetime.date.today().isoformat(), "outcome": "confirmed", "note": "Met the mother."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.AWAITING_LINK


def test_staff_link_a_request_from_its_page(support, client_for):
    world = support.world
    person = support.household_b.person
    request = services.submit_public_request(
        region=support.riyadh,
        contact_name="أم خالد",
        contact_relation="spouse",
        contact_phone="0501234567",
        prisoner_name="خالد",
        prisoner_national_id=decrypt(person.national_id_encrypted),
    )
    client = client_for(world.staff_a)
    page = client.get(reverse("support:request", args=[request.public_code]))
    assert person.public_code in page.content.decode()
    response = client.post(
        reverse("support:request_link", args=[request.public_code]),
        {"person": person.public_code, "record_consent": "on"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.household == support.household_b
    assert request.status == SupportRequest.Status.RECEIVED


def test_the_household_page_shows_what_was_received_and_logs_the_read(
    support, client_for, django_assert_max_num_queries
):
    package = services.create_package(
        household=support.household_a, by=support.partner_a, form="in_kind", items="Food basket", recurrence="monthly"
    )
    services.record_disbursement(package=package, by=support.partner_a, reference="RC-17")
    client = client_for(support.partner_a)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("support:household", args=[support.household_a.public_code]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Food basket" in content and "RC-17" in content
    assert AccessLog.objects.filter(person=support.household_a.person, user=support.partner_a).exists()


def test_the_household_page_keeps_its_queries_whatever_its_history(support, client_for, django_assert_num_queries):
    client = client_for(support.partner_a)
    url = reverse("support:household", args=[support.household_a.public_code])

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def add(kind: str) -> None:
        need = services.record_need(household=support.household_a, by=support.partner_a, kind=kind, items="x")
        package = services.create_package(
            household=support.household_a,
            by=support.partner_a,
            form="in_kind",
            items="y",
            recurrence="monthly",
            needs=[need],
        )
        services.record_disbursement(package=package, by=support.partner_a)

    add("food")
    before = count()
    for kind in ("rent", "school", "medical"):
        add(kind)
    assert count() == before


def test_a_need_is_recorded_through_htmx_and_the_section_comes_back(support, client_for):
    client = client_for(support.partner_a)
    response = client.post(
        reverse("support:need_add", args=[support.household_a.public_code]),
        {
            "kind": "rent",
            "urgency": "high",
            "recurrence": "monthly",
            "amount": "١٥٠٠",
            "currency": "SAR",
            "items": "",
            "assessed_on": datetime.date.today().isoformat(),
            "description": "Three months behind.",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="needs"' in response.content.decode()
    assert "<html" not in response.content.decode()
    # The package form's list of needs comes along, out of band.
    assert 'id="packages" hx-swap-oob="true"' in response.content.decode()
    need = HouseholdNeed.objects.get()
    assert str(need.amount) == "1500.000"


def test_a_bad_need_comes_back_with_its_errors_and_nothing_is_written(support, client_for):
    response = client_for(support.partner_a).post(
        reverse("support:need_add", args=[support.household_a.public_code]),
        {
            "kind": "rent",
            "urgency": "high",
            "recurrence": "monthly",
            "amount": "12.345",
            "currency": "SAR",
            "assessed_on": datetime.date.today().isoformat(),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert HouseholdNeed.objects.count() == 0


def test_an_association_gives_a_package_on_the_household_page(support, client_for):
    need = services.record_need(household=support.household_a, by=support.partner_a, kind="rent", items="rent")
    response = client_for(support.partner_a).post(
        reverse("support:package_add", args=[support.household_a.public_code]),
        {
            "given_as": "cash",
            "amount": "800",
            "currency": "SAR",
            "recurrence": "monthly",
            "starts_on": datetime.date.today().isoformat(),
            "agreement": support.agreement.pk,
            "needs": [need.pk],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    package = SupportPackage.objects.get()
    assert package.association == support.association_a
    assert package.budget == support.budget
    assert list(package.needs.all()) == [need]


def test_an_association_records_a_disbursement_on_the_household_page(support, client_for):
    package = services.create_package(
        household=support.household_a,
        by=support.partner_a,
        form="cash",
        amount="800",
        currency="SAR",
        recurrence="monthly",
        agreement=support.agreement,
    )
    response = client_for(support.partner_a).post(
        reverse("support:disbursement_add", args=[package.uuid]),
        {"disbursed_on": datetime.date.today().isoformat(), "amount": "", "reference": "TR-9"},
    )
    assert response.status_code == 302
    disbursement = Disbursement.objects.get()
    assert disbursement.status == Disbursement.Status.AWAITING_APPROVAL


def test_the_administrator_approves_a_disbursement(support, client_for):
    package = services.create_package(
        household=support.household_a,
        by=support.partner_a,
        form="cash",
        amount="800",
        currency="SAR",
        recurrence="monthly",
        agreement=support.agreement,
    )
    pending = services.record_disbursement(package=SupportPackage.objects.get(pk=package.pk), by=support.partner_a)
    client = client_for(support.world.admin_sa)
    assert pending.household.public_code in client.get(reverse("support:approvals")).content.decode()
    client.post(reverse("support:disbursement_approve", args=[pending.uuid]))
    pending.refresh_from_db()
    assert pending.status == Disbursement.Status.DISBURSED
    assert client_for(support.partner_a).get(reverse("support:approvals")).status_code == 404


def test_the_person_page_offers_staff_to_register_the_family(support, client_for):
    client = client_for(support.world.staff_a)
    person = support.household_b.person
    page = client.get(reverse("people:detail", args=[person.public_code]))
    assert reverse("support:register_person", args=[person.public_code]) in page.content.decode()
    client.post(reverse("support:register_person", args=[person.public_code]), {"note": "Mother ill."})
    request = SupportRequest.objects.get(household=support.household_b)
    assert request.association == support.association_b
    assert request.message == "Mother ill."


def test_a_partner_cannot_register_a_family(support, client_for):
    person = support.household_a.person
    response = client_for(support.partner_a).post(reverse("support:register_person", args=[person.public_code]))
    assert response.status_code == 404


def test_the_administrator_adds_coverage_and_partners_only_read_it(support, client_for):
    client = client_for(support.world.admin_sa)
    client.post(reverse("support:coverage"), {"association": support.association_a.pk, "region": support.riyadh.pk})
    assert support.association_a.support_coverage.count() == 2
    partner = client_for(support.partner_a)
    assert partner.get(reverse("support:coverage")).status_code == 200
    assert partner.post(reverse("support:coverage"), {}).status_code == 404


def test_the_agreement_page_counts_the_families_supported(support, client_for):
    package = services.create_package(
        household=support.household_a,
        by=support.world.admin_sa,
        association=support.association_a,
        form="cash",
        amount="800",
        currency="SAR",
        recurrence="monthly",
        agreement=support.agreement,
    )
    services.record_disbursement(package=package, by=support.world.admin_sa)
    page = client_for(support.world.admin_sa).get(reverse("agreements:detail", args=[support.agreement.pk]))
    assert 'id="family-support"' in page.content.decode()


@pytest.mark.parametrize("name", ["support:index", "support:requests", "support:households", "support:coverage"])
def test_lists_are_404_for_donors(support, client_for, name):
    assert client_for(support.world.donor).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", ["support:index", "support:requests", "support:households"])
def test_lists_open_for_the_association(support, client_for, name):
    response = client_for(support.partner_a).get(reverse(name))
    assert response.status_code == 200


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_household_list_keeps_its_queries_whatever_its_length(support, client_for):
    from karama.support.tests.conftest import accept

    client = client_for(support.world.admin_sa)
    url = reverse("support:households")
    before = _queries(client, url)
    for _number in range(4):
        household = make_household(support.world, region=support.qassim, consent_to=support.association_a)
        accept(household, support.association_a, support.world.admin_sa)
        services.record_need(household=household, by=support.world.admin_sa, kind="food", items="basket")
    assert _queries(client, url) == before


def test_the_request_list_keeps_its_queries_whatever_its_length(support, client_for):
    client = client_for(support.partner_a)
    url = reverse("support:requests")
    services.submit_public_request(
        region=support.qassim,
        contact_name="أم علي",
        contact_relation="spouse",
        contact_phone="0501234567",
        prisoner_name="علي",
    )
    before = _queries(client, url)
    for _number in range(4):
        services.submit_public_request(
            region=support.qassim,
            contact_name="أم علي",
            contact_relation="spouse",
            contact_phone="0501234567",
            prisoner_name="علي",
        )
    assert _queries(client, url) == before


def test_the_person_page_section_costs_the_same_whether_or_not_the_household_names_an_association(support):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from karama.support.sections import person_section

    named = make_household(support.world, region=support.qassim, association=support.association_a)
    unnamed = make_household(support.world, region=support.qassim)
    counts = []
    for household in (named, unnamed):
        with CaptureQueriesContext(connection) as captured:
            person_section(support.world.staff_a, household.person)
        counts.append(len(captured))
    assert counts[0] == counts[1]
