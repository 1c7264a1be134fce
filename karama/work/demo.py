"""Demonstration data of work: the seed's metal-sheet factory in the Unaizah reformatory (seed 000) with its
jobs and pay, a craft workshop in Jordan, the facilities' published capacity, an Iranian entrepreneur's
investment proposal accepted into an agreement and a workshop (seed 004), employers' openings in the four
countries (Jordan's for decent jobs after a first conviction, seed 001), placements and retention checks.

Everything is written through the services; a second run creates nothing that exists.
"""

import datetime
import random
from collections import Counter
from decimal import Decimal

from auditlog.context import set_actor
from django.db.models import Exists, OuterRef
from django.utils import timezone

from karama.agreements.models import Agreement, Commitment
from karama.core.demo import demo_operator
from karama.core.models import Facility, Organization, Region, User
from karama.core.services import register_organization
from karama.people import services as people_services
from karama.people.models import Person, PersonStatus
from karama.people.selectors import active_consents
from karama.work import matching, services
from karama.work.models import (
    FacilityCapacity,
    InvestmentProposal,
    Job,
    Opening,
    ProposalStatus,
    Workshop,
    WorkshopStatus,
)

SEED = 1440

EMPLOYERS = [
    {
        "code": "sa-qassim-metal",
        "administration": "sa-gdp",
        "kind": Organization.Kind.COMPANY,
        "region": "sa-qassim",
        "original_language": "ar",
        "names": {"ar": "مصنع القصيم للمنتجات المعدنية", "en": "Qassim Metal Products Factory"},
    },
    {
        "code": "jo-amman-bakeries",
        "administration": "jo-psd-crca",
        "kind": Organization.Kind.COMPANY,
        "region": "jo-amman",
        "original_language": "ar",
        "names": {"ar": "مخابز عمّان الحديثة", "en": "Modern Amman Bakeries"},
    },
    {
        "code": "jo-zarqa-construction",
        "administration": "jo-psd-crca",
        "kind": Organization.Kind.COMPANY,
        "region": "jo-zarqa",
        "original_language": "ar",
        "names": {"ar": "شركة الزرقاء للإنشاءات والتشطيب", "en": "Zarqa Construction and Finishing Company"},
    },
    {
        "code": "ma-coop-souss",
        "administration": "ma-dgapr",
        "kind": Organization.Kind.COMPANY,
        "region": "ma-souss-massa",
        "original_language": "fr",
        "names": {
            "fr": "Coopérative artisanale Tifawin (Souss)",
            "ar": "تعاونية تيفاوين للصناعة التقليدية",
            "en": "Tifawin crafts cooperative",
        },
    },
    {
        "code": "ma-menuiserie-atlas",
        "administration": "ma-dgapr",
        "kind": Organization.Kind.COMPANY,
        "region": "ma-beni-mellal-khenifra",
        "original_language": "fr",
        "names": {"fr": "Menuiserie Atlas Béni Mellal", "ar": "نجارة الأطلس ببني ملال", "en": "Atlas joinery"},
    },
    # Seed 004: entrepreneurs who invest in prison work.
    {
        "code": "ir-aria-garments",
        "administration": "ir-prisons",
        "kind": Organization.Kind.COMPANY,
        "region": "ir-tehran",
        "original_language": "fa",
        "names": {"fa": "شرکت تولیدی پوشاک آریا", "en": "Aria garment company"},
    },
    {
        "code": "ir-naqsh-carpets",
        "administration": "ir-prisons",
        "kind": Organization.Kind.FAMILY_BUSINESS,
        "region": "ir-isfahan",
        "original_language": "fa",
        "names": {"fa": "کارگاه فرش دستباف نقش جهان", "en": "Naqsh-e Jahan hand-woven carpets"},
    },
]

