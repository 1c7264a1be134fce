"""Households of prisoners, their needs, support packages and disbursements."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "karama.support"
    label = "support"
    verbose_name = _("Family support")

    def ready(self):
        from karama.agreements.progress import register_delivery_counter
        from karama.agreements.sections import AgreementSection, register_agreement_section
        from karama.core.history import track
        from karama.people.sections import PersonSection, register_person_section
        from karama.support import models, sections, selectors

        track(models.Coverage)
        # The family's telephone and the prisoner's national ID are stored encrypted; history keeps only a mask.
        track(
            models.SupportRequest,
            exclude=["prisoner_national_id_hash"],
            mask=["contact_phone_encrypted", "prisoner_national_id_encrypted"],
        )
        for model in (models.HouseholdNeed, models.NeedEvidence, models.SupportPackage, models.Disbursement):
            track(model)
        register_delivery_counter("support.families", selectors.families_supported)
        register_person_section(
            PersonSection(
                key="support",
                template="support/_person_section.html",
                context=sections.person_section,
                requires="household",
                order=50,
            )
        )
        register_agreement_section(
            AgreementSection(
                key="support", template="support/_agreement_section.html", context=sections.agreement_section, order=50
            )
        )
