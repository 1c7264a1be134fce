"""The public face of a case: what the portal and the public API may show, and nothing more.

A case is shown by its own code, its kind, a coarse region, a few indicators, the priority rules that
raised it, and a summary composed from a template in the reader's language. Amounts are rounded to two
significant digits (three for totals), so no exact debt can be matched against a court file. Names,
codes of the person or household, facilities and dates never reach this module.
"""

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext, pgettext

from karama.core.formatting import currency_precision, format_number, latin_digits, localize_digits
from karama.core.i18n import BABEL_LOCALES, current_language
from karama.giving.ledger import ZERO
from karama.giving.models import (
    PARENT_ROLES,
    WOMEN_ROLES,
    Case,
    CaseKind,
    CaseStatus,
    DebtReason,
    NeedReason,
    PriorityRule,
    SummaryRole,
    Trade,
)

CASE_DIGITS = 2
TOTAL_DIGITS = 3


def rounded(amount: Decimal | None, currency: str, significant: int = CASE_DIGITS) -> Decimal:
    """An amount kept to its first `significant` digits: 37,452.50 → 37,000."""
    if not amount or amount <= 0:
        return ZERO
    exponent = max(amount.adjusted() - significant + 1, -currency_precision(currency))
    step = Decimal(1).scaleb(exponent)
    value = (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    # Written out in full (37000, not 3.7E+4), with no more decimals than the rounding kept.
    return value.quantize(Decimal(1).scaleb(min(exponent, 0)))


def public_money(amount: Decimal | None, currency: str, significant: int = CASE_DIGITS) -> str:
    """A rounded amount for the public, written without minor units when it has none: 37,000 SAR."""
    value = rounded(amount, currency, significant)
    locale = BABEL_LOCALES[current_language()]
    pattern = _whole_pattern(locale) if value == value.to_integral_value() else None
    text = format_currency(
        value, currency, format=pattern, locale=locale, currency_digits=False, decimal_quantization=False
    )
    return localize_digits(latin_digits(text))


@lru_cache(maxsize=16)
def _whole_pattern(locale: str) -> str:
    """The locale's own currency pattern, without its fraction: a rounded amount has none to show."""
    return re.sub(r"\.0+", "", Locale.parse(locale).currency_formats["standard"].pattern)


# The summary ------------------------------------------------------------------------------------------------

_PARENTS = {
    SummaryRole.FATHER: lambda n: npgettext(
        "case summary", "a father of %(count)s child", "a father of %(count)s children", n
    ),
    SummaryRole.MOTHER: lambda n: npgettext(
        "case summary", "a mother of %(count)s child", "a mother of %(count)s children", n
    ),
}


def _who(case: Case) -> str:
    role = case.summary_role if case.summary_role in SummaryRole.values else SummaryRole.MAN
    if role in PARENT_ROLES and case.children:
        return _PARENTS[role](case.children) % {"count": format_number(case.children)}
    return str(SummaryRole(role).label)


def summary(case: Case) -> str:
    """A short, dignified sentence in the reader's language, composed only of the template's choices."""
    if case.kind == CaseKind.HOUSEHOLD_NEED:
        need = (
            NeedReason(case.summary_reason).label
            if case.summary_reason in NeedReason.values
            else NeedReason.OTHER.label
        )
        size = max(case.household_size, 1)
        text = ngettext(
            "A family of %(count)s whose breadwinner is in prison needs help with %(need)s.",
            "A family of %(count)s whose breadwinner is in prison needs help with %(need)s.",
            size,
        ) % {"count": format_number(size), "need": need}
        return text
    woman = case.summary_role in WOMEN_ROLES
    if case.kind == CaseKind.EQUIPMENT:
        trade = Trade(case.summary_reason).label if case.summary_reason in Trade.values else Trade.SERVICES.label
        if woman:
            text = pgettext(
                "case summary, woman", "%(who)s, released from prison, is starting a small project in %(trade)s."
            )
        else:
            text = pgettext(
                "case summary, man", "%(who)s, released from prison, is starting a small project in %(trade)s."
            )
        return capfirst(text % {"who": _who(case), "trade": trade})
    reason = (
        DebtReason(case.summary_reason).label if case.summary_reason in DebtReason.values else DebtReason.RENT.label
    )
    if woman:
        text = pgettext("case summary, woman", "%(who)s, held for %(reason)s.")
    else:
        text = pgettext("case summary, man", "%(who)s, held for %(reason)s.")
    return capfirst(text % {"who": _who(case), "reason": reason})


def reason_label(kind: str, threshold) -> str:
    """Why a rule raised a case, as the portal says it."""
    count = int(Decimal(str(threshold))) if threshold not in (None, "") else 0
    return _reason_label(kind, count, current_language())


# A case card shows several reasons and a page a dozen cards: each label is composed once per language.
@lru_cache(maxsize=1024)
def _reason_label(kind: str, count: int, language: str) -> str:
    if kind == PriorityRule.Kind.ELDERLY and count:
        return ngettext("Aged %(n)s year or over", "Aged %(n)s years or over", count) % {"n": format_number(count)}
    if kind == PriorityRule.Kind.TIME_HELD and count:
        return ngettext("Held for %(n)s month or more", "Held for %(n)s months or more", count) % {
            "n": format_number(count)
        }
    if kind == PriorityRule.Kind.CHILDREN and count:
        return ngettext("%(n)s child or more at home", "%(n)s children or more at home", count) % {
            "n": format_number(count)
        }
    if kind == PriorityRule.Kind.ELDERLY:
        return _("Older person")
    if kind == PriorityRule.Kind.HEAD_OF_HOUSEHOLD:
        return _("Head of household")
    if kind == PriorityRule.Kind.WOMEN:
        return _("A woman")
    if kind == PriorityRule.Kind.TIME_HELD:
        return _("Held a long time")
    if kind == PriorityRule.Kind.SMALL_AMOUNT:
        return _("A small amount")
    if kind == PriorityRule.Kind.CHILDREN:
        return _("Children at home")
    if kind == PriorityRule.Kind.ILLNESS:
        return _("Serious illness in the family")
    if kind == PriorityRule.Kind.PREGNANCY:
        return _("Pregnancy in the family")
    return str(kind)


def public_status(case: Case) -> str:
    debt = case.kind == CaseKind.DEBT_RELEASE
    if case.status == CaseStatus.PUBLISHED:
        return _("Open for gifts")
    if case.status == CaseStatus.FUNDED:
        return _("Fully funded")
    if case.status == CaseStatus.SETTLED:
        return _("Paid to the creditor") if debt else _("Help delivered")
    if case.status == CaseStatus.CLOSED:
        return _("Released") if debt else _("Helped")
    return ""


@dataclass
class PublicCase:
    code: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    summary: str
    region: str
    region_code: str
    sex: str
    children: int
    illness: bool
    pregnancy: bool
    head_of_household: bool
    reasons: list[str]
    currency: str
    target: Decimal
    raised: Decimal
    remaining: Decimal
    percent: int
    zakat_eligible: bool
    accepts_gifts: bool
    campaign_code: str = ""
    campaign_name: str = ""
    indicators: list[str] = field(default_factory=list)


def public_case(case: Case, raised: Decimal) -> PublicCase:
    target = case.target
    remaining = max(ZERO, target - raised)
    percent = min(100, int(raised * 100 / target)) if target else 0
    indicators = []
    if case.children:
        indicators.append(
            ngettext("%(count)s child", "%(count)s children", case.children) % {"count": format_number(case.children)}
        )
    if case.head_of_household:
        indicators.append(_("Head of household"))
    if case.illness:
        indicators.append(_("Serious illness in the family"))
    if case.pregnancy:
        indicators.append(_("Pregnancy in the family"))
    return PublicCase(
        code=case.public_code,
        kind=case.kind,
        kind_label=str(case.get_kind_display()),
        status=case.status,
        status_label=public_status(case),
        summary=summary(case),
        region=case.region.name if case.region_id else "",
        region_code=case.region.code if case.region_id else "",
        sex=case.sex,
        children=case.children,
        illness=case.illness,
        pregnancy=case.pregnancy,
        head_of_household=case.head_of_household,
        reasons=[reason_label(item.get("kind"), item.get("threshold")) for item in case.priority_reasons or []],
        currency=case.currency,
        target=rounded(target, case.currency),
        raised=rounded(raised, case.currency) if percent < 100 else rounded(target, case.currency),
        remaining=rounded(remaining, case.currency),
        percent=percent,
        zakat_eligible=case.zakat_eligible,
        accepts_gifts=case.accepts_gifts,
        campaign_code=case.campaign.code if case.campaign_id else "",
        campaign_name=case.campaign.name if case.campaign_id else "",
        indicators=indicators,
    )
