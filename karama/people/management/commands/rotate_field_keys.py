"""Re-encrypt every stored national ID and contact telephone under the newest KARAMA_FIELD_KEY."""

from django.core.management.base import BaseCommand
from django.db import transaction

from karama.core.crypto import decrypt, lookup_hash, rotate
from karama.people.models import Household, Person


class Command(BaseCommand):
    help = (
        "After putting a new key first in KARAMA_FIELD_KEY, re-encrypt stored identifiers under it. "
        "With --rehash, also recompute the look-up hashes (needed once the oldest key is retired)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rehash", action="store_true", help="recompute national-ID look-up hashes")
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, rehash: bool, batch: int, **options):
        people = households = 0
        queryset = Person.objects.exclude(national_id_encrypted="").only("pk", "national_id_encrypted")
        for chunk in _chunks(queryset, batch):
            with transaction.atomic():
                for person in chunk:
                    person.national_id_encrypted = rotate(person.national_id_encrypted)
                    if rehash:
                        person.national_id_hash = lookup_hash(decrypt(person.national_id_encrypted))
                fields = ["national_id_encrypted", "national_id_hash"] if rehash else ["national_id_encrypted"]
                Person.objects.bulk_update(chunk, fields)
            people += len(chunk)
        contacts = Household.objects.exclude(contact_phone_encrypted="").only("pk", "contact_phone_encrypted")
        for chunk in _chunks(contacts, batch):
            with transaction.atomic():
                for household in chunk:
                    household.contact_phone_encrypted = rotate(household.contact_phone_encrypted)
                Household.objects.bulk_update(chunk, ["contact_phone_encrypted"])
            households += len(chunk)
        self.stdout.write(f"Re-encrypted {people} national IDs and {households} contact telephones.")


def _chunks(queryset, size: int):
    last_pk = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last_pk).order_by("pk")[:size])
        if not chunk:
            return
        yield chunk
        last_pk = chunk[-1].pk
