from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "karama.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from karama.core.history import track
        from karama.people import models

        # The national ID and the contact's telephone are stored encrypted; history keeps only a mask.
        track(models.Person, exclude=["search_name", "national_id_hash"], mask=["national_id_encrypted"])
        for model in (
            models.PersonSkill,
            models.CustodyEpisode,
            models.Household,
            models.HouseholdMember,
            models.Consent,
            models.Assessment,
            models.DomainRating,
            models.PersonNeed,
            models.ReintegrationPlan,
            models.PlanAction,
            models.ReleaseTask,
            models.PlanReview,
            models.CaseNote,
        ):
            track(model, mask=["contact_phone_encrypted"] if model is models.Household else None)
