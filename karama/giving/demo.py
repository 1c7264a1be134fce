"""Demonstration data of giving, from seeds 000 and 004: a Ramadan campaign freeing insolvent inmates in Saudi
Arabia (with the Masik company's MoU), the Ramadan Golrizan campaign of Iran's Prisons Organization freeing
eligible prisoners with donors' money, gifts paid through the sandbox provider, one case paid and its person
released in each country, one funded case waiting to be paid, and household needs of Iranian families
assessed by the prisoner-support associations.

Every case goes through the services as staff would: opened by one person, approved by another.
"""

import datetime
import random
from collections import Counter
from decimal import Decimal

from auditlog.context import set_actor
from django.core.files.base import ContentFile
from django.utils import timezone
from hijridate import Gregorian, Hijri

from karama.agreements.models import Agreement, Commitment
from karama.core.demo import PASSWORD, demo_operator
from karama.core.models import Calendar, Digits, Organization, Role, User
from karama.giving import donations, services
from karama.giving.ledger import quantum
from karama.giving.models import (
    AllocationRule,
    Campaign,
    Case,
    CaseKind,
    CaseStatus,
    CreditorKind,
    DebtReason,
    FundingSource,
    GiftKind,
    Overflow,
    PriorityRule,
    SandboxCharge,
    Settlement,
)
from karama.giving.payments import PROVIDERS
from karama.people.models import Person, PersonStatus

SEED = 1440
APPROVERS = [
    {
        "username": "giving-sa",
        "administration": "sa-gdp",
        "first_name": "نوال",
        "last_name": "الشهري",
        "language": "ar",
        "calendar": Calendar.HIJRI,
        "digits": Digits.ARABIC,
    },
    {
        "username": "giving-ir",
        "administration": "ir-prisons",
        "first_name": "رضا",
        "last_name": "موسوی",
        "language": "fa",
        "calendar": Calendar.JALALI,
        "digits": Digits.PERSIAN,
    },
]

POLICIES = {
    "sa-gdp": {
        "financial_category_only": True,
        "private_right_only": True,
        "max_amount": "500000",
        "exclude_fraud": True,
        "min_months_served": 0,
        "require_good_conduct": True,
        "years_since_last_release": 5,
    },
    "ir-prisons": {
        "financial_category_only": True,
        "private_right_only": True,
        "max_amount": "30000000000",
        "exclude_fraud": True,
        "min_months_served": 1,
        "require_good_conduct": True,
        "years_since_last_release": 3,
    },
}
PRIORITIES = {
    "sa-gdp": [
        (PriorityRule.Kind.WOMEN, 30, None),
        (PriorityRule.Kind.ELDERLY, 25, 60),
        (PriorityRule.Kind.HEAD_OF_HOUSEHOLD, 20, None),
        (PriorityRule.Kind.TIME_HELD, 15, 12),
        (PriorityRule.Kind.SMALL_AMOUNT, 10, 30000),
    ],
    "ir-prisons": [
        (PriorityRule.Kind.HEAD_OF_HOUSEHOLD, 30, None),
        (PriorityRule.Kind.WOMEN, 25, None),
        (PriorityRule.Kind.CHILDREN, 20, 3),
        (PriorityRule.Kind.ILLNESS, 15, None),
        (PriorityRule.Kind.PREGNANCY, 15, None),
        (PriorityRule.Kind.TIME_HELD, 10, 6),
        (PriorityRule.Kind.SMALL_AMOUNT, 10, 400000000),
    ],
}

