"""Try to find the person behind each demo case from everything public, and fail.

The demonstration is loaded once for the module. Every public page of the portal (in the four languages) and
every public API response is collected; then, for every demo case, the person's names in every script, national
ID, public code, household code, facility (in every language), creditor, court reference, exact dates and exact
amounts are looked for in that text, as read from the database. None may be found.
"""

import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import translation

from karama.core.crypto import decrypt
from karama.core.formatting import format_date, format_money, format_number
from karama.giving import ledger
from karama.giving.models import PUBLIC_STATUSES, Campaign, Case, CaseStatus
from karama.giving.public import rounded
from karama.people.models import Household

LANGUAGES = ("ar", "fa", "fr", "en")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _get(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    if response["Content-Type"].startswith("application/json"):
        # Re-written with the letters themselves: an escaped \u0645 must not hide a name.
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


def _public_text(client: Client, cases: list[Case], campaigns: list[Campaign]) -> str:
    texts = []
    for language in LANGUAGES:
        for path in ("", "cases/?include_done=on", "transparency/", "priorities/", "give/"):
            texts.append(_get(client, f"/{language}/giving/{path}"))
        for page in (2, 3):
            response = client.get(f"/{language}/giving/cases/", {"include_done": "on", "page": page})
            texts.append(response.content.decode())
        texts += [_get(client, f"/{language}/giving/cases/{case.public_code}/") for case in cases]
        texts += [_get(client, f"/{language}/giving/campaigns/{campaign.code}/") for campaign in campaigns]
    api = "/api/v1/giving/public"
    texts.append(_get(client, f"{api}/cases/?include_done=true&limit=500"))
    texts += [_get(client, f"{api}/cases/{case.public_code}/") for case in cases]
    texts += [_get(client, f"{api}/campaigns/"), _get(client, f"{api}/transparency/")]
    texts += [_get(client, f"{api}/campaigns/{campaign.code}/") for campaign in campaigns]
    return "\n".join(texts)


def _words(text: str) -> list[str]:
    return [text] if text and len(text.strip()) >= 3 else []


def _secrets(case: Case) -> list[str]:
    person = case.person
    secrets = [person.public_code, decrypt(person.national_id_encrypted), person.full_name, person.latin_name]
    for part in person.name_parts():
        secrets += _words(part)
    household = Household.objects.filter(person=person).first()
    if household:
        secrets.append(household.public_code)
        secrets += _words(household.contact_name)
    for episode in person.episodes.select_related("facility"):
        secrets += [name for name in episode.facility.names.values() if name] + [episode.facility.code]
    for claim in case.claims.all():
        secrets += [claim.creditor_name, claim.court_reference, claim.pay_to]
    return [secret for secret in secrets if secret]


def _dates(case: Case, public_dates: set) -> list:
    person = case.person
    dates = {person.birth_date}
    for episode in person.episodes.all():
        dates |= {episode.admitted_on, episode.expected_release_on, episode.released_on}
    dates |= {case.released_on, case.opened_at.date(), case.published_at.date() if case.published_at else None}
    # A campaign's own window is public; a person's date that falls on it by chance is not a leak.
    return [day for day in dates if day and day not in public_dates]


def _date_forms(day) -> list[str]:
    forms = [day.isoformat(), day.strftime("%d/%m/%Y")]
    for language in LANGUAGES:
        with translation.override(language):
            forms.append(format_date(day))
    return forms


def _exact_amounts(case: Case) -> list[str]:
    amounts = [case.target] + [claim.amount for claim in case.claims.all()]
    forms = []
    for amount in amounts:
        if rounded(amount, case.currency) == amount:
            continue  # a round amount is its own rounding: nothing more is said by showing it
        forms.append(str(amount.normalize()))
        for language in LANGUAGES:
            with translation.override(language):
                forms += [format_money(amount, case.currency), format_number(amount)]
    return forms


def _found(needle: str, haystack: str) -> bool:
    # A whole word: "Ali" must not match "Alice", nor "علي" a longer word that contains it.
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack) is not None


def test_nobody_can_be_found_from_the_public_pages_and_api(demo, db):
    cases = list(Case.objects.filter(status__in=PUBLIC_STATUSES).select_related("person"))
    campaigns = list(Campaign.objects.filter(is_public=True))
    assert len(cases) >= 12 and {case.kind for case in cases} >= {"debt_release"}
    assert any(case.status == CaseStatus.CLOSED and case.released_on for case in cases)
    text = _public_text(Client(), cases, campaigns)
    public_dates = {day for campaign in campaigns for day in (campaign.starts_on, campaign.ends_on)}

    every_case = Case.objects.select_related("person")
    leaks = []
    for case in every_case:
        for secret in _secrets(case) + _exact_amounts(case):
            if _found(secret, text):
                leaks.append((case.public_code, secret))
        for day in _dates(case, public_dates):
            leaks += [(case.public_code, form) for form in _date_forms(day) if _found(form, text)]
    assert not leaks, leaks[:10]
    # And the search did look: every public case's own code and summary are there.
    assert all(case.public_code in text for case in cases)


def test_drafts_and_cancelled_cases_are_not_public(demo, db, client):
    draft = Case.objects.filter(status=CaseStatus.DRAFT).first()
    assert draft is not None
    assert client.get(f"/en/giving/cases/{draft.public_code}/").status_code == 404
    assert client.get(f"/api/v1/giving/public/cases/{draft.public_code}/").status_code == 404


def test_the_demo_ledger_balances_and_its_totals_are_sums_of_lines(demo, db):
    assert ledger.trial_balance() == {}
    for case in Case.objects.filter(status=CaseStatus.CLOSED):
        money = ledger.case_money(case)
        assert money.raised == case.target == money.paid_out and money.held == 0


def test_a_second_load_creates_nothing(demo, db):
    before = (Case.objects.count(), Campaign.objects.count())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Giving: 0 new campaigns, 0 new cases, 0 gifts" in out.getvalue()
    assert (Case.objects.count(), Campaign.objects.count()) == before


def test_the_demo_campaigns_count_their_releases_towards_the_agreements(demo, db):
    from karama.agreements.progress import delivered_quantities

    for campaign in Campaign.objects.filter(commitment__isnull=False):
        delivered = delivered_quantities([campaign.commitment_id])[campaign.commitment_id]
        assert delivered == Case.objects.filter(campaign=campaign, released_on__isnull=False).count() >= 1


def test_public_amounts_are_rounded_to_two_significant_digits():
    assert rounded(Decimal("37452.50"), "SAR") == Decimal("37000")
    assert rounded(Decimal("1234567891"), "IRR") == Decimal("1200000000")
    assert rounded(Decimal("0.456"), "JOD") == Decimal("0.46")
