"""Reads of income-generating projects, always taking the acting user.

`ventures_visible_to(user)` is the only road to a queryset of projects: the people selector decides
whose projects one may see, and partner staff see only the projects of people who consented to share
with their organization for an income-generating project.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from karama.agreements.models import Agreement, Budget, Commitment, Party
from karama.agreements.selectors import agreements_visible_to
from karama.core.access import scope_of
from karama.core.models import Region, User
from karama.people.models import ConsentPurpose, Person, PersonStatus
from karama.people.selectors import active_consents, can_manage_person, people_visible_to
from karama.ventures.models import (
    AFTER_HANDOVER,
    FUNDED_STAGES,
    PIPELINE,
    FollowUp,
    Grant,
    GrantShare,
    KitItem,
    PlanVersion,
    ProjectState,
    Sector,
    Stage,
    Venture,
)
from karama.ventures.survival import survival_of

ZERO = Decimal("0")
# What one kit line is worth, in the database.
ITEM_VALUE = ExpressionWrapper(
    F("unit_cost") * F("quantity"), output_field=DecimalField(max_digits=24, decimal_places=3)
)


def _income_project_consent(organization_id: int, person_ref) -> QuerySet:
    return active_consents(organization_id).filter(purpose=ConsentPurpose.INCOME_PROJECT, person=person_ref)


def ventures_visible_to(user: User) -> QuerySet[Venture]:
    """The projects of the people the user sees; for partner staff, only of people whose consent to their
    organization is for an income-generating project. Donors and researchers: none."""
    scope = scope_of(user)
    ventures = Venture.objects.all()
    if scope.sees_nothing_internal:
        return ventures.none()
    if scope.everywhere:
        return ventures
    ventures = ventures.filter(person__in=people_visible_to(user))
    if scope.is_partner:
        ventures = ventures.filter(Exists(_income_project_consent(scope.organization_id, OuterRef("person_id"))))
    return ventures


def get_venture_for(user: User, code: str) -> Venture:
    venture = (
        ventures_visible_to(user)
        .select_related(
            "person", "person__facility", "agreement", "current_version__region", "assessment", "equipment_case"
        )
        .filter(public_code=code)
        .first()
    )
    if venture is None:
        raise Http404
    return venture


def can_work_on(user: User, person: Person) -> bool:
    """Prepare, review, equip, hand over and follow a person's project: the staff who manage the person's
    record, and partner staff under the person's consent for an income-generating project."""
    if can_manage_person(user, person):
        return True
    scope = scope_of(user)
    return scope.is_partner and _income_project_consent(scope.organization_id, person).exists()


def can_fund(user: User, venture: Venture) -> bool:
    """Draw a grant on an agreement's budgets: the administration's managers, and the staff of a partner
    that funds or implements an active agreement of the administration and works on this person's project
    (agreements.services.record_budget_movement decides for the chosen budget, and checks again)."""
    scope = scope_of(user)
    if scope.can_manage(venture.administration_id):
        return True
    if not scope.is_partner or not can_work_on(user, venture.person):
        return False
    return Party.objects.filter(
        organization_id=scope.organization_id,
        role__in=[Party.Role.FUNDER, Party.Role.IMPLEMENTER],
        agreement__administration_id=venture.administration_id,
        agreement__status=Agreement.Status.ACTIVE,
    ).exists()


def projects_under_way(person: Person) -> QuerySet[Venture]:
    """One project at a time: any not rejected and not found closed at a follow-up visit."""
    closed = FollowUp.objects.filter(venture=OuterRef("pk"), state=ProjectState.CLOSED)
    return Venture.objects.filter(person=person).exclude(stage=Stage.REJECTED).exclude(Exists(closed))


def can_prepare_for(user: User, person: Person) -> bool:
    """A new plan: someone who works on the person's projects, for a person whose case is open and who has
    no project under way."""
    # Both questions are always asked, so a person's page costs the same queries whatever their status.
    works, busy = can_work_on(user, person), projects_under_way(person).exists()
    return works and not busy and person.status != PersonStatus.CLOSED


def agreements_for_plans(user: User, administration_id: int) -> QuerySet[Agreement]:
    """Agreements a plan may be prepared under: visible, of the person's administration, still running."""
    return (
        agreements_visible_to(user)
        .filter(administration_id=administration_id, status__in=[Agreement.Status.DRAFT, Agreement.Status.ACTIVE])
        .order_by("reference")
    )


def budgets_for(venture: Venture, agreement: Agreement | None = None) -> list[Budget]:
    """The agreement's budgets in the project's currency, each with its `remaining` computed once."""
    agreement = agreement or venture.agreement
    if agreement is None:
        return []
    budgets = list(
        Budget.objects.filter(agreement=agreement, currency=venture.currency)
        .select_related("funder__organization")
        .prefetch_related("movements")
    )
    for budget in budgets:
        budget.remaining_now = _remaining(budget)
    return budgets


