"""Whether a project survived 6 and 12 months after its handover, derived from the follow-up visits.

The rule, for a mark of N months (handover date + N calendar months):

1. A project counts only once the mark is reached (mark ≤ today); before that it is "not yet due".
2. The visits that speak for the mark are the scheduled N-month visit, whenever it took place
   (visits are often made a few days early or late), and any visit made on or after the mark.
   The earliest of them decides: operating or struggling means the project survived; suspended
   or closed means it did not.
3. A visit before the mark that found the project closed settles it: it did not survive, even if
   no one visited again.
4. Otherwise, with no visit that speaks for the mark, survival is unknown. Unknown projects are
   counted apart and left out of the rate, so a missed visit never passes for a closed project.

The earliest visit, not the latest, decides: a project found operating at 6 months and closed at
12 survived 6 months and did not survive 12.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from karama.ventures.models import SURVIVING_STATES, FollowUp, ProjectState

SURVIVAL_MONTHS = (6, 12)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day N calendar months later (31 January + 1 month is 28 or 29 February)."""
    return day + relativedelta(months=months)


def survived(handed_over_on: datetime.date, visits: Iterable[FollowUp], months: int) -> bool | None:
    """True, False, or None when unknown. Whether the mark is reached at all is `is_due`'s question."""
    mark = add_months(handed_over_on, months)
    recorded = sorted((v for v in visits if v.visited_on is not None), key=lambda v: (v.visited_on, v.pk or 0))
    speaking = [v for v in recorded if v.visited_on >= mark or v.month_mark == months]
    earlier = [v for v in recorded if v not in speaking and v.visited_on < mark]
    if any(v.state == ProjectState.CLOSED for v in earlier):
        return False
    if not speaking:
        return None
    return speaking[0].state in SURVIVING_STATES


def is_due(handed_over_on: datetime.date, months: int, today: datetime.date) -> bool:
    return add_months(handed_over_on, months) <= today


@dataclass
class SurvivalFigures:
    """Survival at one mark over a set of projects."""

    months: int
    due: int = 0  # handed over at least `months` ago
    surviving: int = 0
    not_surviving: int = 0

    @property
    def known(self) -> int:
        return self.surviving + self.not_surviving

    @property
    def unknown(self) -> int:
        return self.due - self.known

    @property
    def rate(self) -> int | None:
        """Percent of the projects whose fate is known that survived; None when none is known."""
        return round(100 * self.surviving / self.known) if self.known else None

    def add(self, handed_over_on: datetime.date, visits: list[FollowUp], today: datetime.date) -> None:
        if not is_due(handed_over_on, self.months, today):
            return
        self.due += 1
        outcome = survived(handed_over_on, visits, self.months)
        if outcome is True:
            self.surviving += 1
        elif outcome is False:
            self.not_surviving += 1


def survival_of(projects: Iterable[tuple[datetime.date, list[FollowUp]]], today: datetime.date) -> dict:
    """{6: SurvivalFigures, 12: SurvivalFigures} over (handover date, visits) pairs."""
    figures = {months: SurvivalFigures(months) for months in SURVIVAL_MONTHS}
    for handed_over_on, visits in projects:
        for months in SURVIVAL_MONTHS:
            figures[months].add(handed_over_on, visits, today)
    return figures
