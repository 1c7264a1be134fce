"""Background tasks of the people import: the dry run and the commit of an ImportBatch, with their progress."""

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections
from django.utils import translation
from django_tasks import task

from karama.core.models import User
from karama.people import imports
from karama.people.models import ImportBatch

logger = logging.getLogger(__name__)


class _Progress:
    """Writes the rows done so far where the polling page sees them, although the run's own transaction is
    still open: on PostgreSQL with a small UPDATE through a second connection. SQLite has a single writer, so
    there the page sees the counts only at the end."""

    def __init__(self, batch_id: int):
        self.batch_id = batch_id
        self.side = connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None

    def __enter__(self) -> "_Progress":
        return self

    def __exit__(self, *exc_info) -> None:
        if self.side is not None:
            self.side.close()

    def __call__(self, processed: int, total: int) -> None:
        if self.side is None:
            return
        table = self.side.ops.quote_name(ImportBatch._meta.db_table)
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET processed_rows = %s, total_rows = %s WHERE id = %s",  # noqa: S608 - a table name
                [processed, total, self.batch_id],
            )


def _language_of(user: User) -> translation.override:
    # Reasons are stored in the uploader's language too, for readers of the raw record.
    return translation.override(user.language or settings.LANGUAGE_CODE)


def _fail(batch: ImportBatch, error: Exception) -> None:
    logger.exception("Import %s failed", batch.pk)
    code = "changed_meanwhile" if isinstance(error, IntegrityError) else "failed"
    outcome = imports.Outcome()
    outcome.add_error(0, "", code, {"error": type(error).__name__})
    imports.finish(batch, outcome, status=ImportBatch.Status.FAILED)


def _discard_file(batch: ImportBatch) -> None:
    """The file holds national IDs in clear: it is kept only while it waits to be committed."""
    if batch.file:
        batch.file.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(file="")


def _claim(batch_id: int, expected: str, status: str) -> bool:
    """Move the batch on only from the expected status: a task delivered twice runs once."""
    return bool(ImportBatch.objects.filter(pk=batch_id, status=expected).update(status=status, processed_rows=0))


@task()
def validate_import(batch_id: int) -> str:
    """The dry run: counts, preview and every reason a line cannot be imported; nothing is kept."""
    if not _claim(batch_id, ImportBatch.Status.UPLOADED, ImportBatch.Status.VALIDATING):
        return "skipped"
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    with _language_of(batch.uploaded_by), _Progress(batch_id) as progress:
        try:
            outcome = imports.dry_run(batch, progress=progress)
        except Exception as error:
            _fail(batch, error)
            _discard_file(batch)
            return batch.status
        status = ImportBatch.Status.INVALID if outcome.error_count else ImportBatch.Status.VALIDATED
        imports.finish(batch, outcome, status=status)
    if status == ImportBatch.Status.INVALID:
        _discard_file(batch)
    return status


@task()
def commit_import(batch_id: int, user_id: int) -> str:
    """The commit, all lines or none; the service has already moved the batch to "importing"."""
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    if batch.status != ImportBatch.Status.IMPORTING:
        return "skipped"
    by = User.objects.get(pk=user_id)
    with _language_of(by), _Progress(batch_id) as progress:
        try:
            imports.commit(batch, by=by, progress=progress)
        except imports.AlreadyHandled:
            return "skipped"
        except imports.ImportRejected as rejected:
            # The registry changed since the dry run and some lines no longer fit: nothing was written.
            imports.finish(batch, rejected.outcome, status=ImportBatch.Status.INVALID)
        except Exception as error:
            _fail(batch, error)
    _discard_file(batch)
    return batch.status