SAUDI_CAMPAIGN = {
    "administration": "sa-gdp",
    "agreement": "SA-GDP-1440-MASIK",
    "code": "ramadan-sa",
    "original_language": "ar",
    "allocation_rule": AllocationRule.URGENT_FIRST,
    "goal": "1500000",
    "names": {
        "ar": "حملة رمضان {year}هـ لإطلاق النزلاء المعسرين",
        "en": "Ramadan {year} AH campaign to release insolvent inmates",
        "fr": "Campagne du Ramadan {year} H pour libérer les détenus insolvables",
        "fa": "پویش رمضان {year} قمری برای آزادی زندانیان معسر",
    },
    "descriptions": {
        "ar": (
            "على خطى حملة رمضان 1440هـ التي أسهمت فيها شركة ماسك بموجب مذكرة التعاون مع المديرية العامة للسجون، "
            "تجمع هذه الحملة التبرعات لسداد ديون النزلاء المعسرين المحكومين في قضايا مالية حقوقية، "
            "وتُدفع المبالغ إلى الدائنين أو إلى حساب المحكمة مباشرة."
        ),
        "en": (
            "In the footsteps of the Ramadan 1440 AH campaign that Masik Company supported under its memorandum with "
            "the General Directorate of Prisons, this campaign collects gifts to pay the debts of insolvent inmates "
            "held in private-right financial cases; the money is paid to the creditors or the court's account."
        ),
        "fr": (
            "Dans le sillage de la campagne du Ramadan 1440 H soutenue par la société Masik au titre de son "
            "mémorandum avec la Direction générale des prisons, cette campagne collecte des dons pour payer les "
            "dettes de détenus insolvables ; l'argent est versé aux créanciers ou au compte du tribunal."
        ),
        "fa": (
            "در ادامهٔ پویش رمضان ۱۴۴۰ قمری که شرکت ماسک بر پایهٔ تفاهم‌نامه با ادارهٔ کل زندان‌ها از آن پشتیبانی "
            "کرد، این پویش برای پرداخت بدهی زندانیان معسر کمک گرد می‌آورد؛ پول مستقیماً به طلبکاران یا حساب "
            "دادگاه پرداخت می‌شود."
        ),
    },
}
IRANIAN_CAMPAIGN = {
    "administration": "ir-prisons",
    "agreement": "IR-PO-SUPPORT-ACTIONS",
    "code": "golrizan-ir",
    "original_language": "fa",
    "allocation_rule": AllocationRule.EVENLY,
    "goal": "40000000000",
    "names": {
        "fa": "جشن گلریزان رمضان {year}: آزادی زندانیان واجد شرایط",
        "en": "Ramadan {year} Golrizan: freeing eligible prisoners",
        "ar": "احتفال گلریزان في رمضان {year}: الإفراج عن السجناء المستحقين",
        "fr": "Golrizan du Ramadan {year} : libérer les détenus éligibles",
    },
    "descriptions": {
        "fa": (
            "در سامانهٔ اقدامات حمایتی سازمان زندان‌ها، کمک خیرین به صورت گمنام و آبرومند به آزادی زندانیان واجد "
            "شرایط می‌رسد. سهم خیرین پس از گذشت شاکی، سهم خانواده و وام قرض‌الحسنه محاسبه و مستقیماً به شاکی یا "
            "حساب دادگستری پرداخت می‌شود."
        ),
        "ar": (
            "عبر منظومة الإجراءات الداعمة لمنظمة السجون، تصل تبرعات المحسنين دون ذكر الأسماء وبما يصون الكرامة إلى "
            "الإفراج عن السجناء المستحقين. ويُحسب نصيب المتبرعين بعد تنازل الشاكي ومساهمة الأسرة والقرض الحسن، "
            "ويُدفع مباشرة إلى الشاكي أو إلى حساب المحكمة."
        ),
        "en": (
            "Through the Prisons Organization's support-actions system, donors' gifts reach the release of eligible "
            "prisoners anonymously and with dignity. The donors' share is what remains after the plaintiff's "
            "forgiveness, the family's part and an interest-free loan, and is paid straight to the plaintiff or the "
            "court's account."
        ),
        "fr": (
            "Par le système d'actions de soutien de l'Organisation des prisons, les dons parviennent anonymement et "
            "dans la dignité à la libération de détenus éligibles. La part des donateurs est ce qui reste après la "
            "remise du plaignant, la part de la famille et un prêt sans intérêt ; elle est versée directement au "
            "plaignant ou au compte du tribunal."
        ),
    },
}
SAUDI_CASES = 9
IRANIAN_CASES = 9
CREDITORS = {
    "sa-gdp": [
        (CreditorKind.LANDLORD, "مؤسسة عقارية", DebtReason.RENT),
        (CreditorKind.BANK, "شركة تمويل", DebtReason.PERSONAL_LOAN),
        (CreditorKind.COMPANY, "مؤسسة تجارية", DebtReason.BUSINESS),
        (CreditorKind.INDIVIDUAL, "دائن فرد", DebtReason.GUARANTEE),
        (CreditorKind.COMPANY, "مستشفى أهلي", DebtReason.MEDICAL),
        (CreditorKind.INDIVIDUAL, "دائن فرد", DebtReason.ACCIDENT),
    ],
    "ir-prisons": [
        (CreditorKind.INDIVIDUAL, "شاکی خصوصی", DebtReason.MARRIAGE_PORTION),
        (CreditorKind.INDIVIDUAL, "شاکی خصوصی", DebtReason.BLOOD_MONEY),
        (CreditorKind.BANK, "بانک", DebtReason.GUARANTEE),
        (CreditorKind.LANDLORD, "موجر", DebtReason.RENT),
        (CreditorKind.COMPANY, "شرکت پخش", DebtReason.BUSINESS),
        (CreditorKind.INDIVIDUAL, "شاکی خصوصی", DebtReason.FAMILY_EXPENSES),
    ],
}
SAUDI_DONORS = [
    ("عبد الله", "abdullah@example.org"),
    ("", ""),
    ("أم خالد", ""),
    ("", "donor.riyadh@example.org"),
    ("Masik Company staff fund", ""),
    ("", ""),
]
IRANIAN_DONORS = [("خیر گمنام", ""), ("", "nikoukar@example.org"), ("", ""), ("زهرا", ""), ("", "")]


