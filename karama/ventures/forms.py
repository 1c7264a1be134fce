"""Forms of the project pages: they check shape; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from karama.agreements.models import Agreement
from karama.core.forms import AmountField, CalendarDateField, CurrencyField, FilterForm
from karama.core.models import Region
from karama.ventures.models import Decision, Help, IncomeBand, Procurement, ProjectState, Sector

TEXTAREA = {"rows": 3}


class BoardFilterForm(FilterForm):
    agreement = forms.TypedChoiceField(label=_("Agreement"), required=False, coerce=int, empty_value=None)
    region = forms.ChoiceField(label=_("Region"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", _("Any")), *Sector.choices])
    q = forms.CharField(label=_("Project or person code"), required=False, max_length=20)

    def __init__(self, *args, agreements=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = [("", _("Any"))] + [(a.pk, a.name) for a in agreements]
        self.fields["region"].choices = [("", _("Any"))] + [(r.code, r.name) for r in regions]


class PlanForm(forms.Form):
    """The plan's text and its simple budget; the same fields for the first version and each revision."""

    agreement = forms.ModelChoiceField(
        label=_("Under the agreement"),
        queryset=Agreement.objects.none(),
        required=False,
        help_text=_("The agreement expected to fund it; it can be chosen later."),
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    activity = forms.CharField(
        label=_("Activity"), max_length=200, help_text=_("What the person will do, such as “tailoring workshop”.")
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all())
    locality = forms.CharField(label=_("Town or village"), max_length=120, required=False)
    training_and_experience = forms.CharField(
        label=_("Relevant training and experience"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    equipment_description = forms.CharField(
        label=_("Equipment needed"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    currency = CurrencyField()
    equipment_budget = AmountField(label=_("Equipment"), required=False)
    working_capital = AmountField(label=_("Working capital"), required=False)
    expected_monthly_income = AmountField(label=_("Expected monthly income"), required=False)
    prepared_on = CalendarDateField(label=_("Prepared on"))

    def __init__(self, *args, agreements=None, revision: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if agreements is not None:
            self.fields["agreement"].queryset = agreements
        if revision:
            # The currency is the project's; a revision says what changed instead.
            del self.fields["currency"]
            self.fields["change_note"] = forms.CharField(label=_("What changed"), max_length=300, required=False)

    def plan_values(self) -> dict:
        data = self.cleaned_data
        fields = (
            "sector",
            "activity",
            "region",
            "locality",
            "training_and_experience",
            "equipment_description",
            "equipment_budget",
            "working_capital",
            "expected_monthly_income",
        )
        return {field: data[field] for field in fields}


class ReviewForm(forms.Form):
    reviewed_on = CalendarDateField(label=_("Date of the meeting"))
    committee = forms.CharField(label=_("Committee"), max_length=200, required=False)
    members = forms.CharField(
        label=pgettext_lazy("committee", "Members"),
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("One member per line, with their organization."),
    )
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Required unless the plan is approved as it is; for an approval with changes, the changes."),
    )
    approved_amount = AmountField(
        label=_("Approved amount"),
        required=False,
        help_text=_("The most that may be granted; the plan's total when left empty."),
    )


class GrantForm(forms.Form):
    """One amount per budget of the agreement: a grant may draw on several funders' shares."""

    granted_on = CalendarDateField(label=_("Granted on"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, budgets=(), agreements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.budgets = list(budgets)
        if agreements is not None:
            self.fields["agreement"] = forms.ModelChoiceField(label=_("Agreement"), queryset=agreements)
            self.order_fields(["agreement"])
        for budget in self.budgets:
            self.fields[self.share_field(budget)] = AmountField(label=budget.share_label, required=False)

    @staticmethod
    def share_field(budget) -> str:
        return f"budget_{budget.pk}"

    def shares(self) -> list:
        return [(budget, self.cleaned_data.get(self.share_field(budget)) or None) for budget in self.budgets]

    def share_fields(self):
        return [self[self.share_field(budget)] for budget in self.budgets]


class KitItemForm(forms.Form):
    name = forms.CharField(label=_("Item"), max_length=200)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    unit_cost = AmountField(label=_("Unit cost"))
    supplier = forms.CharField(label=_("Supplier"), max_length=200, required=False)
    serial_number = forms.CharField(label=_("Serial number"), max_length=100, required=False)


class DonorsForm(forms.Form):
    target = AmountField(
        label=_("Missing equipment, to ask of donors"),
        help_text=_("What the grant could not buy. The case is then approved and published in the giving app."),
    )


class ProcurementForm(forms.Form):
    procurement = forms.ChoiceField(label=_("Procurement"), choices=Procurement.choices)


class HandoverForm(forms.Form):
    handed_over_on = CalendarDateField(label=_("Handed over on"))
    place = forms.CharField(label=_("Place"), max_length=200)
    ceremony = forms.CharField(
        label=_("Ceremony"),
        max_length=200,
        required=False,
        help_text=_("The ceremony, if the equipment was handed over at one."),
    )
    handed_over_by = forms.CharField(
        label=_("Handed over by"), max_length=200, help_text=_("Who gave the equipment, with their title.")
    )
    beneficiary_signed = forms.BooleanField(label=_("The beneficiary signed the paper receipt"), required=False)
    receipt = forms.FileField(
        label=_("Photo or scan of the signed receipt"),
        required=False,
        help_text=_("JPEG, PNG or PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class FollowUpForm(forms.Form):
    follow_up = forms.TypedChoiceField(label=_("Visit"), required=False, coerce=int, empty_value=None)
    visited_on = CalendarDateField(label=_("Visited on"))
    state = forms.ChoiceField(label=_("State of the project"), choices=ProjectState.choices, widget=forms.RadioSelect)
    income_band = forms.ChoiceField(label=_("Monthly income"), choices=IncomeBand.choices)
    problems = forms.CharField(label=_("Problems"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    help_given = forms.MultipleChoiceField(
        label=_("Help given"), required=False, choices=Help.choices, widget=forms.CheckboxSelectMultiple
    )
    help_note = forms.CharField(label=_("About the help"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, visits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up"].choices = [(v.pk, v.label) for v in visits] + [("", _("A visit not planned"))]


class PlanVisitForm(forms.Form):
    due_on = CalendarDateField(label=_("Due on"))
