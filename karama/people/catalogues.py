"""Translated catalogues of the people app: ISCO-08 occupation groups and the needs found in assessments.

Stored as codes; labels come from here in the reader's language, so reports count by code.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# ISCO-08 major groups (one digit) and sub-major groups (two digits).
OCCUPATION_GROUPS = {
    "0": _("Armed forces occupations"),
    "01": _("Commissioned armed forces officers"),
    "02": _("Non-commissioned armed forces officers"),
    "03": _("Armed forces occupations, other ranks"),
    "1": _("Managers"),
    "11": _("Chief executives, senior officials and legislators"),
    "12": _("Administrative and commercial managers"),
    "13": _("Production and specialised services managers"),
    "14": _("Hospitality, retail and other services managers"),
    "2": _("Professionals"),
    "21": _("Science and engineering professionals"),
    "22": _("Health professionals"),
    "23": _("Teaching professionals"),
    "24": _("Business and administration professionals"),
    "25": _("Information and communications technology professionals"),
    "26": _("Legal, social and cultural professionals"),
    "3": _("Technicians and associate professionals"),
    "31": _("Science and engineering associate professionals"),
    "32": _("Health associate professionals"),
    "33": _("Business and administration associate professionals"),
    "34": _("Legal, social, cultural and related associate professionals"),
    "35": _("Information and communications technicians"),
    "4": _("Clerical support workers"),
    "41": _("General and keyboard clerks"),
    "42": _("Customer services clerks"),
    "43": _("Numerical and material recording clerks"),
    "44": _("Other clerical support workers"),
    "5": _("Service and sales workers"),
    "51": _("Personal service workers"),
    "52": _("Sales workers"),
    "53": _("Personal care workers"),
    "54": _("Protective services workers"),
    "6": _("Skilled agricultural, forestry and fishery workers"),
    "61": _("Market-oriented skilled agricultural workers"),
    "62": _("Market-oriented skilled forestry, fishery and hunting workers"),
    "63": _("Subsistence farmers, fishers, hunters and gatherers"),
    "7": _("Craft and related trades workers"),
    "71": _("Building and related trades workers (excluding electricians)"),
    "72": _("Metal, machinery and related trades workers"),
    "73": _("Handicraft and printing workers"),
    "74": _("Electrical and electronic trades workers"),
    "75": _("Food processing, woodworking, garment and other craft workers"),
    "8": _("Plant and machine operators, and assemblers"),
    "81": _("Stationary plant and machine operators"),
    "82": _("Assemblers"),
    "83": _("Drivers and mobile plant operators"),
    "9": _("Elementary occupations"),
    "91": _("Cleaners and helpers"),
    "92": _("Agricultural, forestry and fishery labourers"),
    "93": _("Labourers in mining, construction, manufacturing and transport"),
    "94": _("Food preparation assistants"),
    "95": _("Street and related sales and service workers"),
    "96": _("Refuse workers and other elementary workers"),
}
OCCUPATION_CHOICES = [(code, label) for code, label in OCCUPATION_GROUPS.items() if len(code) == 2]


def occupation_choices_grouped():
    """Sub-major groups under their major group, for a select with optgroups."""
    return [
        (
            OCCUPATION_GROUPS[major],
            [(code, OCCUPATION_GROUPS[code]) for code in OCCUPATION_GROUPS if len(code) == 2 and code[0] == major],
        )
        for major in OCCUPATION_GROUPS
        if len(major) == 1
    ]


class NeedDomain(models.TextChoices):
    EDUCATION = "education", _("Education and literacy")
    VOCATIONAL = "vocational", _("Vocational skills")
    EMPLOYMENT = "employment", _("Employment")
    HOUSING = "housing", _("Housing")
    HEALTH = "health", _("Health and addiction")
    FAMILY = "family", _("Family and children")
    FINANCES = "finances", _("Finances and debts")
    IDENTITY = "identity", _("Identity documents")
    ATTITUDES = "attitudes", _("Attitudes and behaviour")


NO_NEED = "none"
OTHER = "other"

# domain → {need code: label}; every domain also has "other" and "no need identified".
NEEDS = {
    NeedDomain.EDUCATION: {
        "literacy": _("Literacy classes"),
        "basic_education": _("Basic education"),
        "secondary_completion": _("Completing secondary school"),
        "higher_education": _("Access to higher education"),
    },
    NeedDomain.VOCATIONAL: {
        "vocational_training": _("Vocational training"),
        "skills_certification": _("Certification of existing skills"),
        "craft_training": _("Craft training"),
    },
    NeedDomain.EMPLOYMENT: {
        "job_search": _("Help finding a job"),
        "work_readiness": _("Work readiness (CV, interviews)"),
        "self_employment": _("Support for self-employment"),
    },
    NeedDomain.HOUSING: {
        "accommodation_on_release": _("Accommodation on release"),
        "rent_support": _("Help with rent"),
    },
    NeedDomain.HEALTH: {
        "substance_use": _("Treatment for substance use"),
        "mental_health": _("Mental health care"),
        "chronic_illness": _("Care for a chronic illness"),
        "disability": _("Support for a disability"),
    },
    NeedDomain.FAMILY: {
        "family_contact": _("Keeping contact with the family"),
        "children_schooling": _("Children's schooling"),
        "family_mediation": _("Family mediation"),
        "family_income": _("Income for the family during the sentence"),
    },
    NeedDomain.FINANCES: {
        "debt_settlement": _("Settling debts"),
        "bank_account": _("Opening a bank account"),
        "budgeting": _("Budgeting skills"),
    },
    NeedDomain.IDENTITY: {
        "national_id_card": _("National identity card"),
        "civil_registration": _("Civil registration"),
        "other_documents": _("Other official documents"),
    },
    NeedDomain.ATTITUDES: {
        "anger_management": _("Anger management"),
        "cognitive_programme": _("Cognitive-behavioural programme"),
        "mentoring": _("Mentoring"),
    },
}
COMMON_NEEDS = {OTHER: _("Other"), NO_NEED: _("No need identified")}


def need_choices(domain: str) -> list[tuple[str, str]]:
    return [*NEEDS.get(domain, {}).items(), *COMMON_NEEDS.items()]


def need_label(domain: str, code: str):
    return NEEDS.get(domain, {}).get(code) or COMMON_NEEDS.get(code) or code


ALL_NEED_CHOICES = [
    (domain.label, [(f"{domain.value}:{code}", label) for code, label in need_choices(domain.value)])
    for domain in NeedDomain
]
