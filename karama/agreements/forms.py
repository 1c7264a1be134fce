"""Forms of the agreement pages. They check shape; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from karama.agreements.models import Agreement, BudgetMovement, Commitment, Domain, Party
from karama.core.forms import AmountField, CalendarDateField, CurrencyField, FilterForm, NamesFormMixin
from karama.core.models import Organization


class AgreementForm(NamesFormMixin):
    name_field_label = _("Title")

    administration = forms.ModelChoiceField(label=_("Administration"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Agreement.Kind.choices)
    reference = forms.CharField(label=_("Reference"), max_length=60)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    signed_on = CalendarDateField(label=_("Signed on"), required=False)
    signed_place = forms.CharField(label=_("Place of signature"), required=False, max_length=200)
    starts_on = CalendarDateField(label=_("Starts on"), required=False)
    ends_on = CalendarDateField(label=_("Ends on"), required=False)
    domains = forms.MultipleChoiceField(
        label=_("Domains"), choices=Domain.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date cannot be before the start date."))
        return cleaned

    def agreement_values(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "reference": data["reference"],
            "names": data["names"],
            "original_language": data["original_language"],
            "summary": data["summary"],
            "signed_on": data["signed_on"],
            "signed_place": data["signed_place"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
        }


class PartyForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Party.Role.choices)
    representative_name = forms.CharField(label=_("Representative"), required=False, max_length=200)
    representative_title = forms.CharField(label=_("Representative's title"), required=False, max_length=200)
    deputy_name = forms.CharField(
        label=_("Deputy"), required=False, max_length=200, help_text=_("Who signed on the representative's behalf.")
    )
    deputy_title = forms.CharField(label=_("Deputy's title"), required=False, max_length=200)


class ObjectiveForm(forms.Form):
    text = forms.CharField(label=_("Objective"), widget=forms.Textarea(attrs={"rows": 2}))


class CommitmentForm(forms.Form):
    party = forms.ModelChoiceField(label=_("Party"), queryset=Party.objects.none())
    description = forms.CharField(label=_("What is promised"), widget=forms.Textarea(attrs={"rows": 2}))
    target_quantity = forms.IntegerField(label=_("Target"), required=False, min_value=0)
    unit = forms.ChoiceField(label=_("Unit"), choices=Commitment.Unit.choices, initial=Commitment.Unit.OTHER)
    due_on = CalendarDateField(label=_("Due on"), required=False)


class BudgetForm(forms.Form):
    amount = AmountField()
    currency = CurrencyField()
    funder = forms.ModelChoiceField(label=_("Funder"), queryset=Party.objects.none(), required=False)
    label = forms.CharField(label=_("Label"), required=False, max_length=200)


class BudgetMovementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=BudgetMovement.Kind.choices)
    amount = AmountField(help_text=_("An adjustment may be negative."))
    occurred_on = CalendarDateField(label=_("Date"), required=False)
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    file = forms.FileField(
        label=_("Signed document (PDF)"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Agreement.Status.choices)


class AgreementFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    partner = forms.ChoiceField(label=_("Partner"), required=False)
    partner_kind = forms.ChoiceField(
        label=_("Partner kind"), required=False, choices=[("", _("Any"))] + list(Organization.Kind.choices)
    )
    domain = forms.ChoiceField(label=_("Domain"), required=False, choices=[("", _("Any"))] + list(Domain.choices))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + list(Agreement.Status.choices)
    )
