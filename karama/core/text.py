"""Text normalization for search across Arabic, Persian and Latin spelling variants.

Names are stored twice: as written, and normalized by `normalize_for_search`. Search
normalizes the query the same way and matches substrings of the stored form, so
أحمد, احمد and إحمد, or علی and علي, or عبد الله and عبدالله find each other.
"""

import unicodedata

# Letters that differ between spellings of the same name, mapped to one form.
_LETTER_MAP = str.maketrans(
    {
        "ٱ": "ا",  # alef wasla
        "ى": "ي",  # alef maqsura
        "ی": "ي",  # Persian yeh
        "ې": "ي",
        "ۍ": "ي",
        "ة": "ه",  # ta marbuta
        "ۀ": "ه",  # heh with yeh above
        "ە": "ه",
        "ک": "ك",  # Persian keheh
        "ڪ": "ك",
        "ـ": "",  # tatweel
        "\u200c": "",  # zero-width non-joiner
        "\u200d": "",  # zero-width joiner
    }
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def normalize_for_search(text: str) -> str:
    """Return the search form of `text`: no case, marks, spaces or punctuation, one form per letter."""
    if not text:
        return ""
    value = text.translate(_DIGITS).casefold()
    # NFKD splits hamza, madda and vowel marks off their letters (أ → ا + ٔ) and presentation
    # forms into base letters; the marks are then dropped.
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.translate(_LETTER_MAP).translate(_DIGITS)
    value = "".join(ch for ch in value if ch.isalnum())
    # A second pass makes the result a fixed point for the rare characters whose
    # case folding yields a decomposable character.
    return _second_pass(value)


def _second_pass(value: str) -> str:
    again = unicodedata.normalize("NFKD", value.casefold())
    again = "".join(ch for ch in again if not unicodedata.combining(ch))
    again = "".join(ch for ch in again.translate(_LETTER_MAP).translate(_DIGITS) if ch.isalnum())
    return again if again == value else normalize_for_search(again)


def search_tokens(query: str) -> list[str]:
    """Split a user's query into normalized tokens; every token must match."""
    tokens = [normalize_for_search(part) for part in query.replace("\u200c", " ").split()]
    return [token for token in tokens if token]


def search_document(*texts: str) -> str:
    """The stored search form of several texts (names in several languages)."""
    return " ".join(filter(None, (normalize_for_search(text) for text in texts if text)))
