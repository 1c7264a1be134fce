"""Matching people leaving prison with openings, and explaining every match.

The hard rules are applied in SQL (same administration, open and not expired, the person free before the
opening closes, none of the employer's excluded case categories in any of the person's custody episodes)
and again in Python. Within what remains, a coarse score computed by the database (trade, region,
training) picks a bounded set of candidates, and the full score below ranks them and gives the reasons,
each with its weight. One scoring function serves every road in: one person's openings, one opening's
candidates, and everybody due for release at once (which indexes the openings in memory instead of
asking the database once per person).
"""

import datetime
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from karama.core.i18n import pick_name
from karama.core.text import search_tokens
from karama.people.catalogues import OCCUPATION_GROUPS
from karama.people.models import (
    Assessment,
    CustodyEpisode,
    Household,
    Person,
    PersonSkill,
    PersonStatus,
    RecommendedPath,
)
from karama.work.models import (
    Application,
    ApplicationStatus,
    Opening,
    OpeningExclusion,
    OpeningSkill,
    OpeningStatus,
)
from karama.work.training_link import CompletedTraining, completed_training, trained_in, trained_people

OCCUPATION, RELATED_OCCUPATION, SKILL, SKILLS_AT_MOST = 40, 20, 10, 2
TRAINING, RELATED_TRAINING = 25, 10
REGION = 20
RELEASED, DUE_SOON, DUE_BEFORE_CLOSE = 10, 10, 5
ORIENTATION, ASSESSMENT, RESERVED = 15, 5, 5
MINIMUM_SCORE = 20
# A match rests on the trade, training or place; release timing, wishes and the assessment only refine it.
COMMON_GROUND = {"occupation", "related_occupation", "skill", "training", "related_training", "region"}
DUE_SOON_DAYS = 90
# People released longer ago than this are no longer "leaving prison": matching leaves them out.
RECENT_RELEASE_DAYS = 730
# How many rows the database hands to the full score: enough for every page, bounded whatever the scale.
CANDIDATE_LIMIT = 200
PER_BUCKET = 40

REASON_TEXTS = {
    "occupation": _("Has the trade asked for: {occupation}"),
    "related_occupation": _("Has a related trade: {occupation}"),
    "skill": _("Also has: {occupation}"),
    "training": _("Completed training in the trade: {programme}"),
    "related_training": _("Completed related training: {programme}"),
    "region": _("Their family lives in the region: {region}"),
    "released": _("Already released: can start now"),
    "due_soon": _("Due for release within three months"),
    "due_before_close": _("Due for release before the opening closes"),
    "orientation": _("Matches the vocational orientation they expressed"),
    "assessment": _("Their needs assessment recommends a job"),
    "reserved": _("The employer reserves this job for people leaving prison"),
}
ACTIVE_STATUSES = (PersonStatus.IN_CUSTODY, PersonStatus.RELEASED, PersonStatus.IN_AFTERCARE)


@dataclass(frozen=True)
class Reason:
    code: str
    weight: int
    params: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        values = dict(self.params)
        if "occupation" in values:
            values["occupation"] = str(OCCUPATION_GROUPS.get(values["occupation"], values["occupation"]))
        return str(REASON_TEXTS[self.code]).format(**values)

    def as_json(self) -> dict:
        return {"code": self.code, "weight": self.weight, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: dict) -> "Reason":
        return cls(data["code"], int(data["weight"]), tuple(sorted((data.get("params") or {}).items())))


@dataclass(frozen=True)
class PersonProfile:
    """What matching knows of a person; built in bulk by `load_profiles`."""

    pk: int
    public_code: str
    administration_id: int
    status: str
    skills: frozenset[str]
    region_id: int | None
    region_name: str
    categories: frozenset[str]
    expected_release: datetime.date | None
    last_release: datetime.date | None
    orientation: str  # normalized for search
    recommends_job: bool
    trained: tuple[CompletedTraining, ...] = ()

    @property
    def in_custody(self) -> bool:
        return self.status == PersonStatus.IN_CUSTODY

    @property
    def majors(self) -> frozenset[str]:
        return frozenset(code[0] for code in self.skills)

    @property
    def trained_occupations(self) -> frozenset[str]:
        return frozenset(item.occupation for item in self.trained)

    def available_from(self, today: datetime.date) -> datetime.date | None:
        """Released: today. In custody: the expected release (None when unknown, as before a trial)."""
        return self.expected_release if self.in_custody else today


