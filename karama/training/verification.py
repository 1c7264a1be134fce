"""The public check of a certificate by number and code: what anyone may learn, and a brake on guessing.

It tells only the programme's title on the certificate, the issuer, the date of issue and whether the
certificate is still valid; never the holder's name nor anything else about them.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from karama.training.models import Certificate
from karama.training.selectors import find_certificate

# An address is refused after this many unknown number/code pairs within the window.
FAILURES_ALLOWED = 30
WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True)
class Verification:
    found: Certificate | None = None
    title: str = ""
    throttled: bool = False

    @property
    def not_found(self) -> bool:
        return self.found is None and not self.throttled


def client_address(request) -> str:
    """The address the sign-in lockout (django-axes) sees, so a proxy in front is configured in one place."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "unknown"


def _key(address: str | None) -> str:
    # Only a keyed hash of the address is kept, and only for the window.
    digest = hashlib.sha256(settings.SECRET_KEY.encode() + (address or "unknown").encode()).hexdigest()[:32]
    return f"training-verify:{digest}"


def _count_failure(address: str | None) -> None:
    key = _key(address)
    if not cache.add(key, 1, WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, WINDOW_SECONDS)


def verify_certificate(*, number: str, code: str, address: str | None) -> Verification:
    if cache.get(_key(address), 0) >= FAILURES_ALLOWED:
        return Verification(throttled=True)
    certificate = find_certificate(number, code)
    if certificate is None:
        _count_failure(address)
        return Verification()
    return Verification(found=certificate, title=certificate.enrolment.programme.certificate_title(get_language()))
