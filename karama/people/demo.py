"""Demonstration data of the people: about 500 synthetic inmates and former inmates over the seed facilities."""

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from auditlog.context import set_actor
from django.utils import timezone

from karama.agreements.models import Agreement
from karama.core.demo import FACILITIES, REGIONS, demo_operator
from karama.core.models import Facility, Organization, Region, User
from karama.people import services
from karama.people.models import (
    CaseCategory,
    ConsentPurpose,
    EducationLevel,
    Literacy,
    NeedLevel,
    NoteVisibility,
    Person,
    PersonStatus,
    PlanStatus,
    RecommendedPath,
    Relation,
    ReleaseReason,
    ReleaseTaskStatus,
    Schooling,
    Sex,
)

SEED = 1440
TARGET = 500
REFERENCE_PREFIX = "DEMO-"
FIRST_ADMISSION = datetime.date(2015, 1, 1)
LAST_ADMISSION = datetime.date(2026, 10, 31)

# Name parts: (as written, in Latin letters, a variant spelling some records use on purpose or None).
# Every name is composed from common parts; no record stands for a real person.
SAUDI_MEN = [
    ("محمد", "Mohammed", None),
    ("أحمد", "Ahmed", "احمد"),
    ("عبد الله", "Abdullah", "عبدالله"),
    ("إبراهيم", "Ibrahim", "ابراهيم"),
    ("خالد", "Khalid", None),
    ("فهد", "Fahad", None),
    ("سلطان", "Sultan", None),
    ("فيصل", "Faisal", None),
    ("ناصر", "Nasser", None),
    ("بندر", "Bandar", None),
    ("تركي", "Turki", None),
    ("سعد", "Saad", None),
    ("عبد الرحمن", "Abdulrahman", "عبدالرحمن"),
    ("ماجد", "Majed", None),
    ("يحيى", "Yahya", "يحيي"),
    ("عمر", "Omar", None),
    ("علي", "Ali", None),
    ("مشعل", "Mishal", None),
    ("نايف", "Naif", None),
    ("صالح", "Saleh", None),
]
SAUDI_WOMEN = [
    ("نورة", "Noura", "نوره"),
    ("فاطمة", "Fatimah", "فاطمه"),
    ("سارة", "Sarah", "ساره"),
    ("منيرة", "Munirah", "منيره"),
    ("عائشة", "Aisha", "عايشة"),
    ("مريم", "Maryam", None),
    ("أمل", "Amal", "امل"),
    ("لطيفة", "Latifah", None),
]
SAUDI_FAMILIES = [
    ("القحطاني", "Al-Qahtani", None),
    ("العتيبي", "Al-Otaibi", None),
    ("الشمري", "Al-Shammari", None),
    ("الدوسري", "Al-Dosari", None),
    ("الغامدي", "Al-Ghamdi", None),
    ("الزهراني", "Al-Zahrani", None),
    ("الحربي", "Al-Harbi", None),
    ("المطيري", "Al-Mutairi", None),
    ("العنزي", "Al-Anazi", None),
    ("السبيعي", "Al-Subaie", None),
    ("الشهري", "Al-Shehri", None),
    ("الرشيدي", "Al-Rashidi", None),
    ("الجهني", "Al-Juhani", None),
    ("العسيري", "Al-Asiri", None),
]
JORDANIAN_MEN = [
    ("محمد", "Mohammad", None),
    ("أحمد", "Ahmad", "احمد"),
    ("محمود", "Mahmoud", None),
    ("عبد الله", "Abdallah", "عبدالله"),
    ("إبراهيم", "Ibrahim", "ابراهيم"),
    ("خالد", "Khaled", None),
    ("عمر", "Omar", None),
    ("زياد", "Ziad", None),
    ("رائد", "Raed", None),
    ("عماد", "Emad", None),
    ("يوسف", "Yousef", None),
    ("حسن", "Hasan", None),
    ("أسامة", "Osama", "اسامه"),
    ("مصطفى", "Mustafa", "مصطفي"),
    ("باسل", "Basel", None),
    ("ليث", "Laith", None),
    ("هاني", "Hani", None),
    ("سامر", "Samer", None),
]
JORDANIAN_WOMEN = [
    ("فاطمة", "Fatima", "فاطمه"),
    ("آمنة", "Amneh", "امنة"),
    ("ديمة", "Dima", "ديمه"),
    ("هبة", "Heba", "هبه"),
    ("سعاد", "Suad", None),
    ("مريم", "Mariam", None),
    ("نسرين", "Nisreen", None),
    ("خديجة", "Khadija", "خديجه"),
]
JORDANIAN_FAMILIES = [
    ("العبادي", "Al-Abbadi", None),
    ("الخطيب", "Al-Khatib", None),
    ("الزعبي", "Al-Zoubi", None),
    ("المجالي", "Al-Majali", None),
    ("الطراونة", "Al-Tarawneh", "الطراونه"),
    ("العدوان", "Al-Adwan", None),
    ("الرواشدة", "Al-Rawashdeh", "الرواشده"),
    ("النسور", "Al-Nsour", None),
    ("بني هاني", "Bani Hani", None),
    ("الخوالدة", "Al-Khawaldeh", "الخوالده"),
    ("الحياري", "Al-Hiyari", None),
    ("الشوبكي", "Al-Shobaki", None),
    ("القضاة", "Al-Qudah", "القضاه"),
    ("الجبور", "Al-Jbour", None),
]
MOROCCAN_MEN = [
    ("محمد", "Mohamed", None),
    ("أحمد", "Ahmed", "احمد"),
    ("يوسف", "Youssef", None),
    ("رشيد", "Rachid", None),
    ("عبد الإله", "Abdelilah", "عبد الاله"),
    ("مصطفى", "Mustapha", "مصطفي"),
    ("الحسين", "El Houssaine", None),
    ("إدريس", "Driss", "ادريس"),
    ("نور الدين", "Noureddine", "نورالدين"),
    ("عبد الرحيم", "Abderrahim", "عبدالرحيم"),
    ("المهدي", "El Mehdi", None),
    ("سعيد", "Said", None),
    ("حميد", "Hamid", None),
    ("إبراهيم", "Brahim", "ابراهيم"),
    ("لحسن", "Lahcen", None),
    ("هشام", "Hicham", None),
    ("أيوب", "Ayoub", "ايوب"),
]
MOROCCAN_WOMEN = [
    ("فاطمة", "Fatima", "فاطمه"),
    ("خديجة", "Khadija", "خديجه"),
    ("مريم", "Meryem", None),
    ("زينب", "Zineb", None),
    ("نادية", "Nadia", "ناديه"),
    ("سعاد", "Souad", None),
    ("لطيفة", "Latifa", "لطيفه"),
    ("إكرام", "Ikram", "اكرام"),
]
MOROCCAN_FAMILIES = [
    ("العلوي", "El Alaoui", None),
    ("بنعلي", "Benali", None),
    ("الإدريسي", "El Idrissi", "الادريسي"),
    ("الفاسي", "El Fassi", None),
    ("بنجلون", "Benjelloun", None),
    ("الصديقي", "Seddiki", None),
    ("أمزيان", "Amziane", "امزيان"),
    ("أيت الحاج", "Ait El Haj", "ايت الحاج"),
    ("بوزيد", "Bouzid", None),
    ("الحسني", "El Hassani", None),
    ("المرابط", "El Mrabet", None),
    ("الشرقاوي", "Cherkaoui", None),
    ("بنموسى", "Benmoussa", "بنموسي"),
    ("أوحمو", "Ouhammou", "اوحمو"),
    ("الرحماني", "Rahmani", None),
]
# Persian spellings with ی and ک; the variants are the Arabic letters a few records are typed with.
IRANIAN_MEN = [
    ("محمدرضا", "Mohammadreza", None),
    ("علی", "Ali", "علي"),
    ("حسین", "Hossein", "حسين"),
    ("مهدی", "Mehdi", "مهدي"),
    ("رضا", "Reza", None),
    ("امیر", "Amir", None),
    ("حمیدرضا", "Hamidreza", None),
    ("سعید", "Saeed", None),
    ("مجید", "Majid", None),
    ("جواد", "Javad", None),
    ("غلامرضا", "Gholamreza", None),
    ("محسن", "Mohsen", None),
    ("اکبر", "Akbar", "اكبر"),
    ("مرتضی", "Morteza", "مرتضى"),
]
IRANIAN_WOMEN = [
    ("فاطمه", "Fatemeh", "فاطمة"),
    ("زهرا", "Zahra", None),
    ("مریم", "Maryam", "مريم"),
    ("معصومه", "Masoumeh", None),
    ("لیلا", "Leila", None),
    ("نرگس", "Narges", None),
    ("سمیه", "Somayeh", None),
]
IRANIAN_FAMILIES = [
    ("حسینی", "Hosseini", "حسيني"),
    ("رضایی", "Rezaei", "رضائی"),
    ("محمدی", "Mohammadi", None),
    ("کریمی", "Karimi", "كريمي"),
    ("احمدی", "Ahmadi", None),
    ("موسوی", "Mousavi", None),
    ("جعفری", "Jafari", None),
    ("کاظمی", "Kazemi", None),
    ("قاسمی", "Ghasemi", None),
    ("صادقی", "Sadeghi", None),
    ("رحیمی", "Rahimi", None),
    ("حیدری", "Heydari", None),
    ("نوری", "Nouri", None),
    ("طاهری", "Taheri", None),
]


