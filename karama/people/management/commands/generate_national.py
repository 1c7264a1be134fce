"""Fill the database with a national-scale synthetic administration for the benchmarks (see bench/generate.py)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Generate the synthetic 'bench-national' administration: people, ten years of custody, households, "
        "consents, assessments, plans and the access log. Does nothing if it already holds that many people."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=250_000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--force", action="store_true", help="delete the bench administration and generate again")

    def handle(self, *args, people: int, seed: int, force: bool, **options):
        from bench.generate import generate

        report = generate(people=people, seed=seed, force=force)
        if report.skipped:
            self.stdout.write(f"The bench administration already has {people:,} people; nothing to do (--force).")
            return
        for label, count in sorted(report.rows.items()):
            self.stdout.write(f"  {label:<32} {count:>10,}")
        self.stdout.write(
            f"{report.total_rows:,} rows in {report.seconds:.1f} s: {report.rows_per_second:,.0f} rows/s "
            f"(of which encrypting national IDs {report.encrypt_seconds:.1f} s); "
            f"then VACUUM ANALYZE {report.settle_seconds:.1f} s"
        )
