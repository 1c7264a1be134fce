"""Form pieces every app reuses: dates in the reader's calendar, names in several languages, money."""

import datetime
import functools

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from karama.core import formatting
from karama.core.i18n import LANGUAGE_CODES, country_choices, pick_name
from karama.core.models import Calendar, Digits, Facility, Organization, Region, User
from karama.core.money import currency_choices

LANGUAGE_LABELS = {"ar": _("Arabic"), "fa": _("Persian"), "fr": _("French"), "en": _("English")}


class FilterForm(forms.Form):
    """A form of list filters: labels without a trailing colon, as they sit above their boxes."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CalendarDateInput(forms.TextInput):
    """A text box holding the date in the reader's calendar and digits (YYYY-MM-DD)."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return formatting.format_date(value, "short")
        return value

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        calendar = formatting.current_preferences().calendar
        context["widget"]["attrs"]["placeholder"] = str(_("YYYY-MM-DD")) + f" ({Calendar(calendar).label})"
        return context


class CalendarDateField(forms.DateField):
    """Accepts a date written in the reader's calendar (Gregorian, Hijri or Solar Hijri), any digits."""

    widget = CalendarDateInput
    default_error_messages = {"invalid": _("Enter a date as year-month-day in your calendar, such as %(example)s.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return formatting.parse_date(str(value))
        except (ValueError, OverflowError):
            example = formatting.format_date(datetime.date.today(), "short")
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"example": example}) from None


class NamesFormMixin(forms.Form):
    """Adds name_ar, name_fa, name_fr, name_en fields and collects them into a `names` dict."""

    name_field_label = _("Name")

    def __init__(self, *args, names: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        names = names or {}
        for code in LANGUAGE_CODES:
            self.fields[f"name_{code}"] = forms.CharField(
                label=f"{self.name_field_label} ({LANGUAGE_LABELS[code]})",
                required=False,
                max_length=300,
                initial=names.get(code, ""),
                widget=forms.TextInput(attrs={"lang": code, "dir": "rtl" if code in ("ar", "fa") else "ltr"}),
            )
        self.fields["original_language"] = forms.ChoiceField(
            label=_("Original language"),
            choices=[(code, LANGUAGE_LABELS[code]) for code in LANGUAGE_CODES],
            initial=kwargs.get("initial", {}).get("original_language", "en"),
        )

    def name_fields(self):
        return [self[f"name_{code}"] for code in LANGUAGE_CODES]

    def clean(self):
        cleaned = super().clean()
        names = {code: (cleaned.get(f"name_{code}") or "").strip() for code in LANGUAGE_CODES}
        names = {code: text for code, text in names.items() if text}
        if not names:
            raise ValidationError(_("Give the name in at least one language."))
        original = cleaned.get("original_language")
        if original and original not in names:
            self.add_error("original_language", _("Give the name in its original language too."))
        cleaned["names"] = names
        return cleaned


class CountryField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=country_choices, **kwargs)


class CurrencyField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Currency"))
        super().__init__(choices=currency_choices, **kwargs)


class AmountField(forms.CharField):
    """Money typed as text, checked as exact Decimal by the service (never float)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Amount"))
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "dir": "ltr", "autocomplete": "off"})

    def to_python(self, value):
        return formatting.latin_digits(super().to_python(value) or "").replace("٫", ".").replace("٬", "")


class OrganizationForm(NamesFormMixin):
    kind = forms.ChoiceField(label=_("Kind"), choices=Organization.Kind.choices)
    administration = forms.ModelChoiceField(
        label=_("Registry of"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("The administration whose registry holds this organization."),
    )
    code = forms.SlugField(
        label=_("Code"), max_length=60, help_text=_("Short, unique, Latin letters: used in addresses.")
    )
    country = CountryField(label=_("Country"))
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Telephone"), required=False, max_length=40)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FacilityForm(NamesFormMixin):
    kind = forms.ChoiceField(label=_("Kind"), choices=Facility.Kind.choices)
    code = forms.SlugField(label=_("Code"), max_length=60)
    administration = forms.ModelChoiceField(label=_("Administration"), queryset=Organization.objects.none())
    operator = forms.ModelChoiceField(label=_("Operator"), queryset=Organization.objects.none(), required=False)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    country = CountryField(label=_("Country"))


class PreferencesForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("Language"), choices=[(code, LANGUAGE_LABELS[code]) for code in LANGUAGE_CODES]
    )

    class Meta:
        model = User
        fields = ["language", "calendar", "digits"]
        widgets = {"calendar": forms.RadioSelect, "digits": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calendar"].choices = Calendar.choices
        self.fields["digits"].choices = Digits.choices


def options_from(field, queryset, *, key: str = "pk") -> None:
    """Point a choice field at `queryset` of named records (organizations, facilities, agreements...), which
    still validates what is posted, and read its options, when the page renders them, with one values() query: a
    national registry has hundreds of partners and agreements, and a model instance per option cost more than
    the rest of the page. Labels are the models' own (the name in the reader's language); `key` is the field
    posted (the primary key, or a code for the filter forms)."""
    if hasattr(field, "queryset"):
        field.queryset = queryset
    blank = [("", field.empty_label)] if getattr(field, "empty_label", None) is not None else []

    @functools.cache  # the widget reads them twice (the required attribute looks at the first option)
    def options() -> list[tuple]:
        rows = queryset.values_list(key, "names", "original_language")
        return blank + [(value, pick_name(names, language)) for value, names, language in rows]

    field.choices = options
