"""Forms of the work pages. They check shape; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from karama.agreements.models import Agreement, Commitment
from karama.core.forms import AmountField, CalendarDateField, CurrencyField, FilterForm, NamesFormMixin
from karama.core.models import Facility, Organization, Region
from karama.core.money import currency_choices
from karama.people.catalogues import occupation_choices_grouped
from karama.people.models import CaseCategory, Person
from karama.work.models import (
    ApplicationStatus,
    JobEndReason,
    OpeningStatus,
    PayBand,
    PayBasis,
    Position,
    WagePeriod,
    WorkshopKind,
    WorkshopStatus,
)


def occupation_field(label=None, required: bool = True) -> forms.ChoiceField:
    empty = [("", "—")] if not required else [("", "")]
    return forms.ChoiceField(
        label=label or _("Occupation group"), choices=empty + occupation_choices_grouped(), required=required
    )


class PercentField(forms.CharField):
    """A percentage typed as text, checked as an exact Decimal by the service."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "dir": "ltr", "autocomplete": "off"})


class WorkshopForm(NamesFormMixin):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkshopKind.choices)
    occupation = occupation_field(_("Trade"))
    operator = forms.ModelChoiceField(
        label=_("Operated by"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Leave empty when the administration runs the workshop itself."),
    )
    agreement = forms.ModelChoiceField(label=_("Agreement"), queryset=Agreement.objects.none(), required=False)
    commitment = forms.ModelChoiceField(
        label=_("Employment commitment"), queryset=Commitment.objects.none(), required=False
    )
    currency = CurrencyField()
    space_square_metres = forms.IntegerField(label=_("Floor space (m²)"), min_value=0, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=WorkshopStatus.choices, initial=WorkshopStatus.ACTIVE)
    opened_on = CalendarDateField(label=_("Opened on"), required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PositionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    occupation = occupation_field()
    places = forms.IntegerField(label=_("Places"), min_value=1)


class PayBandForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    basis = forms.ChoiceField(label=_("Basis"), choices=PayBasis.choices)
    rate = AmountField(label=_("Rate"))


class WageSplitForm(forms.Form):
    effective_from = CalendarDateField(label=_("In force from"))
    family_percent = PercentField(label=_("Sent to the family (%)"))
    savings_percent = PercentField(label=_("Saved until release (%)"))
    kept_percent = PercentField(label=_("Kept by the worker (%)"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        return f"{person.full_name} · {person.public_code}"


class JobForm(forms.Form):
    person = PersonChoiceField(label=_("Person"), queryset=Person.objects.none(), to_field_name="public_code")
    position = forms.ModelChoiceField(label=_("Position"), queryset=Position.objects.none())
    pay_band = forms.ModelChoiceField(label=_("Pay band"), queryset=PayBand.objects.none())
    starts_on = CalendarDateField(label=_("Starts on"))
    hours_per_week = forms.DecimalField(
        label=_("Hours a week"), required=False, min_value=1, max_value=84, decimal_places=2
    )


class JobEndForm(forms.Form):
    ends_on = CalendarDateField(label=_("Ends on"))
    reason = forms.ChoiceField(label=_("Why it ended"), choices=JobEndReason.choices)


class PayPeriodForm(forms.Form):
    period_start = CalendarDateField(label=_("Period from"))
    period_end = CalendarDateField(label=_("Period to"))


class PayQuantitiesForm(PayPeriodForm):
    """The period and, for each job in it, the hours, pieces or days worked."""

    def __init__(self, *args, jobs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.jobs = list(jobs)
        units = {PayBasis.HOURLY: _("hours"), PayBasis.PIECE: _("pieces"), PayBasis.ATTENDANCE: _("days")}
        for job in self.jobs:
            field = forms.CharField(label=units[job.pay_band.basis], required=False, max_length=12)
            field.widget.attrs.update({"inputmode": "decimal", "dir": "ltr", "class": "quantity"})
            self.fields[f"quantity_{job.code}"] = field

    def rows(self):
        return [(job, self[f"quantity_{job.code}"]) for job in self.jobs]

    def quantities(self) -> dict[str, str]:
        return {job.code: (self.cleaned_data.get(f"quantity_{job.code}") or "").strip() or "0" for job in self.jobs}


class PaidForm(forms.Form):
    paid_on = CalendarDateField(label=_("Paid on"))


class CapacityForm(forms.Form):
    space_square_metres = forms.IntegerField(label=_("Free floor space (m²)"), min_value=0, initial=0)
    trades = forms.MultipleChoiceField(label=_("Trades it can host"), required=False)
    idle_workers = forms.IntegerField(
        label=_("People available for work"), min_value=0, initial=0, help_text=_("Inmates able and wishing to work.")
    )
    training_places = forms.IntegerField(label=_("Free places in training rooms"), min_value=0, initial=0)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    published = forms.BooleanField(label=_("Published to partners"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trades"].choices = occupation_choices_grouped()
        self.fields["trades"].widget.attrs["size"] = 8


class ProposalForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none())
    proposer = forms.ModelChoiceField(label=_("Entrepreneur"), queryset=Organization.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    occupation = occupation_field(_("Trade"))
    workshop_kind = forms.ChoiceField(label=_("Kind of workshop"), choices=WorkshopKind.choices)
    places = forms.IntegerField(label=_("Jobs offered"), min_value=1)
    investment = AmountField(label=_("Investment"))
    currency = CurrencyField()
    family_percent = PercentField(label=_("Wages sent to the family (%)"), initial="40")
    savings_percent = PercentField(label=_("Wages saved until release (%)"), initial="30")
    kept_percent = PercentField(label=_("Wages kept by the worker (%)"), initial="30")
    terms = forms.CharField(label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class AcceptProposalForm(forms.Form):
    reference = forms.CharField(label=_("Reference of the new agreement"), max_length=60)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RejectProposalForm(forms.Form):
    note = forms.CharField(label=_("Why it is not accepted"), widget=forms.Textarea(attrs={"rows": 2}))


class OpeningForm(forms.Form):
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=Organization.objects.none())
    administration = forms.ModelChoiceField(label=_("Administration"), queryset=Organization.objects.none())
    title = forms.CharField(label=_("Job title"), max_length=200)
    occupation = occupation_field()
    skills = forms.MultipleChoiceField(label=_("Other trades valued"), required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, initial=1)
    wage_min = AmountField(label=_("Wage from"), required=False)
    wage_max = AmountField(label=_("Wage up to"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)
    wage_period = forms.ChoiceField(label=_("Wage per"), choices=WagePeriod.choices, initial=WagePeriod.MONTH)
    only_for_leavers = forms.BooleanField(label=_("Only for people leaving prison"), required=False)
    excluded_categories = forms.MultipleChoiceField(
        label=_("Case categories the employer does not take"),
        choices=CaseCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Fixed once published. Nobody in these categories is ever proposed; employers never see why."),
    )
    valid_until = CalendarDateField(label=_("Valid until"))
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=200)
    contact_phone = forms.CharField(label=_("Telephone"), required=False, max_length=40)
    contact_email = forms.EmailField(label=_("E-mail"), required=False)
    agreement = forms.ModelChoiceField(label=_("Agreement"), queryset=Agreement.objects.none(), required=False)
    commitment = forms.ModelChoiceField(
        label=_("Employment commitment"), queryset=Commitment.objects.none(), required=False
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = occupation_choices_grouped()
        self.fields["skills"].widget.attrs["size"] = 6
        if editing:
            for name in ("employer", "administration", "excluded_categories"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("wage_min"), cleaned.get("wage_max")
        try:
            if low and high and float(high) < float(low):
                self.add_error("wage_max", _("The highest wage cannot be below the lowest."))
        except ValueError:
            pass
        return cleaned


class OpeningFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + OpeningStatus.choices, required=False, initial="open"
    )
    occupation = forms.ChoiceField(label=_("Occupation group"), required=False)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].choices = [("", _("Any"))] + occupation_choices_grouped()


class ApplicationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ApplicationStatus.choices)
    started_on = CalendarDateField(label=_("Start date"), required=False)
    wage = AmountField(label=_("Wage"), required=False)
    wage_period = forms.ChoiceField(label=_("Wage per"), choices=[("", "—"), *WagePeriod.choices], required=False)
    left_on = CalendarDateField(label=_("Left on"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class RetentionForm(forms.Form):
    still_employed = forms.TypedChoiceField(
        label=_("Still employed?"),
        choices=[("yes", _("Yes, still in the job")), ("no", _("No longer in the job"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    checked_on = CalendarDateField(label=_("Checked on"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class DueFilterForm(FilterForm):
    days = forms.TypedChoiceField(
        label=_("Due for release within"),
        coerce=int,
        choices=[(30, _("30 days")), (60, _("60 days")), (90, _("90 days")), (180, _("180 days"))],
        initial=90,
        required=False,
    )
    facility = forms.ChoiceField(label=_("Facility"), required=False)


class ProposeForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
