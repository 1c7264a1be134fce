"""People pages: the list and search, the person's record in sections, and the release work list.

Every view fetches through the people selector first (404 outside one's scope), shows only the
sections the reader may see, and writes through a service.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Window
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karama.agreements.selectors import agreements_visible_to
from karama.core.access import scope_of
from karama.core.crypto import decrypt, mask
from karama.core.forms import options_from
from karama.core.http import is_htmx
from karama.core.i18n import pick_name
from karama.core.models import Organization
from karama.core.selectors import facilities_visible_to, get_facility_for, organizations_visible_to
from karama.core.views import apply_form_errors
from karama.people import forms, services
from karama.people.catalogues import need_label
from karama.people.models import (
    AccessAction,
    AccessLog,
    CustodyEpisode,
    Exemption,
    Household,
    NeedStatus,
    PlanAction,
    PlanStatus,
    ReintegrationPlan,
    ReleaseTaskStatus,
)
from karama.people.sections import person_sections_for
from karama.people.selectors import (
    PeopleFilters,
    can_manage_person,
    due_for_release,
    get_person_for,
    notes_visible_to,
    people_visible_to,
    rank_by_name,
    search_people,
    visible_sections,
)

PAGE_SIZE = 25
WORKLIST_PAGE_SIZE = 50


class CountingPaginator(Paginator):
    """Counts with the page's own query (COUNT(*) OVER ()) instead of a second one: a name search visits its
    matches once, not twice. Past the last page it falls back to Paginator's own count and shows the last page."""

    def get_page(self, number):
        try:
            wanted = int(number or 1)
        except (TypeError, ValueError):
            wanted = 1
        if wanted < 1:
            return super().get_page(number)
        start = (wanted - 1) * self.per_page
        rows = list(self.object_list.annotate(_matches=Window(Count("pk")))[start : start + self.per_page])
        if not rows and wanted > 1:
            return super().get_page(number)
        self.count = rows[0]._matches if rows else 0
        return self._get_page(rows, wanted, self)


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _filter_form(request) -> forms.PeopleFilterForm:
    form = forms.PeopleFilterForm(request.GET or None)
    facilities = facilities_visible_to(request.user).order_by("code")
    rows = facilities.values_list("code", "names", "original_language")
    form.fields["facility"].choices = [("", _("Any"))] + [(code, pick_name(names, lang)) for code, names, lang in rows]
    return form


@login_required
def person_list(request):
    scope = scope_of(request.user)
    if scope.sees_nothing_internal:
        raise Http404
    form = _filter_form(request)
    filters = PeopleFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = PeopleFilters(
            query=data["q"],
            code=data["code"],
            national_id="" if scope.is_partner else data["national_id"],
            facility=data["facility"],
            status=data["status"],
            release_within_days=data["release_within"],
            need=data["need"],
        )
    people = search_people(people_visible_to(request.user), filters).select_related("facility")
    people = rank_by_name(people, filters.query) if filters.query else people.order_by("family_name", "given_name")
    page = CountingPaginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_register": scope.role in {"operator", "national_admin", "facility_staff"},
        "is_partner": scope.is_partner,
    }
    template = "people/list.html#results" if is_htmx(request) else "people/list.html"
    return render(request, template, context)