def _remaining(budget: Budget) -> Decimal:
    from karama.agreements.models import BudgetTotals

    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for movement in budget.movements.all():
        sums[movement.kind] += movement.amount
    return BudgetTotals.from_sums(budget.amount, dict(sums)).remaining


def donated_for_kit(venture: Venture) -> Decimal:
    """What donors paid the supplier through the project's equipment case (the giving app's settlement)."""
    if venture.equipment_case_id is None:
        return ZERO
    from karama.giving.models import Settlement

    settlement = Settlement.objects.filter(case_id=venture.equipment_case_id).only("amount").first()
    return settlement.amount if settlement else ZERO


def can_ask_donors(user: User, venture: Venture) -> bool:
    """The giving app lets those who manage the person's record open a case (never partner staff)."""
    return can_manage_person(user, venture.person)


def budget_label(budget: Budget) -> str:
    if budget.funder_id:
        return budget.funder.organization.name
    return budget.label or str(budget.pk)


# The pipeline board --------------------------------------------------------------------------------------

CARDS_PER_COLUMN = 40


@dataclass
class BoardFilters:
    agreement: int | None = None
    region: str = ""  # region code
    sector: str = ""
    query: str = ""  # a project or person public code


def filter_ventures(ventures: QuerySet[Venture], filters: BoardFilters) -> QuerySet[Venture]:
    if filters.agreement:
        ventures = ventures.filter(agreement_id=filters.agreement)
    if filters.region:
        ventures = ventures.filter(current_version__region__code=filters.region)
    if filters.sector:
        ventures = ventures.filter(current_version__sector=filters.sector)
    if filters.query:
        code = filters.query.strip().upper()
        ventures = ventures.filter(Q(public_code=code) | Q(person__public_code=code))
    return ventures


def with_card_fields(ventures: QuerySet[Venture]) -> QuerySet[Venture]:
    return ventures.select_related("person", "current_version__region", "agreement").annotate(
        granted=Sum("grants__amount")
    )


@dataclass
class Column:
    stage: Stage
    count: int
    cards: list[Venture]

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def pipeline_board(user: User, filters: BoardFilters) -> tuple[list[Column], int]:
    """The board's columns (at most CARDS_PER_COLUMN cards each, the latest first) and the rejected count."""
    ventures = filter_ventures(ventures_visible_to(user), filters)
    counts = dict(ventures.values_list("stage").annotate(n=Count("pk")).order_by())
    columns = []
    for stage in PIPELINE:
        cards = list(with_card_fields(ventures.filter(stage=stage)).order_by("-updated_at", "-pk")[:CARDS_PER_COLUMN])
        columns.append(Column(stage=stage, count=counts.get(stage, 0), cards=cards))
    return columns, counts.get(Stage.REJECTED, 0)


def rejected_ventures(user: User, filters: BoardFilters) -> QuerySet[Venture]:
    ventures = filter_ventures(ventures_visible_to(user), filters).filter(stage=Stage.REJECTED)
    return with_card_fields(ventures).order_by("-updated_at", "-pk")


def board_agreements(user: User) -> QuerySet[Agreement]:
    """Agreements worth filtering by: visible ones with projects or the income-projects domain."""
    return (
        agreements_visible_to(user)
        .filter(Q(ventures__isnull=False) | Q(domains__domain="income_projects"))
        .distinct()
        .order_by("reference")
    )


def board_regions(user: User) -> QuerySet[Region]:
    versions = PlanVersion.objects.filter(venture__in=ventures_visible_to(user))
    return Region.objects.filter(pk__in=versions.values("region_id")).order_by("country", "code")


# One project ----------------------------------------------------------------------------------------------


@dataclass
class VentureDetail:
    venture: Venture
    versions: list[PlanVersion]
    reviews: list
    grants: list[Grant]
    kit: object
    items: list[KitItem]
    handover: object
    follow_ups: list[FollowUp]
    granted: Decimal = ZERO
    donated: Decimal = ZERO
    kit_total: Decimal = ZERO
    survival: dict = field(default_factory=dict)

    @property
    def latest_review(self):
        return self.reviews[0] if self.reviews else None

    @property
    def approved_limit(self) -> Decimal | None:
        review = self.latest_review
        if review is None or not review.approves:
            return None
        return review.approved_amount or review.version.requested_total

    @property
    def for_the_kit(self) -> Decimal:
        return self.granted + self.donated

    @property
    def kit_room(self) -> Decimal:
        return self.for_the_kit - self.kit_total

    @property
    def open_follow_ups(self) -> list[FollowUp]:
        """Visits still to record: not made, and not made up for by a later one."""
        return [f for f in self.follow_ups if f.visited_on is None and not f.missed]

    @property
    def latest_visit(self) -> FollowUp | None:
        visits = [f for f in self.follow_ups if f.visited_on is not None]
        return max(visits, key=lambda f: (f.visited_on, f.pk)) if visits else None


