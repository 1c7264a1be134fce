"""Recompute the portal's order of open cases: time held and age change by the day, so run it daily."""

from django.core.management.base import BaseCommand

from karama.core.models import Organization
from karama.giving.services import refresh_priorities


class Command(BaseCommand):
    help = "Recompute the priority of every published case under its administration's published rules."

    def handle(self, *args, **options):
        changed = 0
        for administration_id in (
            Organization.objects.filter(giving_cases__status="published").values_list("pk", flat=True).distinct()
        ):
            changed += refresh_priorities(administration_id=administration_id)
        self.stdout.write(f"{changed} cases changed places.")
