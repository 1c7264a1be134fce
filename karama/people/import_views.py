"""Pages of the people import: upload, the batch with its progress, preview and errors, commit, templates."""

import csv
import datetime
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karama.core.access import scope_of
from karama.core.models import Facility, Role
from karama.core.selectors import administrations_managed_by
from karama.core.views import apply_form_errors
from karama.people.import_services import can_import, commit_import, get_import_for, imports_visible_to, start_import
from karama.people.imports import COLUMNS, reason_text
from karama.people.models import ImportBatch

RUNNING = {ImportBatch.Status.UPLOADED, ImportBatch.Status.VALIDATING, ImportBatch.Status.IMPORTING}
# The badge colours the stylesheet already has.
BADGES = {
    ImportBatch.Status.VALIDATED: "status-active",
    ImportBatch.Status.DONE: "status-active",
    ImportBatch.Status.INVALID: "status-terminated",
    ImportBatch.Status.FAILED: "status-terminated",
}


class ImportForm(forms.Form):
    administration = forms.ModelChoiceField(label=gettext_lazy("Administration"), queryset=None)
    file = forms.FileField(
        label=gettext_lazy("File"), help_text=gettext_lazy("CSV (UTF-8) or XLSX, with the columns listed below.")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the platform operator serves several administrations; everyone else imports into their own.
        if scope_of(user).role == Role.OPERATOR:
            self.fields["administration"].queryset = administrations_managed_by(user).order_by("code")
        else:
            del self.fields["administration"]


def _require_importer(request) -> None:
    if not can_import(request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_importer(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            batch = start_import(
                by=request.user,
                uploaded_file=form.cleaned_data["file"],
                administration=form.cleaned_data.get("administration"),
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            return redirect("people:import_detail", code=batch.public_code)
    context = {
        "form": form,
        "columns": COLUMNS,
        "recent": imports_visible_to(request.user)[:10],
    }
    return render(request, "people/imports/upload.html", context)


def _batch_context(request, batch: ImportBatch) -> dict:
    return {
        "batch": batch,
        "running": batch.status in RUNNING,
        "badge": BADGES.get(batch.status, "status-draft"),
        "can_commit": batch.status == ImportBatch.Status.VALIDATED and can_import(request.user),
        # Reasons in the reader's language, whoever uploaded the file.
        "errors": [{**error, "reason": reason_text(error)} for error in batch.errors],
        "more_errors": batch.error_count - len(batch.errors),
    }


@login_required
@require_GET
def import_detail(request, code: str):
    batch = get_import_for(request.user, code)
    return render(request, "people/imports/detail.html", _batch_context(request, batch))


@login_required
@require_GET
def import_progress(request, code: str):
    batch = get_import_for(request.user, code)
    return render(request, "people/imports/detail.html#progress", _batch_context(request, batch))


@login_required
@require_POST
def import_commit(request, code: str):
    batch = get_import_for(request.user, code)
    try:
        commit_import(batch=batch, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The import has started. The page shows its progress."))
    return redirect("people:import_detail", code=batch.public_code)


def _example_row(request) -> list:
    """The documented example, in a facility the user may import into."""
    facility_code = next((c.example for c in COLUMNS if c.name == "facility"), "")
    scope = scope_of(request.user)
    if scope.role == Role.FACILITY_STAFF and scope.facility_id:
        facility_code = request.user.facility.code
    elif scope.administration_id:
        facility_code = (
            Facility.objects.filter(administration_id=scope.administration_id)
            .order_by("code")
            .values_list("code", flat=True)
            .first()
            or facility_code
        )
    return [facility_code if column.name == "facility" else column.example for column in COLUMNS]


@login_required
@require_GET
def import_template(request):
    _require_importer(request)
    example = _example_row(request)
    if request.GET.get("format") == "xlsx":
        return _xlsx_template(example)
    buffer = io.StringIO()
    # The byte-order mark makes spreadsheet programs read the file as UTF-8 (Arabic and Persian names).
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([column.name for column in COLUMNS])
    writer.writerow(example)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="karama-people-import.csv"'
    return response


def _xlsx_template(example: list) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook()
    people = workbook.active
    people.title = "people"
    people.append([column.name for column in COLUMNS])
    people.append([_xlsx_example(column.name, value) for column, value in zip(COLUMNS, example, strict=True)])
    national_id = people.cell(row=2, column=[c.name for c in COLUMNS].index("national_id") + 1)
    # As text, so that leading zeros survive and long numbers are not rounded.
    national_id.number_format = "@"
    guide = workbook.create_sheet("columns")
    guide.append([_("Column"), _("Required"), _("Meaning"), _("Values"), _("Example")])
    for column in COLUMNS:
        required = _("Yes") if column.required else _("No")
        guide.append([column.name, required, str(column.meaning), ", ".join(column.choices), column.example])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="karama-people-import.xlsx"'
    return response


def _xlsx_example(name: str, value: str):
    if value and (name.endswith("_on") or name == "birth_date"):
        return datetime.date.fromisoformat(value)
    return value
