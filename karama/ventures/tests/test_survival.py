"""Survival at 6 and 12 months, from crafted follow-up visits (see karama/ventures/survival.py for the rule)."""

import datetime
from decimal import Decimal

from karama.ventures import services
from karama.ventures.models import FollowUp
from karama.ventures.selectors import agreement_report
from karama.ventures.survival import SurvivalFigures, add_months, survival_of, survived
from karama.ventures.tests import factories as f

HANDED = datetime.date(2024, 1, 31)
TODAY = datetime.date(2025, 6, 1)  # 16 months after the handover: both marks reached


def visit(months_after: int, state: str, *, days: int = 0, mark: int | None = None) -> FollowUp:
    day = add_months(HANDED, months_after) + datetime.timedelta(days=days)
    return FollowUp(month_mark=mark, due_on=day, visited_on=day, state=state, income_band="none")


def test_months_are_calendar_months():
    assert add_months(HANDED, 1) == datetime.date(2024, 2, 29)
    assert add_months(HANDED, 6) == datetime.date(2024, 7, 31)
    assert add_months(HANDED, 12) == datetime.date(2025, 1, 31)


def test_operating_at_six_months_survived_six():
    assert survived(HANDED, [visit(6, "operating", mark=6)], 6) is True


def test_struggling_is_still_surviving_but_suspended_is_not():
    assert survived(HANDED, [visit(6, "struggling", mark=6)], 6) is True
    assert survived(HANDED, [visit(6, "suspended", mark=6)], 6) is False


def test_the_earliest_visit_on_or_after_the_mark_decides_not_the_latest():
    visits = [visit(6, "operating", mark=6), visit(12, "closed", mark=12)]
    assert survived(HANDED, visits, 6) is True
    assert survived(HANDED, visits, 12) is False


def test_the_scheduled_visit_counts_even_a_few_days_early():
    assert survived(HANDED, [visit(6, "operating", days=-5, mark=6)], 6) is True


def test_a_visit_before_the_mark_that_is_not_the_scheduled_one_says_nothing_of_the_mark():
    assert survived(HANDED, [visit(3, "operating", mark=3), visit(5, "operating")], 6) is None


def test_a_missed_scheduled_visit_is_replaced_by_the_first_later_one():
    assert survived(HANDED, [visit(3, "operating", mark=3), visit(8, "struggling")], 6) is True


def test_closed_before_the_mark_did_not_survive_even_without_a_later_visit():
    visits = [visit(1, "operating", mark=1), visit(3, "closed", mark=3)]
    assert survived(HANDED, visits, 6) is False
    assert survived(HANDED, visits, 12) is False


def test_no_visit_at_all_is_unknown():
    assert survived(HANDED, [], 6) is None


def test_figures_leave_the_unknown_and_the_not_yet_due_out_of_the_rate():
    projects = [
        (HANDED, [visit(6, "operating", mark=6), visit(12, "operating", mark=12)]),
        (HANDED, [visit(6, "struggling", mark=6), visit(12, "closed", mark=12)]),
        (HANDED, [visit(3, "closed", mark=3)]),
        (HANDED, [visit(1, "operating", mark=1)]),  # never visited again: unknown
        (TODAY - datetime.timedelta(days=30), []),  # handed over a month ago: not yet due
    ]
    figures = survival_of(projects, TODAY)
    six, twelve = figures[6], figures[12]
    assert (six.due, six.surviving, six.not_surviving, six.unknown, six.rate) == (4, 2, 1, 1, 67)
    assert (twelve.due, twelve.surviving, twelve.not_surviving, twelve.unknown, twelve.rate) == (4, 1, 2, 1, 33)


def test_no_known_project_has_no_rate():
    assert SurvivalFigures(6).rate is None


def test_the_agreement_report_counts_survival_by_sector(world):
    budget = f.budget(world)
    long_ago = datetime.date.today() - datetime.timedelta(days=400)
    released = long_ago - datetime.timedelta(days=10)
    crafts = f.handed_over(world, f.moroccan(world, released_on=released), the_budget=budget, on=long_ago)
    farm = f.handed_over(
        world, f.moroccan(world, released_on=released), the_budget=budget, on=long_ago, sector="agriculture"
    )
    for venture, six, twelve in ((crafts, "operating", "operating"), (farm, "operating", "closed")):
        for mark, state in ((6, six), (12, twelve)):
            services.record_follow_up(
                venture=venture,
                by=world.partner_foundation,
                follow_up=venture.follow_ups.get(month_mark=mark),
                visited_on=add_months(long_ago, mark),
                state=state,
                income_band="at_expected",
            )
    lines, total = agreement_report(f.active_agreement(world))
    by_sector = {line.sector: line for line in lines}
    assert by_sector["handicrafts"].survival[12].rate == 100
    assert by_sector["agriculture"].survival[12].rate == 0
    assert (total.survival[6].rate, total.survival[12].rate) == (100, 50)
    assert total.handed_over == 2 and total.granted == {"MAD": Decimal("60000.00")}
    assert total.equipment == {"MAD": Decimal("48000.00")}
