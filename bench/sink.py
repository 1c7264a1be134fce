"""Writing generated rows fast: PostgreSQL COPY, or bulk_create in batches on SQLite; and deleting them again.

Rows are plain tuples in a table's column order. Columns the generator does not give are filled with the
field's constant default (auto_now stamps with the generation time), so a field added to a model later
either gets its default here or stops the generator with its name, never a silent NULL.
"""

import abc
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.utils import timezone

# Defaults that are factories of an empty value: the same value for every row is right.
_CONSTANT_FACTORIES = (list, dict)


@dataclass
class Table:
    """A model's columns as the generator gives them, plus the constant tail it doesn't."""

    model: type[models.Model]
    columns: list[str]
    tail_columns: list[str] = field(init=False)
    tail: tuple = field(init=False)
    json_positions: list[int] = field(init=False)

    def __post_init__(self) -> None:
        now = timezone.now()
        given = set(self.columns)
        tail_columns, tail = [], []
        for model_field in self.model._meta.concrete_fields:
            if model_field.attname in given or model_field.primary_key:
                continue
            tail_columns.append(model_field.attname)
            tail.append(_constant_default(model_field, now))
        self.tail_columns, self.tail = tail_columns, tuple(tail)
        everything = self.columns + tail_columns
        self.json_positions = [
            position
            for position, name in enumerate(everything)
            if isinstance(self.model._meta.get_field(_field_name(self.model, name)), models.JSONField)
        ]

    @property
    def all_columns(self) -> list[str]:
        return self.columns + self.tail_columns


def _field_name(model: type[models.Model], attname: str) -> str:
    for model_field in model._meta.concrete_fields:
        if model_field.attname == attname:
            return model_field.name
    raise LookupError(f"{model.__name__} has no column {attname}")


def _constant_default(model_field: models.Field, now):
    if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
        return now
    if model_field.has_default():
        if callable(model_field.default) and model_field.default not in _CONSTANT_FACTORIES:
            raise ValueError(f"{model_field.model.__name__}.{model_field.attname} needs a value per row")
        return model_field.get_default()
    if model_field.null:
        return None
    if model_field.blank and isinstance(model_field, (models.CharField, models.TextField, models.FileField)):
        return ""
    raise ValueError(f"{model_field.model.__name__}.{model_field.attname} has no default: the generator must give it")


class Sink(abc.ABC):
    """Where the generator's rows go; counts what it wrote per model. PostgresSink and BatchSink say how."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def write(self, table: Table, rows: Iterable[tuple]) -> int:
        written = self._write(table, rows)
        label = table.model._meta.label
        self.counts[label] = self.counts.get(label, 0) + written
        return written

    @abc.abstractmethod
    def reserve_ids(self, model: type[models.Model], how_many: int) -> int:
        """The first of `how_many` consecutive primary keys nobody else will be given."""

    @abc.abstractmethod
    def _write(self, table: Table, rows: Iterable[tuple]) -> int:
        """Write the rows into the table; how many were written."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class PostgresSink(Sink):
    """COPY … FROM STDIN through psycopg 3: no SQL to build per row, no parameters to quote."""

    def reserve_ids(self, model: type[models.Model], how_many: int) -> int:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            # The table lock keeps other inserts (which draw from the sequence) out until commit.
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
                [table, model._meta.pk.column, table, model._meta.pk.column, how_many],
            )
            last = cursor.fetchone()[0]
        return last - how_many + 1

    def _write(self, table: Table, rows: Iterable[tuple]) -> int:
        meta = table.model._meta
        columns = ", ".join(
            connection.ops.quote_name(meta.get_field(_field_name(table.model, c)).column) for c in table.all_columns
        )
        statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        tail, json_positions = table.tail, table.json_positions
        written = 0
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            write_row = copy.write_row
            for row in rows:
                values = row + tail
                if json_positions:
                    values = list(values)
                    for position in json_positions:
                        values[position] = json.dumps(values[position], ensure_ascii=False)
                write_row(values)
                written += 1
        return written


class BatchSink(Sink):
    """bulk_create in batches, for SQLite (tests, small scales); explicit keys are allowed as on PostgreSQL."""

    BATCH = 500

    def reserve_ids(self, model: type[models.Model], how_many: int) -> int:
        latest = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return latest + 1

    def _write(self, table: Table, rows: Iterable[tuple]) -> int:
        names = table.all_columns
        tail = table.tail
        batch: list[models.Model] = []
        written = 0
        for row in rows:
            batch.append(table.model(**dict(zip(names, row + tail, strict=True))))
            if len(batch) >= self.BATCH:
                written += self._flush(table.model, batch)
        return written + self._flush(table.model, batch)

    @staticmethod
    def _flush(model: type[models.Model], batch: list[models.Model]) -> int:
        model.objects.bulk_create(batch)
        count = len(batch)
        batch.clear()
        return count


def sink_for_connection() -> Sink:
    return PostgresSink() if connection.vendor == "postgresql" else BatchSink()


# Deleting ----------------------------------------------------------------------------------------------


def delete_rows(model: type[models.Model], where: str, params: list, *, depth: int = 0) -> int:
    """Delete the rows of `model` matching `where` (SQL on its table), and first whatever points at them,
    following every foreign key as the ORM's on_delete would (SET_NULL sets null), in plain SQL: the ORM's
    collector would load millions of objects into memory. Returns the number of rows of `model` deleted."""
    if depth > 12:
        raise RuntimeError("Foreign keys nest deeper than expected; is there a cycle in the data?")
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    selected = f"SELECT {pk} FROM {table} WHERE {where}"
    tables = set(connection.introspection.table_names())
    for relation in _reverse_relations(model):
        if relation.related_model._meta.db_table not in tables:
            continue  # an app not migrated here has no rows to delete
        child, column = relation.related_model, connection.ops.quote_name(relation.field.column)
        child_where = f"{column} IN ({selected})"
        if not _exists(child, child_where, params):
            continue
        if relation.on_delete in (models.SET_NULL, models.SET_DEFAULT) and relation.field.null:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {connection.ops.quote_name(child._meta.db_table)} SET {column} = NULL WHERE {child_where}",
                    params,
                )
        else:
            delete_rows(child, child_where, params, depth=depth + 1)
    guard = APPEND_ONLY.get(model._meta.db_table) if connection.vendor == "postgresql" else None
    with transaction.atomic(), connection.cursor() as cursor:
        if guard:
            # Transactional DDL: the trigger is off for this DELETE only. ALTER TABLE needs the table's deferred
            # checks of rows written earlier in the transaction done first; they are deferred again after.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {guard}")
        cursor.execute(f"DELETE FROM {table} WHERE {where}", params)
        deleted = cursor.rowcount
        if guard:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {guard}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return deleted


# Tables whose rows the application never changes or deletes, guarded by a trigger (the ledger's lines): the bench
# deletes its own synthetic rows anyway, with the guard off inside the deleting transaction.
APPEND_ONLY = {"giving_line": "giving_line_append_only"}


def _reverse_relations(model: type[models.Model]) -> list:
    """Every foreign key and one-to-one pointing at `model`, hidden ones ("+") and many-to-many tables included."""
    return [
        relation
        for relation in model._meta.get_fields(include_hidden=True)
        if relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)
    ]


def _exists(model: type[models.Model], where: str, params: list) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {where} LIMIT 1", params)
        return cursor.fetchone() is not None
