"""Review deadlines of a reintegration plan, computed from admission and expected release."""

import datetime

from karama.people.models import ReviewKind

INITIAL_PLAN_WITHIN = datetime.timedelta(days=30)
REVIEW_EVERY = datetime.timedelta(days=180)
PRE_RELEASE_BEFORE = datetime.timedelta(days=90)


def review_schedule(
    admitted_on: datetime.date, expected_release_on: datetime.date | None
) -> list[tuple[str, datetime.date]]:
    """An initial plan within 30 days of admission, a review every 180 days after it, and a
    pre-release review 90 days before the expected release (the last periodic review that would
    fall within those 90 days is left out: the pre-release review replaces it)."""
    initial = admitted_on + INITIAL_PLAN_WITHIN
    schedule = [(ReviewKind.INITIAL.value, initial)]
    if expected_release_on is None:
        return schedule
    pre_release = max(expected_release_on - PRE_RELEASE_BEFORE, initial)
    due = initial + REVIEW_EVERY
    while due < pre_release:
        schedule.append((ReviewKind.PERIODIC.value, due))
        due += REVIEW_EVERY
    if pre_release > initial:
        schedule.append((ReviewKind.PRE_RELEASE.value, pre_release))
    return schedule