@dataclass(frozen=True)
class OpeningFacts:
    """What matching knows of an opening."""

    pk: int
    administration_id: int
    occupation: str
    region_id: int | None
    region_name: str
    valid_until: datetime.date
    only_for_leavers: bool
    skills: frozenset[str] = frozenset()
    exclusions: frozenset[str] = frozenset()
    title: str = ""

    @property
    def major(self) -> str:
        return self.occupation[0]

    @cached_property
    def keywords(self) -> tuple[str, ...]:
        """The title's words, normalized only when a person with a vocational orientation is scored against the
        opening: eagerly, normalizing every title read cost a tenth of one person's ranking (200 openings) and
        most of building the index of 10,000 (the bench), for the few people who expressed an orientation."""
        return keywords_of(self.title)


@dataclass
class Match:
    score: int
    reasons: list[Reason] = field(default_factory=list)


def keywords_of(title: str) -> tuple[str, ...]:
    """The words of an opening's title worth looking for in an orientation: no article, four letters or more."""
    words = []
    for token in search_tokens(title or ""):
        if token.startswith("ال") and len(token) > 4:
            token = token[2:]
        if len(token) >= 4:
            words.append(token)
    return tuple(dict.fromkeys(words))


# The rules ---------------------------------------------------------------------------------------------


def is_eligible(person: PersonProfile, opening: OpeningFacts, today: datetime.date) -> bool:
    """The hard rules: never an opening of another administration, an expired one, one the person cannot
    start before it closes, or one whose employer excludes a case category the person has had."""
    if person.administration_id != opening.administration_id or person.status not in ACTIVE_STATUSES:
        return False
    if opening.valid_until < today or person.categories & opening.exclusions:
        return False
    if not person.in_custody and not _recently_released(person, today):
        return False
    available = person.available_from(today)
    return available is not None and available <= opening.valid_until


def _recently_released(person: PersonProfile, today: datetime.date) -> bool:
    return person.last_release is not None and person.last_release >= today - datetime.timedelta(
        days=RECENT_RELEASE_DAYS
    )


def score(person: PersonProfile, opening: OpeningFacts, today: datetime.date) -> Match | None:
    """The full score with its reasons; None when a hard rule forbids the match or it is too weak."""
    if not is_eligible(person, opening, today):
        return None
    reasons = [
        *_trade_reasons(person, opening),
        *_training_reasons(person, opening),
        *_place_and_time_reasons(person, opening, today),
        *_wish_reasons(person, opening),
    ]
    total = sum(reason.weight for reason in reasons)
    if total < MINIMUM_SCORE or not COMMON_GROUND & {reason.code for reason in reasons}:
        return None
    return Match(total, sorted(reasons, key=lambda reason: -reason.weight))


def _trade_reasons(person: PersonProfile, opening: OpeningFacts) -> list[Reason]:
    reasons = []
    if opening.occupation in person.skills:
        reasons.append(Reason("occupation", OCCUPATION, (("occupation", opening.occupation),)))
    else:
        related = sorted(code for code in person.skills if code[0] == opening.major)
        if related:
            reasons.append(Reason("related_occupation", RELATED_OCCUPATION, (("occupation", related[0]),)))
    extra = sorted((opening.skills - {opening.occupation}) & person.skills)[:SKILLS_AT_MOST]
    reasons += [Reason("skill", SKILL, (("occupation", code),)) for code in extra]
    return reasons