CAPACITIES = [
    ("sa-unaizah-reformatory", 1200, ["72", "73", "75"], 35, 40, "ورشة جاهزة للتجهيز بجوار مصنع الصفائح المعدنية."),
    ("sa-buraydah", 600, ["71", "75"], 20, 25, ""),
    ("jo-swaqa", 400, ["73", "75", "51"], 18, 30, "قاعة مجهزة بالكهرباء ثلاثية الطور."),
    ("ma-ait-melloul", 500, ["73", "75", "61"], 25, 30, "Atelier disponible, accès pour camions."),
    (
        "ir-greater-tehran",
        2500,
        ["75", "73", "72"],
        300,
        120,
        "سوله ۲۵۰۰ متری با برق صنعتی، آماده واگذاری به کارآفرین.",
    ),
    ("ir-isfahan-central", 1500, ["73", "75"], 150, 60, "مناسب برای کارگاه فرش‌بافی و صنایع‌دستی."),
]


def load(stdout) -> None:
    by = demo_operator()
    today = timezone.localdate()
    created = Counter()
    rng = random.Random(SEED)
    with set_actor(by):
        for data in EMPLOYERS:
            created["employers"] += _ensure_employer(data, by)
        _metal_sheet_factory(by, today, rng, created)
        _craft_workshop(by, today, rng, created)
        for row in CAPACITIES:
            _ensure_capacity(by, *row)
        _investments(by, today, rng, created)
        openings = _openings(by, today, created)
        _placements(by, today, rng, openings, created)
    stdout.write(
        "Work: {employers} new employers, {workshops} new workshops ({jobs} jobs, {pay_runs} pay runs), "
        "{proposals} new investment proposals, {openings} new openings, {placements} new placements.".format(
            **{
                key: created[key]
                for key in ("employers", "workshops", "jobs", "pay_runs", "proposals", "openings", "placements")
            }
        )
    )


def _org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def _ensure_employer(data: dict, by: User) -> bool:
    if Organization.objects.filter(code=data["code"]).exists():
        return False
    administration = _org(data["administration"])
    fields = {key: value for key, value in data.items() if key not in ("administration", "region", "code")}
    register_organization(
        by=by,
        code=data["code"],
        administration=administration,
        country=administration.country,
        region=Region.objects.get(code=data["region"]),
        **fields,
    )
    return True


def _ensure_capacity(by: User, facility: str, space: int, trades: list, idle: int, training: int, notes: str) -> None:
    found = Facility.objects.get(code=facility)
    if not FacilityCapacity.objects.filter(facility=found).exists():
        services.publish_capacity(
            by=by,
            facility=found,
            space_square_metres=space,
            trades=trades,
            idle_workers=idle,
            training_places=training,
            notes=notes,
        )


def _workshop(by: User, facility: str, names: dict, **fields) -> tuple[Workshop, bool]:
    existing = Workshop.objects.filter(facility__code=facility, names__en=names["en"]).first()
    if existing:
        return existing, False
    return services.create_workshop(by=by, facility=Facility.objects.get(code=facility), names=names, **fields), True


def _workers(facility: str, count: int, rng: random.Random, trades: set[str]) -> list[Person]:
    """People in custody in the facility without a job, those with one of the trades first."""
    people = list(
        Person.objects.filter(
            facility__code=facility, status=PersonStatus.IN_CUSTODY, source_reference__startswith="DEMO-"
        )
        .exclude(Exists(Job.objects.filter(person=OuterRef("pk"), ends_on__isnull=True)))
        .prefetch_related("skills")
        .order_by("source_reference")
    )
    rng.shuffle(people)
    people.sort(key=lambda p: not trades & {s.occupation for s in p.skills.all()})
    return people[:count]


def _give_jobs(by, workshop, plan, rng, today, created) -> None:
    """plan: [(position, band, how many)]. Jobs start within the last year, never before the admission."""
    trades = {position.occupation for position, _band, _count in plan}
    people = iter(_workers(workshop.facility.code, sum(count for *_x, count in plan), rng, trades))
    for position, band, count in plan:
        for _index in range(count):
            person = next(people, None)
            if person is None:
                return
            admitted = person.episodes.get(released_on__isnull=True).admitted_on
            start = max(admitted, today - datetime.timedelta(days=rng.randint(70, 360)))
            services.assign_job(by=by, person=person, position=position, pay_band=band, starts_on=start)
            created["jobs"] += 1


