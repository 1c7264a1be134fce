"""What matching needs from the training app: the programmes each person completed, by occupation group.

Read-only and in bulk (one query for any number of people). The training app is optional here: when it
is not installed, nobody has completed anything and matching simply leaves training out.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Exists, OuterRef

from karama.core.i18n import pick_name

COMPLETED = "completed"


@dataclass(frozen=True)
class CompletedTraining:
    occupation: str
    names: tuple[tuple[str, str], ...]  # the programme's names, as (language, text)
    original_language: str

    @property
    def name(self) -> str:
        return pick_name(dict(self.names), self.original_language)


def _enrolments():
    if not apps.is_installed("karama.training"):
        return None
    try:
        return apps.get_model("training", "Enrolment")
    except LookupError:
        return None


def completed_training(person_ids) -> dict[int, list[CompletedTraining]]:
    """{person id: the programmes they completed that teach an occupation group}."""
    model = _enrolments()
    ids = list(person_ids)
    if model is None or not ids:
        return {}
    rows = (
        model.objects.filter(person_id__in=ids, status=COMPLETED)
        .exclude(programme__occupation="")
        .values_list("person_id", "programme__occupation", "programme__names", "programme__original_language")
        .order_by("person_id", "programme__ends_on", "pk")
    )
    found: dict[int, list[CompletedTraining]] = {}
    for person_id, occupation, names, language in rows:
        found.setdefault(person_id, []).append(
            CompletedTraining(occupation, tuple(sorted((names or {}).items())), language or "en")
        )
    return found


def trained_in(occupation: str):
    """An Exists() that is true for people who completed a programme in this occupation group; None without
    the training app."""
    model = _enrolments()
    if model is None:
        return None
    return Exists(model.objects.filter(person=OuterRef("pk"), status=COMPLETED, programme__occupation=occupation))


def trained_people(major: str):
    """The ids (a subquery) of people who completed a programme in this ISCO major group; None without the
    training app."""
    model = _enrolments()
    if model is None:
        return None
    return model.objects.filter(status=COMPLETED, person__isnull=False, programme__occupation__startswith=major).values(
        "person_id"
    )
