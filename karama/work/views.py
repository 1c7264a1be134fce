"""Work pages: workshops with their jobs and pay, capacity and investment proposals, openings with their
ranked candidates, the openings for a person or for everyone due for release, applications and retention.

Every view fetches through a selector first (404 outside one's scope), then calls a service.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karama.agreements.models import Commitment
from karama.agreements.selectors import agreements_visible_to
from karama.core.access import scope_of
from karama.core.http import is_htmx
from karama.core.models import Organization
from karama.core.selectors import facilities_visible_to, get_facility_for, search_named
from karama.core.text import normalize_for_search
from karama.core.views import apply_form_errors
from karama.people.models import AccessAction, PersonStatus
from karama.people.selectors import can_manage_person, get_person_for, people_visible_to, visible_sections
from karama.people.services import log_access
from karama.work import forms, matching, selectors, services
from karama.work.models import (
    Application,
    ApplicationStatus,
    FacilityCapacity,
    Job,
    OpeningStatus,
    ProposalStatus,
    WorkshopStatus,
)

PAGE_SIZE = 25
CANDIDATES_SHOWN = 25


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


def _internal(request) -> None:
    if scope_of(request.user).sees_nothing_internal:
        raise Http404


# Home ---------------------------------------------------------------------------------------------------


@login_required
def home(request):
    """The due work: retention checks, pay runs to approve or pay, jobs to end, proposals to review."""
    _internal(request)
    user = request.user
    context = {
        "workshop_count": selectors.workshops_visible_to(user).exclude(status=WorkshopStatus.CLOSED).count(),
        "opening_count": selectors.openings_visible_to(user).filter(status=OpeningStatus.OPEN).count(),
        "placement_count": selectors.placements_visible_to(user).filter(status=ApplicationStatus.HIRED).count(),
        "checks": list(selectors.retention_checks_due(user)[:20]),
        "pay_runs": list(selectors.draft_pay_runs(user)[:10]),
        "jobs_to_end": list(selectors.jobs_to_end(user)[:20]),
        "proposals": list(selectors.pending_proposals(user)[:10]),
        "sees_workers": selectors.sees_workers(user),
        "scope": scope_of(user),
        "today": timezone.localdate(),
    }
    return render(request, "work/home.html", context)


# Workshops ----------------------------------------------------------------------------------------------


@login_required
def workshop_list(request):
    _internal(request)
    workshops = selectors.workshops_visible_to(request.user).annotate(
        workers=Count("jobs", filter=Q(jobs__ends_on__isnull=True), distinct=True)
    )
    query = request.GET.get("q", "").strip()
    if query:
        workshops = search_named(workshops, query)
    page = Paginator(workshops.order_by("facility__code", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "can_create": scope_of(request.user).manages_something}
    return render(request, "work/workshop_list.html", context)


def _workshop_form(request, data=None, **kwargs) -> forms.WorkshopForm:
    form = forms.WorkshopForm(data, **kwargs)
    scope = scope_of(request.user)
    managed = scope.manageable_administration_ids()
    facilities = facilities_visible_to(request.user)
    agreements = agreements_visible_to(request.user)
    if managed is not None:
        facilities = facilities.filter(administration_id__in=managed)
        agreements = agreements.filter(administration_id__in=managed)
    form.fields["facility"].queryset = facilities.order_by("code")
    form.fields["operator"].queryset = selectors.employers_for(request.user).order_by("code")
    form.fields["agreement"].queryset = agreements
    form.fields["commitment"].queryset = Commitment.objects.filter(agreement__in=agreements).select_related("agreement")
    return form


def _workshop_values(data: dict) -> dict:
    fields = ("names", "original_language", "kind", "occupation", "operator", "agreement", "commitment")
    values = {name: data[name] for name in fields}
    values |= {
        "description": data["description"],
        "space_square_metres": data["space_square_metres"],
        "status": data["status"],
        "opened_on": data["opened_on"],
    }
    return values


@login_required
@require_http_methods(["GET", "POST"])
def workshop_create(request):
    if not scope_of(request.user).manages_something:
        raise Http404
    form = _workshop_form(request, request.POST or None)
    created = []
    if request.method == "POST" and _run(
        form,
        lambda d: created.append(
            services.create_workshop(
                by=request.user, facility=d["facility"], currency=d["currency"], **_workshop_values(d)
            )
        ),
    ):
        messages.success(request, _("Workshop created. Add its positions, pay bands and wage split."))
        return redirect("work:workshop_detail", code=created[0].code)
    return render(request, "work/workshop_form.html", {"form": form})


def _managed_workshop(request, code: str):
    workshop = selectors.get_workshop_for(request.user, code)
    if not selectors.can_manage_workshop(request.user, workshop):
        raise Http404
    return workshop


def _run_workshop(request, code: str):
    workshop = selectors.get_workshop_for(request.user, code)
    if not selectors.can_run_workshop(request.user, workshop):
        raise Http404
    return workshop


@login_required
@require_http_methods(["GET", "POST"])
def workshop_edit(request, code: str):
    workshop = _managed_workshop(request, code)
    initial = {
        "facility": workshop.facility_id,
        "kind": workshop.kind,
        "occupation": workshop.occupation,
        "operator": workshop.operator_id,
        "agreement": workshop.agreement_id,
        "commitment": workshop.commitment_id,
        "currency": workshop.currency,
        "space_square_metres": workshop.space_square_metres,
        "status": workshop.status,
        "opened_on": workshop.opened_on,
        "description": workshop.description,
        "original_language": workshop.original_language,
    }
    form = _workshop_form(request, request.POST or None, initial=initial, names=workshop.names)
    form.fields["facility"].disabled = True
    form.fields["currency"].disabled = True
    if request.method == "POST" and _run(
        form, lambda d: services.update_workshop(workshop=workshop, by=request.user, **_workshop_values(d))
    ):
        messages.success(request, _("Saved."))
        return redirect("work:workshop_detail", code=workshop.code)
    return render(request, "work/workshop_form.html", {"form": form, "workshop": workshop})


def _workshop_context(request, workshop, **given) -> dict:
    detail = selectors.workshop_detail(request.user, workshop)
    context = {
        "workshop": workshop,
        "detail": detail,
        "can_manage": selectors.can_manage_workshop(request.user, workshop),
        "can_run": selectors.can_run_workshop(request.user, workshop),
        "sees_workers": selectors.sees_workers(request.user),
        "today": timezone.localdate(),
    }
    if context["can_manage"]:
        context |= {
            "position_form": given.get("position_form")
            or forms.PositionForm(initial={"occupation": workshop.occupation}),
            "band_form": given.get("band_form") or forms.PayBandForm(),
            "split_form": given.get("split_form")
            or forms.WageSplitForm(initial={"effective_from": timezone.localdate()}),
        }
    if context["can_run"]:
        context |= {
            "job_form": given.get("job_form") or _job_form(request, workshop),
            "end_form": forms.JobEndForm(initial={"ends_on": timezone.localdate()}),
            "period_form": forms.PayPeriodForm(),
        }
    return context


def _job_form(request, workshop, data=None) -> forms.JobForm:
    form = forms.JobForm(data, initial={"starts_on": timezone.localdate()})
    form.fields["person"].queryset = (
        people_visible_to(request.user)
        .filter(facility_id=workshop.facility_id, status=PersonStatus.IN_CUSTODY)
        .exclude(pk__in=Job.objects.filter(ends_on__isnull=True).values("person_id"))
        .order_by("family_name", "given_name")
    )
    form.fields["position"].queryset = workshop.positions.all()
    form.fields["pay_band"].queryset = workshop.pay_bands.all()
    return form


@login_required
def workshop_detail(request, code: str):
    workshop = selectors.get_workshop_for(request.user, code)
    return render(request, "work/workshop_detail.html", _workshop_context(request, workshop))


def _workshop_section(request, workshop, section: str, **given):
    if is_htmx(request):
        return render(request, f"work/workshop_detail.html#{section}", _workshop_context(request, workshop, **given))
    if any(form is not None and form.errors for form in given.values()):
        return render(request, "work/workshop_detail.html", _workshop_context(request, workshop, **given))
    return redirect("work:workshop_detail", code=workshop.code)


@login_required
@require_POST
def position_add(request, code: str):
    workshop = _managed_workshop(request, code)
    form = forms.PositionForm(request.POST)
    ok = _run(form, lambda d: services.add_position(workshop=workshop, by=request.user, **d))
    return _workshop_section(request, workshop, "positions", position_form=None if ok else form)


@login_required
@require_POST
def pay_band_add(request, code: str):
    workshop = _managed_workshop(request, code)
    form = forms.PayBandForm(request.POST)
    ok = _run(form, lambda d: services.add_pay_band(workshop=workshop, by=request.user, **d))
    return _workshop_section(request, workshop, "pay", band_form=None if ok else form)


@login_required
@require_POST
def wage_split_add(request, code: str):
    workshop = _managed_workshop(request, code)
    form = forms.WageSplitForm(request.POST)
    ok = _run(form, lambda d: services.agree_wage_split(workshop=workshop, by=request.user, **d))
    return _workshop_section(request, workshop, "pay", split_form=None if ok else form)


@login_required
@require_POST
def job_assign(request, code: str):
    workshop = _run_workshop(request, code)
    form = _job_form(request, workshop, request.POST)
    try:
        ok = _run(form, lambda d: services.assign_job(by=request.user, **d))
    except PermissionDenied:
        raise Http404 from None
    return _workshop_section(request, workshop, "jobs", job_form=None if ok else form)


@login_required
@require_POST
def job_end(request, code: str, job_code: str):
    workshop = _run_workshop(request, code)
    job = selectors.jobs_visible_to(request.user).filter(workshop=workshop, code=job_code).first()
    if job is None:
        raise Http404
    form = forms.JobEndForm(request.POST)
    if not _run(form, lambda d: services.end_job(by=request.user, job=job, ends_on=d["ends_on"], reason=d["reason"])):
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return _workshop_section(request, workshop, "jobs")


# Pay runs -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pay_run_create(request, code: str):
    """First the period, then one box per job of the period for what was worked."""
    workshop = _run_workshop(request, code)
    period = forms.PayPeriodForm(request.POST or request.GET or None)
    jobs = []
    if period.is_valid():
        jobs = list(
            selectors.jobs_for_pay_run(workshop, period.cleaned_data["period_start"], period.cleaned_data["period_end"])
        )
    form = forms.PayQuantitiesForm(request.POST or None, jobs=jobs, initial=request.GET or None)
    created = []
    if request.method == "POST" and _run(
        form,
        lambda d: created.append(
            services.run_payroll(
                by=request.user,
                workshop=workshop,
                period_start=d["period_start"],
                period_end=d["period_end"],
                quantities=form.quantities(),
            )
        ),
    ):
        messages.success(request, _("Pay run computed. Check it, then have it approved."))
        return redirect("work:pay_run_detail", code=created[0].code)
    context = {"workshop": workshop, "period": period, "form": form, "has_period": period.is_valid()}
    return render(request, "work/pay_run_form.html", context)


def _pay_run_context(request, pay_run, paid_form=None) -> dict:
    workshop = pay_run.workshop
    return {
        "pay_run": pay_run,
        "workshop": workshop,
        "totals": selectors.pay_run_totals(pay_run),
        "lines": list(selectors.pay_lines_visible_to(request.user, pay_run)),
        "sees_workers": selectors.sees_workers(request.user),
        "can_manage": selectors.can_manage_workshop(request.user, workshop),
        "can_run": selectors.can_run_workshop(request.user, workshop),
        "paid_form": paid_form or forms.PaidForm(initial={"paid_on": timezone.localdate()}),
    }


@login_required
def pay_run_detail(request, code: str):
    pay_run = selectors.get_pay_run_for(request.user, code)
    return render(request, "work/pay_run_detail.html", _pay_run_context(request, pay_run))


@login_required
@require_POST
def pay_run_action(request, code: str, action: str):
    pay_run = selectors.get_pay_run_for(request.user, code)
    paid_form = forms.PaidForm(request.POST) if action == "paid" else None
    operations = {
        "approve": lambda: services.approve_pay_run(by=request.user, pay_run=pay_run),
        "paid": lambda: (
            paid_form.is_valid()
            and services.record_pay_run_paid(
                by=request.user, pay_run=pay_run, paid_on=paid_form.cleaned_data["paid_on"]
            )
        ),
        "discard": lambda: services.discard_pay_run(by=request.user, pay_run=pay_run),
    }
    if action not in operations:
        raise Http404
    try:
        operations[action]()
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("work:pay_run_detail", code=pay_run.code)
    if paid_form is not None and paid_form.errors:
        return render(request, "work/pay_run_detail.html", _pay_run_context(request, pay_run, paid_form))
    if action == "discard":
        messages.success(request, _("The draft pay run was discarded."))
        return redirect("work:workshop_detail", code=pay_run.workshop.code)
    messages.success(request, _("Pay run updated."))
    return redirect("work:pay_run_detail", code=pay_run.code)


@login_required
@require_POST
def savings_payout(request, person_code: str):
    person = get_person_for(request.user, person_code)
    if not can_manage_person(request.user, person):
        raise Http404
    try:
        services.pay_out_savings(by=request.user, person=person, paid_on=timezone.localdate())
        messages.success(request, _("The savings were paid out."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("people:detail", code=person.public_code)


# Capacity and investment proposals ---------------------------------------------------------------------


@login_required
def capacity_list(request):
    _internal(request)
    capacities = list(selectors.capacities_visible_to(request.user).order_by("facility__code"))
    idle = selectors.idle_places_by_facility(c.facility_id for c in capacities)
    for capacity in capacities:
        capacity.workshop_places = idle.get(capacity.facility_id, 0)
    scope = scope_of(request.user)
    editable = []
    if not scope.is_partner:
        facilities = facilities_visible_to(request.user)
        if scope.role == "facility_staff":
            facilities = facilities.filter(pk=scope.facility_id)
        elif not scope.manages_something:
            facilities = facilities.none()
        editable = list(facilities.order_by("code"))
    context = {"capacities": capacities, "editable": editable, "is_partner": scope.is_partner}
    return render(request, "work/capacity_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def capacity_edit(request, facility_code: str):
    facility = get_facility_for(request.user, facility_code)
    scope = scope_of(request.user)
    if not (scope.can_manage(facility.administration_id) or scope.facility_id == facility.pk):
        raise Http404
    capacity = FacilityCapacity.objects.filter(facility=facility).first()
    initial = {}
    if capacity:
        initial = {
            name: getattr(capacity, name)
            for name in ("space_square_metres", "trades", "idle_workers", "training_places", "notes", "published")
        }
    form = forms.CapacityForm(request.POST or None, initial=initial)
    if request.method == "POST" and _run(
        form, lambda d: services.publish_capacity(by=request.user, facility=facility, **d)
    ):
        messages.success(request, _("Saved."))
        return redirect("work:capacity_list")
    return render(request, "work/capacity_form.html", {"form": form, "facility": facility})


@login_required
def proposal_list(request):
    _internal(request)
    proposals = selectors.proposals_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in ProposalStatus.values:
        proposals = proposals.filter(status=status)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    context = {
        "page": page,
        "status": status,
        "statuses": ProposalStatus.choices,
        "can_propose": scope.is_partner or scope.manages_something,
    }
    return render(request, "work/proposal_list.html", context)


def _proposal_form(request, data=None) -> forms.ProposalForm:
    scope = scope_of(request.user)
    form = forms.ProposalForm(data, initial={"proposer": scope.organization_id})
    form.fields["facility"].queryset = selectors.facilities_for_proposals(request.user).order_by("code")
    form.fields["proposer"].queryset = selectors.employers_for(request.user).order_by("code")
    if scope.is_partner:
        form.fields["proposer"].disabled = True
    return form


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request):
    scope = scope_of(request.user)
    if not (scope.is_partner or scope.manages_something):
        raise Http404
    form = _proposal_form(request, request.POST or None)
    created = []
    if request.method == "POST" and _run(
        form,
        lambda d: created.append(
            services.submit_investment_proposal(by=request.user, language=request.LANGUAGE_CODE, **d)
        ),
    ):
        messages.success(request, _("Proposal submitted. The administration will review it."))
        return redirect("work:proposal_detail", code=created[0].code)
    return render(request, "work/proposal_form.html", {"form": form})


def _proposal_context(request, proposal, **given) -> dict:
    reviewer = selectors.can_review_proposal(request.user, proposal)
    scope = scope_of(request.user)
    return {
        "proposal": proposal,
        "can_review": reviewer,
        "can_withdraw": proposal.can_change_to(ProposalStatus.WITHDRAWN)
        and (reviewer or scope.is_partner and scope.organization_id == proposal.proposer_id),
        "accept_form": given.get("accept_form")
        or forms.AcceptProposalForm(initial={"reference": f"INV-{proposal.code[2:]}"}),
        "reject_form": given.get("reject_form") or forms.RejectProposalForm(),
        "capacity": FacilityCapacity.objects.filter(facility=proposal.facility, published=True).first(),
    }


@login_required
def proposal_detail(request, code: str):
    proposal = selectors.get_proposal_for(request.user, code)
    return render(request, "work/proposal_detail.html", _proposal_context(request, proposal))


@login_required
@require_POST
def proposal_action(request, code: str, action: str):
    proposal = selectors.get_proposal_for(request.user, code)
    form_classes = {"accept": forms.AcceptProposalForm, "reject": forms.RejectProposalForm}
    form = form_classes[action](request.POST) if action in form_classes else None
    operations = {
        "review": lambda d: services.start_proposal_review(by=request.user, proposal=proposal),
        "withdraw": lambda d: services.withdraw_investment_proposal(by=request.user, proposal=proposal),
        "accept": lambda d: services.accept_investment_proposal(by=request.user, proposal=proposal, **d),
        "reject": lambda d: services.reject_investment_proposal(by=request.user, proposal=proposal, note=d["note"]),
    }
    if action not in operations:
        raise Http404
    try:
        if form is None:
            operations[action]({})
            ok = True
        else:
            ok = _run(form, operations[action])
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("work:proposal_detail", code=proposal.code)
    if not ok:
        context = _proposal_context(request, proposal, **{f"{action}_form": form})
        return render(request, "work/proposal_detail.html", context)
    messages.success(request, _("Proposal updated."))
    return redirect("work:proposal_detail", code=proposal.code)


# Openings ------------------------------------------------------------------------------------------------


@login_required
def opening_list(request):
    _internal(request)
    form = forms.OpeningFilterForm(request.GET or None)
    openings = selectors.openings_visible_to(request.user)
    status = "open"
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] if "status" in request.GET else "open"
        for word in data["q"].split():
            token = normalize_for_search(word)
            openings = openings.filter(Q(title__icontains=word) | Q(employer__search_text__contains=token))
        if data["occupation"]:
            openings = openings.filter(occupation=data["occupation"])
        if data["region"]:
            openings = openings.filter(region=data["region"])
    if status:
        openings = openings.filter(status=status)
    openings = openings.annotate(
        hired=Count("applications", filter=Q(applications__status=ApplicationStatus.HIRED))
    ).order_by("valid_until", "pk")
    page = Paginator(openings, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    context = {"form": form, "page": page, "can_publish": scope.is_partner or scope.manages_something}
    template = "work/opening_list.html#results" if is_htmx(request) else "work/opening_list.html"
    return render(request, template, context)


def _opening_form(request, data=None, *, editing: bool = False, **kwargs) -> forms.OpeningForm:
    form = forms.OpeningForm(data, editing=editing, **kwargs)
    scope = scope_of(request.user)
    agreements = agreements_visible_to(request.user)
    if not editing:
        form.fields["employer"].queryset = selectors.employers_for(request.user).order_by("code")
        administrations = selectors.administrations_for_openings(request.user)
        form.fields["administration"].queryset = administrations.order_by("code")
        if administrations.count() == 1:
            form.fields["administration"].initial = administrations.first().pk
            form.fields["currency"].initial = _currency_of(administrations.first())
        if scope.is_partner:
            form.fields["employer"].initial = scope.organization_id
    form.fields["agreement"].queryset = agreements
    form.fields["commitment"].queryset = Commitment.objects.filter(
        agreement__in=agreements, unit=Commitment.Unit.PLACEMENTS
    ).select_related("agreement")
    return form


def _currency_of(administration: Organization) -> str:
    return {"SA": "SAR", "JO": "JOD", "MA": "MAD", "IR": "IRR"}.get(administration.country, "USD")


OPENING_VALUES = (
    "title",
    "occupation",
    "description",
    "region",
    "seats",
    "wage_min",
    "wage_max",
    "currency",
    "wage_period",
    "only_for_leavers",
    "valid_until",
    "contact_name",
    "contact_phone",
    "contact_email",
    "agreement",
    "commitment",
)


@login_required
@require_http_methods(["GET", "POST"])
def opening_create(request):
    scope = scope_of(request.user)
    if not (scope.is_partner or scope.manages_something):
        raise Http404
    form = _opening_form(request, request.POST or None)
    created = []

    def publish(data):
        values = {name: data[name] for name in OPENING_VALUES}
        opening = services.publish_opening(
            by=request.user,
            employer=data["employer"],
            administration=data["administration"],
            skills=data["skills"],
            excluded_categories=data["excluded_categories"],
            **values,
        )
        created.append(opening)

    try:
        ok = request.method == "POST" and _run(form, publish)
    except PermissionDenied:
        form.add_error(None, _("You cannot publish openings for this employer in this administration."))
        ok = False
    if ok:
        messages.success(request, _("Opening published. The best candidates are ranked below."))
        return redirect("work:opening_detail", code=created[0].code)
    return render(request, "work/opening_form.html", {"form": form})


def _managed_opening(request, code: str):
    opening = selectors.get_opening_for(request.user, code)
    if not selectors.can_manage_opening(request.user, opening):
        raise Http404
    return opening


@login_required
@require_http_methods(["GET", "POST"])
def opening_edit(request, code: str):
    opening = _managed_opening(request, code)
    initial = {name: getattr(opening, name) for name in OPENING_VALUES}
    initial |= {
        "region": opening.region_id,
        "agreement": opening.agreement_id,
        "commitment": opening.commitment_id,
        "skills": [skill.occupation for skill in opening.skills.all()],
    }
    form = _opening_form(request, request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and _run(
        form,
        lambda d: services.update_opening(
            by=request.user, opening=opening, skills=d["skills"], **{name: d[name] for name in OPENING_VALUES}
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect("work:opening_detail", code=opening.code)
    return render(request, "work/opening_form.html", {"form": form, "opening": opening})


@login_required
@require_POST
def opening_close(request, code: str):
    opening = _managed_opening(request, code)
    try:
        services.close_opening(by=request.user, opening=opening)
        messages.success(request, _("The opening is closed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("work:opening_detail", code=opening.code)


def _application_rows(request, applications):
    named = selectors.named_applications(request.user, applications)
    for application in applications:
        application.named = application.pk in named
        application.label = (
            application.person.public_code
            if application.named
            else selectors.candidate_code(application.opening, application.person_id)
        )
    return applications


@login_required
def opening_detail(request, code: str):
    opening = selectors.get_opening_for(request.user, code)
    show_candidates = selectors.can_see_candidates(request.user, opening)
    candidates = selectors.candidate_rows(request.user, opening, CANDIDATES_SHOWN) if show_candidates else []
    applications = list(
        selectors.applications_visible_to(request.user).filter(opening=opening).select_related("opening")
    )
    context = {
        "opening": opening,
        "can_manage": selectors.can_manage_opening(request.user, opening),
        "show_candidates": show_candidates,
        "candidates": candidates,
        "applications": _application_rows(request, applications),
        "hired": selectors.hired_count(opening),
        "is_partner": scope_of(request.user).is_partner,
        "propose_form": forms.ProposeForm(),
        "today": timezone.localdate(),
    }
    template = "work/opening_detail.html#candidates" if is_htmx(request) else "work/opening_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def candidate_propose(request, code: str, candidate: str):
    """Put forward a ranked candidate (an employer: express interest in an anonymous profile)."""
    opening = selectors.get_opening_for(request.user, code)
    row = selectors.find_candidate(request.user, opening, candidate)
    form = forms.ProposeForm(request.POST)
    form.is_valid()
    person = row.person or _person_behind(row)
    try:
        services.propose_candidate(
            by=request.user, opening=opening, person=person, note=form.cleaned_data.get("note", "")
        )
        messages.success(request, _("Candidate put forward. The staff will ask for their consent if needed."))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("work:opening_detail", code=opening.code)


def _person_behind(row: selectors.CandidateRow):
    from karama.people.models import Person

    # The person of an anonymous profile: passed to the service, never shown.
    return Person.objects.get(pk=row.profile.pk)


# A person's openings, and everyone due for release --------------------------------------------------------


@login_required
def person_openings(request, person_code: str):
    person = get_person_for(request.user, person_code)
    if "skills" not in visible_sections(request.user, person):
        raise Http404
    log_access(
        user=request.user,
        person=person,
        action=AccessAction.VIEW,
        detail="work: openings",
        address=request.META.get("REMOTE_ADDR"),
    )
    today = timezone.localdate()
    profile = matching.load_profiles([person.pk]).get(person.pk)
    ranked = matching.openings_for(profile, today) if profile else []
    applications = list(selectors.applications_visible_to(request.user).filter(person=person))
    context = {
        "person": person,
        "profile": profile,
        "ranked": ranked,
        "applications": _application_rows(request, applications),
        "can_propose": can_manage_person(request.user, person) or scope_of(request.user).is_partner,
        "today": today,
    }
    return render(request, "work/person_openings.html", context)


@login_required
@require_POST
def person_propose(request, person_code: str, opening_code: str):
    person = get_person_for(request.user, person_code)
    opening = selectors.get_opening_for(request.user, opening_code)
    form = forms.ProposeForm(request.POST)
    form.is_valid()
    try:
        services.propose_candidate(
            by=request.user, opening=opening, person=person, note=form.cleaned_data.get("note", "")
        )
        messages.success(request, _("Put forward for the opening."))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("work:person_openings", person_code=person.public_code)


@login_required
def due_matches(request):
    """Everyone the user sees who is due for release within N days, with their best openings and reasons."""
    scope = scope_of(request.user)
    if scope.is_partner or scope.sees_nothing_internal:
        raise Http404
    form = forms.DueFilterForm(request.GET or None)
    facilities = facilities_visible_to(request.user).order_by("code")
    if scope.role == "facility_staff":
        facilities = facilities.filter(pk=scope.facility_id)
    form.fields["facility"].choices = [("", _("Any"))] + [(f.code, f.name) for f in facilities]
    days, facility = 90, None
    if form.is_valid():
        days = form.cleaned_data["days"] or 90
        code = form.cleaned_data["facility"]
        facility = next((f for f in facilities if f.code == code), None) if code else None
    people = selectors.due_people(request.user, days, facility.pk if facility else None).order_by(
        "family_name", "given_name", "pk"
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.due_matches(request.user, list(page.object_list))
    context = {"form": form, "page": page, "rows": rows, "days": days}
    return render(request, "work/due.html", context)


# Applications and retention --------------------------------------------------------------------------------


@login_required
def application_list(request):
    _internal(request)
    applications = selectors.applications_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    elif status == "placed":
        applications = applications.filter(status__in=Application.PLACED)
    page = Paginator(applications.order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    _application_rows(request, list(page.object_list))
    context = {"page": page, "status": status, "statuses": ApplicationStatus.choices}
    return render(request, "work/application_list.html", context)


def _application_context(request, application, **given) -> dict:
    named = selectors.is_named(request.user, application)
    application.named = named
    application.label = selectors.label_for(request.user, application, {application.person_id} if named else set())
    return {
        "application": application,
        "reasons": [matching.Reason.from_json(item) for item in application.reasons],
        "checks": list(application.retention_checks.order_by("months")),
        "can_move": selectors.can_move_application(request.user, application),
        "next_statuses": [ApplicationStatus(s) for s in Application.TRANSITIONS[application.status]],
        "status_form": given.get("status_form")
        or forms.ApplicationStatusForm(
            initial={"started_on": timezone.localdate(), "wage_period": application.opening.wage_period}
        ),
        "retention_form": given.get("retention_form") or forms.RetentionForm(),
        "today": timezone.localdate(),
    }


@login_required
def application_detail(request, code: str):
    application = selectors.get_application_for(request.user, code)
    return render(request, "work/application_detail.html", _application_context(request, application))


@login_required
@require_POST
def application_status(request, code: str):
    application = selectors.get_application_for(request.user, code)
    if not selectors.can_move_application(request.user, application):
        raise Http404
    form = forms.ApplicationStatusForm(request.POST)
    ok = _run(
        form,
        lambda d: services.change_application_status(
            by=request.user,
            application=application,
            status=d["status"],
            started_on=d["started_on"],
            wage=d["wage"] or None,
            wage_period=d["wage_period"],
            left_on=d["left_on"],
            note=d["note"] or None,
        ),
    )
    if not ok:
        context = _application_context(request, application, status_form=form)
        return render(request, "work/application_detail.html", context)
    messages.success(request, _("Application updated."))
    return redirect("work:application_detail", code=application.code)


@login_required
@require_POST
def retention_record(request, code: str, months: int):
    application = selectors.get_application_for(request.user, code)
    check = application.retention_checks.filter(months=months).first()
    if check is None:
        raise Http404
    form = forms.RetentionForm(request.POST)
    try:
        ok = _run(
            form,
            lambda d: services.record_retention_check(
                by=request.user,
                check=check,
                still_employed=d["still_employed"],
                checked_on=d["checked_on"],
                note=d["note"],
            ),
        )
    except PermissionDenied:
        raise Http404 from None
    if not ok:
        context = _application_context(request, application, retention_form=form)
        return render(request, "work/application_detail.html", context)
    messages.success(request, _("Retention check recorded."))
    if request.POST.get("next") == "due":
        return redirect("work:retention_due")
    return redirect("work:application_detail", code=application.code)


@login_required
def retention_due(request):
    _internal(request)
    checks = list(selectors.retention_checks_due(request.user, within_days=30)[:200])
    applications = [check.application for check in checks]
    _application_rows(request, applications)
    context = {"checks": checks, "today": timezone.localdate(), "retention_form": forms.RetentionForm()}
    return render(request, "work/retention_due.html", context)