def _month(today: datetime.date, back: int) -> tuple[datetime.date, datetime.date]:
    end = today.replace(day=1) - datetime.timedelta(days=1)
    for _step in range(back - 1):
        end = end.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def _pay(by, workshop, today, rng, created, months_back: int, paid: bool) -> None:
    start, end = _month(today, months_back)
    if workshop.pay_runs.filter(period_start=start).exists():
        return
    from karama.work.selectors import jobs_for_pay_run

    quantities = {}
    for job in jobs_for_pay_run(workshop, start, end):
        basis = job.pay_band.basis
        if basis == "hourly":
            quantities[job.code] = str(rng.choice([96, 120, 144, 160, 168]))
        elif basis == "piece":
            quantities[job.code] = str(rng.randint(250, 900))
        else:
            quantities[job.code] = str(rng.randint(14, 22))
    if not quantities:
        return
    pay_run = services.run_payroll(by=by, workshop=workshop, period_start=start, period_end=end, quantities=quantities)
    services.approve_pay_run(by=by, pay_run=pay_run)
    if paid:
        services.record_pay_run_paid(by=by, pay_run=pay_run, paid_on=min(today, end + datetime.timedelta(days=5)))
    created["pay_runs"] += 1


def _metal_sheet_factory(by: User, today: datetime.date, rng: random.Random, created: Counter) -> Workshop:
    """Seed 000: the Al-Zunaidi family business builds a metal-sheet factory in the Unaizah reformatory."""
    agreement = Agreement.objects.get(administration__code="sa-gdp", reference="SA-GDP-1440-ZUNAIDI")
    workshop, new = _workshop(
        by,
        "sa-unaizah-reformatory",
        {"ar": "مصنع الصفائح المعدنية", "en": "Metal-sheet factory"},
        original_language="ar",
        kind="factory",
        occupation="72",
        currency="SAR",
        operator=_org("sa-zunaidi"),
        agreement=agreement,
        description="مصنع لقص وثني ولحام الصفائح المعدنية، أنشأه أبناء علي بن عبد الله الزنيدي في إصلاحية عنيزة.",
        space_square_metres=1800,
        opened_on=datetime.date(2019, 10, 1),
    )
    if not new:
        return workshop
    created["workshops"] += 1
    cutter = services.add_position(workshop=workshop, by=by, title="عامل قص وثني الصفائح", occupation="72", places=6)
    welder = services.add_position(workshop=workshop, by=by, title="لحّام", occupation="72", places=4)
    press = services.add_position(workshop=workshop, by=by, title="مشغّل مكبس", occupation="81", places=3)
    helper = services.add_position(workshop=workshop, by=by, title="عامل مساعد", occupation="93", places=4)
    skilled = services.add_pay_band(workshop=workshop, by=by, name="ماهر – بالساعة", basis="hourly", rate="12.50")
    assistant = services.add_pay_band(workshop=workshop, by=by, name="مساعد – بالساعة", basis="hourly", rate="8.00")
    piece = services.add_pay_band(workshop=workshop, by=by, name="بالقطعة – لوح مثني", basis="piece", rate="0.75")
    services.agree_wage_split(
        workshop=workshop,
        by=by,
        effective_from=datetime.date(2019, 10, 1),
        family_percent="40",
        savings_percent="30",
        kept_percent="30",
        note="كما اتُّفق مع المشغّل في مذكرة التفاهم.",
    )
    _give_jobs(
        by,
        workshop,
        [(cutter, piece, 3), (welder, skilled, 3), (press, skilled, 1), (helper, assistant, 2)],
        rng,
        today,
        created,
    )
    _pay(by, workshop, today, rng, created, months_back=2, paid=True)
    _pay(by, workshop, today, rng, created, months_back=1, paid=False)
    return workshop


