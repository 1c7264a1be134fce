"""Demonstration data of family support (seed 004): Iran's provincial prisoner-support associations cover
Tehran, Isfahan and Razavi Khorasan — 64,000 families nationally, a few dozen here — with the needs they
assessed, the monthly allowances and food baskets they give and each handover; the Idmaj association
(seed 001) supports a few Jordanian families; families' requests from the public form wait to be checked.

Amounts are illustrative: the seeds name no figures for family support.
"""

import datetime
import random
from collections import Counter
from decimal import Decimal

from auditlog.context import set_actor
from django.db.models import Exists, OuterRef
from django.utils import timezone

from karama.agreements import services as agreement_services
from karama.agreements.models import Agreement, Budget
from karama.core.demo import PASSWORD, demo_operator
from karama.core.models import Calendar, Digits, Organization, Region, Role, User
from karama.people.models import Household, Person
from karama.people.selectors import active_consents
from karama.support import services
from karama.support.models import Coverage, SupportPackage, SupportRequest
from karama.support.selectors import HOUSEHOLD_PURPOSES

SEED = 4004
COVERAGE = [
    ("ir-support-tehran", "ir-tehran"),
    ("ir-support-isfahan", "ir-isfahan"),
    ("ir-support-razavi-khorasan", "ir-razavi-khorasan"),
    ("jo-idmaj", "jo-amman"),
    ("jo-idmaj", "jo-zarqa"),
]
ASSOCIATION_USER = {
    "username": "partner-tehran-support",
    "role": Role.PARTNER_STAFF,
    "organization": "ir-support-tehran",
    "first_name": "زهرا",
    "last_name": "محمدی",
    "language": "fa",
    "calendar": Calendar.JALALI,
    "digits": Digits.PERSIAN,
}
IRAN_AGREEMENT = ("ir-prisons", "IR-PO-SUPPORT-ACTIONS")
JORDAN_AGREEMENT = ("jo-psd-crca", "JO-PSD-IDMAJ")
IRAN_BUDGET = {
    "label": "صندوق حمایت از خانواده‌ها (رقم نمایشی؛ در گزارش نیامده است)",
    "amount": Decimal("60000000000"),
    "currency": "IRR",
}
IRAN_HOUSEHOLDS, JORDAN_HOUSEHOLDS = 36, 6