def load(stdout) -> None:
    created = Counter()
    operator = demo_operator()
    today = timezone.localdate()
    with set_actor(operator):
        approvers = {data["administration"]: _ensure_approver(data, created) for data in APPROVERS}
        for code in ("sa-gdp", "ir-prisons"):
            _ensure_rules(code, operator)
        for spec, count, donors in (
            (SAUDI_CAMPAIGN, SAUDI_CASES, SAUDI_DONORS),
            (IRANIAN_CAMPAIGN, IRANIAN_CASES, IRANIAN_DONORS),
        ):
            if not Campaign.objects.filter(code=spec["code"]).exists():
                _campaign_with_cases(spec, count, donors, operator, approvers[spec["administration"]], today, created)
        _household_cases(operator, approvers["ir-prisons"], created)
    stdout.write(
        "Giving: {campaigns} new campaigns, {cases} new cases, {gifts} gifts through the sandbox, {released} people "
        "released, {households} household-need cases; approvers giving-sa and giving-ir ({users} new).".format(
            **{key: created[key] for key in ("campaigns", "cases", "gifts", "released", "households", "users")}
        )
    )


def _ensure_approver(data: dict, created: Counter) -> User:
    """The second pair of eyes of each administration: the operator opens the demo cases, these approve them."""
    user = User.objects.filter(username=data["username"]).first()
    if user is None:
        fields = {key: value for key, value in data.items() if key != "administration"}
        user = User(
            **fields, role=Role.NATIONAL_ADMIN, administration=Organization.objects.get(code=data["administration"])
        )
        user.set_password(PASSWORD)
        user.full_clean()
        user.save()
        created["users"] += 1
    return user


def _ensure_rules(code: str, by: User) -> None:
    administration = Organization.objects.get(code=code)
    if not hasattr(administration, "giving_eligibility"):
        services.save_eligibility_policy(by=by, administration=administration, **POLICIES[code])
    existing = set(PriorityRule.objects.filter(administration=administration).values_list("kind", flat=True))
    for kind, points, threshold in PRIORITIES[code]:
        if kind not in existing:
            services.save_priority_rule(
                by=by, administration=administration, kind=kind, points=points, threshold=threshold
            )


def next_ramadan(today: datetime.date) -> tuple[int, datetime.date]:
    """The Hijri year and the last day of the Ramadan that is running or comes next."""
    year = Gregorian(today.year, today.month, today.day).to_hijri().year
    for candidate in (year, year + 1):
        end = Hijri(candidate, 10, 1).to_gregorian() - datetime.timedelta(days=1)
        if end >= today:
            return candidate, end
    raise AssertionError("a Ramadan always comes within a year")