def _craft_workshop(by: User, today: datetime.date, rng: random.Random, created: Counter) -> None:
    """A sewing and embroidery workshop the Jordanian administration runs, paid by the day attended."""
    workshop, new = _workshop(
        by,
        "jo-swaqa",
        {"ar": "مشغل الخياطة والتطريز", "en": "Sewing and embroidery workshop"},
        original_language="ar",
        kind="craft_workshop",
        occupation="75",
        currency="JOD",
        description="مشغل للخياطة والتطريز اليدوي تديره إدارة مراكز الإصلاح والتأهيل، وتُباع منتجاته في معارض الجمعية.",
        space_square_metres=320,
        opened_on=datetime.date(2021, 3, 1),
    )
    if not new:
        return
    created["workshops"] += 1
    tailor = services.add_position(workshop=workshop, by=by, title="خياط", occupation="75", places=6)
    embroidery = services.add_position(workshop=workshop, by=by, title="تطريز يدوي", occupation="73", places=4)
    daily = services.add_pay_band(workshop=workshop, by=by, name="أجر يومي", basis="attendance", rate="1.500")
    services.agree_wage_split(
        workshop=workshop,
        by=by,
        effective_from=datetime.date(2021, 3, 1),
        family_percent="50",
        savings_percent="30",
        kept_percent="20",
    )
    _give_jobs(by, workshop, [(tailor, daily, 4), (embroidery, daily, 2)], rng, today, created)
    _pay(by, workshop, today, rng, created, months_back=1, paid=True)


def _investments(by: User, today: datetime.date, rng: random.Random, created: Counter) -> None:
    """Seed 004: an entrepreneur invests in a garment workshop in Greater Tehran (accepted, running),
    another proposes a carpet workshop in Isfahan (waiting for review)."""
    aria = _org("ir-aria-garments")
    proposal = InvestmentProposal.objects.filter(proposer=aria).first()
    if proposal is None:
        proposal = services.submit_investment_proposal(
            by=by,
            facility=Facility.objects.get(code="ir-greater-tehran"),
            proposer=aria,
            title="کارگاه تولید پوشاک آریا در زندان تهران بزرگ",
            language="fa",
            occupation="75",
            workshop_kind="sewing",
            places=40,
            investment="45000000000",
            currency="IRR",
            family_percent="50",
            savings_percent="30",
            kept_percent="20",
            terms=(
                "تأمین ۶۰ دستگاه چرخ خیاطی صنعتی و مواد اولیه از سوی کارآفرین؛ آموزش مددجویان در محل؛ "
                "خرید تمام تولید با نرخ روز؛ پرداخت دستمزد به‌صورت ماهانه."
            ),
        )
        created["proposals"] += 1
    if proposal.status == ProposalStatus.SUBMITTED:
        services.start_proposal_review(by=by, proposal=proposal)
        proposal.refresh_from_db()
    if proposal.status == ProposalStatus.UNDER_REVIEW:
        proposal = services.accept_investment_proposal(
            by=by,
            proposal=proposal,
            reference="IR-PO-INV-ARIA",
            note="با ظرفیت اعلام‌شده سوله و تعداد مددجویان آماده به کار سازگار است.",
            starts_on=today - datetime.timedelta(days=150),
        )
        workshop = services.update_workshop(
            workshop=proposal.workshop,
            by=by,
            status=WorkshopStatus.ACTIVE,
            opened_on=today - datetime.timedelta(days=120),
        )
        created["workshops"] += 1
        sewer = services.add_position(workshop=workshop, by=by, title="چرخ‌کار", occupation="75", places=30)
        cutter = services.add_position(workshop=workshop, by=by, title="برشکار", occupation="75", places=10)
        piece = services.add_pay_band(workshop=workshop, by=by, name="دستمزد قطعه‌ای", basis="piece", rate="45000")
        hourly = services.add_pay_band(workshop=workshop, by=by, name="دستمزد ساعتی", basis="hourly", rate="180000")
        _give_jobs(by, workshop, [(sewer, piece, 5), (cutter, hourly, 2)], rng, today, created)
        _pay(by, workshop, today, rng, created, months_back=1, paid=True)
    carpets = _org("ir-naqsh-carpets")
    if not InvestmentProposal.objects.filter(proposer=carpets).exists():
        services.submit_investment_proposal(
            by=by,
            facility=Facility.objects.get(code="ir-isfahan-central"),
            proposer=carpets,
            title="کارگاه فرش‌بافی دستباف در زندان مرکزی اصفهان",
            language="fa",
            occupation="73",
            workshop_kind="craft_workshop",
            places=25,
            investment="18000000000",
            currency="IRR",
            family_percent="50",
            savings_percent="25",
            kept_percent="25",
            terms="تأمین ۲۵ دار قالی، نقشه و مواد اولیه؛ آموزش بافندگی توسط استادکاران کارگاه؛ خرید فرش‌های بافته‌شده.",
        )
        created["proposals"] += 1


