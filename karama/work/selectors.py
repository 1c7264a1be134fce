"""Reads of workshops, jobs, pay, capacity, proposals, openings, applications and retention checks,
always scoped by the acting user. People are reached only through the people selector, except for the
anonymous candidate profiles of an opening (see `candidate_rows`)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import salted_hmac

from karama.agreements.models import Agreement, Party
from karama.core.access import scope_of
from karama.core.models import Facility, User
from karama.people.models import _CODE_ALPHABET, ConsentPurpose, CustodyEpisode, Person, PersonStatus
from karama.people.selectors import active_consents, can_manage_person, people_visible_to
from karama.work import matching
from karama.work.models import (
    Application,
    ApplicationStatus,
    FacilityCapacity,
    InvestmentProposal,
    Job,
    Opening,
    OpeningStatus,
    PayLine,
    PayRun,
    PayRunStatus,
    ProposalStatus,
    RetentionCheck,
    SavingsPayout,
    Workshop,
)

RETENTION_LOOKAHEAD_DAYS = 14


def _partner_agreements(organization_id: int) -> QuerySet[Agreement]:
    return Agreement.objects.filter(
        Exists(Party.objects.filter(agreement=OuterRef("pk"), organization_id=organization_id))
    )


def partner_administration_ids(user: User) -> set[int]:
    """The administrations a partner works with: the one whose registry holds it and those it has agreements with."""
    scope = scope_of(user)
    if not scope.is_partner:
        return set()
    ids = set(_partner_agreements(scope.organization_id).values_list("administration_id", flat=True))
    if user.organization.administration_id:
        ids.add(user.organization.administration_id)
    return ids


# Workshops, jobs and pay --------------------------------------------------------------------------------


def workshops_visible_to(user: User) -> QuerySet[Workshop]:
    """Operator: all. The administration's staff and auditors: its workshops. Partner staff: the workshops
    their organization runs or that belong to an agreement it is party to."""
    scope = scope_of(user)
    workshops = Workshop.objects.select_related("facility", "operator", "agreement", "administration")
    if scope.everywhere:
        return workshops
    if scope.reads_administration:
        return workshops.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        return workshops.filter(
            Q(operator_id=scope.organization_id) | Q(agreement__in=_partner_agreements(scope.organization_id))
        )
    return workshops.none()


def get_workshop_for(user: User, code: str) -> Workshop:
    workshop = workshops_visible_to(user).filter(code=code).first()
    if workshop is None:
        raise Http404
    return workshop


def can_manage_workshop(user: User, workshop: Workshop) -> bool:
    """Positions, pay bands, the wage split and the workshop itself: the administration's administrators."""
    return scope_of(user).can_manage(workshop.administration_id)


def can_run_workshop(user: User, workshop: Workshop) -> bool:
    """Jobs and pay runs: the administrators, and the staff of the facility the workshop is in."""
    scope = scope_of(user)
    return can_manage_workshop(user, workshop) or (
        scope.role == "facility_staff" and scope.facility_id == workshop.facility_id
    )


def sees_workers(user: User) -> bool:
    """Partner staff see a workshop's positions and totals, never the list of its workers."""
    scope = scope_of(user)
    return scope.everywhere or scope.reads_administration


def jobs_visible_to(user: User) -> QuerySet[Job]:
    if not sees_workers(user):
        return Job.objects.none()
    return Job.objects.filter(person__in=people_visible_to(user)).select_related(
        "person", "position", "pay_band", "workshop"
    )


@dataclass
class PositionRow:
    position: object
    filled: int

    @property
    def free(self) -> int:
        return max(0, self.position.places - self.filled)


@dataclass
class WorkshopDetail:
    workshop: Workshop
    positions: list[PositionRow]
    pay_bands: list
    splits: list
    current_split: object
    jobs: list
    pay_runs: list
    places: int = 0
    filled: int = 0


