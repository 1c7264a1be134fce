"""Issue 5: matching people leaving prison with openings at national scale, and the training certificate PDF.

The data (once, in the bench administration; again only if missing, of another size or partly expired):
10,000 open openings of 200 employers (trades, further trades, regions, excluded case categories, seats, wage
ranges, valid for 20 days to a year), and completed training — vocational programmes of five providers, with a
completed enrolment and its certificate for 12 % of the people — because matching reads both. Rows go in as the
generator writes its own (COPY on PostgreSQL, bulk_create in batches on SQLite), every derived column computed as
the models and services compute it (`occupation_major`, public codes, `search_text`, certificate numbers in the
provider's series). One more programme goes through the services themselves (`create_programme`, `enrol`,
`complete_enrolment`, which issues the certificate): its certificate is the PDF measured.

Measured, each beside a baseline measured just before it:
- a person's openings (API and page over HTTP at 4 connections; in process one at a time), for a sample of the
  people due for release within 90 days who have something to match on (a trade, training or a region);
- an opening's candidates (the same three ways), for a sample of the openings;
- everyone due for release within 90 days ranked at once, in process, through `selectors.due_matches` (what the
  "due" page and API call, here for all of them at once rather than a page);
- the certificate PDF, downloaded over HTTP and rendered in process.
"""

import asyncio
import concurrent.futures
import datetime
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone

from bench.client import Result, http_load
from bench.frame import ADMINISTRATION_CODE, COUNTRY, Picker, _named
from bench.population import public_code
from bench.report import Line, Section, Target
from bench.run import LATENCY_CONNECTIONS, LATENCY_REQUESTS
from bench.sink import Table, delete_rows, sink_for_connection
from karama.core.models import Organization, Region
from karama.core.money import to_amount
from karama.people.catalogues import OCCUPATION_CHOICES
from karama.people.models import CaseCategory, CustodyEpisode, Household, Person, PersonSkill, PersonStatus
from karama.training.models import (
    _CODE_ALPHABET,
    Certificate,
    CertificateSeries,
    Enrolment,
    EnrolmentStatus,
    Programme,
    ProgrammeKind,
)
from karama.work import matching, selectors
from karama.work.models import Opening, OpeningExclusion, OpeningSkill, OpeningStatus, WagePeriod

TITLE = "Work: matching people due for release with openings, and the certificate PDF"
PREFIX = f"{ADMINISTRATION_CODE}-work"  # codes of the suite's organizations (employers, training providers)
OPENINGS = 10_000
OPENINGS_PER_EMPLOYER = 50
PROVIDERS = 5
TRAINED_SHARE = 0.12  # people with a completed programme (and its certificate)
DUE_DAYS = matching.DUE_SOON_DAYS
SAMPLE = 200  # people and openings measured one by one
PER_PERSON = 5  # openings per person when everyone due is ranked, as the API's "due" list gives
CERTIFICATE_REFERENCE = "BW-CERTIFICATE"
CURRENCY = "IRR"
TARGET_PERSON_MS = 100
TARGET_ALL_DUE_SECONDS = 60
TARGET_PDF_MS = 300

# Jobs people leaving prison are offered, by ISCO major group (no armed forces), and how often.
TITLES = {
    "1": (["سرپرست کارگاه", "مدیر فروشگاه"], 2),
    "2": (["حسابدار", "کارشناس فنی"], 3),
    "3": (["تکنسین برق", "کمک پرستار", "تکنسین تعمیرات"], 6),
    "4": (["انباردار", "کارمند دفتری", "منشی"], 7),
    "5": (["فروشنده", "آشپز", "نگهبان", "آرایشگر", "پیشخدمت"], 20),
    "6": (["کارگر کشاورزی", "باغبان", "دامدار"], 10),
    "7": (["جوشکار", "نجار", "خیاط", "بنا", "لوله‌کش", "نانوا", "مکانیک خودرو"], 26),
    "8": (["راننده", "اپراتور دستگاه", "راننده لیفتراک"], 14),
    "9": (["کارگر ساده", "نظافتچی", "باربر", "کارگر بسته‌بندی"], 12),
}
MAJORS = Picker(list(TITLES), [weight for _titles, weight in TITLES.values()])
TRADES = defaultdict(list)
for _code, _label in OCCUPATION_CHOICES:
    TRADES[_code[0]].append(_code)
