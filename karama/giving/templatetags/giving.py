"""Template helpers of giving: rounded public amounts."""

from django import template

from karama.giving.public import CASE_DIGITS, TOTAL_DIGITS, public_money

register = template.Library()


@register.simple_tag
def public_amount(amount, currency):
    """An amount of one case for the public, rounded: {% public_amount case.target case.currency %}."""
    return public_money(amount, currency, CASE_DIGITS)


@register.simple_tag
def public_total(amount, currency):
    """A total for the public (a campaign, a month), rounded to three significant digits."""
    return public_money(amount, currency, TOTAL_DIGITS)


@register.simple_tag
def giving_label():
    """The main navigation's name for this app, from the app's own catalogue."""
    from django.utils.translation import gettext

    return gettext("Giving and release")
