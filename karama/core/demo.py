"""Demonstration data of the core: the seed articles' administrations, partners, regions, facilities, and the logins."""

from collections import Counter

from auditlog.context import set_actor

from karama.core.models import Calendar, Digits, Facility, Organization, Region, Role, User
from karama.core.services import ensure_region, register_facility, register_organization

PASSWORD = "karama-demo"
OPERATOR_USERNAME = "admin"
DEFAULT_URL = "http://127.0.0.1:8000/"

REGIONS = [
    {
        "code": "sa-riyadh",
        "country": "SA",
        "original_language": "ar",
        "names": {"ar": "منطقة الرياض", "fa": "استان ریاض", "fr": "Région de Riyad", "en": "Riyadh Province"},
    },
    {
        "code": "sa-qassim",
        "country": "SA",
        "original_language": "ar",
        "names": {"ar": "منطقة القصيم", "fa": "استان قصیم", "fr": "Région d'Al-Qassim", "en": "Qassim Province"},
    },
    {
        "code": "jo-amman",
        "country": "JO",
        "original_language": "ar",
        "names": {
            "ar": "محافظة العاصمة (عمّان)",
            "fa": "استان عمّان",
            "fr": "Gouvernorat d'Amman",
            "en": "Amman Governorate",
        },
    },
    {
        "code": "jo-zarqa",
        "country": "JO",
        "original_language": "ar",
        "names": {"ar": "محافظة الزرقاء", "fa": "استان زرقا", "fr": "Gouvernorat de Zarqa", "en": "Zarqa Governorate"},
    },
    {
        "code": "ma-souss-massa",
        "country": "MA",
        "original_language": "ar",
        "names": {"ar": "جهة سوس ماسة", "fa": "منطقهٔ سوس ماسه", "fr": "Souss-Massa", "en": "Souss-Massa"},
    },
    {
        "code": "ma-beni-mellal-khenifra",
        "country": "MA",
        "original_language": "ar",
        "names": {
            "ar": "جهة بني ملال خنيفرة",
            "fa": "منطقهٔ بنی ملال خنیفره",
            "fr": "Béni Mellal-Khénifra",
            "en": "Béni Mellal-Khénifra",
        },
    },
    {
        "code": "ir-tehran",
        "country": "IR",
        "original_language": "fa",
        "names": {"fa": "استان تهران", "ar": "محافظة طهران", "fr": "Province de Téhéran", "en": "Tehran Province"},
    },
    {
        "code": "ir-isfahan",
        "country": "IR",
        "original_language": "fa",
        "names": {"fa": "استان اصفهان", "ar": "محافظة أصفهان", "fr": "Province d'Ispahan", "en": "Isfahan Province"},
    },
    {
        "code": "ir-razavi-khorasan",
        "country": "IR",
        "original_language": "fa",
        "names": {
            "fa": "استان خراسان رضوی",
            "ar": "محافظة خراسان رضوي",
            "fr": "Province du Khorassan-e Razavi",
            "en": "Razavi Khorasan Province",
        },
    },
]

ADMINISTRATIONS = [
    {
        "code": "sa-gdp",
        "country": "SA",
        "region": "sa-riyadh",
        "original_language": "ar",
        "names": {"ar": "المديرية العامة للسجون", "en": "General Directorate of Prisons"},
    },
    {
        "code": "jo-psd-crca",
        "country": "JO",
        "region": "jo-amman",
        "original_language": "ar",
        "names": {
            "ar": "مديرية الأمن العام – إدارة مراكز الإصلاح والتأهيل",
            "en": "Public Security Directorate – Correction and Rehabilitation Centres Administration",
        },
    },
    # Not named by the seeds, but the Moroccan agreements need an administration to belong to.
    {
        "code": "ma-dgapr",
        "country": "MA",
        "region": None,
        "original_language": "ar",
        "names": {
            "ar": "المندوبية العامة لإدارة السجون وإعادة الإدماج",
            "fr": "Délégation générale à l'administration pénitentiaire et à la réinsertion",
            "en": "General Delegation for Prison Administration and Reintegration",
        },
    },
    {
        "code": "ir-prisons",
        "country": "IR",
        "region": "ir-tehran",
        "original_language": "fa",
        "names": {
            "fa": "سازمان زندان‌ها و اقدامات تأمینی و تربیتی کشور",
            "en": "Prisons and Security and Corrective Measures Organization",
        },
    },
]