@dataclass(frozen=True)
class Country:
    code: str
    administration: str
    language: str
    men: list
    women: list
    families: list
    facilities: tuple  # (facility code, number of people)
    financial_share: float
    variant_share: float  # how often a name part with a variant is written the other way
    foreign: tuple = ()  # other nationalities held in this country's facilities
    phone_prefix: str = ""


COUNTRIES = [
    Country(
        "SA",
        "sa-gdp",
        "ar",
        SAUDI_MEN,
        SAUDI_WOMEN,
        SAUDI_FAMILIES,
        (("sa-unaizah-reformatory", 70), ("sa-al-hair", 40), ("sa-buraydah", 40)),
        financial_share=0.3,
        variant_share=0.3,
        foreign=("YE", "EG"),
        phone_prefix="+966 50 000",
    ),
    Country(
        "JO",
        "jo-psd-crca",
        "ar",
        JORDANIAN_MEN,
        JORDANIAN_WOMEN,
        JORDANIAN_FAMILIES,
        (("jo-swaqa", 50), ("jo-juweideh", 50)),
        financial_share=0.12,
        variant_share=0.3,
        foreign=("SY",),
        phone_prefix="+962 79 000",
    ),
    Country(
        "MA",
        "ma-dgapr",
        "ar",
        MOROCCAN_MEN,
        MOROCCAN_WOMEN,
        MOROCCAN_FAMILIES,
        (("ma-beni-mellal", 75), ("ma-ait-melloul", 75)),
        financial_share=0.1,
        variant_share=0.3,
        phone_prefix="+212 600 000",
    ),
    Country(
        "IR",
        "ir-prisons",
        "fa",
        IRANIAN_MEN,
        IRANIAN_WOMEN,
        IRANIAN_FAMILIES,
        (("ir-greater-tehran", 55), ("ir-isfahan-central", 45)),
        financial_share=0.3,
        variant_share=0.08,
        foreign=("AF",),
        phone_prefix="+98 912 000",
    ),
]
UNAIZAH = "sa-unaizah-reformatory"
DUE_IN_UNAIZAH = 30  # in custody with an expected release in the next 85 days

