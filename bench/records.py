"""What hangs from the people of the bench administration: households and their members, consents to partners,
assessments with ratings and needs, reintegration plans, case notes, and the access log their use leaves."""

import datetime
import random
from collections.abc import Iterator

from bench.frame import Frame, Picker
from bench.names import NOTE_TEXTS, PERSIAN_FAMILIES, PERSIAN_MEN, PERSIAN_WOMEN
from bench.population import Resident, public_code
from bench.sink import Sink, Table
from karama.core import crypto
from karama.people.catalogues import NEEDS, NeedDomain
from karama.people.models import (
    AccessAction,
    AccessLog,
    Assessment,
    CaseNote,
    Consent,
    ConsentPurpose,
    DomainRating,
    Household,
    HouseholdMember,
    NeedLevel,
    NoteVisibility,
    PersonNeed,
    PersonStatus,
    PlanAction,
    PlanReview,
    PlanStatus,
    RecommendedPath,
    ReintegrationPlan,
    Relation,
    ReleaseTask,
    ReleaseTaskKind,
    ReleaseTaskStatus,
    Schooling,
)
from karama.people.planning import review_schedule

CHUNK = 20_000


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _moment(rng: random.Random, day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(rng.randint(7, 17), rng.randrange(60)), tzinfo=datetime.UTC)


# Households ------------------------------------------------------------------------------------------------

HOUSEHOLD = Table(
    Household,
    [
        "id",
        "public_code",
        "person_id",
        "region_id",
        "contact_name",
        "contact_relation",
        "contact_phone_encrypted",
        "supporting_association_id",
    ],
)
MEMBER = Table(
    HouseholdMember,
    ["household_id", "relation", "sex", "birth_year", "schooling", "health_needs", "special_needs", "dependent"],
)
CONTACTS = [("همسر", PERSIAN_WOMEN), ("مادر", PERSIAN_WOMEN), ("پدر", PERSIAN_MEN), ("برادر", PERSIAN_MEN)]


def write_households(
    rng: random.Random, sink: Sink, frame: Frame, residents: list[Resident], count: int, taken: set[str], today
) -> None:
    chosen = sorted(rng.sample(range(len(residents)), min(count, len(residents))))
    first_id = sink.reserve_ids(Household, len(chosen))
    for chunk_start, chunk in zip(range(0, len(chosen), CHUNK), _chunks(chosen), strict=True):
        households, members = [], []
        for offset, index in enumerate(chunk):
            pk = first_id + chunk_start + offset
            households.append(_household(rng, frame, residents[index], pk, taken))
            members.extend(_members(rng, pk, today.year))
        sink.write(HOUSEHOLD, households)
        sink.write(MEMBER, members)


def _household(rng: random.Random, frame: Frame, resident: Resident, pk: int, taken: set[str]) -> tuple:
    relation, names = CONTACTS[rng.randrange(len(CONTACTS))]
    contact = f"{names[rng.randrange(len(names))][0]} {PERSIAN_FAMILIES[rng.randrange(len(PERSIAN_FAMILIES))][0]}"
    phone = f"+98 9{rng.randint(10, 39)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    association = frame.associations[rng.randrange(len(frame.associations))] if frame.associations else None
    return (
        pk,
        public_code(rng, "H", taken),
        resident.pk,
        frame.regions[rng.randrange(len(frame.regions))],
        contact,
        relation,
        crypto.encrypt(phone) if rng.random() < 0.7 else "",
        association if rng.random() < 0.3 else None,
    )


def _members(rng: random.Random, household_id: int, this_year: int) -> list[tuple]:
    members = []
    if rng.random() < 0.65:
        members.append((household_id, Relation.SPOUSE, "female", this_year - rng.randint(20, 60), "", "", False, True))
    for _child in range(rng.choice([0, 0, 1, 1, 2, 2, 3, 4])):
        born = this_year - rng.randint(0, 18)
        age = this_year - born
        schooling = (
            Schooling.NOT_OF_AGE if age < 6 else Schooling.IN_SCHOOL if rng.random() < 0.85 else Schooling.OUT_OF_SCHOOL
        )
        members.append(
            (
                household_id,
                Relation.CHILD,
                rng.choice(["male", "female"]),
                born,
                schooling,
                "",
                rng.random() < 0.03,
                True,
            )
        )
    if not members or rng.random() < 0.2:
        members.append((household_id, Relation.PARENT, "female", this_year - rng.randint(45, 85), "", "", False, True))
    return members


# Consents --------------------------------------------------------------------------------------------------

CONSENT = Table(
    Consent,
    [
        "person_id",
        "organization_id",
        "purpose",
        "agreement_id",
        "valid_from",
        "valid_until",
        "revoked_at",
        "revoked_by_id",
        "recorded_by_id",
    ],
)
PURPOSES = Picker(
    [
        ConsentPurpose.AFTERCARE,
        ConsentPurpose.TRAINING,
        ConsentPurpose.EMPLOYMENT,
        ConsentPurpose.FAMILY_SUPPORT,
        ConsentPurpose.INCOME_PROJECT,
        ConsentPurpose.VISITS,
        ConsentPurpose.RESEARCH,
    ],
    [30, 20, 15, 15, 8, 8, 4],
)