def _campaign_with_cases(spec, count, donors, by, approver, today, created) -> None:
    administration = Organization.objects.get(code=spec["administration"])
    year, ends_on = next_ramadan(today)
    agreement = Agreement.objects.filter(administration=administration, reference=spec["agreement"]).first()
    commitment = Commitment.objects.filter(agreement=agreement, unit=Commitment.Unit.RELEASES).first()
    campaign = services.create_campaign(
        by=by,
        administration=administration,
        code=spec["code"],
        currency=donations.administration_currency(administration),
        names={language: text.format(year=year) for language, text in spec["names"].items()},
        original_language=spec["original_language"],
        descriptions=spec["descriptions"],
        goal=spec["goal"],
        starts_on=today - datetime.timedelta(days=20),
        ends_on=ends_on,
        allocation_rule=spec["allocation_rule"],
        is_public=True,
        agreement=agreement,
        commitment=commitment,
    )
    created["campaigns"] += 1
    rng = random.Random(f"{SEED}-{spec['code']}")
    cases = []
    for number, person in enumerate(_debtors(administration, count)):
        case = _debt_case(person, campaign, number, rng, by, approver, today)
        cases.append(case)
        created["cases"] += 1
    # The last case stays a draft, waiting for the approver's second look.
    published = [case for case in cases if case.status == CaseStatus.PUBLISHED]
    _gifts(campaign, published, donors, rng, created)
    released, to_settle = published[0], published[1]
    _fill(released, rng, created)
    _fill(to_settle, rng, created)
    _settle_and_release(released, by, today, created)


def _debtors(administration: Organization, count: int) -> list[Person]:
    """People in custody in a financial case, held a month or more: the same ones on every run."""
    month_ago = timezone.localdate() - datetime.timedelta(days=40)
    people = (
        Person.objects.filter(
            administration=administration,
            status=PersonStatus.IN_CUSTODY,
            episodes__released_on__isnull=True,
            episodes__case_category="financial",
            episodes__admitted_on__lte=month_ago,
        )
        .exclude(giving_cases__isnull=False)
        .select_related("facility")
        .order_by("source_reference")
    )
    return list(people[:count])


def _debt_case(person, campaign, number, rng, by, approver, today) -> Case:
    code = campaign.administration.code
    creditor_kind, creditor_name, reason = CREDITORS[code][number % len(CREDITORS[code])]
    amount = _claim_amount(code, rng)
    case = services.open_case(
        by=by,
        kind=CaseKind.DEBT_RELEASE,
        person=person,
        campaign=campaign,
        claims=[
            {
                "creditor_kind": creditor_kind,
                "creditor_name": creditor_name,
                "amount": amount,
                "court_reference": f"{code.upper()[:2]}-ENF-{today.year}-{rng.randint(10000, 99999)}",
                "pay_to": "حساب محكمة التنفيذ" if code == "sa-gdp" else "حساب سپرده دادگستری",
            }
        ],
        summary_reason=reason,
    )
    if code == "ir-prisons":
        _iranian_plan(case, amount, rng, by, today)
    elif number % 3 == 1:
        services.add_funding_source(
            by=by, case=case, kind=FundingSource.Kind.FAMILY, amount=(amount * Decimal("0.1")).quantize(Decimal(1))
        )
    for claim in case.claims.all():
        services.verify_claim(by=by, claim=claim, on=today - datetime.timedelta(days=3))
    services.check_eligibility(by=by, case=case, fraud_conviction=False, good_conduct=True)
    if number == (SAUDI_CASES if code == "sa-gdp" else IRANIAN_CASES) - 1:
        return case
    services.approve_case(by=approver, case=case)
    return services.publish_case(by=approver, case=case)


def _claim_amount(code: str, rng: random.Random) -> Decimal:
    if code == "sa-gdp":
        return Decimal(rng.randint(1200000, 24000000)) / 100
    return Decimal(rng.randint(80, 2400)) * 5000000


def _iranian_plan(case: Case, amount: Decimal, rng, by, today) -> None:
    """As Setad Dieh combines them: the creditor forgives part, the family gives, a loan covers part."""
    services.add_funding_source(
        by=by,
        case=case,
        kind=FundingSource.Kind.FORGIVENESS,
        amount=(amount * Decimal("0.2")).quantize(Decimal(1)),
        note="گذشت شاکی با میانجی‌گری شورای حل اختلاف",
    )
    if rng.random() < 0.6:
        services.add_funding_source(
            by=by,
            case=case,
            kind=FundingSource.Kind.LOAN,
            amount=(amount * Decimal("0.15")).quantize(Decimal(1)),
            note="وام قرض‌الحسنه",
            installments=12,
            first_due_on=today + datetime.timedelta(days=90),
        )


