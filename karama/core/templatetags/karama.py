"""Template filters and tags available in every template (registered as builtins in settings)."""

from django import template
from django.http import QueryDict
from django.utils.translation import get_language

from karama.core import formatting
from karama.core.i18n import country_name, pick_name

register = template.Library()


@register.filter
def kdate(value, style="long"):
    """A date in the reader's calendar and digits: {{ agreement.signed_on|kdate }}."""
    return formatting.format_date(value, style)


@register.filter
def kdatetime(value):
    return formatting.format_datetime(value)


@register.filter
def knum(value, decimals=None):
    return formatting.format_number(value, decimals)


@register.filter(is_safe=True)
def digits(value):
    """Any text (a reference, a count) written in the reader's digits."""
    return formatting.localize_digits(str(value))


@register.simple_tag
def money(amount, currency):
    return formatting.format_money(amount, currency)


@register.filter
def country(code):
    return country_name(code)


@register.filter
def name_in(names, language=None):
    return pick_name(names or {}, language=language or get_language())


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters changed, for pagination and filter links."""
    query = context["request"].GET.copy() if "request" in context else QueryDict(mutable=True)
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template: {{ detail.progress|get_item:commitment.pk }}."""
    return mapping.get(key) if mapping else None


@register.simple_tag
def arrow():
    """An arrow pointing the way the text reads: → in French and English, ← in Arabic and Persian."""
    from django.utils.translation import get_language_bidi

    return "←" if get_language_bidi() else "→"