def _training_reasons(person: PersonProfile, opening: OpeningFacts) -> list[Reason]:
    exact = [item for item in person.trained if item.occupation == opening.occupation]
    if exact:
        return [Reason("training", TRAINING, (("programme", exact[-1].name),))]
    related = [item for item in person.trained if item.occupation[0] == opening.major]
    if related:
        return [Reason("related_training", RELATED_TRAINING, (("programme", related[-1].name),))]
    return []


def _place_and_time_reasons(person: PersonProfile, opening: OpeningFacts, today: datetime.date) -> list[Reason]:
    reasons = []
    if opening.region_id and opening.region_id == person.region_id:
        reasons.append(Reason("region", REGION, (("region", opening.region_name),)))
    if not person.in_custody:
        reasons.append(Reason("released", RELEASED))
    elif person.expected_release <= today + datetime.timedelta(days=DUE_SOON_DAYS):
        reasons.append(Reason("due_soon", DUE_SOON))
    else:
        reasons.append(Reason("due_before_close", DUE_BEFORE_CLOSE))
    return reasons


def _wish_reasons(person: PersonProfile, opening: OpeningFacts) -> list[Reason]:
    reasons = []
    if person.orientation and any(word in person.orientation for word in opening.keywords):
        reasons.append(Reason("orientation", ORIENTATION))
    if person.recommends_job:
        reasons.append(Reason("assessment", ASSESSMENT))
    if opening.only_for_leavers:
        reasons.append(Reason("reserved", RESERVED))
    return reasons


# Loading what the rules read, in bulk ----------------------------------------------------------------


def load_profiles(person_ids) -> dict[int, PersonProfile]:
    """Profiles of these people in five queries (six with the training app), whatever their number."""
    ids = list(person_ids)
    if not ids:
        return {}
    skills, regions, episodes = defaultdict(set), {}, defaultdict(list)
    for person_id, occupation in PersonSkill.objects.filter(person_id__in=ids).values_list("person_id", "occupation"):
        skills[person_id].add(occupation)
    households = Household.objects.filter(person_id__in=ids, region__isnull=False)
    for person_id, region_id, names, language in households.values_list(
        "person_id", "region_id", "region__names", "region__original_language"
    ):
        regions[person_id] = (region_id, pick_name(names, language))
    for row in CustodyEpisode.objects.filter(person_id__in=ids).values_list(
        "person_id", "case_category", "released_on", "expected_release_on"
    ):
        episodes[row[0]].append(row[1:])
    job_paths = _recommends_job(ids)
    trained = completed_training(ids)
    profiles = {}
    for pk, code, administration_id, status, orientation in Person.objects.filter(pk__in=ids).values_list(
        "pk", "public_code", "administration_id", "status", "vocational_orientation"
    ):
        region_id, region_name = regions.get(pk, (None, ""))
        open_episode = next((e for e in episodes[pk] if e[1] is None), None)
        profiles[pk] = PersonProfile(
            pk=pk,
            public_code=code,
            administration_id=administration_id,
            status=status,
            skills=frozenset(skills[pk]),
            region_id=region_id,
            region_name=region_name,
            categories=frozenset(e[0] for e in episodes[pk]),
            expected_release=open_episode[2] if open_episode else None,
            last_release=max((e[1] for e in episodes[pk] if e[1] is not None), default=None),
            orientation=" ".join(search_tokens(orientation or "")),
            recommends_job=pk in job_paths,
            trained=tuple(trained.get(pk, ())),
        )
    return profiles


def _recommends_job(ids: list[int]) -> set[int]:
    """People whose latest needs assessment recommends a job."""
    latest = {}
    rows = Assessment.objects.filter(person_id__in=ids).order_by("person_id", "-assessed_on", "-pk")
    for person_id, paths in rows.values_list("person_id", "recommended_paths"):
        latest.setdefault(person_id, paths or [])
    return {person_id for person_id, paths in latest.items() if RecommendedPath.JOB in paths}


