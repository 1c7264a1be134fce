from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "karama.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from karama.core import models
        from karama.core.history import track

        track(models.Region)
        track(models.Organization)
        track(models.OrganizationContact)
        track(models.Facility)
        track(models.User, exclude=["password", "last_login"])