CATEGORIES = [CaseCategory.VIOLENCE, CaseCategory.DRUGS, CaseCategory.PROPERTY, CaseCategory.FINANCIAL]
EMPLOYER_KINDS = Picker(
    [
        (Organization.Kind.COMPANY, "شرکت", "Company"),
        (Organization.Kind.FAMILY_BUSINESS, "کارگاه خانوادگی", "Family business"),
        (Organization.Kind.ASSOCIATION, "تعاونی اشتغال", "Employment cooperative"),
    ],
    [80, 12, 8],
)


# The data ------------------------------------------------------------------------------------------------------


@dataclass
class Prepared:
    openings: int
    employers: int
    programmes: int
    enrolments: int
    certificate_id: int
    seconds: float = 0.0
    skipped: bool = False


def suite_organizations():
    return Organization.objects.filter(code__startswith=f"{PREFIX}-")


def suite_openings():
    return Opening.objects.filter(employer__code__startswith=f"{PREFIX}-")


def measured_certificate() -> Certificate | None:
    return (
        Certificate.objects.filter(
            enrolment__programme__administration__code=ADMINISTRATION_CODE,
            enrolment__programme__reference=CERTIFICATE_REFERENCE,
            revoked_at__isnull=True,
        )
        .select_related("enrolment")
        .first()
    )


