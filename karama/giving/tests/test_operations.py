"""Operations around the gifts: the callback's write stays lean, the portal's order is refreshed daily, donors'
e-mail addresses follow a rotation of the field keys."""

from io import StringIO

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karama.core.crypto import decrypt
from karama.giving.models import Case, Donation, PriorityRule
from karama.giving.tests.factories import give, make_debtor, pay, published_debt_case, start_gift


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
