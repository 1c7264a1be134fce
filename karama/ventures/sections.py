"""What the ventures app adds to an agreement's page and to a person's page."""

from karama.agreements.models import Agreement
from karama.core.models import User
from karama.people.models import Person
from karama.ventures.models import PIPELINE, Stage
from karama.ventures.selectors import agreement_ventures, can_prepare_for, ventures_of_person


def agreement_section(user: User, agreement: Agreement) -> dict:
    """Budget use and beneficiaries; aggregates only, for everyone who sees the agreement."""
    summary = agreement_ventures(agreement)
    shown = summary.has_anything or agreement.domains.filter(domain="income_projects").exists()
    stages = [
        (stage, summary.stage_counts[stage]) for stage in [*PIPELINE, Stage.REJECTED] if summary.stage_counts.get(stage)
    ]
    return {"summary": summary, "shown": shown, "stages": stages}


def person_section(user: User, person: Person) -> dict:
    ventures = ventures_of_person(user, person)
    can_prepare = can_prepare_for(user, person)
    return {"ventures": ventures, "can_prepare": can_prepare, "shown": bool(ventures) or can_prepare}
