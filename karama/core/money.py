"""Exact money: Decimal amounts with an ISO 4217 currency, checked against the currency's minor units."""

from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision, list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CURRENCY_FIELD_LENGTH = 3
_KNOWN = frozenset(code for code in list_currencies() if len(code) == 3 and code.isalpha() and code.isupper())


def validate_currency(code: str) -> None:
    if code not in _KNOWN:
        raise ValidationError(
            _("%(code)s is not an ISO 4217 currency code."), code="currency", params={"code": code or "—"}
        )


def to_amount(value, currency: str, *, allow_negative: bool = False, allow_zero: bool = False) -> Decimal:
    """Parse and check an amount for a currency; raise a translated ValidationError on bad input.

    Floats are refused: they cannot carry money exactly.
    """
    validate_currency(currency)
    if isinstance(value, float):
        raise ValidationError(_("Give amounts as exact decimal text, not as a floating-point number."), code="float")
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter an amount such as 1000000.00."), code="invalid_amount") from None
    if not amount.is_finite():
        raise ValidationError(_("Enter an amount such as 1000000.00."), code="invalid_amount")
    if amount < 0 and not allow_negative:
        raise ValidationError(_("The amount cannot be negative."), code="negative_amount")
    if amount == 0 and not allow_zero:
        raise ValidationError(_("The amount cannot be zero."), code="zero_amount")
    precision = get_currency_precision(currency)
    if -amount.as_tuple().exponent > precision:
        raise ValidationError(
            _("%(currency)s amounts have at most %(digits)s decimal places."),
            code="too_precise",
            params={"currency": currency, "digits": precision},
        )
    if abs(amount) >= Decimal("1e15"):
        raise ValidationError(_("The amount is too large."), code="too_large")
    return amount


def currency_choices() -> list[tuple[str, str]]:
    """Currencies offered first in forms: those of the administrations Karama serves, then the rest."""
    first = ["SAR", "JOD", "MAD", "IRR", "USD", "EUR"]
    rest = sorted(_KNOWN - set(first))
    return [(code, code) for code in first + rest]
