"""On PostgreSQL, pg_trgm and a trigram GIN index serve name search (LIKE '%token%' on the normalized
column); SQLite keeps the plain column and scans, which is fine at its scale."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "person_search_name_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON people_person USING gin (search_name gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index),
    ]