# Each partner sits in the registry of the administration it works with, and shares its country.
PARTNERS = [
    # Seed 000, Saudi Arabia.
    {
        "code": "sa-nauss",
        "administration": "sa-gdp",
        "kind": Organization.Kind.UNIVERSITY,
        "region": "sa-riyadh",
        "original_language": "ar",
        "names": {"ar": "جامعة نايف العربية للعلوم الأمنية", "en": "Naif Arab University for Security Sciences"},
    },
    {
        "code": "sa-scth",
        "administration": "sa-gdp",
        "kind": Organization.Kind.GOVERNMENT_AGENCY,
        "region": "sa-riyadh",
        "original_language": "ar",
        "names": {
            "ar": "الهيئة العامة للسياحة والتراث الوطني",
            "en": "Saudi Commission for Tourism and National Heritage",
        },
    },
    {
        "code": "sa-crafts-programme",
        "administration": "sa-gdp",
        "kind": Organization.Kind.GOVERNMENT_AGENCY,
        "region": None,
        "original_language": "ar",
        "names": {
            "ar": "البرنامج الوطني للحرف والصناعات اليدوية",
            "en": "National Programme for Crafts and Handicrafts",
        },
    },
    {
        "code": "sa-masik",
        "administration": "sa-gdp",
        "kind": Organization.Kind.COMPANY,
        "region": None,
        "original_language": "ar",
        "names": {"ar": "شركة ماسك", "en": "Masik Company"},
    },
    {
        "code": "sa-zunaidi",
        "administration": "sa-gdp",
        "kind": Organization.Kind.FAMILY_BUSINESS,
        "region": None,
        "original_language": "ar",
        "names": {"ar": "أبناء علي بن عبد الله الزنيدي", "en": "Sons of Ali bin Abdullah Al-Zunaidi"},
    },
    # Seed 001, Jordan.
    {
        "code": "jo-idmaj",
        "administration": "jo-psd-crca",
        "kind": Organization.Kind.ASSOCIATION,
        "region": None,
        "original_language": "ar",
        "names": {
            "ar": "جمعية الرعاية اللاحقة لنزلاء مراكز الإصلاح والتأهيل وأسرهم (إدماج)",
            "en": "Aftercare Association for Inmates of Correction and Rehabilitation Centres and their Families (Idmaj)",
        },
    },
    # Seeds 002 and 003, Morocco.
    {
        "code": "ma-fm6",
        "administration": "ma-dgapr",
        "kind": Organization.Kind.FOUNDATION,
        "region": None,
        "original_language": "ar",
        "names": {
            "ar": "مؤسسة محمد السادس لإعادة إدماج السجناء",
            "fr": "Fondation Mohammed VI pour la réinsertion des détenus",
            "en": "Mohammed VI Foundation for the Reintegration of Prisoners",
        },
    },
    {
        "code": "ma-cpdh-agadir",
        "administration": "ma-dgapr",
        "kind": Organization.Kind.GOVERNMENT_AGENCY,
        "region": "ma-souss-massa",
        "original_language": "ar",
        "names": {
            "ar": "اللجنة الإقليمية للتنمية البشرية لعمالة أكادير إداوتنان",
            "fr": "Comité provincial de développement humain d'Agadir Ida-Outanane",
            "en": "Provincial Committee for Human Development of Agadir Ida-Outanane",
        },
    },
    {
        "code": "ma-province-beni-mellal",
        "administration": "ma-dgapr",
        "kind": Organization.Kind.GOVERNMENT_AGENCY,
        "region": "ma-beni-mellal-khenifra",
        "original_language": "ar",
        "names": {
            "ar": "عمالة إقليم بني ملال",
            "fr": "Province de Béni Mellal",
            "en": "Province of Beni Mellal",
        },
    },
    {
        "code": "ma-cpdh-beni-mellal",
        "administration": "ma-dgapr",
        "kind": Organization.Kind.GOVERNMENT_AGENCY,
        "region": "ma-beni-mellal-khenifra",
        "original_language": "ar",
        "names": {
            "ar": "اللجنة الإقليمية للتنمية البشرية لبني ملال",
            "fr": "Comité provincial de développement humain de Béni Mellal",
            "en": "Provincial Committee for Human Development of Beni Mellal",
        },
    },
    {
        "code": "ma-aref-bmk",
        "administration": "ma-dgapr",
        "kind": Organization.Kind.GOVERNMENT_AGENCY,
        "region": "ma-beni-mellal-khenifra",
        "original_language": "ar",
        "names": {
            "ar": "الأكاديمية الجهوية للتربية والتكوين لجهة بني ملال خنيفرة",
            "fr": "Académie régionale d'éducation et de formation de Béni Mellal-Khénifra",
            "en": "Regional Academy of Education and Training of Béni Mellal-Khénifra",
        },
    },
    {
        "code": "ma-ofppt",
        "administration": "ma-dgapr",
        "kind": Organization.Kind.GOVERNMENT_AGENCY,
        "region": None,
        "original_language": "ar",
        "names": {
            "ar": "مكتب التكوين المهني وإنعاش الشغل",
            "fr": "Office de la formation professionnelle et de la promotion du travail (OFPPT)",
            "en": "Office of Vocational Training and Employment Promotion (OFPPT)",
        },
    },
    # Seed 004, Iran.
    {
        "code": "ir-judiciary",
        "administration": "ir-prisons",
        "kind": Organization.Kind.GOVERNMENT_AGENCY,
        "region": "ir-tehran",
        "original_language": "fa",
        "names": {"fa": "قوه قضاییه", "en": "Judiciary of the Islamic Republic of Iran"},
    },
    {
        "code": "ir-support-tehran",
        "administration": "ir-prisons",
        "kind": Organization.Kind.ASSOCIATION,
        "region": "ir-tehran",
        "original_language": "fa",
        "names": {"fa": "انجمن حمایت از زندانیان استان تهران", "en": "Prisoner Support Association of Tehran Province"},
    },
    {
        "code": "ir-support-isfahan",
        "administration": "ir-prisons",
        "kind": Organization.Kind.ASSOCIATION,
        "region": "ir-isfahan",
        "original_language": "fa",
        "names": {
            "fa": "انجمن حمایت از زندانیان استان اصفهان",
            "en": "Prisoner Support Association of Isfahan Province",
        },
    },
    {
        "code": "ir-support-razavi-khorasan",
        "administration": "ir-prisons",
        "kind": Organization.Kind.ASSOCIATION,
        "region": "ir-razavi-khorasan",
        "original_language": "fa",
        "names": {
            "fa": "انجمن حمایت از زندانیان استان خراسان رضوی",
            "en": "Prisoner Support Association of Razavi Khorasan Province",
        },
    },
]