# kind: (Persian description, Arabic description, IRR amount, JOD amount, recurrence)
NEEDS = {
    "rent": ("اجاره‌بهای معوق منزل استیجاری", "إيجار المنزل المتأخر", "120000000", "150", "monthly"),
    "food": ("تأمین خوراک ماهانه خانواده", "الغذاء الشهري للأسرة", "35000000", "60", "monthly"),
    "school": (
        "هزینه ثبت‌نام، لوازم‌التحریر و سرویس مدرسه فرزندان",
        "رسوم المدرسة والقرطاسية والزي المدرسي للأطفال",
        "60000000",
        "120",
        "yearly",
    ),
    "medical": (
        "هزینه درمان و داروی یکی از اعضای خانواده",
        "علاج ودواء أحد أفراد الأسرة",
        "90000000",
        "200",
        "one_off",
    ),
    "utilities": ("قبوض آب، برق و گاز", "فواتير الكهرباء والمياه", "12000000", "40", "monthly"),
    "debts": ("بدهی خانواده به مغازه‌دار محل", "دين على الأسرة لصاحب البقالة", "200000000", "300", "one_off"),
}
NEED_WEIGHTS = [("rent", 5), ("food", 6), ("school", 4), ("medical", 3), ("utilities", 3), ("debts", 2)]
CHECK_NOTES = {
    "fa": [
        "بازدید از منزل انجام شد؛ وضعیت خانواده تأیید شد.",
        "با همسر زندانی دیدار شد؛ مدارک اجاره‌نامه بررسی شد.",
        "خانواده در منزل استیجاری زندگی می‌کند و درآمد ثابتی ندارد.",
    ],
    "ar": ["تمت زيارة الأسرة في منزلها وتأكدت حالتها.", "قابلنا زوجة النزيل واطلعنا على عقد الإيجار."],
}
ALLOWANCE = {"IRR": "40000000", "JOD": "80"}
BASKET = {
    "fa": ("سبد کالا: برنج ۱۰ کیلو، روغن، حبوبات، مرغ", "30000000", "IRR"),
    "ar": ("طرد غذائي: أرز، زيت، بقوليات، سكر", "45", "JOD"),
}
# Families who asked through the public form and wait for the association's call.
PUBLIC_REQUESTS = [
    {
        "region": "ir-tehran",
        "contact_name": "فاطمه رضایی",
        "contact_relation": "spouse",
        "contact_phone": "0912 000 1101",
        "prisoner_name": "علی رضایی",
        "household_size": 4,
        "children": 2,
        "needs": ["rent", "food"],
        "message": "همسرم دو سال است در زندان است و اجاره خانه سه ماه عقب افتاده است.",
        "language": "fa",
    },
    {
        "region": "ir-tehran",
        "contact_name": "رقیه کریمی",
        "contact_relation": "parent",
        "contact_phone": "0935 000 2202",
        "prisoner_name": "مهدی کریمی",
        "household_size": 3,
        "children": 1,
        "needs": ["medical", "school"],
        "message": "نوه‌ام بیمار است و هزینه دارو را نمی‌توانیم بپردازیم.",
        "language": "fa",
    },
    {
        "region": "ir-isfahan",
        "contact_name": "زینب احمدی",
        "contact_relation": "spouse",
        "contact_phone": "0913 000 3303",
        "prisoner_name": "رضا احمدی",
        "household_size": 5,
        "children": 3,
        "needs": ["food", "utilities"],
        "message": "",
        "language": "fa",
    },
    {
        "region": "ir-razavi-khorasan",
        "contact_name": "معصومه نوری",
        "contact_relation": "sibling",
        "contact_phone": "0915 000 4404",
        "prisoner_name": "حسن نوری",
        "household_size": 2,
        "children": 0,
        "needs": ["debts"],
        "message": "برادرم به خاطر بدهی در زندان است.",
        "language": "fa",
    },
    {
        "region": "jo-amman",
        "contact_name": "أم أحمد",
        "contact_relation": "spouse",
        "contact_phone": "079 000 5505",
        "prisoner_name": "أحمد الخطيب",
        "household_size": 6,
        "children": 4,
        "needs": ["rent", "school"],
        "message": "زوجي نزيل منذ سنة والأطفال بحاجة إلى مصاريف المدرسة.",
        "language": "ar",
    },
]


def load(stdout) -> None:
    created = Counter()
    operator = demo_operator()
    today = timezone.localdate()
    with set_actor(operator):
        for association, region in COVERAGE:
            created["coverage"] += _ensure_coverage(association, region, operator, today)
        created["users"] += _ensure_user()
        _ensure_budget(operator)
        iran = _candidates("ir-prisons", IRAN_HOUSEHOLDS)
        jordan = _candidates("jo-psd-crca", JORDAN_HOUSEHOLDS)
        for position, household in enumerate(iran + jordan):
            if not household.support_requests.exists():
                _support(household, position, operator, today, created)
        if not SupportRequest.objects.filter(channel=SupportRequest.Channel.PUBLIC_FORM).exists():
            _public_requests(operator, today, created)
    stdout.write(
        "Support: {coverage} new coverage, {households} households supported, {needs} needs, {packages} packages, "
        "{disbursements} disbursements, {requests} public requests; association login {user} ({users} new).".format(
            user=ASSOCIATION_USER["username"],
            **{
                key: created[key]
                for key in ("coverage", "households", "needs", "packages", "disbursements", "requests", "users")
            },
        )
    )


def _ensure_coverage(association: str, region: str, by: User, today: datetime.date) -> bool:
    organization = Organization.objects.get(code=association)
    region = Region.objects.get(code=region)
    if Coverage.objects.filter(association=organization, region=region).exists():
        return False
    services.add_coverage(
        by=by, association=organization, region=region, starts_on=today - datetime.timedelta(days=400)
    )
    return True


