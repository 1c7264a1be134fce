"""Cases from opening to release: claims and the funding plan, eligibility, four eyes, gifts, overflow,
settlement and release, cancellation with refunds or reallocation; a refused change writes nothing."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from karama.giving import ledger, services
from karama.giving.models import Case, CaseStatus, Donation, Entry, FundingSource, GiftKind, Overflow, PriorityRule
from karama.giving.tests.factories import (
    D,
    give,
    make_campaign,
    make_debtor,
    open_debt_case,
    published_debt_case,
    ready_for_approval,
)
from karama.people.models import CustodyEpisode, ReleaseReason

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n% proof of payment\n"


def _proof():
    return ContentFile(PDF, name="transfer.pdf")


# Opening and the funding plan -------------------------------------------------------------------------------


def test_a_debt_case_asks_donors_only_what_the_funding_plan_leaves(world):
    case = open_debt_case(world, amount="40000.00")
    services.add_funding_source(by=world.staff_a, case=case, kind=FundingSource.Kind.FORGIVENESS, amount="10000")
    services.add_funding_source(by=world.staff_a, case=case, kind=FundingSource.Kind.FAMILY, amount="5000.50")
    case.refresh_from_db()
    assert case.target == D("24999.50")


def test_an_interest_free_loan_gets_its_monthly_schedule(world):
    case = open_debt_case(world, amount="12000.00")
    source = services.add_funding_source(
        by=world.staff_a,
        case=case,
        kind=FundingSource.Kind.LOAN,
        amount="1000.00",
        installments=3,
        first_due_on=datetime.date(2027, 1, 31),
    )
    installments = list(source.installments.all())
    assert [i.amount for i in installments] == [D("333.33"), D("333.33"), D("333.34")]
    assert [i.due_on for i in installments] == [
        datetime.date(2027, 1, 28),
        datetime.date(2027, 2, 28),
        datetime.date(2027, 3, 28),
    ]


def test_a_plan_that_covers_the_whole_debt_is_refused_and_writes_nothing(world):
    case = open_debt_case(world, amount="1000.00")
    with pytest.raises(ValidationError):
        services.add_funding_source(by=world.staff_a, case=case, kind=FundingSource.Kind.FORGIVENESS, amount="1000")
    assert not case.funding_sources.exists()
    case.refresh_from_db()
    assert case.target == D("1000.00")


def test_a_debt_case_starts_from_a_claim(world):
    with pytest.raises(ValidationError):
        services.open_case(by=world.staff_a, kind="debt_release", person=make_debtor(world), claims=[])
    assert not Case.objects.exists()


def test_staff_of_another_facility_cannot_open_a_case(world):
    with pytest.raises(PermissionDenied):
        open_debt_case(world, by=world.staff_b)
    assert not Case.objects.exists()


def test_facts_default_from_the_record_and_never_the_name(world):
    case = open_debt_case(world)
    assert case.sex == "male" and case.summary_role == "man" and case.summary_reason == "rent"


# Eligibility ----------------------------------------------------------------------------------------------------


def test_eligibility_records_each_rule_and_who_checked(world):
    case = open_debt_case(world, amount="600000.00")
    services.save_eligibility_policy(by=world.admin_sa, administration=world.sa, max_amount="500000")
    results = services.check_eligibility(by=world.staff_a, case=case, fraud_conviction=True, good_conduct=True)
    assert results["max_amount"]["passed"] is False
    assert results["no_fraud"]["passed"] is False
    assert results["financial_category"]["passed"] is True
    case.refresh_from_db()
    assert case.eligibility_checked_by == world.staff_a


def test_a_case_failing_a_rule_cannot_be_approved(world):
    case = open_debt_case(world)
    for claim in case.claims.all():
        services.verify_claim(by=world.staff_a, claim=claim)
    services.check_eligibility(by=world.staff_a, case=case, fraud_conviction=True, good_conduct=True)
    with pytest.raises(ValidationError):
        services.approve_case(by=world.admin_sa, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.approved_by is None


def test_a_released_person_is_not_eligible_again_within_the_years_set(world):
    case = published_debt_case(world, amount="100.00")
    give(amount="100.00", case=case)
    services.record_settlement(
        by=world.staff_a, case=case, payee_kind="court", payee="Court", reference="T1", paid_on=TODAY, proof=_proof()
    )
    services.record_release(by=world.staff_a, case=case, on=TODAY)
    from karama.people import services as people_services

    people_services.admit(
        person=case.person, by=world.staff_a, facility=world.facility_a, admitted_on=TODAY, case_category="financial"
    )
    again = open_debt_case(world, person=case.person)
    results = services.check_eligibility(by=world.staff_a, case=again, fraud_conviction=False, good_conduct=True)
    assert results["no_recent_release"]["passed"] is False


# Four eyes ------------------------------------------------------------------------------------------------------


def test_the_staff_member_who_opened_a_case_cannot_approve_it(world):
    case = ready_for_approval(world, open_debt_case(world, by=world.admin_sa), by=world.admin_sa)
    with pytest.raises(ValidationError):
        services.approve_case(by=world.admin_sa, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_the_database_refuses_an_approval_by_the_opener(world):
    case = open_debt_case(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(approved_by=case.opened_by)


def test_a_case_is_published_only_after_approval(world):
    case = ready_for_approval(world, open_debt_case(world))
    with pytest.raises(ValidationError):
        services.publish_case(by=world.staff_a, case=case)
    services.approve_case(by=world.admin_sa, case=case)
    published = services.publish_case(by=world.staff_a, case=case)
    assert published.status == CaseStatus.PUBLISHED and published.published_at


def test_an_approved_case_is_frozen_until_sent_back_to_draft(world):
    case = ready_for_approval(world, open_debt_case(world))
    services.approve_case(by=world.admin_sa, case=case)
    with pytest.raises(ValidationError):
        services.update_case_facts(by=world.staff_a, case=case, children=3, summary_role="father")
    services.reopen_case(by=world.staff_a, case=case)
    services.update_case_facts(by=world.staff_a, case=case, children=3, summary_role="father")
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.approved_by is None


# Gifts and overflow -----------------------------------------------------------------------------------------------


def test_a_gift_is_credited_to_the_case_and_the_case_is_funded_at_its_target(world):
    case = published_debt_case(world, amount="1000.00")
    give(amount="400.00", case=case)
    give(amount="600.00", case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.FUNDED
    assert ledger.raised_for_cases([case.pk])[case.pk] == D("1000.00")


def test_the_part_a_funded_case_cannot_take_goes_to_the_campaign_by_choice(world):
    campaign = make_campaign(world)
    case = published_debt_case(world, amount="1000.00", campaign=campaign)
    give(amount="900.00", case=case)
    give(amount="500.00", case=case, overflow=Overflow.CAMPAIGN)
    assert ledger.raised_for_cases([case.pk])[case.pk] == D("1000.00")
    pool = ledger.campaign_fund(campaign, zakat=False)
    assert ledger.fund_balances([pool])[pool.pk] == D("400.00")


def test_or_to_the_general_fund(world):
    campaign = make_campaign(world)
    case = published_debt_case(world, amount="1000.00", campaign=campaign)
    give(amount="900.00", case=case)
    give(amount="500.00", case=case, overflow=Overflow.GENERAL)
    general = ledger.general_fund(world.sa.pk, "SAR", zakat=False)
    assert ledger.fund_balances([general])[general.pk] == D("400.00")


def test_a_campaign_gift_fills_the_most_urgent_case_first(world):
    campaign = make_campaign(world)
    services.save_priority_rule(by=world.admin_sa, administration=world.sa, kind=PriorityRule.Kind.WOMEN, points=50)
    first = published_debt_case(world, amount="500.00", campaign=campaign)
    urgent = published_debt_case(world, amount="800.00", campaign=campaign, person=make_debtor(world, sex="female"))
    give(amount="1000.00", campaign=campaign)
    raised = ledger.raised_for_cases([first.pk, urgent.pk])
    assert raised[urgent.pk] == D("800.00") and raised[first.pk] == D("200.00")


def test_a_campaign_gift_can_be_shared_evenly(world):
    campaign = make_campaign(world, allocation_rule="evenly")
    cases = [
        published_debt_case(world, amount=amount, campaign=campaign) for amount in ("100.00", "1000.00", "1000.00")
    ]
    give(amount="900.01", campaign=campaign)
    raised = ledger.raised_for_cases(case.pk for case in cases)
    assert [raised[case.pk] for case in cases] == [D("100.00"), D("400.01"), D("400.00")]


def test_zakat_never_reaches_an_equipment_case(world):
    campaign = make_campaign(world)
    person = make_debtor(world)
    equipment = services.open_case(
        by=world.staff_a, kind="equipment", person=person, target="5000", summary_reason="catering", campaign=campaign
    )
    equipment = ready_for_approval(world, equipment)
    services.approve_case(by=world.admin_sa, case=equipment)
    services.publish_case(by=world.admin_sa, case=equipment)
    with pytest.raises(ValidationError):
        give(amount="10.00", case=equipment, gift_kind=GiftKind.ZAKAT)
    give(amount="300.00", campaign=campaign, gift_kind=GiftKind.ZAKAT)
    assert ledger.raised_for_cases([equipment.pk])[equipment.pk] == 0
    zakat_pool = ledger.campaign_fund(campaign, zakat=True)
    assert ledger.fund_balances([zakat_pool])[zakat_pool.pk] == D("300.00")


def test_zakat_is_kept_apart_in_the_case(world):
    case = published_debt_case(world, amount="1000.00")
    give(amount="300.00", case=case, gift_kind=GiftKind.ZAKAT)
    give(amount="200.00", case=case, gift_kind=GiftKind.SADAQA)
    money = ledger.case_money(case)
    assert money.raised == D("500.00") and money.held_zakat == D("300.00")


def test_a_fee_is_borne_by_the_administration_never_by_the_gift(world):
    case = published_debt_case(world, amount="1000.00")
    give(amount="200.00", case=case, fee="3.00")
    assert ledger.raised_for_cases([case.pk])[case.pk] == D("200.00")
    fee_entry = Entry.objects.get(kind=Entry.Kind.FEE)
    assert {line.account.kind for line in fee_entry.lines.all()} == {"fees", "clearing"}


def test_pooled_money_is_allocated_within_the_target(world):
    case = published_debt_case(world, amount="1000.00")
    give(amount="700.00", administration=world.sa)
    with pytest.raises(ValidationError):
        from karama.giving.donations import allocate_to_case

        allocate_to_case(by=world.admin_sa, case=case, source="general", amount="1200.00")
    from karama.giving.donations import allocate_to_case

    allocate_to_case(by=world.admin_sa, case=case, source="general", amount="700.00")
    assert ledger.raised_for_cases([case.pk])[case.pk] == D("700.00")
    with pytest.raises(ValidationError):
        allocate_to_case(by=world.admin_sa, case=case, source="general", amount="100.00")


# Settlement and release ------------------------------------------------------------------------------------------


def _funded(world, amount="1000.00") -> Case:
    case = published_debt_case(world, amount=amount)
    give(amount=amount, case=case, donor_email="giver@example.org", donor_name="Khalid")
    give(amount="1.00", campaign=None, administration=world.sa, donor_email="other@example.org")
    case.refresh_from_db()
    return case


def test_settlement_pays_out_all_the_case_holds_in_one_balanced_entry(world):
    case = _funded(world)
    settlement = services.record_settlement(
        by=world.staff_a,
        case=case,
        payee_kind="court",
        payee="Court deposit",
        reference="TRF-1",
        paid_on=TODAY,
        proof=_proof(),
    )
    assert settlement.amount == D("1000.00")
    money = ledger.case_money(case)
    assert money.held == 0 and money.paid_out == D("1000.00") and money.raised == D("1000.00")
    case.refresh_from_db()
    assert case.status == CaseStatus.SETTLED


def test_settlement_needs_a_proof_and_writes_nothing_without_it(world):
    case = _funded(world)
    with pytest.raises(ValidationError):
        services.record_settlement(
            by=world.staff_a, case=case, payee_kind="court", payee="Court", reference="T", paid_on=TODAY, proof=None
        )
    assert not Entry.objects.filter(kind=Entry.Kind.SETTLEMENT).exists()


def test_the_release_ends_custody_with_debt_settled_and_tells_donors_without_a_name(
    world, django_capture_on_commit_callbacks
):
    case = _funded(world)
    services.record_settlement(
        by=world.staff_a, case=case, payee_kind="court", payee="Court", reference="T", paid_on=TODAY, proof=_proof()
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_release(by=world.staff_a, case=case, on=TODAY)
    episode = CustodyEpisode.objects.get(person=case.person)
    assert episode.released_on == TODAY and episode.release_reason == ReleaseReason.DEBT_SETTLED
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert [message.to for message in mail.outbox] == [["giver@example.org"]]
    body = mail.outbox[0].body + mail.outbox[0].subject
    person = case.person
    for secret in (
        person.given_name,
        person.family_name,
        person.latin_family_name,
        person.public_code,
        world.facility_a.name,
    ):
        assert secret not in body
    assert case.public_code in body


def test_a_release_before_the_payment_is_refused(world):
    case = _funded(world)
    with pytest.raises(ValidationError):
        services.record_release(by=world.staff_a, case=case, on=TODAY)
    assert CustodyEpisode.objects.get(person=case.person).released_on is None


# Cancellation ---------------------------------------------------------------------------------------------------


def test_a_cancelled_case_refunds_its_donors(world):
    case = published_debt_case(world, amount="1000.00")
    gift = give(amount="300.00", case=case)
    services.cancel_case(
        by=world.staff_a, case=case, reason="The creditor forgave the whole debt.", disposition="refund"
    )
    assert ledger.case_money(case).held == 0
    gift.refresh_from_db()
    assert gift.status == Donation.Status.REFUNDED
    assert Entry.objects.filter(kind=Entry.Kind.REFUND, donation=gift).exists()


def test_or_moves_its_money_to_the_campaign_zakat_to_zakat(world):
    campaign = make_campaign(world)
    case = published_debt_case(world, amount="1000.00", campaign=campaign)
    give(amount="300.00", case=case, gift_kind=GiftKind.ZAKAT)
    give(amount="200.00", case=case)
    services.cancel_case(by=world.staff_a, case=case, reason="Released by pardon.", disposition="campaign")
    zakat, other = ledger.campaign_fund(campaign, zakat=True), ledger.campaign_fund(campaign, zakat=False)
    balances = ledger.fund_balances([zakat, other])
    assert balances[zakat.pk] == D("300.00") and balances[other.pk] == D("200.00")


def test_a_settled_case_cannot_be_cancelled(world):
    case = _funded(world)
    services.record_settlement(
        by=world.staff_a, case=case, payee_kind="court", payee="Court", reference="T", paid_on=TODAY, proof=_proof()
    )
    with pytest.raises(ValidationError):
        services.cancel_case(by=world.staff_a, case=case, reason="x")


# The ledger -------------------------------------------------------------------------------------------------------


def test_every_entry_balances_after_a_whole_lifecycle(world):
    campaign = make_campaign(world)
    cases = [published_debt_case(world, amount="500.00", campaign=campaign) for _ in range(3)]
    give(amount="700.00", campaign=campaign, fee="7.00")
    give(amount="250.00", case=cases[2], gift_kind=GiftKind.ZAKAT, fee="2.50")
    give(amount="90.00", administration=world.sa, gift_kind=GiftKind.ZAKAT)
    services.cancel_case(by=world.staff_a, case=cases[1], reason="Pardon.", disposition="refund")
    assert Entry.objects.count() > 5
    assert ledger.trial_balance() == {}
    for entry in Entry.objects.prefetch_related("lines"):
        lines = list(entry.lines.all())
        assert sum(line.debit for line in lines) == sum(line.credit for line in lines)


def test_an_unbalanced_entry_is_refused(world):
    account = ledger.clearing_account(world.sa.pk, "SAR")
    general = ledger.general_fund(world.sa.pk, "SAR", zakat=False)
    with pytest.raises(ValidationError):
        ledger.post(
            kind=Entry.Kind.DONATION,
            administration_id=world.sa.pk,
            currency="SAR",
            postings=[ledger.debit(account, D("10")), ledger.credit(general, D("9"))],
        )
    assert not Entry.objects.exists()


def test_zakat_cannot_pay_a_fee_or_move_into_other_money(world):
    zakat = ledger.general_fund(world.sa.pk, "SAR", zakat=True)
    general = ledger.general_fund(world.sa.pk, "SAR", zakat=False)
    fees = ledger.fees_account(world.sa.pk, "SAR")
    for postings, kind in (
        ([ledger.debit(fees, D("5")), ledger.credit(zakat, D("5"))], Entry.Kind.FEE),
        ([ledger.debit(zakat, D("5")), ledger.credit(general, D("5"))], Entry.Kind.REALLOCATION),
    ):
        with pytest.raises(ValidationError):
            ledger.post(kind=kind, administration_id=world.sa.pk, currency="SAR", postings=postings)


def test_share_evenly_never_passes_a_room_and_spends_what_it_can():
    from karama.giving.donations import share_evenly

    shares = share_evenly(D("10.00"), [(1, D("1.00")), (2, D("100")), (3, D("3.33"))], D("0.01"))
    assert shares == {1: D("1.00"), 2: D("5.67"), 3: D("3.33")}
    assert share_evenly(D("0.02"), [(1, D("5")), (2, D("5")), (3, D("5"))], D("0.01")) == {
        1: D("0.01"),
        2: D("0.01"),
        3: 0,
    }