# ISCO-08 sub-major groups and how each language names the trade in a vocational orientation.
SKILLS = {
    "71": ("البناء والتشطيب", "بنایی و ساختمان"),
    "72": ("الحدادة واللحام", "جوشکاری و فلزکاری"),
    "73": ("الحرف اليدوية", "صنایع‌دستی"),
    "74": ("الكهرباء", "برق‌کاری"),
    "75": ("النجارة والخياطة", "نجاری و خیاطی"),
    "61": ("الزراعة وتربية المواشي", "کشاورزی و دامداری"),
    "51": ("الطبخ والمطاعم", "آشپزی"),
    "52": ("التجارة والبيع", "فروشندگی"),
    "83": ("السياقة والنقل", "رانندگی"),
    "91": ("التنظيف والصيانة", "نظافت و نگهداری"),
}
MEN_SKILLS = ["71", "72", "73", "74", "75", "61", "52", "83", "91"]
WOMEN_SKILLS = ["75", "73", "51", "52", "61", "91"]
CRAFT_SKILLS = {"71", "72", "73", "74", "75"}
ORIENTATIONS = {
    "ar": [
        "{wish} في العمل في مجال {skill} بعد الإفراج.",
        "{wish} في فتح مشروع صغير في {skill}.",
        "{wish} في التدريب والحصول على شهادة في {skill}.",
    ],
    "fa": [
        "مایل به کار در زمینه {skill} پس از آزادی.",
        "قصد راه‌اندازی کسب‌وکار کوچک در زمینه {skill} را دارد.",
        "علاقه‌مند به گذراندن دوره و گرفتن مدرک {skill}.",
    ],
}

EDUCATION = [
    (EducationLevel.NONE, 10),
    (EducationLevel.PRIMARY, 25),
    (EducationLevel.LOWER_SECONDARY, 25),
    (EducationLevel.UPPER_SECONDARY, 20),
    (EducationLevel.VOCATIONAL, 8),
    (EducationLevel.HIGHER, 5),
    (EducationLevel.UNKNOWN, 7),
]
OTHER_CATEGORIES = [
    (CaseCategory.PROPERTY, 30),
    (CaseCategory.DRUGS, 30),
    (CaseCategory.VIOLENCE, 20),
    (CaseCategory.OTHER, 20),
]
# The longest stay, in days, before a release of each case category.
LONGEST_STAY = {
    CaseCategory.FINANCIAL: 1100,
    CaseCategory.PROPERTY: 1800,
    CaseCategory.DRUGS: 3000,
    CaseCategory.VIOLENCE: 3600,
    CaseCategory.OTHER: 1500,
}
RELEASE_REASONS = {
    CaseCategory.FINANCIAL: [
        (ReleaseReason.DEBT_SETTLED, 45),
        (ReleaseReason.END_OF_SENTENCE, 35),
        (ReleaseReason.PARDON, 15),
        (ReleaseReason.PAROLE, 5),
    ],
    None: [(ReleaseReason.END_OF_SENTENCE, 70), (ReleaseReason.PARDON, 12), (ReleaseReason.PAROLE, 18)],
}
# What becomes of the people of one facility (per hundred); Unaizah also gets DUE_IN_UNAIZAH due soon.
OUTCOMES = [("custody", 60), ("readmitted", 5), ("released", 18), ("aftercare", 10), ("closed", 7)]

RELATIONS = {
    "ar": {"wife": "زوجة", "husband": "زوج", "mother": "أم", "father": "أب", "brother": "أخ"},
    "fa": {"wife": "همسر", "husband": "همسر", "mother": "مادر", "father": "پدر", "brother": "برادر"},
}
HEALTH_NEEDS = {"ar": ["مرض السكري", "ربو", "إعاقة حركية"], "fa": ["دیابت", "آسم", "معلولیت جسمی"]}
HOUSEHOLD_NOTES = {
    "ar": ["الأسرة تسكن في بيت مستأجر.", "دخل الأسرة غير منتظم.", ""],
    "fa": ["خانواده در منزل استیجاری زندگی می‌کند.", "درآمد خانواده نامنظم است.", ""],
}

