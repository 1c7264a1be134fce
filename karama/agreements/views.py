"""Agreement pages: list, detail, forms. Thin: fetch through a selector, act through a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karama.agreements import services
from karama.agreements.forms import (
    AgreementFilterForm,
    AgreementForm,
    BudgetForm,
    BudgetMovementForm,
    CommitmentForm,
    DocumentForm,
    ObjectiveForm,
    PartyForm,
    StatusForm,
)
from karama.agreements.models import Agreement
from karama.agreements.sections import agreement_sections_for
from karama.agreements.selectors import (
    AgreementFilters,
    agreement_detail,
    agreement_list_for,
    get_agreement_for,
    get_agreement_to_manage,
)
from karama.core.access import scope_of
from karama.core.forms import options_from
from karama.core.history import history_of_agreement
from karama.core.http import is_htmx
from karama.core.i18n import country_name, pick_name
from karama.core.selectors import administrations_managed_by, organizations_visible_to
from karama.core.views import apply_form_errors

PAGE_SIZE = 20


def _filter_form(request) -> AgreementFilterForm:
    form = AgreementFilterForm(request.GET or None)
    visible_organizations = organizations_visible_to(request.user)
    countries = sorted(
        set(visible_organizations.filter(kind="prison_administration").values_list("country", flat=True))
    )
    form.fields["country"].choices = [("", _("Any"))] + [(code, country_name(code)) for code in countries]
    partners = visible_organizations.exclude(kind="prison_administration").order_by("code")
    rows = partners.values_list("code", "names", "original_language")
    form.fields["partner"].choices = [("", _("Any"))] + [(code, pick_name(names, lang)) for code, names, lang in rows]
    return form


@login_required
def agreement_list(request):
    if scope_of(request.user).sees_nothing_internal:
        raise Http404
    form = _filter_form(request)
    filters = AgreementFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = AgreementFilters(
            query=data["q"],
            country=data["country"],
            partner=data["partner"],
            partner_kind=data["partner_kind"],
            domain=data["domain"],
            status=data["status"],
        )
    agreements = agreement_list_for(request.user, filters)
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_create": scope_of(request.user).manages_something,
    }
    template = "agreements/list.html#results" if is_htmx(request) else "agreements/list.html"
    return render(request, template, context)


def _detail_context(request, agreement: Agreement, movement_budget: int | None = None, **forms) -> dict:
    can_manage = scope_of(request.user).can_manage(agreement.administration_id)
    detail = agreement_detail(agreement)
    context = {
        "agreement": agreement,
        "detail": detail,
        "can_manage": can_manage,
        "history": history_of_agreement(agreement.pk)[:30],
        "next_statuses": [Agreement.Status(s) for s in Agreement.TRANSITIONS[agreement.status]],
        "extra_sections": agreement_sections_for(request.user, agreement),
    }
    if can_manage:
        context.update(
            party_form=forms.get("party_form") or _party_form(request, agreement),
            objective_form=forms.get("objective_form") or ObjectiveForm(),
            commitment_form=forms.get("commitment_form") or _commitment_form(agreement),
            budget_form=forms.get("budget_form") or _budget_form(agreement),
            movement_form=BudgetMovementForm(),
            failed_movement_form=forms.get("movement_form"),
            movement_budget=movement_budget,
            document_form=forms.get("document_form") or DocumentForm(),
        )
    return context


def _party_form(request, agreement, data=None) -> PartyForm:
    form = PartyForm(data)
    options_from(form.fields["organization"], organizations_visible_to(request.user).order_by("code"))
    return form


def _commitment_form(agreement, data=None) -> CommitmentForm:
    form = CommitmentForm(data)
    form.fields["party"].queryset = agreement.parties.select_related("organization")
    return form


def _budget_form(agreement, data=None) -> BudgetForm:
    form = BudgetForm(data)
    form.fields["funder"].queryset = agreement.parties.select_related("organization")
    return form


@login_required
def agreement_detail_view(request, pk: int):
    agreement = get_agreement_for(request.user, pk)
    return render(request, "agreements/detail.html", _detail_context(request, agreement))


def _section_response(request, agreement, section: str, movement_budget: int | None = None, **forms):
    """After an inline change: the re-rendered section for HTMX, or back to the page without it."""
    if is_htmx(request):
        context = _detail_context(request, agreement, movement_budget, **forms)
        if section == "parties":
            return render(request, "agreements/_parties_changed.html", context)
        return render(request, f"agreements/detail.html#{section}", context)
    if any(form is not None and form.errors for form in forms.values()):
        context = _detail_context(request, agreement, movement_budget, **forms)
        return render(request, "agreements/detail.html", context)
    return redirect("agreements:detail", pk=agreement.pk)


def _agreement_form(request, data=None, **kwargs) -> AgreementForm:
    form = AgreementForm(data, **kwargs)
    form.fields["administration"].queryset = administrations_managed_by(request.user)
    return form


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request):
    if not scope_of(request.user).manages_something:
        raise Http404
    form = _agreement_form(request, request.POST or None, initial={"administration": request.user.administration_id})
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.create_agreement(
                by=request.user,
                administration=form.cleaned_data["administration"],
                domains=form.cleaned_data["domains"],
                **form.agreement_values(),
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Agreement created. Add its parties, objectives and commitments."))
            return redirect("agreements:detail", pk=agreement.pk)
    return render(request, "agreements/form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request, pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    initial = {
        "administration": agreement.administration_id,
        "kind": agreement.kind,
        "reference": agreement.reference,
        "summary": agreement.summary,
        "signed_on": agreement.signed_on,
        "signed_place": agreement.signed_place,
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "domains": list(agreement.domains.values_list("domain", flat=True)),
        "original_language": agreement.original_language,
    }
    form = _agreement_form(request, request.POST or None, initial=initial, names=agreement.names)
    form.fields["administration"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.update_agreement(
                agreement=agreement, by=request.user, domains=form.cleaned_data["domains"], **form.agreement_values()
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Agreement saved."))
            return redirect("agreements:detail", pk=agreement.pk)
    return render(request, "agreements/form.html", {"form": form, "agreement": agreement})


@login_required
@require_POST
def agreement_status(request, pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    form = StatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Unknown status."))
        services.change_agreement_status(agreement=agreement, status=form.cleaned_data["status"], by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Status changed."))
    return redirect("agreements:detail", pk=agreement.pk)


@login_required
@require_POST
def party_add(request, pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    form = _party_form(request, agreement, request.POST)
    if form.is_valid():
        try:
            services.add_party(agreement=agreement, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            form = None
    return _section_response(request, agreement, "parties", party_form=form)


@login_required
@require_POST
def party_remove(request, pk: int, party_pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    party = agreement.parties.filter(pk=party_pk).first()
    if party is None:
        raise Http404
    try:
        services.remove_party(party=party, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _section_response(request, agreement, "parties")


@login_required
@require_POST
def objective_add(request, pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    form = ObjectiveForm(request.POST)
    if form.is_valid():
        try:
            services.add_objective(agreement=agreement, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            form = None
    return _section_response(request, agreement, "objectives", objective_form=form)


@login_required
@require_POST
def objective_remove(request, pk: int, objective_pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    objective = agreement.objectives.filter(pk=objective_pk).first()
    if objective is None:
        raise Http404
    services.remove_objective(objective=objective, by=request.user)
    return _section_response(request, agreement, "objectives")


@login_required
@require_POST
def commitment_add(request, pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    form = _commitment_form(agreement, request.POST)
    if form.is_valid():
        try:
            services.add_commitment(agreement=agreement, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            form = None
    return _section_response(request, agreement, "commitments", commitment_form=form)


@login_required
@require_POST
def commitment_remove(request, pk: int, commitment_pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    commitment = agreement.commitments.filter(pk=commitment_pk).first()
    if commitment is None:
        raise Http404
    services.remove_commitment(commitment=commitment, by=request.user)
    return _section_response(request, agreement, "commitments")


@login_required
@require_POST
def budget_add(request, pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    form = _budget_form(agreement, request.POST)
    if form.is_valid():
        try:
            services.add_budget(agreement=agreement, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            form = None
    return _section_response(request, agreement, "budgets", budget_form=form)


@login_required
@require_POST
def movement_add(request, pk: int, budget_pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    budget = agreement.budgets.filter(pk=budget_pk).first()
    if budget is None:
        raise Http404
    form = BudgetMovementForm(request.POST)
    if form.is_valid():
        try:
            services.record_budget_movement(budget=budget, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            form = None
    return _section_response(request, agreement, "budgets", movement_budget=budget.pk, movement_form=form)


@login_required
@require_POST
def document_add(request, pk: int):
    agreement = get_agreement_to_manage(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attach_document(
                agreement=agreement,
                by=request.user,
                uploaded=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            form = None
    return _section_response(request, agreement, "documents", document_form=form)


@login_required
def document_download(request, pk: int, document_pk: int):
    # Served through the scoped selector, never from a public media URL.
    agreement = get_agreement_for(request.user, pk)
    document = agreement.documents.filter(pk=document_pk).first()
    if document is None:
        raise Http404
    response = FileResponse(document.file.open("rb"), content_type="application/pdf", as_attachment=False)
    response["Content-Disposition"] = f'inline; filename="agreement-{agreement.pk}-{document.pk}.pdf"'
    return response
