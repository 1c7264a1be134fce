"""The public portal: no sign-in, four languages. Open cases and campaigns, gifts through the payment provider,
receipts, the transparency page, and the sandbox provider's own checkout page.

Templates here receive `PublicCase` values, never a Case: nothing of the person can reach a public page.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karama.core.http import is_htmx
from karama.core.models import Organization, Region
from karama.core.views import apply_form_errors
from karama.giving import ledger
from karama.giving.donations import keep_gift, register_donor, start_donation
from karama.giving.forms import CheckoutForm, DonorSignupForm, GiftForm, PortalFilterForm
from karama.giving.models import Case, CaseStatus, Donation, EligibilityPolicy, Overflow, PriorityRule, SandboxCharge
from karama.giving.payments import PROVIDERS
from karama.giving.public import public_case
from karama.giving.selectors import (
    PublicFilters,
    campaign_totals,
    get_public_campaign,
    get_public_case,
    my_donations,
    public_campaigns,
    public_cases,
    transparency,
)

PAGE_SIZE = 12


def _public(cases) -> list:
    cases = list(cases)
    raised = ledger.raised_for_cases(case.pk for case in cases)
    return [public_case(case, raised[case.pk]) for case in cases]


def _giving_administrations():
    """Administrations that take gifts: those with a public campaign or a published case."""
    return Organization.objects.filter(
        Q(giving_campaigns__is_public=True) | Q(giving_cases__status=CaseStatus.PUBLISHED),
        kind=Organization.Kind.PRISON_ADMINISTRATION,
    ).distinct()


def _campaign_cards(campaigns) -> list[dict]:
    campaigns = list(campaigns)
    totals = campaign_totals(campaigns)
    return [{"campaign": c, "totals": totals[c.pk], "percent": totals[c.pk].percent(c.goal)} for c in campaigns]


def home(request):
    context = {"cards": _campaign_cards(public_campaigns()), "cases": _public(public_cases()[:6])}
    return render(request, "giving/portal/home.html", context)


def case_list(request):
    regions = Region.objects.filter(pk__in=Case.objects.filter(status=CaseStatus.PUBLISHED).values("region_id"))
    form = PortalFilterForm(request.GET or None, regions=regions.order_by("code"), campaigns=public_campaigns())
    filters = PublicFilters()
    if form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        filters = PublicFilters(**data)
    page = Paginator(public_cases(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "cases": _public(page)}
    template = "giving/portal/case_list.html#results" if is_htmx(request) else "giving/portal/case_list.html"
    return render(request, template, context)


GIFT_STARTS_PER_MINUTE = 20


def _too_many_starts(request) -> bool:
    """A gift opens a charge at the provider: one address may open only so many a minute."""
    from django.core.cache import cache

    key = "giving:starts:{}:{}".format(request.META.get("REMOTE_ADDR", "-"), int(timezone.now().timestamp() // 60))
    if cache.add(key, 1, timeout=120):
        return False
    try:
        return cache.incr(key) > GIFT_STARTS_PER_MINUTE
    except ValueError:
        return False


def _gift(request, form: GiftForm, **destination):
    """Start the gift and send the donor to the provider's checkout; None (errors on the form) otherwise."""
    if request.method != "POST" or not form.is_valid():
        return None
    if _too_many_starts(request):
        form.add_error(None, _("Too many gifts started from here in a minute; please wait a moment."))
        return None
    data = form.cleaned_data
    administration = None
    if "administration" in data:
        administration = _giving_administrations().filter(code=data["administration"]).first()
    try:
        _donation, checkout_url = start_donation(
            amount=data["amount"],
            gift_kind=data["gift_kind"],
            overflow=data.get("overflow") or Overflow.CAMPAIGN,
            administration=administration,
            donor=request.user,
            anonymous=data["anonymous"],
            donor_name=data["donor_name"],
            donor_email=data["donor_email"],
            language=get_language(),
            **destination,
        )
    except ValidationError as error:
        apply_form_errors(form, error)
        return None
    return redirect(checkout_url)


@require_http_methods(["GET", "POST"])
def case_detail(request, code: str):
    case = get_public_case(code)
    form = GiftForm(request.POST or None, case=case)
    response = _gift(request, form, case=case) if case.accepts_gifts else None
    if response is not None:
        return response
    raised = ledger.raised_for_cases([case.pk])[case.pk]
    return render(request, "giving/portal/case_detail.html", {"case": public_case(case, raised), "form": form})


