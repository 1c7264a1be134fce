"""Workshops and jobs inside facilities, investment proposals, openings after release, matching, placements."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "karama.work"
    label = "work"
    verbose_name = _("Work")

    def ready(self):
        from karama.agreements.progress import register_delivery_counter
        from karama.agreements.sections import AgreementSection, register_agreement_section
        from karama.core.history import track
        from karama.people.sections import PersonSection, register_person_section
        from karama.work import models
        from karama.work.progress import people_placed
        from karama.work.selectors import agreement_work, person_work

        for model in (
            models.Workshop,
            models.Position,
            models.PayBand,
            models.WageSplit,
            models.Job,
            models.PayRun,
            models.SavingsPayout,
            models.FacilityCapacity,
            models.InvestmentProposal,
            models.Opening,
            models.Application,
            models.RetentionCheck,
        ):
            track(model)
        register_delivery_counter("work.placements", people_placed)
        register_person_section(
            PersonSection(key="work", template="work/_person_section.html", context=person_work, requires="skills")
        )
        register_agreement_section(
            AgreementSection(key="work", template="work/_agreement_section.html", context=agreement_work, order=60)
        )
