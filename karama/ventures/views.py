"""Project pages: the pipeline board, one project's page with its forms, the follow-up work list, and an
agreement's report. Each view fetches through a selector (404 outside one's scope) and acts through a service."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karama.agreements.selectors import get_agreement_for
from karama.core.access import scope_of
from karama.core.formatting import currency_precision, format_date, format_money
from karama.core.http import is_htmx
from karama.core.views import apply_form_errors
from karama.giving.models import CaseStatus
from karama.people.models import AccessAction
from karama.people.selectors import get_person_for, visible_sections
from karama.people.services import log_access
from karama.ventures import forms, services
from karama.ventures.models import AFTER_HANDOVER, PIPELINE, GrantKind, KitItem, Procurement, Stage
from karama.ventures.selectors import (
    BoardFilters,
    agreement_report,
    agreement_ventures,
    agreements_for_plans,
    board_agreements,
    board_regions,
    budget_label,
    budgets_for,
    can_ask_donors,
    can_fund,
    can_prepare_for,
    can_work_on,
    follow_up_worklist,
    get_venture_for,
    pipeline_board,
    rejected_ventures,
    venture_detail,
)

# The default currency of a new plan, from the administration's country.
CURRENCY_OF_COUNTRY = {"SA": "SAR", "JO": "JOD", "MA": "MAD", "IR": "IRR"}


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _require_staff_or_partner(request) -> None:
    if scope_of(request.user).sees_nothing_internal:
        raise Http404


def _plain(amount, currency: str) -> str:
    """An amount as a form shows it: exact, in the currency's minor units, no grouping."""
    if amount is None:
        return ""
    return f"{amount:.{currency_precision(currency)}f}"


# The pipeline board ------------------------------------------------------------------------------------


@login_required
def board(request):
    _require_staff_or_partner(request)
    form = forms.BoardFilterForm(
        request.GET or None, agreements=board_agreements(request.user), regions=board_regions(request.user)
    )
    filters = BoardFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = BoardFilters(
            agreement=data["agreement"], region=data["region"], sector=data["sector"], query=data["q"]
        )
    columns, rejected_count = pipeline_board(request.user, filters)
    context = {
        "form": form,
        "columns": columns,
        "rejected_count": rejected_count,
        "rejected": rejected_ventures(request.user, filters)[:50] if rejected_count else [],
        "is_partner": scope_of(request.user).is_partner,
    }
    template = "ventures/board.html#board" if is_htmx(request) else "ventures/board.html"
    return render(request, template, context)


@login_required
def worklist(request):
    """The accompaniment centre's work list: visits overdue or due soon."""
    _require_staff_or_partner(request)
    today = timezone.localdate()
    rows = list(follow_up_worklist(request.user, today))
    for row in rows:
        row.days_late = (today - row.due_on).days
    context = {"rows": rows, "overdue": sum(1 for r in rows if r.days_late > 0), "today": today}
    return render(request, "ventures/worklist.html", context)


@login_required
def report(request, pk: int):
    agreement = get_agreement_for(request.user, pk)
    lines, total = agreement_report(agreement)
    context = {"agreement": agreement, "lines": lines, "total": total, "summary": agreement_ventures(agreement)}
    return render(request, "ventures/report.html", context)


# A new plan and its revisions ----------------------------------------------------------------------------


