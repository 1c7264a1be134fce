"""Staff pages of giving: the work queues, cases from opening to release, campaigns, rules, the ledger.

Each view fetches through a selector (404 outside one's scope), acts through a service, and answers an
HTMX request with the section it changed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from karama.agreements.selectors import agreements_visible_to
from karama.core.access import scope_of
from karama.core.http import is_htmx
from karama.core.selectors import administrations_managed_by, administrations_visible_to
from karama.core.views import apply_form_errors
from karama.giving import donations, forms, ledger, services
from karama.giving.models import Account, CaseKind, CaseStatus, Entry, PriorityRule
from karama.giving.public import public_case
from karama.giving.selectors import (
    CaseFilters,
    administrations_with_funds,
    campaign_totals,
    campaigns_visible_to,
    can_approve_case,
    can_manage_case,
    case_ledger,
    cases_visible_to,
    donations_visible_to,
    filter_cases,
    get_campaign_for,
    get_case_for,
)
from karama.people.selectors import can_manage_person, get_person_for

PAGE_SIZE = 25


def _staff_only(request) -> None:
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


# Work queues and lists ------------------------------------------------------------------------------------------


@login_required
def dashboard(request):
    _staff_only(request)
    cases = cases_visible_to(request.user)
    counts = _status_counts(cases)
    context = {
        "counts": counts,
        "waiting": filter_cases(request.user, cases, CaseFilters(waiting_for_me=True))[:10],
        "to_settle": cases.filter(status=CaseStatus.FUNDED)[:10],
        "to_release": cases.filter(status=CaseStatus.SETTLED, kind=CaseKind.DEBT_RELEASE)[:10],
        "campaigns": list(campaigns_visible_to(request.user)[:10]),
        "can_manage": scope_of(request.user).manages_something,
    }
    context["campaign_totals"] = campaign_totals(context["campaigns"])
    return render(request, "giving/dashboard.html", context)


def _status_counts(cases) -> dict:
    from django.db.models import Count

    return {row["status"]: row["n"] for row in cases.values("status").annotate(n=Count("pk")).order_by()}


@login_required
def case_list(request):
    _staff_only(request)
    form = forms.StaffCaseFilterForm(request.GET or None)
    filters = CaseFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = CaseFilters(
            query=data["q"], status=data["status"], kind=data["kind"], waiting_for_me=data["waiting_for_me"]
        )
    cases = filter_cases(request.user, cases_visible_to(request.user), filters).order_by("-opened_at", "-pk")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    raised = ledger.raised_for_cases(case.pk for case in page)
    context = {"form": form, "page": page, "raised": raised}
    template = "giving/case_list.html#results" if is_htmx(request) else "giving/case_list.html"
    return render(request, template, context)


# Opening ----------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request, person_code: str):
    """Open a debt-release case from a person's record, starting from the creditor's claim."""
    person = get_person_for(request.user, person_code)
    if not can_manage_person(request.user, person):
        raise Http404
    form = forms.OpenDebtCaseForm(request.POST or None)
    form.fields["campaign"].queryset = campaigns_visible_to(request.user).filter(administration=person.administration)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        campaign, reason = data.pop("campaign"), data.pop("summary_reason")
        try:
            case = services.open_case(
                by=request.user,
                kind=CaseKind.DEBT_RELEASE,
                person=person,
                campaign=campaign,
                claims=[data],
                summary_reason=reason,
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Case opened. Verify the claim and check eligibility before approval."))
            return redirect("giving:case", code=case.public_code)
    return render(request, "giving/case_open.html", {"form": form, "person": person})


@login_required
@require_POST
def case_open_need(request, person_code: str, need):
    """Open a household-need case from a need the covering association or facility staff assessed."""
    from karama.support.models import HouseholdNeed

    person = get_person_for(request.user, person_code)
    household_need = (
        HouseholdNeed.objects.filter(uuid=need, household__person=person).select_related("household").first()
    )
    if household_need is None or not can_manage_person(request.user, person):
        raise Http404
    try:
        case = services.open_case(by=request.user, kind=CaseKind.HOUSEHOLD_NEED, household_need=household_need)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("people:detail", code=person.public_code)
    messages.success(request, _("Case opened. Review the summary; a second staff member approves it."))
    return redirect("giving:case", code=case.public_code)


# The case ----------------------------------------------------------------------------------------------------------


def _case_context(request, case, **given) -> dict:
    manage = can_manage_case(request.user, case)
    money = case_ledger(case)
    context = {
        "case": case,
        "can_manage": manage,
        "can_approve": can_approve_case(request.user, case),
        "public": public_case(case, money.money.raised),
        "ledger": money,
        "claims": list(case.claims.select_related("verified_by")),
        "sources": list(case.funding_sources.prefetch_related("installments")),
        "settlement": getattr(case, "settlement", None)
        if case.status in (CaseStatus.SETTLED, CaseStatus.CLOSED)
        else None,
        "eligibility": _eligibility_rows(case),
        "is_draft": case.status == CaseStatus.DRAFT,
        # Donors' names and the ledger are the administration's business, not a partner association's.
        "show_gifts": not scope_of(request.user).is_partner,
        "today": timezone.localdate(),
    }
    if manage:
        context.update(_manager_forms(request, case, **given))
    return context


ELIGIBILITY_LABELS = {
    "in_custody": gettext_lazy("In custody now"),
    "financial_category": gettext_lazy("Held in a financial or debt case"),
    "private_right": gettext_lazy("Private-right debts only"),
    "max_amount": gettext_lazy("Within the largest debt allowed"),
    "no_fraud": gettext_lazy("No fraud conviction"),
    "time_served": gettext_lazy("Served the minimum time"),
    "good_conduct": gettext_lazy("Good conduct in custody"),
    "no_recent_release": gettext_lazy("No earlier release through the platform"),
}


def _eligibility_rows(case) -> list[tuple[str, bool, str]]:
    return [(str(ELIGIBILITY_LABELS.get(k, k)), v["passed"], v.get("detail", "")) for k, v in case.eligibility.items()]


def _manager_forms(request, case, **given) -> dict:
    facts = given.get("facts_form") or forms.CaseFactsForm(
        kind=case.kind, initial={name: getattr(case, name) for name in services.FACT_FIELDS}
    )
    campaign = given.get("campaign_form") or forms.CaseCampaignForm(initial={"campaign": case.campaign_id})
    campaign.fields["campaign"].queryset = campaigns_visible_to(request.user).filter(
        administration_id=case.administration_id, currency=case.currency
    )
    today = timezone.localdate()
    return {
        "facts_form": facts,
        "claim_form": given.get("claim_form") or forms.ClaimForm(),
        "source_form": given.get("source_form") or forms.FundingSourceForm(),
        "eligibility_form": given.get("eligibility_form") or forms.EligibilityForm(initial={"good_conduct": True}),
        "approve_form": given.get("approve_form") or forms.ApproveForm(),
        "cancel_form": given.get("cancel_form") or forms.CancelForm(),
        "settlement_form": given.get("settlement_form") or forms.SettlementForm(initial={"paid_on": today}),
        "release_form": given.get("release_form") or forms.ReleaseForm(initial={"on": today}),
        "allocation_form": given.get("allocation_form") or forms.AllocationForm(),
        "campaign_form": campaign,
    }


@login_required
def case_detail(request, code: str):
    _staff_only(request)
    case = get_case_for(request.user, code)
    return render(request, "giving/case_detail.html", _case_context(request, case))


def _after(request, case, section: str, **given):
    """The changed section for HTMX (with its errors), else the page again or a redirect to it."""
    case = get_case_for(request.user, case.public_code)
    failed = any(form is not None and form.errors for form in given.values())
    if is_htmx(request):
        return render(request, f"giving/case_detail.html#{section}", _case_context(request, case, **given))
    if failed:
        return render(request, "giving/case_detail.html", _case_context(request, case, **given))
    return redirect("giving:case", code=case.public_code)


def _managed_case(request, code: str):
    case = get_case_for(request.user, code)
    if not can_manage_case(request.user, case):
        raise Http404
    return case


@login_required
@require_POST
def case_facts(request, code: str):
    case = _managed_case(request, code)
    form = forms.CaseFactsForm(request.POST, kind=case.kind)
    ok = _run(form, lambda d: services.update_case_facts(by=request.user, case=case, **d))
    return _after(request, case, "facts", facts_form=None if ok else form)


@login_required
@require_POST
def case_campaign(request, code: str):
    case = _managed_case(request, code)
    form = forms.CaseCampaignForm(request.POST)
    form.fields["campaign"].queryset = campaigns_visible_to(request.user).filter(
        administration_id=case.administration_id
    )
    ok = _run(form, lambda d: services.set_case_campaign(by=request.user, case=case, campaign=d["campaign"]))
    return _after(request, case, "facts", campaign_form=None if ok else form)


@login_required
@require_POST
def claim_add(request, code: str):
    case = _managed_case(request, code)
    form = forms.ClaimForm(request.POST)
    ok = _run(form, lambda d: services.add_claim(by=request.user, case=case, **d))
    return _after(request, case, "plan", claim_form=None if ok else form)


def _claim(case, pk: int):
    claim = case.claims.filter(pk=pk).first()
    if claim is None:
        raise Http404
    claim.case = case
    return claim


@login_required
@require_POST
def claim_verify(request, code: str, pk: int):
    case = _managed_case(request, code)
    try:
        services.verify_claim(by=request.user, claim=_claim(case, pk))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _after(request, case, "plan")


@login_required
@require_POST
def claim_remove(request, code: str, pk: int):
    case = _managed_case(request, code)
    try:
        services.remove_claim(by=request.user, claim=_claim(case, pk))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _after(request, case, "plan")


@login_required
@require_POST
def source_add(request, code: str):
    case = _managed_case(request, code)
    form = forms.FundingSourceForm(request.POST)
    ok = _run(
        form,
        lambda d: services.add_funding_source(
            by=request.user, case=case, **{**d, "installments": d["installments"] or 0}
        ),
    )
    return _after(request, case, "plan", source_form=None if ok else form)


@login_required
@require_POST
def source_remove(request, code: str, pk: int):
    case = _managed_case(request, code)
    source = case.funding_sources.filter(pk=pk).first()
    if source is None:
        raise Http404
    source.case = case
    try:
        services.remove_funding_source(by=request.user, source=source)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _after(request, case, "plan")


@login_required
@require_POST
def installment_paid(request, code: str, pk: int):
    case = _managed_case(request, code)
    from karama.giving.models import LoanInstallment

    installment = LoanInstallment.objects.filter(source__case=case, pk=pk).select_related("source__case").first()
    if installment is None:
        raise Http404
    services.record_installment_paid(by=request.user, installment=installment, paid_on=timezone.localdate())
    return _after(request, case, "plan")


@login_required
@require_POST
def case_eligibility(request, code: str):
    case = _managed_case(request, code)
    form = forms.EligibilityForm(request.POST)
    ok = _run(form, lambda d: services.check_eligibility(by=request.user, case=case, **d))
    return _after(request, case, "eligibility", eligibility_form=None if ok else form)


def _workflow(request, case, action, form=None, success: str = "", **form_name):
    try:
        action()
    except ValidationError as error:
        if form is not None:
            apply_form_errors(form, error)
            return _after(request, case, "workflow", **form_name)
        messages.error(request, " ".join(error.messages))
    else:
        if success:
            messages.success(request, success)
    return redirect("giving:case", code=case.public_code)


@login_required
@require_POST
def case_approve(request, code: str):
    case = _managed_case(request, code)
    form = forms.ApproveForm(request.POST)
    if not form.is_valid():
        return _after(request, case, "workflow", approve_form=form)
    return _workflow(
        request,
        case,
        lambda: services.approve_case(by=request.user, case=case),
        form,
        _("Case approved. It can now be published."),
        approve_form=form,
    )


@login_required
@require_POST
def case_reopen(request, code: str):
    case = _managed_case(request, code)
    return _workflow(
        request, case, lambda: services.reopen_case(by=request.user, case=case), success=_("Back to draft.")
    )


@login_required
@require_POST
def case_publish(request, code: str):
    case = _managed_case(request, code)
    return _workflow(
        request, case, lambda: services.publish_case(by=request.user, case=case), success=_("Published on the portal.")
    )


@login_required
@require_POST
def case_cancel(request, code: str):
    case = _managed_case(request, code)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        return _after(request, case, "workflow", cancel_form=form)
    data = form.cleaned_data
    return _workflow(
        request,
        case,
        lambda: services.cancel_case(
            by=request.user, case=case, reason=data["reason"], disposition=data["disposition"]
        ),
        form,
        _("Case cancelled."),
        cancel_form=form,
    )


@login_required
@require_POST
def case_allocate(request, code: str):
    case = _managed_case(request, code)
    form = forms.AllocationForm(request.POST)
    if not form.is_valid():
        return _after(request, case, "money", allocation_form=form)
    try:
        donations.allocate_to_case(by=request.user, case=case, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        message = (
            " ".join(error.messages)
            if isinstance(error, ValidationError)
            else _("Only national administrators move pooled money.")
        )
        form.add_error(None, message)
        return _after(request, case, "money", allocation_form=form)
    messages.success(request, _("Allocated."))
    return redirect("giving:case", code=case.public_code)


@login_required
@require_POST
def case_settle(request, code: str):
    case = _managed_case(request, code)
    form = forms.SettlementForm(request.POST, request.FILES)
    if not form.is_valid():
        return _after(request, case, "workflow", settlement_form=form)
    return _workflow(
        request,
        case,
        lambda: services.record_settlement(by=request.user, case=case, **form.cleaned_data),
        form,
        _("Payment recorded."),
        settlement_form=form,
    )


@login_required
@require_POST
def case_release(request, code: str):
    case = _managed_case(request, code)
    form = forms.ReleaseForm(request.POST)
    if not form.is_valid():
        return _after(request, case, "workflow", release_form=form)
    try:
        return _workflow(
            request,
            case,
            lambda: services.record_release(by=request.user, case=case, on=form.cleaned_data["on"]),
            form,
            _("Release recorded. The donors are told, without a name."),
            release_form=form,
        )
    except PermissionDenied:
        raise Http404 from None


@login_required
@require_POST
def case_close(request, code: str):
    case = _managed_case(request, code)
    return _workflow(request, case, lambda: services.close_case(by=request.user, case=case), success=_("Case closed."))


@login_required
def settlement_proof(request, code: str):
    case = get_case_for(request.user, code)
    settlement = getattr(case, "settlement", None)
    if settlement is None or not can_manage_case(request.user, case) and not scope_of(request.user).is_auditor:
        raise Http404
    return FileResponse(settlement.proof.open("rb"), as_attachment=True, filename=f"proof-{case.public_code}")


# Campaigns --------------------------------------------------------------------------------------------------------


@login_required
def campaign_list(request):
    _staff_only(request)
    campaigns = list(campaigns_visible_to(request.user))
    context = {
        "campaigns": campaigns,
        "totals": campaign_totals(campaigns),
        "can_create": scope_of(request.user).manages_something,
    }
    return render(request, "giving/campaign_list.html", context)


def _campaign_form(request, data=None, initial=None) -> forms.CampaignForm:
    form = forms.CampaignForm(data, initial=initial or {}, names=(initial or {}).get("names"))
    form.fields["administration"].queryset = administrations_managed_by(request.user)
    form.fields["agreement"].queryset = agreements_visible_to(request.user).filter(
        administration__in=administrations_managed_by(request.user)
    )
    return form


def _campaign_values(data: dict) -> dict:
    language = data["original_language"]
    return {
        "names": data["names"],
        "original_language": language,
        "descriptions": {language: data["description"]} if data["description"] else {},
        "goal": data["goal"] or None,
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "allocation_rule": data["allocation_rule"],
        "is_public": data["is_public"],
        "agreement": data["agreement"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    if not scope_of(request.user).manages_something:
        raise Http404
    form = _campaign_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.create_campaign(
                by=request.user,
                administration=data["administration"],
                code=data["code"],
                currency=donations.administration_currency(data["administration"]),
                **_campaign_values(data),
            )
        except (ValidationError, PermissionDenied) as error:
            apply_form_errors(form, error if isinstance(error, ValidationError) else ValidationError(_("Not allowed.")))
        else:
            messages.success(request, _("Campaign created."))
            return redirect("giving:campaign", code=campaign.code)
    return render(request, "giving/campaign_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_detail(request, code: str):
    _staff_only(request)
    campaign = get_campaign_for(request.user, code)
    can_manage = scope_of(request.user).can_manage(campaign.administration_id)
    form = None
    if can_manage:
        initial = {
            **{name: getattr(campaign, name) for name in ("code", "goal", "starts_on", "ends_on", "allocation_rule")},
            "names": campaign.names,
            "original_language": campaign.original_language,
            "description": campaign.description,
            "is_public": campaign.is_public,
            "administration": campaign.administration_id,
            "agreement": campaign.agreement_id,
        }
        form = _campaign_form(request, request.POST if request.method == "POST" else None, initial)
        form.fields["code"].disabled = form.fields["administration"].disabled = True
        if request.method == "POST" and _run(
            form, lambda d: services.update_campaign(by=request.user, campaign=campaign, **_campaign_values(d))
        ):
            messages.success(request, _("Saved."))
            return redirect("giving:campaign", code=campaign.code)
    elif request.method == "POST":
        raise Http404
    cases = cases_visible_to(request.user).filter(campaign=campaign).order_by("status", "-priority_score")
    context = {
        "campaign": campaign,
        "totals": campaign_totals([campaign])[campaign.pk],
        "cases": cases,
        "raised": ledger.raised_for_cases(case.pk for case in cases),
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "giving/campaign_detail.html", context)


# Rules, ledger, gifts ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rules(request):
    """An administration's eligibility rules and its published priority rules."""
    administrations = administrations_managed_by(request.user).order_by("code")
    if not administrations:
        raise Http404
    chosen = request.GET.get("administration") or request.POST.get("administration") or administrations[0].code
    administration = administrations.filter(code=chosen).first()
    if administration is None:
        raise Http404
    policy = services.eligibility_policy(administration.pk)
    initial = {name: getattr(policy, name) for name in services.POLICY_FIELDS if name != "max_amount_currency"}
    policy_form = forms.PolicyForm(request.POST if "policy" in request.POST else None, initial=initial)
    rule_form = forms.PriorityRuleForm(request.POST if "rule" in request.POST else None, initial={"active": True})
    if "policy" in request.POST and _run(
        policy_form, lambda d: services.save_eligibility_policy(by=request.user, administration=administration, **d)
    ):
        messages.success(request, _("Eligibility rules saved."))
        return redirect(f"{request.path}?administration={administration.code}")
    if "rule" in request.POST and _run(
        rule_form, lambda d: services.save_priority_rule(by=request.user, administration=administration, **d)
    ):
        messages.success(request, _("Priority rule saved; the portal's order is updated."))
        return redirect(f"{request.path}?administration={administration.code}")
    context = {
        "administrations": administrations,
        "administration": administration,
        "policy": policy,
        "policy_form": policy_form,
        "rule_form": rule_form,
        "priority_rules": PriorityRule.objects.filter(administration=administration),
        "currency": donations.administration_currency(administration),
    }
    return render(request, "giving/rules.html", context)


