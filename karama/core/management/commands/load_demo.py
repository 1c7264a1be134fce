"""Load the demonstration data of the seed articles, app by app, then print the demo logins."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from karama.core.demo import write_logins

# Each app's demo module has load(stdout); an app comes after the apps its data points at.
# Later apps (people, training, work, ventures...) add their module here.
LOADERS = [
    "karama.core.demo",
    "karama.agreements.demo",
    "karama.people.demo",
    "karama.training.demo",
    "karama.work.demo",
    "karama.support.demo",
    "karama.giving.demo",
    "karama.ventures.demo",
]


class Command(BaseCommand):
    help = "Load the demonstration data (safe to run again: what exists is left as it is) and print the logins."

    def handle(self, *args, **options):
        # All or nothing: a failure halfway leaves the database as it was.
        with transaction.atomic():
            for path in LOADERS:
                import_module(path).load(self.stdout)
        write_logins(self.stdout)
