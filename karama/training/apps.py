"""Training programmes, sessions, enrolments and certificates."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "karama.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self):
        from karama.agreements.progress import register_delivery_counter
        from karama.agreements.sections import AgreementSection, register_agreement_section
        from karama.core.history import track
        from karama.people.sections import PersonSection, register_person_section
        from karama.training import models
        from karama.training.progress import delivered_by_training
        from karama.training.selectors import agreement_programmes, person_training

        track(models.Programme, exclude=["search_text"])
        for model in (models.Trainer, models.Session, models.Enrolment, models.Attendance, models.Certificate):
            track(model)
        register_delivery_counter("training", delivered_by_training)
        register_agreement_section(
            AgreementSection(key="training", template="training/_agreement_section.html", context=agreement_programmes)
        )
        # The training a person took part in is part of their education: shown to whoever reads that section.
        register_person_section(
            PersonSection(
                key="training", template="training/_person_section.html", context=person_training, requires="education"
            )
        )
