"""Small request helpers shared by every app's views."""

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpRequest
from django.urls import translate_url
from django.utils import translation


def is_htmx(request: HttpRequest) -> bool:
    """True when HTMX asked for a fragment (and not for a history restore of a whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def remember_language(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
    )


class KaramaLoginView(LoginView):
    """Sign-in that then speaks the user's chosen language, if they have chosen one."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if user.language and user.language != translation.get_language():
            response["Location"] = translate_url(response.url, user.language)
        remember_language(response, user.language or translation.get_language())
        return response
