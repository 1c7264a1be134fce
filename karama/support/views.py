"""Family-support pages: the public form, the overview, requests, households with their needs, packages
and disbursements, approvals and coverage.

Every page fetches through the support selectors first (404 outside one's scope) and writes through a
service; the public form never tells whether a person is in the registry.
"""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from karama.agreements.models import Budget
from karama.agreements.selectors import agreements_visible_to
from karama.core.access import scope_of
from karama.core.crypto import decrypt, mask
from karama.core.http import is_htmx
from karama.core.models import Region
from karama.core.views import apply_form_errors
from karama.people.models import AccessAction
from karama.people.selectors import get_person_for
from karama.people.services import log_access
from karama.support import forms, selectors, services
from karama.support.models import Disbursement, HouseholdNeed, SupportRequest, Urgency

PAGE_SIZE = 25
# Submissions of the public form allowed from one address per hour (settings may lower or raise it).
PUBLIC_FORM_LIMIT = getattr(settings, "KARAMA_SUPPORT_FORM_PER_HOUR", 5)


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
    except PermissionDenied:
        raise Http404 from None
    return True


# The public form ------------------------------------------------------------------------------------------


def _throttled(request) -> bool:
    """True once this address has sent its share of requests this hour. Only a keyed hash of the address
    is kept, and only for the hour."""
    from axes.helpers import get_client_ip_address

    # The same address the sign-in lockout sees (django-axes), so a proxy is configured in one place.
    address = (get_client_ip_address(request) or "unknown").encode()
    key = "support:public-form:" + hashlib.sha256(settings.SECRET_KEY.encode() + address).hexdigest()[:32]
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > PUBLIC_FORM_LIMIT


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request):
    """A family asks for support: no account, no sign-in, the same answer whoever the prisoner is."""
    form = forms.PublicRequestForm(request.POST or None)
    if request.method == "POST":
        if _throttled(request):
            return render(request, "support/public_busy.html", status=429)
        if form.is_robot():
            return redirect("support:thanks")
        if form.is_valid():
            data = {key: value for key, value in form.cleaned_data.items() if key not in ("agree", "website")}
            try:
                services.submit_public_request(language=get_language() or "", **data)
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                return redirect("support:thanks")
    return render(request, "support/public_form.html", {"form": form})


def thanks(request):
    return render(request, "support/public_thanks.html")


# Overview ---------------------------------------------------------------------------------------------------


@login_required
def index(request):
    _internal(request)
    scope = scope_of(request.user)
    requests = selectors.requests_visible_to(request.user)
    needs = selectors.needs_visible_to(request.user).filter(status__in=["open", "in_progress"])
    to_check = requests.filter(status=SupportRequest.Status.RECEIVED).order_by("created_at")
    to_link = requests.filter(status=SupportRequest.Status.AWAITING_LINK).order_by("created_at")
    context = {
        "to_check": to_check[:10],
        "to_check_count": to_check.count(),
        "to_link": to_link[:10] if selectors.can_link(request.user) else [],
        "to_link_count": to_link.count(),
        "urgent_needs": needs.filter(urgency__in=["critical", "high"]).order_by("assessed_on")[:10],
        "open_needs": _by_urgency(needs),
        "households": selectors.households_visible_to(request.user).count(),
        "approvals": selectors.awaiting_approval(request.user).count() if scope.manages_something else 0,
        "recent": selectors.disbursements_visible_to(request.user)
        .filter(status=Disbursement.Status.DISBURSED)
        .order_by("-disbursed_on", "-pk")[:8],
        "manages": scope.manages_something,
    }
    return render(request, "support/index.html", context)


def _by_urgency(needs) -> list[tuple[str, str, int]]:
    counts = dict(needs.values_list("urgency").annotate(count=Count("pk")).order_by())
    return [(value, label, counts.get(value, 0)) for value, label in reversed(Urgency.choices)]


# Requests ---------------------------------------------------------------------------------------------------


