"""Reads of agreements, always scoped by the acting user; the only road to an Agreement queryset."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from karama.agreements.models import Agreement, Budget, BudgetMovement, Commitment, Party
from karama.agreements.progress import Progress, progress_of
from karama.core.access import scope_of
from karama.core.models import User
from karama.core.selectors import search_named


def agreements_visible_to(user: User) -> QuerySet[Agreement]:
    """Operator: all. Administration staff and auditors: their administration's. Partner staff:
    those their organization is party to. Donors, researchers, visitors: none."""
    scope = scope_of(user)
    agreements = Agreement.objects.select_related("administration")
    if scope.everywhere:
        return agreements
    if scope.reads_administration:
        return agreements.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        party = Party.objects.filter(agreement=OuterRef("pk"), organization_id=scope.organization_id)
        return agreements.filter(Exists(party))
    return agreements.none()


@dataclass
class AgreementFilters:
    query: str = ""
    country: str = ""
    partner: str = ""  # organization code
    partner_kind: str = ""
    domain: str = ""
    status: str = ""
    administration: str = ""  # administration code


def filter_agreements(agreements: QuerySet[Agreement], filters: AgreementFilters) -> QuerySet[Agreement]:
    if filters.query:
        agreements = search_named(agreements, filters.query)
    if filters.country:
        agreements = agreements.filter(administration__country=filters.country)
    if filters.administration:
        agreements = agreements.filter(administration__code=filters.administration)
    if filters.status:
        agreements = agreements.filter(status=filters.status)
    if filters.domain:
        agreements = agreements.filter(domains__domain=filters.domain)
    if filters.partner:
        agreements = agreements.filter(
            Exists(Party.objects.filter(agreement=OuterRef("pk"), organization__code=filters.partner))
        )
    if filters.partner_kind:
        agreements = agreements.filter(
            Exists(Party.objects.filter(agreement=OuterRef("pk"), organization__kind=filters.partner_kind))
        )
    return agreements


def agreement_list_for(user: User, filters: AgreementFilters) -> QuerySet[Agreement]:
    """The list page's rows: scoped, filtered, with parties and domains fetched in two queries."""
    return filter_agreements(agreements_visible_to(user), filters).prefetch_related(
        Prefetch("parties", queryset=Party.objects.select_related("organization")),
        "domains",
    )


def get_agreement_for(user: User, pk: int) -> Agreement:
    agreement = agreements_visible_to(user).filter(pk=pk).first()
    if agreement is None:
        raise Http404
    return agreement


def get_agreement_to_manage(user: User, pk: int) -> Agreement:
    """The agreement, if this user may change it; 404 otherwise (a partner sees, never edits)."""
    agreement = get_agreement_for(user, pk)
    if not scope_of(user).can_manage(agreement.administration_id):
        raise Http404
    return agreement


@dataclass
class BudgetView:
    budget: Budget
    movements: list[BudgetMovement]
    initial: object = None
    total: object = None
    allocated: object = None
    remaining: object = None


@dataclass
class AgreementDetail:
    agreement: Agreement
    parties: list[Party]
    objectives: list
    commitments: list[Commitment]
    progress: dict[int, Progress]
    budgets: list[BudgetView]
    documents: list
    domains: list = field(default_factory=list)


def agreement_detail(agreement: Agreement) -> AgreementDetail:
    """Everything the detail page shows, in a fixed number of queries whatever the agreement's size."""
    parties = list(agreement.parties.select_related("organization"))
    commitments = list(agreement.commitments.select_related("party__organization"))
    budgets = []
    for budget in agreement.budgets.select_related("funder__organization").prefetch_related("movements"):
        movements = list(budget.movements.all())
        totals = _totals_from(budget, movements)
        budgets.append(
            BudgetView(
                budget=budget,
                movements=movements,
                initial=budget.amount,
                total=totals.total,
                allocated=totals.allocated,
                remaining=totals.remaining,
            )
        )
    return AgreementDetail(
        agreement=agreement,
        parties=parties,
        objectives=list(agreement.objectives.all()),
        commitments=commitments,
        progress=progress_of(commitments),
        budgets=budgets,
        documents=list(agreement.documents.all()),
        domains=list(agreement.domains.all()),
    )


def _totals_from(budget: Budget, movements: list[BudgetMovement]):
    from collections import defaultdict

    from karama.agreements.models import BudgetTotals

    sums = defaultdict(lambda: 0)
    for movement in movements:
        sums[movement.kind] += movement.amount
    return BudgetTotals.from_sums(budget.amount, dict(sums))


def organization_agreements(user: User, organization_id: int) -> QuerySet[Agreement]:
    """Agreements the user may see to which the organization is party (or which it administers)."""
    visible = agreements_visible_to(user)
    party = Party.objects.filter(agreement=OuterRef("pk"), organization_id=organization_id)
    return (visible.filter(Exists(party)) | visible.filter(administration_id=organization_id)).distinct()