def facts_of(opening: Opening) -> OpeningFacts:
    """From an opening fetched with `skills` and `exclusions` prefetched and `region` selected."""
    return OpeningFacts(
        pk=opening.pk,
        administration_id=opening.administration_id,
        occupation=opening.occupation,
        region_id=opening.region_id,
        region_name=opening.region.name if opening.region_id else "",
        valid_until=opening.valid_until,
        only_for_leavers=opening.only_for_leavers,
        skills=frozenset(skill.occupation for skill in opening.skills.all()),
        exclusions=frozenset(exclusion.category for exclusion in opening.exclusions.all()),
        title=opening.title,
    )


_FACT_FIELDS = (
    "pk",
    "administration_id",
    "occupation",
    "region_id",
    "region__names",
    "region__original_language",
    "valid_until",
    "only_for_leavers",
    "title",
)


def facts_for(openings: QuerySet[Opening], related_to=None) -> list[OpeningFacts]:
    """Facts of these openings read as plain rows (no model instances: ranking reads hundreds or thousands),
    their further trades and exclusions in two more queries. `related_to` narrows those two queries (a list of
    ids or a subquery); by default the ids read."""
    rows = list(openings.values_list(*_FACT_FIELDS))
    if not rows:
        return []
    related_to = [row[0] for row in rows] if related_to is None else related_to
    skills, exclusions = defaultdict(set), defaultdict(set)
    for pk, occupation in OpeningSkill.objects.filter(opening_id__in=related_to).values_list(
        "opening_id", "occupation"
    ):
        skills[pk].add(occupation)
    for pk, category in OpeningExclusion.objects.filter(opening_id__in=related_to).values_list(
        "opening_id", "category"
    ):
        exclusions[pk].add(category)
    return [
        OpeningFacts(
            pk=pk,
            administration_id=administration_id,
            occupation=occupation,
            region_id=region_id,
            region_name=pick_name(names or {}, language or "en"),
            valid_until=valid_until,
            only_for_leavers=reserved,
            skills=frozenset(skills[pk]),
            exclusions=frozenset(exclusions[pk]),
            title=title,
        )
        for pk, administration_id, occupation, region_id, names, language, valid_until, reserved, title in rows
    ]


# One person's openings ----------------------------------------------------------------------------


def open_openings(administration_id: int, today: datetime.date) -> QuerySet[Opening]:
    return Opening.objects.filter(
        administration_id=administration_id, status=OpeningStatus.OPEN, valid_until__gte=today
    )


def openings_for(person: PersonProfile, today: datetime.date, limit: int = 20) -> list[tuple[Opening, Match]]:
    """The openings this person could take, best first, each with its reasons."""
    available = person.available_from(today)
    if available is None or person.status not in ACTIVE_STATUSES:
        return []
    trades = person.skills | person.trained_occupations
    if not trades and not person.region_id:
        return []  # no common ground with any opening
    openings = open_openings(person.administration_id, today).filter(valid_until__gte=available)
    common = Q(occupation_major__in=sorted({code[0] for code in trades}))
    common |= Q(Exists(OpeningSkill.objects.filter(opening=OuterRef("pk"), occupation__in=sorted(person.skills))))
    if person.region_id:
        common |= Q(region_id=person.region_id)
    openings = openings.filter(common)
    if person.categories:
        excluded = OpeningExclusion.objects.filter(opening=OuterRef("pk"), category__in=person.categories)
        openings = openings.exclude(Exists(excluded))
    taken = Application.objects.filter(opening=OuterRef("pk"), person_id=person.pk)
    best = (
        openings.exclude(Exists(taken))
        .annotate(coarse=_coarse_opening_score(person))
        .order_by("-coarse", "valid_until", "pk")[:CANDIDATE_LIMIT]
    )
    scored = [(facts, score(person, facts, today)) for facts in facts_for(best)]
    ranked = sorted(
        ((f, m) for f, m in scored if m), key=lambda pair: (-pair[1].score, pair[0].valid_until, pair[0].pk)
    )
    ranked = ranked[:limit]
    found = Opening.objects.select_related("employer", "region").in_bulk([facts.pk for facts, _match in ranked])
    return [(found[facts.pk], match) for facts, match in ranked if facts.pk in found]