def venture_detail(venture: Venture, today: datetime.date | None = None) -> VentureDetail:
    """Everything the project's page shows, in a fixed number of queries."""
    from karama.ventures.models import Handover, Kit

    today = today or timezone.localdate()
    versions = list(venture.versions.select_related("region", "prepared_by"))
    reviews = list(venture.reviews.select_related("version", "recorded_by"))
    grants = list(
        venture.grants.select_related("granted_by").prefetch_related(
            Prefetch("shares", queryset=GrantShare.objects.select_related("budget__funder__organization"))
        )
    )
    kit = Kit.objects.filter(venture=venture).first()
    items = list(kit.items.all()) if kit else []
    handover = Handover.objects.filter(venture=venture).first()
    follow_ups = list(venture.follow_ups.select_related("visited_by", "organization"))
    _mark_missed(follow_ups)
    detail = VentureDetail(
        venture=venture,
        versions=versions,
        reviews=reviews,
        grants=grants,
        kit=kit,
        items=items,
        handover=handover,
        follow_ups=follow_ups,
        granted=sum((g.amount for g in grants), ZERO),
        donated=donated_for_kit(venture),
        kit_total=sum((i.total for i in items), ZERO),
    )
    if handover:
        detail.survival = survival_of([(handover.handed_over_on, follow_ups)], today)
    return detail


def _mark_missed(follow_ups: list[FollowUp]) -> None:
    """A visit never made is `missed` once a later visit made up for it or the project was found closed;
    until then it is due (or overdue) work."""
    recorded = [f for f in follow_ups if f.visited_on is not None]
    closed = any(f.state == ProjectState.CLOSED for f in recorded)
    for visit in follow_ups:
        visit.missed = visit.visited_on is None and (closed or any(f.visited_on >= visit.due_on for f in recorded))


def ventures_of_person(user: User, person: Person) -> list[Venture]:
    return list(
        with_card_fields(ventures_visible_to(user).filter(person=person))
        .select_related("handover")
        .order_by("-created_at", "-pk")
    )


# The accompaniment centre's work list -----------------------------------------------------------------------

DUE_SOON_DAYS = 30


def follow_up_worklist(user: User, today: datetime.date | None = None, days: int = DUE_SOON_DAYS):
    """Visits not yet recorded that are overdue or due in the next `days` days, the most overdue first."""
    today = today or timezone.localdate()
    # A visit a later one made up for, or any visit after the project was found closed, is no longer work.
    made_up = FollowUp.objects.filter(venture=OuterRef("venture"), visited_on__gte=OuterRef("due_on"))
    closed = FollowUp.objects.filter(venture=OuterRef("venture"), state=ProjectState.CLOSED)
    return (
        FollowUp.objects.filter(
            venture__in=ventures_visible_to(user),
            venture__stage__in=AFTER_HANDOVER,
            visited_on__isnull=True,
            due_on__lte=today + datetime.timedelta(days=days),
        )
        .exclude(Exists(made_up))
        .exclude(Exists(closed))
        .select_related("venture__person", "venture__current_version__region", "venture__agreement")
        .order_by("due_on", "pk")
    )


# An agreement's projects: its page's section and its report --------------------------------------------------


@dataclass
class MoneyLine:
    currency: str
    committed: Decimal = ZERO
    handed_over: Decimal = ZERO
    remaining: Decimal = ZERO
    total: Decimal = ZERO


@dataclass
class AgreementVentures:
    agreement: Agreement
    money: list[MoneyLine]
    stage_counts: dict
    funded: int
    handed_over: int
    target: int | None

    @property
    def plans(self) -> int:
        return sum(self.stage_counts.values())

    @property
    def has_anything(self) -> bool:
        return self.plans > 0


