"""Demonstration data of the agreements: the MoUs, partnerships and convention the seed articles report."""

import datetime
from collections import Counter
from decimal import Decimal

from auditlog.context import set_actor

from karama.agreements import services
from karama.agreements.models import Agreement, Budget, Commitment, Objective, Party
from karama.core.demo import demo_operator
from karama.core.models import Organization, User

SIGNATORY = Party.Role.SIGNATORY
IMPLEMENTER = Party.Role.IMPLEMENTER
FUNDER = Party.Role.FUNDER

# Seed 000: the directorate signed all four memoranda through its Director General.
SAUDI_DIRECTORATE = {
    "organization": "sa-gdp",
    "role": SIGNATORY,
    "representative_name": "Maj. Gen. Mohammed bin Ali Al-Asmari (اللواء محمد بن علي الأسمري)",
    "representative_title": "Director General of Prisons",
}
SAUDI_SIGNED_PLACE = "Headquarters of Naif Arab University for Security Sciences, Riyadh"
# The article dates the signing only to 1440 AH; the Ramadan campaign ends with Ramadan 1440
# (Umm al-Qura), which is the one date it gives.
END_OF_RAMADAN_1440 = datetime.date(2019, 6, 3)

AGREEMENTS = [
    # Seed 000 (a)
    {
        "administration": "sa-gdp",
        "reference": "SA-GDP-1440-NAUSS",
        "kind": Agreement.Kind.MOU,
        "original_language": "ar",
        "names": {
            "ar": "مذكرة تعاون مع جامعة نايف العربية للعلوم الأمنية",
            "en": "Cooperation memorandum with Naif Arab University for Security Sciences",
        },
        "summary": (
            "The General Directorate of Prisons and Naif Arab University for Security Sciences cooperate in "
            "training, the exchange of experts and trainers of both sexes, joint and specialized courses, "
            "scientific meetings, studies, research and publication."
        ),
        "signed_place": SAUDI_SIGNED_PLACE,
        "domains": ["training", "staff_training", "research"],
        "parties": [
            SAUDI_DIRECTORATE,
            {
                "organization": "sa-nauss",
                "role": SIGNATORY,
                "representative_name": "H.E. Dr. Abdulmajeed bin Abdullah Al-Bunyan (د. عبد المجيد بن عبد الله البنيان)",
                "representative_title": "President of the University",
            },
        ],
        "objectives": [
            "Cooperate in training and exchange experts and trainers of both sexes.",
            "Organize joint training courses, programmes and activities.",
            "Use the University's capabilities to deliver specialized courses.",
            "Cooperate in scientific meetings, studies, research and publication.",
        ],
        "commitments": [
            {"description": "Exchange of experts and trainers of both sexes.", "unit": "other"},
            {"description": "Joint training courses, programmes and activities.", "unit": "courses"},
            {
                "description": "Specialized courses delivered with the University's capabilities.",
                "party": "sa-nauss",
                "unit": "courses",
            },
            {"description": "Joint scientific meetings, studies, research and publications.", "unit": "studies"},
        ],
    },
    # Seed 000 (b)
    {
        "administration": "sa-gdp",
        "reference": "SA-GDP-1440-CRAFTS",
        "kind": Agreement.Kind.MOU,
        "original_language": "ar",
        "names": {
            "ar": "مذكرة تعاون مع الهيئة العامة للسياحة والتراث الوطني في الحرف والصناعات اليدوية",
            "en": "Cooperation memorandum with the Saudi Commission for Tourism and National Heritage on crafts",
        },
        "summary": (
            "The National Programme for Crafts and Handicrafts brings specialized craft programmes and trainers "
            "to male and female inmates in training centres inside prisons and reformatories, and follows the "
            "trainees after their sentences so they start small projects or find suitable jobs."
        ),
        "signed_place": SAUDI_SIGNED_PLACE,
        "domains": ["crafts", "training", "aftercare", "entrepreneurship", "employment"],
        "parties": [
            SAUDI_DIRECTORATE,
            {
                "organization": "sa-scth",
                "role": SIGNATORY,
                "representative_name": "Dr. Sharif Qasim Al-Abdulwahab (د. شريف قاسم العبد الوهاب)",
                "representative_title": "Executive Director of the National Programme for Crafts and Handicrafts",
                "deputy_name": "Eng. Faris Baghlaf (م. فارس بغلف)",
                "deputy_title": "Signed on the Executive Director's behalf",
            },
            # Later features issue the craft certificates in the programme's own name.
            {
                "organization": "sa-crafts-programme",
                "role": IMPLEMENTER,
                "representative_name": "Dr. Sharif Qasim Al-Abdulwahab (د. شريف قاسم العبد الوهاب)",
                "representative_title": "Executive Director",
            },
        ],
        "objectives": [
            "Offer specialized craft and handicraft programmes to male and female inmate craftspeople.",
            "Provide trainers specialized in the various crafts to train male and female inmates in the "
            "training centres inside prisons and reformatories.",
            "Follow the trainees after their sentences end so they start small projects and find suitable jobs.",
        ],
        "commitments": [
            {
                "description": "Specialized craft and handicraft programmes for male and female inmates.",
                "party": "sa-crafts-programme",
                "unit": "people_trained",
            },
            {
                "description": "Specialized craft trainers in the training centres inside prisons and reformatories.",
                "party": "sa-crafts-programme",
                "unit": "other",
            },
            {
                "description": "Follow-up of trainees after release to start small projects and find suitable jobs.",
                "party": "sa-crafts-programme",
                "unit": "beneficiaries",
            },
        ],
    },
    # Seed 000 (c)
    {
        "administration": "sa-gdp",
        "reference": "SA-GDP-1440-MASIK",
        "kind": Agreement.Kind.MOU,
        "original_language": "ar",
        "names": {"ar": "مذكرة تعاون مع شركة ماسك", "en": "Cooperation memorandum with Masik Company"},
        "summary": (
            "Masik supports the directorate's Thiqa programme and contributes to the Ramadan 1440 AH campaigns "
            "that release insolvent inmates convicted in financial cases."
        ),
        "signed_place": SAUDI_SIGNED_PLACE,
        "domains": ["release_campaigns", "family_support"],
        "parties": [
            SAUDI_DIRECTORATE,
            {
                "organization": "sa-masik",
                "role": SIGNATORY,
                "representative_name": "Sulaiman bin Mohammed Al-Quhaidan (سليمان بن محمد القهيدان)",
                "deputy_name": "Dr. Mamdouh Al-Hoshan (د. ممدوح الحوشان)",
                "deputy_title": "Signed on the representative's behalf",
            },
        ],
        "objectives": [
            "Support the Thiqa programme (برنامج ثقة) run by the General Directorate of Prisons.",
            "Contribute to the Ramadan 1440 AH campaigns releasing insolvent inmates convicted in financial cases.",
        ],
        "commitments": [
            {"description": "Support of the Thiqa programme.", "party": "sa-masik", "unit": "other"},
            {
                "description": (
                    "Contribution to the Ramadan 1440 AH campaign releasing insolvent inmates convicted in "
                    "financial cases."
                ),
                "party": "sa-masik",
                "unit": "releases",
                "due_on": END_OF_RAMADAN_1440,
            },
        ],
    },
    # Seed 000 (d)
    {
        "administration": "sa-gdp",
        "reference": "SA-GDP-1440-ZUNAIDI",
        "kind": Agreement.Kind.MOU,
        "original_language": "ar",
        "names": {
            "ar": "مذكرة مع أبناء علي بن عبد الله الزنيدي لإنشاء مصنع للصفائح المعدنية في إصلاحية عنيزة",
            "en": "Memorandum with the sons of Ali bin Abdullah Al-Zunaidi: a metal-sheet factory in Unaizah",
        },
        "summary": (
            "The sons of Ali bin Abdullah Al-Zunaidi set up a metal-sheet factory in the Unaizah reformatory, "
            "Qassim region."
        ),
        "signed_place": SAUDI_SIGNED_PLACE,
        "domains": ["industry", "employment"],
        "parties": [
            SAUDI_DIRECTORATE,
            {
                "organization": "sa-zunaidi",
                "role": SIGNATORY,
                "representative_name": "Eng. Yousef bin Ali Al-Zunaidi (م. يوسف بن علي الزنيدي)",
            },
        ],
        "objectives": ["Establish a metal-sheet factory in the Unaizah reformatory, Qassim region."],
        "commitments": [
            {
                "description": "A metal-sheet factory established in the Unaizah reformatory.",
                "party": "sa-zunaidi",
                "unit": "other",
            },
        ],
    },
    # Seed 001
    {
        "administration": "jo-psd-crca",
        "reference": "JO-PSD-IDMAJ",
        "kind": Agreement.Kind.MOU,
        "original_language": "ar",
        "names": {
            "ar": "مذكرة تفاهم بين مديرية الأمن العام وجمعية الرعاية اللاحقة لنزلاء مراكز الإصلاح والتأهيل وأسرهم",
            "en": "MoU between the Public Security Directorate and the Idmaj aftercare association",
        },
        "summary": (
            "The Correction and Rehabilitation Centres Administration and the Idmaj association run care "
            "programmes for inmates before and after release and for their families, share information and "
            "visits, train staff for studies of inmates' conditions, and seek decent jobs so that a first "
            "conviction is no barrier and fewer return to crime."
        ),
        "domains": ["aftercare", "family_support", "employment", "research", "staff_training"],
        "parties": [
            {
                "organization": "jo-psd-crca",
                "role": SIGNATORY,
                "representative_name": "Lt. Gen. Dr. Tawfiq Hamed Al-Tawalbeh (الفريق أول الركن د. توفيق حامد الطوالبة)",
                "representative_title": "Director of Public Security",
            },
            {
                "organization": "jo-idmaj",
                "role": SIGNATORY,
                "representative_name": "Senator Faisal Al-Fayez (العين فيصل الفايز)",
                "representative_title": "Chairman of the Board of Trustees",
            },
        ],
        "objectives": [
            "Carry out care programmes for inmates before and after their release, to reintegrate them in society.",
            "Prepare the releasee while still inside through joint social and psychological programmes.",
            "Care for inmates' families during the sentence and before release.",
            "Exchange information and data on inmates' vocational orientation.",
            "Prepare centre staff through workshops, seminars and training courses to carry out scientific "
            "studies on inmates' conditions.",
            "Reduce the return to crime by providing decent, rewarding jobs; a first conviction is no barrier.",
        ],
        "commitments": [
            {
                "description": "Joint social and psychological programmes preparing releasees before they leave.",
                "unit": "other",
            },
            {"description": "Care programmes for inmates' families.", "party": "jo-idmaj", "unit": "families"},
            {
                "description": "Full information on the inmates under the association's care given to the association.",
                "party": "jo-psd-crca",
                "unit": "other",
            },
            {
                "description": (
                    "Visits by the association's members facilitated, periodic field visits coordinated and "
                    "their results studied."
                ),
                "party": "jo-psd-crca",
                "unit": "visits",
            },
            {"description": "Exchange of data on inmates' vocational orientation.", "unit": "other"},
            {
                "description": "Workshops, seminars and training courses for the staff of the centres.",
                "unit": "workshops",
            },
            {"description": "Decent, rewarding jobs found for releasees.", "party": "jo-idmaj", "unit": "placements"},
        ],
    },
    # Seed 002
    {
        "administration": "ma-dgapr",
        "reference": "MA-FM6-2024-SOUSS-MASSA",
        "kind": Agreement.Kind.PARTNERSHIP,
        "original_language": "ar",
        "names": {
            "ar": "اتفاقية شراكة لدعم المشاريع المدرة للدخل لفائدة السجناء المفرج عنهم بأكادير إداوتنان",
            "fr": "Convention de partenariat pour les projets générateurs de revenus des détenus libérés – Agadir",
            "en": "Partnership agreement for income-generating projects of released prisoners – Agadir",
        },
        "summary": (
            "The Provincial Committee for Human Development and the Mohammed VI Foundation fund income-generating "
            "projects of released prisoners with a budget of 1,000,000 MAD; equipment was handed over to former "
            "prisoners at the signing ceremony."
        ),
        "signed_on": datetime.date(2024, 10, 3),
        "signed_place": "Wilaya headquarters, Agadir",
        "domains": ["income_projects", "aftercare"],
        "parties": [
            {
                "organization": "ma-cpdh-agadir",
                "role": SIGNATORY,
                "representative_name": "Saïd Amzazi (سعيد أمزازي)",
                "representative_title": (
                    "Wali of the Souss-Massa region and Governor of Agadir Ida-Outanane; chaired the signing"
                ),
            },
            {"organization": "ma-fm6", "role": SIGNATORY},
        ],
        "objectives": [
            "Support income-generating projects of released prisoners to strengthen their social and economic "
            "integration.",
            "Help former prisoners improve their economic and social conditions.",
        ],
        "commitments": [
            {"description": "Income-generating projects of released prisoners funded.", "unit": "projects"},
            {
                "description": "Equipment bought for the projects handed over to former prisoners.",
                "unit": "beneficiaries",
            },
        ],
        "budgets": [
            {
                "funder": "ma-cpdh-agadir",
                "label": "Income-generating projects of released prisoners",
                "amount": Decimal("1000000.00"),
                "currency": "MAD",
            },
        ],
    },
    # Seed 003
    {
        "administration": "ma-dgapr",
        "reference": "MA-FM6-BENI-MELLAL",
        "kind": Agreement.Kind.PARTNERSHIP,
        "original_language": "ar",
        "names": {
            "ar": "اتفاقية شراكة بين مؤسسة محمد السادس لإعادة إدماج السجناء وعمالة إقليم بني ملال",
            "fr": "Convention de partenariat Fondation Mohammed VI – Province de Béni Mellal (INDH)",
            "en": "Partnership agreement between the Mohammed VI Foundation and the Province of Beni Mellal (INDH)",
        },
        "summary": (
            "Within the INDH programme against vulnerability, 21 former inmates received equipment worth more than "
            "500,000 MAD in all for projects matching their training and skills, prepared from a diagnosis made "
            "during the sentence, after literacy and vocational training with the regional academy and the OFPPT."
        ),
        "domains": ["income_projects", "training", "aftercare"],
        "parties": [
            {"organization": "ma-fm6", "role": SIGNATORY},
            {
                "organization": "ma-province-beni-mellal",
                "role": SIGNATORY,
                "representative_name": "Khatib El Hebil (خطيب لهبيل)",
                "representative_title": "Wali of the Béni Mellal-Khénifra region, Governor of the Province of Beni Mellal",
            },
            {"organization": "ma-cpdh-beni-mellal", "role": SIGNATORY},
            {
                "organization": "ma-fm6",
                "role": IMPLEMENTER,
                "representative_name": "Jamal Tayebi (جمال الطيبي)",
                "representative_title": "Regional coordinator of the Foundation",
            },
            {"organization": "ma-aref-bmk", "role": IMPLEMENTER},
            {"organization": "ma-ofppt", "role": IMPLEMENTER},
        ],
        "objectives": [
            "Socio-professional integration of former inmates in working life after they leave prison.",
            "Equip each former inmate according to their training and skills, in services, agriculture, "
            "handicrafts, construction, catering or trade.",
            "Prepare each project from a diagnosis made during the sentence with the reintegration-preparation "
            "service.",
            "Offer literacy and vocational training before release.",
            "Accompany former inmates after release so their projects succeed.",
        ],
        "commitments": [
            {
                "description": "Former inmates equipped for income-generating projects.",
                "party": "ma-fm6",
                "target_quantity": 21,
                "unit": "beneficiaries",
            },
            {"description": "Literacy programmes for inmates.", "party": "ma-aref-bmk", "unit": "people_trained"},
            {"description": "Vocational training for inmates.", "party": "ma-ofppt", "unit": "people_trained"},
            {
                "description": "Accompaniment of former inmates' projects after release.",
                "party": "ma-fm6",
                "unit": "projects",
            },
        ],
        "budgets": [
            {
                "funder": "ma-cpdh-beni-mellal",
                "label": "INDH programme against vulnerability (the article says more than 500,000 MAD)",
                "amount": Decimal("500000.00"),
                "currency": "MAD",
            },
        ],
    },
    # Seed 004
    {
        "administration": "ir-prisons",
        "reference": "IR-PO-SUPPORT-ACTIONS",
        "kind": Agreement.Kind.CONVENTION,
        "original_language": "fa",
        "names": {
            "fa": "همکاری اقدامات حمایتی با انجمن‌های حمایت از زندانیان",
            "en": "Support-actions cooperation with the prisoner-support associations",
        },
        "summary": (
            "With the Judiciary, the Prisons Organization delivers electronically anonymous, dignified help to "
            "prisoners and their families, frees eligible prisoners with donors' money and brings entrepreneurs "
            "to invest in prison work; 64,000 prisoners' families are covered by prisoner-support associations."
        ),
        "domains": ["family_support", "release_campaigns", "employment", "entrepreneurship"],
        "parties": [
            {
                "organization": "ir-prisons",
                "role": SIGNATORY,
                "representative_name": "Gholamali Mohammadi (غلامعلی محمدی)",
                "representative_title": "Head of the Prisons Organization",
            },
            {
                "organization": "ir-judiciary",
                "role": IMPLEMENTER,
                "representative_name": "Mohammad Kazemi-Fard (محمد کاظمی فرد)",
                "representative_title": "Head of the Judiciary's Centre for Statistics and Information Technology",
            },
            {"organization": "ir-support-tehran", "role": IMPLEMENTER},
            {"organization": "ir-support-isfahan", "role": IMPLEMENTER},
            {"organization": "ir-support-razavi-khorasan", "role": IMPLEMENTER},
        ],
        "objectives": [
            "Help prisoners and their families anonymously and with dignity through the support-actions system.",
            "Free eligible prisoners with the help of donors.",
            "Bring entrepreneurs to invest in prison work through the employment and entrepreneurship system.",
        ],
        "commitments": [
            {
                "description": "Families covered by prisoner-support associations.",
                "target_quantity": 64000,
                "unit": "families",
            },
            {"description": "Eligible prisoners freed with donors' money.", "unit": "releases"},
            {"description": "Prisoners employed through entrepreneurs' investment.", "unit": "placements"},
        ],
    },
]


