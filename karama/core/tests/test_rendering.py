"""The form renderer writes selects in Python: the markup must be Django's own, escaping included."""

import re

from django import forms
from django.forms.renderers import DjangoTemplates
from hypothesis import given
from hypothesis import strategies as st

from karama.core.rendering import FormRenderer


def _same_markup(html: str) -> str:
    return re.sub(r"\n\s*\n", "\n", html)


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "---"), ("1", "one"), ("2", "two")], required=False)
    grouped = forms.MultipleChoiceField(choices=[("Group <b>", [("1", "one"), ("2", "two")]), ("3", "three")])
    typed = forms.TypedChoiceField(
        choices=[(1, "a"), (2, "b")],
        coerce=int,
        widget=forms.Select(attrs={"hx-get": "/x/?a=1&b=2", "disabled": True, "data-off": False}),
    )
    unknown = forms.NullBooleanField()


labels = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12)


@given(label=labels, value=st.text(alphabet="ab<&\"'", min_size=1, max_size=5))
def test_a_select_is_rendered_as_django_renders_it(label, value):
    class Form(forms.Form):
        choice = forms.ChoiceField(choices=[("", label), (value, label + "x"), ("z", "ي")])

    for data in ({"choice": value}, None):
        expected = str(Form(data, renderer=DjangoTemplates())["choice"])
        assert _same_markup(str(Form(data, renderer=FormRenderer())["choice"])) == _same_markup(expected)


def test_groups_multiple_choices_and_boolean_attributes_are_kept():
    data = {"plain": "1", "grouped": ["2", "3"], "typed": "2", "unknown": "true"}
    for bound in (data, None):
        django_form, ours = Everything(bound, renderer=DjangoTemplates()), Everything(bound, renderer=FormRenderer())
        for name in django_form.fields:
            assert _same_markup(str(ours[name])) == _same_markup(str(django_form[name])), name
    html = str(Everything(data, renderer=FormRenderer())["typed"])
    assert 'hx-get="/x/?a=1&amp;b=2" disabled' in html and "data-off" not in html
    assert '<optgroup label="Group &lt;b&gt;">' in str(Everything(data, renderer=FormRenderer())["grouped"])


def test_selects_with_templates_of_their_own_go_through_the_templates():
    class OwnOption(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    class Form(forms.Form):
        choice = forms.ChoiceField(choices=[("1", "one")], widget=OwnOption)

    assert "<option" not in str(Form(renderer=FormRenderer())["choice"])


def test_the_project_renders_forms_with_it(settings):
    assert isinstance(forms.Form().renderer, FormRenderer)