FACILITIES = [
    # Named by seed 000: the metal-sheet factory is to be built here.
    {
        "code": "sa-unaizah-reformatory",
        "administration": "sa-gdp",
        "kind": Facility.Kind.REFORMATORY,
        "region": "sa-qassim",
        "original_language": "ar",
        "names": {"ar": "إصلاحية عنيزة", "en": "Unaizah reformatory"},
    },
    # Every facility below is NOT named by the seeds: later features need people in several
    # facilities of each administration, so well-known ones of the same countries stand in.
    {
        "code": "sa-al-hair",
        "administration": "sa-gdp",
        "kind": Facility.Kind.PRISON,
        "region": "sa-riyadh",
        "original_language": "ar",
        "names": {"ar": "سجن الحائر", "en": "Al-Ha'ir prison"},
    },
    {
        "code": "sa-buraydah",
        "administration": "sa-gdp",
        "kind": Facility.Kind.PRISON,
        "region": "sa-qassim",
        "original_language": "ar",
        "names": {"ar": "السجن العام في بريدة", "en": "Buraydah general prison"},
    },
    {
        "code": "jo-swaqa",
        "administration": "jo-psd-crca",
        "kind": Facility.Kind.CORRECTION_CENTRE,
        "region": "jo-amman",
        "original_language": "ar",
        "names": {"ar": "مركز إصلاح وتأهيل سواقة", "en": "Swaqa Correction and Rehabilitation Centre"},
    },
    {
        "code": "jo-juweideh",
        "administration": "jo-psd-crca",
        "kind": Facility.Kind.CORRECTION_CENTRE,
        "region": "jo-amman",
        "original_language": "ar",
        "names": {"ar": "مركز إصلاح وتأهيل الجويدة", "en": "Juweideh Correction and Rehabilitation Centre"},
    },
    {
        "code": "ma-beni-mellal",
        "administration": "ma-dgapr",
        "kind": Facility.Kind.PRISON,
        "region": "ma-beni-mellal-khenifra",
        "original_language": "ar",
        "names": {
            "ar": "السجن المحلي ببني ملال",
            "fr": "Prison locale de Béni Mellal",
            "en": "Beni Mellal local prison",
        },
    },
    {
        "code": "ma-ait-melloul",
        "administration": "ma-dgapr",
        "kind": Facility.Kind.PRISON,
        "region": "ma-souss-massa",
        "original_language": "ar",
        "names": {
            "ar": "السجن المحلي أيت ملول",
            "fr": "Prison locale d'Aït Melloul",
            "en": "Aït Melloul local prison",
        },
    },
    {
        "code": "ir-greater-tehran",
        "administration": "ir-prisons",
        "kind": Facility.Kind.PRISON,
        "region": "ir-tehran",
        "original_language": "fa",
        "names": {"fa": "زندان مرکزی تهران بزرگ", "en": "Greater Tehran Central Penitentiary"},
    },
    {
        "code": "ir-isfahan-central",
        "administration": "ir-prisons",
        "kind": Facility.Kind.PRISON,
        "region": "ir-isfahan",
        "original_language": "fa",
        "names": {"fa": "زندان مرکزی اصفهان", "en": "Isfahan central prison"},
    },
]

