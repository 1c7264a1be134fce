"""Demonstration data of the training: the seed articles' programmes, with sessions, attendance,
completions and certificates, all written through the services.

Seed 000: the national crafts programme trains male and female inmates; the security-sciences university
gives courses to inmates and workshops to the directorate's staff. Seed 001: the Idmaj association's
workshops for the staff of Jordan's centres. Seed 003: literacy with the regional academy and vocational
training with the OFPPT in Beni Mellal, which the Mohammed VI Foundation runs with them.

Programmes are keyed on their reference, so a second run creates nothing; their dates follow the day of
the first run, so some have ended (with graduates and certificates), some run, one is still to come.
"""

import datetime
import random
import zlib
from collections import Counter
from dataclasses import dataclass, field

from auditlog.context import set_actor
from django.db.models import Q
from django.utils import timezone

from karama.agreements.models import Agreement, Commitment
from karama.core.demo import demo_operator
from karama.core.models import Facility, Organization, Role, User
from karama.people.models import Consent, ConsentPurpose, Person
from karama.training import services
from karama.training.models import CustodyEndReason, EnrolmentStatus, Programme

# Fictitious staff of the administrations, who take part in staff training; they never sign in.
STAFF = {
    "sa-gdp": [
        ("sa-staff-01", "sa-unaizah-reformatory", "عبد العزيز", "المطيري"),
        ("sa-staff-02", "sa-unaizah-reformatory", "هند", "الشهري"),
        ("sa-staff-03", "sa-al-hair", "سلمان", "العنزي"),
        ("sa-staff-04", "sa-al-hair", "ريم", "القحطاني"),
        ("sa-staff-05", "sa-buraydah", "تركي", "الرشيدي"),
        ("sa-staff-06", "sa-buraydah", "نوف", "الجهني"),
        ("sa-staff-07", "sa-al-hair", "ماجد", "الغامدي"),
        ("sa-staff-08", "sa-unaizah-reformatory", "بندر", "السبيعي"),
    ],
    "jo-psd-crca": [
        ("jo-staff-01", "jo-swaqa", "رائد", "العبادي"),
        ("jo-staff-02", "jo-swaqa", "هبة", "الزعبي"),
        ("jo-staff-03", "jo-juweideh", "عماد", "المجالي"),
        ("jo-staff-04", "jo-juweideh", "ديمة", "الخوالدة"),
        ("jo-staff-05", "jo-swaqa", "باسل", "النسور"),
        ("jo-staff-06", "jo-juweideh", "سعاد", "الحياري"),
    ],
}


@dataclass
class Timing:
    """Days from the day of the first load: where the programme starts and ends."""

    start: int
    end: int

    @property
    def ended(self) -> bool:
        return self.end < 0


ENDED = Timing(-170, -50)
ENDED_LONG_AGO = Timing(-330, -220)
RUNNING = Timing(-35, 55)
UPCOMING = Timing(25, 115)


@dataclass
class Spec:
    administration: str
    reference: str
    kind: str
    provider: str
    names: dict
    timing: Timing
    capacity: int
    participants: int  # how many to enrol (the rest of the places stay free for the visitor)
    agreement: str = ""
    commitment: str = ""  # the commitment's description in the agreements demo
    coordinator: str = ""
    facilities: tuple = ()
    sex: str = ""
    occupation: str = ""
    hours: int | None = None
    requires_literacy: bool = False
    minimum_attendance: int | None = None
    certificate_titles: dict = field(default_factory=dict)
    trainers: tuple = ()  # (name, organization code, expertise) or (username, None, expertise)
    topics: tuple = ()
    consenting_only: bool = False  # enrol people who consented to training with the coordinator...
    others: int = 0  # ...and this many who did not: the administration enrols them, the partner does not see them