def workshop_detail(user: User, workshop: Workshop) -> WorkshopDetail:
    """Everything the workshop page shows, in a fixed number of queries."""
    filled = dict(
        workshop.jobs.filter(ends_on__isnull=True).values_list("position_id").annotate(n=Count("pk")).order_by()
    )
    positions = [PositionRow(p, filled.get(p.pk, 0)) for p in workshop.positions.all()]
    splits = list(workshop.wage_splits.all())
    today = timezone.localdate()
    jobs = list(
        jobs_visible_to(user)
        .filter(workshop=workshop)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today - datetime.timedelta(days=90)))
        .select_related("person__facility")
        .order_by("ends_on", "person__family_name", "pk")
    )
    runs = list(
        workshop.pay_runs.annotate(
            worker_count=Count("lines"), total_gross=Sum("lines__gross"), total_family=Sum("lines__family_amount")
        ).order_by("-period_start")[:12]
    )
    return WorkshopDetail(
        workshop=workshop,
        positions=positions,
        pay_bands=list(workshop.pay_bands.all()),
        splits=splits,
        current_split=next((s for s in splits if s.effective_from <= today), None),
        jobs=jobs,
        pay_runs=runs,
        places=sum(row.position.places for row in positions),
        filled=sum(row.filled for row in positions),
    )


def jobs_for_pay_run(workshop: Workshop, period_start: datetime.date, period_end: datetime.date) -> QuerySet[Job]:
    """The workshop's jobs that overlap the period."""
    return (
        workshop.jobs.filter(starts_on__lte=period_end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period_start))
        .select_related("person", "position", "pay_band")
        .order_by("person__family_name", "person__given_name", "pk")
    )


def pay_runs_visible_to(user: User) -> QuerySet[PayRun]:
    return PayRun.objects.filter(workshop__in=workshops_visible_to(user)).select_related("workshop__facility")


def get_pay_run_for(user: User, code: str) -> PayRun:
    pay_run = pay_runs_visible_to(user).filter(code=code).first()
    if pay_run is None:
        raise Http404
    return pay_run


@dataclass
class PayRunTotals:
    gross: Decimal = Decimal(0)
    family: Decimal = Decimal(0)
    savings: Decimal = Decimal(0)
    kept: Decimal = Decimal(0)
    workers: int = 0


def pay_run_totals(pay_run: PayRun) -> PayRunTotals:
    sums = pay_run.lines.aggregate(
        gross=Sum("gross"),
        family=Sum("family_amount"),
        savings=Sum("savings_amount"),
        kept=Sum("kept_amount"),
        workers=Count("pk"),
    )
    return PayRunTotals(**{key: value or (0 if key == "workers" else Decimal(0)) for key, value in sums.items()})


def pay_lines_visible_to(user: User, pay_run: PayRun) -> QuerySet[PayLine]:
    """One line per worker, for those who see workers and may see the person."""
    if not sees_workers(user):
        return PayLine.objects.none()
    return (
        pay_run.lines.filter(person__in=people_visible_to(user))
        .select_related("person", "job__position")
        .order_by("person__family_name", "person__given_name", "pk")
    )


@dataclass
class Earnings:
    """What a person earned in prison and where it went, per currency; only paid runs count as sent."""

    currency: str
    gross: Decimal
    family: Decimal
    saved: Decimal
    kept: Decimal
    paid_out: Decimal

    @property
    def savings_balance(self) -> Decimal:
        return self.saved - self.paid_out


def earnings_of(person: Person) -> list[Earnings]:
    paid = (
        PayLine.objects.filter(person=person, pay_run__status=PayRunStatus.PAID)
        .values("pay_run__currency")
        .annotate(gross=Sum("gross"), family=Sum("family_amount"), saved=Sum("savings_amount"), kept=Sum("kept_amount"))
        .order_by("pay_run__currency")
    )
    payouts = dict(
        SavingsPayout.objects.filter(person=person).values_list("currency").annotate(total=Sum("amount")).order_by()
    )
    return [
        Earnings(
            currency=row["pay_run__currency"],
            gross=row["gross"],
            family=row["family"],
            saved=row["saved"],
            kept=row["kept"],
            paid_out=payouts.get(row["pay_run__currency"], Decimal(0)),
        )
        for row in paid
    ]


