"""Reads of giving. Staff reads take the acting user and are scoped like the people they are about; public
reads (the portal, the public API, the transparency page) need no user and return only public cases.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from karama.core.access import scope_of
from karama.core.models import Role, User
from karama.giving import ledger
from karama.giving.ledger import ZERO
from karama.giving.models import (
    PUBLIC_STATUSES,
    Account,
    Campaign,
    Case,
    CaseKind,
    CaseStatus,
    Donation,
    Entry,
    Line,
)

# Staff ---------------------------------------------------------------------------------------------------------


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Operator and installation-wide auditors: every case. National administrators and auditors of an
    administration: its cases. Facility staff: cases of the people of their facility. Partner staff: the
    household cases of the households family support shows them (covered, with the family's consent).
    Donors, researchers, visitors: none."""
    scope = scope_of(user)
    cases = Case.objects.select_related("person", "campaign", "region")
    if scope.everywhere:
        return cases
    if scope.role == Role.FACILITY_STAFF and scope.facility_id:
        return cases.filter(person__facility_id=scope.facility_id)
    if scope.reads_administration:
        return cases.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        # The family-support app decides which households an association sees (covered, and consented).
        from karama.support.selectors import households_visible_to

        return cases.filter(kind=CaseKind.HOUSEHOLD_NEED, household__in=households_visible_to(user).values("pk"))
    return cases.none()


def get_case_for(user: User, code: str) -> Case:
    case = (
        cases_visible_to(user)
        .select_related("person__facility", "household", "opened_by", "approved_by", "eligibility_checked_by")
        .filter(public_code=(code or "").upper())
        .first()
    )
    if case is None:
        raise Http404
    return case


def can_manage_case(user: User, case: Case) -> bool:
    """The operator, the administration's national administrators, and the staff of the person's facility."""
    scope = scope_of(user)
    if scope.role == Role.OPERATOR:
        return True
    if scope.role == Role.NATIONAL_ADMIN:
        return scope.administration_id == case.administration_id
    return scope.role == Role.FACILITY_STAFF and scope.facility_id == case.person.facility_id


def can_approve_case(user: User, case: Case) -> bool:
    return can_manage_case(user, case) and case.opened_by_id != user.pk and case.status == CaseStatus.DRAFT


@dataclass
class CaseFilters:
    query: str = ""
    status: str = ""
    kind: str = ""
    campaign: str = ""
    waiting_for_me: bool = False


def filter_cases(user: User, cases: QuerySet[Case], filters: CaseFilters) -> QuerySet[Case]:
    if filters.query:
        code = filters.query.strip().upper()
        cases = cases.filter(Q(public_code=code) | Q(person__public_code=code))
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.campaign:
        cases = cases.filter(campaign__code=filters.campaign)
    if filters.waiting_for_me:
        cases = cases.filter(status=CaseStatus.DRAFT).exclude(opened_by=user)
    return cases


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    scope = scope_of(user)
    campaigns = Campaign.objects.select_related("administration", "agreement")
    if scope.everywhere:
        return campaigns
    if scope.reads_administration:
        return campaigns.filter(administration_id=scope.administration_id)
    return campaigns.none()


def get_campaign_for(user: User, code: str) -> Campaign:
    campaign = campaigns_visible_to(user).filter(code=code).first()
    if campaign is None:
        raise Http404
    return campaign


def donations_visible_to(user: User) -> QuerySet[Donation]:
    """Staff of an administration see its gifts (a donor who chose anonymity stays nameless); nobody else."""
    scope = scope_of(user)
    donations = Donation.objects.select_related("case", "campaign", "administration")
    if scope.everywhere:
        return donations
    if scope.reads_administration and scope.role != Role.FACILITY_STAFF:
        return donations.filter(administration_id=scope.administration_id)
    return donations.none()


def my_donations(user: User) -> QuerySet[Donation]:
    """A signed-in donor's own gifts, for their history and receipts."""
    if not user.is_authenticated:
        return Donation.objects.none()
    return Donation.objects.filter(donor=user).select_related("case", "campaign", "administration")


def administrations_with_funds(user: User) -> list[int] | None:
    """The administrations whose ledger this user reads; None for all."""
    scope = scope_of(user)
    if scope.everywhere:
        return None
    if scope.reads_administration and scope.role != Role.FACILITY_STAFF:
        return [scope.administration_id]
    return []


@dataclass
class CaseLedger:
    entries: list[Entry]
    money: ledger.CaseMoney
    donations: list[Donation]


