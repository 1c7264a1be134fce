"""What work delivers toward agreements' commitments: the people placed in jobs.

A person counts once per commitment, whether hired after release on an opening that serves it or given a
job in a workshop that serves it (the jobs an entrepreneur's investment created).
"""

from collections import Counter

from karama.work.models import Application, Job


def people_placed(commitment_ids: list[int]) -> dict[int, int]:
    pairs = set(
        Application.objects.filter(
            opening__commitment_id__in=commitment_ids, status__in=Application.PLACED
        ).values_list("opening__commitment_id", "person_id")
    )
    pairs |= set(
        Job.objects.filter(workshop__commitment_id__in=commitment_ids).values_list(
            "workshop__commitment_id", "person_id"
        )
    )
    return dict(Counter(commitment_id for commitment_id, _person in pairs))