def agreement_ventures(agreement: Agreement) -> AgreementVentures:
    """What the agreement's budgets committed to projects, what was handed over and what remains; how many
    people were funded and equipped against the beneficiaries the agreement promised."""
    ventures = Venture.objects.filter(agreement=agreement)
    stage_counts = dict(ventures.values_list("stage").annotate(n=Count("pk")).order_by())
    money: dict[str, MoneyLine] = {}
    for budget in Budget.objects.filter(agreement=agreement).prefetch_related("movements"):
        line = money.setdefault(budget.currency, MoneyLine(budget.currency))
        line.remaining += _remaining(budget)
        line.total += budget.amount
    for currency, total in (
        Grant.objects.filter(agreement=agreement).values_list("currency").annotate(total=Sum("amount")).order_by()
    ):
        money.setdefault(currency, MoneyLine(currency)).committed += total
    handed = KitItem.objects.filter(kit__venture__agreement=agreement, kit__venture__stage__in=AFTER_HANDOVER)
    for currency, total in handed.values_list("kit__venture__currency").annotate(total=Sum(ITEM_VALUE)).order_by():
        money.setdefault(currency, MoneyLine(currency)).handed_over += total
    target = (
        Commitment.objects.filter(agreement=agreement, unit=Commitment.Unit.BENEFICIARIES)
        .aggregate(target=Sum("target_quantity"))
        .get("target")
    )
    return AgreementVentures(
        agreement=agreement,
        money=sorted(money.values(), key=lambda line: line.currency),
        stage_counts=stage_counts,
        funded=sum(stage_counts.get(stage, 0) for stage in FUNDED_STAGES),
        handed_over=sum(stage_counts.get(stage, 0) for stage in AFTER_HANDOVER),
        target=target,
    )


@dataclass
class SectorLine:
    sector: str
    plans: int = 0
    funded: int = 0
    handed_over: int = 0
    granted: dict = field(default_factory=dict)  # currency -> amount
    equipment: dict = field(default_factory=dict)  # currency -> kit value
    survival: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return Sector(self.sector).label if self.sector in Sector.values else self.sector


def agreement_report(agreement: Agreement, today: datetime.date | None = None) -> tuple[list[SectorLine], SectorLine]:
    """Per sector: plans, beneficiaries funded and equipped, money granted and equipment bought, and survival
    at 6 and 12 months (see survival.py); then the same for the whole agreement."""
    today = today or timezone.localdate()
    ventures = list(
        Venture.objects.filter(agreement=agreement)
        .select_related("current_version", "handover")
        .prefetch_related("grants", "follow_ups", Prefetch("kit__items"))
    )
    lines: dict[str, SectorLine] = {}
    total = SectorLine(sector="")
    projects_by_sector: dict[str, list] = defaultdict(list)
    for venture in ventures:
        sector = venture.current_version.sector if venture.current_version else Sector.OTHER
        line = lines.setdefault(sector, SectorLine(sector=sector))
        for target in (line, total):
            _count_into(target, venture)
        handover = getattr(venture, "handover", None)
        if handover is not None:
            projects_by_sector[sector].append((handover.handed_over_on, list(venture.follow_ups.all())))
    for sector, line in lines.items():
        line.survival = survival_of(projects_by_sector[sector], today)
    total.survival = survival_of([p for projects in projects_by_sector.values() for p in projects], today)
    ordered = [lines[s] for s in Sector.values if s in lines]
    return ordered, total


def _count_into(line: SectorLine, venture: Venture) -> None:
    line.plans += 1
    if venture.stage in FUNDED_STAGES:
        line.funded += 1
    if venture.stage in AFTER_HANDOVER:
        line.handed_over += 1
    for grant in venture.grants.all():
        line.granted[grant.currency] = line.granted.get(grant.currency, ZERO) + grant.amount
    kit = getattr(venture, "kit", None)
    if kit is not None:
        value = sum((item.total for item in kit.items.all()), ZERO)
        if value:
            line.equipment[venture.currency] = line.equipment.get(venture.currency, ZERO) + value


# What ventures delivered against agreements' commitments -------------------------------------------------------


def delivered_by_ventures(commitment_ids: list[int]) -> dict[int, int]:
    """'projects' commitments count the agreement's funded projects; 'beneficiaries' commitments count
    the people whose equipment was handed over."""
    commitments = list(
        Commitment.objects.filter(
            pk__in=commitment_ids, unit__in=[Commitment.Unit.PROJECTS, Commitment.Unit.BENEFICIARIES]
        ).values_list("pk", "agreement_id", "unit")
    )
    if not commitments:
        return {}
    agreement_ids = {agreement_id for _pk, agreement_id, _unit in commitments}
    counts = (
        Venture.objects.filter(agreement_id__in=agreement_ids)
        .values("agreement_id")
        .annotate(
            funded=Count("pk", filter=Q(stage__in=FUNDED_STAGES)),
            handed_over=Count("person", filter=Q(stage__in=AFTER_HANDOVER), distinct=True),
        )
        .order_by()
    )
    by_agreement = {row["agreement_id"]: row for row in counts}
    delivered = {}
    for pk, agreement_id, unit in commitments:
        row = by_agreement.get(agreement_id)
        if row:
            delivered[pk] = row["funded"] if unit == Commitment.Unit.PROJECTS else row["handed_over"]
    return delivered
