"""Forms of the portal and of the staff pages. They check shape; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from karama.core.forms import AmountField, CalendarDateField, FilterForm, NamesFormMixin
from karama.core.models import Region
from karama.giving.models import (
    AllocationRule,
    CaseKind,
    CaseStatus,
    CreditorKind,
    DebtNature,
    DebtReason,
    FundingSource,
    GiftKind,
    NeedReason,
    Overflow,
    PriorityRule,
    Settlement,
    SummaryRole,
    Trade,
)

SEX_CHOICES = [("", _("Any")), ("male", _("Men")), ("female", _("Women"))]


# The portal --------------------------------------------------------------------------------------------------


class GiftForm(forms.Form):
    amount = AmountField(label=_("Amount"))
    gift_kind = forms.ChoiceField(
        label=_("Kind of gift"), choices=GiftKind.choices, initial=GiftKind.SADAQA, widget=forms.RadioSelect
    )
    overflow = forms.ChoiceField(
        label=_("If the case is funded before your gift arrives, the rest goes"),
        choices=Overflow.choices,
        initial=Overflow.CAMPAIGN,
        widget=forms.RadioSelect,
        required=False,
    )
    anonymous = forms.BooleanField(
        label=_("Stay anonymous, even to the administration's staff"),
        required=False,
        help_text=_("Your name is not kept. An e-mail address, if you give one, is used only for your receipt."),
    )
    donor_name = forms.CharField(label=_("Name on the receipt"), required=False, max_length=200)
    donor_email = forms.EmailField(
        label=_("E-mail for the receipt and news of the case"),
        required=False,
        help_text=_("Optional. We write only to send your receipt and to say when the person you helped is free."),
    )
    administration = forms.ChoiceField(label=_("Give to the general fund of"), required=False)

    def __init__(self, *args, case=None, campaign=None, administrations=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if case is None:
            del self.fields["overflow"]
        elif not case.zakat_eligible:
            self.fields["gift_kind"].choices = [c for c in GiftKind.choices if c[0] != GiftKind.ZAKAT]
        if case is not None or campaign is not None:
            del self.fields["administration"]
        else:
            self.fields["administration"].choices = [(a.code, a.name) for a in administrations]
            self.fields["administration"].required = True


class PortalFilterForm(FilterForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    sex = forms.ChoiceField(label=_("Men or women"), choices=SEX_CHOICES, required=False)
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)
    min_children = forms.TypedChoiceField(
        label=_("Children at home"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any")), ("1", _("1 or more")), ("3", _("3 or more")), ("5", _("5 or more"))],
    )
    illness = forms.BooleanField(label=_("Serious illness"), required=False)
    pregnancy = forms.BooleanField(label=_("Pregnancy"), required=False)
    zakat = forms.BooleanField(label=_("Can receive zakat"), required=False)
    include_done = forms.BooleanField(label=_("Show funded and completed cases too"), required=False)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("priority", _("By priority")), ("smallest", _("Smallest amount first")), ("newest", _("Newest"))],
    )

    def __init__(self, *args, regions=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any")), *CaseKind.choices]
        self.fields["region"].choices = [("", _("Any")), *[(r.code, r.name) for r in regions]]
        self.fields["campaign"].choices = [("", _("Any")), *[(c.code, c.name) for c in campaigns]]


class DonorSignupForm(forms.Form):
    username = forms.CharField(label=_("Name to sign in with"), max_length=150)
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("The password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class CheckoutForm(forms.Form):
    card_number = forms.CharField(label=_("Card number"), max_length=25, initial="4242 4242 4242 4242")
    expiry = forms.CharField(label=_("Expiry (MM/YY)"), max_length=5, initial="12/30")
    cvc = forms.CharField(label=_("Security code"), max_length=4, initial="123")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"dir": "ltr", "autocomplete": "off", "inputmode": "numeric"})


# Staff: cases --------------------------------------------------------------------------------------------------


class ClaimForm(forms.Form):
    creditor_kind = forms.ChoiceField(label=_("Creditor"), choices=CreditorKind.choices)
    creditor_name = forms.CharField(label=_("Creditor's name"), max_length=200)
    nature = forms.ChoiceField(label=_("Nature of the debt"), choices=DebtNature.choices)
    amount = AmountField(label=_("Amount claimed"))
    court_reference = forms.CharField(label=_("Court or enforcement reference"), max_length=100)
    pay_to = forms.CharField(
        label=_("Pay to"), max_length=200, required=False, help_text=_("The creditor's or the court's account.")
    )


class OpenDebtCaseForm(ClaimForm):
    summary_reason = forms.ChoiceField(label=_("Why the person is held"), choices=DebtReason.choices)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=None, required=False)


def _reason_choices(kind: str) -> list:
    reasons = {CaseKind.DEBT_RELEASE: DebtReason, CaseKind.HOUSEHOLD_NEED: NeedReason, CaseKind.EQUIPMENT: Trade}
    return [("", "—"), *reasons[kind].choices]


class CaseFactsForm(forms.Form):
    summary_role = forms.ChoiceField(label=_("The summary describes"), choices=[("", "—"), *SummaryRole.choices])
    summary_reason = forms.ChoiceField(label=_("Reason"))
    children = forms.IntegerField(label=_("Dependent children"), min_value=0, max_value=30)
    household_size = forms.IntegerField(label=_("People in the household"), min_value=0, max_value=40)
    region = forms.ModelChoiceField(label=_("Region shown to donors"), queryset=Region.objects.all(), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("male", _("Male")), ("female", _("Female"))])
    head_of_household = forms.BooleanField(label=_("Head of household"), required=False)
    illness = forms.BooleanField(label=_("Serious illness in the family"), required=False)
    pregnancy = forms.BooleanField(label=_("Pregnancy in the family"), required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary_reason"].choices = _reason_choices(kind)
        if kind == CaseKind.HOUSEHOLD_NEED:
            self.fields["summary_role"].required = False


class FundingSourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Source"), choices=FundingSource.Kind.choices)
    amount = AmountField(label=_("Amount"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    installments = forms.IntegerField(
        label=_("Monthly installments (loan)"), min_value=0, max_value=120, required=False, initial=0
    )
    first_due_on = CalendarDateField(label=_("First installment due on (loan)"), required=False)


class EligibilityForm(forms.Form):
    fraud_conviction = forms.BooleanField(label=_("The file shows a fraud conviction"), required=False)
    good_conduct = forms.BooleanField(label=_("Conduct in custody is good"), required=False)


class ApproveForm(forms.Form):
    summary_reviewed = forms.BooleanField(
        label=_("I have read the public summary and the facts shown to donors: they identify nobody."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why the case is cancelled"), widget=forms.Textarea(attrs={"rows": 2}))
    disposition = forms.ChoiceField(
        label=_("Money the case holds"),
        choices=[
            ("refund", _("Refund the donors who gave to it")),
            ("campaign", _("Move it to the campaign (or the general fund)")),
            ("general", _("Move it to the general fund")),
        ],
        widget=forms.RadioSelect,
        initial="refund",
    )


class SettlementForm(forms.Form):
    payee_kind = forms.ChoiceField(label=_("Paid to"), choices=Settlement.PayeeKind.choices)
    payee = forms.CharField(label=_("Payee"), max_length=200)
    reference = forms.CharField(label=_("Payment reference"), max_length=100)
    paid_on = CalendarDateField(label=_("Paid on"))
    proof = forms.FileField(label=_("Proof of payment (PDF or image)"))


class ReleaseForm(forms.Form):
    on = CalendarDateField(label=_("Released on"))


class AllocationForm(forms.Form):
    source = forms.ChoiceField(
        label=_("From"), choices=[("campaign", _("The campaign's fund")), ("general", _("The general fund"))]
    )
    amount = AmountField(label=_("Amount"))
    zakat = forms.BooleanField(label=_("From the zakat held apart"), required=False)


class CaseCampaignForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=None, required=False)


class StaffCaseFilterForm(FilterForm):
    q = forms.CharField(label=_("Case or person code"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *CaseStatus.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *CaseKind.choices])
    waiting_for_me = forms.BooleanField(label=_("Waiting for my approval"), required=False)


# Staff: campaigns and rules ------------------------------------------------------------------------------------


class CampaignForm(NamesFormMixin):
    code = forms.SlugField(
        label=_("Code"), max_length=60, help_text=_("Short, unique, Latin letters: used in addresses.")
    )
    administration = forms.ModelChoiceField(label=_("Administration"), queryset=None)
    description = forms.CharField(
        label=_("Description (in the original language)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    goal = AmountField(label=_("Goal"), required=False)
    starts_on = CalendarDateField(label=_("Starts on"))
    ends_on = CalendarDateField(label=_("Ends on"))
    allocation_rule = forms.ChoiceField(
        label=_("How gifts to the campaign are shared out"), choices=AllocationRule.choices
    )
    is_public = forms.BooleanField(label=_("Shown on the portal"), required=False)
    agreement = forms.ModelChoiceField(label=_("Agreement"), queryset=None, required=False)


class PolicyForm(forms.Form):
    financial_category_only = forms.BooleanField(
        label=_("Only people held in a financial or debt case"), required=False
    )
    private_right_only = forms.BooleanField(label=_("Only private-right debts"), required=False)
    max_amount = AmountField(label=_("Largest debt"), required=False)
    exclude_fraud = forms.BooleanField(label=_("No fraud conviction"), required=False)
    min_months_served = forms.IntegerField(label=_("Months served at least"), min_value=0, max_value=600)
    require_good_conduct = forms.BooleanField(label=_("Good conduct in custody"), required=False)
    years_since_last_release = forms.IntegerField(
        label=_("No earlier release through the platform within (years)"), min_value=0, max_value=50
    )


class PriorityRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Rule"), choices=PriorityRule.Kind.choices)
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=1000)
    threshold = forms.DecimalField(label=_("Threshold"), required=False, min_value=0, max_digits=18, decimal_places=3)
    active = forms.BooleanField(label=_("In force"), required=False)
