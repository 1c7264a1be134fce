"""Measure matching at scale on the data in the database (e.g. after `make bench` or `generate_national`):
one person's openings among N openings, one opening's candidates, and everyone due for release at once.

The openings are synthetic, written in one transaction that is rolled back at the end: nothing is left.
This measures; it asserts nothing (timings do not belong in tests). Run it on PostgreSQL.
"""

import datetime
import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from karama.core.models import Organization, Region
from karama.people.catalogues import OCCUPATION_CHOICES
from karama.people.models import CaseCategory, CustodyEpisode, PersonStatus
from karama.work import matching
from karama.work.models import Opening, OpeningExclusion, OpeningSkill


class Rollback(Exception):
    """Raised to leave the measuring transaction without keeping anything."""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Command(BaseCommand):
    help = "Time matching with N synthetic openings (rolled back afterwards): one person, one opening, all due."

    def add_arguments(self, parser):
        parser.add_argument("--administration", default="", help="code; by default the one with most people")
        parser.add_argument("--openings", type=int, default=10_000)
        parser.add_argument("--days", type=int, default=90, help="everyone due for release within these days")
        parser.add_argument("--sample", type=int, default=200, help="people timed one by one")
        parser.add_argument("--seed", type=int, default=5)

    def handle(self, *args, **options):
        administration = self._administration(options["administration"])
        rng = random.Random(options["seed"])
        try:
            with transaction.atomic():
                self._openings(administration, options["openings"], rng)
                self._measure(administration, options, rng)
                raise Rollback
        except Rollback:
            self.stdout.write("The synthetic openings were rolled back.")

    def _administration(self, code: str) -> Organization:
        administrations = Organization.objects.filter(kind=Organization.Kind.PRISON_ADMINISTRATION)
        if code:
            found = administrations.filter(code=code).first()
        else:
            found = administrations.annotate(n=Count("people")).order_by("-n").first()
        if found is None:
            raise CommandError("No such administration.")
        return found

    def _openings(self, administration: Organization, count: int, rng: random.Random) -> None:
        started = time.perf_counter()
        employer = Organization.objects.create(
            code=f"measure-employer-{rng.randrange(10**9)}",
            kind=Organization.Kind.COMPANY,
            country=administration.country,
            administration=administration,
            names={"en": "Synthetic employer"},
        )
        regions = list(Region.objects.filter(country=administration.country)) or [None]
        trades = [code for code, _label in OCCUPATION_CHOICES]
        today = timezone.localdate()
        openings = Opening.objects.bulk_create(
            Opening(
                administration=administration,
                employer=employer,
                title=rng.choice(["عامل لحام", "خياط", "سائق", "نجار", "عامل بناء", "کارگر", "خیاط", "Soudeur"]),
                occupation=(trade := rng.choice(trades)),
                occupation_major=trade[0],
                region=rng.choice(regions),
                seats=rng.randint(1, 6),
                currency="USD",
                only_for_leavers=rng.random() < 0.3,
                valid_until=today + datetime.timedelta(days=rng.randint(20, 365)),
            )
            for _index in range(count)
        )
        OpeningSkill.objects.bulk_create(
            OpeningSkill(opening=opening, occupation=rng.choice(trades)) for opening in openings if rng.random() < 0.4
        )
        OpeningExclusion.objects.bulk_create(
            OpeningExclusion(opening=opening, category=rng.choice([CaseCategory.VIOLENCE, CaseCategory.DRUGS]))
            for opening in openings
            if rng.random() < 0.15
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("work_opening", "work_openingskill", "work_openingexclusion"):
                    cursor.execute(f"ANALYZE {table}")
        self.stdout.write(f"{count:,} synthetic openings written in {time.perf_counter() - started:.1f} s.")

    def _measure(self, administration: Organization, options: dict, rng: random.Random) -> None:
        today = timezone.localdate()
        due = list(
            CustodyEpisode.objects.filter(
                person__administration=administration,
                person__status=PersonStatus.IN_CUSTODY,
                released_on__isnull=True,
                expected_release_on__gte=today,
                expected_release_on__lte=today + datetime.timedelta(days=options["days"]),
            ).values_list("person_id", flat=True)
        )
        if not due:
            raise CommandError("Nobody is due for release in this administration.")
        self.stdout.write(f"{len(due):,} people due for release within {options['days']} days.")
        sample = rng.sample(due, min(options["sample"], len(due)))
        one = []
        for pk in sample:
            started = time.perf_counter()
            profile = matching.load_profiles([pk])[pk]
            matching.openings_for(profile, today, 20)
            one.append((time.perf_counter() - started) * 1000)
        self._line("one person's openings (ms)", one)
        openings = list(
            Opening.objects.filter(administration=administration, employer__names__en="Synthetic employer")
            .select_related("region")
            .prefetch_related("skills", "exclusions")
            .order_by("?")[:20]
        )
        candidates = []
        for opening in openings:
            started = time.perf_counter()
            matching.candidates_for(opening, today, 50)
            candidates.append((time.perf_counter() - started) * 1000)
        self._line("one opening's candidates (ms)", candidates)
        started = time.perf_counter()
        ranked = matching.rank_everyone(due, today, 5)
        seconds = time.perf_counter() - started
        matched = sum(1 for rows in ranked.values() if rows)
        self.stdout.write(
            f"everyone due ({len(due):,} people, {matched:,} with at least one opening): {seconds:.1f} s, "
            f"{len(due) / seconds:,.0f} people/s"
        )

    def _line(self, label: str, values: list[float]) -> None:
        self.stdout.write(
            f"{label:<32} n={len(values):<5} p50={statistics.median(values):7.1f}  "
            f"p95={percentile(values, 0.95):7.1f}  max={max(values):7.1f}"
        )
