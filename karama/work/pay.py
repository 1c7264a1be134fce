"""Pay arithmetic, kept free of the database: a worker's gross for a period, and its split into the
family's share, the savings kept until release and the share the worker keeps.

Every amount is an exact Decimal in the currency's minor units (SAR and MAD two, JOD three, IRR none).
The shares always add up to the gross: each share is rounded down, and the minor units left over go,
one each, to the shares that lost the most in rounding (ties in the fixed order family, savings, kept),
so the same gross and split always give the same shares.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from karama.core.formatting import currency_precision

HUNDRED = Decimal(100)
SHARE_ORDER = ("family", "savings", "kept")


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: 0.01 SAR, 0.001 JOD, 1 IRR."""
    return Decimal(1).scaleb(-currency_precision(currency))


def gross_pay(quantity: Decimal, rate: Decimal, currency: str) -> Decimal:
    """Hours × hourly rate, pieces × piece rate or days × daily rate, rounded half up to the minor unit."""
    if quantity < 0 or rate <= 0:
        raise ValueError("quantity must not be negative and the rate must be positive")
    return (quantity * rate).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Shares:
    family: Decimal
    savings: Decimal
    kept: Decimal

    @property
    def total(self) -> Decimal:
        return self.family + self.savings + self.kept


def split_wage(gross: Decimal, percents: tuple[Decimal, Decimal, Decimal], currency: str) -> Shares:
    """Divide `gross` by the (family, savings, kept) percentages, which must add up to 100."""
    if sum(percents) != HUNDRED or any(p < 0 for p in percents):
        raise ValueError("the split's percentages must be non-negative and add up to 100")
    if gross < 0:
        raise ValueError("a gross cannot be negative")
    unit = minor_unit(currency)
    exact = [gross * percent / HUNDRED for percent in percents]
    floors = [share.quantize(unit, rounding=ROUND_DOWN) for share in exact]
    left_over = int((gross - sum(floors)) / unit)
    # Largest remainder first; ties keep the order family, savings, kept.
    order = sorted(range(3), key=lambda index: (-(exact[index] - floors[index]), index))
    for index in order[:left_over]:
        floors[index] += unit
    return Shares(*floors)
