"""What giving adds to other apps' pages: the cases of a person, the campaigns of an agreement, and the people
released through campaigns counted against the agreement's commitments."""

from django.db.models import Count, Q

from karama.agreements.models import Agreement
from karama.core.models import User
from karama.giving.models import Campaign, Case, CaseKind, CaseStatus
from karama.giving.selectors import campaign_totals, campaigns_visible_to, cases_visible_to
from karama.people.models import Person
from karama.people.selectors import can_manage_person


def delivered_by_campaigns(commitment_ids: list[int]) -> dict[int, int]:
    """People released (and households helped) through campaigns that deliver these commitments."""
    rows = (
        Case.objects.filter(campaign__commitment_id__in=commitment_ids)
        .values("campaign__commitment_id", "campaign__commitment__unit")
        .annotate(
            released=Count("pk", filter=Q(released_on__isnull=False)),
            helped=Count(
                "pk",
                filter=Q(kind=CaseKind.HOUSEHOLD_NEED, status__in=[CaseStatus.SETTLED, CaseStatus.CLOSED]),
            ),
        )
        .order_by()
    )
    delivered: dict[int, int] = {}
    for row in rows:
        count = row["helped"] if row["campaign__commitment__unit"] == "families" else row["released"]
        delivered[row["campaign__commitment_id"]] = delivered.get(row["campaign__commitment_id"], 0) + count
    return delivered


def person_context(user: User, person: Person) -> dict:
    from karama.support.models import HouseholdNeed

    cases = list(cases_visible_to(user).filter(person=person).order_by("-opened_at"))
    manage = can_manage_person(user, person)
    in_custody = person.episodes.filter(released_on__isnull=True).exists()
    needs = []
    if manage:
        needs = list(
            HouseholdNeed.objects.filter(
                household__person=person, status__in=["open", "in_progress"], amount__isnull=False
            ).exclude(giving_cases__status__in=[s for s in CaseStatus.values if s != CaseStatus.CANCELLED])
        )
    return {"cases": cases, "person": person, "can_open": in_custody and manage, "needs": needs}


def agreement_context(user: User, agreement: Agreement) -> dict:
    campaigns: list[Campaign] = list(campaigns_visible_to(user).filter(agreement=agreement))
    return {"campaigns": campaigns, "totals": campaign_totals(campaigns) if campaigns else {}}