@login_required
def request_list(request):
    _internal(request)
    requests = selectors.requests_visible_to(request.user)
    regions = Region.objects.filter(pk__in=requests.values("region_id")).order_by("code")
    form = forms.RequestFilterForm(request.GET or None, regions=regions)
    status, region = "", ""
    if form.is_valid():
        status, region = form.cleaned_data["status"], form.cleaned_data["region"]
    if status == "":
        requests = requests.filter(status__in=services.OPEN_REQUEST_STATUSES)
    elif status != "all":
        requests = requests.filter(status=status)
    if region:
        requests = requests.filter(region__code=region)
    page = Paginator(requests.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "support/request_list.html#results" if is_htmx(request) else "support/request_list.html"
    return render(request, template, {"form": form, "page": page})


def _request_context(request, support_request: SupportRequest, **given) -> dict:
    user = request.user
    scope = scope_of(user)
    can_check = selectors.can_check(user, support_request) and support_request.is_open
    can_link = selectors.can_link(user) and support_request.is_open
    manages = scope.can_manage(support_request.administration_id)
    context = {
        "support_request": support_request,
        "phone": decrypt(support_request.contact_phone_encrypted),
        "national_id_masked": mask(decrypt(support_request.prisoner_national_id_encrypted)),
        "can_check": can_check and support_request.checked_on is None,
        "can_link": can_link,
        "can_reject": support_request.is_open and (can_check or can_link and manages),
        "can_assign": manages and support_request.is_open and support_request.checked_on is None,
        "candidates": list(selectors.link_candidates(user, support_request)) if can_link else [],
        "household_visible": bool(support_request.household_id)
        and selectors.households_visible_to(user).filter(pk=support_request.household_id).exists(),
    }
    context["check_form"] = given.get("check_form") or forms.CheckForm(initial={"checked_on": timezone.localdate()})
    context["link_form"] = given.get("link_form") or forms.LinkForm()
    context["reject_form"] = given.get("reject_form") or forms.RejectForm()
    assign = given.get("assign_form") or forms.AssignForm()
    assign.fields["association"].queryset = selectors.associations_for(user, support_request.administration_id)
    context["assign_form"] = assign
    return context


@login_required
def request_detail(request, code: str):
    support_request = selectors.get_request_for(request.user, code)
    return render(request, "support/request_detail.html", _request_context(request, support_request))


def _after_request_change(request, support_request: SupportRequest, ok: bool, **given):
    if ok:
        messages.success(request, _("Saved."))
        return redirect("support:request", code=support_request.public_code)
    context = _request_context(request, selectors.get_request_for(request.user, support_request.public_code), **given)
    return render(request, "support/request_detail.html", context)


@login_required
@require_POST
def request_check(request, code: str):
    support_request = selectors.get_request_for(request.user, code)
    form = forms.CheckForm(request.POST)
    ok = _run(
        form,
        lambda d: services.record_check(
            request=support_request,
            by=request.user,
            checked_on=d["checked_on"],
            note=d["note"],
            confirmed=d["outcome"] == "confirmed",
            rejection_reason=d["rejection_reason"],
        ),
    )
    return _after_request_change(request, support_request, ok, check_form=form)


@login_required
@require_POST
def request_link(request, code: str):
    support_request = selectors.get_request_for(request.user, code)
    form = forms.LinkForm(request.POST, request.FILES)

    def link(data):
        try:
            person = get_person_for(request.user, data["person"].strip().upper())
        except Http404:
            raise ValidationError({"person": _("No record with this public code in your scope.")}) from None
        services.link_request(
            request=support_request,
            by=request.user,
            person=person,
            record_consent=data["record_consent"],
            signed_form=data["signed_form"],
        )

    ok = _run(form, link)
    return _after_request_change(request, support_request, ok, link_form=form)


@login_required
@require_POST
def request_reject(request, code: str):
    support_request = selectors.get_request_for(request.user, code)
    form = forms.RejectForm(request.POST)
    ok = _run(
        form,
        lambda d: services.reject_request(request=support_request, by=request.user, reason=d["reason"], note=d["note"]),
    )
    return _after_request_change(request, support_request, ok, reject_form=form)


@login_required
@require_POST
def request_assign(request, code: str):
    support_request = selectors.get_request_for(request.user, code)
    form = forms.AssignForm(request.POST)
    form.fields["association"].queryset = selectors.associations_for(request.user, support_request.administration_id)
    ok = _run(
        form,
        lambda d: services.assign_request(request=support_request, by=request.user, association=d["association"]),
    )
    return _after_request_change(request, support_request, ok, assign_form=form)


# Households -------------------------------------------------------------------------------------------------


@login_required
def household_list(request):
    _internal(request)
    households = selectors.households_visible_to(request.user)
    regions = Region.objects.filter(pk__in=households.values("region_id")).order_by("code")
    form = forms.HouseholdFilterForm(request.GET or None, regions=regions)
    if form.is_valid():
        households = _filter_households(households, form.cleaned_data)
    open_needs = HouseholdNeed.objects.filter(household=OuterRef("pk"), status__in=["open", "in_progress"])
    accepted = SupportRequest.objects.filter(household=OuterRef("pk"), status=SupportRequest.Status.ACCEPTED)
    households = households.annotate(
        open_needs=Count("support_needs", filter=Q(support_needs__status__in=["open", "in_progress"]), distinct=True),
        supported=Exists(accepted),
        needing=Exists(open_needs),
    ).order_by("-needing", "public_code")
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    selectors.attach_covering_associations(page.object_list)
    template = "support/household_list.html#results" if is_htmx(request) else "support/household_list.html"
    return render(request, template, {"form": form, "page": page})


def _filter_households(households, data: dict):
    if data["code"]:
        households = households.filter(public_code=data["code"].strip().upper())
    if data["region"]:
        households = households.filter(region__code=data["region"])
    if data["need"] or data["urgency"]:
        needs = HouseholdNeed.objects.filter(household=OuterRef("pk"), status__in=["open", "in_progress"])
        if data["need"]:
            needs = needs.filter(kind=data["need"])
        if data["urgency"]:
            needs = needs.filter(urgency=data["urgency"])
        households = households.filter(Exists(needs))
    return households


def _household_context(request, household, **given) -> dict:
    user = request.user
    support = selectors.household_support(household)
    can_assess = selectors.can_assess(user, household)
    can_give = selectors.can_give(user, household)
    context = {
        "household": household,
        "support": support,
        "members": list(household.members.all()),
        "can_assess": can_assess and support.accepted,
        "can_give": can_give and support.accepted,
        "organization_id": scope_of(user).organization_id,
        "is_partner": scope_of(user).is_partner,
        "need_status_choices": HouseholdNeed.Status.choices,
        "today": timezone.localdate(),
    }
    context["need_form"] = given.get("need_form") or forms.NeedForm(
        initial={"assessed_on": timezone.localdate(), "currency": _currency_of(household)}
    )
    context["package_form"] = given.get("package_form") or _package_form(request, household)
    context["disbursement_forms"] = {
        package.pk: (
            given.get("disbursement_form")
            if given.get("disbursement_package") == package.pk
            else forms.DisbursementForm(initial={"disbursed_on": timezone.localdate()})
        )
        for package in support.packages
        if package.status == "active"
    }
    return context


def _currency_of(household) -> str:
    from babel.numbers import get_territory_currencies

    currencies = get_territory_currencies(household.person.administration.country, tender=True)
    return currencies[0] if currencies else ""


def _package_form(request, household, data=None) -> forms.PackageForm:
    form = forms.PackageForm(data, initial={"starts_on": timezone.localdate(), "currency": _currency_of(household)})
    administration_id = household.person.administration_id
    agreements = agreements_visible_to(request.user).filter(administration_id=administration_id, status="active")
    scope = scope_of(request.user)
    if scope.is_partner:
        agreements = agreements.filter(parties__organization_id=scope.organization_id).distinct()
        del form.fields["association"]
    else:
        form.fields["association"].queryset = selectors.associations_for(request.user, administration_id)
        form.fields["association"].required = True
    form.fields["agreement"].queryset = agreements.order_by("reference")
    form.fields["budget"].queryset = Budget.objects.filter(agreement__in=agreements).select_related("agreement")
    form.fields["needs"].queryset = household.support_needs.filter(status__in=["open", "in_progress"])
    return form


@login_required
def household_detail(request, code: str):
    household = selectors.get_household_for(request.user, code)
    log_access(
        user=request.user,
        person=household.person,
        action=AccessAction.VIEW,
        detail="support household",
        address=_address(request),
    )
    return render(request, "support/household_detail.html", _household_context(request, household))


def _after_household_change(request, household, section: str, ok: bool, **given):
    if ok and not is_htmx(request):
        messages.success(request, _("Saved."))
        return redirect("support:household", code=household.public_code)
    household = selectors.get_household_for(request.user, household.public_code)
    context = _household_context(request, household, **given)
    if not is_htmx(request):
        return render(request, "support/household_detail.html", context)
    response = render(request, f"support/household_detail.html#{section}", context)
    if section == "needs" and ok:
        # A new need is one the package form can answer: its section comes along, out of band.
        extra = render(request, "support/household_detail.html#packages", {**context, "oob": True})
        response.content += extra.content
    return response


@login_required
@require_POST
def need_add(request, code: str):
    household = selectors.get_household_for(request.user, code)
    form = forms.NeedForm(request.POST)
    ok = _run(form, lambda d: services.record_need(household=household, by=request.user, **d))
    return _after_household_change(request, household, "needs", ok, need_form=None if ok else form)


@login_required
@require_POST
def package_add(request, code: str):
    household = selectors.get_household_for(request.user, code)
    form = _package_form(request, household, request.POST)
    ok = _run(
        form, lambda d: services.create_package(household=household, by=request.user, form=d.pop("given_as"), **d)
    )
    return _after_household_change(request, household, "packages", ok, package_form=None if ok else form)


@login_required
@require_POST
def package_status(request, uuid):
    package = selectors.get_package_for(request.user, uuid)
    form = forms.PackageStatusForm(request.POST)
    ok = _run(form, lambda d: services.change_package_status(package=package, by=request.user, status=d["status"]))
    return _after_household_change(request, package.household, "packages", ok)


@login_required
@require_POST
def disbursement_add(request, uuid):
    package = selectors.get_package_for(request.user, uuid)
    form = forms.DisbursementForm(request.POST)
    ok = _run(form, lambda d: services.record_disbursement(package=package, by=request.user, **d))
    given = {} if ok else {"disbursement_form": form, "disbursement_package": package.pk}
    return _after_household_change(request, package.household, "packages", ok, **given)


# Needs and evidence ------------------------------------------------------------------------------------------


def _need_context(request, need, **given) -> dict:
    return {
        "need": need,
        "household": need.household,
        "evidence": list(need.evidence.select_related("uploaded_by")),
        "packages": list(need.packages.select_related("association")),
        "can_assess": selectors.can_assess(request.user, need.household),
        "status_form": given.get("status_form") or forms.NeedStatusForm(initial={"status": need.status}),
        "evidence_form": given.get("evidence_form") or forms.EvidenceForm(),
    }


@login_required
def need_detail(request, uuid):
    need = selectors.get_need_for(request.user, uuid)
    log_access(
        user=request.user,
        person=need.household.person,
        action=AccessAction.VIEW,
        detail="support need",
        address=_address(request),
    )
    return render(request, "support/need_detail.html", _need_context(request, need))


def _after_need_change(request, need, ok: bool, **given):
    if ok:
        messages.success(request, _("Saved."))
        return redirect("support:need", uuid=need.uuid)
    need = selectors.get_need_for(request.user, need.uuid)
    return render(request, "support/need_detail.html", _need_context(request, need, **given))


@login_required
@require_POST
def need_status(request, uuid):
    need = selectors.get_need_for(request.user, uuid)
    form = forms.NeedStatusForm(request.POST)
    ok = _run(form, lambda d: services.change_need_status(need=need, by=request.user, **d))
    return _after_need_change(request, need, ok, status_form=form)


@login_required
@require_POST
def evidence_add(request, uuid):
    need = selectors.get_need_for(request.user, uuid)
    form = forms.EvidenceForm(request.POST, request.FILES)
    ok = _run(
        form, lambda d: services.attach_evidence(need=need, by=request.user, uploaded=d["file"], title=d["title"])
    )
    return _after_need_change(request, need, ok, evidence_form=form)


@never_cache
@login_required
def evidence_file(request, uuid):
    # Served through the scoped selector, never from a public media URL.
    evidence = selectors.get_evidence_for(request.user, uuid)
    log_access(
        user=request.user,
        person=evidence.need.household.person,
        action=AccessAction.VIEW,
        detail="support evidence",
        address=_address(request),
    )
    extension = "pdf" if evidence.content_type == "application/pdf" else "jpg"
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    response["Content-Disposition"] = f'inline; filename="evidence-{evidence.uuid}.{extension}"'
    return response


# Approvals ---------------------------------------------------------------------------------------------------


@login_required
def approvals(request):
    if not scope_of(request.user).manages_something:
        raise Http404
    pending = list(selectors.awaiting_approval(request.user))
    return render(request, "support/approvals.html", {"pending": pending, "refuse_form": forms.RefuseForm()})


def _pending_for(request, uuid) -> Disbursement:
    disbursement = selectors.awaiting_approval(request.user).filter(uuid=uuid).first()
    if disbursement is None:
        raise Http404
    return disbursement


@login_required
@require_POST
def disbursement_approve(request, uuid):
    disbursement = _pending_for(request, uuid)
    try:
        services.approve_disbursement(disbursement=disbursement, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Approved: the budget was drawn."))
    return redirect("support:approvals")


@login_required
@require_POST
def disbursement_refuse(request, uuid):
    disbursement = _pending_for(request, uuid)
    form = forms.RefuseForm(request.POST)
    if _run(form, lambda d: services.refuse_disbursement(disbursement=disbursement, by=request.user, **d)):
        messages.success(request, _("Refused."))
    else:
        messages.error(request, _("Say why the disbursement is refused."))
    return redirect("support:approvals")


# Coverage ----------------------------------------------------------------------------------------------------


def _coverage_form(request, data=None) -> forms.CoverageForm:
    form = forms.CoverageForm(data)
    ids = scope_of(request.user).manageable_administration_ids()
    associations = selectors.associations_for(request.user)
    if ids is not None:
        associations = associations.filter(administration_id__in=ids)
    form.fields["association"].queryset = associations
    countries = associations.values("administration__country")
    form.fields["region"].queryset = Region.objects.filter(country__in=countries).order_by("country", "code")
    form.fields["region"].choices = forms.grouped_regions(form.fields["region"].queryset)
    return form


@login_required
@require_http_methods(["GET", "POST"])
def coverage(request):
    _internal(request)
    scope = scope_of(request.user)
    form = _coverage_form(request, request.POST or None) if scope.manages_something else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if _run(form, lambda d: services.add_coverage(by=request.user, **d)):
            messages.success(request, _("Saved."))
            return redirect("support:coverage")
    rows = list(selectors.coverage_visible_to(request.user).order_by("administration__code", "region__code"))
    open_requests = {
        (association, region): count
        for association, region, count in SupportRequest.objects.filter(
            status__in=services.OPEN_REQUEST_STATUSES, association_id__in={row.association_id for row in rows}
        )
        .values_list("association_id", "region_id")
        .annotate(count=Count("pk"))
        .order_by()
    }
    for row in rows:
        row.open_requests = open_requests.get((row.association_id, row.region_id), 0)
    context = {
        "rows": rows,
        "form": form,
        "can_end": {row.pk for row in rows if scope.can_manage(row.administration_id)},
    }
    return render(request, "support/coverage.html", context)


@login_required
@require_POST
def coverage_end(request, pk: int):
    row = selectors.coverage_visible_to(request.user).filter(pk=pk).first()
    if row is None or not scope_of(request.user).can_manage(row.administration_id):
        raise Http404
    try:
        services.end_coverage(coverage=row, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("support:coverage")


# From the person's page ---------------------------------------------------------------------------------------


@login_required
@require_POST
def register_person(request, code: str):
    person = get_person_for(request.user, code)
    try:
        support_request = services.register_for_support(
            person=person, by=request.user, note=request.POST.get("note", "")
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if support_request.association_id:
            messages.success(request, _("Registered: the association will check the household face to face."))
        else:
            messages.warning(request, _("Registered, but no association covers this region yet."))
    return redirect("people:detail", code=person.public_code)