PATH_TEXTS = {
    RecommendedPath.TRAINING: ("تدريب مهني قبل الإفراج", "آموزش فنی و حرفه‌ای پیش از آزادی"),
    RecommendedPath.JOB: ("البحث عن عمل لائق بعد الإفراج", "کاریابی پس از آزادی"),
    RecommendedPath.INCOME_PROJECT: ("مشروع صغير مدر للدخل بعد الإفراج", "راه‌اندازی کسب‌وکار کوچک پس از آزادی"),
    RecommendedPath.FAMILY_SUPPORT: (
        "دعم الأسرة والأطفال خلال فترة العقوبة",
        "حمایت از خانواده و فرزندان در دوران محکومیت",
    ),
    RecommendedPath.DEBT_RELEASE: ("تسوية الدين المحكوم به", "پرداخت بدهی و آزادی با کمک خیرین"),
}
SUMMARY_OPENINGS = {"ar": "المسارات المقترحة: ", "fa": "مسیرهای پیشنهادی: "}
# Plan actions: (goal in Arabic, goal in Persian, need domain).
ACTIONS = {
    RecommendedPath.TRAINING: ("الالتحاق بدورة تدريب مهني", "شرکت در دوره آموزش فنی و حرفه‌ای", "vocational"),
    RecommendedPath.JOB: ("الحصول على عمل لائق بعد الإفراج", "یافتن شغل مناسب پس از آزادی", "employment"),
    RecommendedPath.INCOME_PROJECT: (
        "إعداد مشروع مدر للدخل وتجهيزه",
        "تهیه طرح کسب‌وکار کوچک و تأمین تجهیزات",
        "employment",
    ),
    RecommendedPath.FAMILY_SUPPORT: ("دعم الأسرة خلال فترة العقوبة", "حمایت از خانواده در دوران محکومیت", "family"),
    RecommendedPath.DEBT_RELEASE: ("تسوية الدين مع الدائن", "تسویه بدهی با طلبکار از محل کمک خیرین", "finances"),
    "literacy": ("الالتحاق بفصول محو الأمية", "شرکت در کلاس سوادآموزی", "education"),
}
# Who carries out each kind of action in each country; an administration does what no partner does.
ACTION_OWNERS = {
    "SA": {
        RecommendedPath.TRAINING: "sa-crafts-programme",
        RecommendedPath.INCOME_PROJECT: "sa-crafts-programme",
        RecommendedPath.JOB: "sa-zunaidi",
        RecommendedPath.DEBT_RELEASE: "sa-masik",
        RecommendedPath.FAMILY_SUPPORT: "sa-masik",
    },
    "JO": {
        RecommendedPath.JOB: "jo-idmaj",
        RecommendedPath.FAMILY_SUPPORT: "jo-idmaj",
        RecommendedPath.INCOME_PROJECT: "jo-idmaj",
    },
    "MA": {
        RecommendedPath.TRAINING: "ma-ofppt",
        RecommendedPath.INCOME_PROJECT: "ma-fm6",
        RecommendedPath.JOB: "ma-fm6",
        "literacy": "ma-aref-bmk",
    },
    "IR": {
        RecommendedPath.FAMILY_SUPPORT: "association",
        RecommendedPath.DEBT_RELEASE: "association",
    },
}
NOTES = {
    "ar": {
        NoteVisibility.INTERNAL: [
            "جلسة متابعة مع الأخصائي الاجتماعي؛ الحالة مستقرة.",
            "تمت زيارة الأسرة في موعدها.",
            "التزام جيد ببرنامج التدريب والورشة.",
            "تم التواصل مع الأسرة بخصوص الوثائق الثبوتية.",
        ],
        NoteVisibility.SHARED: [
            "مطلوب متابعة من الشريك بعد الإفراج.",
            "تم الاتفاق على موعد الزيارة الميدانية القادمة.",
            "الأسرة بحاجة إلى دعم في مصاريف دراسة الأطفال.",
        ],
    },
    "fa": {
        NoteVisibility.INTERNAL: [
            "جلسه پیگیری با مددکار اجتماعی؛ وضعیت پایدار است.",
            "ملاقات خانواده در موعد مقرر انجام شد.",
            "حضور منظم در کارگاه آموزشی.",
            "با خانواده درباره مدارک هویتی تماس گرفته شد.",
        ],
        NoteVisibility.SHARED: [
            "پیگیری انجمن پس از آزادی لازم است.",
            "زمان بازدید میدانی بعدی هماهنگ شد.",
            "خانواده برای هزینه تحصیل فرزندان به کمک نیاز دارد.",
        ],
    },
}
ASSOCIATION_OF_REGION = {
    "ir-tehran": "ir-support-tehran",
    "ir-isfahan": "ir-support-isfahan",
    "ir-razavi-khorasan": "ir-support-razavi-khorasan",
}
AGREEMENT_OF_FACILITY = {"ma-ait-melloul": "MA-FM6-2024-SOUSS-MASSA", "ma-beni-mellal": "MA-FM6-BENI-MELLAL"}
JORDAN_CONSENTS, JORDAN_REVOKED, MOROCCO_CONSENTS, SAUDI_CONSENTS = 40, 2, 60, 10


@dataclass
class PersonSpec:
    """Everything one synthetic person gets, decided before anything is written."""

    number: int
    country: Country
    facility: str
    fields: dict
    skills: list
    admission: dict
    events: list = field(default_factory=list)  # (kind, date, details) after the first admission
    household: dict | None = None
    consents: list = field(default_factory=list)
    revoke_consents: bool = False
    assessment: dict | None = None
    plan: bool = False
    notes: list = field(default_factory=list)

    @property
    def reference(self) -> str:
        return reference(self.number)

    @property
    def language(self) -> str:
        return self.country.language


def reference(number: int) -> str:
    return f"{REFERENCE_PREFIX}{number:05d}"


def national_id(number: int) -> str:
    """Ten digits that no real card carries: 99, then the demo sequence number."""
    return f"99{number:08d}"


# Building the specifications ----------------------------------------------------------------------


def build_specs(today: datetime.date) -> list[PersonSpec]:
    """The same 500 people on every run (their dates follow `today`, so due releases stay due)."""
    rng = random.Random(SEED)
    specs = []
    for country in COUNTRIES:
        for facility, count in country.facilities:
            for outcome in _outcomes(rng, facility, count):
                number = len(specs) + 1
                person_rng = random.Random(SEED * 10_000 + number)
                specs.append(_person(person_rng, number, country, facility, outcome, today))
    _choose_consents(rng, specs, today)
    return specs


def _outcomes(rng: random.Random, facility: str, count: int) -> list[str]:
    due = DUE_IN_UNAIZAH if facility == UNAIZAH else 0
    outcomes = ["due"] * due
    rest = count - due
    for name, share in OUTCOMES:
        outcomes += [name] * round(rest * share / 100)
    outcomes = (outcomes + ["custody"] * count)[:count]
    rng.shuffle(outcomes)
    return outcomes


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _spell(rng: random.Random, part: tuple, share: float) -> str:
    written, _latin, variant = part
    return variant if variant and rng.random() < share else written


