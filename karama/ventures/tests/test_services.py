"""The project's business rules: versions, the committee, grants within the budget, the kit, the handover
after release, follow-up."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from karama.agreements.models import BudgetMovement
from karama.people import services as people_services
from karama.ventures import services
from karama.ventures.models import FollowUp, Grant, GrantShare, Kit, KitItem, PlanVersion, Stage, Venture
from karama.ventures.survival import add_months
from karama.ventures.tests import factories as f


def test_a_plan_keeps_every_version(world):
    venture = f.draft(world)
    services.revise_plan(
        venture=venture,
        by=world.partner_foundation,
        change_note="Moins de fonds de roulement",
        agreement=venture.agreement,
        **{**f.PLAN, "region": f.region(), "working_capital": "2000.00"},
    )
    venture.refresh_from_db()
    assert [v.number for v in venture.versions.order_by("number")] == [1, 2]
    assert venture.current_version.number == 2
    assert venture.current_version.working_capital == Decimal("2000.00")
    assert venture.versions.get(number=1).working_capital == Decimal("5000.00")


def test_only_a_draft_can_be_revised(world):
    venture = f.draft(world)
    services.submit_for_review(venture=venture, by=world.partner_foundation)
    with pytest.raises(ValidationError):
        services.revise_plan(venture=venture, by=world.partner_foundation, **{**f.PLAN, "region": f.region()})
    assert PlanVersion.objects.filter(venture=venture).count() == 1


def test_a_plan_asks_for_something_and_refuses_floats(world):
    person = f.moroccan(world)
    with pytest.raises(ValidationError) as refused:
        f.draft(world, person, equipment_budget="0", working_capital="")
    assert "equipment_budget" in refused.value.message_dict
    with pytest.raises(ValidationError):
        f.draft(world, person, equipment_budget=1000.5)
    with pytest.raises(ValidationError):
        f.draft(world, person, equipment_budget="100.001")
    assert not Venture.objects.exists()


def test_a_person_has_one_plan_in_preparation_at_a_time(world):
    person = f.moroccan(world)
    f.draft(world, person)
    with pytest.raises(ValidationError):
        f.draft(world, person)
    assert Venture.objects.filter(person=person).count() == 1


def test_a_new_project_waits_until_the_last_one_was_rejected_or_found_closed(world):
    person = f.moroccan(world)
    venture = f.handed_over(world, person)
    with pytest.raises(ValidationError, match="under way"):
        f.draft(world, person)
    services.record_follow_up(
        venture=venture, by=world.partner_foundation, visited_on=f.days_ago(0), state="closed", income_band="none"
    )
    assert f.draft(world, person).stage == Stage.DRAFT


def test_a_deferred_plan_goes_back_to_draft_for_revision(world):
    venture = f.draft(world)
    services.submit_for_review(venture=venture, by=world.partner_foundation)
    services.record_review(
        venture=venture,
        by=world.partner_foundation,
        reviewed_on=f.days_ago(1),
        members="Fondation",
        decision="deferred",
        reasons="Devis du fournisseur manquant",
    )
    venture.refresh_from_db()
    assert venture.stage == Stage.DRAFT
    services.revise_plan(venture=venture, by=world.partner_foundation, **{**f.PLAN, "region": f.region()})


def test_a_decision_other_than_a_plain_approval_needs_its_reasons(world):
    venture = f.draft(world)
    services.submit_for_review(venture=venture, by=world.partner_foundation)
    with pytest.raises(ValidationError) as refused:
        services.record_review(
            venture=venture, by=world.partner_foundation, reviewed_on=f.days_ago(1), members="A", decision="rejected"
        )
    assert "reasons" in refused.value.message_dict
    venture.refresh_from_db()
    assert venture.stage == Stage.IN_REVIEW and not venture.reviews.exists()


def test_a_rejected_plan_cannot_be_funded(world):
    budget = f.budget(world)
    venture = f.draft(world)
    services.submit_for_review(venture=venture, by=world.partner_foundation)
    services.record_review(
        venture=venture,
        by=world.partner_foundation,
        reviewed_on=f.days_ago(1),
        members="Comité",
        decision="rejected",
        reasons="Activité non viable dans la commune",
    )
    with pytest.raises(ValidationError) as refused:
        services.grant_venture(
            venture=venture, by=world.admin_ma, agreement=venture.agreement, shares=[(budget, "100")]
        )
    assert "rejected" in str(refused.value)
    assert not Grant.objects.exists() and not BudgetMovement.objects.exists()


@pytest.mark.parametrize("submitted", [False, True])
def test_a_plan_not_approved_cannot_be_funded(world, submitted):
    budget = f.budget(world)
    venture = f.draft(world)
    if submitted:
        services.submit_for_review(venture=venture, by=world.partner_foundation)
    with pytest.raises(ValidationError, match="approved"):
        services.grant_venture(
            venture=venture, by=world.admin_ma, agreement=venture.agreement, shares=[(budget, "100")]
        )
    assert not Grant.objects.exists() and not BudgetMovement.objects.exists()


def test_a_grant_past_the_remaining_budget_is_refused_with_a_clear_message_and_writes_nothing(world):
    budget = f.budget(world, amount="50000.00")
    f.funded(world, amount="30000.00", the_budget=budget)
    venture = f.approved(world)
    with pytest.raises(ValidationError) as refused:
        services.grant_venture(
            venture=venture, by=world.admin_ma, agreement=venture.agreement, shares=[(budget, "30000.00")]
        )
    message = " ".join(refused.value.message_dict["shares"])
    assert "INDH" in message and "20,000.00" in message and "remains" in message
    venture.refresh_from_db()
    assert venture.stage == Stage.APPROVED
    assert Grant.objects.count() == 1 and GrantShare.objects.count() == 1 and BudgetMovement.objects.count() == 1
    assert not Kit.objects.filter(venture=venture).exists()
    assert budget.remaining == Decimal("20000.00")


def test_a_grant_may_be_split_across_funders_shares(world):
    indh = f.budget(world, amount="20000.00", label="INDH")
    foundation = f.budget(world, amount="50000.00", funder=world.party_foundation, label="Fondation")
    venture = f.approved(world)
    grant = services.grant_venture(
        venture=venture,
        by=world.admin_ma,
        agreement=venture.agreement,
        shares=[(indh, "20000.00"), (foundation, "10000.00")],
    )
    assert grant.amount == Decimal("30000.00")
    assert {(s.budget_id, s.amount) for s in grant.shares.all()} == {
        (indh.pk, Decimal("20000.00")),
        (foundation.pk, Decimal("10000.00")),
    }
    assert set(BudgetMovement.objects.values_list("source", flat=True)) == {f"ventures:grant:{grant.pk}"}
    assert indh.remaining == 0 and foundation.remaining == Decimal("40000.00")
    venture.refresh_from_db()
    assert venture.stage == Stage.FUNDED


def test_when_one_share_is_refused_no_share_is_drawn(world):
    indh = f.budget(world, amount="20000.00", label="INDH")
    foundation = f.budget(world, amount="5000.00", funder=world.party_foundation, label="Fondation")
    venture = f.approved(world)
    with pytest.raises(ValidationError) as refused:
        services.grant_venture(
            venture=venture,
            by=world.admin_ma,
            agreement=venture.agreement,
            shares=[(indh, "20000.00"), (foundation, "10000.00")],
        )
    assert world.foundation.name in " ".join(refused.value.message_dict["shares"])
    assert not BudgetMovement.objects.exists() and not Grant.objects.exists()
    assert indh.remaining == Decimal("20000.00")


def test_a_grant_stays_within_what_the_committee_approved(world):
    budget = f.budget(world)
    venture = f.approved(world, approved_amount="30000.00")
    with pytest.raises(ValidationError, match="approved at most"):
        services.grant_venture(
            venture=venture, by=world.admin_ma, agreement=venture.agreement, shares=[(budget, "35000.00")]
        )
    services.grant_venture(venture=venture, by=world.admin_ma, agreement=venture.agreement, shares=[(budget, "30000")])


def test_a_grant_is_drawn_in_the_projects_currency(world):
    f.budget(world)
    dollars = f.agreement_services.add_budget(
        agreement=f.active_agreement(world), by=world.admin_ma, amount="10000.00", currency="USD"
    )
    venture = f.approved(world)
    with pytest.raises(ValidationError, match="USD"):
        services.grant_venture(
            venture=venture, by=world.admin_ma, agreement=venture.agreement, shares=[(dollars, "10")]
        )


def test_a_partner_draws_the_grant_only_as_the_agreements_funder_or_implementer(world):
    budget = f.budget(world)
    venture = f.approved(world)
    world.party_foundation.role = "signatory"
    world.party_foundation.save()
    with pytest.raises(PermissionDenied):
        services.grant_venture(
            venture=venture, by=world.partner_foundation, agreement=venture.agreement, shares=[(budget, "100")]
        )
    assert not BudgetMovement.objects.exists()
    world.party_foundation.role = "implementer"
    world.party_foundation.save()
    services.grant_venture(
        venture=venture, by=world.partner_foundation, agreement=venture.agreement, shares=[(budget, "100")]
    )
    assert BudgetMovement.objects.get().created_by == world.partner_foundation


def test_a_partner_without_the_persons_consent_cannot_prepare_a_plan(world):
    person = f.moroccan(world, consent="training")
    with pytest.raises(PermissionDenied):
        f.draft(world, person)
    with pytest.raises(PermissionDenied):
        f.draft(world, f.moroccan(world, consent=None), by=world.partner_outsider)


def test_the_kit_never_costs_more_than_the_grant(world):
    venture = f.funded(world, amount="30000.00")
    services.add_kit_item(
        venture=venture, by=world.partner_foundation, name="Machine", unit_cost="12000.00", quantity=2
    )
    with pytest.raises(ValidationError) as refused:
        services.add_kit_item(venture=venture, by=world.partner_foundation, name="Table", unit_cost="6000.01")
    assert "unit_cost" in refused.value.message_dict
    services.add_kit_item(venture=venture, by=world.partner_foundation, name="Table", unit_cost="6000.00")
    assert KitItem.objects.filter(kit__venture=venture).count() == 2


def test_a_delivered_kit_is_equipped_and_its_items_are_frozen(world):
    venture = f.equipped(world)
    assert venture.stage == Stage.EQUIPPED
    with pytest.raises(ValidationError):
        services.add_kit_item(venture=venture, by=world.partner_foundation, name="Fer", unit_cost="100")
    services.set_procurement(venture=venture, by=world.partner_foundation, procurement="ordered")
    venture.refresh_from_db()
    assert venture.stage == Stage.FUNDED


def test_an_empty_kit_cannot_be_delivered(world):
    venture = f.funded(world)
    with pytest.raises(ValidationError):
        services.set_procurement(venture=venture, by=world.partner_foundation, procurement="delivered")


def test_handover_before_release_is_refused(world):
    person = f.moroccan(world, released=False)
    venture = f.equipped(world, person)
    with pytest.raises(ValidationError, match="still in custody"):
        services.hand_over(
            venture=venture,
            by=world.partner_foundation,
            handed_over_on=f.days_ago(1),
            place="Agadir",
            handed_over_by="Le wali",
            beneficiary_signed=True,
        )
    venture.refresh_from_db()
    assert venture.stage == Stage.EQUIPPED
    assert not FollowUp.objects.exists()


def test_handover_needs_the_signature_or_the_receipt(world):
    venture = f.equipped(world)
    with pytest.raises(ValidationError) as refused:
        services.hand_over(
            venture=venture,
            by=world.partner_foundation,
            handed_over_on=f.days_ago(1),
            place="Agadir",
            handed_over_by="Le wali",
        )
    assert "receipt" in refused.value.message_dict


def test_handover_cannot_be_dated_before_the_release(world):
    venture = f.equipped(world)
    with pytest.raises(ValidationError) as refused:
        services.hand_over(
            venture=venture,
            by=world.partner_foundation,
            handed_over_on=f.days_ago(40),
            place="Agadir",
            handed_over_by="Le wali",
            beneficiary_signed=True,
        )
    assert "handed_over_on" in refused.value.message_dict


def test_handover_schedules_visits_at_1_3_6_and_12_months(world):
    venture = f.handed_over(world, on=datetime.date.today() - datetime.timedelta(days=20))
    handed = venture.handover.handed_over_on
    visits = list(venture.follow_ups.order_by("due_on"))
    assert [v.month_mark for v in visits] == [1, 3, 6, 12]
    assert visits[0].due_on == add_months(handed, 1)
    assert visits[3].due_on == add_months(handed, 12)
    assert venture.stage == Stage.HANDED_OVER


def test_a_visit_records_the_state_and_moves_the_project_to_followed_up(world):
    venture = f.handed_over(world)
    first = venture.follow_ups.get(month_mark=1)
    services.record_follow_up(
        venture=venture,
        by=world.partner_foundation,
        follow_up=first,
        visited_on=f.days_ago(0),
        state="struggling",
        income_band="below_half",
        problems="Peu de clients",
        help_given=["advice", "training"],
    )
    first.refresh_from_db()
    venture.refresh_from_db()
    assert first.state == "struggling" and first.organization == world.foundation
    assert venture.stage == Stage.FOLLOWED_UP
    with pytest.raises(ValidationError):
        services.record_follow_up(
            venture=venture,
            by=world.partner_foundation,
            follow_up=first,
            visited_on=f.days_ago(0),
            state="operating",
            income_band="at_expected",
        )


def test_a_visit_not_planned_is_added_and_an_extra_grant_draws_on_the_budget(world):
    budget = f.budget(world, amount="40000.00")
    venture = f.handed_over(world, the_budget=budget)
    visit = services.record_follow_up(
        venture=venture,
        by=world.partner_foundation,
        visited_on=f.days_ago(0),
        state="struggling",
        income_band="none",
        help_given=["extra_grant"],
    )
    assert visit.month_mark is None
    grant = services.grant_venture(
        venture=venture,
        by=world.admin_ma,
        agreement=venture.agreement,
        shares=[(budget, "5000.00")],
        kind="extra",
        follow_up=visit,
    )
    assert grant.kind == "extra" and budget.remaining == Decimal("5000.00")


def test_handover_is_refused_for_a_person_who_died(world):
    person = f.moroccan(world, released=False)
    venture = f.equipped(world, person)
    people_services.release(person=person, by=world.admin_ma, on=f.days_ago(1), reason="death")
    with pytest.raises(ValidationError, match="died"):
        services.hand_over(
            venture=venture,
            by=world.admin_ma,
            handed_over_on=f.days_ago(0),
            place="Agadir",
            handed_over_by="x",
            beneficiary_signed=True,
        )