def load(stdout) -> None:
    by = demo_operator()
    created = Counter()
    with set_actor(by):
        for data in AGREEMENTS:
            _ensure_agreement(data, by, created)
    stdout.write(
        "Agreements: {agreements} new agreements, {parties} new parties, {objectives} new objectives, "
        "{commitments} new commitments, {budgets} new budgets.".format(
            **{key: created[key] for key in ("agreements", "parties", "objectives", "commitments", "budgets")}
        )
    )


def _ensure_agreement(data: dict, by: User, created: Counter) -> None:
    administration = Organization.objects.get(code=data["administration"])
    agreement = Agreement.objects.filter(administration=administration, reference=data["reference"]).first()
    if agreement is None:
        fields = {key: data[key] for key in ("kind", "reference", "names", "original_language", "summary", "domains")}
        agreement = services.create_agreement(
            by=by,
            administration=administration,
            signed_on=data.get("signed_on"),
            signed_place=data.get("signed_place", ""),
            **fields,
        )
        created["agreements"] += 1
    if agreement.status == Agreement.Status.DRAFT:
        agreement = services.change_agreement_status(agreement=agreement, status=Agreement.Status.ACTIVE, by=by)
    parties = {}
    for party in data["parties"]:
        # A commitment or budget names its party by organization: the first role listed for it.
        parties.setdefault(party["organization"], _ensure_party(agreement, party, by, created))
    for text in data["objectives"]:
        if not Objective.objects.filter(agreement=agreement, text=text).exists():
            services.add_objective(agreement=agreement, by=by, text=text)
            created["objectives"] += 1
    for commitment in data["commitments"]:
        _ensure_commitment(agreement, commitment, parties, by, created)
    for budget in data.get("budgets", []):
        _ensure_budget(agreement, budget, parties, by, created)


