"""What training delivered to an agreement's commitments, counted from completed enrolments."""

from django.db.models import Count, Exists, OuterRef

from karama.agreements.models import Commitment
from karama.training.models import Enrolment, EnrolmentStatus, Programme

PEOPLE = (Commitment.Unit.PEOPLE_TRAINED, Commitment.Unit.STAFF_TRAINED)
PROGRAMMES = (Commitment.Unit.COURSES, Commitment.Unit.WORKSHOPS)


def delivered_by_training(commitment_ids: list[int]) -> dict[int, int]:
    """People (or staff) trained: distinct participants who completed a programme delivering the commitment.
    Courses or workshops: programmes delivering it that have at least one participant who completed them."""
    delivered: dict[int, int] = {}
    completed = Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED)
    people = (
        completed.filter(programme__commitment_id__in=commitment_ids, programme__commitment__unit__in=PEOPLE)
        .values("programme__commitment_id")
        .annotate(persons=Count("person", distinct=True), staff=Count("staff", distinct=True))
        .order_by()
    )
    for row in people:
        delivered[row["programme__commitment_id"]] = row["persons"] + row["staff"]
    programmes = (
        Programme.objects.filter(commitment_id__in=commitment_ids, commitment__unit__in=PROGRAMMES)
        .filter(Exists(completed.filter(programme=OuterRef("pk"))))
        .values("commitment_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in programmes:
        delivered[row["commitment_id"]] = delivered.get(row["commitment_id"], 0) + row["count"]
    return delivered
