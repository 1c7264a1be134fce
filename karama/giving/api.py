"""API of the giving app, mounted at /api/v1/giving/.

Staff endpoints (cases, claims, plans, eligibility, four-eyes approval, settlement, release, campaigns, gifts,
balances) are scoped like the pages: outside one's scope is 404. The public endpoints (`/public/...`,
no authentication) return only what the portal shows: codes of cases, rounded amounts, coarse regions,
summaries. The payment provider's callback is the one endpoint that writes without a user: it is trusted
only when its HMAC signature and timestamp are.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from karama.core.access import scope_of
from karama.giving import donations, ledger, services
from karama.giving.models import (
    AllocationRule,
    Campaign,
    Case,
    CaseKind,
    CreditorKind,
    DebtClaim,
    DebtNature,
    Donation,
    FundingSource,
    Settlement,
    SummaryRole,
)
from karama.giving.payments import CallbackRejected
from karama.giving.public import TOTAL_DIGITS, public_case, rounded, summary
from karama.giving.selectors import (
    CaseFilters,
    PublicFilters,
    administrations_with_funds,
    campaign_totals,
    campaigns_visible_to,
    can_manage_case,
    cases_visible_to,
    donations_visible_to,
    filter_cases,
    get_campaign_for,
    get_case_for,
    get_public_campaign,
    get_public_case,
    public_campaigns,
    public_cases,
    transparency,
)
from karama.people.selectors import get_person_for

router = Router(tags=["giving"])

# Public -----------------------------------------------------------------------------------------------------------


class PublicCaseOut(Schema):
    code: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    summary: str
    region: str = Field(..., description="A province or governorate at most.")
    region_code: str
    sex: str
    children: int
    illness: bool
    pregnancy: bool
    head_of_household: bool
    reasons: list[str] = Field(..., description="The published priority rules that raised the case.")
    currency: str
    target: Decimal = Field(..., description="Rounded to two significant digits.")
    raised: Decimal = Field(..., description="Rounded to two significant digits.")
    remaining: Decimal = Field(..., description="Rounded to two significant digits.")
    percent: int
    zakat_eligible: bool
    accepts_gifts: bool
    campaign_code: str
    campaign_name: str


class PublicCaseQuery(Schema):
    kind: str = ""
    region: str = ""
    sex: str = ""
    campaign: str = ""
    country: str = ""
    min_children: int | None = None
    illness: bool = False
    pregnancy: bool = False
    zakat: bool = False
    include_done: bool = False
    sort: str = "priority"


class PublicCampaignOut(Schema):
    code: str
    name: str
    description: str
    currency: str
    goal: Decimal | None
    raised: Decimal
    percent: int
    starts_on: datetime.date
    ends_on: datetime.date
    cases: int
    released: int


class OutcomeOut(Schema):
    outcome: str


@router.get("/public/cases/", response=list[PublicCaseOut], auth=None, tags=["giving (public)"])
@paginate(LimitOffsetPagination)
def list_public_cases(request, filters: Query[PublicCaseQuery]):
    return _PublicPage(public_cases(PublicFilters(**filters.dict())))


class _PublicPage:
    """A queryset the paginator slices; each slice comes back as public values with the raised sums of its cases."""

    def __init__(self, queryset):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        cases = list(self.queryset[item])
        raised = ledger.raised_for_cases(case.pk for case in cases)
        return [public_case(case, raised[case.pk]) for case in cases]


@router.get("/public/cases/{code}/", response=PublicCaseOut, auth=None, tags=["giving (public)"])
def get_public_case_api(request, code: str):
    case = get_public_case(code)
    return public_case(case, ledger.raised_for_cases([case.pk])[case.pk])


@router.get("/public/campaigns/", response=list[PublicCampaignOut], auth=None, tags=["giving (public)"])
def list_public_campaigns(request):
    campaigns = list(public_campaigns())
    totals = campaign_totals(campaigns)
    return [_public_campaign(campaign, totals[campaign.pk]) for campaign in campaigns]


@router.get("/public/campaigns/{code}/", response=PublicCampaignOut, auth=None, tags=["giving (public)"])
def get_public_campaign_api(request, code: str):
    campaign = get_public_campaign(code)
    return _public_campaign(campaign, campaign_totals([campaign])[campaign.pk])


def _public_campaign(campaign: Campaign, totals) -> dict:
    return {
        "code": campaign.code,
        "name": campaign.name,
        "description": campaign.description,
        "currency": campaign.currency,
        "goal": rounded(campaign.goal, campaign.currency, TOTAL_DIGITS) if campaign.goal else None,
        "raised": rounded(totals.raised, campaign.currency, TOTAL_DIGITS),
        "percent": totals.percent(campaign.goal),
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "cases": totals.cases,
        "released": totals.released,
    }


class TransparencyOut(Schema):
    administration: str
    currency: str
    given: Decimal
    settled: Decimal
    refunded: Decimal
    fees_borne_by_the_administration: Decimal
    held: Decimal
    people_released: int
    households_helped: int


@router.get("/public/transparency/", response=list[TransparencyOut], auth=None, tags=["giving (public)"])
def get_transparency(request):
    return [
        {
            "administration": report.administration.code,
            "currency": report.currency,
            "given": rounded(report.given, report.currency, TOTAL_DIGITS),
            "settled": rounded(report.settled, report.currency, TOTAL_DIGITS),
            "refunded": rounded(report.refunded, report.currency, TOTAL_DIGITS),
            "fees_borne_by_the_administration": rounded(report.fees, report.currency, TOTAL_DIGITS),
            "held": rounded(report.held, report.currency, TOTAL_DIGITS),
            "people_released": report.released,
            "households_helped": report.households,
        }
        for report in transparency()
    ]


@router.post("/payments/{provider_code}/callback/", response=OutcomeOut, auth=None, tags=["giving (payments)"])
def payment_callback(request, provider_code: str):
    """The payment provider's signed callback. Replays credit once; forged, stale, unknown or tampered
    callbacks change nothing, are logged, and get 400."""
    try:
        outcome = donations.receive_callback(
            provider_code=provider_code,
            body=request.body,
            headers=request.headers,
            address=request.META.get("REMOTE_ADDR"),
        )
    except CallbackRejected as rejected:
        from karama.api import error

        return error(request, 400, f"callback_{rejected.reason}", _("The callback was refused."))
    return {"outcome": outcome}


# Staff: cases ---------------------------------------------------------------------------------------------------


def exact(amount: Decimal | None, currency: str) -> str | None:
    """An amount as text in the currency's own minor units (100.00 SAR, 100.000 JOD, 100 IRR), on any database."""
    return None if amount is None else str(amount.quantize(ledger.quantum(currency)))


