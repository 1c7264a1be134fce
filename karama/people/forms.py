"""Forms of the people pages: they check shape, the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from karama.core.forms import CalendarDateField, CountryField, FilterForm
from karama.core.models import Facility, Organization, Region
from karama.people.catalogues import ALL_NEED_CHOICES, NeedDomain, occupation_choices_grouped
from karama.people.models import (
    CaseCategory,
    ConsentPurpose,
    EducationLevel,
    Exemption,
    Literacy,
    NeedLevel,
    NeedStatus,
    NoteVisibility,
    PersonStatus,
    PlanStatus,
    RecommendedPath,
    Relation,
    ReleaseReason,
    ReleaseTaskStatus,
    Schooling,
    Sex,
)


class PersonForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=120)
    father_name = forms.CharField(label=_("Father's name"), max_length=120, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=120)
    latin_given_name = forms.CharField(label=_("Given name (Latin letters)"), max_length=120, required=False)
    latin_family_name = forms.CharField(label=_("Family name (Latin letters)"), max_length=120, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = CalendarDateField(label=_("Birth date"), required=False)
    nationality = CountryField(label=_("Nationality"), required=False)
    education_level = forms.ChoiceField(label=_("Education"), choices=EducationLevel.choices)
    literacy = forms.ChoiceField(label=_("Literacy"), choices=Literacy.choices)
    skills = forms.MultipleChoiceField(label=_("Skills (occupation groups)"), required=False)
    free_skills = forms.CharField(label=_("Other skills"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    vocational_orientation = forms.CharField(
        label=_("Vocational orientation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the person wants to do."),
    )
    source_reference = forms.CharField(label=_("Reference in the prison management system"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = occupation_choices_grouped()
        self.fields["skills"].widget.attrs["size"] = 8
        self.fields["nationality"].choices = [("", "—"), *self.fields["nationality"].choices]

    def person_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("skills", None)
        return data


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove = forms.BooleanField(label=_("Remove the photo"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("photo") and not data.get("remove"):
            raise forms.ValidationError(_("Choose a photo to upload."))
        return data


class RegisterPersonForm(PersonForm):
    national_id = forms.CharField(label=_("National ID"), required=False, max_length=40)
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    admitted_on = CalendarDateField(label=_("Admitted on"))
    expected_release_on = CalendarDateField(label=_("Expected release"), required=False)
    case_category = forms.ChoiceField(label=_("Case category"), choices=CaseCategory.choices)

    def person_values(self) -> dict:
        data = super().person_values()
        for key in ("national_id", "facility", "admitted_on", "expected_release_on", "case_category"):
            data.pop(key, None)
        return data


class PeopleFilterForm(FilterForm):
    q = forms.CharField(label=_("Name"), required=False)
    code = forms.CharField(label=_("Public code"), required=False)
    national_id = forms.CharField(label=_("National ID"), required=False)
    facility = forms.ChoiceField(label=_("Facility"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *PersonStatus.choices])
    release_within = forms.TypedChoiceField(
        label=_("Expected release"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any")),
            (30, _("within 30 days")),
            (90, _("within 90 days")),
            (180, _("within 6 months")),
        ],
    )
    need = forms.ChoiceField(label=_("Open need"), required=False, choices=[("", _("Any")), *ALL_NEED_CHOICES])


class TransferForm(forms.Form):
    to_facility = forms.ModelChoiceField(label=_("To facility"), queryset=Facility.objects.none())
    on = CalendarDateField(label=_("Date"))


class ReleaseForm(forms.Form):
    on = CalendarDateField(label=_("Released on"))
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[c for c in ReleaseReason.choices if c[0] != ReleaseReason.TRANSFER_OUT]
    )


class AdmitForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    admitted_on = CalendarDateField(label=_("Admitted on"))
    expected_release_on = CalendarDateField(label=_("Expected release"), required=False)
    case_category = forms.ChoiceField(label=_("Case category"), choices=CaseCategory.choices)


class StatusDateForm(forms.Form):
    on = CalendarDateField(label=_("Date"))


class ExpectedReleaseForm(forms.Form):
    expected_release_on = CalendarDateField(label=_("Expected release"), required=False)


class HouseholdForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=200)
    contact_relation = forms.CharField(label=_("Relation to the person"), required=False, max_length=60)
    contact_phone = forms.CharField(label=_("Contact telephone"), required=False, max_length=40)
    supporting_association = forms.ModelChoiceField(
        label=_("Supporting association"), queryset=Organization.objects.none(), required=False
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HouseholdMemberForm(forms.Form):
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900, max_value=2100)
    schooling = forms.ChoiceField(label=_("Schooling"), choices=[("", "—"), *Schooling.choices], required=False)
    health_needs = forms.CharField(label=_("Health needs"), required=False, max_length=200)
    special_needs = forms.BooleanField(label=_("Special needs"), required=False)
    dependent = forms.BooleanField(label=_("Dependent on the person"), required=False, initial=True)


class ConsentForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    agreement = forms.ModelChoiceField(label=_("Under the agreement"), queryset=None, required=False)
    valid_from = CalendarDateField(label=_("Valid from"))
    valid_until = CalendarDateField(label=_("Valid until"), required=False)
    signed_form = forms.FileField(label=_("Signed form (PDF)"), required=False)


class AssessmentForm(forms.Form):
    assessed_on = CalendarDateField(label=_("Assessed on"))
    needs = forms.MultipleChoiceField(label=_("Needs identified"), choices=ALL_NEED_CHOICES, required=False)
    recommended_paths = forms.MultipleChoiceField(
        label=_("Recommended path"),
        choices=RecommendedPath.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs"].widget.attrs["size"] = 10
        for domain in NeedDomain:
            self.fields[f"level_{domain.value}"] = forms.ChoiceField(
                label=domain.label, choices=[("", "—"), *NeedLevel.choices], required=False
            )
            self.fields[f"notes_{domain.value}"] = forms.CharField(label=_("Notes"), required=False, max_length=1000)

    def domain_rows(self):
        return [(domain, self[f"level_{domain.value}"], self[f"notes_{domain.value}"]) for domain in NeedDomain]

    def ratings(self) -> dict:
        data = self.cleaned_data
        return {
            domain.value: (data[f"level_{domain.value}"], data[f"notes_{domain.value}"])
            for domain in NeedDomain
            if data.get(f"level_{domain.value}")
        }

    def need_pairs(self) -> list[tuple[str, str]]:
        return [tuple(value.split(":", 1)) for value in self.cleaned_data["needs"]]


class NeedStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=NeedStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class PlanActionForm(forms.Form):
    goal = forms.CharField(label=_("Goal"), max_length=300)
    action = forms.CharField(label=_("Action"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    domain = forms.ChoiceField(label=_("Domain"), choices=[("", "—"), *NeedDomain.choices], required=False)
    owner = forms.ModelChoiceField(label=_("Owner organization"), queryset=Organization.objects.none())
    due_on = CalendarDateField(label=_("Due on"), required=False)


class PlanActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=PlanStatus.choices)


class ReleaseTaskForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReleaseTaskStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReviewForm(forms.Form):
    completed_on = CalendarDateField(label=_("Completed on"), required=False)
    exemption = forms.ChoiceField(label=_("Exemption"), choices=[("", "—"), *Exemption.choices], required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(label=_("Visibility"), choices=NoteVisibility.choices)
