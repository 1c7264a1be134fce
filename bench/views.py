"""The baseline view: the least a Django request through Karama's middleware can do with the database."""

from django.http import Http404, JsonResponse

from karama.people.models import Person


def one_row(request, pk: int):
    # No scoping and no sign-in on purpose: this measures the framework, not the application.
    row = Person.objects.filter(pk=pk).values("pk", "public_code", "status").first()
    if row is None:
        raise Http404
    return JsonResponse(row)