def case_ledger(case: Case) -> CaseLedger:
    entries = list(
        Entry.objects.filter(Q(case=case) | Q(lines__account__case=case))
        .distinct()
        .prefetch_related("lines__account")
        .select_related("donation", "created_by")
        .order_by("occurred_at", "pk")
    )
    donations = list(
        Donation.objects.filter(Q(case=case) | Q(entries__lines__account__case=case), status=Donation.Status.PAID)
        .distinct()
        .order_by("-paid_at")
    )
    return CaseLedger(entries=entries, money=ledger.case_money(case), donations=donations)


# Public ---------------------------------------------------------------------------------------------------------


@dataclass
class PublicFilters:
    kind: str = ""
    region: str = ""
    sex: str = ""
    campaign: str = ""
    country: str = ""
    min_children: int | None = None
    illness: bool = False
    pregnancy: bool = False
    zakat: bool = False
    include_done: bool = False
    sort: str = "priority"


SORTS = {
    "priority": ("-priority_score", "target", "published_at", "pk"),
    "smallest": ("target", "-priority_score", "pk"),
    "newest": ("-published_at", "-pk"),
}


def public_cases(filters: PublicFilters | None = None) -> QuerySet[Case]:
    """The cases the portal shows, in the order of the published priority rules. Only public columns are
    selected: nothing of the person reaches a public page, not even by accident in a template."""
    filters = filters or PublicFilters()
    statuses = PUBLIC_STATUSES if filters.include_done else {CaseStatus.PUBLISHED}
    cases = (
        Case.objects.filter(status__in=statuses)
        .select_related("region", "campaign")
        .only(*PUBLIC_COLUMNS, "region__code", "region__names", "region__original_language", *CAMPAIGN_COLUMNS)
    )
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.region:
        cases = cases.filter(region__code=filters.region)
    if filters.country:
        cases = cases.filter(administration__country=filters.country)
    if filters.sex:
        cases = cases.filter(sex=filters.sex)
    if filters.campaign:
        cases = cases.filter(campaign__code=filters.campaign)
    if filters.min_children:
        cases = cases.filter(children__gte=filters.min_children)
    if filters.illness:
        cases = cases.filter(illness=True)
    if filters.pregnancy:
        cases = cases.filter(pregnancy=True)
    if filters.zakat:
        cases = cases.filter(kind__in=[CaseKind.DEBT_RELEASE, CaseKind.HOUSEHOLD_NEED])
    return cases.order_by(*SORTS.get(filters.sort, SORTS["priority"]))


PUBLIC_COLUMNS = (
    "public_code",
    "administration_id",
    "kind",
    "status",
    "campaign_id",
    "currency",
    "target",
    "region_id",
    "sex",
    "summary_role",
    "summary_reason",
    "children",
    "household_size",
    "head_of_household",
    "illness",
    "pregnancy",
    "priority_score",
    "priority_reasons",
    "published_at",
)
CAMPAIGN_COLUMNS = ("campaign__code", "campaign__names", "campaign__original_language")


def get_public_case(code: str) -> Case:
    case = public_cases(PublicFilters(include_done=True)).filter(public_code=(code or "").upper()).first()
    if case is None:
        raise Http404
    return case


def public_campaigns(today: datetime.date | None = None, *, current_only: bool = True) -> QuerySet[Campaign]:
    today = today or timezone.localdate()
    campaigns = Campaign.objects.filter(is_public=True).select_related("administration")
    if current_only:
        campaigns = campaigns.filter(starts_on__lte=today, ends_on__gte=today)
    return campaigns.order_by("ends_on", "code")


def get_public_campaign(code: str) -> Campaign:
    campaign = Campaign.objects.filter(is_public=True, code=code).select_related("administration").first()
    if campaign is None:
        raise Http404
    return campaign


@dataclass
class CampaignTotals:
    raised: Decimal = ZERO
    settled: Decimal = ZERO
    cases: int = 0
    released: int = 0

    def percent(self, goal: Decimal | None) -> int:
        return min(100, int(self.raised * 100 / goal)) if goal else 0


def campaign_totals(campaigns: list[Campaign]) -> dict[int, CampaignTotals]:
    """What each campaign raised (its pool and its cases), paid out and freed, from the ledger: three queries."""
    ids = [campaign.pk for campaign in campaigns]
    totals = {pk: CampaignTotals() for pk in ids}
    lines = Line.objects.filter(Q(account__campaign_id__in=ids) | Q(account__case__campaign_id__in=ids))
    rows = (
        lines.exclude(account__case__status=CaseStatus.CANCELLED)
        .values("account__campaign_id", "account__case__campaign_id", "entry__kind")
        .annotate(c=Sum("credit"), d=Sum("debit"))
        .order_by()
    )
    for row in rows:
        campaign_id = row["account__campaign_id"] or row["account__case__campaign_id"]
        credit, debit = row["c"] or ZERO, row["d"] or ZERO
        if row["entry__kind"] == Entry.Kind.SETTLEMENT:
            totals[campaign_id].settled += debit
        else:
            totals[campaign_id].raised += credit - debit
    counts = (
        Case.objects.filter(campaign_id__in=ids, status__in=PUBLIC_STATUSES)
        .values("campaign_id")
        .annotate(cases=Count("pk"), released=Count("pk", filter=Q(released_on__isnull=False)))
        .order_by()
    )
    for row in counts:
        totals[row["campaign_id"]].cases = row["cases"]
        totals[row["campaign_id"]].released = row["released"]
    return totals


