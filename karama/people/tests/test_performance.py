"""Performance fixes of the people pages change nothing a reader sees: the search page counts with its own query
and the record's select boxes list the same options as the fields would on their own."""

import pytest
from django import forms
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karama.agreements.models import Agreement
from karama.core.forms import options_from
from karama.core.models import Organization
from karama.people.views import CountingPaginator


@pytest.mark.parametrize("number", [None, "", "1", "2", "3", "9", "0", "-1", "abc", "2.0"])
def test_counting_paginator_pages_like_django_paginator(world, number):
    organizations = Organization.objects.order_by("code")
    expected = Paginator(organizations, 2).get_page(number)
    counted = CountingPaginator(organizations, 2).get_page(number)
    assert [o.pk for o in counted] == [o.pk for o in expected]
    assert (counted.number, counted.paginator.count, counted.paginator.num_pages) == (
        expected.number,
        expected.paginator.count,
        expected.paginator.num_pages,
    )


def test_counting_paginator_counts_with_the_page_query(world):
    with CaptureQueriesContext(connection) as queries:
        page = CountingPaginator(Organization.objects.order_by("code"), 2).get_page("1")
        count, more = page.paginator.count, page.has_next()
    assert len(queries) == 1
    assert count == Organization.objects.count() and more


def test_counting_paginator_on_no_match(world):
    page = CountingPaginator(Organization.objects.filter(code="nobody").order_by("code"), 2).get_page("1")
    assert (page.paginator.count, list(page), page.number) == (0, [], 1)


class _Choose(forms.Form):
    required = forms.ModelChoiceField(queryset=Organization.objects.none())
    optional = forms.ModelChoiceField(queryset=Agreement.objects.none(), required=False)


@pytest.mark.parametrize("data", [None, {"required": "", "optional": ""}])
def test_options_read_as_values_render_exactly_as_the_model_choice_field(world, data):
    organizations, agreements = Organization.objects.order_by("code"), Agreement.objects.order_by("pk")
    plain, fast = _Choose(data), _Choose(data)
    plain.fields["required"].queryset, plain.fields["optional"].queryset = organizations, agreements
    options_from(fast.fields["required"], organizations)
    options_from(fast.fields["optional"], agreements)
    if data:
        plain.is_valid(), fast.is_valid()
    assert str(fast["required"]) == str(plain["required"])
    assert str(fast["optional"]) == str(plain["optional"])


def test_options_read_as_values_still_validate_against_the_queryset(world):
    form = _Choose({"required": world.university.pk})
    options_from(form.fields["required"], Organization.objects.filter(pk=world.university.pk))
    assert form.is_valid() and form.cleaned_data["required"] == world.university
    refused = _Choose({"required": world.foundation.pk})
    options_from(refused.fields["required"], Organization.objects.filter(pk=world.university.pk))
    assert not refused.is_valid()
