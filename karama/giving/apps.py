"""Public portal, cases and campaigns, donations, the ledger, debt settlement and release."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GivingConfig(AppConfig):
    name = "karama.giving"
    label = "giving"
    verbose_name = _("Giving and release")

    def ready(self):
        from karama.agreements.progress import register_delivery_counter
        from karama.agreements.sections import AgreementSection, register_agreement_section
        from karama.core.history import track
        from karama.giving import checks, models, sections
        from karama.people.sections import PersonSection, register_person_section

        # The ledger (accounts, entries, lines) and gifts are append-only records of their own; the change
        # history follows the cases, their plans and the rules.
        for model in (
            models.Case,
            models.DebtClaim,
            models.FundingSource,
            models.LoanInstallment,
            models.Campaign,
            models.EligibilityPolicy,
            models.PriorityRule,
            models.Settlement,
        ):
            track(model, exclude=["priority_score", "priority_reasons"] if model is models.Case else None)
        register_delivery_counter("giving", sections.delivered_by_campaigns)
        register_person_section(
            PersonSection(
                key="giving",
                template="giving/_person_section.html",
                context=sections.person_context,
                requires="case_category",
            )
        )
        register_agreement_section(
            AgreementSection(
                key="giving", template="giving/_agreement_section.html", context=sections.agreement_context
            )
        )
        checks.register()
