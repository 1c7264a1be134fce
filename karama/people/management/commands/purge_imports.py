"""Remove the files of import batches that were checked but never committed, and fail stuck batches.

An uploaded file holds national IDs in clear; it should not outlive its purpose. Run daily (cron or a
systemd timer) on one worker machine.
"""

import datetime

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from karama.people.models import ImportBatch

WAITING = [ImportBatch.Status.UPLOADED, ImportBatch.Status.VALIDATED, ImportBatch.Status.INVALID]
RUNNING = [ImportBatch.Status.VALIDATING, ImportBatch.Status.IMPORTING]


class Command(BaseCommand):
    help = "Delete files of import batches idle for --hours (default 24) and mark batches stuck running as failed."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options):
        cutoff = timezone.now() - datetime.timedelta(hours=hours)
        purged = failed = 0
        for batch in ImportBatch.objects.filter(created_at__lt=cutoff).filter(
            Q(status__in=WAITING) | Q(status__in=RUNNING)
        ):
            if batch.file:
                batch.file.delete(save=False)
            if batch.status in RUNNING:
                batch.status = ImportBatch.Status.FAILED
                batch.errors = [*batch.errors, {"line": 0, "column": "", "code": "abandoned", "params": {}}]
                failed += 1
            elif batch.status == ImportBatch.Status.VALIDATED:
                # Checked but never committed: it can no longer be committed without its file.
                batch.status = ImportBatch.Status.FAILED
            batch.finished_at = batch.finished_at or timezone.now()
            batch.save(update_fields=["file", "status", "errors", "finished_at"])
            purged += 1
        self.stdout.write(f"Purged {purged} idle import batches ({failed} were stuck running).")