# Capacity and investment proposals ------------------------------------------------------------------------


def capacities_visible_to(user: User) -> QuerySet[FacilityCapacity]:
    """Staff: their administration's facilities, published or not. Partners: what is published by the
    administrations they work with."""
    scope = scope_of(user)
    capacities = FacilityCapacity.objects.select_related("facility__administration", "facility__region")
    if scope.everywhere:
        return capacities
    if scope.reads_administration:
        return capacities.filter(facility__administration_id=scope.administration_id)
    if scope.is_partner:
        return capacities.filter(published=True, facility__administration_id__in=partner_administration_ids(user))
    return capacities.none()


def idle_places_by_facility(facility_ids) -> dict[int, int]:
    """Free places in the active workshops of each facility (positions' places not held by an open job)."""
    from karama.work.models import Position

    places = defaultdict(int)
    rows = Position.objects.filter(workshop__facility_id__in=list(facility_ids), workshop__status="active").annotate(
        filled=Count("jobs", filter=Q(jobs__ends_on__isnull=True))
    )
    for position in rows.values("workshop__facility_id", "places", "filled"):
        places[position["workshop__facility_id"]] += max(0, position["places"] - position["filled"])
    return dict(places)


def facilities_for_proposals(user: User) -> QuerySet[Facility]:
    """The facilities an entrepreneur may propose to invest in (staff: their administration's)."""
    scope = scope_of(user)
    facilities = Facility.objects.select_related("administration")
    if scope.everywhere:
        return facilities
    if scope.reads_administration:
        return facilities.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        return facilities.filter(administration_id__in=partner_administration_ids(user))
    return facilities.none()


def proposals_visible_to(user: User) -> QuerySet[InvestmentProposal]:
    """Staff: their administration's proposals. Partner staff: their own organization's."""
    scope = scope_of(user)
    proposals = InvestmentProposal.objects.select_related("facility", "proposer", "administration", "workshop")
    if scope.everywhere:
        return proposals
    if scope.reads_administration:
        return proposals.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        return proposals.filter(proposer_id=scope.organization_id)
    return proposals.none()


def get_proposal_for(user: User, code: str) -> InvestmentProposal:
    proposal = proposals_visible_to(user).select_related("agreement").filter(code=code).first()
    if proposal is None:
        raise Http404
    return proposal


def can_review_proposal(user: User, proposal: InvestmentProposal) -> bool:
    return scope_of(user).can_manage(proposal.administration_id)


# Openings -------------------------------------------------------------------------------------------------


def openings_visible_to(user: User) -> QuerySet[Opening]:
    """Staff: their administration's openings. Partner staff: their own organization's, and the open
    openings of the administrations they work with (an association looks for jobs for its people)."""
    scope = scope_of(user)
    openings = Opening.objects.select_related("employer", "region", "administration")
    if scope.everywhere:
        return openings
    if scope.reads_administration:
        return openings.filter(administration_id=scope.administration_id)
    if scope.is_partner:
        return openings.filter(
            Q(employer_id=scope.organization_id)
            | Q(status=OpeningStatus.OPEN, administration_id__in=partner_administration_ids(user))
        )
    return openings.none()


def get_opening_for(user: User, code: str) -> Opening:
    opening = (
        openings_visible_to(user)
        .select_related("agreement", "commitment")
        .prefetch_related("skills", "exclusions")
        .filter(code=code)
        .first()
    )
    if opening is None:
        raise Http404
    return opening


def can_manage_opening(user: User, opening: Opening) -> bool:
    """The employer's own staff, and the administration's administrators."""
    scope = scope_of(user)
    return scope.can_manage(opening.administration_id) or (
        scope.is_partner and opening.employer_id == scope.organization_id
    )


