"""The import scenario: a CSV of people and custody episodes in the import's documented columns, checked (dry
run) and committed through import_services and the tasks, synchronously, into an administration of its own
("bench-import", so the generated data stays as it is), measured (rows/s, memory), then deleted.

Run on its own as `python -m bench import --rows 250000`; it prints its figures as one line of JSON.
"""

import csv
import datetime
import os
import random
import resource
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

from bench.frame import Picker, zipf_weights
from bench.names import CITIES
from bench.population import NameBook, national_ids, simulate_custody

IMPORT_CODE = "bench-import"
FACILITIES = 10


@dataclass
class ImportFigures:
    rows: int
    status: str = ""
    errors: int = 0
    created_people: int = 0
    created_episodes: int = 0
    upload_and_dry_run_seconds: float = 0.0
    commit_seconds: float = 0.0
    rss_before_mb: float = 0.0
    rss_peak_mb: float = 0.0
    # Resident memory at each tenth of the commit's duration: flat means it stops growing.
    rss_during_commit_mb: list[float] = field(default_factory=list)
    first_errors: list = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        """End to end: the dry run and the commit, each of which reads and checks every line."""
        seconds = self.upload_and_dry_run_seconds + self.commit_seconds
        return self.rows / seconds if seconds else 0.0

    @property
    def commit_rows_per_second(self) -> float:
        return self.rows / self.commit_seconds if self.commit_seconds else 0.0

    @property
    def dry_run_rows_per_second(self) -> float:
        return self.rows / self.upload_and_dry_run_seconds if self.upload_and_dry_run_seconds else 0.0


# The file ----------------------------------------------------------------------------------------------------


def write_csv(path: Path, *, rows: int, seed: int, facility_codes: list[str], today) -> int:
    """One line per custody episode, the person's columns repeated on each; `rows` lines after the header."""
    from karama.people.imports import COLUMN_NAMES

    rng = random.Random(seed)
    names = NameBook()
    frame = types.SimpleNamespace(
        facilities=facility_codes, facility_picker=Picker(facility_codes, zipf_weights(len(facility_codes), 0.7))
    )
    identifiers = national_ids(rng, rows)
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMN_NAMES)
        number = 0
        while written < rows:
            number += 1
            stays = simulate_custody(rng, frame, frame.facility_picker(rng), today)
            person = _person(rng, names, number, next(identifiers), stays[0].admitted)
            for position, stay in enumerate(stays[: rows - written], start=1):
                episode = _episode(stay, f"{person['source_reference']}-{position}")
                writer.writerow([(person | episode).get(column, "") for column in COLUMN_NAMES])
                written += 1
    return written


def _person(rng: random.Random, names: NameBook, number: int, national_id: str, first_admission) -> dict:
    arabic = rng.random() < 0.15
    female = rng.random() < 0.06
    given = (names.women if female else names.men)[arabic](rng)
    family = names.families[arabic](rng)
    born = first_admission - datetime.timedelta(days=int(rng.triangular(18, 65, 27) * 365.25))
    return {
        "source_reference": f"IMP-{number:07d}",
        "national_id": national_id if rng.random() < 0.95 else "",
        "given_name": NameBook.spelled(rng, given),
        "father_name": NameBook.spelled(rng, names.men[arabic](rng)),
        "family_name": NameBook.spelled(rng, family),
        "latin_given_name": given[1],
        "latin_family_name": family[1],
        "sex": "female" if female else "male",
        "birth_date": born.isoformat(),
        "nationality": "IQ" if arabic and rng.random() < 0.2 else "IR",
        "education_level": rng.choice(["none", "primary", "lower_secondary", "upper_secondary", "unknown"]),
        "literacy": rng.choice(["literate", "basic", "unknown"]),
    }


def _episode(stay, reference: str) -> dict:
    return {
        "facility": stay.facility_id,  # a facility code here: the file names facilities by code
        "admitted_on": stay.admitted.isoformat(),
        "expected_release_on": stay.expected.isoformat() if stay.expected else "",
        "released_on": stay.released.isoformat() if stay.released else "",
        "release_reason": stay.reason,
        "case_category": stay.category,
        "episode_reference": reference,
    }


