"""Per-request set-up: the reader's calendar and digits for the one formatting helper."""

from karama.core.formatting import Preferences, reset_preferences, use_preferences
from karama.core.models import Calendar, Digits


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            preferences = Preferences(calendar=user.calendar, digits=user.digits)
        else:
            calendar = request.COOKIES.get("karama_calendar", "")
            digits = request.COOKIES.get("karama_digits", "")
            preferences = Preferences(
                calendar=calendar if calendar in Calendar.values else Calendar.GREGORIAN,
                digits=digits if digits in Digits.values else Digits.LATIN,
            )
        token = use_preferences(preferences)
        try:
            return self.get_response(request)
        finally:
            reset_preferences(token)


class ForwardedForMiddleware:
    """Behind N trusted proxies (KARAMA_PROXY_COUNT), take the client's address from X-Forwarded-For.

    The address then reaches every consumer — sign-in throttling, the change history, the access log —
    as REMOTE_ADDR. Only the last N hops are trusted: anything a client writes further left is ignored,
    so a forged header cannot choose the address. With no proxy configured nothing changes.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.proxies = getattr(settings, "KARAMA_PROXY_COUNT", 0)

    def __call__(self, request):
        if self.proxies:
            hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
            if len(hops) >= self.proxies:
                request.META["REMOTE_ADDR"] = hops[-self.proxies]
        return self.get_response(request)