CRAFTS_COMMITMENT = "Specialized craft and handicraft programmes for male and female inmates."
NAUSS_COURSES = "Specialized courses delivered with the University's capabilities."
NAUSS_JOINT = "Joint training courses, programmes and activities."
IDMAJ_WORKSHOPS = "Workshops, seminars and training courses for the staff of the centres."

PROGRAMMES = [
    Spec(
        administration="sa-gdp",
        reference="SA-CRAFTS-WOOD-01",
        kind="crafts",
        provider="sa-crafts-programme",
        agreement="SA-GDP-1440-CRAFTS",
        commitment=CRAFTS_COMMITMENT,
        names={"ar": "النجارة والنقش على الخشب – إصلاحية عنيزة", "en": "Woodwork and carving – Unaizah reformatory"},
        certificate_titles={
            "ar": "الحرف اليدوية: النجارة والنقش على الخشب",
            "en": "Crafts: woodwork and wood carving",
            "fr": "Artisanat : menuiserie et sculpture sur bois",
        },
        timing=ENDED,
        capacity=15,
        participants=12,
        facilities=("sa-unaizah-reformatory",),
        sex="male",
        occupation="73",
        hours=120,
        minimum_attendance=70,
        trainers=(("أ. فهد الدوسري", "sa-crafts-programme", "النقش على الخشب"),),
        topics=("أدوات النجارة والسلامة", "القص والتجميع", "النقش على الخشب", "التشطيب والدهان", "مشروع التخرج"),
    ),
    Spec(
        administration="sa-gdp",
        reference="SA-CRAFTS-METAL-02",
        kind="crafts",
        provider="sa-crafts-programme",
        agreement="SA-GDP-1440-CRAFTS",
        commitment=CRAFTS_COMMITMENT,
        names={"ar": "الأعمال المعدنية والحدادة الفنية – إصلاحية عنيزة", "en": "Metalwork and art smithing – Unaizah"},
        certificate_titles={
            "ar": "الحرف اليدوية: الأعمال المعدنية والحدادة الفنية",
            "en": "Crafts: metalwork and art smithing",
            "fr": "Artisanat : ferronnerie d'art",
        },
        timing=RUNNING,
        capacity=15,
        participants=9,
        facilities=("sa-unaizah-reformatory",),
        sex="male",
        occupation="72",
        hours=100,
        minimum_attendance=70,
        trainers=(("م. خالد العتيبي", "sa-crafts-programme", "الحدادة الفنية"),),
        topics=("السلامة في الورشة", "القص واللحام", "التشكيل على البارد", "الزخرفة المعدنية", "التشطيب"),
    ),
    Spec(
        administration="sa-gdp",
        reference="SA-CRAFTS-SADU-03",
        kind="crafts",
        provider="sa-crafts-programme",
        agreement="SA-GDP-1440-CRAFTS",
        commitment=CRAFTS_COMMITMENT,
        names={"ar": "السدو والتطريز للنزيلات", "en": "Sadu weaving and embroidery for female inmates"},
        certificate_titles={
            "ar": "الحرف اليدوية: نسيج السدو والتطريز",
            "en": "Crafts: Sadu weaving and embroidery",
            "fr": "Artisanat : tissage sadu et broderie",
        },
        timing=RUNNING,
        capacity=12,
        participants=7,
        facilities=("sa-al-hair", "sa-buraydah"),
        sex="female",
        occupation="73",
        hours=90,
        trainers=(("أ. منيرة الشمري", "sa-crafts-programme", "نسيج السدو"),),
        topics=("تاريخ السدو وخاماته", "النول الأرضي", "الزخارف التقليدية", "التطريز اليدوي", "تسويق المنتجات الحرفية"),
    ),
    Spec(
        administration="sa-gdp",
        reference="SA-NAUSS-LIFE-01",
        kind="life_skills",
        provider="sa-nauss",
        agreement="SA-GDP-1440-NAUSS",
        commitment=NAUSS_COURSES,
        names={"ar": "مهارات الحياة والتخطيط للمستقبل – سجن الحائر", "en": "Life skills and planning ahead – Al-Ha'ir"},
        certificate_titles={
            "ar": "مهارات الحياة والتخطيط للمستقبل",
            "en": "Life skills and planning ahead",
            "fr": "Compétences de vie et projet d'avenir",
        },
        timing=ENDED_LONG_AGO,
        capacity=20,
        participants=14,
        facilities=("sa-al-hair",),
        hours=30,
        requires_literacy=True,
        trainers=(("د. سعد الغامدي", "sa-nauss", "علم النفس الاجتماعي"),),
        topics=("التواصل الفعال", "إدارة الغضب", "إدارة الميزانية الشخصية", "البحث عن عمل", "التخطيط للمستقبل"),
    ),
    Spec(
        administration="sa-gdp",
        reference="SA-NAUSS-STAFF-01",
        kind="staff_training",
        provider="sa-nauss",
        agreement="SA-GDP-1440-NAUSS",
        commitment=NAUSS_JOINT,
        names={
            "ar": "ورشة عمل: أساليب إعادة التأهيل في المؤسسات الإصلاحية",
            "en": "Workshop: rehabilitation methods in correctional institutions",
        },
        timing=ENDED,
        capacity=25,
        participants=8,
        hours=24,
        trainers=(
            ("د. عبد الرحمن الزهراني", "sa-nauss", "العلوم الأمنية"),
            ("د. لطيفة العسيري", "sa-nauss", "علم الاجتماع"),
        ),
        topics=("تقييم الاحتياجات", "خطط إعادة الإدماج", "العمل مع الأسر", "دراسة الحالات"),
    ),
    Spec(
        administration="jo-psd-crca",
        reference="JO-IDMAJ-STAFF-01",
        kind="staff_training",
        provider="jo-idmaj",
        agreement="JO-PSD-IDMAJ",
        commitment=IDMAJ_WORKSHOPS,
        names={
            "ar": "ورشة: دراسة أوضاع النزلاء وتوجهاتهم المهنية",
            "en": "Workshop: studying inmates' conditions and vocational orientation",
        },
        timing=ENDED,
        capacity=20,
        participants=6,
        hours=16,
        trainers=(("partner-idmaj", None, "الرعاية اللاحقة"),),
        topics=("منهجية الزيارات الميدانية", "جمع البيانات وحمايتها", "التوجيه المهني", "تحليل النتائج"),
    ),
    Spec(
        administration="ma-dgapr",
        reference="MA-BM-ALPHA-2026",
        kind="literacy",
        provider="ma-aref-bmk",
        coordinator="ma-fm6",
        agreement="MA-FM6-BENI-MELLAL",
        commitment="Literacy programmes for inmates.",
        names={
            "ar": "محو الأمية – السجن المحلي ببني ملال",
            "fr": "Alphabétisation – prison locale de Béni Mellal",
            "en": "Literacy – Beni Mellal local prison",
        },
        certificate_titles={
            "ar": "محو الأمية: المستوى الأول",
            "fr": "Alphabétisation : premier niveau",
            "en": "Literacy: first level",
        },
        timing=ENDED,
        capacity=20,
        participants=12,
        facilities=("ma-beni-mellal",),
        hours=80,
        minimum_attendance=60,
        trainers=(("Mme Naima Ouazzani", "ma-aref-bmk", "Alphabétisation des adultes"),),
        topics=("Les lettres", "Lire des mots", "Écrire son nom", "Les nombres", "Lire un document officiel"),
    ),
    Spec(
        administration="ma-dgapr",
        reference="MA-BM-ELEC-2026",
        kind="vocational",
        provider="ma-ofppt",
        coordinator="ma-fm6",
        agreement="MA-FM6-BENI-MELLAL",
        commitment="Vocational training for inmates.",
        names={
            "ar": "التركيب الكهربائي للمباني – السجن المحلي ببني ملال",
            "fr": "Installation électrique du bâtiment – prison locale de Béni Mellal",
            "en": "Building electrical installation – Beni Mellal local prison",
        },
        certificate_titles={
            "ar": "التكوين المهني: التركيب الكهربائي للمباني",
            "fr": "Formation qualifiante : installation électrique du bâtiment",
            "en": "Vocational training: building electrical installation",
        },
        timing=RUNNING,
        capacity=16,
        participants=6,
        facilities=("ma-beni-mellal",),
        sex="male",
        occupation="74",
        hours=240,
        minimum_attendance=70,
        trainers=(("M. Abdelkrim Lahlou", "ma-ofppt", "Électricité du bâtiment"),),
        topics=(
            "Sécurité électrique",
            "Lecture de schémas",
            "Câblage d'un logement",
            "Tableau électrique",
            "Dépannage",
        ),
        consenting_only=True,
        others=4,
    ),
    Spec(
        administration="ma-dgapr",
        reference="MA-BM-CUISINE-2027",
        kind="vocational",
        provider="ma-ofppt",
        coordinator="ma-fm6",
        agreement="MA-FM6-BENI-MELLAL",
        commitment="Vocational training for inmates.",
        names={
            "ar": "الطبخ والحلويات – السجن المحلي ببني ملال",
            "fr": "Cuisine et pâtisserie – prison locale de Béni Mellal",
            "en": "Cooking and pastry – Beni Mellal local prison",
        },
        certificate_titles={
            "ar": "التكوين المهني: الطبخ والحلويات",
            "fr": "Formation qualifiante : cuisine et pâtisserie",
            "en": "Vocational training: cooking and pastry",
        },
        timing=UPCOMING,
        capacity=14,
        participants=3,
        facilities=("ma-beni-mellal",),
        occupation="51",
        hours=200,
        trainers=(("Mme Khadija Berrada", "ma-ofppt", "Cuisine marocaine"),),
        consenting_only=True,
    ),
]


