"""Re-encrypt donors' e-mail addresses under the newest KARAMA_FIELD_KEY (run with rotate_field_keys)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from karama.core.crypto import rotate
from karama.giving.models import Donation


class Command(BaseCommand):
    help = "After putting a new key first in KARAMA_FIELD_KEY, re-encrypt the donors' e-mail addresses under it."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, batch: int, **options):
        done, last_pk = 0, 0
        gifts = Donation.objects.exclude(donor_email_encrypted="").only("pk", "donor_email_encrypted")
        while chunk := list(gifts.filter(pk__gt=last_pk).order_by("pk")[:batch]):
            with transaction.atomic():
                for gift in chunk:
                    gift.donor_email_encrypted = rotate(gift.donor_email_encrypted)
                Donation.objects.bulk_update(chunk, ["donor_email_encrypted"])
            done += len(chunk)
            last_pk = chunk[-1].pk
        self.stdout.write(f"Re-encrypted {done} donors' e-mail addresses.")
