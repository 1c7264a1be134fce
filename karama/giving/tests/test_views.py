"""Pages: the portal for anyone in four languages, the staff pages scoped like the people (outsiders get 404),
four eyes and settlement through the forms, receipts, and query counts that do not grow with the data."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from karama.giving import donations
from karama.giving.models import CaseStatus, Donation
from karama.giving.tests.factories import (
    callback_body,
    give,
    make_campaign,
    open_debt_case,
    published_debt_case,
    ready_for_approval,
    signed_headers,
    start_gift,
)
from karama.people.models import CustodyEpisode

TODAY = timezone.localdate()


@pytest.mark.parametrize("language", ["ar", "fa", "fr", "en"])
def test_the_portal_is_open_to_anyone_in_four_languages(world, client, language):
    campaign = make_campaign(world)
    case = published_debt_case(world, campaign=campaign)
    for path in (
        "",
        "cases/",
        f"cases/{case.public_code}/",
        f"campaigns/{campaign.code}/",
        "give/",
        "transparency/",
        "priorities/",
    ):
        response = client.get(f"/{language}/giving/{path}")
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'lang="{language}"' in html
        assert ('dir="rtl"' in html) == (language in ("ar", "fa"))
        assert "style=" not in html and "<script>" not in html


def test_a_funded_case_takes_no_more_gifts_on_its_page(world, client):
    case = published_debt_case(world, amount="100.00")
    give(amount="100.00", case=case)
    html = client.get(f"/en/giving/cases/{case.public_code}/").content.decode()
    assert "Fully funded" in html and 'name="amount"' not in html


def test_the_public_case_list_costs_the_same_queries_for_many_cases(world, client, django_assert_max_num_queries):
    for _ in range(3):
        published_debt_case(world)
    with django_assert_max_num_queries(8):
        client.get("/en/giving/cases/")
    for _ in range(6):
        published_debt_case(world)
    with django_assert_max_num_queries(8):
        response = client.get("/en/giving/cases/")
    assert response.content.decode().count('class="card giving-case"') == 9


def test_a_case_cards_reasons_are_said_in_each_readers_language(world, client):
    """A page of cards says a few reasons each: they are composed once per language, never in another's."""
    from django.utils import translation

    from karama.giving.public import reason_label

    said = {}
    for language in ("en", "fr", "en", "ar"):
        with translation.override(language):
            said.setdefault(language, set()).add((reason_label("elderly", "60"), reason_label("women", None)))
    assert said["en"] == {("Aged 60 years or over", "A woman")}
    assert said["fr"] == {("60 ans ou plus", "Une femme")}
    assert len(said["ar"]) == 1 and said["ar"].isdisjoint(said["en"])


def test_filters_keep_only_matching_cases(world, client):
    from karama.giving import services

    man = published_debt_case(world)
    woman = ready_for_approval(world, open_debt_case(world))
    services.update_case_facts(by=world.staff_a, case=woman, sex="female", summary_role="woman")
    services.approve_case(by=world.admin_sa, case=woman)
    services.publish_case(by=world.admin_sa, case=woman)
    html = client.get("/en/giving/cases/", {"sex": "female"}).content.decode()
    assert woman.public_code in html and man.public_code not in html


# Staff pages ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("outsider", ["staff_b", "admin_ma", "partner_university", "donor", "researcher"])
def test_an_outsider_gets_404_on_a_case(world, client_for, outsider):
    case = open_debt_case(world)
    client = client_for(getattr(world, outsider))
    assert client.get(f"/en/giving/manage/cases/{case.public_code}/").status_code == 404
    assert (
        client.post(f"/en/giving/manage/cases/{case.public_code}/approve/", {"summary_reviewed": "on"}).status_code
        == 404
    )


def test_donors_and_researchers_see_no_staff_page(world, client_for):
    for user in (world.donor, world.researcher):
        client = client_for(user)
        for path in (
            "manage/",
            "manage/cases/",
            "manage/campaigns/",
            "manage/gifts/",
            "manage/ledger/",
            "manage/rules/",
        ):
            assert client.get(f"/en/giving/manage/{path.removeprefix('manage/')}").status_code == 404, path