def _commitment(reference: str, administration: str) -> tuple[Agreement, Commitment]:
    agreement = Agreement.objects.get(administration__code=administration, reference=reference)
    return agreement, agreement.commitments.filter(unit=Commitment.Unit.PLACEMENTS).first()


def _opening_rows(today: datetime.date) -> list[dict]:
    days = datetime.timedelta
    idmaj = ("JO-PSD-IDMAJ", "jo-psd-crca")
    iran = ("IR-PO-SUPPORT-ACTIONS", "ir-prisons")
    return [
        {
            "employer": "sa-zunaidi",
            "administration": "sa-gdp",
            "title": "فني تشكيل صفائح معدنية",
            "occupation": "72",
            "region": "sa-qassim",
            "seats": 4,
            "wage": ("3500", "5000"),
            "currency": "SAR",
            "only_for_leavers": True,
            "valid_until": today + days(120),
            "description": "لمن عمل في مصنع الصفائح المعدنية في إصلاحية عنيزة أو تدرّب على الحدادة واللحام.",
        },
        {
            "employer": "sa-qassim-metal",
            "administration": "sa-gdp",
            "title": "لحّام",
            "occupation": "72",
            "skills": ["74"],
            "region": "sa-qassim",
            "seats": 3,
            "wage": ("4000", "6000"),
            "currency": "SAR",
            "excluded": ["violence"],
            "valid_until": today + days(90),
        },
        {
            "employer": "sa-qassim-metal",
            "administration": "sa-gdp",
            "title": "سائق شاحنة نقل",
            "occupation": "83",
            "region": "sa-qassim",
            "seats": 2,
            "wage": ("4500", "5500"),
            "currency": "SAR",
            "excluded": ["drugs"],
            "valid_until": today + days(60),
        },
        {
            "employer": "jo-amman-bakeries",
            "administration": "jo-psd-crca",
            "title": "خبّاز وعامل مخبز",
            "occupation": "75",
            "skills": ["51"],
            "region": "jo-amman",
            "seats": 5,
            "wage": ("300", "380"),
            "currency": "JOD",
            "only_for_leavers": True,
            "valid_until": today + days(150),
            "agreement": idmaj,
            "description": "عمل لائق بأجر مجزٍ؛ السابقة الأولى ليست عائقًا.",
        },
        {
            "employer": "jo-zarqa-construction",
            "administration": "jo-psd-crca",
            "title": "عامل بناء وتشطيب",
            "occupation": "71",
            "region": "jo-zarqa",
            "seats": 6,
            "wage": ("350", "450"),
            "currency": "JOD",
            "excluded": ["violence"],
            "valid_until": today + days(100),
            "agreement": idmaj,
        },
        {
            "employer": "ma-coop-souss",
            "administration": "ma-dgapr",
            "title": "Artisan en tissage et broderie",
            "occupation": "73",
            "skills": ["75"],
            "region": "ma-souss-massa",
            "seats": 4,
            "wage": ("2500", "3200"),
            "currency": "MAD",
            "only_for_leavers": True,
            "valid_until": today + days(90),
        },
        {
            "employer": "ma-menuiserie-atlas",
            "administration": "ma-dgapr",
            "title": "Menuisier ou aide-menuisier",
            "occupation": "75",
            "region": "ma-beni-mellal-khenifra",
            "seats": 2,
            "wage": ("2800", "3500"),
            "currency": "MAD",
            "valid_until": today + days(75),
        },
        {
            "employer": "ir-aria-garments",
            "administration": "ir-prisons",
            "title": "چرخ‌کار و خیاط",
            "occupation": "75",
            "region": "ir-tehran",
            "seats": 8,
            "wage": ("120000000", "150000000"),
            "currency": "IRR",
            "only_for_leavers": True,
            "valid_until": today + days(120),
            "agreement": iran,
        },
        {
            "employer": "ir-naqsh-carpets",
            "administration": "ir-prisons",
            "title": "بافنده فرش دستباف",
            "occupation": "73",
            "region": "ir-isfahan",
            "seats": 5,
            "wage": ("100000000", "130000000"),
            "currency": "IRR",
            "valid_until": today + days(90),
            "agreement": iran,
        },
    ]


