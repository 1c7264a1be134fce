"""Languages of the interface and names written in several of them."""

from functools import lru_cache

from babel import Locale
from django.utils.translation import get_language, get_language_bidi

LANGUAGE_CODES = ("ar", "fa", "fr", "en")
RTL_LANGUAGES = frozenset({"ar", "fa"})
# Babel locales for formatting, by interface language.
BABEL_LOCALES = {"ar": "ar", "fa": "fa_IR", "fr": "fr", "en": "en"}


def current_language() -> str:
    code = (get_language() or "en").split("-")[0]
    return code if code in LANGUAGE_CODES else "en"


def is_rtl() -> bool:
    return bool(get_language_bidi())


def pick_name(names: dict, original_language: str = "en", language: str | None = None) -> str:
    """The name in the reader's language, else in its original language, else English, else any."""
    if not names:
        return ""
    language = language or current_language()
    for code in (language, original_language, "en", *LANGUAGE_CODES):
        text = (names.get(code) or "").strip()
        if text:
            return text
    return ""


@lru_cache(maxsize=16)
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(BABEL_LOCALES.get(language, "en")).territories)


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in the reader's language (Babel's CLDR data); the code if unknown."""
    if not code or len(code) != 2 or not code.isalpha():
        return code
    return _territories(language or current_language()).get(code.upper(), code)


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    names = _territories(language or current_language())
    return sorted(
        ((code, name) for code, name in names.items() if len(code) == 2 and code.isalpha()), key=lambda c: c[1]
    )
