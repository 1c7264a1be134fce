"""Deployment checks of giving: the sandbox provider's demo secret never signs callbacks in production."""

from django.conf import settings
from django.core import checks


def sandbox_secret_check(app_configs=None, **kwargs) -> list:
    from karama.giving.payments import DEMO_SECRET

    secret = getattr(settings, "GIVING_SANDBOX_SECRET", DEMO_SECRET)
    if getattr(settings, "PRODUCTION", False) and (secret == DEMO_SECRET or len(secret) < 32):
        return [
            checks.Error(
                "GIVING_SANDBOX_SECRET is the demo value or too short.",
                hint="Set it to at least 32 random characters, shared only with the payment provider.",
                id="giving.E001",
            )
        ]
    return []


def register() -> None:
    checks.register(sandbox_secret_check, checks.Tags.security, deploy=True)