def _openings(by: User, today: datetime.date, created: Counter) -> list[Opening]:
    openings = []
    for row in _opening_rows(today):
        employer = _org(row["employer"])
        opening = Opening.objects.filter(employer=employer, title=row["title"]).first()
        if opening is None:
            agreement, commitment = _commitment(*row["agreement"]) if "agreement" in row else (None, None)
            opening = services.publish_opening(
                by=by,
                employer=employer,
                administration=_org(row["administration"]),
                title=row["title"],
                occupation=row["occupation"],
                skills=row.get("skills", []),
                region=Region.objects.get(code=row["region"]),
                seats=row["seats"],
                wage_min=row["wage"][0],
                wage_max=row["wage"][1],
                currency=row["currency"],
                only_for_leavers=row.get("only_for_leavers", False),
                excluded_categories=row.get("excluded", []),
                valid_until=row["valid_until"],
                description=row.get("description", ""),
                contact_name=employer.name,
                agreement=agreement,
                commitment=commitment,
            )
            created["openings"] += 1
        openings.append(opening)
    return openings


# How long ago each hire was: every stage of the retention checks is on show.
HIRED_DAYS_AGO = [400, 230, 105, 80]
# Checks that came in the last weeks are left for the due work list.
LEFT_PENDING_DAYS = 20


def _placements(by: User, today: datetime.date, rng: random.Random, openings: list[Opening], created: Counter) -> None:
    """For the first openings of each country: the best released candidates consent to share their record
    with the employer, apply and are hired; retention checks that have come are recorded."""
    for index, opening in enumerate(openings):
        if opening.applications.exists():
            continue
        opening = Opening.objects.select_related("region").prefetch_related("skills", "exclusions").get(pk=opening.pk)
        ranked = [profile for profile, _match in matching.candidates_for(opening, today, limit=12)]
        released = [p for p in ranked if not p.in_custody][:2]
        waiting = [p for p in ranked if p.in_custody][:2]
        for position, profile in enumerate(released):
            days_ago = HIRED_DAYS_AGO[(index + position) % len(HIRED_DAYS_AGO)]
            _hire(
                by, opening, Person.objects.get(pk=profile.pk), today - datetime.timedelta(days=days_ago), rng, created
            )
        for profile in waiting[:1]:
            services.propose_candidate(by=by, opening=opening, person=Person.objects.get(pk=profile.pk))


def _hire(by, opening: Opening, person: Person, started_on, rng, created) -> None:
    if not active_consents(opening.employer_id).filter(person=person, purpose="employment").exists():
        people_services.record_consent(
            person=person,
            by=by,
            organization=opening.employer,
            purpose="employment",
            valid_from=started_on - datetime.timedelta(days=20),
        )
    application = services.propose_candidate(by=by, opening=opening, person=person)
    services.change_application_status(by=by, application=application, status="applied")
    services.change_application_status(by=by, application=application, status="interview")
    low, high = opening.wage_min, opening.wage_max
    wage = (low + (high - low) * Decimal(rng.randint(0, 4)) / 4).quantize(Decimal(1))
    application = services.change_application_status(
        by=by, application=application, status="hired", started_on=started_on, wage=str(wage)
    )
    created["placements"] += 1
    recorded_until = timezone.localdate() - datetime.timedelta(days=LEFT_PENDING_DAYS)
    for check in application.retention_checks.filter(due_on__lte=recorded_until).order_by("months"):
        check.refresh_from_db()
        if check.checked_on is not None:
            continue
        stays = not (check.months == 6 and rng.random() < 0.3)
        checked_on = min(timezone.localdate(), check.due_on + datetime.timedelta(days=rng.randint(0, 6)))
        services.record_retention_check(by=by, check=check, still_employed=stays, checked_on=checked_on)
        if not stays:
            break
