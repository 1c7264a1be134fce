"""Starting and committing imports of people from a prison management system, and who may see them."""

import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from karama.core.access import scope_of
from karama.core.models import Facility, Organization, Role, User
from karama.people import tasks
from karama.people.models import ImportBatch

# Enough for a national registry of a few hundred thousand lines; not a setting, a sanity limit.
MAX_FILE_BYTES = 200 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")
_ZIP_SIGNATURE = b"PK\x03\x04"


def can_import(user: User) -> bool:
    """The operator, national administrators and facility staff import; partners, donors and others never."""
    scope = scope_of(user)
    return (
        scope.role == Role.OPERATOR
        or (scope.role == Role.NATIONAL_ADMIN and bool(scope.administration_id))
        or (scope.role == Role.FACILITY_STAFF and bool(scope.facility_id))
    )


def imports_visible_to(user: User) -> QuerySet[ImportBatch]:
    """Batches of the administration a national administrator runs; facility staff see their facility's only."""
    scope = scope_of(user)
    batches = ImportBatch.objects.select_related("administration", "facility", "uploaded_by")
    if scope.role == Role.OPERATOR:
        return batches
    if scope.role == Role.NATIONAL_ADMIN and scope.administration_id:
        return batches.filter(administration_id=scope.administration_id)
    if scope.role == Role.FACILITY_STAFF and scope.facility_id:
        return batches.filter(facility_id=scope.facility_id)
    return batches.none()


def get_import_for(user: User, code: str) -> ImportBatch:
    batch = imports_visible_to(user).filter(public_code=code).first()
    if batch is None:
        raise Http404
    return batch


def _target(
    by: User, administration: Organization | None, facility: Facility | None
) -> tuple[Organization, Facility | None]:
    """Where the rows may go: the chosen administration for the operator, one's own otherwise, and for
    facility staff only their facility."""
    scope = scope_of(by)
    if scope.role == Role.OPERATOR:
        administration = administration or (facility.administration if facility else None)
        if administration is None:
            raise ValidationError({"administration": _("Choose the administration the people belong to.")})
    elif scope.role == Role.NATIONAL_ADMIN and scope.administration_id:
        if administration is not None and administration.pk != scope.administration_id:
            raise PermissionDenied
        administration = by.administration
    elif scope.role == Role.FACILITY_STAFF and scope.facility_id:
        if (facility is not None and facility.pk != scope.facility_id) or (
            administration is not None and administration.pk != scope.administration_id
        ):
            raise PermissionDenied
        facility = by.facility
        administration = facility.administration
    else:
        raise PermissionDenied
    if administration.kind != Organization.Kind.PRISON_ADMINISTRATION:
        raise ValidationError({"administration": _("Choose a prison administration.")})
    if facility is not None and facility.administration_id != administration.pk:
        raise ValidationError({"facility": _("This facility belongs to another administration.")})
    return administration, facility


def _check_file(uploaded_file: UploadedFile) -> str:
    name = os.path.basename(uploaded_file.name or "")
    extension = os.path.splitext(name)[1].lower()
    if extension not in EXTENSIONS:
        raise ValidationError({"file": _("Upload a CSV or an XLSX file.")})
    if not uploaded_file.size:
        raise ValidationError({"file": _("The file is empty.")})
    if uploaded_file.size > MAX_FILE_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(size)s MB; split it.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}}
        )
    uploaded_file.seek(0)
    is_zip = uploaded_file.read(4) == _ZIP_SIGNATURE
    uploaded_file.seek(0)
    if is_zip != (extension == ".xlsx"):
        raise ValidationError({"file": _("The file's content does not match its name (.csv or .xlsx).")})
    return name


def start_import(
    *,
    by: User,
    uploaded_file: UploadedFile,
    administration: Organization | None = None,
    facility: Facility | None = None,
) -> ImportBatch:
    """Store the file and queue its dry run; nothing reaches the registry before a commit."""
    administration, facility = _target(by, administration, facility)
    name = _check_file(uploaded_file)
    batch = ImportBatch(
        administration=administration,
        facility=facility,
        uploaded_by=by,
        original_name=name[:255],
        file=uploaded_file,
    )
    with transaction.atomic():
        batch.save()
        transaction.on_commit(lambda: tasks.validate_import.enqueue(batch.pk))
    return batch


def commit_import(*, batch: ImportBatch, by: User) -> ImportBatch:
    """Queue the commit of a checked file. Whoever may see the batch may commit it."""
    if not can_import(by) or not imports_visible_to(by).filter(pk=batch.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.VALIDATED:
            raise ValidationError(_("Only a checked file without errors can be imported, and only once."))
        locked.status = ImportBatch.Status.IMPORTING
        locked.processed_rows = 0
        locked.save(update_fields=["status", "processed_rows"])
        transaction.on_commit(lambda: tasks.commit_import.enqueue(locked.pk, by.pk))
    return locked
