"""Forms of the family-support pages: they check shape, the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from karama.agreements.models import Agreement, Budget
from karama.core.forms import AmountField, CalendarDateField, CurrencyField, FilterForm
from karama.core.i18n import country_name
from karama.core.models import Organization, Region
from karama.people.models import Relation
from karama.support.models import (
    HouseholdNeed,
    NeedKind,
    Recurrence,
    SupportForm,
    SupportPackage,
    SupportRequest,
    Urgency,
)
from karama.support.selectors import regions_for_public_form


def _blank(choices) -> list:
    return [("", "—"), *choices]


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region: Region) -> str:
        return region.name


def grouped_regions(regions) -> list:
    """Regions grouped under their country's name, in the reader's language."""
    groups: dict[str, list] = {}
    for region in regions:
        groups.setdefault(country_name(region.country), []).append((region.pk, region.name))
    return [("", "—"), *sorted(groups.items())]


class PublicRequestForm(forms.Form):
    """What a family tells us to be contacted: only what the association needs to call and check."""

    region = RegionChoiceField(label=_("Where does the family live?"), queryset=Region.objects.none())
    contact_name = forms.CharField(label=_("Your name"), max_length=200)
    contact_relation = forms.ChoiceField(label=_("You are the prisoner's"), choices=_blank(Relation.choices))
    contact_phone = forms.CharField(
        label=_("Telephone"),
        max_length=40,
        help_text=_("The association calls this number to arrange a meeting."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr", "autocomplete": "tel"}),
    )
    prisoner_name = forms.CharField(label=_("Name of your family member in prison"), max_length=200)
    prisoner_national_id = forms.CharField(
        label=_("Their national ID (if you know it)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    household_size = forms.IntegerField(
        label=_("How many people live in the household?"), min_value=1, max_value=30, required=False
    )
    children = forms.IntegerField(label=_("Of whom children"), min_value=0, max_value=29, required=False)
    needs = forms.MultipleChoiceField(
        label=_("What does the family need most?"),
        choices=NeedKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
    )
    message = forms.CharField(
        label=_("Anything else the association should know"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    agree = forms.BooleanField(
        label=_(
            "I agree that the support association keeps these details, calls me and meets the family to check "
            "our situation."
        )
    )
    # Left empty by people; filled by robots that fill every box.
    website = forms.CharField(
        required=False,
        label=_("Leave this box empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = regions_for_public_form()
        self.fields["region"].queryset = regions
        self.fields["region"].choices = grouped_regions(regions)

    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


class RequestFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Open")), ("all", _("All")), *SupportRequest.Status.choices], required=False
    )
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Any"))] + [(region.code, region.name) for region in regions]


class CheckForm(forms.Form):
    OUTCOMES = [("confirmed", _("The situation is confirmed")), ("rejected", _("Not confirmed: reject the request"))]

    checked_on = CalendarDateField(label=_("Met the family on"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOMES, widget=forms.RadioSelect, initial="confirmed")
    rejection_reason = forms.ChoiceField(
        label=_("Reason, if rejected"), choices=_blank(SupportRequest.RejectionReason.choices), required=False
    )
    note = forms.CharField(label=_("What the check found"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LinkForm(forms.Form):
    person = forms.CharField(
        label=_("Public code of the prisoner's record"),
        max_length=16,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    record_consent = forms.BooleanField(
        label=_("The prisoner consents to share the household with the association"), required=False, initial=True
    )
    signed_form = forms.FileField(label=_("Signed consent form (PDF)"), required=False)


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=_blank(SupportRequest.RejectionReason.choices))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class AssignForm(forms.Form):
    association = forms.ModelChoiceField(label=_("Association"), queryset=Organization.objects.none())


class CoverageForm(forms.Form):
    association = forms.ModelChoiceField(label=_("Association"), queryset=Organization.objects.none())
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.none())
    starts_on = CalendarDateField(label=_("Covers since"), required=False)


class HouseholdFilterForm(FilterForm):
    code = forms.CharField(label=_("Household code"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    need = forms.ChoiceField(label=_("Open need"), choices=[("", _("Any")), *NeedKind.choices], required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=[("", _("Any")), *Urgency.choices], required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Any"))] + [(region.code, region.name) for region in regions]


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of need"), choices=NeedKind.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.MEDIUM)
    recurrence = forms.ChoiceField(label=_("How often"), choices=Recurrence.choices)
    amount = AmountField(required=False)
    currency = CurrencyField(required=False)
    items = forms.CharField(
        label=_("Or items needed"), required=False, help_text=_("What is needed in kind, and how much.")
    )
    assessed_on = CalendarDateField(label=_("Assessed on"))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NeedStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=HouseholdNeed.Status.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File (PDF or JPEG)"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg"})
    )


class BudgetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, budget: Budget) -> str:
        return f"{budget.label or budget.agreement.reference} ({budget.currency})"


class AgreementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, agreement: Agreement) -> str:
        return f"{agreement.reference} — {agreement.name}"


class NeedChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, need: HouseholdNeed) -> str:
        return need.get_kind_display() + (f" — {need.description[:60]}" if need.description else "")


class PackageForm(forms.Form):
    # Not named "form": an input of that name hides the form element's own `form` property from scripts.
    given_as = forms.ChoiceField(
        label=_("Given as"), choices=SupportForm.choices, widget=forms.RadioSelect, initial=SupportForm.CASH
    )
    association = forms.ModelChoiceField(label=_("Association"), queryset=Organization.objects.none(), required=False)
    agreement = AgreementChoiceField(label=_("Agreement drawn on"), queryset=Agreement.objects.none(), required=False)
    budget = BudgetChoiceField(
        label=_("Budget"),
        queryset=Budget.objects.none(),
        required=False,
        help_text=_("Needed only when the agreement has several budgets in the currency."),
    )
    amount = AmountField(label=_("Amount each time"), required=False)
    currency = CurrencyField(required=False)
    items = forms.CharField(label=_("Items each time (in kind)"), required=False, max_length=500)
    recurrence = forms.ChoiceField(label=_("How often"), choices=Recurrence.choices)
    starts_on = CalendarDateField(label=_("Starts on"))
    ends_on = CalendarDateField(label=_("Ends on"), required=False)
    needs = NeedChoiceField(
        label=_("Needs it answers"),
        queryset=HouseholdNeed.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PackageStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=SupportPackage.Status.choices)


class DisbursementForm(forms.Form):
    disbursed_on = CalendarDateField(label=_("Handed over on"))
    amount = AmountField(required=False, help_text=_("Cash: leave empty for the package's amount."))
    items = forms.CharField(
        label=_("Items"), required=False, max_length=500, help_text=_("In kind: leave empty for the package's items.")
    )
    estimated_value = AmountField(label=_("Estimated value"), required=False)
    reference = forms.CharField(
        label=_("Reference"), required=False, max_length=100, help_text=_("Receipt or transfer number.")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