# Fictitious people; "shows" is what the login table tells a visitor to expect.
USERS = [
    {
        "username": OPERATOR_USERNAME,
        "role": Role.OPERATOR,
        "first_name": "Amina",
        "last_name": "Haddad",
        "language": "en",
        "is_staff": True,
        "is_superuser": True,
        "shows": "every administration, partner and agreement; Django admin at /en/admin/",
    },
    {
        "username": "admin-ma",
        "role": Role.NATIONAL_ADMIN,
        "administration": "ma-dgapr",
        "first_name": "Youssef",
        "last_name": "Benali",
        "language": "fr",
        "shows": "Morocco only: its people, the Souss-Massa and Beni Mellal agreements and MAD budgets (French)",
    },
    {
        "username": "staff-unaizah",
        "role": Role.FACILITY_STAFF,
        "facility": "sa-unaizah-reformatory",
        "first_name": "فهد",
        "last_name": "الحربي",
        "language": "ar",
        "calendar": Calendar.HIJRI,
        "digits": Digits.ARABIC,
        "shows": "the Unaizah reformatory's people and release work list; the Saudi MoUs read-only (Arabic, Hijri)",
    },
    {
        "username": "partner-idmaj",
        "role": Role.PARTNER_STAFF,
        "organization": "jo-idmaj",
        "first_name": "رنا",
        "last_name": "العمري",
        "language": "ar",
        "shows": "only the people who consented to share with Idmaj; its MoU with Jordan (Arabic)",
    },
    {
        "username": "partner-foundation",
        "role": Role.PARTNER_STAFF,
        "organization": "ma-fm6",
        "first_name": "Salma",
        "last_name": "El Idrissi",
        "language": "fr",
        "shows": "only the people who consented to the Foundation; its two agreements (French)",
    },
    {
        "username": "donor",
        "role": Role.DONOR,
        "first_name": "مریم",
        "last_name": "کریمی",
        "language": "fa",
        "calendar": Calendar.JALALI,
        "digits": Digits.PERSIAN,
        "shows": "the public side only, no internal record (Persian, Solar Hijri dates)",
    },
    {
        "username": "researcher",
        "role": Role.RESEARCHER,
        "first_name": "Omar",
        "last_name": "Saleh",
        "language": "en",
        "shows": "aggregates only, never a row about one person",
    },
    {
        "username": "auditor",
        "role": Role.AUDITOR,
        "first_name": "Claire",
        "last_name": "Dubois",
        "language": "en",
        "shows": "every administration read-only, with the change and access logs",
    },
]