@dataclass
class Transparency:
    """Totals of one administration's giving, in its currency, all from the ledger."""

    administration: object
    currency: str
    given: Decimal = ZERO
    settled: Decimal = ZERO
    refunded: Decimal = ZERO
    fees: Decimal = ZERO
    held: Decimal = ZERO
    released: int = 0
    households: int = 0
    months: list = field(default_factory=list)
    campaigns: list = field(default_factory=list)


def transparency(months: int = 12) -> list[Transparency]:
    today = timezone.localdate()
    since = (today.replace(day=1) - datetime.timedelta(days=31 * (months - 1))).replace(day=1)
    reports: dict[tuple[int, str], Transparency] = {}
    accounts = Account.objects.filter(kind=Account.Kind.CLEARING).select_related("administration")
    for account in accounts:
        reports[(account.administration_id, account.currency)] = Transparency(account.administration, account.currency)
    _ledger_totals(reports)
    _monthly(reports, since)
    _outcomes(reports, since)
    campaigns = list(Campaign.objects.filter(is_public=True).order_by("-starts_on"))
    totals = campaign_totals(campaigns)
    for campaign in campaigns:
        report = reports.get((campaign.administration_id, campaign.currency))
        if report is not None:
            report.campaigns.append((campaign, totals[campaign.pk]))
    return sorted(reports.values(), key=lambda r: (r.administration.country, r.currency))


def _ledger_totals(reports: dict) -> None:
    rows = (
        Line.objects.filter(account__kind__in=[Account.Kind.CLEARING, Account.Kind.FEES])
        .values("account__administration_id", "account__currency", "account__kind", "entry__kind")
        .annotate(c=Sum("credit"), d=Sum("debit"))
        .order_by()
    )
    for row in rows:
        report = reports.get((row["account__administration_id"], row["account__currency"]))
        if report is None:
            continue
        credit, debit = row["c"] or ZERO, row["d"] or ZERO
        kind = row["entry__kind"]
        if row["account__kind"] == Account.Kind.FEES:
            report.fees += debit - credit
        elif kind == Entry.Kind.DONATION:
            report.given += debit
        elif kind == Entry.Kind.SETTLEMENT:
            report.settled += credit
        elif kind == Entry.Kind.REFUND:
            report.refunded += credit
    for report in reports.values():
        report.held = report.given - report.settled - report.refunded


def _monthly(reports: dict, since: datetime.date) -> None:
    rows = (
        Line.objects.filter(account__kind=Account.Kind.CLEARING, entry__occurred_at__date__gte=since)
        .annotate(month=TruncMonth("entry__occurred_at"))
        .values("account__administration_id", "account__currency", "month", "entry__kind")
        .annotate(c=Sum("credit"), d=Sum("debit"))
        .order_by("month")
    )
    months: dict[tuple, dict] = defaultdict(
        lambda: defaultdict(lambda: {"given": ZERO, "settled": ZERO, "released": 0})
    )
    for row in rows:
        key = (row["account__administration_id"], row["account__currency"])
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        if row["entry__kind"] == Entry.Kind.DONATION:
            months[key][month]["given"] += row["d"] or ZERO
        elif row["entry__kind"] == Entry.Kind.SETTLEMENT:
            months[key][month]["settled"] += row["c"] or ZERO
    released = (
        Case.objects.filter(released_on__gte=since)
        .annotate(month=TruncMonth("released_on"))
        .values("administration_id", "currency", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in released:
        months[(row["administration_id"], row["currency"])][row["month"]]["released"] += row["n"]
    for key, report in reports.items():
        report.months = sorted(months.get(key, {}).items(), reverse=True)


def _outcomes(reports: dict, since: datetime.date) -> None:
    rows = (
        Case.objects.filter(status__in=[CaseStatus.SETTLED, CaseStatus.CLOSED])
        .values("administration_id", "currency", "kind")
        .annotate(n=Count("pk"), released=Count("pk", filter=Q(released_on__isnull=False)))
        .order_by()
    )
    for row in rows:
        report = reports.get((row["administration_id"], row["currency"]))
        if report is None:
            continue
        if row["kind"] == CaseKind.DEBT_RELEASE:
            report.released += row["released"]
        elif row["kind"] == CaseKind.HOUSEHOLD_NEED:
            report.households += row["n"]
