"""Template filters of the work pages."""

from django import template

from karama.people.catalogues import OCCUPATION_GROUPS

register = template.Library()


@register.filter
def occupation_label(code: str) -> str:
    """The translated name of an ISCO occupation group: {{ "72"|occupation_label }}."""
    return str(OCCUPATION_GROUPS.get(code, code))
