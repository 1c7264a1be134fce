"""Operations around the gifts: the callback's write stays lean, the portal's order is refreshed daily, donors'
e-mail addresses follow a rotation of the field keys."""

from decimal import Decimal
from io import StringIO

from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from karama.core.crypto import decrypt
from karama.giving import ledger, services
from karama.giving.donations import allocate_to_case
from karama.giving.models import Case, Donation, Entry, GiftKind, Line, PriorityRule
from karama.giving.tests.factories import D, give, make_debtor, pay, published_debt_case, start_gift


def test_crediting_a_gift_takes_a_few_queries_whatever_the_case_has_received(world):
    case = published_debt_case(world, amount="100000.00")
    for _ in range(5):
        give(amount="10.00", case=case)
    gift = start_gift(amount="10.00", case=case)
    with CaptureQueriesContext(connection) as queries:
        assert pay(gift, fee="0.15") == "credited"
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    assert len(queries.captured_queries) <= 12, [q["sql"][:80] for q in queries.captured_queries]
    assert len(writes) == 5  # two entries with their lines, and the gift marked paid


def _raised_by_entry_kind(case_ids) -> dict:
    """What a case raised, by definition: credits to its funds less every debit that is not a settlement."""
    raised = dict.fromkeys(case_ids, Decimal(0))
    for line in Line.objects.filter(account__case_id__in=case_ids).select_related("entry", "account"):
        if line.entry.kind != Entry.Kind.SETTLEMENT:
            raised[line.account.case_id] += line.credit - line.debit
        else:
            raised[line.account.case_id] += line.credit
    return raised


def test_what_a_case_raised_is_summed_from_its_own_lines_and_settled_money_stays_raised(world):
    """The callback sums a case's lines under the case's lock: reading each line's entry for its kind made every
    gift to a popular case (a national appeal) read the entries of all the gifts before it. The sum reads the
    lines alone and leaves out only the lines of the case's own settlement."""
    settled = published_debt_case(world, amount="1000.00")
    give(amount="600.00", case=settled, fee="9.00")
    give(amount="400.00", administration=world.sa)
    allocate_to_case(by=world.admin_sa, case=settled, source="general", amount="400.00")
    settled.refresh_from_db()
    services.record_settlement(
        by=world.staff_a,
        case=settled,
        payee_kind="court",
        payee="Court deposit",
        reference="TRF-9",
        paid_on=timezone.localdate(),
        proof=ContentFile(b"%PDF-1.4\n", name="transfer.pdf"),
    )
    refunded = published_debt_case(world, amount="500.00")
    give(amount="200.00", case=refunded)
    services.cancel_case(by=world.staff_a, case=refunded, reason="Forgiven.", disposition="refund")
    moved = published_debt_case(world, amount="800.00")
    give(amount="300.00", case=moved, gift_kind=GiftKind.ZAKAT)
    give(amount="100.00", case=moved)
    services.cancel_case(by=world.staff_a, case=moved, reason="Pardoned.", disposition="general")
    open_case = published_debt_case(world, amount="900.00")
    give(amount="250.00", case=open_case)
    ids = [settled.pk, refunded.pk, moved.pk, open_case.pk]

    raised = ledger.raised_for_cases(ids)

    assert raised == _raised_by_entry_kind(ids)
    assert raised == {settled.pk: D("1000.00"), refunded.pk: 0, moved.pk: 0, open_case.pk: D("250.00")}
    with CaptureQueriesContext(connection) as queries:
        ledger.raised_for_cases([open_case.pk])
    assert len(queries.captured_queries) == 1
    assert "giving_entry" not in queries.captured_queries[0]["sql"]


def test_the_daily_refresh_reorders_cases_under_a_rule_published_meanwhile(world):
    woman = published_debt_case(world, person=make_debtor(world, sex="female"))
    PriorityRule.objects.create(administration=world.sa, kind=PriorityRule.Kind.WOMEN, points=40)
    out = StringIO()
    call_command("refresh_giving_priorities", stdout=out)
    woman.refresh_from_db()
    assert woman.priority_score == 40 and woman.priority_reasons == [{"kind": "women", "threshold": None}]
    assert "1 cases changed places" in out.getvalue()


def test_donors_e_mails_follow_a_rotation_of_the_field_keys(world, settings):
    case = published_debt_case(world)
    gift = give(amount="10.00", case=case, donor_email="giver@example.org")
    new_key = Fernet.generate_key().decode()
    settings.KARAMA_FIELD_KEYS = [new_key, *settings.KARAMA_FIELD_KEYS]
    call_command("rotate_giving_keys", stdout=StringIO())
    settings.KARAMA_FIELD_KEYS = [new_key]
    gift = Donation.objects.get(pk=gift.pk)
    assert decrypt(gift.donor_email_encrypted) == "giver@example.org"
    assert Case.objects.get(pk=case.pk).status == "published"


def test_the_demo_sandbox_secret_fails_the_deployment_check_in_production(settings):
    from karama.giving.checks import sandbox_secret_check
    from karama.giving.payments import DEMO_SECRET

    settings.PRODUCTION = True
    settings.GIVING_SANDBOX_SECRET = DEMO_SECRET
    assert [error.id for error in sandbox_secret_check()] == ["giving.E001"]
    settings.GIVING_SANDBOX_SECRET = "x" * 48
    assert sandbox_secret_check() == []