def test_the_opener_sees_no_approve_form_and_cannot_approve_through_the_page(world, client_for):
    case = ready_for_approval(world, open_debt_case(world))
    client = client_for(world.staff_a)
    html = client.get(f"/en/giving/manage/cases/{case.public_code}/").content.decode()
    assert case.person.full_name in html and "Approve the case" not in html
    client.post(f"/en/giving/manage/cases/{case.public_code}/approve/", {"summary_reviewed": "on"})
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_a_second_staff_member_approves_and_publishes(world, client_for):
    case = ready_for_approval(world, open_debt_case(world))
    client = client_for(world.admin_sa)
    assert "Approve the case" in client.get(f"/en/giving/manage/cases/{case.public_code}/").content.decode()
    client.post(f"/en/giving/manage/cases/{case.public_code}/approve/", {"summary_reviewed": "on"})
    client.post(f"/en/giving/manage/cases/{case.public_code}/publish/")
    case.refresh_from_db()
    assert case.status == CaseStatus.PUBLISHED and case.approved_by == world.admin_sa


def test_htmx_edits_of_the_facts_return_the_section(world, client_for):
    case = open_debt_case(world)
    response = client_for(world.staff_a).post(
        f"/en/giving/manage/cases/{case.public_code}/facts/",
        {"summary_role": "father", "summary_reason": "medical", "children": "3", "household_size": "5", "sex": "male"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="facts">')
    assert "A father of 3 children, held for unpaid medical bills." in html


def test_staff_settle_and_record_the_release_through_the_pages(world, client_for):
    case = published_debt_case(world, amount="500.00")
    give(amount="500.00", case=case)
    client = client_for(world.staff_a)
    proof = SimpleUploadedFile("transfer.pdf", b"%PDF-1.4 transfer", content_type="application/pdf")
    client.post(
        f"/en/giving/manage/cases/{case.public_code}/settle/",
        {"payee_kind": "court", "payee": "Court", "reference": "TRF-9", "paid_on": TODAY.isoformat(), "proof": proof},
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SETTLED
    assert client.get(f"/en/giving/manage/cases/{case.public_code}/proof/").status_code == 200
    client.post(f"/en/giving/manage/cases/{case.public_code}/release/", {"on": TODAY.isoformat()})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert CustodyEpisode.objects.get(person=case.person).release_reason == "debt_settled"


def test_the_person_page_offers_to_open_a_case(world, client_for):
    case = open_debt_case(world)
    html = client_for(world.staff_a).get(f"/en/people/{case.person.public_code}/").content.decode()
    assert case.public_code in html and f"/en/giving/manage/people/{case.person.public_code}/open/" in html


def test_open_a_debt_case_from_the_form(world, client_for):
    person = open_debt_case(world).person
    response = client_for(world.staff_a).post(
        f"/en/giving/manage/people/{person.public_code}/open/",
        {
            "creditor_kind": "bank",
            "creditor_name": "Bank",
            "nature": "private_right",
            "amount": "٣٥٠٠٠",
            "court_reference": "ENF-1",
            "summary_reason": "personal_loan",
        },
    )
    assert response.status_code == 302
    assert person.giving_cases.count() == 2


def test_anonymous_donors_are_never_named_to_staff(world, client_for):
    case = published_debt_case(world)
    give(amount="10.00", case=case, anonymous=True, donor_name="Hidden Name", donor_email="hidden@example.org")
    give(amount="10.00", case=case, donor_name="Open Name")
    for path in ("manage/gifts/", f"manage/cases/{case.public_code}/"):
        html = client_for(world.admin_sa).get(f"/en/giving/{path}").content.decode()
        assert "Hidden Name" not in html and "hidden@example.org" not in html and "Open Name" in html


def test_the_case_page_costs_the_same_queries_with_more_gifts(world, client_for, django_assert_max_num_queries):
    case = published_debt_case(world, amount="100000.00")
    client = client_for(world.admin_sa)
    give(amount="1.00", case=case)
    with django_assert_max_num_queries(45) as first:
        client.get(f"/en/giving/manage/cases/{case.public_code}/")
    for _ in range(10):
        give(amount="1.00", case=case)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(f"/en/giving/manage/cases/{case.public_code}/")


# Gifts and receipts -------------------------------------------------------------------------------------------


def test_a_paid_gift_has_a_receipt_in_the_donors_language(world, client):
    case = published_debt_case(world)
    gift = give(amount="75.00", case=case, language="fa")
    response = client.get(f"/fa/giving/receipts/{gift.receipt_token}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "75" in client.get(f"/fa/giving/thanks/{gift.receipt_token}/").content.decode().replace("۷۵", "75")


def test_the_thank_you_page_reads_the_gift_alone_and_the_case_only_to_try_again(
    world, client, django_assert_num_queries
):
    """Every donor of a campaign lands on it, and polls it while the payment is pending."""
    case = published_debt_case(world)
    paid = give(amount="75.00", case=case)
    with django_assert_num_queries(1) as queries:
        assert "/giving/receipts/" in client.get(f"/en/giving/thanks/{paid.receipt_token}/").content.decode()
    assert " JOIN " not in queries.captured_queries[0]["sql"]
    declined = start_gift(amount="75.00", case=case)
    body = callback_body(declined, status="failed")
    assert donations.receive_callback(provider_code="sandbox", body=body, headers=signed_headers(body)) == "failed"
    html = client.get(f"/en/giving/thanks/{declined.receipt_token}/").content.decode()
    assert f"/en/giving/cases/{case.public_code}/" in html and "/giving/receipts/" not in html


def test_an_unpaid_gift_has_no_receipt(world, client):
    case = published_debt_case(world)
    gift = start_gift(amount="75.00", case=case)
    assert client.get(f"/en/giving/receipts/{gift.receipt_token}/").status_code == 404
    assert gift.status == Donation.Status.PENDING


def test_a_signed_in_donor_sees_their_own_gifts(world, client_for):
    case = published_debt_case(world)
    gift = give(amount="20.00", case=case, donor=world.donor)
    give(amount="30.00", case=case)
    html = client_for(world.donor).get("/en/giving/my-gifts/").content.decode()
    assert gift.code in html and html.count("<code>D-") == 1


def test_the_receipt_email_carries_the_pdf(world, mailoutbox, django_capture_on_commit_callbacks):
    case = published_debt_case(world)
    with django_capture_on_commit_callbacks(execute=True):
        give(amount="20.00", case=case, donor_email="giver@example.org", language="ar")
    assert mailoutbox[0].to == ["giver@example.org"]
    name, content, mimetype = mailoutbox[0].attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")


def test_the_staff_pages_render(world, client_for):
    campaign = make_campaign(world)
    published_debt_case(world, campaign=campaign)
    client = client_for(world.admin_sa)
    for path in (
        "manage/",
        "manage/cases/",
        "manage/campaigns/",
        f"manage/campaigns/{campaign.code}/",
        "manage/gifts/",
        "manage/ledger/",
        "manage/rules/",
        "manage/campaigns/new/",
    ):
        assert client.get(f"/ar/giving/{path}").status_code == 200, path


def test_a_donor_creates_an_account_and_keeps_an_earlier_gift(world, client):
    case = published_debt_case(world)
    gift = give(amount="15.00", case=case, anonymous=True)
    response = client.post(
        "/fr/giving/account/new/",
        {
            "username": "new-donor",
            "email": "",
            "password1": "a long pass phrase 9",
            "password2": "a long pass phrase 9",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/fr/giving/my-gifts/"
    client.post(f"/fr/giving/thanks/{gift.receipt_token}/keep/")
    gift.refresh_from_db()
    assert gift.donor.username == "new-donor" and gift.donor.role == "donor" and gift.anonymous
    assert gift.code in client.get("/fr/giving/my-gifts/").content.decode()
    assert client.get("/fr/people/").status_code == 404


def test_a_weak_password_creates_no_account(world, client):
    from karama.core.models import User

    response = client.post("/en/giving/account/new/", {"username": "x-donor", "password1": "123", "password2": "123"})
    assert response.status_code == 200 and not User.objects.filter(username="x-donor").exists()


def test_the_settlements_page_lists_payments_and_cases_to_pay(world, client_for):
    paid = published_debt_case(world, amount="100.00")
    give(amount="100.00", case=paid)
    from django.core.files.base import ContentFile

    from karama.giving import services

    services.record_settlement(
        by=world.staff_a,
        case=paid,
        payee_kind="court",
        payee="Court deposit",
        reference="TRF-77",
        paid_on=TODAY,
        proof=ContentFile(b"%PDF-1.4", name="p.pdf"),
    )
    waiting = published_debt_case(world, amount="50.00")
    give(amount="50.00", case=waiting)
    html = client_for(world.admin_sa).get("/en/giving/manage/settlements/").content.decode()
    assert "TRF-77" in html and waiting.public_code in html
    assert client_for(world.donor).get("/en/giving/manage/settlements/").status_code == 404


def test_one_address_cannot_open_charges_without_end(world, client, settings):
    from karama.giving import portal
    from karama.giving.models import SandboxCharge

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    case = published_debt_case(world)
    for _ in range(portal.GIFT_STARTS_PER_MINUTE + 3):
        client.post(
            f"/en/giving/cases/{case.public_code}/", {"amount": "5", "gift_kind": "sadaqa", "overflow": "campaign"}
        )
    assert SandboxCharge.objects.count() == portal.GIFT_STARTS_PER_MINUTE
