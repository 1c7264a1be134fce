from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "karama.agreements"
    label = "agreements"
    verbose_name = _("Agreements")

    def ready(self):
        from karama.agreements import models
        from karama.core.history import track

        for model in (
            models.Agreement,
            models.AgreementDomain,
            models.Party,
            models.Objective,
            models.Commitment,
            models.Budget,
            models.BudgetMovement,
            models.AgreementDocument,
        ):
            track(model)