def write_consents(
    rng: random.Random, sink: Sink, frame: Frame, residents: list[Resident], count: int, today
) -> list[int]:
    """Consents to partners, most under one of the partner's agreements. Returns the people who consented to
    the bench partner (whose staff user signs in), for the access log."""
    partner_people = []
    for chunk_start in range(0, count, CHUNK):
        rows = []
        for _number in range(min(CHUNK, count - chunk_start)):
            resident = residents[rng.randrange(len(residents))]
            row = _consent(rng, frame, resident, today)
            if row[1] == frame.partner_organization:
                partner_people.append(resident.pk)
            rows.append(row)
        sink.write(CONSENT, rows)
    return partner_people


def _consent(rng: random.Random, frame: Frame, resident: Resident, today) -> tuple:
    organization = frame.partner_picker(rng)
    agreements = frame.partner_agreements[organization]
    agreement = agreements[rng.randrange(len(agreements))] if agreements and rng.random() < 0.85 else None
    valid_from = today - datetime.timedelta(days=rng.randint(0, 1800))
    valid_until = valid_from + datetime.timedelta(days=rng.randint(180, 1100)) if rng.random() < 0.35 else None
    revoked = rng.random() < 0.04
    staff = frame.staff_by_facility[resident.facility_id]
    return (
        resident.pk,
        organization,
        PURPOSES(rng),
        agreement,
        valid_from,
        valid_until,
        _moment(rng, valid_from + datetime.timedelta(days=rng.randint(1, 200))) if revoked else None,
        staff if revoked else None,
        staff,
    )


# Assessments and plans --------------------------------------------------------------------------------------

ASSESSMENT = Table(Assessment, ["id", "person_id", "assessed_on", "assessed_by_id", "recommended_paths", "summary"])
RATING = Table(DomainRating, ["assessment_id", "domain", "level", "notes"])
NEED = Table(PersonNeed, ["person_id", "assessment_id", "domain", "need", "status", "updated_by_id"])
PLAN = Table(ReintegrationPlan, ["id", "person_id", "assessment_id", "created_by_id"])
TASK = Table(ReleaseTask, ["plan_id", "kind", "status", "due_on"])
REVIEW = Table(PlanReview, ["plan_id", "kind", "due_on", "completed_on", "exemption"])
ACTION = Table(PlanAction, ["plan_id", "goal", "domain", "owner_id", "due_on", "status"])
LEVELS = Picker(NeedLevel.values, [15, 30, 35, 20])
NEED_STATUSES = Picker(["open", "in_progress", "met", "not_met"], [50, 30, 15, 5])
TASK_STATUSES = Picker(ReleaseTaskStatus.values, [50, 25, 20, 5])
GOALS = ["دوره آموزش فنی", "یافتن کار پس از آزادی", "حمایت از خانواده", "تسویه بدهی", "دریافت کارت ملی"]
PLAN_SHARE = 0.8


def write_assessments_and_plans(
    rng: random.Random, sink: Sink, frame: Frame, residents: list[Resident], count: int, today
) -> None:
    """One assessment each for `count` people, most of them in custody; a plan for most of those assessed."""
    chosen = _assessed(rng, residents, count)
    first_assessment = sink.reserve_ids(Assessment, len(chosen))
    planned = [index for index in range(len(chosen)) if rng.random() < PLAN_SHARE]
    first_plan = sink.reserve_ids(ReintegrationPlan, len(planned))
    plan_of = {index: first_plan + position for position, index in enumerate(planned)}
    for chunk_start in range(0, len(chosen), CHUNK):
        tables: dict[str, list] = {
            "assessments": [],
            "ratings": [],
            "needs": [],
            "plans": [],
            "tasks": [],
            "reviews": [],
            "actions": [],
        }
        for index in range(chunk_start, min(chunk_start + CHUNK, len(chosen))):
            resident = chosen[index]
            assessment = first_assessment + index
            _assessment(rng, frame, resident, assessment, today, tables)
            if index in plan_of:
                _plan(rng, frame, resident, plan_of[index], assessment, today, tables)
        for table, key in (
            (ASSESSMENT, "assessments"),
            (RATING, "ratings"),
            (NEED, "needs"),
            (PLAN, "plans"),
            (TASK, "tasks"),
            (REVIEW, "reviews"),
            (ACTION, "actions"),
        ):
            sink.write(table, tables[key])


def _assessed(rng: random.Random, residents: list[Resident], count: int) -> list[Resident]:
    in_custody = [r for r in residents if r.status == PersonStatus.IN_CUSTODY]
    others = [r for r in residents if r.status != PersonStatus.IN_CUSTODY]
    from_custody = min(len(in_custody), int(count * 0.75))
    chosen = rng.sample(in_custody, from_custody) + rng.sample(others, min(len(others), count - from_custody))
    chosen.sort(key=lambda resident: resident.pk)
    return chosen


