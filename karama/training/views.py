"""Training pages: programmes, their sessions and attendance, enrolling with eligibility hints, each
enrolment's outcome and certificate, and the public verification page.

Every view fetches through a selector first (404 outside one's scope) and writes through a service.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karama.agreements.models import Commitment
from karama.agreements.selectors import agreements_visible_to
from karama.core.access import scope_of
from karama.core.forms import LANGUAGE_LABELS
from karama.core.http import is_htmx
from karama.core.i18n import LANGUAGE_CODES
from karama.core.models import Organization, User
from karama.core.selectors import administrations_managed_by, facilities_visible_to, organizations_visible_to
from karama.core.views import apply_form_errors
from karama.people.models import AccessAction
from karama.people.services import log_access
from karama.training import forms, services
from karama.training.certificates import certificate_language, render_certificate_pdf, verify_url
from karama.training.eligibility import hints_for_people
from karama.training.models import PLACE_STATUSES, AttendanceStatus, Certificate, EnrolmentStatus, Programme
from karama.training.selectors import (
    ProgrammeFilters,
    attendance_of,
    can_manage_programme,
    can_revoke_certificate,
    can_run_programme,
    default_completion_day,
    enrolment_candidates,
    get_enrolment_for,
    get_programme_for,
    get_programme_to_manage,
    get_programme_to_run,
    participant_for,
    programme_detail,
    programme_list_for,
    rate_of,
    session_roster,
    staff_candidates,
    valid_certificate,
)
from karama.training.verification import client_address, verify_certificate

PAGE_SIZE = 20
CANDIDATES_PAGE = 20


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _internal(request) -> None:
    if scope_of(request.user).sees_nothing_internal:
        raise Http404


def _run(form, action) -> bool:
    """Validate the form, run the service; errors from either land on the form."""
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        apply_form_errors(form, error)
        return False
    return True


# Programmes ----------------------------------------------------------------------------------------------


def _filter_form(request) -> forms.ProgrammeFilterForm:
    form = forms.ProgrammeFilterForm(request.GET or None)
    providers = organizations_visible_to(request.user).filter(programmes_provided__isnull=False).distinct()
    form.fields["provider"].choices = [("", _("Any"))] + [(o.code, o.name) for o in providers.order_by("code")]
    facilities = facilities_visible_to(request.user).order_by("code")
    form.fields["facility"].choices = [("", _("Any"))] + [(f.code, f.name) for f in facilities]
    return form


@login_required
def programme_list(request):
    _internal(request)
    form = _filter_form(request)
    filters = ProgrammeFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = ProgrammeFilters(
            query=data["q"],
            kind=data["kind"],
            provider=data["provider"],
            facility=data["facility"],
            phase=data["phase"],
        )
    page = Paginator(programme_list_for(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    page.object_list = list(page.object_list)
    for programme in page.object_list:
        programme.current_phase = programme.phase(today)
    context = {
        "form": form,
        "page": page,
        "can_create": scope_of(request.user).manages_something,
    }
    template = "training/list.html#results" if is_htmx(request) else "training/list.html"
    return render(request, template, context)


def _programme_form(request, data=None, initial=None, programme: Programme | None = None) -> forms.ProgrammeForm:
    names = programme.names if programme else None
    titles = programme.certificate_titles if programme else None
    form = forms.ProgrammeForm(data, initial=initial or {}, names=names, certificate_titles=titles)
    administrations = administrations_managed_by(request.user)
    form.fields["administration"].queryset = administrations
    organizations = organizations_visible_to(request.user).order_by("kind", "code")
    form.fields["provider"].queryset = organizations
    form.fields["coordinator"].queryset = organizations.exclude(kind=Organization.Kind.PRISON_ADMINISTRATION)
    agreements = agreements_visible_to(request.user).filter(administration__in=administrations)
    form.fields["agreement"].queryset = agreements.order_by("reference")
    form.fields["commitment"].queryset = (
        Commitment.objects.filter(agreement__in=agreements, unit__in=services.PEOPLE_UNITS | services.STAFF_UNITS)
        .select_related("agreement")
        .order_by("agreement__reference", "pk")
    )
    form.fields["facilities"].queryset = facilities_visible_to(request.user).filter(administration__in=administrations)
    if programme:
        form.fields["administration"].required = False
        form.fields["administration"].disabled = True
    return form


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    if not scope_of(request.user).manages_something:
        raise Http404
    initial = {"administration": request.user.administration_id, "capacity": 20}
    form = _programme_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.create_programme(
                by=request.user,
                administration=form.cleaned_data["administration"],
                facilities=form.cleaned_data["facilities"],
                **form.programme_values(),
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Programme created."))
            return redirect("training:detail", pk=programme.pk)
    return render(request, "training/form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk: int):
    programme = get_programme_to_manage(request.user, pk)
    fields = set(services.PROGRAMME_FIELDS) - {"names", "certificate_titles"}
    initial = {field: getattr(programme, field) for field in fields}
    initial.update(
        administration=programme.administration_id,
        provider=programme.provider_id,
        facilities=list(programme.facilities.values_list("pk", flat=True)),
    )
    form = _programme_form(request, request.POST or None, initial=initial, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_programme(
                programme=programme,
                by=request.user,
                facilities=form.cleaned_data["facilities"],
                **form.programme_values(),
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("training:detail", pk=programme.pk)
    return render(request, "training/form.html", {"form": form, "programme": programme})


def _detail_context(request, programme: Programme, **forms_in) -> dict:
    detail = programme_detail(request.user, programme)
    runs = can_run_programme(request.user, programme)
    for enrolment in detail.enrolments:
        enrolment.rate = rate_of(enrolment)
        enrolment.certificate = valid_certificate(enrolment)
    context = {
        "programme": programme,
        "detail": detail,
        "can_run": runs,
        "can_manage": can_manage_programme(request.user, programme),
        "today": timezone.localdate(),
        "phase": programme.phase(timezone.localdate()),
    }
    if runs:
        context["session_form"] = forms_in.get("session_form") or _session_form(programme)
        context["trainer_form"] = forms_in.get("trainer_form") or _trainer_form(request, programme)
    return context


def _session_form(programme: Programme, data=None) -> forms.SessionForm:
    form = forms.SessionForm(
        data, initial={"held_on": min(max(timezone.localdate(), programme.starts_on), programme.ends_on)}
    )
    form.fields["facility"].queryset = programme.facilities.all()
    form.fields["trainer"].queryset = programme.trainers.select_related("user")
    return form


def _trainer_form(request, programme: Programme, data=None) -> forms.TrainerForm:
    form = forms.TrainerForm(data)
    provider_users = User.objects.filter(organization=programme.provider, is_active=True)
    if programme.provider.is_administration:
        provider_users = User.objects.filter(administration=programme.provider, is_active=True)
    form.fields["user"].queryset = provider_users.order_by("last_name", "first_name", "username")
    form.fields["organization"].queryset = organizations_visible_to(request.user).order_by("code")
    return form


@login_required
def programme_detail_view(request, pk: int):
    programme = get_programme_for(request.user, pk)
    return render(request, "training/detail.html", _detail_context(request, programme))


def _after_change(request, programme: Programme, section: str, **forms_in):
    failed = any(form is not None and form.errors for form in forms_in.values())
    if is_htmx(request):
        return render(request, f"training/detail.html#{section}", _detail_context(request, programme, **forms_in))
    if failed:
        return render(request, "training/detail.html", _detail_context(request, programme, **forms_in))
    return redirect("training:detail", pk=programme.pk)


@login_required
@require_POST
def trainer_add(request, pk: int):
    programme = get_programme_to_run(request.user, pk)
    form = _trainer_form(request, programme, request.POST)
    ok = _run(form, lambda d: services.add_trainer(programme=programme, by=request.user, **d))
    return _after_change(request, programme, "trainers", trainer_form=None if ok else form)


@login_required
@require_POST
def trainer_remove(request, pk: int, trainer_pk: int):
    programme = get_programme_to_run(request.user, pk)
    trainer = programme.trainers.filter(pk=trainer_pk).first()
    if trainer is None:
        raise Http404
    services.remove_trainer(trainer=trainer, by=request.user)
    return _after_change(request, programme, "trainers")


@login_required
@require_POST
def session_add(request, pk: int):
    programme = get_programme_to_run(request.user, pk)
    form = _session_form(programme, request.POST)
    ok = _run(form, lambda d: services.schedule_session(programme=programme, by=request.user, **d))
    return _after_change(request, programme, "sessions", session_form=None if ok else form)


@login_required
@require_POST
def session_remove(request, pk: int, session_pk: int):
    programme = get_programme_to_run(request.user, pk)
    session = programme.sessions.filter(pk=session_pk).first()
    if session is None:
        raise Http404
    try:
        services.remove_session(session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _after_change(request, programme, "sessions")


# Attendance ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request, pk: int, session_pk: int):
    programme = get_programme_for(request.user, pk)
    session = programme.sessions.select_related("trainer__user", "facility").filter(pk=session_pk).first()
    if session is None:
        raise Http404
    runs = can_run_programme(request.user, programme)
    errors = []
    if request.method == "POST":
        if not runs:
            raise Http404
        roster = {str(enrolment.pk): enrolment for enrolment, _mark in session_roster(request.user, session)}
        marks = {
            roster[key]: request.POST.get(f"mark-{key}")
            for key in roster
            if request.POST.get(f"mark-{key}") in AttendanceStatus.values
        }
        try:
            services.record_attendance(session=session, by=request.user, marks=marks)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("Attendance recorded."))
            return redirect("training:session", pk=programme.pk, session_pk=session.pk)
    roster = session_roster(request.user, session)
    enrolled = programme.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    context = {
        "programme": programme,
        "session": session,
        "roster": roster,
        "hidden": max(
            0, enrolled - sum(1 for enrolment, _mark in roster if enrolment.status == EnrolmentStatus.ENROLLED)
        ),
        "choices": AttendanceStatus.choices,
        "can_run": runs,
        "held": session.held_on <= timezone.localdate(),
        "errors": errors,
    }
    return render(request, "training/session.html", context)


# Enrolling -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request, pk: int):
    """Find someone to enrol; each candidate comes with the hints a caseworker weighs before enrolling."""
    programme = get_programme_to_run(request.user, pk)
    error = ""
    if request.method == "POST":
        participant = participant_for(request.user, programme, request.POST.get("code", ""))
        if participant is None:
            raise Http404
        kind = "staff" if programme.is_staff_training else "person"
        try:
            enrolment = services.enrol(
                programme=programme,
                by=request.user,
                waiting_list=request.POST.get("waiting") == "1",
                **{kind: participant},
            )
        except ValidationError as failure:
            error = " ".join(failure.messages)
        else:
            if enrolment.status == EnrolmentStatus.APPLIED:
                messages.success(request, _("Added to the waiting list."))
            else:
                messages.success(request, _("Enrolled."))
            return redirect(request.get_full_path())
    query = request.GET.get("q", "").strip()
    here_only = request.GET.get("anywhere") != "1"
    if programme.is_staff_training:
        candidates = staff_candidates(request.user, programme, query)
    else:
        candidates = enrolment_candidates(request.user, programme, query, here_only=here_only)
    page = Paginator(candidates, CANDIDATES_PAGE).get_page(request.GET.get("page"))
    rows = list(page)
    hints = {} if programme.is_staff_training else hints_for_people(request.user, programme, rows)
    places_taken = programme.enrolments.filter(status__in=PLACE_STATUSES).count()
    context = {
        "programme": programme,
        "page": page,
        "rows": [(row, hints.get(row.pk, [])) for row in rows],
        "query": query,
        "here_only": here_only,
        "error": error,
        "full": places_taken >= programme.capacity,
        "places_left": max(0, programme.capacity - places_taken),
        "ended": programme.ends_on < timezone.localdate(),
        "is_partner": scope_of(request.user).is_partner,
    }
    template = "training/enrol.html#candidates" if is_htmx(request) else "training/enrol.html"
    return render(request, template, context)


# One enrolment -------------------------------------------------------------------------------------------

OUTCOME_FORMS = {
    "complete": forms.CompleteForm,
    "fail": forms.FailForm,
    "dropout": forms.DropoutForm,
    "custody": forms.CustodyEndForm,
}


def _enrolment_context(request, enrolment, **forms_in) -> dict:
    programme = enrolment.programme
    runs = can_run_programme(request.user, programme)
    certificates = list(enrolment.certificates.select_related("issuer").order_by("-issued_on", "-pk"))
    day = default_completion_day(programme)
    context = {
        "enrolment": enrolment,
        "programme": programme,
        "rate": rate_of(enrolment),
        "attendance": attendance_of(enrolment),
        "certificates": certificates,
        "valid_certificate": next((c for c in certificates if c.is_valid), None),
        "can_run": runs,
        "pdf_languages": [(code, LANGUAGE_LABELS[code]) for code in LANGUAGE_CODES],
        "revoke_form": forms_in.get("revoke_form") or forms.RevokeForm(),
        "certificate_form": forms_in.get("certificate_form") or forms.CertificateForm(),
    }
    if runs and enrolment.is_open:
        for action, form_class in OUTCOME_FORMS.items():
            context[f"{action}_form"] = forms_in.get(f"{action}_form") or form_class(initial={"on": day})
    for certificate in certificates:
        certificate.revocable = certificate.is_valid and can_revoke_certificate(request.user, certificate)
    return context


@login_required
def enrolment_detail(request, code: str):
    enrolment = get_enrolment_for(request.user, code)
    if enrolment.person_id:
        log_access(
            user=request.user,
            person=enrolment.person,
            action=AccessAction.VIEW,
            detail=f"training {enrolment.public_code}",
            address=_address(request),
        )
    return render(request, "training/enrolment.html", _enrolment_context(request, enrolment))


def _refetch(request, enrolment):
    return get_enrolment_for(request.user, enrolment.public_code)


def _enrolment_changed(request, enrolment, **forms_in):
    failed = any(form is not None and form.errors for form in forms_in.values())
    enrolment = _refetch(request, enrolment)
    if is_htmx(request) or failed:
        template = "training/enrolment.html#outcome" if is_htmx(request) else "training/enrolment.html"
        return render(request, template, _enrolment_context(request, enrolment, **forms_in))
    return redirect("training:enrolment", code=enrolment.public_code)


@login_required
@require_POST
def enrolment_action(request, code: str, action: str):
    enrolment = get_enrolment_for(request.user, code)
    if not can_run_programme(request.user, enrolment.programme):
        raise Http404
    if action == "confirm":
        try:
            services.confirm_enrolment(enrolment=enrolment, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return _enrolment_changed(request, enrolment)
    if action not in OUTCOME_FORMS:
        raise Http404
    form = OUTCOME_FORMS[action](request.POST)
    operations = {
        "complete": lambda d: services.complete_enrolment(enrolment=enrolment, by=request.user, **d),
        "fail": lambda d: services.fail_enrolment(enrolment=enrolment, by=request.user, **d),
        "dropout": lambda d: services.record_dropout(enrolment=enrolment, by=request.user, **d),
        "custody": lambda d: services.end_for_custody_reason(enrolment=enrolment, by=request.user, **d),
    }
    ok = _run(form, operations[action])
    if ok:
        messages.success(request, _("Saved."))
    return _enrolment_changed(request, enrolment, **{f"{action}_form": None if ok else form})


# Certificates --------------------------------------------------------------------------------------------


def _certificate_of(request, code: str, certificate_pk: int) -> Certificate:
    enrolment = get_enrolment_for(request.user, code)
    certificate = enrolment.certificates.select_related("issuer").filter(pk=certificate_pk).first()
    if certificate is None:
        raise Http404
    certificate.enrolment = enrolment
    return certificate


@login_required
@require_POST
def certificate_issue(request, code: str):
    enrolment = get_enrolment_for(request.user, code)
    if not can_run_programme(request.user, enrolment.programme):
        raise Http404
    form = forms.CertificateForm(request.POST)
    ok = _run(
        form,
        lambda d: services.issue_certificate(
            enrolment=enrolment, by=request.user, number=d["number"], issued_on=enrolment.ended_on
        ),
    )
    if ok:
        messages.success(request, _("Certificate issued."))
    return _enrolment_changed(request, enrolment, certificate_form=None if ok else form)


@login_required
@require_POST
def certificate_revoke(request, code: str, certificate_pk: int):
    certificate = _certificate_of(request, code, certificate_pk)
    if not can_revoke_certificate(request.user, certificate):
        raise Http404
    form = forms.RevokeForm(request.POST)
    ok = _run(form, lambda d: services.revoke_certificate(certificate=certificate, by=request.user, **d))
    if ok:
        messages.success(request, _("Certificate revoked. The verification page now says so."))
    return _enrolment_changed(request, certificate.enrolment, revoke_form=None if ok else form)


@login_required
def certificate_pdf(request, code: str, certificate_pk: int):
    certificate = _certificate_of(request, code, certificate_pk)
    if not certificate.is_valid:
        raise Http404
    language = certificate_language(certificate, request.GET.get("language", ""))
    pdf = render_certificate_pdf(certificate, language, verify_url(request, certificate, language))
    if certificate.enrolment.person_id:
        log_access(
            user=request.user,
            person=certificate.enrolment.person,
            action=AccessAction.EXPORT,
            detail=f"certificate {certificate.number}",
            address=_address(request),
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}-{language}.pdf"'
    return response


# The public verification page ----------------------------------------------------------------------------


def _verification(request, number: str, code: str) -> dict:
    """What the public may learn: the programme, the issuer, the date and whether it is valid. Never a name."""
    result = verify_certificate(number=number, code=code, address=client_address(request))
    return {"found": result.found, "title": result.title, "not_found": result.not_found, "throttled": result.throttled}


@require_http_methods(["GET", "POST"])
def verify(request):
    form = forms.VerifyForm(request.POST or None)
    result = {}
    if request.method == "POST" and form.is_valid():
        result = _verification(request, form.cleaned_data["number"], form.cleaned_data["code"])
    return render(request, "training/verify.html", {"form": form, **result})


def verify_direct(request, number: str, code: str):
    form = forms.VerifyForm(initial={"number": number, "code": code})
    return render(request, "training/verify.html", {"form": form, **_verification(request, number, code)})
