"""The one formatting helper: calendars, digits and money per locale, and dates typed back."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from karama.core.formatting import (
    Preferences,
    format_date,
    format_money,
    parse_date,
    reset_preferences,
    use_preferences,
)


@pytest.fixture
def prefer():
    tokens = []

    def apply(calendar="gregorian", digits="latin", language="en"):
        tokens.append(use_preferences(Preferences(calendar=calendar, digits=digits)))
        translation.activate(language)

    yield apply
    for token in reversed(tokens):
        reset_preferences(token)
    translation.deactivate()


def test_hijri_umm_al_qura_dates(prefer):
    prefer(calendar="hijri", digits="arabic", language="ar")
    assert format_date(datetime.date(2019, 5, 6), "short") == "١٤٤٠-٠٩-٠١"
    assert "رمضان" in format_date(datetime.date(2019, 5, 6))


def test_solar_hijri_dates(prefer):
    prefer(calendar="jalali", digits="persian", language="fa")
    assert format_date(datetime.date(2024, 10, 3), "short") == "۱۴۰۳-۰۷-۱۲"
    assert "مهر" in format_date(datetime.date(2024, 10, 3))


def test_gregorian_dates_in_french(prefer):
    prefer(language="fr")
    assert format_date(datetime.date(2024, 10, 3)) == "3 octobre 2024"


@pytest.mark.parametrize(
    ("calendar", "typed", "expected"),
    [
        ("gregorian", "2024-10-03", datetime.date(2024, 10, 3)),
        ("hijri", "١٤٤٠-٠٩-٠١", datetime.date(2019, 5, 6)),
        ("jalali", "۱۴۰۳/۰۷/۱۲", datetime.date(2024, 10, 3)),
    ],
)
def test_dates_are_typed_in_the_users_calendar(calendar, typed, expected):
    assert parse_date(typed, calendar) == expected


@pytest.mark.parametrize("typed", ["", "03/10/2024", "2024-13-01", "hello"])
def test_bad_dates_are_refused(typed):
    with pytest.raises(ValueError):
        parse_date(typed, "gregorian")


def test_money_is_exact_and_localized(prefer):
    prefer(language="fr")
    assert format_money(Decimal("1000000.00"), "MAD").replace("\u202f", " ").replace("\xa0", " ") == "1 000 000,00 MAD"
    prefer(language="ar", digits="arabic")
    text = format_money(Decimal("1000000"), "SAR")
    assert "١" in text and "1" not in text
    prefer(language="en")
    assert "1,250.125" in format_money(Decimal("1250.125"), "JOD")
