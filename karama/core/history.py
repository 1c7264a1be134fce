"""Change history: every create, update and delete of a tracked record (who, when, before → after).

One mechanism for every app: django-auditlog writes a LogEntry in the same transaction as
the change. Each tracked model says which administration (and agreement) it belongs to
through `get_additional_data()`, so history is scoped like the records themselves.
"""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db.models import QuerySet

from karama.core.access import scope_of
from karama.core.models import Role, User

# Fields that are derived or bookkeeping: their changes say nothing a reader needs.
_ALWAYS_EXCLUDED = ["search_text", "updated_at", "created_at"]


def track(model, *, exclude: list[str] | None = None, mask: list[str] | None = None) -> None:
    """Keep the change history of `model`. Call from the app's AppConfig.ready()."""
    auditlog.register(model, exclude_fields=_ALWAYS_EXCLUDED + (exclude or []), mask_fields=mask or [])


def history_visible_to(user: User) -> QuerySet[LogEntry]:
    """The change log an auditor or administrator may browse, scoped to their administration."""
    scope = scope_of(user)
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if scope.everywhere:
        return entries
    if scope.role in {Role.AUDITOR, Role.NATIONAL_ADMIN} and scope.administration_id:
        return entries.filter(additional_data__administration=scope.administration_id)
    return entries.none()


def history_of_agreement(agreement_id: int) -> QuerySet[LogEntry]:
    """Changes of an agreement and of everything that hangs from it (parties, commitments, budgets...)."""
    return (
        LogEntry.objects.filter(additional_data__agreement=agreement_id)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


def history_of(instance) -> QuerySet[LogEntry]:
    return LogEntry.objects.get_for_object(instance).select_related("actor").order_by("-timestamp", "-pk")
