"""The versioned REST API (/api/v1/): one NinjaAPI, a router per app, one error shape.

Errors always answer {"code": ..., "message": ..., "fields": {...}} with a message in the
caller's language (Accept-Language). Outside one's scope is 404, never 403.
"""

from importlib import import_module

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import APIKeyHeader, SessionAuth

from karama.core.models import ApiToken


class TokenAuth(APIKeyHeader):
    """`Authorization: Token <prefix>.<secret>` for systems (a prison management system, a partner's CRM)."""

    param_name = "Authorization"

    def authenticate(self, request, key):
        if not key or not key.startswith("Token "):
            return None
        user = ApiToken.authenticate(key.removeprefix("Token ").strip())
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Karama API",
    version="1",
    description="Rehabilitation and reintegration of prisoners: partners, agreements and, later, people.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-1",
)


def error(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(request, {"code": code, "message": message, "fields": fields or {}}, status=status)


@api.exception_handler(DjangoValidationError)
def on_invalid(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        fields = {
            field: [str(m) for m in DjangoValidationError(errors).messages] for field, errors in exc.error_dict.items()
        }
        general = fields.pop("__all__", [])
        message = general[0] if general else next(iter(fields.values()))[0]
        return error(request, 422, "invalid", message, fields)
    return error(request, 422, "invalid", exc.messages[0] if exc.messages else _("Invalid input."))


@api.exception_handler(SchemaValidationError)
def on_schema_invalid(request, exc: SchemaValidationError):
    fields: dict[str, list[str]] = {}
    for item in exc.errors:
        location = [str(part) for part in item.get("loc", []) if part not in ("body", "payload", "query", "path")]
        fields.setdefault(".".join(location) or "__all__", []).append(str(item.get("msg", "")))
    return error(request, 422, "invalid", _("Some fields are missing or malformed."), fields)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error(request, 401, "unauthenticated", _("Sign in or send an API token."))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error(request, exc.status_code, "error", str(exc))


def _register_routers() -> None:
    from karama.agreements.api import router as agreements_router
    from karama.core.api import router as core_router
    from karama.people.api import router as people_router
    from karama.people.import_api import router as people_imports_router

    api.add_router("/", core_router)
    api.add_router("/agreements/", agreements_router)
    # Before the people router, so that /people/imports/… is never read as a person's code.
    api.add_router("/people/imports/", people_imports_router)
    api.add_router("/people/", people_router)
    for app in ("training", "work", "support", "giving", "ventures"):
        api.add_router(f"/{app}/", import_module(f"karama.{app}.api").router)


_register_routers()