@require_http_methods(["GET", "POST"])
def campaign_detail(request, code: str):
    campaign = get_public_campaign(code)
    open_now = campaign.is_open_on(timezone.localdate())
    form = GiftForm(request.POST or None, campaign=campaign)
    response = _gift(request, form, campaign=campaign) if open_now else None
    if response is not None:
        return response
    open_cases = public_cases(PublicFilters(campaign=campaign.code))
    done = public_cases(PublicFilters(campaign=campaign.code, include_done=True)).exclude(status=CaseStatus.PUBLISHED)
    cases = [*open_cases[:60], *done[:20]]
    context = {
        "campaign": campaign,
        "open_now": open_now,
        "card": _campaign_cards([campaign])[0],
        "cases": _public(cases),
        "form": form,
    }
    return render(request, "giving/portal/campaign_detail.html", context)


@require_http_methods(["GET", "POST"])
def give(request):
    """A gift to an administration's general fund."""
    administrations = list(_giving_administrations().order_by("code"))
    form = GiftForm(request.POST or None, administrations=administrations)
    response = _gift(request, form)
    if response is not None:
        return response
    return render(request, "giving/portal/give.html", {"form": form})


def _donation_by_token(token: str, related=("case", "campaign", "administration")) -> Donation:
    donations = Donation.objects.select_related(*related) if related else Donation.objects.all()
    donation = donations.filter(receipt_token=token).first()
    if donation is None:
        raise Http404
    return donation


def thanks(request, token: str):
    # Every donor lands here, and polls it while the payment is pending: the gift's own row is all the page
    # shows, and the case or campaign only on a failed payment's "try again" link.
    donation = _donation_by_token(token, related=())
    template = "giving/portal/thanks.html#status" if is_htmx(request) else "giving/portal/thanks.html"
    return render(request, template, {"donation": donation})


def receipt(request, token: str):
    from karama.giving.receipts import receipt_pdf

    donation = _donation_by_token(token)
    if not donation.is_paid:
        raise Http404
    response = HttpResponse(receipt_pdf(donation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{donation.code}.pdf"'
    return response


def transparency_page(request):
    return render(request, "giving/portal/transparency.html", {"reports": transparency()})


def priorities(request):
    """The published rules: how cases are ordered on the portal, and who may be released with donors' money."""
    administrations = list(_giving_administrations().order_by("code"))
    rules = PriorityRule.objects.filter(administration__in=administrations, active=True)
    policies = {p.administration_id: p for p in EligibilityPolicy.objects.filter(administration__in=administrations)}
    context = {
        "sections": [
            (a, [r for r in rules if r.administration_id == a.pk], policies.get(a.pk)) for a in administrations
        ]
    }
    return render(request, "giving/portal/priorities.html", context)


@require_http_methods(["GET", "POST"])
def signup(request):
    """An optional donor account: a history of one's gifts and their receipts. Nothing internal, ever."""
    if request.user.is_authenticated:
        return redirect("giving:my_gifts")
    form = DonorSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            donor = register_donor(
                username=data["username"], password=data["password1"], email=data["email"], language=get_language()
            )
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            login(request, donor, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("giving:my_gifts")
    return render(request, "giving/portal/signup.html", {"form": form})


@login_required
@require_POST
def keep(request, token: str):
    donation = _donation_by_token(token)
    try:
        keep_gift(donor=request.user, donation=donation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The gift is in your history."))
    return redirect("giving:thanks", token=token)


@login_required
def my_gifts(request):
    gifts = my_donations(request.user).order_by("-created_at")
    return render(request, "giving/portal/my_gifts.html", {"gifts": gifts})


# The sandbox provider's checkout page ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sandbox_checkout(request, charge_id: str):
    charge = get_object_or_404(SandboxCharge, pk=charge_id)
    if charge.status != SandboxCharge.Status.OPEN:
        return redirect(charge.return_url)
    form = CheckoutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        PROVIDERS["sandbox"].complete(charge, card_number=form.cleaned_data["card_number"])
        return redirect(charge.return_url)
    return render(request, "giving/sandbox/checkout.html", {"charge": charge, "form": form})


@require_POST
def sandbox_cancel(request, charge_id: str):
    charge = get_object_or_404(SandboxCharge, pk=charge_id)
    PROVIDERS["sandbox"].cancel(charge)
    return redirect(charge.return_url)