def _person_to_prepare_for(request, code: str):
    person = get_person_for(request.user, (code or "").strip().upper())
    if not can_work_on(request.user, person):
        raise Http404
    return person


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    person = _person_to_prepare_for(request, request.GET.get("person", ""))
    if not can_prepare_for(request.user, person):
        messages.warning(request, _("This person already has a project under way, or their case is closed."))
        return redirect("people:detail", code=person.public_code)
    agreements = agreements_for_plans(request.user, person.administration_id)
    assessment = person.assessments.order_by("-assessed_on", "-pk").first()
    initial = {
        "prepared_on": timezone.localdate(),
        "currency": CURRENCY_OF_COUNTRY.get(person.administration.country, "USD"),
        "region": person.facility.region_id if person.facility else None,
        "agreement": agreements.first() if agreements.count() == 1 else None,
        "training_and_experience": person.vocational_orientation
        if "skills" in visible_sections(request.user, person)
        else "",
    }
    form = forms.PlanForm(request.POST or None, agreements=agreements, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            venture = services.prepare_plan(
                person=person,
                by=request.user,
                currency=data["currency"],
                agreement=data["agreement"],
                prepared_on=data["prepared_on"],
                **form.plan_values(),
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Plan saved as a draft."))
            return redirect("ventures:detail", code=venture.public_code)
    context = {"form": form, "person": person, "assessment": assessment, "revision": False}
    return render(request, "ventures/plan_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def revise(request, code: str):
    venture = _venture_to_work_on(request, code)
    if venture.stage != Stage.DRAFT:
        raise Http404
    version = venture.current_version
    initial = {field: getattr(version, field) for field in services.PLAN_FIELDS}
    for field in ("equipment_budget", "working_capital", "expected_monthly_income"):
        initial[field] = _plain(initial[field], venture.currency)
    initial.update(agreement=venture.agreement_id, prepared_on=timezone.localdate(), region=version.region_id)
    agreements = agreements_for_plans(request.user, venture.administration_id)
    form = forms.PlanForm(request.POST or None, agreements=agreements, initial=initial, revision=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.revise_plan(
                venture=venture,
                by=request.user,
                change_note=data["change_note"],
                prepared_on=data["prepared_on"],
                agreement=data["agreement"],
                **form.plan_values(),
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("New version of the plan saved."))
            return redirect("ventures:detail", code=venture.public_code)
    context = {"form": form, "person": venture.person, "venture": venture, "revision": True}
    return render(request, "ventures/plan_form.html", context)


# One project's page -------------------------------------------------------------------------------------


def _venture_to_work_on(request, code: str):
    venture = get_venture_for(request.user, code)
    if not can_work_on(request.user, venture.person):
        raise Http404
    return venture


def _budget_choices(venture, budgets) -> list:
    for budget in budgets:
        budget.share_label = _("%(budget)s (remaining %(remaining)s)") % {
            "budget": budget_label(budget),
            "remaining": format_money(budget.remaining_now, budget.currency),
        }
    return budgets


def _visit_label(visit) -> str:
    return _("%(when)s, due %(date)s") % {"when": visit.schedule_label(), "date": format_date(visit.due_on)}


def _stage_forms(request, detail, given: dict) -> dict:
    """The forms the project's stage calls for, for someone who works on it; failed ones keep their input."""
    venture, today = detail.venture, timezone.localdate()
    stage = venture.stage
    out = {}
    if stage == Stage.IN_REVIEW:
        out["review_form"] = given.get("review_form") or forms.ReviewForm(initial={"reviewed_on": today})
    if can_fund(request.user, venture) and (stage == Stage.APPROVED or stage in AFTER_HANDOVER):
        out["grant_form"] = given.get("grant_form") or _grant_form(venture, detail)
    if stage == Stage.FUNDED:
        out["item_form"] = given.get("item_form") or forms.KitItemForm()
    if stage in (Stage.FUNDED, Stage.EQUIPPED):
        procurement = detail.kit.procurement if detail.kit else Procurement.TO_ORDER
        out["procurement_form"] = forms.ProcurementForm(initial={"procurement": procurement})
        case = venture.equipment_case
        if can_ask_donors(request.user, venture) and (case is None or case.status == CaseStatus.CANCELLED):
            out["donors_form"] = given.get("donors_form") or forms.DonorsForm()
    if stage == Stage.EQUIPPED:
        out["handover_form"] = given.get("handover_form") or forms.HandoverForm(initial={"handed_over_on": today})
    if stage in AFTER_HANDOVER:
        visits = [_labelled(v) for v in detail.open_follow_ups]
        first_due = visits[0].pk if visits else None
        out["follow_up_form"] = given.get("follow_up_form") or forms.FollowUpForm(
            visits=visits, initial={"visited_on": today, "follow_up": first_due}
        )
        out["visit_form"] = given.get("visit_form") or forms.PlanVisitForm()
    return out


def _labelled(visit):
    visit.label = _visit_label(visit)
    return visit


def _grant_form(venture, detail, data=None) -> forms.GrantForm:
    budgets = _budget_choices(venture, budgets_for(venture))
    initial = {"granted_on": timezone.localdate()}
    if venture.stage == Stage.APPROVED and len(budgets) == 1 and detail.approved_limit:
        initial[forms.GrantForm.share_field(budgets[0])] = _plain(detail.approved_limit, venture.currency)
    return forms.GrantForm(data, budgets=budgets, initial=initial)


def _detail_context(request, venture, **given) -> dict:
    detail = venture_detail(venture)
    person = venture.person
    works = can_work_on(request.user, person)
    context = {
        "venture": venture,
        "detail": detail,
        "person": person,
        "sections": visible_sections(request.user, person),
        "skills": list(person.skills.all()),
        "can_work": works,
        "can_fund": can_fund(request.user, venture),
        "pipeline": PIPELINE,
        "stage_index": PIPELINE.index(venture.stage) if venture.stage in PIPELINE else -1,
        "today": timezone.localdate(),
        "is_extra_grant": venture.stage in AFTER_HANDOVER,
        "can_ask_donors": can_ask_donors(request.user, venture),
    }
    if works:
        context.update(_stage_forms(request, detail, given))
    return context


@login_required
def detail(request, code: str):
    venture = get_venture_for(request.user, code)
    log_access(
        user=request.user,
        person=venture.person,
        action=AccessAction.VIEW,
        detail=f"venture {venture.public_code}",
        address=_address(request),
    )
    return render(request, "ventures/detail.html", _detail_context(request, venture))


def _after_change(request, venture, anchor: str, **given):
    """After a form: the project again for HTMX (with errors, if any), or the page."""
    venture = get_venture_for(request.user, venture.public_code)
    failed = any(form is not None and form.errors for form in given.values())
    if is_htmx(request):
        context = _detail_context(request, venture, **given)
        context["htmx"] = True  # the fragment shows this request's messages: no page load will
        return render(request, "ventures/detail.html#venture", context)
    if failed:
        return render(request, "ventures/detail.html", _detail_context(request, venture, **given))
    return redirect(reverse("ventures:detail", kwargs={"code": venture.public_code}) + f"#{anchor}")


def _run(form, action) -> bool:
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        apply_form_errors(form, error)
        return False
    return True


def _not_found_when_forbidden(view):
    """Rights the services check again answer 404, like every scope check: nobody learns what exists."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            raise Http404 from None

    return wrapped


def _message_on_error(request, action) -> None:
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))


@login_required
@require_POST
@_not_found_when_forbidden
def submit(request, code: str):
    venture = _venture_to_work_on(request, code)
    _message_on_error(request, lambda: services.submit_for_review(venture=venture, by=request.user))
    return _after_change(request, venture, "review")


@login_required
@require_POST
@_not_found_when_forbidden
def review(request, code: str):
    venture = _venture_to_work_on(request, code)
    form = forms.ReviewForm(request.POST)
    ok = _run(form, lambda d: services.record_review(venture=venture, by=request.user, **d))
    return _after_change(request, venture, "review", review_form=None if ok else form)


@login_required
@require_POST
@_not_found_when_forbidden
def grant(request, code: str):
    venture = get_venture_for(request.user, code)
    if not can_fund(request.user, venture):
        raise Http404
    detail = venture_detail(venture)
    form = _grant_form(venture, detail, request.POST)
    if venture.agreement is None:
        form.add_error(None, _("Choose the agreement that funds this plan first (revise the draft)."))
    kind = GrantKind.EXTRA if venture.stage in AFTER_HANDOVER else GrantKind.INITIAL
    ok = not form.errors and _run(
        form,
        lambda d: services.grant_venture(
            venture=venture,
            by=request.user,
            agreement=venture.agreement,
            shares=form.shares(),
            granted_on=d["granted_on"],
            note=d["note"],
            kind=kind,
        ),
    )
    if ok:
        messages.success(request, _("Grant recorded."))
    return _after_change(request, venture, "grant", grant_form=None if ok else form)


@login_required
@require_POST
@_not_found_when_forbidden
def kit_item_add(request, code: str):
    venture = _venture_to_work_on(request, code)
    form = forms.KitItemForm(request.POST)
    ok = _run(form, lambda d: services.add_kit_item(venture=venture, by=request.user, **d))
    return _after_change(request, venture, "kit", item_form=None if ok else form)


@login_required
@require_POST
@_not_found_when_forbidden
def kit_item_remove(request, code: str, item_pk: int):
    venture = _venture_to_work_on(request, code)
    item = KitItem.objects.filter(kit__venture=venture, pk=item_pk).select_related("kit__venture__person").first()
    if item is None:
        raise Http404
    _message_on_error(request, lambda: services.remove_kit_item(item=item, by=request.user))
    return _after_change(request, venture, "kit")


@login_required
@require_POST
@_not_found_when_forbidden
def procurement(request, code: str):
    venture = _venture_to_work_on(request, code)
    form = forms.ProcurementForm(request.POST)
    ok = _run(form, lambda d: services.set_procurement(venture=venture, by=request.user, **d))
    if not ok and form.errors:
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    return _after_change(request, venture, "kit")


@login_required
@require_POST
@_not_found_when_forbidden
def ask_donors(request, code: str):
    venture = _venture_to_work_on(request, code)
    if not can_ask_donors(request.user, venture):
        raise Http404
    form = forms.DonorsForm(request.POST)
    ok = _run(form, lambda d: services.ask_donors_for_equipment(venture=venture, by=request.user, target=d["target"]))
    if ok:
        messages.success(request, _("A case for the missing equipment is opened in the giving app, as a draft."))
    return _after_change(request, venture, "kit", donors_form=None if ok else form)


@login_required
@require_POST
@_not_found_when_forbidden
def handover(request, code: str):
    venture = _venture_to_work_on(request, code)
    form = forms.HandoverForm(request.POST, request.FILES)
    ok = _run(
        form,
        lambda d: services.hand_over(
            venture=venture,
            by=request.user,
            handed_over_on=d["handed_over_on"],
            place=d["place"],
            handed_over_by=d["handed_over_by"],
            ceremony=d["ceremony"],
            beneficiary_signed=d["beneficiary_signed"],
            receipt=d["receipt"],
        ),
    )
    if ok:
        messages.success(request, _("Handover recorded; follow-up visits are scheduled."))
    return _after_change(request, venture, "handover", handover_form=None if ok else form)


@login_required
def receipt(request, code: str):
    # Served through the scoped selector, never from a public media URL.
    venture = get_venture_for(request.user, code)
    handover = getattr(venture, "handover", None)
    if handover is None or not handover.receipt:
        raise Http404
    content_type = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}.get(
        handover.receipt.name.rsplit(".", 1)[-1], "application/octet-stream"
    )
    log_access(
        user=request.user,
        person=venture.person,
        action=AccessAction.VIEW,
        detail=f"venture {venture.public_code} receipt",
        address=_address(request),
    )
    return FileResponse(handover.receipt.open("rb"), content_type=content_type)


@login_required
@require_POST
@_not_found_when_forbidden
def follow_up(request, code: str):
    venture = _venture_to_work_on(request, code)
    visits = [_labelled(v) for v in venture_detail(venture).open_follow_ups]
    form = forms.FollowUpForm(request.POST, visits=visits)
    chosen = {v.pk: v for v in visits}

    def record(data):
        visit = chosen.get(data["follow_up"]) if data["follow_up"] else None
        if data["follow_up"] and visit is None:
            raise ValidationError({"follow_up": _("Choose a visit of this project.")})
        services.record_follow_up(
            venture=venture,
            by=request.user,
            follow_up=visit,
            visited_on=data["visited_on"],
            state=data["state"],
            income_band=data["income_band"],
            problems=data["problems"],
            help_given=data["help_given"],
            help_note=data["help_note"],
        )

    ok = _run(form, record)
    if ok:
        messages.success(request, _("Follow-up visit recorded."))
    return _after_change(request, venture, "follow-ups", follow_up_form=None if ok else form)


@login_required
@require_POST
@_not_found_when_forbidden
def follow_up_plan(request, code: str):
    venture = _venture_to_work_on(request, code)
    form = forms.PlanVisitForm(request.POST)
    ok = _run(form, lambda d: services.plan_follow_up(venture=venture, by=request.user, due_on=d["due_on"]))
    return _after_change(request, venture, "follow-ups", visit_form=None if ok else form)
