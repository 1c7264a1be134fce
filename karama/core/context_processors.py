from django.conf import settings

from karama.core.access import scope_of
from karama.core.formatting import current_preferences


def karama(request):
    user = getattr(request, "user", None)
    return {
        "scope": scope_of(user),
        "preferences": current_preferences(),
        "LANGUAGE_CHOICES": settings.LANGUAGES,
    }