class ClaimOut(Schema):
    id: int
    creditor_kind: str
    creditor_name: str
    nature: str
    amount: str
    court_reference: str
    pay_to: str
    verified_by: str | None
    verified_on: datetime.date | None

    @staticmethod
    def resolve_verified_by(claim: DebtClaim) -> str | None:
        return claim.verified_by.username if claim.verified_by_id else None

    @staticmethod
    def resolve_amount(claim: DebtClaim) -> str:
        return exact(claim.amount, claim.case.currency)


class InstallmentOut(Schema):
    id: int
    due_on: datetime.date
    amount: str
    paid_on: datetime.date | None

    @staticmethod
    def resolve_amount(installment) -> str:
        return exact(installment.amount, installment.source.case.currency)


class FundingSourceOut(Schema):
    id: int
    kind: str
    amount: str
    note: str
    installments: list[InstallmentOut]

    @staticmethod
    def resolve_installments(source: FundingSource) -> list:
        return list(source.installments.all())

    @staticmethod
    def resolve_amount(source: FundingSource) -> str:
        return exact(source.amount, source.case.currency)


class CaseSummaryOut(Schema):
    code: str
    kind: str
    status: str
    administration: str
    person: str
    campaign: str | None
    currency: str
    target: str
    opened_at: datetime.datetime

    @staticmethod
    def resolve_target(case: Case) -> str:
        return exact(case.target, case.currency)

    @staticmethod
    def resolve_code(case: Case) -> str:
        return case.public_code

    @staticmethod
    def resolve_administration(case: Case) -> str:
        return case.administration.code

    @staticmethod
    def resolve_person(case: Case) -> str:
        return case.person.public_code

    @staticmethod
    def resolve_campaign(case: Case) -> str | None:
        return case.campaign.code if case.campaign_id else None