def _person(rng, number, country, facility, outcome, today) -> PersonSpec:
    sex = Sex.FEMALE if rng.random() < 0.15 else Sex.MALE
    given = rng.choice(country.women if sex == Sex.FEMALE else country.men)
    father, family = rng.choice(country.men), rng.choice(country.families)
    birth_date = _day(rng, datetime.date(1960, 1, 1), datetime.date(2004, 12, 31))
    education = _weighted(rng, EDUCATION)
    skills = sorted(rng.sample(WOMEN_SKILLS if sex == Sex.FEMALE else MEN_SKILLS, rng.choice([1, 1, 2])))
    fields = {
        "given_name": _spell(rng, given, country.variant_share),
        "father_name": _spell(rng, father, country.variant_share),
        "family_name": _spell(rng, family, country.variant_share),
        "sex": sex,
        "birth_date": birth_date,
        "nationality": rng.choice(country.foreign) if country.foreign and rng.random() < 0.06 else country.code,
        "education_level": education,
        "literacy": _literacy(rng, education),
        "languages": _languages(rng, country),
        "vocational_orientation": _orientation(rng, country.language, sex, skills),
        "source_reference": reference(number),
    }
    if rng.random() < 0.85:
        fields["latin_given_name"], fields["latin_family_name"] = given[1], family[1]
    spec = PersonSpec(number, country, facility, fields, skills, admission={})
    _timeline(rng, spec, outcome, today)
    if rng.random() < 0.7:
        spec.household = _household(rng, spec, today)
    if rng.random() < (0.85 if outcome == "due" else 0.6):
        spec.assessment = _assessment(rng, spec, today)
        spec.plan = rng.random() < (0.7 if outcome == "due" else 0.45)
    if rng.random() < 0.45:
        spec.notes = _notes(rng, spec.language)
    return spec


def _literacy(rng: random.Random, education: str) -> str:
    if education == EducationLevel.NONE:
        return rng.choice([Literacy.ILLITERATE, Literacy.ILLITERATE, Literacy.BASIC])
    if education == EducationLevel.PRIMARY:
        return rng.choice([Literacy.BASIC, Literacy.LITERATE])
    if education == EducationLevel.UNKNOWN:
        return Literacy.UNKNOWN
    return Literacy.LITERATE


def _languages(rng: random.Random, country: Country) -> list[str]:
    extra = {"MA": "fr", "JO": "en", "SA": "en", "IR": "en"}[country.code]
    return [country.language, extra] if rng.random() < 0.25 else [country.language]


def _orientation(rng: random.Random, language: str, sex: str, skills: list[str]) -> str:
    template = rng.choice(ORIENTATIONS[language])
    skill = SKILLS[skills[0]][0 if language == "ar" else 1]
    return template.format(wish="ترغب" if sex == Sex.FEMALE else "يرغب", skill=skill)


def _category(rng: random.Random, country: Country) -> str:
    if rng.random() < country.financial_share:
        return CaseCategory.FINANCIAL
    return _weighted(rng, OTHER_CATEGORIES)


def _release_reason(rng: random.Random, category: str) -> str:
    return _weighted(rng, RELEASE_REASONS.get(category, RELEASE_REASONS[None]))