@dataclass
class Context:
    by: User
    today: datetime.date
    created: Counter


def load(stdout) -> None:
    context = Context(by=demo_operator(), today=timezone.localdate(), created=Counter())
    with set_actor(context.by):
        for administration, staff in STAFF.items():
            _ensure_staff(administration, staff, context)
        for spec in PROGRAMMES:
            administration = Organization.objects.get(code=spec.administration)
            if not Programme.objects.filter(administration=administration, reference=spec.reference).exists():
                _create(spec, administration, context)
    stdout.write(
        "Training: {programmes} new programmes, {sessions} new sessions, {enrolments} new enrolments, "
        "{certificates} new certificates, {staff} new staff members.".format(
            **{key: context.created[key] for key in ("programmes", "sessions", "enrolments", "certificates", "staff")}
        )
    )


def _ensure_staff(administration_code: str, staff: list, context: Context) -> None:
    administration = Organization.objects.get(code=administration_code)
    for username, facility, first_name, last_name in staff:
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            role=Role.FACILITY_STAFF,
            administration=administration,
            facility=Facility.objects.get(code=facility),
            first_name=first_name,
            last_name=last_name,
            language="ar",
        )
        # Participants of staff training only: they have no password to sign in with.
        user.set_unusable_password()
        user.save()
        context.created["staff"] += 1