# The administration it goes into --------------------------------------------------------------------------------


def prepare():
    """The import's own administration, facilities and national administrator; returns (user, facility codes)."""
    from bench.frame import _named
    from karama.core.models import Facility, Organization, Role, User

    delete_import_administration()
    administration = _named(
        Organization(
            code=IMPORT_CODE,
            kind=Organization.Kind.PRISON_ADMINISTRATION,
            country="IR",
            names={"fa": "سازمان زندان‌ها (آزمایش ورود داده)", "en": "Prisons organization (import benchmark)"},
            original_language="fa",
        )
    )
    Organization.objects.bulk_create([administration])
    administration = Organization.objects.get(code=IMPORT_CODE)
    facilities = [
        _named(
            Facility(
                code=f"{IMPORT_CODE}-f{number:02}",
                kind=Facility.Kind.PRISON,
                administration=administration,
                country="IR",
                names={"fa": f"زندان {city}", "en": f"{latin} prison"},
                original_language="fa",
            )
        )
        for number, (city, latin) in enumerate(CITIES[:FACILITIES], start=1)
    ]
    Facility.objects.bulk_create(facilities)
    user = User(username=f"{IMPORT_CODE}-admin", role=Role.NATIONAL_ADMIN, administration=administration)
    user.set_unusable_password()
    user.save()
    return user, [facility.code for facility in facilities]


def delete_import_administration() -> None:
    from bench.sink import delete_rows
    from karama.core.models import Organization
    from karama.people.models import AccessLog

    administration = Organization.objects.filter(code=IMPORT_CODE).first()
    if administration is not None:
        delete_rows(AccessLog, "administration_id = %s", [administration.pk])
        delete_rows(Organization, "id = %s", [administration.pk])


# The run ------------------------------------------------------------------------------------------------------


class MemorySampler:
    """Resident memory of this process every few hundredths of a second, from /proc (Linux)."""

    def __init__(self, every: float = 0.05):
        self.every, self.samples, self._stop = every, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), rss_mb()))
            self._stop.wait(self.every)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def tenths(self, start: float, end: float) -> list[float]:
        """The largest sample in each tenth of [start, end]."""
        width = (end - start) / 10 or 1
        buckets = [0.0] * 10
        for moment, value in self.samples:
            if start <= moment <= end:
                index = min(9, int((moment - start) / width))
                buckets[index] = max(buckets[index], value)
        for index in range(1, 10):  # a tenth without a sample keeps the one before
            buckets[index] = buckets[index] or buckets[index - 1]
        return [round(value, 1) for value in buckets]


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_import(path: Path, user, rows: int) -> ImportFigures:
    """Upload (dry run included: the tasks run at once) and commit, timed separately."""
    from django.core.files import File

    from karama.people import import_services

    figures = ImportFigures(rows=rows, rss_before_mb=round(rss_mb(), 1))
    with MemorySampler() as memory, path.open("rb") as handle:
        started = time.perf_counter()
        batch = import_services.start_import(by=user, uploaded_file=File(handle, name="national-import.csv"))
        checked = time.perf_counter()
        batch.refresh_from_db()
        if batch.status == batch.Status.VALIDATED:
            batch = import_services.commit_import(batch=batch, by=user)
        done = time.perf_counter()
    batch.refresh_from_db()
    figures.status, figures.errors = batch.status, batch.error_count
    figures.created_people, figures.created_episodes = batch.created_people, batch.created_episodes
    figures.first_errors = batch.errors[:5]
    figures.upload_and_dry_run_seconds = round(checked - started, 2)
    figures.commit_seconds = round(done - checked, 2)
    figures.rss_during_commit_mb = memory.tenths(checked, done)
    figures.rss_peak_mb = round(max([value for _moment, value in memory.samples] or [0.0]), 1)
    return figures


def measure(rows: int, seed: int, folder: Path) -> ImportFigures:
    from django.utils import timezone

    user, facility_codes = prepare()
    try:
        path = folder / f"import-{rows}.csv"
        write_csv(path, rows=rows, seed=seed, facility_codes=facility_codes, today=timezone.localdate())
        return run_import(path, user, rows)
    finally:
        delete_import_administration()