def _timeline(rng: random.Random, spec: PersonSpec, outcome: str, today: datetime.date) -> None:
    """The first admission and what followed, all on or before today; open stays end in the future."""
    birth = spec.fields["birth_date"]
    earliest = max(FIRST_ADMISSION, datetime.date(birth.year + 18, birth.month, min(birth.day, 28)))
    latest = min(today - _days(1), LAST_ADMISSION)
    category = _category(rng, spec.country)
    if outcome in ("custody", "due"):
        longest = LONGEST_STAY[category]
        admitted = _day(rng, max(earliest, today - _days(longest)), latest)
        remaining = rng.randint(3, 85) if outcome == "due" else rng.randint(1, longest)
        expected = today + _days(remaining)
        if category == CaseCategory.FINANCIAL and outcome == "custody" and rng.random() < 0.25:
            expected = None  # held until the debt is paid
        spec.admission = {"admitted_on": admitted, "case_category": category, "expected_release_on": expected}
        if spec.facility != UNAIZAH and rng.random() < 0.1:
            _transfer(rng, spec, admitted, today)
        return
    if outcome == "readmitted":
        admitted = _day(rng, earliest, min(latest, today - _days(700)))
        released = min(admitted + _days(rng.randint(60, LONGEST_STAY[category] // 2)), today - _days(400))
        reason = _release_reason(rng, category)
        spec.admission = {"admitted_on": admitted, "case_category": category, "expected_release_on": released}
        spec.events.append(("release", released, {"reason": reason}))
        back = min(released + _days(rng.randint(60, 360)), today - _days(20), LAST_ADMISSION)
        if rng.random() < 0.3:
            spec.events.append(("aftercare", _day(rng, released, min(released + _days(20), back)), {}))
        category = category if rng.random() < 0.6 else _category(rng, spec.country)
        expected = today + _days(rng.randint(20, 1500))
        spec.events.append(
            ("admit", back, {"facility": spec.facility, "case_category": category, "expected_release_on": expected})
        )
        return
    # Released, in aftercare or closed.
    admitted = _day(rng, earliest, min(latest, today - _days(150)))
    released = min(admitted + _days(rng.randint(60, LONGEST_STAY[category])), today - _days(30))
    reason = _release_reason(rng, category)
    expected = released if reason == ReleaseReason.END_OF_SENTENCE else released + _days(rng.randint(30, 700))
    spec.admission = {"admitted_on": admitted, "case_category": category, "expected_release_on": expected}
    spec.events.append(("release", released, {"reason": reason}))
    after = released
    if outcome in ("aftercare", "closed") and rng.random() < 0.8:
        after = _day(rng, released, min(released + _days(20), today))
        spec.events.append(("aftercare", after, {}))
    if outcome == "closed":
        spec.events.append(("close", _day(rng, after, min(after + _days(900), today)), {}))


def _transfer(rng: random.Random, spec: PersonSpec, admitted: datetime.date, today: datetime.date) -> None:
    if (today - admitted).days < 30:
        return
    others = [code for code, _count in spec.country.facilities if code != spec.facility]
    spec.events.append(
        ("transfer", _day(rng, admitted + _days(15), today - _days(1)), {"facility": rng.choice(others)})
    )


def _facility_region(code: str) -> str:
    return next(facility["region"] for facility in FACILITIES if facility["code"] == code)


def _country_regions(country: Country) -> list[str]:
    return [region["code"] for region in REGIONS if region["country"] == country.code]


def _household(rng: random.Random, spec: PersonSpec, today: datetime.date) -> dict:
    country, language = spec.country, spec.language
    region = _facility_region(spec.facility) if rng.random() < 0.75 else rng.choice(_country_regions(country))
    birth_year = spec.fields["birth_date"].year
    female = spec.fields["sex"] == Sex.FEMALE
    members = []
    married = today.year - birth_year > 22 and rng.random() < 0.7
    if married:
        spouse_year = min(birth_year + rng.randint(-3, 8) * (-1 if female else 1), today.year - 18)
        members.append(
            {"relation": Relation.SPOUSE, "sex": Sex.MALE if female else Sex.FEMALE, "birth_year": spouse_year}
        )
        for _child in range(rng.choice([0, 1, 2, 2, 3, 4])):
            members.append(_child_member(rng, birth_year, today))
    if rng.random() < 0.35 or not members:
        members.append({"relation": Relation.PARENT, "sex": Sex.FEMALE, "birth_year": birth_year - rng.randint(18, 35)})
        members[-1]["dependent"] = rng.random() < 0.5
    if rng.random() < 0.1:
        members[rng.randrange(len(members))]["health_needs"] = rng.choice(HEALTH_NEEDS[language])
    household = {
        "region": region,
        "contact_name": _contact(rng, spec, members),
        "contact_relation": _contact_relation(spec, members),
        "notes": rng.choice(HOUSEHOLD_NOTES[language]),
        "members": members[:6],
        "association": None,
    }
    if country.code == "IR" and rng.random() < 0.8:
        household["association"] = ASSOCIATION_OF_REGION[region]
    if country.code == "JO" and rng.random() < 0.3:
        household["association"] = "jo-idmaj"
    if rng.random() < 0.5:
        household["contact_phone"] = f"{country.phone_prefix} {spec.number:04d}"
    return household


def _child_member(rng: random.Random, parent_birth_year: int, today: datetime.date) -> dict:
    year = rng.randint(min(parent_birth_year + 20, today.year), min(parent_birth_year + 45, today.year))
    age = today.year - year
    if age < 6:
        schooling = Schooling.NOT_OF_AGE
    elif age < 18:
        schooling = Schooling.IN_SCHOOL if rng.random() < 0.85 else Schooling.OUT_OF_SCHOOL
    else:
        schooling = Schooling.FINISHED if rng.random() < 0.7 else Schooling.OUT_OF_SCHOOL
    member = {
        "relation": Relation.CHILD,
        "sex": rng.choice([Sex.MALE, Sex.FEMALE]),
        "birth_year": year,
        "schooling": schooling,
        "dependent": age < 18,
    }
    if rng.random() < 0.04:
        member["special_needs"] = True
    return member


def _contact(rng: random.Random, spec: PersonSpec, members: list[dict]) -> str:
    """The spouse or the mother, who each carry their own family name."""
    country = spec.country
    pool = country.women if members[0].get("sex") == Sex.FEMALE else country.men
    return f"{rng.choice(pool)[0]} {rng.choice(country.families)[0]}"


def _contact_relation(spec: PersonSpec, members: list[dict]) -> str:
    words = RELATIONS[spec.language]
    first = members[0]
    if first["relation"] == Relation.SPOUSE:
        return words["husband" if spec.fields["sex"] == Sex.FEMALE else "wife"]
    return words["mother"]


def _stay(spec: PersonSpec, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the last custody (after any re-admission), for dating what happened in it."""
    start, end = spec.admission["admitted_on"], today
    for kind, on, _details in spec.events:
        if kind == "admit":
            start, end = on, today
        elif kind == "release":
            end = on
    return start, end


def _last_admission(spec: PersonSpec) -> dict:
    """Case category and expected release of the last admission (a re-admission may be for another case)."""
    readmissions = [details for kind, _on, details in spec.events if kind == "admit"]
    return readmissions[-1] if readmissions else spec.admission


def _assessment(rng: random.Random, spec: PersonSpec, today: datetime.date) -> dict:
    start, end = _stay(spec, today)
    assessed_on = _day(rng, start + _days(min(7, (end - start).days)), min(start + _days(90), end))
    category = _last_admission(spec)["case_category"]
    needs = []
    if category == CaseCategory.FINANCIAL:
        needs.append(("finances", "debt_settlement"))
    if set(spec.skills) & CRAFT_SKILLS:
        needs.append(("vocational", rng.choice(["craft_training", "skills_certification"])))
    if spec.fields["literacy"] in (Literacy.ILLITERATE, Literacy.BASIC):
        needs.append(("education", "literacy"))
    if category == CaseCategory.DRUGS and rng.random() < 0.7:
        needs.append(("health", "substance_use"))
    extra = [
        ("employment", "job_search"),
        ("employment", "work_readiness"),
        ("housing", "accommodation_on_release"),
        ("family", "family_income"),
        ("family", "children_schooling"),
        ("identity", "national_id_card"),
        ("attitudes", "cognitive_programme"),
        ("finances", "bank_account"),
    ]
    needs += rng.sample(extra, rng.randint(1, 3))
    needs = list(dict.fromkeys(needs))[: rng.randint(1, 4)]
    ratings = _ratings(rng, needs)
    paths = _paths(rng, spec, needs)
    opening = SUMMARY_OPENINGS[spec.language]
    texts = [PATH_TEXTS[path][0 if spec.language == "ar" else 1] for path in paths]
    return {
        "assessed_on": assessed_on,
        "ratings": ratings,
        "needs": needs,
        "recommended_paths": paths,
        "summary": opening + "؛ ".join(texts) + "." if texts else "",
    }


def _ratings(rng: random.Random, needs: list[tuple[str, str]]) -> dict:
    domains = {domain for domain, _need in needs}
    others = [d for d in ("education", "vocational", "employment", "housing", "health", "family") if d not in domains]
    ratings = {domain: (rng.choice([NeedLevel.MEDIUM, NeedLevel.HIGH]), "") for domain in sorted(domains)}
    for domain in rng.sample(others, min(len(others), rng.randint(2, 4))):
        ratings[domain] = (rng.choice([NeedLevel.NONE, NeedLevel.LOW, NeedLevel.LOW]), "")
    return ratings


def _paths(rng: random.Random, spec: PersonSpec, needs: list[tuple[str, str]]) -> list[str]:
    domains = {domain for domain, _need in needs}
    paths = []
    if _last_admission(spec)["case_category"] == CaseCategory.FINANCIAL:
        paths.append(RecommendedPath.DEBT_RELEASE)
    if set(spec.skills) & CRAFT_SKILLS and rng.random() < 0.7:
        paths.append(RecommendedPath.INCOME_PROJECT)
    if "vocational" in domains or "education" in domains:
        paths.append(RecommendedPath.TRAINING)
    if "employment" in domains or not paths:
        paths.append(RecommendedPath.JOB)
    if "family" in domains or (spec.household and len(spec.household["members"]) >= 3 and rng.random() < 0.4):
        paths.append(RecommendedPath.FAMILY_SUPPORT)
    return [str(path) for path in paths]


def _notes(rng: random.Random, language: str) -> list[tuple[str, str]]:
    notes = []
    for _note in range(rng.choice([1, 1, 2])):
        visibility = NoteVisibility.SHARED if rng.random() < 0.3 else NoteVisibility.INTERNAL
        notes.append((rng.choice(NOTES[language][visibility]), visibility))
    return notes


def _choose_consents(rng: random.Random, specs: list[PersonSpec], today: datetime.date) -> None:
    """Consents to the demo associations and the Foundation; most Jordanians give none."""
    by_country = {country.code: [spec for spec in specs if spec.country.code == country.code] for country in COUNTRIES}
    for position, spec in enumerate(rng.sample(by_country["JO"], JORDAN_CONSENTS)):
        purposes = _weighted(rng, [(("aftercare",), 5), (("visits",), 2), (("aftercare", "visits"), 3)])
        agreement = "JO-PSD-IDMAJ" if rng.random() < 0.6 else None
        since = _consent_day(rng, spec, today)
        spec.consents = [("jo-idmaj", purpose, agreement, since) for purpose in purposes]
        spec.revoke_consents = position < JORDAN_REVOKED
    for spec in rng.sample(by_country["MA"], MOROCCO_CONSENTS):
        purposes = ["income_project", "training"] if rng.random() < 0.35 else ["income_project"]
        since = _consent_day(rng, spec, today)
        agreement = AGREEMENT_OF_FACILITY[spec.facility]
        spec.consents = [("ma-fm6", purpose, agreement, since) for purpose in purposes]
    crafts = [spec for spec in by_country["SA"] if set(spec.skills) & {"72", "73", "75"}]
    for spec in rng.sample(crafts, min(SAUDI_CONSENTS, len(crafts))):
        spec.consents = [("sa-crafts-programme", "training", "SA-GDP-1440-CRAFTS", _consent_day(rng, spec, today))]
    for spec in by_country["IR"]:
        association = spec.household and spec.household["association"]
        if association and rng.random() < 0.5:
            since = _consent_day(rng, spec, today)
            spec.consents = [(association, "family_support", "IR-PO-SUPPORT-ACTIONS", since)]


def _consent_day(rng: random.Random, spec: PersonSpec, today: datetime.date) -> datetime.date:
    start, _end = _stay(spec, today)
    return _day(rng, start, min(start + _days(120), today))


# Writing them through the services ----------------------------------------------------------------


@dataclass
class Context:
    by: User
    today: datetime.date
    facilities: dict
    organizations: dict
    regions: dict
    agreements: dict


def load(stdout) -> None:
    created = Counter()
    existing = set(
        Person.objects.filter(source_reference__startswith=REFERENCE_PREFIX).values_list("source_reference", flat=True)
    )
    # Keyed on the references alone, so a second run on another day still creates nothing.
    if len(existing) < TARGET:
        context = _context()
        with set_actor(context.by):
            for spec in build_specs(context.today):
                if spec.reference not in existing:
                    _create(spec, context, created)
    stdout.write(
        "People: {people} new people, {episodes} new custody episodes, {households} new households, "
        "{consents} new consents, {assessments} new assessments, {plans} new plans.".format(
            **{key: created[key] for key in ("people", "episodes", "households", "consents", "assessments", "plans")}
        )
    )


def _context() -> Context:
    return Context(
        by=demo_operator(),
        today=timezone.localdate(),
        facilities={facility.code: facility for facility in Facility.objects.all()},
        organizations={organization.code: organization for organization in Organization.objects.all()},
        regions={region.code: region for region in Region.objects.all()},
        agreements={
            (agreement.administration.code, agreement.reference): agreement
            for agreement in Agreement.objects.select_related("administration")
        },
    )


def _create(spec: PersonSpec, context: Context, created: Counter) -> None:
    person = services.register_person(
        by=context.by,
        facility=context.facilities[spec.facility],
        national_id=national_id(spec.number),
        skills=spec.skills,
        **spec.admission,
        **spec.fields,
    )
    created["people"] += 1
    created["episodes"] += 1
    created["episodes"] += _apply_events(person, spec, context)
    if spec.household:
        _create_household(person, spec.household, context)
        created["households"] += 1
    created["consents"] += _create_consents(person, spec, context)
    if spec.assessment:
        services.record_assessment(person=person, by=context.by, **spec.assessment)
        created["assessments"] += 1
        if spec.plan:
            _create_plan(person, spec, context)
            created["plans"] += 1
    for text, visibility in spec.notes:
        services.add_note(person=person, by=context.by, text=text, visibility=visibility)


def _apply_events(person: Person, spec: PersonSpec, context: Context) -> int:
    episodes = 0
    for kind, on, details in spec.events:
        if kind == "transfer":
            services.transfer(person=person, by=context.by, to_facility=context.facilities[details["facility"]], on=on)
            episodes += 1
        elif kind == "release":
            services.release(person=person, by=context.by, on=on, reason=details["reason"])
        elif kind == "admit":
            services.admit(
                person=person,
                by=context.by,
                facility=context.facilities[details["facility"]],
                admitted_on=on,
                case_category=details["case_category"],
                expected_release_on=details["expected_release_on"],
            )
            episodes += 1
        elif kind == "aftercare":
            services.start_aftercare(person=person, by=context.by, on=on)
        elif kind == "close":
            services.close_case(person=person, by=context.by, on=on)
        # The services lock and save their own copy of the row; keep ours in step with it.
        person.refresh_from_db(fields=["status", "facility"])
    return episodes


def _create_household(person: Person, data: dict, context: Context) -> None:
    services.save_household(
        person=person,
        by=context.by,
        region=context.regions[data["region"]],
        contact_name=data["contact_name"],
        contact_relation=data["contact_relation"],
        notes=data["notes"],
        supporting_association=context.organizations.get(data["association"]),
        contact_phone=data.get("contact_phone"),
    )
    for member in data["members"]:
        services.add_household_member(person=person, by=context.by, **member)


def _create_consents(person: Person, spec: PersonSpec, context: Context) -> int:
    consents = []
    for organization, purpose, agreement, since in spec.consents:
        consents.append(
            services.record_consent(
                person=person,
                by=context.by,
                organization=context.organizations[organization],
                purpose=ConsentPurpose(purpose),
                agreement=context.agreements[(spec.country.administration, agreement)] if agreement else None,
                valid_from=since,
            )
        )
    if spec.revoke_consents:
        for consent in consents:
            services.revoke_consent(consent=consent, by=context.by)
    return len(consents)


def _create_plan(person: Person, spec: PersonSpec, context: Context) -> None:
    rng = random.Random(SEED * 20_000 + spec.number)
    plan = services.create_plan(person=person, by=context.by)
    start, end = _stay(spec, context.today)
    released = person.status != PersonStatus.IN_CUSTODY
    paths = list(spec.assessment["recommended_paths"])
    if spec.fields["literacy"] == Literacy.ILLITERATE:
        paths.append("literacy")
    for path in paths[:3]:
        arabic, persian, domain = ACTIONS[path]
        item = services.add_plan_action(
            plan=plan,
            by=context.by,
            goal=arabic if spec.language == "ar" else persian,
            owner=_owner(spec, path, context),
            domain=domain,
            due_on=_day(rng, start + _days(30), max(start + _days(30), end + _days(180))),
        )
        if released or rng.random() < 0.3:
            status = rng.choice([PlanStatus.DONE, PlanStatus.DONE, PlanStatus.IN_PROGRESS])
            services.update_plan_action(item=item, by=context.by, status=status)
    _follow_release_tasks(rng, plan, spec, released, context)
    _follow_reviews(rng, plan, spec, context)


def _owner(spec: PersonSpec, path: str, context: Context) -> Organization:
    code = ACTION_OWNERS[spec.country.code].get(path, spec.country.administration)
    if code == "association":
        household = spec.household or {}
        code = household.get("association") or ASSOCIATION_OF_REGION[_facility_region(spec.facility)]
    return context.organizations[code]


def _follow_release_tasks(rng, plan, spec: PersonSpec, released: bool, context: Context) -> None:
    expected = _last_admission(spec)["expected_release_on"]
    due_soon = expected is not None and expected <= context.today + _days(90)
    if not (released or due_soon):
        return
    for task in plan.release_tasks.all():
        status = _weighted(
            rng,
            [
                (ReleaseTaskStatus.DONE, 6 if released else 3),
                (ReleaseTaskStatus.IN_PROGRESS, 2),
                (ReleaseTaskStatus.NOT_NEEDED, 1),
                (ReleaseTaskStatus.TO_DO, 0 if released else 3),
            ],
        )
        if status != ReleaseTaskStatus.TO_DO:
            services.update_release_task(task=task, by=context.by, status=status)


def _follow_reviews(rng, plan, spec: PersonSpec, context: Context) -> None:
    transferred = any(kind == "transfer" for kind, _on, _details in spec.events)
    for review in plan.reviews.filter(due_on__lt=context.today):
        roll = rng.random()
        if roll < 0.45:
            on = min(review.due_on + _days(rng.randint(-10, 12)), context.today)
            services.complete_review(review=review, by=context.by, on=on)
        elif roll < 0.5 or (transferred and roll < 0.7):
            exemption = "transfer" if transferred else rng.choice(["hospital", "security"])
            services.exempt_review(review=review, by=context.by, exemption=exemption)
