"""Forms of the training pages: they check shape, the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from karama.agreements.models import Agreement, Commitment
from karama.core.forms import LANGUAGE_LABELS, CalendarDateField, FilterForm, NamesFormMixin
from karama.core.i18n import LANGUAGE_CODES
from karama.core.models import Facility, Organization, User
from karama.people.catalogues import occupation_choices_grouped
from karama.people.models import Sex
from karama.training.models import AttendanceStatus, CustodyEndReason, ProgrammeKind, Trainer

PHASES = [("", _("Any")), ("upcoming", _("Upcoming")), ("running", _("Running")), ("ended", _("Ended"))]


class ProgrammeFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *ProgrammeKind.choices])
    provider = forms.ChoiceField(label=_("Provider"), required=False)
    facility = forms.ChoiceField(label=_("Facility"), required=False)
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=PHASES)


class TimeInput(forms.TimeInput):
    input_type = "time"


class CommitmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, commitment: Commitment) -> str:
        return f"{commitment.agreement.reference} · {commitment.description} ({commitment.get_unit_display()})"


class ProgrammeForm(NamesFormMixin):
    administration = forms.ModelChoiceField(label=_("Administration"), queryset=Organization.objects.none())
    reference = forms.CharField(label=_("Reference"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProgrammeKind.choices)
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=Organization.objects.none(),
        help_text=_("Certificates are issued in its name."),
    )
    coordinator = forms.ModelChoiceField(
        label=_("Run with"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("A partner that enrols and follows the participants with the provider."),
    )
    agreement = forms.ModelChoiceField(label=_("Agreement"), queryset=Agreement.objects.none(), required=False)
    commitment = CommitmentChoiceField(
        label=_("Commitment delivered"),
        queryset=Commitment.objects.none(),
        required=False,
        help_text=_("Each participant who completes the programme counts toward it."),
    )
    facilities = forms.ModelMultipleChoiceField(
        label=_("Facilities"),
        queryset=Facility.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
        help_text=_("Where the programme is held; none for a programme outside the facilities."),
    )
    occupation = forms.ChoiceField(label=_("Occupation group"), required=False)
    sex = forms.ChoiceField(label=_("Participants"), required=False, choices=[("", _("Men and women")), *Sex.choices])
    capacity = forms.IntegerField(label=_("Places"), min_value=1)
    starts_on = CalendarDateField(label=_("Starts on"))
    ends_on = CalendarDateField(label=_("Ends on"))
    planned_hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=10000, required=False)
    requires_literacy = forms.BooleanField(label=_("Requires reading and writing"), required=False)
    minimum_attendance = forms.IntegerField(
        label=_("Minimum attendance (%)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Completion is refused below it."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, certificate_titles: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].choices = [("", "—"), *occupation_choices_grouped()]
        titles = certificate_titles or {}
        for code in LANGUAGE_CODES:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title on the certificate ({language})").format(language=LANGUAGE_LABELS[code]),
                required=False,
                max_length=300,
                initial=titles.get(code, ""),
                widget=forms.TextInput(attrs={"lang": code, "dir": "rtl" if code in ("ar", "fa") else "ltr"}),
            )

    def title_fields(self):
        return [self[f"title_{code}"] for code in LANGUAGE_CODES]

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date cannot be before the start date."))
        cleaned["certificate_titles"] = {
            code: cleaned.get(f"title_{code}", "").strip()
            for code in LANGUAGE_CODES
            if cleaned.get(f"title_{code}", "").strip()
        }
        return cleaned

    def programme_values(self) -> dict:
        data = self.cleaned_data
        keys = (
            "reference",
            "kind",
            "provider",
            "coordinator",
            "agreement",
            "commitment",
            "occupation",
            "sex",
            "capacity",
            "starts_on",
            "ends_on",
            "planned_hours",
            "requires_literacy",
            "minimum_attendance",
            "description",
            "names",
            "original_language",
            "certificate_titles",
        )
        return {key: data[key] for key in keys}


class SessionForm(forms.Form):
    held_on = CalendarDateField(label=_("Date"))
    starts_at = forms.TimeField(label=_("From"), required=False, widget=TimeInput)
    ends_at = forms.TimeField(label=_("To"), required=False, widget=TimeInput)
    topic = forms.CharField(label=_("Topic"), required=False, max_length=200)
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none(), required=False)
    trainer = forms.ModelChoiceField(label=_("Trainer"), queryset=Trainer.objects.none(), required=False)


class TrainerForm(forms.Form):
    user = forms.ModelChoiceField(label=_("A user of the provider"), queryset=User.objects.none(), required=False)
    name = forms.CharField(label=_("Or an exchanged expert's name"), required=False, max_length=200)
    organization = forms.ModelChoiceField(
        label=_("Expert's organization"), queryset=Organization.objects.none(), required=False
    )
    expertise = forms.CharField(label=_("Expertise"), required=False, max_length=200)


class EndDateForm(forms.Form):
    on = CalendarDateField(label=_("Date"))


class CompleteForm(EndDateForm):
    score = forms.IntegerField(label=_("Score (out of 100)"), min_value=0, max_value=100, required=False)
    note = forms.CharField(label=_("Assessment result"), required=False, max_length=300)
    certificate_number = forms.CharField(
        label=_("Certificate number"),
        required=False,
        max_length=40,
        help_text=_("Only if the provider already numbered it in its own register; otherwise the next number."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )


class FailForm(EndDateForm):
    score = forms.IntegerField(label=_("Score (out of 100)"), min_value=0, max_value=100, required=False)
    note = forms.CharField(label=_("Assessment result"), required=False, max_length=300)


class DropoutForm(EndDateForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class CustodyEndForm(EndDateForm):
    reason = forms.ChoiceField(label=_("Custody reason"), choices=CustodyEndReason.choices)


class CertificateForm(forms.Form):
    number = forms.CharField(
        label=_("Certificate number"),
        required=False,
        max_length=40,
        help_text=_("Leave empty for the next number of the provider's series."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class VerifyForm(forms.Form):
    number = forms.CharField(
        label=_("Certificate number"),
        max_length=40,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off", "placeholder": "NAUSS-2026-000123"}),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off", "placeholder": "7K2MX-9QHB4"}),
    )


ATTENDANCE_CHOICES = AttendanceStatus.choices
