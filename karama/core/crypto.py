"""Field encryption and keyed look-up hashes for identifiers such as national IDs.

Values are encrypted with Fernet (AES-128-CBC + HMAC) under the keys in KARAMA_FIELD_KEY:
the first encrypts, every one decrypts, so a key is rotated by putting a new one first and
running `manage.py rotate_field_keys`. Exact look-up uses an HMAC of the normalized value
under a key derived from the oldest field key, so it survives rotation of the newer ones.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from karama.core.formatting import latin_digits


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured("KARAMA_FIELD_KEY must hold url-safe base64 Fernet keys.") from None


def _keys() -> tuple[str, ...]:
    keys = tuple(settings.KARAMA_FIELD_KEYS)
    if not keys:
        raise ImproperlyConfigured("KARAMA_FIELD_KEY is not set.")
    return keys


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured("A stored value cannot be decrypted with the configured keys.") from None


def rotate(token: str) -> str:
    """Re-encrypt under the newest key (MultiFernet.rotate)."""
    return _fernet(_keys()).rotate(token.encode()).decode() if token else ""


def normalize_identifier(value: str) -> str:
    """National IDs as people type them: any digits, spaces, dashes, dots, case — one form."""
    return "".join(ch for ch in latin_digits(value or "").upper() if ch.isalnum())


def lookup_hash(value: str, *, purpose: str = "national-id") -> str:
    """A keyed hash for exact look-up; equal identifiers give equal hashes, nothing else can be learnt."""
    normalized = normalize_identifier(value)
    if not normalized:
        return ""
    key = hashlib.sha256(("karama-lookup:" + purpose + ":" + _keys()[-1]).encode()).digest()
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()


def mask(value: str, visible: int = 3) -> str:
    """Show only the last few characters: •••••4821."""
    if not value:
        return ""
    return "•" * max(len(value) - visible, 3) + value[-visible:]
