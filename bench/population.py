"""The people of the bench administration and ten years of their custody: names, identity, episodes, the
status history, skills. Every derived column is computed as the models and services would.

The custody simulation: a first admission somewhere in the last ten years, a sentence by case category,
sometimes a transfer half-way, a release (end of sentence, pardon, parole, a settled debt, rarely death),
sometimes a re-admission after it. An episode still running today is the person's one open episode.
"""

import datetime
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from bench.frame import Frame, Picker
from bench.names import ARABIC_FAMILIES, ARABIC_MEN, ARABIC_WOMEN, PERSIAN_FAMILIES, PERSIAN_MEN, PERSIAN_WOMEN
from bench.sink import Sink, Table
from karama.core import crypto
from karama.core.text import normalize_for_search
from karama.people.catalogues import OCCUPATION_CHOICES
from karama.people.models import (
    _CODE_ALPHABET,
    AdmissionKind,
    CaseCategory,
    CustodyEpisode,
    EducationLevel,
    Literacy,
    Person,
    PersonSkill,
    PersonStatus,
    ReleaseReason,
    StatusChange,
)

CHUNK = 10_000
YEARS = 10
ARABIC_SHARE = 0.15  # Khuzestan Arabs and Iraqi nationals, whose records are written in Arabic
VARIANT_SHARE = 0.2  # a part written in its variant spelling (Arabic ي/ك on a Persian name, ة/ه, أ/ا...)

# Sentence lengths in days, by category: (weight, shortest, most common, longest).
SENTENCES = {
    CaseCategory.FINANCIAL: (30, 60, 240, 1100),
    CaseCategory.DRUGS: (30, 120, 700, 3650),
    CaseCategory.PROPERTY: (20, 90, 400, 1800),
    CaseCategory.VIOLENCE: (10, 180, 1000, 5000),
    CaseCategory.OTHER: (10, 30, 150, 900),
}
CATEGORIES = Picker(list(SENTENCES), [weights[0] for weights in SENTENCES.values()])
TRANSFER_SHARE = 0.1
READMISSION_SHARE = 0.16
PRETRIAL_SHARE = 0.08  # open episodes whose expected release is not known yet
EDUCATION = Picker(
    [
        EducationLevel.NONE,
        EducationLevel.PRIMARY,
        EducationLevel.LOWER_SECONDARY,
        EducationLevel.UPPER_SECONDARY,
        EducationLevel.VOCATIONAL,
        EducationLevel.HIGHER,
        EducationLevel.UNKNOWN,
    ],
    [8, 25, 25, 20, 5, 7, 10],
)
SKILL_CODES = [code for code, _label in OCCUPATION_CHOICES]


@dataclass(slots=True)
class Resident:
    """What later parts of the generator need to know of a person, kept for every person."""

    pk: int
    facility_id: int
    status: str
    latest_admission: datetime.date  # of the latest stay (not a transfer): where plan reviews count from
    expected_release: datetime.date | None  # of the open episode
    last_release: datetime.date | None
    sex: str
    arabic: bool


class NameBook:
    """Weighted name parts per community, each drawn in its usual or variant spelling."""

    def __init__(self):
        self.men = {False: self._picker(PERSIAN_MEN), True: self._picker(ARABIC_MEN)}
        self.women = {False: self._picker(PERSIAN_WOMEN), True: self._picker(ARABIC_WOMEN)}
        self.families = {False: self._picker(PERSIAN_FAMILIES), True: self._picker(ARABIC_FAMILIES)}

    @staticmethod
    def _picker(entries) -> Picker:
        return Picker([entry[:3] for entry in entries], [entry[3] for entry in entries])

    @staticmethod
    def spelled(rng: random.Random, entry) -> str:
        written, _latin, variant = entry
        return variant if variant and rng.random() < VARIANT_SHARE else written


@cache
def _normalized(text: str) -> str:
    return normalize_for_search(text)