def _detail_context(request, person, **forms_in) -> dict:
    sections = visible_sections(request.user, person)
    manage = can_manage_person(request.user, person)
    episodes = list(person.episodes.select_related("facility"))
    current = next((e for e in episodes if e.released_on is None), None)
    household = (
        Household.objects.filter(person=person)
        .select_related("region", "supporting_association")
        .prefetch_related("members")
        .first()
    )
    assessment = person.assessments.select_related("assessed_by").prefetch_related("ratings").first()
    plan = (
        ReintegrationPlan.objects.filter(person=person)
        .prefetch_related(
            Prefetch("actions", queryset=PlanAction.objects.select_related("owner")), "release_tasks", "reviews"
        )
        .first()
    )
    context = {
        "person": person,
        "sections": sections,
        "can_manage": manage,
        "scope": scope_of(request.user),
        "episodes": episodes,
        "current_episode": current,
        "skills": list(person.skills.all()),
        "household": household,
        "household_region": household.region if household else None,
        "assessment": assessment,
        "needs": [(n, need_label(n.domain, n.need)) for n in person.needs.select_related("updated_by")],
        "plan": plan,
        "today": timezone.localdate(),
        "notes": notes_visible_to(request.user, person)[:50],
        "consents": person.consents.select_related("organization", "agreement") if "consents" in sections else [],
        "access_log": (
            AccessLog.objects.filter(person=person).select_related("user")[:30] if "access_log" in sections else []
        ),
        "national_id_masked": mask(decrypt(person.national_id_encrypted)) if "national_id" in sections else "",
        "need_status_choices": NeedStatus.choices,
        "plan_status_choices": PlanStatus.choices,
        "release_task_choices": ReleaseTaskStatus.choices,
        "exemption_choices": Exemption.choices,
        "extra_sections": person_sections_for(request.user, person, sections),
    }
    if manage:
        context.update(_manager_forms(request, person, current, **forms_in))
    elif scope_of(request.user).is_partner:
        context["note_form"] = forms_in.get("note_form") or forms.NoteForm(initial={"visibility": "shared"})
    return context


def _manager_forms(request, person, current, **given) -> dict:
    facilities = facilities_visible_to(request.user).filter(administration_id=person.administration_id)
    partners = organizations_visible_to(request.user).exclude(kind=Organization.Kind.PRISON_ADMINISTRATION)
    transfer = given.get("transfer_form") or forms.TransferForm()
    options_from(transfer.fields["to_facility"], facilities.exclude(pk=person.facility_id))
    admit = given.get("admit_form") or forms.AdmitForm()
    options_from(admit.fields["facility"], facilities)
    household = given.get("household_form") or _household_form(request, person)
    consent = given.get("consent_form") or forms.ConsentForm(initial={"valid_from": timezone.localdate()})
    options_from(consent.fields["organization"], partners.order_by("code"))
    options_from(
        consent.fields["agreement"],
        agreements_visible_to(request.user).filter(administration_id=person.administration_id),
    )
    action = given.get("action_form") or forms.PlanActionForm()
    options_from(action.fields["owner"], organizations_visible_to(request.user).order_by("kind", "code"))
    return {
        "transfer_form": transfer,
        "release_form": given.get("release_form") or forms.ReleaseForm(initial={"on": timezone.localdate()}),
        "admit_form": admit,
        "expected_form": given.get("expected_form")
        or forms.ExpectedReleaseForm(initial={"expected_release_on": current.expected_release_on if current else None}),
        "status_form": forms.StatusDateForm(initial={"on": timezone.localdate()}),
        "household_form": household,
        "member_form": given.get("member_form") or forms.HouseholdMemberForm(),
        "consent_form": consent,
        "assessment_form": given.get("assessment_form")
        or forms.AssessmentForm(initial={"assessed_on": timezone.localdate()}),
        "action_form": action,
        "note_form": given.get("note_form") or forms.NoteForm(),
        "need_status_form": forms.NeedStatusForm(),
    }


def _household_form(request, person, data=None) -> forms.HouseholdForm:
    household = Household.objects.filter(person=person).first()
    initial = {}
    if household:
        initial = {
            "region": household.region_id,
            "contact_name": household.contact_name,
            "contact_relation": household.contact_relation,
            "supporting_association": household.supporting_association_id,
            "notes": household.notes,
        }
    form = forms.HouseholdForm(data, initial=initial)
    options_from(
        form.fields["supporting_association"],
        organizations_visible_to(request.user).filter(kind=Organization.Kind.ASSOCIATION),
    )
    return form


@login_required
def person_detail(request, code: str):
    person = get_person_for(request.user, code)
    services.log_access(user=request.user, person=person, action=AccessAction.VIEW, address=_address(request))
    return render(request, "people/detail.html", _detail_context(request, person))