def demo_operator() -> User:
    """The operator every demo loader acts as: the services need someone with the right to manage."""
    return User.objects.get(username=OPERATOR_USERNAME)


def load(stdout) -> None:
    created = Counter()
    operator_data = next(user for user in USERS if user["username"] == OPERATOR_USERNAME)
    created["users"] += _ensure_user(operator_data)
    operator = demo_operator()
    # The change history names the operator as the author of everything the demo creates.
    with set_actor(operator):
        for region in REGIONS:
            created["regions"] += _ensure_region(region)
        for organization in ADMINISTRATIONS + PARTNERS:
            created["organizations"] += _ensure_organization(organization, operator)
        for facility in FACILITIES:
            created["facilities"] += _ensure_facility(facility, operator)
        for user in USERS:
            created["users"] += _ensure_user(user)
    stdout.write(
        "Core: {regions} new regions, {organizations} new organizations, {facilities} new facilities, "
        "{users} new users.".format(
            **{key: created[key] for key in ("regions", "organizations", "facilities", "users")}
        )
    )


def _region(code: str | None) -> Region | None:
    return Region.objects.get(code=code) if code else None


def _ensure_region(data: dict) -> bool:
    if Region.objects.filter(code=data["code"]).exists():
        return False
    ensure_region(**data)
    return True


def _ensure_organization(data: dict, by: User) -> bool:
    if Organization.objects.filter(code=data["code"]).exists():
        return False
    fields = {key: value for key, value in data.items() if key not in ("administration", "region")}
    region = _region(data["region"])
    if "administration" in data:
        administration = Organization.objects.get(code=data["administration"])
        register_organization(
            by=by, administration=administration, country=administration.country, region=region, **fields
        )
    else:
        register_organization(by=by, kind=Organization.Kind.PRISON_ADMINISTRATION, region=region, **fields)
    return True


def _ensure_facility(data: dict, by: User) -> bool:
    if Facility.objects.filter(code=data["code"]).exists():
        return False
    administration = Organization.objects.get(code=data["administration"])
    fields = {key: value for key, value in data.items() if key not in ("administration", "region")}
    register_facility(
        by=by, administration=administration, country=administration.country, region=_region(data["region"]), **fields
    )
    return True


def _ensure_user(data: dict) -> bool:
    """Created once; an existing account is left as it is, even if its password was changed since."""
    if User.objects.filter(username=data["username"]).exists():
        return False
    links = {"administration": Organization, "facility": Facility, "organization": Organization}
    fields = {key: value for key, value in data.items() if key != "shows" and key not in links}
    for field, model in links.items():
        if field in data:
            fields[field] = model.objects.get(code=data[field])
    user = User(**fields)
    user.set_password(PASSWORD)
    user.full_clean()
    user.save()
    return True


def write_logins(stdout, url: str = DEFAULT_URL) -> None:
    """The block that tells a visitor where to go and who to sign in as."""
    login_url = url.rstrip("/") + "/en/accounts/login/"
    lines = [
        "",
        "Karama demonstration",
        "====================",
        f"Open {url} and sign in at {login_url}",
        "(or /ar/, /fa/, /fr/ instead of /en/). Every login has the password: " + PASSWORD,
        "",
        f"  {'username':<20} {'role':<24} what it shows",
        f"  {'-' * 20} {'-' * 24} {'-' * 40}",
    ]
    for user in USERS:
        lines.append(f"  {user['username']:<20} {str(Role(user['role']).label):<24} {user['shows']}")
    lines.append("")
    stdout.write("\n".join(lines))