def search_name(parts) -> str:
    """karama.core.text.search_document(*parts), with each distinct part normalized once (names repeat)."""
    return " ".join(filter(None, (_normalized(text) for text in parts if text)))


def public_code(rng: random.Random, prefix: str, taken: set[str]) -> str:
    """A code shaped like models.new_public_code's (8 letters of the same alphabet), from the seeded generator."""
    while True:
        bits = rng.getrandbits(40)
        body = "".join(_CODE_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
        code = f"{prefix}-{body[:4]}-{body[4:]}"
        if code not in taken:
            taken.add(code)
            return code


def national_ids(rng: random.Random, count: int) -> Iterator[str]:
    """Distinct 10-digit Iranian national codes (nine digits and the check digit)."""
    for body in rng.sample(range(10**9), count):
        digits = f"{body:09d}"
        remainder = sum(int(digit) * (10 - position) for position, digit in enumerate(digits)) % 11
        yield digits + str(remainder if remainder < 2 else 11 - remainder)


# Custody --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Stay:
    facility_id: int
    kind: str
    admitted: datetime.date
    expected: datetime.date | None
    released: datetime.date | None
    reason: str
    category: str


@dataclass(slots=True)
class Sentence:
    category: str
    expected: datetime.date | None
    released: datetime.date | None  # None while it runs
    reason: str


def sentence(rng: random.Random, admitted: datetime.date, today: datetime.date) -> Sentence:
    """The case, the expected release, and when and why the stay really ends (if it has)."""
    category = CATEGORIES(rng)
    _weight, low, mode, high = SENTENCES[category]
    length = int(rng.triangular(low, high, mode))
    expected = admitted + datetime.timedelta(days=length)
    served, reason = _served(rng, category, length)
    released = admitted + datetime.timedelta(days=max(served, 1))
    if released <= today:
        return Sentence(category, expected, released, reason)
    return Sentence(category, None if rng.random() < PRETRIAL_SHARE else expected, None, "")


def _served(rng: random.Random, category: str, length: int) -> tuple[int, str]:
    draw = rng.random()
    if category == CaseCategory.FINANCIAL and draw < 0.4:
        return int(length * rng.uniform(0.1, 0.8)), ReleaseReason.DEBT_SETTLED
    if draw < 0.003:
        return int(length * rng.uniform(0.05, 0.9)), ReleaseReason.DEATH
    if draw < 0.15:
        return int(length * rng.uniform(0.4, 0.9)), ReleaseReason.PARDON
    if draw < 0.32:
        return int(length * rng.uniform(0.5, 0.8)), ReleaseReason.PAROLE
    return length, ReleaseReason.END_OF_SENTENCE


def simulate_custody(rng: random.Random, frame: Frame, home: int, today: datetime.date) -> list[Stay]:
    """A person's episodes, oldest first; at most the last one is open."""
    stays: list[Stay] = []
    admitted = today - datetime.timedelta(days=rng.randrange(YEARS * 365))
    kind, facility = AdmissionKind.ADMISSION, home
    while True:
        served = sentence(rng, admitted, today)
        facility = _serve(rng, frame, stays, facility, kind, admitted, served, today)
        if served.released is None or served.reason == ReleaseReason.DEATH or rng.random() >= READMISSION_SHARE:
            return stays
        admitted = served.released + datetime.timedelta(days=rng.randint(60, 1500))
        if admitted >= today or len(stays) >= 6:
            return stays
        kind = AdmissionKind.READMISSION


def _serve(
    rng: random.Random,
    frame: Frame,
    stays: list[Stay],
    facility: int,
    kind: str,
    admitted: datetime.date,
    served: Sentence,
    today: datetime.date,
) -> int:
    """One sentence: one episode, or two when a transfer splits it. Returns the facility where it ended."""
    end = served.released or today
    if (end - admitted).days > 60 and rng.random() < TRANSFER_SHARE:
        moved = admitted + datetime.timedelta(days=int((end - admitted).days * rng.uniform(0.15, 0.7)))
        stays.append(
            Stay(facility, kind, admitted, served.expected, moved, ReleaseReason.TRANSFER_OUT, served.category)
        )
        facility = _another(rng, frame, facility)
        kind, admitted = AdmissionKind.TRANSFER_IN, moved
    stays.append(Stay(facility, kind, admitted, served.expected, served.released, served.reason, served.category))
    return facility


def _another(rng: random.Random, frame: Frame, facility: int) -> int:
    other = frame.facility_picker(rng)
    if other != facility:
        return other
    return frame.facilities[(frame.facilities.index(facility) + 1) % len(frame.facilities)]


def custody_status(rng: random.Random, stays: list[Stay], today: datetime.date) -> list[tuple[str, datetime.date, str]]:
    """The status history the services would have written: (status, effective on, reason); the last is current."""
    history = []
    for stay in stays:
        if stay.kind != AdmissionKind.TRANSFER_IN:
            history.append((PersonStatus.IN_CUSTODY, stay.admitted, stay.kind))
        if stay.released and stay.reason != ReleaseReason.TRANSFER_OUT:
            status = PersonStatus.CLOSED if stay.reason == ReleaseReason.DEATH else PersonStatus.RELEASED
            history.append((status, stay.released, stay.reason))
    last_status, last_on, _reason = history[-1]
    if last_status == PersonStatus.RELEASED:
        draw = rng.random()
        if draw < 0.25:
            started = last_on + datetime.timedelta(days=rng.randint(1, 30))
            if started <= today:
                history.append((PersonStatus.IN_AFTERCARE, started, "aftercare"))
                closed = started + datetime.timedelta(days=rng.randint(90, 700))
                if rng.random() < 0.3 and closed <= today:
                    history.append((PersonStatus.CLOSED, closed, ""))
        elif draw < 0.3:
            history.append((PersonStatus.CLOSED, last_on + datetime.timedelta(days=rng.randint(30, 365)), ""))
    return [entry for entry in history if entry[1] <= today]


# Writing ----------------------------------------------------------------------------------------------------

PERSON = Table(
    Person,
    [
        "id",
        "public_code",
        "administration_id",
        "given_name",
        "father_name",
        "family_name",
        "latin_given_name",
        "latin_family_name",
        "sex",
        "birth_date",
        "nationality",
        "national_id_encrypted",
        "national_id_hash",
        "education_level",
        "literacy",
        "languages",
        "status",
        "facility_id",
        "source_reference",
        "search_name",
        "created_at",
        "updated_at",
    ],
)
EPISODE = Table(
    CustodyEpisode,
    [
        "person_id",
        "facility_id",
        "admission_kind",
        "admitted_on",
        "expected_release_on",
        "released_on",
        "release_reason",
        "case_category",
        "source_reference",
    ],
)
STATUS_CHANGE = Table(StatusChange, ["person_id", "status", "effective_on", "reason", "recorded_by_id"])
SKILL = Table(PersonSkill, ["person_id", "occupation"])


class Population:
    """Generates the people chunk by chunk and writes each chunk's people, episodes, statuses and skills."""

    def __init__(self, rng: random.Random, sink: Sink, frame: Frame, today: datetime.date, taken: set[str]):
        self.rng, self.sink, self.frame, self.today, self.taken = rng, sink, frame, today, taken
        self.names = NameBook()
        self.residents: list[Resident] = []
        self.encrypt_seconds = 0.0

    def generate(self, count: int) -> list[Resident]:
        first_id = self.sink.reserve_ids(Person, count)
        ids = national_ids(self.rng, count)
        for start in range(0, count, CHUNK):
            size = min(CHUNK, count - start)
            people = [self._person(first_id + start + offset, start + offset, ids) for offset in range(size)]
            self.sink.write(PERSON, (person[0] for person in people))
            self.sink.write(EPISODE, (row for person in people for row in person[1]))
            self.sink.write(STATUS_CHANGE, (row for person in people for row in person[2]))
            self.sink.write(SKILL, (row for person in people for row in person[3]))
        return self.residents

    def _person(self, pk: int, number: int, ids: Iterator[str]) -> tuple[tuple, list, list, list]:
        rng, today = self.rng, self.today
        arabic = rng.random() < ARABIC_SHARE
        female = rng.random() < 0.06
        given = (self.names.women if female else self.names.men)[arabic](rng)
        father = self.names.men[arabic](rng)
        family = self.names.families[arabic](rng)
        parts = [NameBook.spelled(rng, given), NameBook.spelled(rng, father), NameBook.spelled(rng, family)]
        latin = [given[1], family[1]] if rng.random() < 0.7 else ["", ""]
        stays = simulate_custody(rng, self.frame, self.frame.facility_picker(rng), today)
        history = custody_status(rng, stays, today)
        first, last = stays[0], stays[-1]
        born = first.admitted - datetime.timedelta(days=int(rng.triangular(18, 65, 27) * 365.25))
        nationality = self._nationality(arabic)
        national_id = next(ids) if rng.random() < (0.97 if nationality == "IR" else 0.3) else ""
        encrypted, digest = self._protect(national_id)
        education = EDUCATION(rng)
        status = history[-1][0]
        staff = self.frame.staff_by_facility
        created = datetime.datetime.combine(first.admitted, datetime.time(9), tzinfo=datetime.UTC)
        updated = datetime.datetime.combine(history[-1][1], datetime.time(15), tzinfo=datetime.UTC)
        person = (
            pk,
            public_code(rng, "P", self.taken),
            self.frame.administration.pk,
            *parts,
            *latin,
            "female" if female else "male",
            born,
            nationality,
            encrypted,
            digest,
            education,
            _literacy(rng, education),
            ["ar", "fa"] if arabic else ["fa"],
            status,
            last.facility_id,
            f"IPO-{number + 1:07d}",
            search_name([*parts, *latin]),
            created,
            max(created, updated),
        )
        episodes = [
            (pk, s.facility_id, s.kind, s.admitted, s.expected, s.released, s.reason, s.category, "") for s in stays
        ]
        statuses = [(pk, state, on, reason, staff[last.facility_id]) for state, on, reason in history]
        skills = [(pk, code) for code in rng.sample(SKILL_CODES, rng.randint(1, 2))] if rng.random() < 0.35 else []
        latest = next(s for s in reversed(stays) if s.kind != AdmissionKind.TRANSFER_IN)
        self.residents.append(
            Resident(
                pk=pk,
                facility_id=last.facility_id,
                status=status,
                latest_admission=latest.admitted,
                expected_release=last.expected if last.released is None else None,
                last_release=last.released,
                sex="female" if female else "male",
                arabic=arabic,
            )
        )
        return person, episodes, statuses, skills

    def _nationality(self, arabic: bool) -> str:
        draw = self.rng.random()
        if arabic:
            return "IQ" if draw < 0.2 else "IR"
        return "AF" if draw < 0.07 else "IR"

    def _protect(self, national_id: str) -> tuple[str, str]:
        """Encrypted and keyed-hashed as the services store it; every ID is really encrypted (Fernet)."""
        if not national_id:
            return "", ""
        started = time.perf_counter()
        encrypted = crypto.encrypt(national_id)
        self.encrypt_seconds += time.perf_counter() - started
        return encrypted, crypto.lookup_hash(national_id)


def _literacy(rng: random.Random, education: str) -> str:
    if education == EducationLevel.NONE:
        return Literacy.ILLITERATE if rng.random() < 0.7 else Literacy.BASIC
    if education == EducationLevel.UNKNOWN:
        return Literacy.UNKNOWN
    return Literacy.LITERATE if education != EducationLevel.PRIMARY or rng.random() < 0.6 else Literacy.BASIC