class CaseOut(Schema):
    code: str
    kind: str
    status: str
    administration: str
    person: str
    campaign: str | None
    currency: str
    target: str
    opened_at: datetime.datetime
    public_summary: str
    region: str | None
    sex: str
    summary_role: str
    summary_reason: str
    children: int
    household_size: int
    head_of_household: bool
    illness: bool
    pregnancy: bool
    raised: str
    held: str
    paid_out: str
    remaining: str
    priority_score: int
    eligibility: dict
    eligibility_checked_by: str | None
    opened_by: str
    approved_by: str | None
    claims: list[ClaimOut]
    funding_sources: list[FundingSourceOut]
    released_on: datetime.date | None


class StaffCaseQuery(Schema):
    q: str = ""
    status: str = ""
    kind: str = ""
    campaign: str = ""
    waiting_for_me: bool = False


class ClaimIn(Schema):
    creditor_kind: CreditorKind = CreditorKind.INDIVIDUAL
    creditor_name: str
    nature: DebtNature = DebtNature.PRIVATE_RIGHT
    amount: str = Field(..., description="Exact decimal text, such as 25000.00")
    court_reference: str
    pay_to: str = ""


class CaseIn(Schema):
    kind: CaseKind = CaseKind.DEBT_RELEASE
    person: str = Field(..., description="The person's public code.")
    household_need: str | None = Field(None, description="Household need: the need's id (support app).")
    claims: list[ClaimIn] = Field(default_factory=list, description="Debt release: at least one claim.")
    target: str | None = Field(None, description="Household need or equipment: what is asked of donors.")
    currency: str = ""
    campaign: str | None = None
    summary_role: SummaryRole | None = None
    summary_reason: str = ""


class FactsPatch(Schema):
    region: str | None = None
    sex: str | None = None
    summary_role: str | None = None
    summary_reason: str | None = None
    children: int | None = None
    household_size: int | None = None
    head_of_household: bool | None = None
    illness: bool | None = None
    pregnancy: bool | None = None


class FundingSourceIn(Schema):
    kind: FundingSource.Kind
    amount: str
    note: str = ""
    installments: int = 0
    first_due_on: datetime.date | None = None


class EligibilityIn(Schema):
    fraud_conviction: bool
    good_conduct: bool


class CancelIn(Schema):
    reason: str
    disposition: str = Field("refund", description="refund, campaign or general")


class ReleaseIn(Schema):
    on: datetime.date


class AllocationIn(Schema):
    source: str = Field(..., description="campaign or general")
    amount: str
    zakat: bool = False


def _case_out(user, case: Case) -> dict:
    money = ledger.case_money(case)
    claims = list(case.claims.select_related("verified_by"))
    sources = list(case.funding_sources.prefetch_related("installments"))
    return {
        "code": case.public_code,
        "kind": case.kind,
        "status": case.status,
        "currency": case.currency,
        "target": exact(case.target, case.currency),
        "opened_at": case.opened_at,
        "administration": case.administration.code,
        "person": case.person.public_code,
        "campaign": case.campaign.code if case.campaign_id else None,
        "public_summary": summary(case),
        "region": case.region.code if case.region_id else None,
        **{name: getattr(case, name) for name in services.FACT_FIELDS if name != "region"},
        "raised": exact(money.raised, case.currency),
        "held": exact(money.held, case.currency),
        "paid_out": exact(money.paid_out, case.currency),
        "remaining": exact(money.remaining, case.currency),
        "priority_score": case.priority_score,
        "eligibility": case.eligibility,
        "eligibility_checked_by": case.eligibility_checked_by.username if case.eligibility_checked_by_id else None,
        "opened_by": case.opened_by.username,
        "approved_by": case.approved_by.username if case.approved_by_id else None,
        "claims": claims,
        "funding_sources": sources,
        "released_on": case.released_on,
    }


def _household_need(person, need_id: str | None):
    from karama.support.models import HouseholdNeed

    need = HouseholdNeed.objects.filter(household__person=person, uuid=need_id).first() if need_id else None
    if need is None:
        raise ValidationError({"household_need": _("Choose the household's assessed need.")})
    return need


def _managed(request, code: str) -> Case:
    case = get_case_for(request.auth, code)
    if not can_manage_case(request.auth, case):
        raise Http404
    return case


def _reload(request, case: Case) -> dict:
    return _case_out(request.auth, get_case_for(request.auth, case.public_code))


@router.get("/cases/", response=list[CaseSummaryOut])
@paginate(LimitOffsetPagination)
def list_cases(request, filters: Query[StaffCaseQuery]):
    if scope_of(request.auth).sees_nothing_internal:
        raise Http404
    values = filters.dict()
    values["query"] = values.pop("q")
    cases = filter_cases(request.auth, cases_visible_to(request.auth), CaseFilters(**values))
    return cases.select_related("administration").order_by("-opened_at", "-pk")