def _ensure_user() -> bool:
    if User.objects.filter(username=ASSOCIATION_USER["username"]).exists():
        return False
    fields = {key: value for key, value in ASSOCIATION_USER.items() if key != "organization"}
    user = User(**fields, organization=Organization.objects.get(code=ASSOCIATION_USER["organization"]))
    user.set_password(PASSWORD)
    user.full_clean()
    user.save()
    return True


def _agreement(key: tuple[str, str]) -> Agreement:
    return Agreement.objects.get(administration__code=key[0], reference=key[1])


def _ensure_budget(by: User) -> None:
    agreement = _agreement(IRAN_AGREEMENT)
    if not Budget.objects.filter(agreement=agreement, label=IRAN_BUDGET["label"]).exists():
        agreement_services.add_budget(agreement=agreement, by=by, **IRAN_BUDGET)


def _candidates(administration: str, count: int) -> list[Household]:
    """Households their association covers and may see: a consent that opens the household to it."""
    households = Household.objects.filter(
        person__administration__code=administration,
        person__source_reference__startswith="DEMO-",
        region__isnull=False,
    ).select_related("person", "region", "supporting_association")
    chosen = []
    for household in households.order_by("person__source_reference"):
        association = _association_of(household)
        if association is None:
            continue
        consent = active_consents(association.pk).filter(person=OuterRef("pk"), purpose__in=HOUSEHOLD_PURPOSES)
        if Person.objects.filter(pk=household.person_id).filter(Exists(consent)).exists():
            chosen.append(household)
        if len(chosen) == count:
            break
    return chosen


def _association_of(household: Household) -> Organization | None:
    coverage = Coverage.objects.filter(region=household.region).select_related("association").first()
    return coverage.association if coverage else household.supporting_association


def _support(household: Household, position: int, by: User, today: datetime.date, created: Counter) -> None:
    rng = random.Random(SEED * 1000 + position)
    language = "fa" if household.person.administration.country == "IR" else "ar"
    request = services.register_for_support(person=household.person, by=by)
    checked_on = today - datetime.timedelta(days=rng.randint(90, 200))
    request = services.record_check(
        request=request, by=by, checked_on=checked_on, note=rng.choice(CHECK_NOTES[language]), confirmed=True
    )
    created["households"] += 1
    assessor = _assessor(request, by)
    needs = []
    for kind in _kinds(rng):
        needs.append(
            _need(household, kind, language, assessor, checked_on + datetime.timedelta(days=rng.randint(1, 10)))
        )
        created["needs"] += 1
    _give(household, request, needs, language, rng, by, today, created)


def _assessor(request: SupportRequest, operator: User) -> User:
    """The Tehran association's own login assesses its families; the administration assesses the others."""
    if request.association and request.association.code == ASSOCIATION_USER["organization"]:
        return User.objects.get(username=ASSOCIATION_USER["username"])
    return operator


def _kinds(rng: random.Random) -> list[str]:
    kinds = []
    for _need in range(rng.choice([1, 2, 2, 3])):
        kind = rng.choices([k for k, _w in NEED_WEIGHTS], weights=[w for _k, w in NEED_WEIGHTS])[0]
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def _need(household, kind: str, language: str, by: User, assessed_on: datetime.date):
    persian, arabic, rials, dinars, recurrence = NEEDS[kind]
    currency, amount = ("IRR", rials) if language == "fa" else ("JOD", dinars)
    urgency = {"medical": "high", "debts": "high", "rent": "medium"}.get(
        kind, "low" if kind == "utilities" else "medium"
    )
    return services.record_need(
        household=household,
        by=by,
        kind=kind,
        amount=amount,
        currency=currency,
        description=persian if language == "fa" else arabic,
        recurrence=recurrence,
        urgency=urgency,
        assessed_on=assessed_on,
    )


