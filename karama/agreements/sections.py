"""Sections that later apps add to an agreement's page (training delivered, ventures funded...).

An app registers a section in its AppConfig.ready(); the agreement page renders each one below
the agreement's own sections. The context function receives the acting user and the agreement
(already fetched through the scoped selector).
"""

from collections.abc import Callable
from dataclasses import dataclass

from karama.agreements.models import Agreement
from karama.core.models import User


@dataclass(frozen=True)
class AgreementSection:
    key: str
    template: str
    context: Callable[[User, Agreement], dict]
    order: int = 100


_sections: dict[str, AgreementSection] = {}


def register_agreement_section(section: AgreementSection) -> None:
    _sections[section.key] = section


def agreement_sections_for(user: User, agreement: Agreement) -> list[tuple[AgreementSection, dict]]:
    return [(s, s.context(user, agreement)) for s in sorted(_sections.values(), key=lambda s: (s.order, s.key))]