@login_required
def ledger_view(request):
    administration_ids = administrations_with_funds(request.user)
    if administration_ids == []:
        raise Http404
    balances = ledger.balances_by_account(administration_ids)
    administrations = {a.pk: a for a in administrations_visible_to(request.user)} if administration_ids else None
    rows = sorted(balances.items(), key=lambda item: (item[0][0], item[0][1], item[0][2], item[0][3]))
    entries = Entry.objects.select_related("donation", "case", "campaign", "created_by").prefetch_related(
        "lines__account"
    )
    if administration_ids is not None:
        entries = entries.filter(administration_id__in=administration_ids)
    page = Paginator(entries.order_by("-occurred_at", "-pk"), 30).get_page(request.GET.get("page"))
    context = {
        "rows": [(key, value, Account.Kind(key[2]).label) for key, value in rows],
        "administrations": administrations,
        "page": page,
        "unbalanced": ledger.trial_balance() if scope_of(request.user).everywhere else {},
    }
    return render(request, "giving/ledger.html", context)


@login_required
def donation_list(request):
    if administrations_with_funds(request.user) == []:
        raise Http404
    gifts = donations_visible_to(request.user)
    status = request.GET.get("status", "")
    if status:
        gifts = gifts.filter(status=status)
    page = Paginator(gifts.order_by("-created_at", "-pk"), 30).get_page(request.GET.get("page"))
    return render(request, "giving/donation_list.html", {"page": page, "status": status})


@login_required
def settlement_list(request):
    """Payments made out of funded cases: to whom, when, the reference, the proof — and what is still to pay."""
    _staff_only(request)
    from karama.giving.models import Settlement

    cases = cases_visible_to(request.user)
    settlements = (
        Settlement.objects.filter(case__in=cases.values("pk"))
        .select_related("case", "recorded_by")
        .order_by("-paid_on", "-pk")
    )
    page = Paginator(settlements, 30).get_page(request.GET.get("page"))
    context = {"page": page, "to_settle": cases.filter(status=CaseStatus.FUNDED).order_by("funded_at")}
    return render(request, "giving/settlement_list.html", context)