def _gifts(campaign: Campaign, cases: list[Case], donors, rng, created) -> None:
    currency = campaign.currency
    unit = Decimal(50) if currency == "SAR" else Decimal(5000000)
    for number in range(14):
        name, email = donors[number % len(donors)]
        case = rng.choice(cases[2:]) if number % 3 else None
        amount = unit * rng.randint(1, 40)
        if case is not None:
            room = case.target - _raised(case)
            amount = min(amount, max(room - unit, unit))
        _pay(
            amount=amount,
            gift_kind=GiftKind.ZAKAT if number % 4 == 0 else GiftKind.SADAQA,
            case=case,
            campaign=None if case else campaign,
            anonymous=not name,
            donor_name=name,
            donor_email=email,
            language=campaign.original_language,
        )
        created["gifts"] += 1


def _fill(case: Case, rng, created) -> None:
    """Gifts until the case is funded; the last one is larger and its rest goes to the campaign."""
    case.refresh_from_db()
    first = True
    while case.status == CaseStatus.PUBLISHED:
        room = case.target - _raised(case)
        part = (room * Decimal("0.6")).quantize(Decimal(1)) if first and room > 100 else room + 1
        first = False
        _pay(
            amount=part,
            gift_kind=GiftKind.SADAQA,
            case=case,
            campaign=None,
            anonymous=True,
            donor_name="",
            donor_email="",
            language=case.campaign.original_language,
        )
        created["gifts"] += 1
        case.refresh_from_db()


def _raised(case: Case) -> Decimal:
    from karama.giving.ledger import raised_for_cases

    return raised_for_cases([case.pk])[case.pk]


def _pay(**gift) -> None:
    """A donor gives through the sandbox: the charge, the checkout's Pay button, the signed callback."""
    destination = gift["case"] or gift["campaign"]
    gift["amount"] = gift["amount"].quantize(quantum(destination.currency))
    donation, _checkout = donations.start_donation(overflow=Overflow.CAMPAIGN, **gift)
    charge = SandboxCharge.objects.get(pk=donation.provider_payment_id)
    PROVIDERS["sandbox"].complete(charge, card_number="4242 4242 4242 4242")


def _settle_and_release(case: Case, by: User, today: datetime.date, created) -> None:
    case = Case.objects.select_related("person", "campaign").get(pk=case.pk)
    claim = case.claims.first()
    paid_on = today - datetime.timedelta(days=4)
    services.record_settlement(
        by=by,
        case=case,
        payee_kind=Settlement.PayeeKind.COURT,
        payee=claim.pay_to or claim.creditor_name,
        reference=f"TRF-{claim.court_reference}",
        paid_on=paid_on,
        proof=ContentFile(_proof_pdf(case, paid_on), name="proof.pdf"),
    )
    services.record_release(by=by, case=case, on=paid_on + datetime.timedelta(days=2))
    created["released"] += 1


def _proof_pdf(case: Case, paid_on: datetime.date) -> bytes:
    from weasyprint import HTML

    html = (
        "<h1>Transfer confirmation (demonstration)</h1>"
        f"<p>Case {case.public_code} · {case.currency} · {paid_on.isoformat()}</p>"
    )
    return HTML(string=html).write_pdf()


def _household_cases(by: User, approver: User, created: Counter) -> None:
    """Needs of Iranian prisoners' families assessed by the support associations, funded case by case."""
    from karama.support.models import HouseholdNeed

    if Case.objects.filter(kind=CaseKind.HOUSEHOLD_NEED).exists():
        return
    needs = (
        HouseholdNeed.objects.filter(
            administration__code="ir-prisons",
            status__in=[HouseholdNeed.Status.OPEN, HouseholdNeed.Status.IN_PROGRESS],
            amount__isnull=False,
            recurrence="one_off",
        )
        .select_related("household__person")
        .order_by("pk")[:4]
    )
    for need in needs:
        case = services.open_case(by=by, kind=CaseKind.HOUSEHOLD_NEED, household_need=need)
        services.approve_case(by=approver, case=case)
        services.publish_case(by=approver, case=case)
        created["households"] += 1
