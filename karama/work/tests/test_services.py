"""Work services: jobs never past a position's places, pay runs exact to the unit, bad input writes
nothing, proposals become agreements and workshops, hires need consent and schedule retention checks."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from karama.agreements.models import Agreement, Commitment
from karama.agreements.progress import delivered_quantities
from karama.people import services as people_services
from karama.people.tests.factories import make_person
from karama.work import services
from karama.work.models import (
    Application,
    InvestmentProposal,
    Job,
    Opening,
    PayLine,
    PayRun,
    RetentionCheck,
    WageSplit,
    Workshop,
)
from karama.work.selectors import earnings_of
from karama.work.tests.factories import (
    LAST_MONTH_END,
    LAST_MONTH_START,
    TODAY,
    consent_employment,
    make_opening,
    make_worker,
    make_workshop,
)

D = Decimal


# Workshops and jobs -----------------------------------------------------------------------------------


def test_a_position_never_holds_more_jobs_than_places(world):
    workshop = make_workshop(world)
    for _ in range(3):
        make_worker(world, workshop)
    person = make_person(by=world.staff_a, facility=world.facility_a)
    with pytest.raises(ValidationError):
        services.assign_job(
            by=world.staff_a, person=person, position=workshop.welder, pay_band=workshop.hourly, starts_on=TODAY
        )
    assert workshop.jobs.count() == 3


def test_a_person_holds_one_job_at_a_time_and_only_in_their_facility(world):
    workshop = make_workshop(world)
    person, _job = make_worker(world, workshop)
    with pytest.raises(ValidationError):
        services.assign_job(
            by=world.admin_sa, person=person, position=workshop.welder, pay_band=workshop.piece, starts_on=TODAY
        )
    elsewhere = make_person(by=world.staff_b, facility=world.facility_b)
    with pytest.raises(ValidationError):
        services.assign_job(
            by=world.admin_sa, person=elsewhere, position=workshop.welder, pay_band=workshop.hourly, starts_on=TODAY
        )
    assert Job.objects.count() == 1


def test_staff_of_another_facility_cannot_give_jobs_here(world):
    workshop = make_workshop(world)
    person = make_person(by=world.staff_a, facility=world.facility_a)
    with pytest.raises(PermissionDenied):
        services.assign_job(
            by=world.staff_b, person=person, position=workshop.welder, pay_band=workshop.hourly, starts_on=TODAY
        )


def test_a_wage_split_must_make_a_hundred_percent_and_writes_nothing_otherwise(world):
    workshop = make_workshop(world, split=None)
    with pytest.raises(ValidationError):
        services.agree_wage_split(
            workshop=workshop,
            by=world.admin_sa,
            effective_from=TODAY,
            family_percent="50",
            savings_percent="30",
            kept_percent="30",
        )
    with pytest.raises(ValidationError):
        services.agree_wage_split(
            workshop=workshop,
            by=world.admin_sa,
            effective_from=TODAY,
            family_percent=50.0,
            savings_percent="30",
            kept_percent="20",
        )
    assert not WageSplit.objects.exists()


def test_a_negative_rate_is_refused(world):
    workshop = make_workshop(world)
    with pytest.raises(ValidationError):
        services.add_pay_band(workshop=workshop, by=world.admin_sa, name="Bad", basis="hourly", rate="-5")
    assert workshop.pay_bands.count() == 3


# Pay runs -------------------------------------------------------------------------------------------------


def _run(world, workshop, quantities, by=None, start=LAST_MONTH_START, end=LAST_MONTH_END):
    return services.run_payroll(
        by=by or world.staff_a, workshop=workshop, period_start=start, period_end=end, quantities=quantities
    )


def test_a_pay_run_computes_each_gross_and_a_split_that_adds_up(world):
    workshop = make_workshop(world)
    _a, hourly = make_worker(world, workshop)
    _b, piece = make_worker(world, workshop, band=workshop.piece)
    _c, daily = make_worker(world, workshop, band=workshop.daily)
    pay_run = _run(world, workshop, {hourly.code: "37.5", piece.code: "401", daily.code: "20"})
    lines = {line.job_id: line for line in pay_run.lines.all()}
    assert lines[hourly.pk].gross == D("468.75")
    assert lines[piece.pk].gross == D("300.75")
    assert lines[daily.pk].gross == D("800.00")
    line = lines[piece.pk]
    # 300.75 at 40/30/30 is 120.30, 90.225, 90.225: the half cent goes to savings (tie: savings before kept).
    assert (line.family_amount, line.savings_amount, line.kept_amount) == (D("120.30"), D("90.23"), D("90.22"))
    for line in lines.values():
        assert line.family_amount + line.savings_amount + line.kept_amount == line.gross
    assert (pay_run.family_percent, pay_run.savings_percent, pay_run.kept_percent) == (40, 30, 30)


@pytest.mark.parametrize("quantity", ["-1", "abc", "10000"])
def test_negative_or_impossible_pay_writes_nothing(world, quantity):
    workshop = make_workshop(world)
    _a, good = make_worker(world, workshop)
    _b, bad = make_worker(world, workshop)
    with pytest.raises(ValidationError):
        _run(world, workshop, {good.code: "10", bad.code: quantity})
    assert not PayRun.objects.exists() and not PayLine.objects.exists()


def test_a_float_quantity_is_refused(world):
    workshop = make_workshop(world)
    _a, job = make_worker(world, workshop)
    with pytest.raises(ValidationError):
        _run(world, workshop, {job.code: 10.5})
    assert not PayRun.objects.exists()


def test_periods_never_overlap_and_need_an_agreed_split(world):
    workshop = make_workshop(world)
    _a, job = make_worker(world, workshop)
    _run(world, workshop, {job.code: "10"})
    with pytest.raises(ValidationError):
        _run(world, workshop, {job.code: "10"}, start=LAST_MONTH_END, end=LAST_MONTH_END)
    unsplit = make_workshop(world, split=None)
    _b, other = make_worker(world, unsplit)
    with pytest.raises(ValidationError):
        _run(world, unsplit, {other.code: "10"})
    assert PayRun.objects.count() == 1


def test_a_later_split_never_rewrites_a_past_run(world):
    workshop = make_workshop(world)
    _a, job = make_worker(world, workshop)
    pay_run = _run(world, workshop, {job.code: "10"})
    with pytest.raises(ValidationError):
        services.agree_wage_split(
            workshop=workshop,
            by=world.admin_sa,
            effective_from=LAST_MONTH_END,
            family_percent="50",
            savings_percent="50",
            kept_percent="0",
        )
    services.agree_wage_split(
        workshop=workshop,
        by=world.admin_sa,
        effective_from=TODAY + datetime.timedelta(days=1),
        family_percent="50",
        savings_percent="50",
        kept_percent="0",
    )
    pay_run.refresh_from_db()
    assert pay_run.family_percent == 40


def test_what_reached_the_family_counts_once_paid_and_savings_are_paid_out_once_at_release(world):
    workshop = make_workshop(world)
    person, job = make_worker(world, workshop)
    pay_run = _run(world, workshop, {job.code: "100"})
    assert earnings_of(person) == []
    with pytest.raises(ValidationError):
        services.record_pay_run_paid(by=world.admin_sa, pay_run=pay_run, paid_on=TODAY)
    with pytest.raises(PermissionDenied):
        services.approve_pay_run(by=world.staff_a, pay_run=pay_run)
    services.approve_pay_run(by=world.admin_sa, pay_run=pay_run)
    services.record_pay_run_paid(by=world.admin_sa, pay_run=pay_run, paid_on=TODAY)
    [earned] = earnings_of(person)
    assert (earned.gross, earned.family, earned.saved, earned.kept) == (D("1250"), D("500"), D("375"), D("375"))
    with pytest.raises(ValidationError):
        services.pay_out_savings(by=world.staff_a, person=person, paid_on=TODAY)
    people_services.release(person=person, by=world.staff_a, on=TODAY, reason="end_of_sentence")
    person.refresh_from_db()
    [payout] = services.pay_out_savings(by=world.staff_a, person=person, paid_on=TODAY)
    assert payout.amount == D("375.000")
    assert earnings_of(person)[0].savings_balance == 0
    with pytest.raises(ValidationError):
        services.pay_out_savings(by=world.staff_a, person=person, paid_on=TODAY)


def test_only_a_draft_is_discarded(world):
    workshop = make_workshop(world)
    _a, job = make_worker(world, workshop)
    pay_run = _run(world, workshop, {job.code: "10"})
    services.approve_pay_run(by=world.admin_sa, pay_run=pay_run)
    with pytest.raises(ValidationError):
        services.discard_pay_run(by=world.staff_a, pay_run=pay_run)
    assert PayRun.objects.filter(pk=pay_run.pk).exists()


# Capacity and investment proposals ----------------------------------------------------------------------


def _proposal(world, by, **fields):
    values = {
        "facility": world.facility_a,
        "proposer": world.outsider_org,
        "title": "مصنع خياطة",
        "occupation": "75",
        "workshop_kind": "sewing",
        "places": 20,
        "investment": "250000",
        "currency": "SAR",
        "family_percent": "40",
        "savings_percent": "30",
        "kept_percent": "30",
        "language": "ar",
    }
    values.update(fields)
    return services.submit_investment_proposal(by=by, **values)


def test_an_entrepreneur_proposes_only_for_their_own_organization(world):
    _proposal(world, world.partner_outsider)
    with pytest.raises(PermissionDenied):
        _proposal(world, world.partner_outsider, proposer=world.university)
    with pytest.raises(PermissionDenied):
        _proposal(world, world.partner_outsider, facility=world.facility_ma)
    assert InvestmentProposal.objects.count() == 1


def test_an_accepted_proposal_becomes_an_agreement_and_a_workshop(world):
    proposal = _proposal(world, world.partner_outsider)
    services.start_proposal_review(by=world.admin_sa, proposal=proposal)
    proposal = services.accept_investment_proposal(by=world.admin_sa, proposal=proposal, reference="SA-INV-1")
    agreement = proposal.agreement
    assert agreement.status == Agreement.Status.ACTIVE
    assert set(agreement.parties.values_list("organization__code", flat=True)) == {"sa-prisons", "some-company"}
    assert agreement.budgets.get().amount == D("250000")
    commitment = agreement.commitments.get()
    assert (commitment.unit, commitment.target_quantity) == (Commitment.Unit.PLACEMENTS, 20)
    workshop = proposal.workshop
    assert (workshop.operator, workshop.agreement, workshop.commitment) == (world.outsider_org, agreement, commitment)
    assert workshop.wage_splits.get().family_percent == 40
    with pytest.raises(ValidationError):
        services.reject_investment_proposal(by=world.admin_sa, proposal=proposal, note="late")


def test_a_proposal_with_a_clashing_reference_writes_nothing(world):
    proposal = _proposal(world, world.partner_outsider)
    services.start_proposal_review(by=world.admin_sa, proposal=proposal)
    with pytest.raises(ValidationError):
        services.accept_investment_proposal(by=world.admin_sa, proposal=proposal, reference="SA-2019-01")
    proposal.refresh_from_db()
    assert proposal.status == "under_review" and not Workshop.objects.exists()
    assert Agreement.objects.count() == 2


def test_partners_cannot_accept_proposals(world):
    proposal = _proposal(world, world.partner_outsider)
    with pytest.raises(PermissionDenied):
        services.start_proposal_review(by=world.partner_outsider, proposal=proposal)


def test_capacity_is_published_by_the_facility(world):
    capacity = services.publish_capacity(
        by=world.staff_a, facility=world.facility_a, space_square_metres=800, trades=["72", "75"], idle_workers=40
    )
    assert capacity.trades == ["72", "75"] and capacity.published
    with pytest.raises(PermissionDenied):
        services.publish_capacity(by=world.staff_b, facility=world.facility_a, idle_workers=1)
    with pytest.raises(ValidationError):
        services.publish_capacity(by=world.staff_a, facility=world.facility_a, idle_workers=-1)


# Openings, applications, placements ---------------------------------------------------------------------


def test_a_partner_publishes_openings_only_for_their_organization(world):
    make_opening(world, by=world.partner_outsider)
    with pytest.raises(PermissionDenied):
        make_opening(world, by=world.partner_outsider, employer=world.university)
    with pytest.raises(PermissionDenied):
        make_opening(world, by=world.partner_university, employer=world.university, administration=world.ma)
    assert Opening.objects.count() == 1


def test_bad_openings_write_nothing(world):
    for bad in (
        {"wage_min": D("5000"), "wage_max": D("4000")},
        {"wage_min": "-1"},
        {"valid_until": TODAY - datetime.timedelta(days=1)},
        {"seats": 0},
        {"excluded_categories": ["piracy"]},
        {"occupation": "99"},
    ):
        with pytest.raises(ValidationError):
            make_opening(world, **bad)
    assert not Opening.objects.exists()


def test_excluded_categories_cannot_change_after_publication(world):
    opening = make_opening(world, excluded_categories=["violence"])
    with pytest.raises(ValidationError):
        services.update_opening(by=world.admin_sa, opening=opening, excluded_categories=[])
    assert list(opening.exclusions.values_list("category", flat=True)) == ["violence"]


def _released_welder(world, **fields):
    person = make_person(by=world.staff_a, facility=world.facility_a, **fields)
    people_services.update_person(person=person, by=world.staff_a, skills=["72"])
    people_services.release(person=person, by=world.staff_a, on=TODAY - datetime.timedelta(days=10), reason="pardon")
    person.refresh_from_db()
    return person


def test_moving_past_a_proposal_needs_the_persons_consent_to_the_employer(world):
    opening = make_opening(world)
    person = _released_welder(world)
    application = services.propose_candidate(by=world.staff_a, opening=opening, person=person)
    with pytest.raises(ValidationError):
        services.change_application_status(by=world.staff_a, application=application, status="applied")
    consent_employment(world, person, world.outsider_org)
    services.change_application_status(by=world.staff_a, application=application, status="applied")
    assert Application.objects.get().status == "applied"


def test_a_hire_schedules_retention_checks_and_fills_the_last_seat(world):
    opening = make_opening(world, seats=1)
    person = _released_welder(world)
    consent_employment(world, person, world.outsider_org)
    application = services.propose_candidate(by=world.staff_a, opening=opening, person=person)
    services.change_application_status(by=world.partner_outsider, application=application, status="applied")
    started = datetime.date(2026, 1, 31)
    services.change_application_status(
        by=world.partner_outsider, application=application, status="hired", started_on=started, wage="3500"
    )
    checks = list(RetentionCheck.objects.order_by("months").values_list("months", "due_on"))
    assert checks == [
        (3, datetime.date(2026, 4, 30)),
        (6, datetime.date(2026, 7, 31)),
        (12, datetime.date(2027, 1, 31)),
    ]
    opening.refresh_from_db()
    assert opening.status == "filled"


def test_a_hire_without_a_wage_or_past_the_seats_writes_nothing(world):
    opening = make_opening(world, seats=1)
    first, second = _released_welder(world), _released_welder(world)
    applications = []
    for person in (first, second):
        consent_employment(world, person, world.outsider_org)
        application = services.propose_candidate(by=world.staff_a, opening=opening, person=person)
        applications.append(
            services.change_application_status(by=world.staff_a, application=application, status="applied")
        )
    with pytest.raises(ValidationError):
        services.change_application_status(
            by=world.staff_a, application=applications[0], status="hired", started_on=TODAY, wage="-10"
        )
    assert not RetentionCheck.objects.exists()
    services.change_application_status(
        by=world.staff_a, application=applications[0], status="hired", started_on=TODAY, wage="3000"
    )
    with pytest.raises(ValidationError):
        services.change_application_status(
            by=world.staff_a, application=applications[1], status="hired", started_on=TODAY, wage="3000"
        )
    assert Application.objects.filter(status="hired").count() == 1


def test_not_employed_at_a_check_means_the_person_left_and_later_checks_are_answered(world):
    opening = make_opening(world)
    person = _released_welder(world)
    consent_employment(world, person, world.outsider_org)
    application = services.propose_candidate(by=world.staff_a, opening=opening, person=person)
    services.change_application_status(by=world.staff_a, application=application, status="applied")
    started = TODAY - datetime.timedelta(days=200)
    application = services.change_application_status(
        by=world.staff_a, application=application, status="hired", started_on=started, wage="3000"
    )
    three = application.retention_checks.get(months=3)
    services.record_retention_check(by=world.staff_a, check=three, still_employed=True, checked_on=three.due_on)
    six = application.retention_checks.get(months=6)
    services.record_retention_check(by=world.staff_a, check=six, still_employed=False)
    application.refresh_from_db()
    assert application.status == "left" and application.left_on == TODAY
    twelve = application.retention_checks.get(months=12)
    assert twelve.still_employed is False and twelve.checked_on == TODAY


def test_placements_and_workshop_jobs_count_toward_their_commitments_once_per_person(world):
    commitment = world.mou_sa.commitments.create(description="Jobs", unit="placements", target_quantity=10)
    opening = make_opening(world, agreement=world.mou_sa, commitment=commitment)
    person = _released_welder(world)
    consent_employment(world, person, world.outsider_org)
    application = services.propose_candidate(by=world.staff_a, opening=opening, person=person)
    services.change_application_status(by=world.staff_a, application=application, status="applied")
    assert delivered_quantities([commitment.pk])[commitment.pk] == 0
    services.change_application_status(
        by=world.staff_a, application=application, status="hired", started_on=TODAY, wage="3000"
    )
    workshop = make_workshop(world, agreement=world.mou_sa, commitment=commitment)
    make_worker(world, workshop)
    make_worker(world, workshop)
    assert delivered_quantities([commitment.pk])[commitment.pk] == 3


def test_a_person_whose_case_category_the_employer_excludes_cannot_be_put_forward(world):
    opening = make_opening(world, excluded_categories=["financial"])
    person = _released_welder(world, case_category="financial")
    with pytest.raises(ValidationError):
        services.propose_candidate(by=world.staff_a, opening=opening, person=person)
    assert not Application.objects.exists()


def test_an_employer_may_express_interest_but_an_unrelated_partner_may_not(world):
    opening = make_opening(world)
    person = _released_welder(world)
    services.propose_candidate(by=world.partner_outsider, opening=opening, person=person)
    other = make_opening(world, employer=world.university)
    with pytest.raises(PermissionDenied):
        services.propose_candidate(by=world.partner_outsider, opening=other, person=person)