def _assessment(rng: random.Random, frame: Frame, resident: Resident, pk: int, today, tables: dict) -> None:
    staff = frame.staff_by_facility[resident.facility_id]
    until = min(today, resident.last_release or today)
    span = max((until - resident.latest_admission).days, 0)
    assessed_on = resident.latest_admission + datetime.timedelta(days=min(span, rng.randint(7, 120)))
    paths = rng.sample(RecommendedPath.values, rng.randint(0, 2))
    tables["assessments"].append((pk, resident.pk, assessed_on, staff, paths, ""))
    for domain in rng.sample(NeedDomain.values, rng.randint(3, 5)):
        level = LEVELS(rng)
        tables["ratings"].append((pk, domain, level, ""))
        if level in (NeedLevel.MEDIUM, NeedLevel.HIGH):
            needs = list(NEEDS[domain])
            tables["needs"].append(
                (resident.pk, pk, domain, needs[rng.randrange(len(needs))], NEED_STATUSES(rng), staff)
            )


def _plan(rng: random.Random, frame: Frame, resident: Resident, pk: int, assessment: int, today, tables: dict) -> None:
    tables["plans"].append((pk, resident.pk, assessment, frame.staff_by_facility[resident.facility_id]))
    expected = resident.expected_release
    for kind in ReleaseTaskKind.values:
        due = expected - datetime.timedelta(days=rng.randint(7, 45)) if expected else None
        tables["tasks"].append((pk, kind, TASK_STATUSES(rng), due))
    # The deadlines create_plan schedules (planning.review_schedule), completed on time three times in four.
    for kind, due_on in review_schedule(resident.latest_admission, expected):
        completed = due_on + datetime.timedelta(days=rng.randint(-10, 20)) if rng.random() < 0.75 else None
        if completed and completed > today:
            completed = None
        tables["reviews"].append((pk, kind, due_on, completed, ""))
    for _number in range(rng.randint(1, 3)):
        owner = frame.partner_picker(rng) if rng.random() < 0.7 else frame.administration.pk
        status = rng.choice(PlanStatus.values)
        due = today + datetime.timedelta(days=rng.randint(-200, 400))
        tables["actions"].append(
            (pk, GOALS[rng.randrange(len(GOALS))], rng.choice(NeedDomain.values), owner, due, status)
        )


# Case notes and the access log ------------------------------------------------------------------------------

NOTE = Table(CaseNote, ["person_id", "written_at", "author_id", "author_organization_id", "text", "visibility"])
ACCESS = Table(AccessLog, ["at", "user_id", "person_id", "administration_id", "action", "detail", "address"])
ACTIONS = Picker(
    [AccessAction.VIEW, AccessAction.API_READ, AccessAction.REVEAL_NATIONAL_ID, AccessAction.EXPORT], [75, 20, 3, 2]
)


def write_notes(rng: random.Random, sink: Sink, frame: Frame, residents: list[Resident], count: int, today) -> None:
    for chunk_start in range(0, count, CHUNK):
        rows = []
        for _number in range(min(CHUNK, count - chunk_start)):
            resident = residents[rng.randrange(len(residents))]
            written = resident.latest_admission + datetime.timedelta(
                days=rng.randint(0, max((today - resident.latest_admission).days, 0))
            )
            visibility = NoteVisibility.SHARED if rng.random() < 0.2 else NoteVisibility.INTERNAL
            rows.append(
                (
                    resident.pk,
                    _moment(rng, written),
                    frame.staff_by_facility[resident.facility_id],
                    frame.administration.pk,
                    NOTE_TEXTS[rng.randrange(len(NOTE_TEXTS))],
                    visibility,
                )
            )
        sink.write(NOTE, rows)


def write_access_log(
    rng: random.Random,
    sink: Sink,
    frame: Frame,
    residents: list[Resident],
    partner_people: list[int],
    count: int,
    now: datetime.datetime,
) -> None:
    """Two years of reads: mostly the staff of the person's facility, some by the national administrator,
    a few by the partner's staff of people who consented to it."""
    administration = frame.administration.pk
    for chunk_start in range(0, count, CHUNK):
        rows = []
        for _number in range(min(CHUNK, count - chunk_start)):
            draw = rng.random()
            if draw < 0.05 and partner_people:
                user, person = frame.partner_user, partner_people[rng.randrange(len(partner_people))]
            else:
                resident = residents[rng.randrange(len(residents))]
                person = resident.pk
                user = frame.admin_user if draw < 0.15 else frame.staff_by_facility[resident.facility_id]
            at = now - datetime.timedelta(seconds=rng.randrange(730 * 86400))
            address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randint(1, 254)}"
            rows.append((at, user, person, administration, ACTIONS(rng), "", address))
        sink.write(ACCESS, rows)