def _day(context: Context, offset: int) -> datetime.date:
    return context.today + datetime.timedelta(days=offset)


def _create(spec: Spec, administration: Organization, context: Context) -> None:
    rng = random.Random(zlib.crc32(spec.reference.encode()))
    starts_on, ends_on = _day(context, spec.timing.start), _day(context, spec.timing.end)
    agreement = Agreement.objects.get(administration=administration, reference=spec.agreement)
    facilities = [Facility.objects.get(code=code) for code in spec.facilities]
    programme = services.create_programme(
        by=context.by,
        administration=administration,
        reference=spec.reference,
        kind=spec.kind,
        names=spec.names,
        original_language="ar",
        certificate_titles=spec.certificate_titles,
        provider=Organization.objects.get(code=spec.provider),
        coordinator=Organization.objects.get(code=spec.coordinator) if spec.coordinator else None,
        agreement=agreement,
        commitment=Commitment.objects.get(agreement=agreement, description=spec.commitment),
        facilities=facilities,
        occupation=spec.occupation,
        sex=spec.sex,
        capacity=spec.capacity,
        # Nobody can be enrolled in a programme that has ended: a past one is run until today, then closed.
        starts_on=starts_on,
        ends_on=max(ends_on, context.today),
        planned_hours=spec.hours,
        requires_literacy=spec.requires_literacy,
        minimum_attendance=spec.minimum_attendance,
    )
    context.created["programmes"] += 1
    trainers = [_trainer(programme, trainer, context) for trainer in spec.trainers]
    sessions = _sessions(programme, spec, starts_on, ends_on, trainers, context)
    enrolments = _enrol(programme, spec, rng, starts_on, ends_on, context)
    held = [session for session in sessions if session.held_on <= context.today]
    for session in held:
        marks = {e: _mark(rng) for e in enrolments if e.status == EnrolmentStatus.ENROLLED}
        if marks:
            services.record_attendance(session=session, by=context.by, marks=marks)
    if spec.timing.ended:
        _close(programme, enrolments, rng, ends_on, context)
        services.update_programme(programme=programme, by=context.by, ends_on=ends_on)


