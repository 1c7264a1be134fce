"""Sections that later apps add to a person's page (training, work, projects, support...).

An app registers a section in its AppConfig.ready(); the person page renders each one the reader
may see, below the people app's own sections. The section's context function receives the acting
user and the person (already fetched through the scoped selector) and returns what its template needs.
"""

from collections.abc import Callable
from dataclasses import dataclass

from karama.core.models import User
from karama.people.models import Person


@dataclass(frozen=True)
class PersonSection:
    key: str
    template: str
    context: Callable[[User, Person], dict]
    # The people section (see selectors.visible_sections) a reader needs to see this one; None: any reader.
    requires: str | None = None
    order: int = 100


_sections: dict[str, PersonSection] = {}


def register_person_section(section: PersonSection) -> None:
    _sections[section.key] = section


def person_sections_for(user: User, person: Person, visible: set[str]) -> list[tuple[PersonSection, dict]]:
    chosen = [
        s
        for s in sorted(_sections.values(), key=lambda s: (s.order, s.key))
        if s.requires is None or s.requires in visible
    ]
    return [(section, section.context(user, person)) for section in chosen]