@router.get("/cases/{code}/", response=CaseOut)
def get_case(request, code: str):
    return _case_out(request.auth, get_case_for(request.auth, code))


@router.post("/cases/", response={201: CaseOut})
def open_case(request, payload: CaseIn):
    person = get_person_for(request.auth, payload.person)
    campaign = get_campaign_for(request.auth, payload.campaign) if payload.campaign else None
    need = _household_need(person, payload.household_need) if payload.kind == CaseKind.HOUSEHOLD_NEED else None
    facts = {"summary_reason": payload.summary_reason} if payload.summary_reason else {}
    if payload.summary_role:
        facts["summary_role"] = payload.summary_role
    case = services.open_case(
        by=request.auth,
        kind=payload.kind,
        person=person,
        household_need=need,
        target=payload.target,
        currency=payload.currency,
        campaign=campaign,
        claims=[claim.dict() for claim in payload.claims],
        **facts,
    )
    return Status(201, _reload(request, case))


@router.patch("/cases/{code}/", response=CaseOut)
def update_case_facts(request, code: str, payload: FactsPatch):
    case = _managed(request, code)
    changes = payload.dict(exclude_unset=True)
    if "region" in changes:
        from karama.core.models import Region

        region = Region.objects.filter(code=changes["region"]).first() if changes["region"] else None
        if changes["region"] and region is None:
            raise ValidationError({"region": _("Unknown region.")})
        changes["region"] = region
    services.update_case_facts(by=request.auth, case=case, **changes)
    return _reload(request, case)


@router.post("/cases/{code}/claims/", response={201: ClaimOut})
def add_claim(request, code: str, payload: ClaimIn):
    return Status(201, services.add_claim(by=request.auth, case=_managed(request, code), **payload.dict()))


@router.post("/cases/{code}/claims/{int:claim_id}/verify/", response=ClaimOut)
def verify_claim(request, code: str, claim_id: int):
    case = _managed(request, code)
    claim = case.claims.filter(pk=claim_id).first()
    if claim is None:
        raise Http404
    return services.verify_claim(by=request.auth, claim=claim)


@router.post("/cases/{code}/funding-sources/", response={201: FundingSourceOut})
def add_funding_source(request, code: str, payload: FundingSourceIn):
    source = services.add_funding_source(by=request.auth, case=_managed(request, code), **payload.dict())
    return Status(201, source)


@router.post("/cases/{code}/eligibility/", response=CaseOut)
def check_eligibility(request, code: str, payload: EligibilityIn):
    case = _managed(request, code)
    services.check_eligibility(by=request.auth, case=case, **payload.dict())
    return _reload(request, case)


@router.post("/cases/{code}/approve/", response=CaseOut)
def approve_case(request, code: str):
    case = _managed(request, code)
    services.approve_case(by=request.auth, case=case)
    return _reload(request, case)


@router.post("/cases/{code}/publish/", response=CaseOut)
def publish_case(request, code: str):
    case = _managed(request, code)
    services.publish_case(by=request.auth, case=case)
    return _reload(request, case)


@router.post("/cases/{code}/cancel/", response=CaseOut)
def cancel_case(request, code: str, payload: CancelIn):
    case = _managed(request, code)
    services.cancel_case(by=request.auth, case=case, reason=payload.reason, disposition=payload.disposition)
    return _reload(request, case)


@router.post("/cases/{code}/allocations/", response=CaseOut)
def allocate(request, code: str, payload: AllocationIn):
    case = _managed(request, code)
    donations.allocate_to_case(by=request.auth, case=case, **payload.dict())
    return _reload(request, case)


@router.post("/cases/{code}/settlement/", response=CaseOut)
def record_settlement(
    request,
    code: str,
    payee_kind: Settlement.PayeeKind = Form(...),  # noqa: B008
    payee: str = Form(...),  # noqa: B008
    reference: str = Form(...),  # noqa: B008
    paid_on: datetime.date = Form(...),  # noqa: B008
    proof: UploadedFile = File(...),  # noqa: B008
):
    case = _managed(request, code)
    services.record_settlement(
        by=request.auth,
        case=case,
        payee_kind=payee_kind,
        payee=payee,
        reference=reference,
        paid_on=paid_on,
        proof=proof,
    )
    return _reload(request, case)