def _trainer(programme: Programme, data: tuple, context: Context):
    name, organization, expertise = data
    if organization is None:
        return services.add_trainer(
            programme=programme, by=context.by, user=User.objects.get(username=name), expertise=expertise
        )
    return services.add_trainer(
        programme=programme,
        by=context.by,
        name=name,
        organization=Organization.objects.get(code=organization),
        expertise=expertise,
    )


def _sessions(programme, spec: Spec, starts_on, ends_on, trainers, context: Context) -> list:
    """A session a week from the start to the end, over the topics in turn."""
    sessions, day, number = [], starts_on, 0
    facilities = list(programme.facilities.all())
    while day <= ends_on:
        topic = spec.topics[number % len(spec.topics)] if spec.topics else ""
        sessions.append(
            services.schedule_session(
                programme=programme,
                by=context.by,
                held_on=day,
                topic=topic,
                starts_at=datetime.time(9, 0),
                ends_at=datetime.time(12, 0),
                facility=facilities[number % len(facilities)] if facilities else None,
                trainer=trainers[number % len(trainers)] if trainers else None,
            )
        )
        context.created["sessions"] += 1
        day += datetime.timedelta(days=7)
        number += 1
    return sessions


def _candidates(programme: Programme, spec: Spec, starts_on: datetime.date) -> list[Person]:
    """People held in the programme's facilities when it started, of its participants' sex."""
    people = Person.objects.filter(administration=programme.administration)
    if spec.facilities:
        people = people.filter(
            Q(episodes__released_on__isnull=True) | Q(episodes__released_on__gt=starts_on),
            episodes__facility__code__in=spec.facilities,
            episodes__admitted_on__lte=starts_on,
        )
    if spec.sex:
        people = people.filter(sex=spec.sex)
    if spec.requires_literacy:
        people = people.filter(literacy="literate")
    if spec.kind == "literacy":
        people = people.filter(literacy__in=["illiterate", "basic"])
    return list(people.distinct().order_by("pk"))


def _consenting(spec: Spec, people: list[Person]) -> set[int]:
    consents = Consent.objects.filter(
        organization__code=spec.coordinator, purpose=ConsentPurpose.TRAINING, revoked_at__isnull=True
    )
    return set(consents.filter(person__in=people).values_list("person_id", flat=True))


