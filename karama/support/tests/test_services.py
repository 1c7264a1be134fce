"""Family support's business rules, through the services as every page and endpoint uses them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from karama.agreements import services as agreement_services
from karama.agreements.models import BudgetMovement
from karama.agreements.progress import delivered_quantities
from karama.core.crypto import lookup_hash
from karama.people.models import Consent, Household
from karama.people.tests.factories import make_person
from karama.support import services
from karama.support.models import Disbursement, HouseholdNeed, SupportPackage, SupportRequest
from karama.support.selectors import households_visible_to
from karama.support.tests.conftest import accept
from karama.support.tests.factories import make_association, make_household

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def _public(support, **fields):
    data = {
        "region": support.qassim,
        "contact_name": "أم خالد",
        "contact_relation": "spouse",
        "contact_phone": "0501234567",
        "prisoner_name": "خالد الشمري",
        "prisoner_national_id": "",
        "household_size": 5,
        "children": 3,
        "needs": ["rent", "school"],
        "message": "",
        "language": "ar",
    }
    return services.submit_public_request(**{**data, **fields})


# The public form and routing -----------------------------------------------------------------------------


def test_a_family_request_goes_to_the_association_covering_its_region(support):
    request = _public(support)
    assert request.association == support.association_a
    assert request.administration == support.world.sa
    assert request.status == SupportRequest.Status.RECEIVED


def test_a_region_covered_twice_routes_to_the_association_with_fewer_open_requests(support):
    services.add_coverage(by=support.world.admin_sa, association=support.association_b, region=support.qassim)
    first = _public(support)
    second = _public(support)
    assert {first.association, second.association} == {support.association_a, support.association_b}


def test_a_region_nobody_covers_goes_to_the_administration_unrouted(support):
    yesterday = TODAY - datetime.timedelta(days=1)
    type(support.coverage_a).objects.filter(pk=support.coverage_a.pk).update(
        starts_on=TODAY - datetime.timedelta(days=10), ends_on=yesterday
    )
    request = _public(support)
    assert request.association is None
    assert request.administration == support.world.sa


def test_the_family_phone_and_the_prisoner_id_are_stored_only_encrypted(support):
    request = _public(support, contact_phone="050 123 4567", prisoner_national_id="1098765432")
    assert "4567" not in request.contact_phone_encrypted
    assert "1098765432" not in request.prisoner_national_id_encrypted
    assert request.prisoner_national_id_hash == lookup_hash("1098765432")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact_phone", "call me"),
        ("contact_name", " "),
        ("prisoner_name", ""),
        ("contact_relation", "cousin"),
        ("needs", ["jewellery"]),
        ("children", 5),
        ("prisoner_national_id", "12"),
    ],
)
def test_a_bad_public_request_is_refused_and_nothing_is_written(support, field, value):
    with pytest.raises(ValidationError) as error:
        _public(support, **{field: value})
    assert field in error.value.message_dict
    assert SupportRequest.objects.filter(channel="public_form").count() == 0


def test_a_region_of_a_country_without_administration_is_refused(support):
    from karama.support.tests.factories import make_region

    with pytest.raises(ValidationError):
        _public(support, region=make_region("fr-idf", "FR"))


# The face-to-face check and the link to the record ----------------------------------------------------------


def test_the_check_links_at_once_a_household_the_association_already_covers(support):
    person = support.household_a.person
    request = _public(support, prisoner_national_id=_clear_id(person))
    SupportRequest.objects.filter(pk=support.request_a.pk).update(status="rejected", rejection_reason="other")
    checked = services.record_check(request=request, by=support.partner_a, checked_on=TODAY, confirmed=True)
    assert checked.status == SupportRequest.Status.ACCEPTED
    assert checked.household == support.household_a


def _clear_id(person) -> str:
    from karama.core.crypto import decrypt

    return decrypt(person.national_id_encrypted)


def test_a_checked_request_of_an_unknown_household_waits_for_the_administration(support):
    request = _public(support, prisoner_national_id="5550001111")
    checked = services.record_check(request=request, by=support.partner_a, checked_on=TODAY, confirmed=True)
    assert checked.status == SupportRequest.Status.AWAITING_LINK
    assert checked.household is None


def test_another_association_cannot_record_the_check(support):
    request = _public(support)
    with pytest.raises(PermissionDenied):
        services.record_check(request=request, by=support.partner_b, checked_on=TODAY, confirmed=True)


def test_a_check_in_the_future_is_refused(support):
    request = _public(support)
    with pytest.raises(ValidationError):
        services.record_check(
            request=request, by=support.partner_a, checked_on=TODAY + datetime.timedelta(days=1), confirmed=True
        )
    request.refresh_from_db()
    assert request.checked_on is None


def test_a_check_that_does_not_confirm_rejects_with_its_reason(support):
    request = _public(support)
    with pytest.raises(ValidationError):
        services.record_check(request=request, by=support.partner_a, checked_on=TODAY, confirmed=False)
    rejected = services.record_check(
        request=request, by=support.partner_a, checked_on=TODAY, confirmed=False, rejection_reason="unreachable"
    )
    assert rejected.status == SupportRequest.Status.REJECTED
    with pytest.raises(ValidationError):
        services.record_check(request=rejected, by=support.partner_a, checked_on=TODAY, confirmed=True)


def test_staff_link_a_checked_request_creating_the_household_and_the_consent(support):
    world = support.world
    person = make_person(by=world.admin_sa, facility=world.facility_a, national_id="7770001111")
    request = _public(support, prisoner_national_id="777-000-1111", contact_phone="0509998888")
    services.record_check(request=request, by=support.partner_a, checked_on=TODAY, confirmed=True)
    linked = services.link_request(request=request, by=world.staff_a, person=person, record_consent=True)
    assert linked.status == SupportRequest.Status.ACCEPTED
    household = Household.objects.get(person=person)
    assert household.region == support.qassim
    assert household.supporting_association == support.association_a
    assert household.contact_name == "أم خالد"
    assert Consent.objects.filter(person=person, organization=support.association_a, purpose="family_support").exists()
    assert households_visible_to(support.partner_a).filter(pk=household.pk).exists()


def test_staff_of_another_facility_cannot_link_to_a_person_they_do_not_manage(support):
    world = support.world
    person = make_person(by=world.admin_sa, facility=world.facility_a)
    request = _public(support)
    with pytest.raises(PermissionDenied):
        services.link_request(request=request, by=world.staff_b, person=person)
    with pytest.raises(PermissionDenied):
        services.link_request(request=request, by=support.partner_a, person=person)


def test_a_household_already_supported_cannot_be_accepted_twice(support):
    request = _public(support)
    services.record_check(request=request, by=support.partner_a, checked_on=TODAY, confirmed=True)
    with pytest.raises(ValidationError):
        services.link_request(request=request, by=support.world.admin_sa, person=support.household_a.person)
    request.refresh_from_db()
    assert request.household is None


def test_staff_register_a_household_once_and_it_is_routed_by_its_region(support):
    request = services.register_for_support(person=support.household_b.person, by=support.world.staff_a)
    assert request.association == support.association_b
    assert request.household == support.household_b
    with pytest.raises(ValidationError):
        services.register_for_support(person=support.household_b.person, by=support.world.staff_a)


def test_a_household_without_a_region_cannot_be_registered(support):
    household = make_household(support.world, region=None)
    with pytest.raises(ValidationError):
        services.register_for_support(person=household.person, by=support.world.admin_sa)


def test_an_administrator_sends_an_unchecked_request_to_another_association(support):
    request = _public(support)
    moved = services.assign_request(request=request, by=support.world.admin_sa, association=support.association_b)
    assert moved.association == support.association_b
    with pytest.raises(PermissionDenied):
        services.assign_request(request=request, by=support.partner_b, association=support.association_a)


# Needs ----------------------------------------------------------------------------------------------------


def test_no_need_is_accepted_before_the_face_to_face_check(support):
    services.register_for_support(person=support.household_b.person, by=support.world.admin_sa)
    with pytest.raises(ValidationError):
        services.record_need(
            household=support.household_b, by=support.partner_b, kind="rent", amount="1500", currency="SAR"
        )
    assert HouseholdNeed.objects.count() == 0


def test_the_covering_association_records_a_need_with_its_organization(support):
    need = services.record_need(
        household=support.household_a,
        by=support.partner_a,
        kind="rent",
        amount="1500.00",
        currency="SAR",
        recurrence="monthly",
        urgency="high",
    )
    assert need.amount == Decimal("1500.00")
    assert need.assessing_organization == support.association_a
    assert need.covering_association == support.association_a
    assert need.administration == support.world.sa


def test_facility_staff_record_a_need_in_kind(support):
    need = services.record_need(
        household=support.household_a, by=support.world.staff_a, kind="school", items="2 school bags, uniforms"
    )
    assert need.amount is None
    assert need.assessing_organization == support.world.sa


def test_an_association_cannot_record_needs_of_a_household_it_does_not_cover(support):
    with pytest.raises(PermissionDenied):
        services.record_need(household=support.household_a, by=support.partner_b, kind="food", items="food basket")


@pytest.mark.parametrize(
    ("amount", "currency", "items"),
    [(None, "", ""), ("12.345", "SAR", ""), ("100", "XXQ", ""), (1.5, "SAR", ""), ("-5", "SAR", "")],
)
def test_a_need_needs_an_exact_amount_or_items(support, amount, currency, items):
    with pytest.raises(ValidationError):
        services.record_need(
            household=support.household_a,
            by=support.partner_a,
            kind="food",
            amount=amount,
            currency=currency,
            items=items,
        )
    assert HouseholdNeed.objects.count() == 0


def test_evidence_is_a_pdf_or_a_jpeg(support):
    need = services.record_need(household=support.household_a, by=support.partner_a, kind="medical", items="insulin")
    pdf = SimpleUploadedFile("contract.pdf", b"%PDF-1.4 rent contract", content_type="application/pdf")
    jpeg = SimpleUploadedFile("bill.jpg", b"\xff\xd8\xff\xe0 photo", content_type="image/jpeg")
    assert services.attach_evidence(need=need, by=support.partner_a, uploaded=pdf).content_type == "application/pdf"
    assert services.attach_evidence(need=need, by=support.partner_a, uploaded=jpeg).content_type == "image/jpeg"
    png = SimpleUploadedFile("x.png", b"\x89PNG\r\n", content_type="image/png")
    with pytest.raises(ValidationError):
        services.attach_evidence(need=need, by=support.partner_a, uploaded=png)
    assert need.evidence.count() == 2


# Packages and disbursements -------------------------------------------------------------------------------------


def _cash_package(support, by=None, **fields):
    data = {
        "form": "cash",
        "amount": "1000.00",
        "currency": "SAR",
        "recurrence": "monthly",
        "agreement": support.agreement,
    }
    package = services.create_package(household=support.household_a, by=by or support.partner_a, **{**data, **fields})
    # As pages and the API find it: read back from the database, amounts with the column's three decimals.
    return SupportPackage.objects.get(pk=package.pk)


def test_a_cash_package_of_an_agreement_with_a_budget_draws_on_it(support):
    package = _cash_package(support)
    assert package.budget == support.budget
    assert package.association == support.association_a


def test_a_package_needs_an_active_agreement_the_association_is_party_to(support):
    other = make_association("sa-other-association", support.world.sa)
    agreement_services.add_party(agreement=support.world.mou_sa, by=support.world.admin_sa, organization=other)
    with pytest.raises(ValidationError) as error:
        _cash_package(support, agreement=support.world.mou_sa)
    assert "agreement" in error.value.message_dict
    assert SupportPackage.objects.count() == 0


def test_several_budgets_in_the_currency_must_be_chosen_between(support):
    agreement_services.add_budget(
        agreement=support.agreement, by=support.world.admin_sa, amount="500", currency="SAR", label="Ramadan"
    )
    with pytest.raises(ValidationError) as error:
        _cash_package(support)
    assert "budget" in error.value.message_dict
    assert _cash_package(support, budget=support.budget).budget == support.budget


def test_an_administrator_disbursing_cash_allocates_from_the_budget(support):
    package = _cash_package(support)
    disbursement = services.record_disbursement(package=package, by=support.world.admin_sa, reference="TR-1")
    movement = disbursement.budget_movement
    assert disbursement.status == Disbursement.Status.DISBURSED
    assert movement.kind == BudgetMovement.Kind.ALLOCATION
    assert movement.amount == Decimal("1000.00")
    assert movement.source == f"support:{disbursement.uuid}"
    assert support.budget.remaining == Decimal("9000.00")


def test_cash_is_never_drawn_past_the_remaining_budget_and_nothing_is_written(support):
    package = _cash_package(support, amount="6000.00")
    services.record_disbursement(package=package, by=support.world.admin_sa)
    with pytest.raises(ValidationError) as error:
        services.record_disbursement(package=package, by=support.world.admin_sa)
    assert "amount" in error.value.message_dict
    assert Disbursement.objects.count() == 1
    assert support.budget.remaining == Decimal("4000.00")


def test_an_association_disbursement_from_the_budget_waits_for_approval(support):
    package = _cash_package(support)
    pending = services.record_disbursement(package=package, by=support.partner_a)
    assert pending.status == Disbursement.Status.AWAITING_APPROVAL
    assert pending.budget_movement is None
    assert support.budget.remaining == Decimal("10000.00")
    with pytest.raises(PermissionDenied):
        services.approve_disbursement(disbursement=pending, by=support.partner_a)
    approved = services.approve_disbursement(disbursement=pending, by=support.world.admin_sa)
    assert approved.status == Disbursement.Status.DISBURSED
    assert approved.budget_movement.source == f"support:{pending.uuid}"
    assert support.budget.remaining == Decimal("9000.00")
    with pytest.raises(ValidationError):
        services.approve_disbursement(disbursement=approved, by=support.world.admin_sa)


def test_an_approval_past_the_remaining_budget_is_refused(support):
    package = _cash_package(support, amount="8000.00")
    pending = services.record_disbursement(package=package, by=support.partner_a)
    services.record_disbursement(package=package, by=support.world.admin_sa)
    with pytest.raises(ValidationError):
        services.approve_disbursement(disbursement=pending, by=support.world.admin_sa)
    pending.refresh_from_db()
    assert pending.status == Disbursement.Status.AWAITING_APPROVAL
    refused = services.refuse_disbursement(disbursement=pending, by=support.world.admin_sa, reason="Budget spent.")
    assert refused.status == Disbursement.Status.REFUSED


def test_an_association_disburses_in_kind_and_without_budget_at_once(support):
    package = services.create_package(
        household=support.household_a, by=support.partner_a, form="in_kind", items="Food basket", recurrence="monthly"
    )
    disbursement = services.record_disbursement(package=package, by=support.partner_a)
    assert disbursement.status == Disbursement.Status.DISBURSED
    assert disbursement.items == "Food basket"
    assert disbursement.budget_movement is None


def test_another_association_cannot_disburse_a_package(support):
    package = _cash_package(support)
    with pytest.raises(PermissionDenied):
        services.record_disbursement(package=package, by=support.partner_b)


def test_a_one_off_package_is_completed_and_its_needs_met_when_handed_over(support):
    need = services.record_need(household=support.household_a, by=support.partner_a, kind="utilities", items="bill")
    package = services.create_package(
        household=support.household_a, by=support.partner_a, form="in_kind", items="Electricity bill paid", needs=[need]
    )
    need.refresh_from_db()
    assert need.status == HouseholdNeed.Status.IN_PROGRESS
    services.record_disbursement(package=package, by=support.partner_a)
    package.refresh_from_db()
    need.refresh_from_db()
    assert package.status == SupportPackage.Status.COMPLETED
    assert need.status == HouseholdNeed.Status.MET
    with pytest.raises(ValidationError):
        services.record_disbursement(package=package, by=support.partner_a)


def test_a_disbursement_outside_the_package_period_is_refused(support):
    package = _cash_package(
        support, starts_on=TODAY - datetime.timedelta(days=30), ends_on=TODAY - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError):
        services.record_disbursement(package=package, by=support.world.admin_sa)


def test_families_supported_count_toward_families_commitments(support):
    commitment = agreement_services.add_commitment(
        agreement=support.agreement,
        by=support.world.admin_sa,
        description="Families supported",
        unit="families",
        target_quantity=100,
    )
    committed_b = agreement_services.add_commitment(
        agreement=support.agreement,
        by=support.world.admin_sa,
        description="Families supported in Riyadh",
        unit="families",
        party=support.agreement.parties.get(organization=support.association_b),
    )
    package = _cash_package(support)
    services.record_disbursement(package=package, by=support.world.admin_sa)
    services.record_disbursement(package=package, by=support.world.admin_sa)
    delivered = delivered_quantities([commitment.pk, committed_b.pk])
    assert delivered[commitment.pk] == 1
    assert delivered[committed_b.pk] == 0


def test_coverage_is_managed_by_the_administration_only(support):
    with pytest.raises(PermissionDenied):
        services.add_coverage(by=support.partner_a, association=support.association_a, region=support.riyadh)
    with pytest.raises(ValidationError):
        services.add_coverage(by=support.world.admin_sa, association=support.association_a, region=support.qassim)
    from karama.support.tests.factories import make_region

    with pytest.raises(ValidationError):
        services.add_coverage(
            by=support.world.admin_sa, association=support.association_a, region=make_region("jo-amman", "JO")
        )


def test_a_staff_registration_confirmed_by_the_check_is_accepted(support):
    assert support.request_a.status == SupportRequest.Status.ACCEPTED
    assert support.request_a.channel == SupportRequest.Channel.STAFF
    other = make_household(support.world, region=support.riyadh, consent_to=support.association_b)
    assert accept(other, support.association_b, support.world.admin_sa).household == other
