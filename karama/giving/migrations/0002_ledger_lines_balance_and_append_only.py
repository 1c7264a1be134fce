"""On PostgreSQL, the database itself refuses a ledger entry whose lines do not balance (checked at commit)
and any change or deletion of a line (corrections are new entries). SQLite relies on the service's checks."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION giving_entry_balanced() RETURNS trigger AS $$
DECLARE
    checked bigint := COALESCE(NEW.entry_id, OLD.entry_id);
    difference numeric;
BEGIN
    SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO difference
      FROM giving_line WHERE entry_id = checked;
    IF difference <> 0 THEN
        RAISE EXCEPTION 'ledger entry % does not balance (debits - credits = %)', checked, difference;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER giving_line_balanced AFTER INSERT ON giving_line
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION giving_entry_balanced();

CREATE FUNCTION giving_line_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger lines are never changed or deleted: post a correcting entry';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER giving_line_append_only BEFORE UPDATE OR DELETE ON giving_line
    FOR EACH ROW EXECUTE FUNCTION giving_line_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS giving_line_append_only ON giving_line;
DROP FUNCTION IF EXISTS giving_line_append_only();
DROP TRIGGER IF EXISTS giving_line_balanced ON giving_line;
DROP FUNCTION IF EXISTS giving_entry_balanced();
"""


def _run(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # Without parameters, so the % of RAISE's format strings reach PostgreSQL as written.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def forward(apps, schema_editor):
    _run(schema_editor, FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("giving", "0001_cases_campaigns_ledger_gifts")]

    operations = [migrations.RunPython(forward, backward)]
