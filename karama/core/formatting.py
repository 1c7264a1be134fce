"""The one place where dates, numbers and money are turned into text, and dates parsed back.

A reader chooses a calendar (Gregorian, Hijri Umm al-Qura, Solar Hijri) and digits
(Latin, Arabic-Indic, Persian); the interface language decides the rest through Babel.
"""

import contextvars
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import jdatetime
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal, get_currency_precision
from django.utils.translation import gettext as _
from hijridate import Gregorian, Hijri

from karama.core.i18n import BABEL_LOCALES, current_language


@dataclass(frozen=True)
class Preferences:
    calendar: str = "gregorian"
    digits: str = "latin"


_preferences: contextvars.ContextVar[Preferences] = contextvars.ContextVar("karama_preferences", default=Preferences())


def current_preferences() -> Preferences:
    return _preferences.get()


def use_preferences(preferences: Preferences) -> contextvars.Token:
    return _preferences.set(preferences)


def reset_preferences(token: contextvars.Token) -> None:
    _preferences.reset(token)


_DIGIT_TABLES = {
    "arabic": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
    "persian": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
}
_TO_LATIN = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def localize_digits(text: str, digits: str | None = None) -> str:
    table = _DIGIT_TABLES.get(digits or current_preferences().digits)
    return text.translate(table) if table else text


def latin_digits(text: str) -> str:
    return text.translate(_TO_LATIN)


_HIJRI_MONTHS = {
    "ar": [
        "محرم",
        "صفر",
        "ربيع الأول",
        "ربيع الآخر",
        "جمادى الأولى",
        "جمادى الآخرة",
        "رجب",
        "شعبان",
        "رمضان",
        "شوال",
        "ذو القعدة",
        "ذو الحجة",
    ],
    "fa": [
        "محرم",
        "صفر",
        "ربیع‌الاول",
        "ربیع‌الثانی",
        "جمادی‌الاول",
        "جمادی‌الثانی",
        "رجب",
        "شعبان",
        "رمضان",
        "شوال",
        "ذی‌القعده",
        "ذی‌الحجه",
    ],
    "en": [
        "Muharram",
        "Safar",
        "Rabi al-Awwal",
        "Rabi al-Thani",
        "Jumada al-Ula",
        "Jumada al-Akhirah",
        "Rajab",
        "Shaban",
        "Ramadan",
        "Shawwal",
        "Dhu al-Qadah",
        "Dhu al-Hijjah",
    ],
    "fr": [
        "Mouharram",
        "Safar",
        "Rabia al awal",
        "Rabia ath-thani",
        "Joumada al oula",
        "Joumada ath-thania",
        "Rajab",
        "Chaabane",
        "Ramadan",
        "Chawwal",
        "Dhou al qi`da",
        "Dhou al-hijja",
    ],
}
_JALALI_MONTHS = {
    "fa": ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"],
    "ar": ["فروردين", "أرديبهشت", "خرداد", "تير", "مرداد", "شهريور", "مهر", "آبان", "آذر", "دي", "بهمن", "إسفند"],
    "en": [
        "Farvardin",
        "Ordibehesht",
        "Khordad",
        "Tir",
        "Mordad",
        "Shahrivar",
        "Mehr",
        "Aban",
        "Azar",
        "Dey",
        "Bahman",
        "Esfand",
    ],
    "fr": [
        "Farvardin",
        "Ordibehecht",
        "Khordad",
        "Tir",
        "Mordad",
        "Chahrivar",
        "Mehr",
        "Aban",
        "Azar",
        "Dey",
        "Bahman",
        "Esfand",
    ],
}


def calendar_parts(value: datetime.date, calendar: str) -> tuple[int, int, int]:
    """(year, month, day) of a Gregorian date in the given calendar."""
    if calendar == "hijri":
        hijri = Gregorian(value.year, value.month, value.day).to_hijri()
        return hijri.year, hijri.month, hijri.day
    if calendar == "jalali":
        jalali = jdatetime.date.fromgregorian(date=value)
        return jalali.year, jalali.month, jalali.day
    return value.year, value.month, value.day


def format_date(value: datetime.date | datetime.datetime | None, style: str = "long") -> str:
    """A date in the reader's calendar, language and digits. `style` is 'long' or 'short' (numeric)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    preferences = current_preferences()
    language = current_language()
    if style == "short":
        year, month, day = calendar_parts(value, preferences.calendar)
        return localize_digits(f"{year:04d}-{month:02d}-{day:02d}", preferences.digits)
    if preferences.calendar == "gregorian":
        text = babel_format_date(value, format="long", locale=BABEL_LOCALES[language])
        return localize_digits(latin_digits(text), preferences.digits)
    year, month, day = calendar_parts(value, preferences.calendar)
    months = (_HIJRI_MONTHS if preferences.calendar == "hijri" else _JALALI_MONTHS)[language]
    suffix = {"hijri": _("AH"), "jalali": _("SH")}[preferences.calendar]
    return localize_digits(f"{day} {months[month - 1]} {year} {suffix}", preferences.digits)


def format_datetime(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    from django.utils import timezone

    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{format_date(local.date(), 'short')} {localize_digits(local.strftime('%H:%M'))}"


def parse_date(text: str, calendar: str | None = None) -> datetime.date:
    """Parse YYYY-MM-DD (any digits, '/' or '-') written in the reader's calendar into a Gregorian date."""
    calendar = calendar or current_preferences().calendar
    match = re.fullmatch(r"\s*(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,2})\s*", latin_digits(text or ""))
    if not match:
        raise ValueError("not a date")
    year, month, day = (int(part) for part in match.groups())
    if calendar == "hijri":
        return Hijri(year, month, day).to_gregorian()
    if calendar == "jalali":
        return jdatetime.date(year, month, day).togregorian()
    return datetime.date(year, month, day)


def format_number(value, decimals: int | None = None) -> str:
    if value is None or value == "":
        return ""
    language = current_language()
    if decimals is not None:
        text = format_decimal(
            value, format="#,##0." + "0" * decimals if decimals else "#,##0", locale=BABEL_LOCALES[language]
        )
    else:
        text = format_decimal(value, locale=BABEL_LOCALES[language])
    return localize_digits(latin_digits(text)).replace("\u202f", "\u00a0")


def format_money(amount: Decimal | None, currency: str) -> str:
    """Exact money for display: the currency's own minor units, the locale's grouping, the reader's digits."""
    if amount is None:
        return ""
    language = current_language()
    text = format_currency(
        amount,
        currency,
        locale=BABEL_LOCALES[language],
        currency_digits=True,
        format_type="standard",
    )
    # Babel groups French thousands with a narrow no-break space, which the interface font lacks.
    return localize_digits(latin_digits(text)).replace("\u202f", "\u00a0")


def currency_precision(currency: str) -> int:
    return get_currency_precision(currency)