def _coarse_opening_score(person: PersonProfile):
    trade = [When(occupation__in=sorted(person.skills), then=Value(OCCUPATION))] if person.skills else []
    trade += [When(occupation_major__in=sorted(person.majors), then=Value(RELATED_OCCUPATION))] if person.skills else []
    trained = sorted(person.trained_occupations)
    training = [When(occupation__in=trained, then=Value(TRAINING))] if trained else []
    training += (
        [When(occupation_major__in=sorted({c[0] for c in trained}), then=Value(RELATED_TRAINING))] if trained else []
    )
    region = [When(region_id=person.region_id, then=Value(REGION))] if person.region_id else []
    return sum(
        (Case(*whens, default=Value(0), output_field=IntegerField()) for whens in (trade, training, region) if whens),
        Value(0, output_field=IntegerField()),
    )


# One opening's candidates -------------------------------------------------------------------------


def candidate_pool(opening: Opening, facts: OpeningFacts, today: datetime.date) -> QuerySet[Person]:
    """Everyone of the opening's administration the hard rules allow and who has common ground with it (the
    trade or its group, a further trade asked for, training in it, the region), not yet put forward for it
    and not already placed in a job. Callers decide what of each candidate a reader may see."""
    free_in_time = CustodyEpisode.objects.filter(
        person=OuterRef("pk"),
        released_on__isnull=True,
        expected_release_on__isnull=False,
        expected_release_on__lte=opening.valid_until,
    )
    recently_released = CustodyEpisode.objects.filter(
        person=OuterRef("pk"), released_on__gte=today - datetime.timedelta(days=RECENT_RELEASE_DAYS)
    )
    people = Person.objects.filter(administration_id=opening.administration_id).filter(
        Q(Exists(recently_released), status__in=[PersonStatus.RELEASED, PersonStatus.IN_AFTERCARE])
        | Q(Exists(free_in_time), status=PersonStatus.IN_CUSTODY)
    )
    # Common ground as hashed subqueries: cheaper, measured at national scale, than a union to start from.
    trades = PersonSkill.objects.filter(Q(occupation__startswith=facts.major) | Q(occupation__in=sorted(facts.skills)))
    common = Q(pk__in=trades.values("person_id").order_by())
    if facts.region_id:
        common |= Q(household__region_id=facts.region_id)
    trained = trained_people(facts.major)
    if trained is not None:
        common |= Q(pk__in=trained)
    people = people.filter(common)
    if facts.exclusions:
        people = people.exclude(
            Exists(CustodyEpisode.objects.filter(person=OuterRef("pk"), case_category__in=sorted(facts.exclusions)))
        )
    put_forward = Application.objects.filter(person=OuterRef("pk"), opening=opening)
    placed = Application.objects.filter(person=OuterRef("pk"), status=ApplicationStatus.HIRED)
    return people.exclude(Exists(put_forward)).exclude(Exists(placed))


def candidates_for(opening: Opening, today: datetime.date, limit: int = 50) -> list[tuple[PersonProfile, Match]]:
    """People who could take this opening, best first, each with its reasons (the opening fetched with
    `skills`, `exclusions` and `region`)."""
    facts = facts_of(opening)
    if opening.status != OpeningStatus.OPEN or facts.valid_until < today:
        return []
    pool = candidate_pool(opening, facts, today).annotate(coarse=_coarse_person_score(facts))
    with _without_jit():
        ids = list(pool.order_by("-coarse", "pk").values_list("pk", flat=True)[:CANDIDATE_LIMIT])
    profiles = load_profiles(ids)
    scored = [(profiles[pk], score(profiles[pk], facts, today)) for pk in ids if pk in profiles]
    ranked = sorted(((p, m) for p, m in scored if m), key=lambda pair: (-pair[1].score, pair[0].pk))
    return ranked[:limit]