def _choose_people(programme: Programme, spec: Spec, rng: random.Random, starts_on, ends_on) -> list[Person]:
    candidates = _candidates(programme, spec, starts_on)
    if spec.consenting_only:
        consenting = _consenting(spec, candidates)
        willing = [p for p in candidates if p.pk in consenting]
        # A running programme keeps a few consenting people for the visitor to enrol.
        keep = 0 if spec.timing.ended else 3
        chosen = rng.sample(willing, max(0, min(spec.participants, len(willing) - keep)))
        others = [p for p in candidates if p.pk not in consenting]
        return chosen + rng.sample(others, min(spec.others, len(others)))
    chosen = rng.sample(candidates, min(spec.participants, len(candidates)))
    # Someone released before the end shows an enrolment closed for a custody reason, not a failure.
    released = [p for p in candidates if p.episodes.filter(released_on__gt=starts_on, released_on__lt=ends_on).exists()]
    if spec.timing.ended and released and not set(released) & set(chosen):
        chosen[-1] = released[0]
    return chosen


def _enrol(programme: Programme, spec: Spec, rng: random.Random, starts_on, ends_on, context: Context) -> list:
    if programme.is_staff_training:
        staff = User.objects.filter(administration=programme.administration, username__in=_staff_names(spec))
        chosen = list(staff.order_by("username"))[: spec.participants]
        kind = "staff"
    else:
        chosen = _choose_people(programme, spec, rng, starts_on, ends_on)
        kind = "person"
    enrolments = []
    for participant in chosen:
        waiting = spec.timing.start > 0 and len(enrolments) >= spec.participants - 1
        enrolments.append(
            services.enrol(programme=programme, by=context.by, waiting_list=waiting, **{kind: participant})
        )
        context.created["enrolments"] += 1
    return enrolments


def _staff_names(spec: Spec) -> list[str]:
    return [username for username, _facility, _first, _last in STAFF.get(spec.administration, [])]


def _mark(rng: random.Random) -> str:
    roll = rng.random()
    return "present" if roll < 0.86 else ("absent" if roll < 0.95 else "excused")


def _close(programme: Programme, enrolments: list, rng: random.Random, ends_on, context: Context) -> None:
    """Most complete the programme; one drops out, one fails; someone released or transferred before the end
    (or, failing that, moved for security) leaves for that custody reason, which is not a failure."""
    custody_end = False
    for position, enrolment in enumerate(enrolments):
        enrolment.refresh_from_db()
        left = _left_custody(enrolment, programme.starts_on, ends_on)
        if left is not None:
            reason = (
                CustodyEndReason.TRANSFERRED if left.release_reason == "transfer_out" else CustodyEndReason.RELEASED
            )
            services.end_for_custody_reason(enrolment=enrolment, by=context.by, on=left.released_on, reason=reason)
            custody_end = True
        elif position == 1:
            services.record_dropout(enrolment=enrolment, by=context.by, on=ends_on - datetime.timedelta(days=40))
        elif position == 3 and enrolment.person_id and not custody_end:
            services.end_for_custody_reason(
                enrolment=enrolment, by=context.by, on=ends_on - datetime.timedelta(days=25), reason="security"
            )
            custody_end = True
        elif position == 2 or not _attended_enough(programme, enrolment):
            services.fail_enrolment(enrolment=enrolment, by=context.by, on=ends_on, score=rng.randint(30, 48))
        else:
            services.complete_enrolment(enrolment=enrolment, by=context.by, on=ends_on, score=rng.randint(62, 98))
            context.created["certificates"] += 1


def _left_custody(enrolment, starts_on, ends_on):
    if not enrolment.person_id:
        return None
    return enrolment.person.episodes.filter(released_on__gt=starts_on, released_on__lt=ends_on).first()


def _attended_enough(programme: Programme, enrolment) -> bool:
    rate = services.rate_for(enrolment)
    return not programme.minimum_attendance or (rate is not None and rate >= programme.minimum_attendance)
