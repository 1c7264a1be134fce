"""Hints shown beside each candidate before enrolling: release date against the programme's end, literacy,
what the needs assessment recommends, skills, and who will see the participant.

Hints only inform; the few rules that refuse an enrolment live in services.enrol. A hint draws only on the
parts of the record the reader may see (visible_sections), so a partner never learns more from a hint than
from the person's page.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from karama.core.access import scope_of
from karama.core.formatting import format_date
from karama.core.models import User
from karama.people.catalogues import need_label
from karama.people.models import (
    Assessment,
    ConsentPurpose,
    CustodyEpisode,
    Literacy,
    Person,
    PersonNeed,
    PersonSkill,
    RecommendedPath,
)
from karama.people.selectors import active_consents, visible_sections
from karama.training.models import Programme, ProgrammeKind

# Needs found by an assessment that a programme of each kind answers.
NEEDS_ANSWERED = {
    ProgrammeKind.LITERACY: {("education", "literacy"), ("education", "basic_education")},
    ProgrammeKind.ACADEMIC: {("education", "secondary_completion"), ("education", "higher_education")},
    ProgrammeKind.VOCATIONAL: {("vocational", "vocational_training"), ("vocational", "skills_certification")},
    ProgrammeKind.CRAFTS: {("vocational", "craft_training"), ("vocational", "skills_certification")},
    ProgrammeKind.LIFE_SKILLS: {
        ("employment", "work_readiness"),
        ("finances", "budgeting"),
        ("attitudes", "mentoring"),
    },
    ProgrammeKind.PSYCHOSOCIAL: {
        ("attitudes", "anger_management"),
        ("attitudes", "cognitive_programme"),
        ("health", "mental_health"),
        ("health", "substance_use"),
    },
}
LOW_LITERACY = (Literacy.ILLITERATE, Literacy.BASIC)


@dataclass(frozen=True)
class Hint:
    tone: str  # "good", "warning", "note"
    text: str


@dataclass
class _Facts:
    """What the hints need about one person, fetched for a whole page of candidates at once."""

    episode: CustodyEpisode | None = None
    assessment: Assessment | None = None
    skills: frozenset = frozenset()
    needs: frozenset = frozenset()
    consented: frozenset = frozenset()  # organizations with an active training consent


def hints_for_people(user: User, programme: Programme, people: list[Person]) -> dict[int, list[Hint]]:
    if not people:
        return {}
    facts = _facts(programme, people)
    sections = _sections(user, people)
    facilities = {facility.pk: facility for facility in programme.facilities.all()}
    return {
        person.pk: _hints(user, programme, person, facts[person.pk], sections[person.pk], facilities)
        for person in people
    }


def hints_for(user: User, programme: Programme, person: Person) -> list[Hint]:
    return hints_for_people(user, programme, [person])[person.pk]


def _sections(user: User, people: list[Person]) -> dict[int, set[str]]:
    if not scope_of(user).is_partner:
        # Staff of the administration read the same sections of everyone they can see.
        sections = visible_sections(user, people[0])
        return {person.pk: sections for person in people}
    return {person.pk: visible_sections(user, person) for person in people}


def _facts(programme: Programme, people: list[Person]) -> dict[int, _Facts]:
    ids = [person.pk for person in people]
    facts = defaultdict(_Facts)
    for episode in CustodyEpisode.objects.filter(person_id__in=ids, released_on__isnull=True).select_related(
        "facility"
    ):
        facts[episode.person_id].episode = episode
    for assessment in Assessment.objects.filter(person_id__in=ids).order_by("person_id", "-assessed_on", "-pk"):
        if facts[assessment.person_id].assessment is None:
            facts[assessment.person_id].assessment = assessment
    skills, needs, consented = defaultdict(set), defaultdict(set), defaultdict(set)
    for person_id, occupation in PersonSkill.objects.filter(person_id__in=ids).values_list("person_id", "occupation"):
        skills[person_id].add(occupation)
    open_needs = PersonNeed.objects.filter(person_id__in=ids, status__in=["open", "in_progress"])
    for person_id, domain, need in open_needs.values_list("person_id", "domain", "need"):
        needs[person_id].add((domain, need))
    for organization_id in {programme.provider_id, programme.coordinator_id} - {None}:
        consents = active_consents(organization_id).filter(person_id__in=ids, purpose=ConsentPurpose.TRAINING)
        for person_id in consents.values_list("person_id", flat=True):
            consented[person_id].add(organization_id)
    for person_id in ids:
        facts[person_id].skills = frozenset(skills[person_id])
        facts[person_id].needs = frozenset(needs[person_id])
        facts[person_id].consented = frozenset(consented[person_id])
    return facts


def _hints(user, programme: Programme, person: Person, facts: _Facts, sections: set, facilities: dict) -> list[Hint]:
    hints = []
    if "custody" in sections:
        hints += _custody_hints(programme, person, facts, facilities)
    if "education" in sections:
        hints += _literacy_hints(programme, person)
    if "assessment" in sections:
        hints += _assessment_hints(programme, facts)
    if "skills" in sections and programme.occupation and programme.occupation in facts.skills:
        hints.append(Hint("good", _("Has skills in this trade.")))
    if not scope_of(user).is_partner:
        hints += _sharing_hints(programme, facts)
    return hints


def _custody_hints(programme: Programme, person: Person, facts: _Facts, facilities: dict) -> list[Hint]:
    episode = facts.episode
    if episode is None:
        if facilities:
            return [Hint("warning", _("No longer in custody, and the programme is held inside a facility."))]
        return []
    hints = []
    expected = episode.expected_release_on
    if expected and expected < programme.ends_on:
        hints.append(
            Hint(
                "warning",
                _("Expected release on {release}, before the programme ends on {end}.").format(
                    release=format_date(expected), end=format_date(programme.ends_on)
                ),
            )
        )
    elif expected:
        hints.append(
            Hint("good", _("Expected release on {release}, after the programme.").format(release=format_date(expected)))
        )
    if facilities and episode.facility_id not in facilities:
        hints.append(
            Hint(
                "warning",
                _("Held in {facility}, where the programme is not held.").format(facility=episode.facility.name),
            )
        )
    return hints


def _literacy_hints(programme: Programme, person: Person) -> list[Hint]:
    if programme.kind == ProgrammeKind.LITERACY:
        if person.literacy in LOW_LITERACY:
            return [Hint("good", _("Cannot read or write well yet: this is what the programme is for."))]
        if person.literacy == Literacy.LITERATE:
            return [Hint("note", _("Already reads and writes."))]
        return []
    if not programme.requires_literacy:
        return []
    if person.literacy in LOW_LITERACY:
        text = _("The programme needs reading and writing; the record says: {literacy}.")
        return [Hint("warning", text.format(literacy=person.get_literacy_display()))]
    if person.literacy == Literacy.UNKNOWN:
        return [Hint("note", _("The programme needs reading and writing; literacy is not recorded."))]
    return []


def _assessment_hints(programme: Programme, facts: _Facts) -> list[Hint]:
    assessment = facts.assessment
    if assessment is None:
        return [Hint("note", _("Not assessed yet."))]
    hints = []
    if RecommendedPath.TRAINING in assessment.recommended_paths:
        hints.append(Hint("good", _("The needs assessment recommends training.")))
    elif assessment.recommended_paths:
        paths = ", ".join(str(label) for label in assessment.recommended_path_labels())
        hints.append(Hint("note", _("The needs assessment recommends: {paths}.").format(paths=paths)))
    for domain, need in sorted(facts.needs & NEEDS_ANSWERED.get(programme.kind, set())):
        hints.append(Hint("good", _("Assessed need: {need}.").format(need=need_label(domain, need))))
    return hints


def _sharing_hints(programme: Programme, facts: _Facts) -> list[Hint]:
    hints = []
    for organization in (programme.provider, programme.coordinator):
        if organization is None or organization.is_administration or organization.pk in facts.consented:
            continue
        hints.append(
            Hint(
                "note",
                _("Not shared with {organization}: no training consent.").format(organization=organization.name),
            )
        )
    return hints