@contextmanager
def _without_jit():
    """PostgreSQL compiles this query (its cost estimate is high) and spends more compiling than running it:
    measured at national scale, JIT added 0.8 to 1.2 s to a 0.5 s query. Off for this one query only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def _coarse_person_score(facts: OpeningFacts):
    exact = PersonSkill.objects.filter(person=OuterRef("pk"), occupation=facts.occupation)
    related = PersonSkill.objects.filter(person=OuterRef("pk"), occupation__startswith=facts.major)
    total = Case(
        When(Exists(exact), then=Value(OCCUPATION)),
        When(Exists(related), then=Value(RELATED_OCCUPATION)),
        default=Value(0),
        output_field=IntegerField(),
    )
    if facts.region_id:
        total += Case(When(household__region_id=facts.region_id, then=Value(REGION)), default=Value(0))
    trained = trained_in(facts.occupation)
    if trained is not None:
        total += Case(When(trained, then=Value(TRAINING)), default=Value(0))
    return total


# Everybody due for release, at once -------------------------------------------------------------


class OpeningIndex:
    """The open openings of one administration in memory, grouped by trade, trade group and region, so
    that ranking thousands of people asks the database three times rather than once per person."""

    def __init__(self, administration_id: int, today: datetime.date):
        self.today = today
        openings = open_openings(administration_id, today)
        self.facts: dict[int, OpeningFacts] = {}
        self.buckets: dict[tuple, list[OpeningFacts]] = defaultdict(list)
        for facts in facts_for(openings.order_by("valid_until", "pk"), related_to=openings.values("pk")):
            self.facts[facts.pk] = facts
            keys = [
                ("occupation", facts.occupation, facts.region_id),
                ("major", facts.major, facts.region_id),
                ("occupation", facts.occupation),
                ("major", facts.major),
                ("region", facts.region_id),
            ]
            for key in keys + [("skill", code) for code in facts.skills]:
                self.buckets[key].append(facts)

    def _keys(self, person: PersonProfile) -> list[tuple]:
        trades = sorted(person.skills | person.trained_occupations)
        majors = sorted({code[0] for code in trades})
        region = person.region_id
        return [
            *(("occupation", code, region) for code in trades),
            *(("major", major, region) for major in majors),
            *(("occupation", code) for code in trades),
            *(("major", major) for major in majors),
            *(("skill", code) for code in sorted(person.skills)),
            *((("region", region),) if region else ()),
        ]

    def rank(
        self, person: PersonProfile, limit: int = 5, applied: frozenset[int] = frozenset()
    ) -> list[tuple[OpeningFacts, Match]]:
        """As `openings_for`, from memory: the first eligible openings of each of the person's buckets."""
        chosen: dict[int, OpeningFacts] = {}
        for key in self._keys(person):
            taken = 0
            for facts in self.buckets.get(key, ()):
                if taken >= PER_BUCKET:
                    break
                if facts.pk not in applied and is_eligible(person, facts, self.today):
                    chosen.setdefault(facts.pk, facts)
                    taken += 1
        scored = [(facts, score(person, facts, self.today)) for facts in chosen.values()]
        ranked = sorted(
            ((f, m) for f, m in scored if m), key=lambda pair: (-pair[1].score, pair[0].valid_until, pair[0].pk)
        )
        return ranked[:limit]


def rank_everyone(
    person_ids, today: datetime.date, limit: int = 5, chunk: int = 2000
) -> dict[int, list[tuple[OpeningFacts, Match]]]:
    """Openings for each of these people, best first: one index per administration, profiles loaded in
    chunks (a few queries per chunk), so the work grows with the people and not with their queries."""
    ids = list(person_ids)
    indexes: dict[int, OpeningIndex] = {}
    ranked = {}
    for start in range(0, len(ids), chunk):
        profiles = load_profiles(ids[start : start + chunk])
        applied = defaultdict(set)
        for person_id, opening_id in Application.objects.filter(person_id__in=list(profiles)).values_list(
            "person_id", "opening_id"
        ):
            applied[person_id].add(opening_id)
        for pk, profile in profiles.items():
            index = indexes.get(profile.administration_id)
            if index is None:
                index = indexes[profile.administration_id] = OpeningIndex(profile.administration_id, today)
            ranked[pk] = index.rank(profile, limit, frozenset(applied[pk]))
    return ranked