def _after_change(request, person, section: str, **forms_in):
    """An inline change: the section again for HTMX (with errors, if any), or the page."""
    failed = any(form is not None and form.errors for form in forms_in.values())
    if is_htmx(request):
        return render(request, f"people/detail.html#{section}", _detail_context(request, person, **forms_in))
    if failed:
        return render(request, "people/detail.html", _detail_context(request, person, **forms_in))
    return redirect("people:detail", code=person.public_code)


def _managed_person(request, code: str):
    person = get_person_for(request.user, code)
    if not can_manage_person(request.user, person):
        raise Http404
    return person


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


@login_required
@require_http_methods(["GET", "POST"])
def person_register(request):
    scope = scope_of(request.user)
    if scope.role not in {"operator", "national_admin", "facility_staff"}:
        raise Http404
    form = forms.RegisterPersonForm(request.POST or None, initial={"facility": scope.facility_id})
    facilities = facilities_visible_to(request.user)
    if scope.role == "facility_staff":
        facilities = facilities.filter(pk=scope.facility_id)
    form.fields["facility"].queryset = facilities
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.register_person(
                by=request.user,
                facility=data["facility"],
                admitted_on=data["admitted_on"],
                expected_release_on=data["expected_release_on"],
                case_category=data["case_category"],
                national_id=data["national_id"],
                skills=data["skills"],
                **form.person_values(),
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Person registered."))
            return redirect("people:detail", code=person.public_code)
    return render(request, "people/register.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, code: str):
    person = _managed_person(request, code)
    initial = {field: getattr(person, field) for field in services.PERSON_FIELDS}
    initial["skills"] = list(person.skills.values_list("occupation", flat=True))
    form = forms.PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(
                person=person, by=request.user, skills=form.cleaned_data["skills"], **form.person_values()
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("people:detail", code=person.public_code)
    return render(request, "people/edit.html", {"form": form, "person": person})


@login_required
def person_photo(request, code: str):
    """The photo, to the administration's own readers only (partners never see it), logged as a read, never
    cached by the browser or a proxy."""
    person = get_person_for(request.user, code)
    if "photo" not in visible_sections(request.user, person) or not person.photo:
        raise Http404
    services.log_access(
        user=request.user, person=person, action=AccessAction.VIEW, detail="photo", address=_address(request)
    )
    response = FileResponse(person.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def person_photo_change(request, code: str):
    person = _managed_person(request, code)
    form = forms.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            if form.cleaned_data["remove"]:
                services.remove_photo(person=person, by=request.user)
            elif form.cleaned_data["photo"]:
                services.set_photo(person=person, by=request.user, upload=form.cleaned_data["photo"])
        except ValidationError as error:
            apply_form_errors(form, error)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect("people:detail", code=person.public_code)


@login_required
@require_POST
def reveal_national_id(request, code: str):
    person = get_person_for(request.user, code)
    try:
        clear = services.reveal_national_id(person=person, by=request.user, address=_address(request))
    except PermissionDenied:
        raise Http404 from None
    return render(request, "people/_national_id.html", {"person": person, "national_id": clear})


@login_required
@require_POST
def custody_action(request, code: str, action: str):
    person = _managed_person(request, code)
    current = person.episodes.filter(released_on__isnull=True).first()
    form_classes = {
        "transfer": forms.TransferForm,
        "release": forms.ReleaseForm,
        "admit": forms.AdmitForm,
        "expected": forms.ExpectedReleaseForm,
        "aftercare": forms.StatusDateForm,
        "close": forms.StatusDateForm,
    }
    if action not in form_classes:
        raise Http404
    form = form_classes[action](request.POST)
    if "to_facility" in form.fields or "facility" in form.fields:
        field = "to_facility" if "to_facility" in form.fields else "facility"
        form.fields[field].queryset = facilities_visible_to(request.user).filter(
            administration_id=person.administration_id
        )
    operations = {
        "transfer": lambda d: services.transfer(
            person=person, by=request.user, to_facility=d["to_facility"], on=d["on"]
        ),
        "release": lambda d: services.release(person=person, by=request.user, on=d["on"], reason=d["reason"]),
        "admit": lambda d: services.admit(person=person, by=request.user, **d),
        "expected": lambda d: services.set_expected_release(
            episode=_require(current), by=request.user, expected_release_on=d["expected_release_on"]
        ),
        "aftercare": lambda d: services.start_aftercare(person=person, by=request.user, on=d["on"]),
        "close": lambda d: services.close_case(person=person, by=request.user, on=d["on"]),
    }
    ok = _run(form, operations[action])
    person.refresh_from_db()
    if ok:
        messages.success(request, _("Custody record updated."))
    return _after_change(request, person, "custody", **{f"{action}_form": None if ok else form})


def _require(episode: CustodyEpisode | None) -> CustodyEpisode:
    if episode is None:
        raise ValidationError(_("This person is not in custody."))
    return episode


@login_required
@require_POST
def household_save(request, code: str):
    person = _managed_person(request, code)
    form = _household_form(request, person, request.POST)
    ok = _run(
        form,
        lambda d: services.save_household(
            person=person,
            by=request.user,
            region=d["region"],
            contact_name=d["contact_name"],
            contact_relation=d["contact_relation"],
            supporting_association=d["supporting_association"],
            notes=d["notes"],
            contact_phone=d["contact_phone"] or None,
        ),
    )
    return _after_change(request, person, "household", household_form=None if ok else form)


@login_required
@require_POST
def household_member_add(request, code: str):
    person = _managed_person(request, code)
    form = forms.HouseholdMemberForm(request.POST)

    ok = _run(form, lambda d: services.add_household_member(person=person, by=request.user, **d))
    return _after_change(request, person, "household", member_form=None if ok else form)


@login_required
@require_POST
def household_member_remove(request, code: str, member_pk: int):
    person = _managed_person(request, code)
    member = person.household.members.filter(pk=member_pk).first() if hasattr(person, "household") else None
    if member is None:
        raise Http404
    services.remove_household_member(member=member, by=request.user)
    return _after_change(request, person, "household")


@login_required
@require_POST
def consent_add(request, code: str):
    person = _managed_person(request, code)
    form = forms.ConsentForm(request.POST, request.FILES)
    form.fields["organization"].queryset = organizations_visible_to(request.user).exclude(
        kind=Organization.Kind.PRISON_ADMINISTRATION
    )
    form.fields["agreement"].queryset = agreements_visible_to(request.user).filter(
        administration_id=person.administration_id
    )
    ok = _run(form, lambda d: services.record_consent(person=person, by=request.user, **d))
    return _after_change(request, person, "consents", consent_form=None if ok else form)


@login_required
@require_POST
def consent_revoke(request, code: str, consent_pk: int):
    person = _managed_person(request, code)
    consent = person.consents.filter(pk=consent_pk).first()
    if consent is None:
        raise Http404
    try:
        services.revoke_consent(consent=consent, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _after_change(request, person, "consents")


@login_required
@require_POST
def assessment_add(request, code: str):
    person = _managed_person(request, code)
    form = forms.AssessmentForm(request.POST)
    ok = _run(
        form,
        lambda d: services.record_assessment(
            person=person,
            by=request.user,
            assessed_on=d["assessed_on"],
            ratings=form.ratings(),
            needs=form.need_pairs(),
            recommended_paths=d["recommended_paths"],
            summary=d["summary"],
        ),
    )
    return _after_change(request, person, "assessment", assessment_form=None if ok else form)


@login_required
@require_POST
def need_update(request, code: str, need_pk: int):
    person = get_person_for(request.user, code)
    need = person.needs.filter(pk=need_pk).first()
    if need is None or "assessment" not in visible_sections(request.user, person):
        raise Http404
    form = forms.NeedStatusForm(request.POST)
    try:
        _run(form, lambda d: services.update_need_status(need=need, by=request.user, **d))
    except PermissionDenied:
        raise Http404 from None
    return _after_change(request, person, "assessment")


@login_required
@require_POST
def plan_create(request, code: str):
    person = _managed_person(request, code)
    try:
        services.create_plan(person=person, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _after_change(request, person, "plan")


@login_required
@require_POST
def plan_action_add(request, code: str):
    person = _managed_person(request, code)
    plan = ReintegrationPlan.objects.filter(person=person).first()
    if plan is None:
        raise Http404
    form = forms.PlanActionForm(request.POST)
    form.fields["owner"].queryset = organizations_visible_to(request.user)
    ok = _run(form, lambda d: services.add_plan_action(plan=plan, by=request.user, **d))
    return _after_change(request, person, "plan", action_form=None if ok else form)


@login_required
@require_POST
def plan_action_status(request, code: str, action_pk: int):
    person = get_person_for(request.user, code)
    item = PlanAction.objects.filter(plan__person=person, pk=action_pk).select_related("plan__person").first()
    if item is None:
        raise Http404
    form = forms.PlanActionStatusForm(request.POST)
    try:
        _run(form, lambda d: services.update_plan_action(item=item, by=request.user, status=d["status"]))
    except PermissionDenied:
        raise Http404 from None
    return _after_change(request, person, "plan")


@login_required
@require_POST
def release_task_update(request, code: str, task_pk: int):
    person = _managed_person(request, code)
    task = person.plan.release_tasks.filter(pk=task_pk).first() if hasattr(person, "plan") else None
    if task is None:
        raise Http404
    _run(forms.ReleaseTaskForm(request.POST), lambda d: services.update_release_task(task=task, by=request.user, **d))
    return _after_change(request, person, "plan")


@login_required
@require_POST
def review_update(request, code: str, review_pk: int):
    person = _managed_person(request, code)
    review = person.plan.reviews.filter(pk=review_pk).first() if hasattr(person, "plan") else None
    if review is None:
        raise Http404
    form = forms.ReviewForm(request.POST)

    def update(data):
        if data["exemption"]:
            services.exempt_review(review=review, by=request.user, exemption=data["exemption"], note=data["note"])
        else:
            services.complete_review(
                review=review, by=request.user, on=data["completed_on"] or timezone.localdate(), note=data["note"]
            )

    _run(form, update)
    return _after_change(request, person, "plan")


@login_required
@require_POST
def note_add(request, code: str):
    person = get_person_for(request.user, code)
    form = forms.NoteForm(request.POST)
    if scope_of(request.user).is_partner:
        form.fields["visibility"].required = False
    try:
        ok = _run(
            form,
            lambda d: services.add_note(
                person=person, by=request.user, text=d["text"], visibility=d.get("visibility") or "shared"
            ),
        )
    except PermissionDenied:
        raise Http404 from None
    return _after_change(request, person, "notes", note_form=None if ok else form)


@login_required
def release_worklist(request, facility_code: str):
    """Who is due for release from this facility in the next 90 days, with their assessment and plan."""
    facility = get_facility_for(request.user, facility_code)
    scope = scope_of(request.user)
    if scope.is_partner or scope.sees_nothing_internal:
        raise Http404
    days = 90
    # A big facility releases hundreds of people in 90 days: a page at a time, soonest first.
    page = CountingPaginator(due_for_release(request.user, facility.pk, days), WORKLIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    for row in page:
        row.days_left = (row.expected_release_on - today).days
        plan = getattr(row.person, "plan", None)
        row.has_plan = plan is not None
    context = {"facility": facility, "page": page, "days": days, "until": today + datetime.timedelta(days=days)}
    return render(request, "people/worklist.html", context)


@login_required
def access_log(request):
    """The access log, for auditors and administrators: who looked at which record, when, from where."""
    scope = scope_of(request.user)
    if not (scope.is_auditor or scope.manages_something):
        raise Http404
    entries = AccessLog.objects.select_related("user", "person").order_by("-at", "-pk")
    if not scope.everywhere and scope.role != "operator":
        entries = entries.filter(administration_id=scope.administration_id)
    user = request.GET.get("user", "").strip()
    person = request.GET.get("person", "").strip().upper()
    action = request.GET.get("action", "")
    if user:
        entries = entries.filter(user__username=user)
    if person:
        entries = entries.filter(person__public_code=person)
    if action in AccessAction.values:
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "user_filter": user,
        "person_filter": person,
        "action": action,
        "actions": AccessAction.choices,
    }
    return render(request, "people/access_log.html", context)