def can_see_candidates(user: User, opening: Opening) -> bool:
    """The administration's staff and auditors, and the employer's own staff; other partners never."""
    scope = scope_of(user)
    if scope.everywhere or scope.administration_id == opening.administration_id and scope.reads_administration:
        return True
    return scope.is_partner and opening.employer_id == scope.organization_id


def employers_for(user: User):
    """The organizations a user may publish openings for: partner staff their own, administrators any
    organization of their registry or party to their agreements."""
    from karama.core.models import Organization
    from karama.core.selectors import organizations_visible_to

    scope = scope_of(user)
    if scope.is_partner:
        return Organization.objects.filter(pk=scope.organization_id)
    if not scope.manages_something:
        return Organization.objects.none()
    return organizations_visible_to(user).exclude(kind=Organization.Kind.PRISON_ADMINISTRATION)


def administrations_for_openings(user: User):
    """The administrations a user may publish openings in: a partner's (its registry's and those it has
    agreements with), the ones an administrator manages."""
    from karama.core.models import Organization

    scope = scope_of(user)
    administrations = Organization.objects.filter(kind=Organization.Kind.PRISON_ADMINISTRATION)
    if scope.is_partner:
        return administrations.filter(pk__in=partner_administration_ids(user))
    managed = scope.manageable_administration_ids()
    return administrations if managed is None else administrations.filter(pk__in=managed)


# Who may see a person's name in work's lists -----------------------------------------------------------


def employment_consents(organization_id: int, person_ids) -> set[int]:
    return set(
        active_consents(organization_id)
        .filter(purpose=ConsentPurpose.EMPLOYMENT, person_id__in=list(person_ids))
        .values_list("person_id", flat=True)
    )


