"""The national-scale synthetic administration the benchmarks run against (`manage.py generate_national`).

A prison administration of its own ("bench-national", Iran) so it never mixes with the demo: ~40 facilities,
300 partners under 150 agreements, users, and the people — Persian and Arabic names in the spellings real
records carry, ten years of custody, households, consents, assessments and plans, notes and the access log
that such use leaves. Deterministic for a seed and a day (dates count back from today). Rows go in with COPY
on PostgreSQL and bulk_create on SQLite, every derived column computed here as the models would.
"""

import datetime
import random
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from bench import records
from bench.frame import ADMINISTRATION_CODE, build_frame
from bench.population import Population
from bench.sink import delete_rows, sink_for_connection
from karama.core.models import Organization, Region
from karama.people.models import AccessLog, Household, Person


@dataclass(frozen=True)
class Scale:
    """How much of everything, for a number of people; the ratios are those of 250,000 people."""

    people: int

    @property
    def facilities(self) -> int:
        return max(3, min(40, self.people // 1000))

    @property
    def partners(self) -> int:
        return max(5, min(300, self.people // 800))

    @property
    def agreements(self) -> int:
        return max(3, min(150, self.people // 1600))

    @property
    def households(self) -> int:
        return self.people * 2 // 5

    @property
    def consents(self) -> int:
        return self.people * 4 // 5

    @property
    def assessments(self) -> int:
        return self.people // 5

    @property
    def notes(self) -> int:
        return self.people // 5

    @property
    def access_log(self) -> int:
        return self.people * 2


@dataclass
class Report:
    people: int
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    skipped: bool = False
    encrypt_seconds: float = 0.0
    settle_seconds: float = 0.0  # VACUUM ANALYZE after the load, not counted in rows per second

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


def bench_administration() -> Organization | None:
    return Organization.objects.filter(code=ADMINISTRATION_CODE).first()


def existing_people() -> int:
    administration = bench_administration()
    return Person.objects.filter(administration=administration).count() if administration else 0


def generate(*, people: int, seed: int = 7, force: bool = False, today: datetime.date | None = None) -> Report:
    """Fill the database with the bench administration of `people` people, unless it is already there."""
    if not force and existing_people() == people:
        return Report(people=people, skipped=True)
    started = time.perf_counter()
    with transaction.atomic():
        delete_bench_administration()
        report = _fill(people, seed, today or timezone.localdate())
    report.seconds = time.perf_counter() - started
    _analyze()
    report.settle_seconds = time.perf_counter() - started - report.seconds
    return report


def _fill(people: int, seed: int, today: datetime.date) -> Report:
    scale, rng, sink = Scale(people), random.Random(seed), sink_for_connection()
    frame = build_frame(
        rng, facilities=scale.facilities, partners=scale.partners, agreements=scale.agreements, today=today
    )
    taken = set(Person.objects.values_list("public_code", flat=True)) | set(
        Household.objects.values_list("public_code", flat=True)
    )
    population = Population(rng, sink, frame, today, taken)
    residents = population.generate(people)
    records.write_households(rng, sink, frame, residents, scale.households, taken, today)
    partner_people = records.write_consents(rng, sink, frame, residents, scale.consents, today)
    records.write_assessments_and_plans(rng, sink, frame, residents, scale.assessments, today)
    records.write_notes(rng, sink, frame, residents, scale.notes, today)
    records.write_access_log(rng, sink, frame, residents, partner_people, scale.access_log, timezone.now())
    return Report(people=people, rows=dict(sink.counts), encrypt_seconds=population.encrypt_seconds)


def delete_bench_administration() -> int:
    """Everything of the bench administration, in plain SQL (see sink.delete_rows). Returns the people deleted."""
    administration = bench_administration()
    if administration is None:
        return 0
    pk = [administration.pk]
    deleted = delete_rows(Person, "administration_id = %s", pk)
    # Access-log entries without a person (imports) and the administration's own registry, then itself.
    delete_rows(AccessLog, "administration_id = %s", pk)
    delete_rows(Organization, "id = %s", pk)
    delete_rows(Region, "code LIKE %s", [f"{ADMINISTRATION_CODE}-%"])
    return deleted


def _analyze() -> None:
    """A settled database, as autovacuum leaves one: the trigram index's pending list merged, the visibility map
    set, fresh planner statistics. Benchmarks should not measure the aftermath of a bulk load."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # inside a test's transaction VACUUM cannot run
            cursor.execute("ANALYZE")
        else:
            cursor.execute("VACUUM (ANALYZE)")