def _ensure_party(agreement: Agreement, data: dict, by: User, created: Counter) -> Party:
    organization = Organization.objects.get(code=data["organization"])
    party = Party.objects.filter(agreement=agreement, organization=organization, role=data["role"]).first()
    if party is None:
        details = {key: value for key, value in data.items() if key != "organization"}
        party = services.add_party(agreement=agreement, by=by, organization=organization, **details)
        created["parties"] += 1
    return party


def _ensure_commitment(agreement: Agreement, data: dict, parties: dict, by: User, created: Counter) -> None:
    if Commitment.objects.filter(agreement=agreement, description=data["description"]).exists():
        return
    services.add_commitment(
        agreement=agreement,
        by=by,
        description=data["description"],
        party=parties[data["party"]] if "party" in data else None,
        target_quantity=data.get("target_quantity"),
        unit=data["unit"],
        due_on=data.get("due_on"),
    )
    created["commitments"] += 1


def _ensure_budget(agreement: Agreement, data: dict, parties: dict, by: User, created: Counter) -> None:
    if Budget.objects.filter(agreement=agreement, label=data["label"], currency=data["currency"]).exists():
        return
    services.add_budget(
        agreement=agreement,
        by=by,
        amount=data["amount"],
        currency=data["currency"],
        funder=parties[data["funder"]],
        label=data["label"],
    )
    created["budgets"] += 1