def named_people(user: User, person_ids, employer_id: int | None = None) -> set[int]:
    """Which of these people the user may see by name. For an employer's own openings, a partner needs the
    person's consent to share with it for employment; elsewhere the people selector decides."""
    ids = list(person_ids)
    scope = scope_of(user)
    if scope.is_partner and employer_id == scope.organization_id:
        return employment_consents(scope.organization_id, ids)
    return set(people_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def candidate_code(opening: Opening, person_id: int) -> str:
    """A code for a person that is the same on one opening's pages and different on every other opening's:
    an employer comparing lists of anonymous candidates across openings (with different excluded case
    categories) cannot learn anyone's case category, nor link them to a public code shown elsewhere."""
    digest = salted_hmac("karama.work.candidate", f"{opening.code}:{person_id}").digest()
    body = "".join(_CODE_ALPHABET[byte % len(_CODE_ALPHABET)] for byte in digest[:8])
    return f"M-{body[:4]}-{body[4:]}"


@dataclass
class CandidateRow:
    """One candidate as a reader may see them: by name only when allowed, else an anonymous profile."""

    code: str
    named: bool
    profile: matching.PersonProfile
    match: matching.Match
    person: Person | None = None
    availability: str = ""
    skills: list[str] = field(default_factory=list)
    training: list[str] = field(default_factory=list)


def availability_of(profile: matching.PersonProfile, today: datetime.date) -> str:
    """Coarse on purpose: 'now', or the number of whole months until the expected release."""
    if not profile.in_custody:
        return "now"
    return str(max(0, (profile.expected_release - today).days // 30))


def candidate_rows(user: User, opening: Opening, limit: int = 50) -> list[CandidateRow]:
    """The ranked candidates of an opening the user may see candidates of. The pool is the opening's
    administration, not the user's people: that is the point of anonymous profiles. Names (and the public
    code) appear only for people `named_people` allows."""
    if not can_see_candidates(user, opening):
        raise Http404
    today = timezone.localdate()
    ranked = matching.candidates_for(opening, today, limit)
    named = named_people(user, [profile.pk for profile, _match in ranked], opening.employer_id)
    people = Person.objects.in_bulk(list(named)) if named else {}
    rows = []
    for profile, match in ranked:
        is_named = profile.pk in named
        rows.append(
            CandidateRow(
                code=profile.public_code if is_named else candidate_code(opening, profile.pk),
                named=is_named,
                profile=profile,
                match=match,
                person=people.get(profile.pk),
                availability=availability_of(profile, today),
                skills=sorted(profile.skills),
                training=[item.name for item in profile.trained],
            )
        )
    return rows


def find_candidate(user: User, opening: Opening, code: str) -> CandidateRow:
    """A candidate by the code the reader was shown (a public code or an anonymous candidate code)."""
    for row in candidate_rows(user, opening, limit=matching.CANDIDATE_LIMIT):
        if row.code == code:
            return row
    raise Http404


# Applications, placements and retention -------------------------------------------------------------------


def applications_visible_to(user: User) -> QuerySet[Application]:
    """Staff: applications of the people they see. Partner staff: applications to their own openings
    (anonymous until the person consents), and those of people they see through a consent."""
    scope = scope_of(user)
    applications = Application.objects.select_related("opening__employer", "opening__region", "person")
    if scope.everywhere:
        return applications
    visible = people_visible_to(user)
    if scope.is_partner:
        return applications.filter(Q(opening__employer_id=scope.organization_id) | Q(person__in=visible))
    if scope.reads_administration:
        return applications.filter(person__in=visible)
    return applications.none()


def get_application_for(user: User, code: str) -> Application:
    application = applications_visible_to(user).prefetch_related("retention_checks").filter(code=code).first()
    if application is None:
        raise Http404
    return application


def is_named(user: User, application: Application) -> bool:
    return application.person_id in named_people(user, [application.person_id], application.opening.employer_id)


def label_for(user: User, application: Application, named: set[int] | None = None) -> str:
    """How a reader refers to the person of an application: their public code, or the anonymous code."""
    if named is None:
        named = named_people(user, [application.person_id], application.opening.employer_id)
    if application.person_id in named:
        return application.person.public_code
    return candidate_code(application.opening, application.person_id)


def can_move_application(user: User, application: Application) -> bool:
    """Staff who act on the person, and the employer's staff for their own openings."""
    scope = scope_of(user)
    if scope.is_partner:
        return application.opening.employer_id == scope.organization_id
    return can_manage_person(user, application.person)


def named_applications(user: User, applications) -> set[int]:
    """The applications (by id) whose person the user may see by name, in at most two queries."""
    scope = scope_of(user)
    own = [a for a in applications if scope.is_partner and a.opening.employer_id == scope.organization_id]
    others = [a for a in applications if not (scope.is_partner and a.opening.employer_id == scope.organization_id)]
    named = set()
    if own:
        consenting = employment_consents(scope.organization_id, {a.person_id for a in own})
        named |= {a.pk for a in own if a.person_id in consenting}
    if others:
        visible = set(people_visible_to(user).filter(pk__in={a.person_id for a in others}).values_list("pk", flat=True))
        named |= {a.pk for a in others if a.person_id in visible}
    return named


def retention_checks_due(user: User, within_days: int = RETENTION_LOOKAHEAD_DAYS) -> QuerySet[RetentionCheck]:
    """Checks not yet recorded whose day has come (or comes within `within_days`): the due work."""
    horizon = timezone.localdate() + datetime.timedelta(days=within_days)
    return (
        RetentionCheck.objects.filter(
            application__in=applications_visible_to(user), checked_on__isnull=True, due_on__lte=horizon
        )
        .select_related("application__opening__employer", "application__person")
        .order_by("due_on", "pk")
    )


def placements_visible_to(user: User) -> QuerySet[Application]:
    return (
        applications_visible_to(user)
        .filter(status__in=Application.PLACED)
        .prefetch_related(Prefetch("retention_checks", queryset=RetentionCheck.objects.order_by("months")))
    )


# Due for release: everybody's best openings -------------------------------------------------------------


def due_people(user: User, days: int, facility_id: int | None = None) -> QuerySet[Person]:
    """People the user sees who are in custody and expected out within `days` days."""
    today = timezone.localdate()
    people = people_visible_to(user).filter(
        status=PersonStatus.IN_CUSTODY,
        episodes__released_on__isnull=True,
        episodes__expected_release_on__gte=today,
        episodes__expected_release_on__lte=today + datetime.timedelta(days=days),
    )
    if facility_id:
        people = people.filter(facility_id=facility_id)
    return people.distinct()


@dataclass
class DueRow:
    person: Person
    expected_release: datetime.date | None
    matches: list[tuple[Opening, matching.Match]]


def due_matches(user: User, people: list[Person], per_person: int = 3) -> list[DueRow]:
    """Each person's best openings, from one in-memory index of the openings per administration."""
    today = timezone.localdate()
    ranked = matching.rank_everyone([person.pk for person in people], today, per_person)
    opening_ids = {facts.pk for rows in ranked.values() for facts, _match in rows}
    openings = Opening.objects.select_related("employer", "region").in_bulk(list(opening_ids))
    releases = dict(
        CustodyEpisode.objects.filter(person__in=people, released_on__isnull=True).values_list(
            "person_id", "expected_release_on"
        )
    )
    return [
        DueRow(
            person,
            releases.get(person.pk),
            [(openings[facts.pk], match) for facts, match in ranked.get(person.pk, []) if facts.pk in openings],
        )
        for person in people
    ]


# The agreement page --------------------------------------------------------------------------------------


def agreement_work(user: User, agreement: Agreement) -> dict:
    """Workshops and openings under an agreement, and how many people they placed in jobs."""
    workshops = list(workshops_visible_to(user).filter(agreement=agreement))
    openings = list(
        openings_visible_to(user)
        .filter(agreement=agreement)
        .annotate(placed=Count("applications", filter=Q(applications__status__in=Application.PLACED)))
    )
    return {"workshops": workshops, "openings": openings}


def pending_proposals(user: User) -> QuerySet[InvestmentProposal]:
    return proposals_visible_to(user).filter(status__in=[ProposalStatus.SUBMITTED, ProposalStatus.UNDER_REVIEW])


def draft_pay_runs(user: User) -> QuerySet[PayRun]:
    return pay_runs_visible_to(user).filter(status__in=[PayRunStatus.DRAFT, PayRunStatus.APPROVED])


def jobs_to_end(user: User) -> QuerySet[Job]:
    """Open jobs of people no longer in custody in the workshop's facility: to be ended."""
    from django.db.models import F

    return (
        jobs_visible_to(user)
        .filter(ends_on__isnull=True)
        .filter(~Q(person__status=PersonStatus.IN_CUSTODY) | ~Q(person__facility_id=F("workshop__facility_id")))
        .select_related("workshop__facility")
    )


def hired_count(opening: Opening) -> int:
    return opening.applications.filter(status=ApplicationStatus.HIRED).count()


# The person page ---------------------------------------------------------------------------------------


def person_work(user: User, person: Person) -> dict:
    """The person page's work section: jobs in prison, and (for staff) what they earned and where it went;
    the applications and placements the reader may see, with their retention checks."""
    staff = sees_workers(user)
    jobs = list(person.prison_jobs.select_related("workshop__facility", "position", "pay_band").order_by("-starts_on"))
    applications = list(
        applications_visible_to(user)
        .filter(person=person)
        .prefetch_related(Prefetch("retention_checks", queryset=RetentionCheck.objects.order_by("months")))
    )
    earnings = earnings_of(person) if staff else []
    return {
        "person": person,
        "jobs": jobs,
        "applications": applications,
        "earnings": earnings,
        "show_pay": staff,
        "can_pay_out": person.status != PersonStatus.IN_CUSTODY
        and can_manage_person(user, person)
        and any(e.savings_balance > 0 for e in earnings),
        "today": timezone.localdate(),
    }
