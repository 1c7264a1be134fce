"""Pay arithmetic: a gross per basis, and a split whose shares always add up exactly to the gross."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from karama.work.pay import gross_pay, minor_unit, split_wage

D = Decimal


def test_gross_is_quantity_times_rate_rounded_half_up_to_the_currency():
    assert gross_pay(D("37.5"), D("12.50"), "SAR") == D("468.75")
    assert gross_pay(D("3"), D("0.3335"), "JOD") == D("1.001")  # 1.0005 rounds up
    assert gross_pay(D("7"), D("150000"), "IRR") == D("1050000")


def test_gross_refuses_a_negative_quantity_and_a_rate_that_is_not_positive():
    with pytest.raises(ValueError):
        gross_pay(D("-1"), D("10"), "SAR")
    with pytest.raises(ValueError):
        gross_pay(D("1"), D("0"), "SAR")


def test_the_rounding_remainder_goes_to_the_shares_that_lost_most():
    # 100.01 at 40/30/30: exact shares 40.004, 30.003, 30.003; floors leave 0.01 for the family.
    assert split_wage(D("100.01"), (D(40), D(30), D(30)), "SAR") == split_wage(
        D("100.01"), (D(40), D(30), D(30)), "SAR"
    )
    shares = split_wage(D("100.01"), (D(40), D(30), D(30)), "SAR")
    assert (shares.family, shares.savings, shares.kept) == (D("40.01"), D("30.00"), D("30.00"))


def test_ties_are_broken_in_the_order_family_savings_kept():
    shares = split_wage(D("0.02"), (D("33.33"), D("33.33"), D("33.34")), "SAR")
    assert (shares.family, shares.savings, shares.kept) == (D("0.01"), D("0"), D("0.01"))
    shares = split_wage(D("1"), (D(50), D(50), D(0)), "IRR")
    assert (shares.family, shares.savings, shares.kept) == (D(1), D(0), D(0))


def test_three_decimal_dinars_and_rials_without_decimals():
    shares = split_wage(D("1.000"), (D(50), D(30), D(20)), "JOD")
    assert (shares.family, shares.savings, shares.kept) == (D("0.500"), D("0.300"), D("0.200"))
    shares = split_wage(D("1000001"), (D(40), D(30), D(30)), "IRR")
    assert shares.total == D("1000001") and shares.family == D("400001")


def test_a_split_must_make_a_hundred_percent():
    with pytest.raises(ValueError):
        split_wage(D("10"), (D(40), D(30), D(20)), "SAR")
    with pytest.raises(ValueError):
        split_wage(D("10"), (D(110), D(-10), D(0)), "SAR")


percent = st.decimals(min_value=0, max_value=100, places=2)


@given(
    gross_cents=st.integers(min_value=0, max_value=10**9),
    family=percent,
    savings=percent,
    currency=st.sampled_from(["SAR", "JOD", "IRR", "MAD"]),
)
def test_shares_always_add_up_exactly_and_are_whole_minor_units(gross_cents, family, savings, currency):
    if family + savings > 100:
        family, savings = family / 2, savings / 2
        family, savings = family.quantize(D("0.01")), savings.quantize(D("0.01"))
    kept = D(100) - family - savings
    gross = D(gross_cents) * minor_unit(currency)
    shares = split_wage(gross, (family, savings, kept), currency)
    assert shares.total == gross
    unit = minor_unit(currency)
    for share in (shares.family, shares.savings, shares.kept):
        assert share >= 0 and share % unit == 0
    # No share is more than one minor unit away from its exact value.
    for share, part in zip((shares.family, shares.savings, shares.kept), (family, savings, kept), strict=True):
        assert abs(share - gross * part / 100) < unit