@router.post("/cases/{code}/release/", response=CaseOut)
def record_release(request, code: str, payload: ReleaseIn):
    case = _managed(request, code)
    services.record_release(by=request.auth, case=case, on=payload.on)
    return _reload(request, case)


# Staff: campaigns, gifts, balances ------------------------------------------------------------------------------


class CampaignOut(Schema):
    code: str
    administration: str
    name: str
    names: dict[str, str]
    currency: str
    goal: str | None
    starts_on: datetime.date
    ends_on: datetime.date
    allocation_rule: str
    is_public: bool
    agreement: int | None
    raised: str
    settled: str
    released: int


class CampaignIn(Schema):
    code: str
    administration: str
    names: dict[str, str]
    original_language: str = "en"
    description: str = ""
    goal: str | None = None
    starts_on: datetime.date
    ends_on: datetime.date
    allocation_rule: AllocationRule = AllocationRule.URGENT_FIRST
    is_public: bool = False


def _campaign_out(campaign: Campaign, totals) -> dict:
    return {
        "code": campaign.code,
        "administration": campaign.administration.code,
        "name": campaign.name,
        "names": campaign.names,
        "currency": campaign.currency,
        "goal": exact(campaign.goal, campaign.currency),
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "allocation_rule": campaign.allocation_rule,
        "is_public": campaign.is_public,
        "agreement": campaign.agreement_id,
        "raised": exact(totals.raised, campaign.currency),
        "settled": exact(totals.settled, campaign.currency),
        "released": totals.released,
    }


@router.get("/campaigns/", response=list[CampaignOut])
def list_campaigns(request):
    campaigns = list(campaigns_visible_to(request.auth))
    totals = campaign_totals(campaigns)
    return [_campaign_out(campaign, totals[campaign.pk]) for campaign in campaigns]


@router.post("/campaigns/", response={201: CampaignOut})
def create_campaign(request, payload: CampaignIn):
    from karama.core.selectors import administrations_managed_by

    administration = administrations_managed_by(request.auth).filter(code=payload.administration).first()
    if administration is None:
        raise Http404
    data = payload.dict()
    language, description = data["original_language"], data.pop("description")
    campaign = services.create_campaign(
        by=request.auth,
        administration=administration,
        code=data.pop("code"),
        currency=donations.administration_currency(administration),
        descriptions={language: description} if description else {},
        **{key: value for key, value in data.items() if key != "administration"},
    )
    return Status(201, _campaign_out(campaign, campaign_totals([campaign])[campaign.pk]))


class DonationOut(Schema):
    code: str
    status: str
    amount: str
    currency: str
    gift_kind: str
    case: str | None
    campaign: str | None
    donor_name: str | None = Field(None, description="Absent for a donor who chose anonymity.")
    created_at: datetime.datetime
    paid_at: datetime.datetime | None
    fee: str

    @staticmethod
    def resolve_amount(donation: Donation) -> str:
        return exact(donation.amount, donation.currency)

    @staticmethod
    def resolve_fee(donation: Donation) -> str:
        return exact(donation.fee, donation.currency)

    @staticmethod
    def resolve_case(donation: Donation) -> str | None:
        return donation.case.public_code if donation.case_id else None

    @staticmethod
    def resolve_campaign(donation: Donation) -> str | None:
        return donation.campaign.code if donation.campaign_id else None

    @staticmethod
    def resolve_donor_name(donation: Donation) -> str | None:
        return None if donation.anonymous else donation.donor_name or None


@router.get("/gifts/", response=list[DonationOut])
@paginate(LimitOffsetPagination)
def list_gifts(request, status: str = ""):
    gifts = donations_visible_to(request.auth)
    if status:
        gifts = gifts.filter(status=status)
    return gifts.order_by("-created_at", "-pk")


class BalanceOut(Schema):
    administration_id: int
    currency: str
    account: str
    zakat: bool
    balance: str


@router.get("/balances/", response=list[BalanceOut])
def list_balances(request):
    administration_ids = administrations_with_funds(request.auth)
    if administration_ids == []:
        raise Http404
    return [
        {
            "administration_id": key[0],
            "currency": key[1],
            "account": key[2],
            "zakat": key[3],
            "balance": exact(value, key[1]),
        }
        for key, value in sorted(ledger.balances_by_account(administration_ids).items())
    ]
