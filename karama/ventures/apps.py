"""Project plans, committee review, grants, equipment kits, handover and follow-up."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenturesConfig(AppConfig):
    name = "karama.ventures"
    label = "ventures"
    verbose_name = _("Income-generating projects")

    def ready(self):
        from karama.agreements.progress import register_delivery_counter
        from karama.agreements.sections import AgreementSection, register_agreement_section
        from karama.core.history import track
        from karama.people.sections import PersonSection, register_person_section
        from karama.ventures import models, sections
        from karama.ventures.selectors import delivered_by_ventures

        for model in (
            models.Venture,
            models.PlanVersion,
            models.CommitteeReview,
            models.Grant,
            models.GrantShare,
            models.Kit,
            models.KitItem,
            models.Handover,
            models.FollowUp,
        ):
            track(model)
        register_delivery_counter("ventures", delivered_by_ventures)
        register_agreement_section(
            AgreementSection("ventures", "ventures/_agreement_section.html", sections.agreement_section, order=50)
        )
        register_person_section(
            PersonSection(
                "ventures", "ventures/_person_section.html", sections.person_section, requires="assessment", order=50
            )
        )