def prepare(*, openings: int = OPENINGS, seed: int = 11, today: datetime.date | None = None) -> Prepared:
    """The suite's openings and training in the bench administration, unless they are there already: as many
    openings, none expired, and the measured certificate."""
    from bench.generate import bench_administration

    today = today or timezone.localdate()
    administration = bench_administration()
    if administration is None:
        raise RuntimeError("No bench administration: run generate_national first.")
    mine = suite_openings()
    certificate = measured_certificate()
    if (
        certificate is not None
        and mine.count() == openings
        and not mine.filter(Q(valid_until__lt=today) | ~Q(status=OpeningStatus.OPEN)).exists()
    ):
        return Prepared(
            openings=openings,
            employers=suite_organizations().filter(openings__isnull=False).distinct().count(),
            programmes=Programme.objects.filter(provider__code__startswith=f"{PREFIX}-").count(),
            enrolments=Enrolment.objects.filter(programme__provider__code__startswith=f"{PREFIX}-").count(),
            certificate_id=certificate.pk,
            skipped=True,
        )
    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        # Whatever an earlier run left (another size, expired openings), and everything that hangs from it.
        delete_rows(Organization, "code LIKE %s", [f"{PREFIX}-%"])
        regions = list(Region.objects.filter(code__startswith=f"{ADMINISTRATION_CODE}-r").order_by("code"))
        admin_user = _admin_user()
        employers = _organizations(rng, administration, regions, max(5, openings // OPENINGS_PER_EMPLOYER), "e")
        providers = _organizations(rng, administration, regions, PROVIDERS, "t")
        sink = sink_for_connection()
        _openings(rng, sink, administration, employers, regions, openings, admin_user, today)
        programmes, enrolments = _training(rng, sink, administration, providers, admin_user, today)
        certificate = _measured_certificate(administration, providers[0], admin_user, today)
    _analyze()
    return Prepared(
        openings=openings,
        employers=len(employers),
        programmes=programmes + 1,
        enrolments=enrolments + 1,
        certificate_id=certificate.pk,
        seconds=time.perf_counter() - started,
    )


def _admin_user():
    from karama.core.models import User

    return User.objects.get(username=f"{ADMINISTRATION_CODE}-admin")


def _organizations(rng, administration, regions, count: int, letter: str) -> list[Organization]:
    from bench.names import CITIES

    rows = []
    for number in range(1, count + 1):
        city, latin = CITIES[rng.randrange(len(CITIES))]
        if letter == "t":
            kind, persian, english = (
                Organization.Kind.GOVERNMENT_AGENCY,
                "اداره کل آموزش فنی و حرفه‌ای",
                "Technical and vocational training office",
            )
        else:
            kind, persian, english = EMPLOYER_KINDS(rng)
        rows.append(
            _named(
                Organization(
                    code=f"{PREFIX}-{letter}{number:03}",
                    kind=kind,
                    country=COUNTRY,
                    administration=administration,
                    region=regions[rng.randrange(len(regions))] if regions else None,
                    names={"fa": f"{persian} {city} {number}", "en": f"{english}, {latin} {number}"},
                    original_language="fa",
                )
            )
        )
    Organization.objects.bulk_create(rows)
    return list(Organization.objects.filter(code__startswith=f"{PREFIX}-{letter}").order_by("code"))


OPENING = Table(
    Opening,
    [
        "id",
        "code",
        "administration_id",
        "employer_id",
        "title",
        "description",
        "occupation",
        "occupation_major",
        "region_id",
        "seats",
        "wage_min",
        "wage_max",
        "currency",
        "wage_period",
        "only_for_leavers",
        "contact_name",
        "contact_phone",
        "contact_email",
        "valid_until",
        "status",
        "created_by_id",
    ],
)
OPENING_SKILL = Table(OpeningSkill, ["opening_id", "occupation"])
OPENING_EXCLUSION = Table(OpeningExclusion, ["opening_id", "category"])


def _openings(rng, sink, administration, employers, regions, count: int, admin_user, today) -> None:
    """Openings as `services.publish_opening` writes them: a trade of the major group the title names, further
    trades, excluded case categories, a wage range in whole rials, valid from 20 days to a year."""
    taken = set(Opening.objects.values_list("code", flat=True))
    first = sink.reserve_ids(Opening, count)
    employer_picker = Picker(employers, [1 / rank**0.8 for rank in range(1, len(employers) + 1)])
    rows, skills, exclusions = [], [], []
    for offset in range(count):
        pk = first + offset
        major = MAJORS(rng)
        occupation = rng.choice(TRADES[major])
        employer = employer_picker(rng)
        # Most openings are where the employer is; some anywhere in the country.
        region = employer.region_id if rng.random() < 0.75 else (rng.choice(regions).pk if rng.random() < 0.7 else None)
        low = rng.choice([80, 100, 120, 150, 200]) * 1_000_000
        wage_min = to_amount(Decimal(low), CURRENCY) if rng.random() < 0.8 else None
        wage_max = to_amount(Decimal(low * rng.choice([1, 1.2, 1.5])), CURRENCY) if wage_min else None
        rows.append(
            (
                pk,
                public_code(rng, "O", taken),
                administration.pk,
                employer.pk,
                rng.choice(TITLES[major][0]),
                "",
                occupation,
                occupation[0],  # what Opening.save() derives
                region,
                rng.choice([1, 1, 1, 2, 2, 3, 5, 10]),
                wage_min,
                wage_max,
                CURRENCY,
                WagePeriod.MONTH if rng.random() < 0.85 else WagePeriod.DAY,
                rng.random() < 0.3,
                "",
                "",
                "",
                today + datetime.timedelta(days=rng.randint(20, 365)),
                OpeningStatus.OPEN,
                admin_user.pk,
            )
        )
        if rng.random() < 0.4:
            further = {rng.choice(TRADES[MAJORS(rng)]) for _ in range(rng.randint(1, 2))} - {occupation}
            skills += [(pk, code) for code in sorted(further)]
        if rng.random() < 0.15:
            exclusions += [(pk, category) for category in sorted(rng.sample(CATEGORIES, rng.randint(1, 2)))]
    sink.write(OPENING, rows)
    sink.write(OPENING_SKILL, skills)
    sink.write(OPENING_EXCLUSION, exclusions)


ENROLMENT = Table(
    Enrolment, ["id", "public_code", "programme_id", "person_id", "status", "ended_on", "score", "enrolled_by_id"]
)
CERTIFICATE = Table(
    Certificate, ["enrolment_id", "issuer_id", "number", "verification_code", "issued_on", "issued_by_id"]
)


def _training(rng, sink, administration, providers, admin_user, today) -> tuple[int, int]:
    """Ended vocational programmes, a completed enrolment of a share of the people in one of them (two for a
    few) and the certificate `complete_enrolment` issues with it, numbered in the provider's series."""
    from karama.training.services import certificate_prefix

    people = list(Person.objects.filter(administration=administration).order_by("pk").values_list("pk", flat=True))
    count = max(10, len(people) // 2000)
    programmes = []
    for number in range(1, count + 1):
        major = MAJORS(rng)
        title = rng.choice(TITLES[major][0])
        ends = today - datetime.timedelta(days=rng.randint(20, 1500))
        programmes.append(
            _named(
                Programme(
                    administration=administration,
                    reference=f"BW-{number:04}",
                    kind=ProgrammeKind.VOCATIONAL,
                    names={"fa": f"دوره آموزش {title} {number}", "en": f"Vocational course {number}"},
                    certificate_titles={"fa": f"مهارت {title}", "en": "Vocational skills"},
                    original_language="fa",
                    provider=providers[rng.randrange(len(providers))],
                    occupation=rng.choice(TRADES[major]),
                    capacity=1,  # raised below to the places taken
                    starts_on=ends - datetime.timedelta(days=rng.randint(60, 240)),
                    ends_on=ends,
                    planned_hours=rng.choice([120, 200, 280, 400]),
                    created_by=admin_user,
                )
            )
        )
    Programme.objects.bulk_create(programmes)
    programmes = list(
        Programme.objects.filter(administration=administration, provider__in=providers)
        .select_related("provider")
        .order_by("reference")
    )
    trained = sorted(rng.sample(people, int(len(people) * TRAINED_SHARE)))
    places = Counter()
    enrolments, certificates, series = [], [], Counter()
    taken = set(Enrolment.objects.values_list("public_code", flat=True))
    first = sink.reserve_ids(Enrolment, len(trained) * 2)
    next_id = first
    for person_id in trained:
        for programme in rng.sample(programmes, 2 if rng.random() < 0.2 else 1):
            places[programme.pk] += 1
            enrolments.append(
                (
                    next_id,
                    public_code(rng, "E", taken),
                    programme.pk,
                    person_id,
                    EnrolmentStatus.COMPLETED,
                    programme.ends_on,
                    rng.randint(50, 100) if rng.random() < 0.7 else None,
                    admin_user.pk,
                )
            )
            issuer = programme.provider
            series[(issuer.pk, programme.ends_on.year)] += 1
            number = f"{certificate_prefix(issuer)}-{programme.ends_on.year}-{series[(issuer.pk, programme.ends_on.year)]:06d}"
            certificates.append((next_id, issuer.pk, number, _verification_code(rng), programme.ends_on, admin_user.pk))
            next_id += 1
    sink.write(ENROLMENT, enrolments)
    sink.write(CERTIFICATE, certificates)
    CertificateSeries.objects.bulk_create(
        CertificateSeries(issuer_id=issuer, year=year, last_number=last) for (issuer, year), last in series.items()
    )
    for programme in programmes:
        if places[programme.pk] > programme.capacity:
            programme.capacity = places[programme.pk]
    Programme.objects.bulk_update(programmes, ["capacity"])
    return len(programmes), len(enrolments)


def _verification_code(rng: random.Random) -> str:
    """Shaped like training.models.new_verification_code (ten letters of its alphabet), from the seeded generator."""
    bits = rng.getrandbits(50)
    body = "".join(_CODE_ALPHABET[(bits >> shift) & 31] for shift in range(45, -1, -5))
    return f"{body[:5]}-{body[5:]}"


def _measured_certificate(administration, provider, admin_user, today) -> Certificate:
    """The certificate whose PDF is measured, through the services as staff would issue it: a programme, an
    enrolment and its completion. Its holder is one of the people due for release, with a Persian name."""
    from karama.training import services

    due = _due_ids(administration, today) or list(
        Person.objects.filter(administration=administration).order_by("pk").values_list("pk", flat=True)[:1]
    )
    person = Person.objects.filter(pk__in=due).order_by("-given_name", "pk").first()
    programme = services.create_programme(
        by=admin_user,
        administration=administration,
        reference=CERTIFICATE_REFERENCE,
        kind=ProgrammeKind.VOCATIONAL,
        names={"fa": "جوشکاری برق و گاز – دوره پیشرفته", "en": "Arc and gas welding, advanced course"},
        certificate_titles={"fa": "جوشکاری برق و گاز", "en": "Arc and gas welding", "ar": "اللحام بالكهرباء والغاز"},
        original_language="fa",
        provider=provider,
        starts_on=today - datetime.timedelta(days=90),
        ends_on=today,
        capacity=20,
        occupation="72",
        planned_hours=280,
    )
    enrolment = services.enrol(programme=programme, by=admin_user, person=person)
    services.complete_enrolment(enrolment=enrolment, by=admin_user, on=today, score=88)
    return Certificate.objects.get(enrolment=enrolment)


def _due_ids(administration, today) -> list[int]:
    return list(
        CustodyEpisode.objects.filter(
            person__administration=administration,
            person__status=PersonStatus.IN_CUSTODY,
            released_on__isnull=True,
            expected_release_on__gte=today,
            expected_release_on__lte=today + datetime.timedelta(days=DUE_DAYS),
        )
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()
    )


def _analyze() -> None:
    """Fresh planner statistics for the tables written, as autovacuum would leave them."""
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table
        for model in (Organization, Opening, OpeningSkill, OpeningExclusion, Programme, Enrolment, Certificate)
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {table}")


# Measuring -----------------------------------------------------------------------------------------------------


def _run(coroutine):
    """asyncio.run in a thread of its own (a test's browser may keep an event loop running in this one)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _settle(arguments) -> None:
    """As the run does before each measurement: wait (a minute at most) for the machine to be nearly idle."""
    if getattr(arguments, "quiet", 1.0) < 1.0:
        from bench.run import wait_for_quiet

        wait_for_quiet(arguments.quiet)


def _timed(items: list, operation, *, requests: int, seconds: float) -> Result:
    """Call `operation(item)` for the items in turn, one at a time, until `requests` calls or `seconds` passed."""
    result = Result(concurrency=1)
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    for number in range(requests):
        if not items or time.perf_counter() >= deadline:
            break
        item = items[number % len(items)]
        begun = time.perf_counter()
        try:
            operation(item)
        except Exception as error:  # counted and reported once, as the HTTP client does
            result.errors += 1
            result.first_error = result.first_error or f"{item}: {error!r}"[:300]
            continue
        result.latencies.append(time.perf_counter() - begun)
    result.elapsed = time.perf_counter() - started
    return result


class Http:
    def __init__(self, base_url: str, arguments, connections: int):
        self.base_url, self.arguments, self.connections = base_url, arguments, connections
        self.requests = min(LATENCY_REQUESTS, arguments.requests)

    def load(self, paths: list[str], headers: dict | None = None) -> Result:
        return _run(
            http_load(
                self.base_url,
                paths,
                headers=headers,
                concurrency=self.connections,
                requests=self.requests,
                seconds=self.arguments.seconds,
            )
        )

    def warm(self, paths: list[str], headers: dict | None = None) -> None:
        _run(
            http_load(
                self.base_url,
                paths,
                headers=headers,
                concurrency=min(2, self.connections),
                requests=min(20, self.requests),
                seconds=10,
            )
        )


BARE = "bare view, one row as JSON"
SQL_OPENINGS = "raw SQL: the person's candidate openings"
SQL_PEOPLE = "raw SQL: the opening's candidate people"
SQL_DUE = "raw SQL: the rows the ranking reads"
WEASYPRINT = "WeasyPrint, a one-line page"


def measure(
    arguments,
    base_url: str,
    *,
    openings: int = OPENINGS,
    sample: int = SAMPLE,
    connections: int = LATENCY_CONNECTIONS,
) -> Section:
    from bench import scenarios

    prepared = prepare(openings=openings, seed=getattr(arguments, "seed", 7) + 4)
    today = timezone.localdate()
    users = scenarios.bench_users()
    admin = users.admin
    headers = {"Cookie": f"sessionid={scenarios.session_cookie(admin)}"}
    administration_id = admin.administration_id
    due = _due_ids(admin.administration, today)
    people = _people_sample(due, sample, arguments)
    opening_sample = _openings_sample(sample)
    certificate = measured_certificate()
    enrolment_code = certificate.enrolment.public_code
    pdf_path = f"/en/training/enrolments/{enrolment_code}/certificates/{certificate.pk}/pdf/"
    http = Http(base_url, arguments, connections)
    bare = scenarios.bare_paths(users)
    requests = min(LATENCY_REQUESTS, arguments.requests)
    lines: list[Line] = []

    def over_http(name: str, paths: list[str]) -> Line:
        http.warm(paths, headers)
        _settle(arguments)
        base = http.load(bare)
        result = http.load(paths, headers)
        print(f"    {name}: done", flush=True)
        return Line(name, result, BARE, base)

    def in_process(name: str, items: list, operation, baseline_name: str, baseline_items: list, baseline) -> Line:
        _timed(items[:3], operation, requests=3, seconds=arguments.seconds)  # warm
        _settle(arguments)
        base = _timed(baseline_items, baseline, requests=requests, seconds=arguments.seconds)
        result = _timed(items, operation, requests=requests, seconds=arguments.seconds)
        print(f"    {name}: done", flush=True)
        return Line(name, result, baseline_name, base)

    http.warm(bare)
    codes = [code for _pk, code, _profile in people]
    person_api = over_http(
        "work: a person's openings, API", [f"/api/v1/work/people/{code}/openings/" for code in codes]
    )
    person_page = over_http("work: a person's openings, page", [f"/en/work/people/{code}/" for code in codes])
    profiles = [profile for _pk, _code, profile in people]
    person_process = in_process(
        "work: a person's openings, in process",
        [pk for pk, _code, _profile in people],
        lambda pk: matching.openings_for(matching.load_profiles([pk])[pk], today, 20),
        SQL_OPENINGS,
        [_openings_statement(profile, today) for profile in profiles],
        _execute,
    )
    lines += [person_api, person_page, person_process]

    opening_codes = [opening.code for opening in opening_sample]
    lines.append(
        over_http(
            "work: an opening's candidates, API", [f"/api/v1/work/openings/{c}/candidates/" for c in opening_codes]
        )
    )
    lines.append(over_http("work: an opening's candidates, page", [f"/en/work/openings/{c}/" for c in opening_codes]))
    found: list[int] = []

    def candidates(opening: Opening) -> None:
        found.append(len(matching.candidates_for(opening, today, 50)))

    lines.append(
        in_process(
            "work: an opening's candidates, in process",
            opening_sample,
            candidates,
            SQL_PEOPLE,
            [_people_statement(opening, today) for opening in opening_sample],
            _execute,
        )
    )

    _settle(arguments)
    due_base, _read = _timed_once(lambda: _read_due(administration_id, today))
    ranked: list = []
    due_result, _rows = _timed_once(lambda: ranked.extend(_rank_everyone_due(admin)))
    lines.append(Line(f"work: everyone due within {DUE_DAYS} days ranked, in process", due_result, SQL_DUE, due_base))

    lines.append(over_http("work: certificate PDF, download", [pdf_path]))
    render, language = _pdf_renderer(admin, certificate)
    lines.append(
        in_process(
            "work: certificate PDF, rendered in process",
            [certificate.pk],
            render,
            WEASYPRINT,
            [0],
            _minimal_pdf,
        )
    )
    return Section(
        title=TITLE,
        lines=lines,
        targets=_targets(lines, person_api, due_result),
        text=_text(prepared, due, people, opening_sample, found, ranked, due_result, language, connections),
    )


def _timed_once(operation) -> tuple[Result, object]:
    result = Result(concurrency=1)
    started = time.perf_counter()
    try:
        value = operation()
    except Exception as error:
        result.errors, result.first_error, value = 1, repr(error)[:300], None
    else:
        result.latencies.append(time.perf_counter() - started)
    result.elapsed = time.perf_counter() - started
    return result, value


def _people_sample(due: list[int], sample: int, arguments) -> list[tuple[int, str, matching.PersonProfile]]:
    """Due people with something to match on (a trade, completed training or a region), spread evenly."""
    profiles = matching.load_profiles(due)
    ground = [
        profiles[pk]
        for pk in due
        if pk in profiles and (profiles[pk].skills or profiles[pk].trained or profiles[pk].region_id)
    ]
    rng = random.Random(getattr(arguments, "seed", 7))
    chosen = sorted(rng.sample(ground, min(sample, len(ground))), key=lambda profile: profile.pk)
    return [(profile.pk, profile.public_code, profile) for profile in chosen]


def _openings_sample(sample: int) -> list[Opening]:
    ids = list(suite_openings().order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // sample)
    chosen = ids[::step][:sample]
    return list(
        Opening.objects.filter(pk__in=chosen)
        .select_related("region", "employer")
        .prefetch_related("skills", "exclusions")
        .order_by("pk")
    )


def _rank_everyone_due(admin) -> list:
    """What the "due" page and API do for one page, for everyone due at once."""
    people = list(selectors.due_people(admin, DUE_DAYS).order_by("pk"))
    return selectors.due_matches(admin, people, per_person=PER_PERSON)


# The baselines: the same rows read by hand --------------------------------------------------------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _execute(statement: tuple[str, list]) -> None:
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()


def _openings_statement(profile: matching.PersonProfile, today) -> tuple[str, list]:
    """The administration's open openings sharing the person's trade group or region: 200 rows, no scoring."""
    majors = sorted({code[0] for code in profile.skills | profile.trained_occupations}) or ["-"]
    sql = (
        f"SELECT id, occupation, region_id, valid_until, only_for_leavers, title FROM {_table(Opening)} "
        f"WHERE administration_id = %s AND status = %s AND valid_until >= %s "
        f"AND (occupation_major IN ({_placeholders(majors)}) OR region_id = %s) "
        "ORDER BY valid_until, id LIMIT 200"
    )
    return sql, [profile.administration_id, OpeningStatus.OPEN, today, *majors, profile.region_id or 0]


def _people_statement(opening: Opening, today) -> tuple[str, list]:
    """People of the administration in custody or released, sharing the trade group or region: 200 rows."""
    sql = (
        f"SELECT p.id, p.public_code, p.status FROM {_table(Person)} p WHERE p.administration_id = %s "
        "AND p.status IN (%s, %s, %s) AND ("
        f"EXISTS (SELECT 1 FROM {_table(PersonSkill)} s WHERE s.person_id = p.id AND s.occupation LIKE %s) "
        f"OR EXISTS (SELECT 1 FROM {_table(Household)} h WHERE h.person_id = p.id AND h.region_id = %s)) "
        "ORDER BY p.id LIMIT 200"
    )
    return sql, [
        opening.administration_id,
        PersonStatus.IN_CUSTODY,
        PersonStatus.RELEASED,
        PersonStatus.IN_AFTERCARE,
        f"{opening.occupation_major}%",
        opening.region_id or 0,
    ]


def _read_due(administration_id: int, today, chunk: int = 2000) -> int:
    """The rows ranking everyone due reads, fetched by hand and not ranked: who is due; their skills, households,
    custody episodes, assessments, completed training and own rows, by chunks as rank_everyone loads them; the
    open openings with their further trades and exclusions."""
    from karama.people.models import Assessment

    rows = 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT p.id FROM {_table(Person)} p JOIN {_table(CustodyEpisode)} e ON e.person_id = p.id "
            "WHERE p.administration_id = %s AND p.status = %s AND e.released_on IS NULL "
            "AND e.expected_release_on >= %s AND e.expected_release_on <= %s ORDER BY p.id",
            [administration_id, PersonStatus.IN_CUSTODY, today, today + datetime.timedelta(days=DUE_DAYS)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        reads = [
            f"SELECT person_id, occupation FROM {_table(PersonSkill)} WHERE person_id IN ({{}})",
            f"SELECT person_id, region_id FROM {_table(Household)} WHERE region_id IS NOT NULL AND person_id IN ({{}})",
            f"SELECT person_id, case_category, released_on, expected_release_on FROM {_table(CustodyEpisode)} "
            "WHERE person_id IN ({})",
            f"SELECT person_id, recommended_paths FROM {_table(Assessment)} WHERE person_id IN ({{}})",
            f"SELECT e.person_id, g.occupation, g.names FROM {_table(Enrolment)} e JOIN {_table(Programme)} g "
            "ON g.id = e.programme_id WHERE e.status = 'completed' AND e.person_id IN ({})",
            f"SELECT id, public_code, status, vocational_orientation FROM {_table(Person)} WHERE id IN ({{}})",
        ]
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            for sql in reads:
                cursor.execute(sql.format(_placeholders(part)), part)
                rows += len(cursor.fetchall())
        opened = f"SELECT id FROM {_table(Opening)} WHERE administration_id = %s AND status = %s AND valid_until >= %s"
        params = [administration_id, OpeningStatus.OPEN, today]
        cursor.execute(
            f"SELECT id, occupation, region_id, valid_until, only_for_leavers, title FROM {_table(Opening)} "
            "WHERE administration_id = %s AND status = %s AND valid_until >= %s",
            params,
        )
        rows += len(cursor.fetchall())
        for model, column in ((OpeningSkill, "occupation"), (OpeningExclusion, "category")):
            cursor.execute(f"SELECT opening_id, {column} FROM {_table(model)} WHERE opening_id IN ({opened})", params)
            rows += len(cursor.fetchall())
    return rows


# The certificate ------------------------------------------------------------------------------------------------


def _pdf_renderer(admin, certificate: Certificate):
    """The view's rendering, without the request around it: the certificate fetched as the view fetches it."""
    from karama.training.certificates import certificate_language, render_certificate_pdf, verify_url
    from karama.training.selectors import get_enrolment_for

    enrolment = get_enrolment_for(admin, certificate.enrolment.public_code)
    certificate = enrolment.certificates.select_related("issuer").get(pk=certificate.pk)
    certificate.enrolment = enrolment
    language = certificate_language(certificate)
    url = verify_url(RequestFactory().get("/", SERVER_NAME="127.0.0.1"), certificate, language)

    def render(_pk) -> None:
        render_certificate_pdf(certificate, language, url)

    return render, language


_minimal_fonts = None


def _minimal_pdf(_item) -> None:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    global _minimal_fonts
    if _minimal_fonts is None:
        _minimal_fonts = FontConfiguration()
    HTML(string="<p>Karama</p>").write_pdf(font_config=_minimal_fonts)


# Reporting ------------------------------------------------------------------------------------------------------


def _targets(lines: list[Line], person_api: Line, due_result: Result) -> list[Target]:
    pdf = next(line for line in lines if line.name == "work: certificate PDF, download")
    p95 = person_api.result.percentile(0.95)
    seconds = due_result.latencies[0] if due_result.latencies else float("nan")
    pdf_p95 = pdf.result.percentile(0.95)
    errors = sum(line.result.errors + (line.baseline.errors if line.baseline else 0) for line in lines)
    at = f"at {person_api.result.concurrency} connections"
    return [
        Target(
            f"work: one person's ranking (API) p95 ≤ {TARGET_PERSON_MS} ms {at}",
            f"{p95:.1f} ms",
            p95 <= TARGET_PERSON_MS,
        ),
        Target(
            f"work: everyone due within {DUE_DAYS} days ranked ≤ {TARGET_ALL_DUE_SECONDS} s",
            f"{seconds:.1f} s",
            seconds <= TARGET_ALL_DUE_SECONDS,
        ),
        Target(
            f"work: certificate PDF (download) p95 ≤ {TARGET_PDF_MS} ms {at}",
            f"{pdf_p95:.1f} ms",
            pdf_p95 <= TARGET_PDF_MS,
        ),
        Target("work: no errors", f"{errors} errors", errors == 0),
    ]


def _text(prepared, due, people, opening_sample, found, ranked, due_result, language, connections) -> str:
    seconds = due_result.latencies[0] if due_result.latencies else float("nan")
    matched = sum(1 for row in ranked if row.matches)
    shown = sum(len(row.matches) for row in ranked)
    made = "already there" if prepared.skipped else f"written in {prepared.seconds:.1f} s"
    mean_found = sum(found) / len(found) if found else float("nan")
    return (
        f"Data: {prepared.openings:,} open openings of {prepared.employers:,} employers, {prepared.programmes:,} "
        f"training programmes with {prepared.enrolments:,} completed enrolments and their certificates "
        f"({made}). {len(due):,} people are due for release within {DUE_DAYS} days; ranked all at once in "
        f"{seconds:.1f} s ({len(due) / seconds if seconds else 0:,.0f} people/s), {matched:,} of them with at "
        f"least one opening ({shown / len(ranked) if ranked else 0:.1f} of at most {PER_PERSON} each). "
        f"A person's openings: {len(people)} of the due people with a trade, training or a region, each in turn. "
        f"An opening's candidates: {len(opening_sample)} openings spread over the registry, "
        f"{mean_found:.1f} candidates ranked on average (at most 50), {sum(1 for n in found if n == 0)} "
        f"measurements with none. The certificate: in {language}, rendered by WeasyPrint with the vendored font.\n\n"
        f"Baselines: over HTTP, at {connections} connections, the bare view returning one person row as JSON "
        "through the same middleware and gunicorn; in process, one at a time: for a person, the same openings read "
        "by hand (one statement on work_opening: the administration's open openings sharing the person's trade "
        "group or region, 200 rows, no scoring); for an opening, the people of the administration in custody or "
        "released sharing its trade group or region (200 rows); for everyone due, the rows the ranking reads "
        "fetched by hand and not ranked (who is due, their skills, households, episodes, assessments, training and "
        "own rows by chunks of 2,000, the open openings with their trades and exclusions); for the certificate, "
        "WeasyPrint drawing a one-line page with a cached font configuration. The ranking is `matching.openings_for`, "
        "`matching.candidates_for` and `selectors.due_matches` (`rank_everyone`), as the pages and the API call them."
    )