def _give(household, request, needs, language, rng, by, today, created) -> None:
    """A monthly allowance, a monthly food basket or a one-off payment, handed over month after month."""
    currency = "IRR" if language == "fa" else "JOD"
    agreement = _agreement(IRAN_AGREEMENT if language == "fa" else JORDAN_AGREEMENT)
    association = request.association
    starts_on = request.checked_on + datetime.timedelta(days=rng.randint(10, 20))
    monthly = [need for need in needs if need.recurrence in ("monthly", "yearly")]
    one_off = [need for need in needs if need.recurrence == "one_off"]
    if monthly and rng.random() < 0.65:
        package = services.create_package(
            household=household,
            by=by,
            association=association,
            agreement=agreement,
            form="cash",
            amount=ALLOWANCE[currency],
            currency=currency,
            recurrence="monthly",
            starts_on=starts_on,
            needs=monthly,
            description="مستمری ماهانه خانواده" if language == "fa" else "مساعدة شهرية للأسرة",
        )
        _hand_over_monthly(package, by, today, rng, created)
    elif monthly:
        items, value, value_currency = BASKET[language]
        package = services.create_package(
            household=household,
            by=by,
            association=association,
            agreement=agreement,
            form="in_kind",
            items=items,
            currency=value_currency,
            recurrence="monthly",
            starts_on=starts_on,
            needs=monthly,
        )
        _hand_over_monthly(package, by, today, rng, created, estimated_value=value)
    # Some one-off needs (a medical bill, a debt) are still waiting for help.
    for need in one_off[: 1 if rng.random() < 0.6 else 0]:
        package = services.create_package(
            household=household,
            by=by,
            association=association,
            agreement=agreement,
            form="cash",
            amount=_exact(need.amount, currency),
            currency=currency,
            recurrence="one_off",
            starts_on=starts_on,
            needs=[need],
        )
        created["packages"] += 1
        services.record_disbursement(package=_fresh(package), by=by, disbursed_on=starts_on, reference=_reference(rng))
        created["disbursements"] += 1


def _hand_over_monthly(package, by, today, rng, created, estimated_value=None) -> None:
    created["packages"] += 1
    on = package.starts_on
    while on <= today:
        services.record_disbursement(
            package=_fresh(package), by=by, disbursed_on=on, reference=_reference(rng), estimated_value=estimated_value
        )
        created["disbursements"] += 1
        on += datetime.timedelta(days=30)
    # The Tehran association's latest handover of cash waits for the administration's approval.
    if package.form == "cash" and package.association.code == ASSOCIATION_USER["organization"] and rng.random() < 0.5:
        association_user = User.objects.get(username=ASSOCIATION_USER["username"])
        services.record_disbursement(package=_fresh(package), by=association_user, disbursed_on=today)
        created["disbursements"] += 1


def _fresh(package: SupportPackage) -> SupportPackage:
    return SupportPackage.objects.select_related("household", "budget").get(pk=package.pk)


def _exact(amount: Decimal, currency: str) -> str:
    return str(amount.quantize(Decimal(1) if currency == "IRR" else Decimal("0.001")))


def _reference(rng: random.Random) -> str:
    return f"RC-{rng.randint(10000, 99999)}"


def _public_requests(operator: User, today: datetime.date, created: Counter) -> None:
    for data in PUBLIC_REQUESTS:
        region = Region.objects.get(code=data["region"])
        services.submit_public_request(**{**data, "region": region})
        created["requests"] += 1
    # One request was checked by the Tehran association; the prisoner's record has no consent yet, so the
    # administration's staff link it.
    unconsented = (
        Person.objects.filter(
            administration__code="ir-prisons", facility__code="ir-greater-tehran", household__isnull=True
        )
        .order_by("source_reference")
        .first()
    )
    if unconsented is None:
        return
    from karama.core.crypto import decrypt

    request = services.submit_public_request(
        region=Region.objects.get(code="ir-tehran"),
        contact_name="سمیه جعفری",
        contact_relation="spouse",
        contact_phone="0912 000 6606",
        prisoner_name=unconsented.full_name,
        prisoner_national_id=decrypt(unconsented.national_id_encrypted),
        household_size=3,
        children=2,
        needs=["food", "school"],
        language="fa",
    )
    services.record_check(
        request=request,
        by=User.objects.get(username=ASSOCIATION_USER["username"]),
        checked_on=today - datetime.timedelta(days=3),
        note="با همسر زندانی در منزل دیدار شد؛ دو فرزند دبستانی دارند.",
        confirmed=True,
    )
    created["requests"] += 1
