"""The benchmark harness at small scale, so that it cannot rot: the generator's data is what the models would
write, every scenario answers, the load client and the raw-SQL baseline run, the import scenario imports, and
the pages measured make the same number of queries whatever the size of the registry."""

import asyncio
import concurrent.futures
import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import scenarios
from bench.frame import ADMINISTRATION_CODE
from bench.generate import Scale, generate
from karama.agreements.models import Agreement, Party
from karama.core.crypto import decrypt, lookup_hash
from karama.core.text import search_document
from karama.people.models import Consent, CustodyEpisode, Household, Person, PersonStatus, ReintegrationPlan

PEOPLE = 1500


def run_coroutine(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"


def people_of_bench():
    return Person.objects.filter(administration__code=ADMINISTRATION_CODE)


# The generator -------------------------------------------------------------------------------------------------


def test_generator_writes_what_the_models_would(db):
    out = io.StringIO()
    call_command("generate_national", people=PEOPLE, seed=3, stdout=out)
    assert re.search(r"rows in [\d.]+ s: [\d,]+ rows/s", out.getvalue())
    people = list(people_of_bench())
    assert len(people) == PEOPLE
    episodes: dict[int, list[CustodyEpisode]] = {}
    for episode in CustodyEpisode.objects.filter(person__in=people).order_by("admitted_on", "pk"):
        episodes.setdefault(episode.person_id, []).append(episode)
    for person in people:
        assert person.search_name == search_document(*person.name_parts())
        own = episodes[person.pk]
        open_ones = [episode for episode in own if episode.released_on is None]
        assert len(open_ones) <= 1
        assert (person.status == PersonStatus.IN_CUSTODY) == bool(open_ones)
        assert person.facility_id == own[-1].facility_id
        if person.national_id_encrypted:
            assert person.national_id_hash == lookup_hash(decrypt(person.national_id_encrypted))
    assert len({person.public_code for person in people}) == PEOPLE
    assert all(re.fullmatch(r"P-[0-9A-Z]{4}-[0-9A-Z]{4}", person.public_code) for person in people)


def test_consents_name_agreements_their_partner_is_party_to(db):
    generate(people=PEOPLE, seed=3)
    consents = Consent.objects.filter(person__administration__code=ADMINISTRATION_CODE, agreement__isnull=False)
    parties = set(Party.objects.values_list("agreement_id", "organization_id"))
    assert consents.exists()
    assert all(
        (agreement, organization) in parties
        for agreement, organization in consents.values_list("agreement_id", "organization_id")
    )


def test_generator_is_deterministic_and_does_nothing_the_second_time(db):
    def snapshot():
        return list(
            people_of_bench()
            .order_by("source_reference")
            .values_list("public_code", "given_name", "family_name", "birth_date")
        )

    first = generate(people=400, seed=5)
    generated = snapshot()
    assert generate(people=400, seed=5).skipped
    again = generate(people=400, seed=5, force=True)
    assert not again.skipped and again.rows == first.rows
    assert snapshot() == generated


def test_scale_keeps_the_national_proportions():
    scale = Scale(250_000)
    assert (scale.facilities, scale.partners, scale.agreements) == (40, 300, 150)
    assert (scale.households, scale.consents, scale.assessments, scale.access_log) == (
        100_000,
        200_000,
        50_000,
        500_000,
    )


# The scenarios ---------------------------------------------------------------------------------------------------


def test_every_scenario_and_the_bare_view_answer(db, client, bench_urls):
    generate(people=PEOPLE, seed=3)
    users = scenarios.bench_users()
    by_name = {user.username: user for user in (users.staff, users.partner, users.admin)}
    for scenario in scenarios.build_scenarios(users):
        client.force_login(by_name[scenario.username], backend="django.contrib.auth.backends.ModelBackend")
        for path in scenario.paths[:3]:
            assert client.get(path).status_code == 200, (scenario.name, path)
    client.logout()
    for path in scenarios.bare_paths(users)[:3]:
        assert client.get(path).json()["status"] in PersonStatus.values


def test_search_finds_every_spelling_of_a_name(db, client):
    generate(people=PEOPLE, seed=3)
    users = scenarios.bench_users()
    client.force_login(users.staff, backend="django.contrib.auth.backends.ModelBackend")
    person = Person.objects.filter(facility_id=users.staff.facility_id).exclude(latin_family_name="").first()
    # The page finds a person by their Latin name and by their name in the other community's letters.
    written = f"{person.given_name} {person.family_name}".replace("ی", "ي").replace("ک", "ك")
    for query in (written, f"{person.latin_given_name} {person.latin_family_name}"):
        assert person.public_code in client.get(scenarios.search_path(query)).content.decode(), query


@pytest.mark.postgres
def test_load_client_sessions_and_raw_sql_baseline_run(transactional_db, live_server, bench_urls):
    from bench.baseline import search_statement, sql_load
    from bench.client import http_load

    generate(people=600, seed=3)
    users = scenarios.bench_users()
    for scenario in scenarios.build_scenarios(users):
        user = {u.username: u for u in (users.staff, users.partner, users.admin)}[scenario.username]
        headers = {"Cookie": f"sessionid={scenarios.session_cookie(user)}"}
        result = run_coroutine(
            http_load(live_server.url, scenario.paths, headers=headers, concurrency=2, requests=4, seconds=20)
        )
        assert (result.errors, result.count) == (0, 4), (scenario.name, result.first_error)
    bare = run_coroutine(http_load(live_server.url, scenarios.bare_paths(users), concurrency=2, requests=4, seconds=20))
    assert bare.errors == 0 and bare.percentile(0.95) > 0
    if connection.vendor == "postgresql":
        statements = [search_statement(query, facility=users.staff.facility_id) for query in scenarios.SEARCHES]
        statements += [
            search_statement(query, organization=users.partner.organization_id) for query in scenarios.SEARCHES
        ]
        result = run_coroutine(sql_load(statements, concurrency=2, requests=len(statements), seconds=20))
        assert result.errors == 0, result.first_error


def test_import_scenario_imports_and_cleans_up(transactional_db, settings, tmp_path):
    from bench.importing import IMPORT_CODE, measure
    from karama.core.models import Organization

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    figures = measure(300, 1, tmp_path)
    assert (figures.status, figures.errors, figures.rows) == ("done", 0, 300), figures.first_errors
    assert figures.created_episodes == 300 and figures.rows_per_second > 0 and figures.rss_peak_mb > 0
    assert not Organization.objects.filter(code=IMPORT_CODE).exists()


# No N+1 --------------------------------------------------------------------------------------------------------


def _queries(client, user, path: str) -> int:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.get(path)  # warm: sessions, caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


def _richest_person(users) -> Person:
    """A person of the staff user's facility with a household, an assessment and a plan (the most sections)."""
    planned = ReintegrationPlan.objects.filter(person__facility_id=users.staff.facility_id).values("person_id")
    households = Household.objects.filter(person_id__in=planned).values("person_id")
    return Person.objects.filter(pk__in=households).order_by("pk").first()


def _page_queries(client) -> dict[str, int]:
    users = scenarios.bench_users()
    person = _richest_person(users)
    agreement = Agreement.objects.filter(administration_id=users.admin.administration_id, budgets__isnull=False).first()
    search = scenarios.search_path(person.family_name)
    return {
        "search, staff": _queries(client, users.staff, search),
        "search, partner": _queries(client, users.partner, search),
        "person page": _queries(client, users.staff, f"/en/people/{person.public_code}/"),
        "person API": _queries(client, users.staff, f"/api/v1/people/{person.public_code}/"),
        "agreement list": _queries(client, users.admin, "/en/agreements/"),
        "agreement page": _queries(client, users.admin, f"/en/agreements/{agreement.pk}/"),
        "work list": _queries(client, users.staff, f"/en/people/release-worklist/{users.staff.facility.code}/"),
    }


def test_pages_make_as_many_queries_for_a_big_registry_as_for_a_small_one(db, client):
    generate(people=700, seed=3, today=datetime.date.today())
    small = _page_queries(client)
    generate(people=2100, seed=4, today=datetime.date.today())
    assert _page_queries(client) == small
