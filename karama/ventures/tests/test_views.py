"""The project pages: a plan taken through every form, errors shown with nothing written, the board and its
filters, the work list, the person's and the agreement's sections, and pinned query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from karama.ventures import services
from karama.ventures.models import Grant, KitItem, Stage, Venture
from karama.ventures.survival import add_months
from karama.ventures.tests import factories as f

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Receipts uploaded by these tests land in a temporary folder, not in var/media."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


def _url(venture, action: str = "") -> str:
    return f"/en/ventures/{venture.public_code}/{action}"


def _today() -> str:
    return str(timezone.localdate())


def test_a_plan_goes_from_draft_to_followed_up_through_the_pages(world, client_for):
    budget = f.budget(world)
    person = f.moroccan(world)
    client = client_for(world.admin_ma)
    response = client.post(
        f"/en/ventures/new/?person={person.public_code}",
        {
            "agreement": f.active_agreement(world).pk,
            "sector": "catering",
            "activity": "Snack",
            "region": f.region().pk,
            "currency": "MAD",
            "equipment_budget": "25 000,00".replace(" ", "").replace(",", "."),
            "working_capital": "",
            "expected_monthly_income": "٣٠٠٠",
            "prepared_on": _today(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    venture = Venture.objects.get(person=person)
    assert venture.current_version.expected_monthly_income == 3000
    assert client.post(_url(venture, "submit/")).status_code == 302
    client.post(
        _url(venture, "review/"),
        {"reviewed_on": _today(), "members": "Fondation\nINDH", "decision": "approved", "reasons": ""},
    )
    response = client.post(_url(venture, "grant/"), {"granted_on": _today(), f"budget_{budget.pk}": "25000.00"})
    assert response.status_code == 302
    client.post(_url(venture, "kit/items/"), {"name": "Friteuse", "quantity": "1", "unit_cost": "25000"})
    client.post(_url(venture, "kit/procurement/"), {"procurement": "delivered"})
    receipt = SimpleUploadedFile("recu.png", PNG, content_type="image/png")
    response = client.post(
        _url(venture, "handover/"),
        {"handed_over_on": _today(), "place": "Agadir", "handed_over_by": "Le wali", "receipt": receipt},
    )
    assert response.status_code == 302
    first = venture.follow_ups.get(month_mark=1)
    response = client.post(
        _url(venture, "follow-ups/"),
        {
            "follow_up": first.pk,
            "visited_on": _today(),
            "state": "operating",
            "income_band": "at_expected",
            "help_given": ["advice"],
        },
    )
    assert response.status_code == 302
    venture.refresh_from_db()
    assert venture.stage == Stage.FOLLOWED_UP
    download = client.get(_url(venture, "handover/receipt/"))
    assert download.status_code == 200 and download["Content-Type"] == "image/png"


def test_htmx_returns_the_project_fragment_with_its_message(world, client_for):
    venture = f.draft(world)
    response = client_for(world.partner_foundation).post(_url(venture, "submit/"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="venture">') and "<html" not in html
    assert "Record the committee" in html


def test_a_grant_past_the_budget_shows_the_reason_and_writes_nothing(world, client_for):
    budget = f.budget(world, amount="10000.00")
    venture = f.approved(world)
    response = client_for(world.admin_ma).post(
        _url(venture, "grant/"), {"granted_on": _today(), f"budget_{budget.pk}": "30000.00"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "remains in this budget" in html
    assert not Grant.objects.exists()


def test_a_bad_kit_item_keeps_the_input_and_writes_nothing(world, client_for):
    venture = f.funded(world, amount="1000.00", approved_amount="1000.00")
    response = client_for(world.partner_foundation).post(
        _url(venture, "kit/items/"), {"name": "Four", "quantity": "2", "unit_cost": "800"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "more than the" in html and 'value="Four"' in html
    assert not KitItem.objects.exists()


def test_a_receipt_that_is_not_a_photo_or_pdf_is_refused(world, client_for):
    venture = f.equipped(world)
    fake = SimpleUploadedFile("recu.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client_for(world.partner_foundation).post(
        _url(venture, "handover/"),
        {"handed_over_on": _today(), "place": "Agadir", "handed_over_by": "Le wali", "receipt": fake},
    )
    assert response.status_code == 200 and "JPEG or PNG" in response.content.decode()
    venture.refresh_from_db()
    assert venture.stage == Stage.EQUIPPED


def test_the_handover_form_warns_while_the_person_is_in_custody(world, client_for):
    venture = f.equipped(world, f.moroccan(world, released=False))
    html = client_for(world.partner_foundation).get(_url(venture)).content.decode()
    assert "still in custody" in html


def test_the_board_filters_by_sector_and_answers_htmx_with_the_board_only(world, client_for):
    crafts = f.draft(world)
    farm = f.draft(world, sector="agriculture", activity="Apiculture")
    client = client_for(world.partner_foundation)
    html = client.get("/en/ventures/").content.decode()
    assert crafts.current_version.activity in html and "Apiculture" in html
    response = client.get("/en/ventures/", {"sector": "agriculture"}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="board">')
    assert f"/ventures/{farm.public_code}/" in fragment and f"/ventures/{crafts.public_code}/" not in fragment


def test_the_board_filters_by_agreement_and_region(world, client_for):
    venture = f.draft(world)
    client = client_for(world.admin_ma)
    assert venture.public_code in client.get("/en/ventures/", {"agreement": venture.agreement_id}).content.decode()
    other = f.agreement_services.create_agreement(
        by=world.admin_ma,
        administration=world.ma,
        kind="partnership",
        reference="MA-2025-BM",
        names={"fr": "Convention Béni Mellal"},
        original_language="fr",
        domains=["income_projects"],
    )
    assert venture.public_code not in client.get("/en/ventures/", {"agreement": other.pk}).content.decode()
    assert venture.public_code in client.get("/en/ventures/", {"region": "ma-souss-massa"}).content.decode()


def test_the_work_list_shows_overdue_visits_but_not_those_made_up_for(world, client_for):
    long_ago = timezone.localdate() - datetime.timedelta(days=200)
    venture = f.handed_over(world, f.moroccan(world, released_on=long_ago - datetime.timedelta(days=5)), on=long_ago)
    services.record_follow_up(
        venture=venture,
        by=world.partner_foundation,
        follow_up=venture.follow_ups.get(month_mark=3),
        visited_on=add_months(long_ago, 3),
        state="operating",
        income_band="at_expected",
    )
    html = client_for(world.partner_foundation).get("/en/ventures/follow-ups/").content.decode()
    assert "At 6 months" in html  # due two weeks ago: overdue
    assert "At 1 month" not in html  # missed, but the 3-month visit made up for it
    assert "At 12 months" not in html  # not due for months


def test_the_person_page_shows_the_project_and_offers_a_plan_when_there_is_none(world, client_for):
    venture = f.funded(world)
    client = client_for(world.partner_foundation)
    html = client.get(f"/en/people/{venture.person.public_code}/").content.decode()
    assert venture.public_code in html and "Prepare a project plan" not in html  # one project at a time
    other = f.moroccan(world)
    html = client.get(f"/en/people/{other.public_code}/").content.decode()
    assert "Prepare a project plan" in html
    f.draft(world, other)
    html = client.get(f"/en/people/{other.public_code}/").content.decode()
    assert "Prepare a project plan" not in html


def test_the_agreement_page_shows_budget_use_and_beneficiaries_against_the_commitment(world, client_for):
    from karama.agreements import services as agreement_services

    agreement = f.active_agreement(world)
    agreement_services.add_commitment(
        agreement=agreement,
        by=world.admin_ma,
        description="21 anciens détenus équipés",
        target_quantity=21,
        unit="beneficiaries",
    )
    f.budget(world, amount="100000.00")
    f.handed_over(world)
    html = client_for(world.admin_ma).get(f"/en/agreements/{agreement.pk}/").content.decode()
    assert "1 of 21 beneficiaries" in html  # the section: funded against the commitment
    assert "1 of 21 beneficiaries" in html and "equipped and handed over" in html
    assert "70,000.00" in html  # remaining


def test_the_report_gives_sectors_money_and_survival(world, client_for):
    f.handed_over(world)
    agreement = f.active_agreement(world)
    html = client_for(world.partner_foundation).get(f"/en/ventures/agreements/{agreement.pk}/report/").content.decode()
    assert "Handicrafts" in html and "30,000.00" in html and "Survival at 12 months" in html


def test_a_revision_keeps_the_earlier_version_and_shows_both(world, client_for):
    venture = f.draft(world)
    client = client_for(world.partner_foundation)
    form = client.get(_url(venture, "revise/")).content.decode()
    assert 'value="30000.00"' in form  # amounts as exact text in the currency's minor units
    data = {
        **f.PLAN,
        "region": f.region().pk,
        "agreement": venture.agreement_id,
        "working_capital": "1000.00",
        "prepared_on": _today(),
        "change_note": "Fonds de roulement réduit",
    }
    assert client.post(_url(venture, "revise/"), data).status_code == 302
    html = client.get(_url(venture)).content.decode()
    assert "2 versions" in html and "Fonds de roulement réduit" in html


def test_query_counts_are_pinned(world, client_for, django_assert_num_queries):
    budget = f.budget(world)
    for _ in range(3):
        f.handed_over(world, the_budget=budget)
    venture = Venture.objects.first()
    client = client_for(world.partner_foundation)
    # Session, user, the filters' agreements and regions, the stage counts, the seven columns.
    with django_assert_num_queries(12):
        client.get("/en/ventures/")
    # Session, user, the project, access log, versions, reviews, grants and shares, kit and items, handover,
    # visits, sections, skills, the consent check; and, the Foundation implementing the agreement, the checks
    # that it may draw an extra grant and the budgets it may draw on.
    with django_assert_num_queries(22):
        client.get(_url(venture))
    with django_assert_num_queries(3):
        client.get("/en/ventures/follow-ups/")
    with django_assert_num_queries(4):
        client.get("/api/v1/ventures/")
    with django_assert_num_queries(12):
        client.get(f"/api/v1/ventures/{venture.public_code}")


def test_an_item_is_removed_and_an_extra_visit_planned_through_the_pages(world, client_for):
    venture = f.funded(world)
    client = client_for(world.partner_foundation)
    client.post(_url(venture, "kit/items/"), {"name": "Balance", "quantity": "1", "unit_cost": "1300"})
    item = KitItem.objects.get(kit__venture=venture)
    assert client.post(_url(venture, f"kit/items/{item.pk}/remove/")).status_code == 302
    assert not KitItem.objects.exists()

    handed = f.handed_over(world)
    due = str(timezone.localdate() + datetime.timedelta(days=10))
    assert client.post(_url(handed, "follow-ups/plan/"), {"due_on": due}).status_code == 302
    assert handed.follow_ups.filter(month_mark__isnull=True, visited_on__isnull=True).count() == 1
    assert "When needed" in client.get(_url(handed)).content.decode()


def test_a_receipt_is_stored_under_the_type_its_bytes_show_not_its_name(world, client_for):
    venture = f.equipped(world)
    disguised = SimpleUploadedFile("recu.html", PNG, content_type="text/html")
    client = client_for(world.partner_foundation)
    client.post(
        _url(venture, "handover/"),
        {"handed_over_on": _today(), "place": "Agadir", "handed_over_by": "Le wali", "receipt": disguised},
    )
    venture.refresh_from_db()
    assert venture.handover.receipt.name.endswith(".png")
    assert client.get(_url(venture, "handover/receipt/"))["Content-Type"] == "image/png"


def test_the_person_section_costs_the_same_queries_whatever_the_persons_status(world, django_assert_num_queries):
    from karama.people import services as people_services
    from karama.ventures.sections import person_section

    open_case, closed_case = f.moroccan(world), f.moroccan(world)
    people_services.close_case(person=closed_case, by=world.admin_ma, on=f.days_ago(1))
    for person in (open_case, closed_case):
        # The person's projects, and whether a project is under way (an administrator needs no consent check).
        with django_assert_num_queries(2):
            person_section(world.admin_ma, person)
