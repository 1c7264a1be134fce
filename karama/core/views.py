"""Pages of the core: home, organizations, facilities, preferences and the change history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from karama.core import services
from karama.core.access import scope_of
from karama.core.forms import FacilityForm, OrganizationForm, PreferencesForm
from karama.core.history import history_visible_to
from karama.core.http import is_htmx, remember_language
from karama.core.models import Organization
from karama.core.selectors import (
    administrations_managed_by,
    facilities_visible_to,
    get_facility_for,
    get_organization_for,
    organizations_visible_to,
    search_named,
)

PAGE_SIZE = 25


def apply_form_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError onto the form, field by field where it names fields."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def home(request):
    from karama.agreements.selectors import agreements_visible_to

    scope = scope_of(request.user)
    context = {}
    if not scope.sees_nothing_internal:
        agreements = agreements_visible_to(request.user)
        context = {
            "agreement_count": agreements.count(),
            "active_count": agreements.filter(status="active").count(),
            "organization_count": organizations_visible_to(request.user).count(),
            "facility_count": facilities_visible_to(request.user).count(),
            "recent_agreements": agreements.order_by("-updated_at")[:5],
        }
    return render(request, "core/home.html", context)


@login_required
def organization_list(request):
    organizations = organizations_visible_to(request.user).select_related("administration")
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    country = request.GET.get("country", "")
    if query:
        organizations = search_named(organizations, query)
    if kind in Organization.Kind.values:
        organizations = organizations.filter(kind=kind)
    if country:
        organizations = organizations.filter(country=country.upper()[:2])
    page = Paginator(organizations.order_by("kind", "code"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "kind": kind, "country": country, "kinds": Organization.Kind.choices}
    template = "core/organization_list.html#rows" if is_htmx(request) else "core/organization_list.html"
    return render(request, template, context)


@login_required
def organization_detail(request, code):
    from karama.agreements.selectors import organization_agreements

    organization = get_organization_for(request.user, code)
    context = {
        "organization": organization,
        "agreements": organization_agreements(request.user, organization.pk).order_by("-signed_on"),
        "facilities": facilities_visible_to(request.user).filter(administration=organization)
        if organization.is_administration
        else [],
        "contacts": organization.contacts.all(),
        "can_manage": scope_of(request.user).can_manage(organization.administration_id_for_scoping),
    }
    return render(request, "core/organization_detail.html", context)


def _organization_form_values(form) -> dict:
    data = form.cleaned_data
    return {
        "names": data["names"],
        "original_language": data["original_language"],
        "kind": data["kind"],
        "country": data["country"],
        "region": data["region"],
        "website": data["website"],
        "email": data["email"],
        "phone": data["phone"],
        "address": data["address"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request):
    scope = scope_of(request.user)
    if not scope.manages_something:
        raise Http404
    form = OrganizationForm(request.POST or None, initial={"administration": request.user.administration_id})
    form.fields["administration"].queryset = administrations_managed_by(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.register_organization(
                by=request.user,
                code=form.cleaned_data["code"],
                administration=form.cleaned_data["administration"],
                **_organization_form_values(form),
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Organization saved."))
            return redirect("organization_detail", code=organization.code)
    return render(request, "core/organization_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, code):
    organization = get_organization_for(request.user, code)
    if not scope_of(request.user).can_manage(organization.administration_id_for_scoping):
        raise Http404
    initial = {
        "kind": organization.kind,
        "code": organization.code,
        "country": organization.country,
        "region": organization.region_id,
        "website": organization.website,
        "email": organization.email,
        "phone": organization.phone,
        "address": organization.address,
        "original_language": organization.original_language,
    }
    form = OrganizationForm(request.POST or None, initial=initial, names=organization.names)
    form.fields["code"].disabled = True
    del form.fields["administration"]
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(organization=organization, by=request.user, **_organization_form_values(form))
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Organization saved."))
            return redirect("organization_detail", code=organization.code)
    return render(request, "core/organization_form.html", {"form": form, "organization": organization})


@login_required
def facility_list(request):
    facilities = facilities_visible_to(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        facilities = search_named(facilities, query)
    page = Paginator(facilities.order_by("administration__code", "code"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/facility_list.html", {"page": page, "query": query})


@login_required
def facility_detail(request, code):
    from karama.agreements.selectors import agreements_visible_to

    facility = get_facility_for(request.user, code)
    agreements = agreements_visible_to(request.user).filter(administration_id=facility.administration_id)
    if facility.operator_id:
        agreements = agreements.filter(parties__organization_id=facility.operator_id).distinct()
    context = {
        "facility": facility,
        "agreements": agreements.order_by("-signed_on")[:50],
        "can_manage": scope_of(request.user).can_manage(facility.administration_id),
        "show_worklist": not scope_of(request.user).is_partner,
    }
    return render(request, "core/facility_detail.html", context)


def _facility_form(request, data=None, **kwargs) -> FacilityForm:
    form = FacilityForm(data, **kwargs)
    form.fields["administration"].queryset = administrations_managed_by(request.user)
    form.fields["operator"].queryset = organizations_visible_to(request.user).exclude(
        kind=Organization.Kind.PRISON_ADMINISTRATION
    )
    return form


def _facility_values(form) -> dict:
    data = form.cleaned_data
    return {
        "names": data["names"],
        "original_language": data["original_language"],
        "kind": data["kind"],
        "country": data["country"],
        "region": data["region"],
        "operator": data["operator"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def facility_create(request):
    if not scope_of(request.user).manages_something:
        raise Http404
    form = _facility_form(request, request.POST or None, initial={"administration": request.user.administration_id})
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.register_facility(
                by=request.user,
                code=form.cleaned_data["code"],
                administration=form.cleaned_data["administration"],
                **_facility_values(form),
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Facility saved."))
            return redirect("facility_detail", code=facility.code)
    return render(request, "core/facility_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def facility_edit(request, code):
    facility = get_facility_for(request.user, code)
    if not scope_of(request.user).can_manage(facility.administration_id):
        raise Http404
    initial = {
        "kind": facility.kind,
        "code": facility.code,
        "administration": facility.administration_id,
        "operator": facility.operator_id,
        "region": facility.region_id,
        "country": facility.country,
        "original_language": facility.original_language,
    }
    form = _facility_form(request, request.POST or None, initial=initial, names=facility.names)
    form.fields["code"].disabled = True
    form.fields["administration"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.update_facility(facility=facility, by=request.user, **_facility_values(form))
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Facility saved."))
            return redirect("facility_detail", code=facility.code)
    return render(request, "core/facility_form.html", {"form": form, "facility": facility})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.set_preferences(
            user=request.user, language=data["language"], calendar=data["calendar"], digits=data["digits"]
        )
        translation.activate(data["language"])
        response = HttpResponseRedirect(reverse("preferences"))
        remember_language(response, data["language"])
        messages.success(request, _("Preferences saved."))
        return response
    if request.method == "GET" and not request.user.language:
        form.initial["language"] = translation.get_language()
    return render(request, "core/preferences.html", {"form": form})


@login_required
def history(request):
    scope = scope_of(request.user)
    if not (scope.is_auditor or scope.manages_something):
        raise Http404
    entries = history_visible_to(request.user)
    model = request.GET.get("model", "")
    actor = request.GET.get("actor", "").strip()
    action = request.GET.get("action", "")
    if model:
        entries = entries.filter(content_type__model=model)
    if actor:
        entries = entries.filter(actor__username=actor)
    if action.isdigit():
        entries = entries.filter(action=int(action))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = {"page": page, "model": model, "actor": actor, "action": action}
    return render(request, "core/history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """A user's tokens for systems that call the API on their behalf; the secret is shown once."""
    scope = scope_of(request.user)
    if scope.sees_nothing_internal:
        raise Http404
    new_secret = None
    if request.method == "POST":
        if "revoke" in request.POST:
            services.revoke_api_token(user=request.user, prefix=request.POST["revoke"])
            messages.success(request, _("Token revoked."))
            return redirect("api_tokens")
        try:
            _token, new_secret = services.issue_api_token(user=request.user, name=request.POST.get("name", ""))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
    tokens = request.user.api_tokens.order_by("-created_at")
    return render(request, "core/api_tokens.html", {"tokens": tokens, "new_secret": new_secret})
