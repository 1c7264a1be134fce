"""API of the people import: upload a CSV or XLSX file, follow its dry run, then commit it."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from karama.core.models import Organization
from karama.people.import_services import commit_import, get_import_for, start_import
from karama.people.imports import reason_text
from karama.people.models import ImportBatch

router = Router(tags=["people imports"])


class ImportErrorOut(Schema):
    line: int
    column: str
    reason: str


class ImportPreviewOut(Schema):
    line: int
    action: str
    name: str
    national_id: str
    reference: str
    facility: str
    admitted_on: str
    released_on: str


class ImportOut(Schema):
    code: str
    status: str
    file_name: str
    administration: str
    facility: str | None
    total_rows: int
    processed_rows: int
    created_people: int
    updated_people: int
    created_episodes: int
    unchanged_rows: int
    error_count: int
    errors: list[ImportErrorOut]
    preview: list[ImportPreviewOut]
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


def _out(batch: ImportBatch) -> ImportOut:
    return ImportOut(
        code=batch.public_code,
        status=batch.status,
        file_name=batch.original_name,
        administration=batch.administration.code,
        facility=batch.facility.code if batch.facility else None,
        total_rows=batch.total_rows,
        processed_rows=batch.processed_rows,
        created_people=batch.created_people,
        updated_people=batch.updated_people,
        created_episodes=batch.created_episodes,
        unchanged_rows=batch.unchanged_rows,
        error_count=batch.error_count,
        # In the caller's language (Accept-Language), whoever uploaded the file.
        errors=[
            ImportErrorOut(line=error["line"], column=error["column"], reason=reason_text(error))
            for error in batch.errors
        ],
        preview=[ImportPreviewOut(**row) for row in batch.preview],
        created_at=batch.created_at,
        finished_at=batch.finished_at,
    )


@router.post("/", response={201: ImportOut})
def upload_import(request, file: UploadedFile = File(...), administration: str | None = Form(None)):  # noqa: B008
    """Upload a file; its dry run starts at once. Follow it with GET /{code}/ until the status is
    `validated` (then commit) or `invalid` (then read the errors)."""
    chosen = None
    if administration:
        chosen = Organization.objects.filter(code=administration, kind=Organization.Kind.PRISON_ADMINISTRATION).first()
        if chosen is None:
            raise ValidationError({"administration": _("Unknown administration.")})
    batch = start_import(by=request.auth, uploaded_file=file, administration=chosen)
    return Status(201, _out(batch))


@router.get("/{code}/", response=ImportOut)
def get_import(request, code: str):
    return _out(get_import_for(request.auth, code))


@router.post("/{code}/commit/", response={202: ImportOut})
def commit(request, code: str):
    """Write every line of a validated file, or none; follow it with GET /{code}/ until `done`."""
    batch = commit_import(batch=get_import_for(request.auth, code), by=request.auth)
    return Status(202, _out(batch))
