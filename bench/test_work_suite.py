"""The work suite of the benchmark (bench/suites/work.py) at small scale, so that it cannot rot: its data is what
the app would write, it measures every line beside its baseline and states its targets, and ranking makes as
many queries whatever the number of openings and people. No timing is asserted."""

import argparse
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import scenarios
from bench.frame import ADMINISTRATION_CODE
from bench.generate import generate
from bench.suites import SUITES, work
from karama.core.text import search_document
from karama.people.models import Person
from karama.training.models import PLACE_STATUSES, Certificate, CertificateSeries, Enrolment, Programme
from karama.work import matching
from karama.work.training_link import completed_training

PEOPLE = 600


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"


def arguments(**given) -> argparse.Namespace:
    values = {"seconds": 20.0, "requests": 4, "quiet": 1.0, "seed": 7, "people": PEOPLE}
    return argparse.Namespace(**(values | given))


def test_the_suite_is_registered():
    assert SUITES["work"] is work


def test_the_suites_data_is_what_the_app_would_write(db):
    generate(people=PEOPLE, seed=3)
    prepared = work.prepare(openings=150, seed=5)
    assert not prepared.skipped and (prepared.openings, prepared.employers) == (150, 5)
    assert work.prepare(openings=150, seed=5).skipped

    today = timezone.localdate()
    openings = list(work.suite_openings().prefetch_related("skills", "exclusions"))
    assert len(openings) == 150
    for opening in openings:
        opening.full_clean()
        assert opening.occupation_major == opening.occupation[0]
        assert opening.status == "open" and opening.valid_until > today and opening.seats >= 1
        assert re.fullmatch(r"O-[0-9A-Z]{4}-[0-9A-Z]{4}", opening.code)
        assert opening.wage_min is None or opening.wage_max >= opening.wage_min
        assert opening.occupation not in {skill.occupation for skill in opening.skills.all()}
    assert any(opening.exclusions.all() for opening in openings) and any(opening.skills.all() for opening in openings)

    programmes = Programme.objects.filter(provider__code__startswith=f"{work.PREFIX}-")
    for programme in programmes:
        # As save() computes it (PostgreSQL's jsonb hands the names back in another order than they were given).
        expected = search_document(*programme.names.values(), programme.reference)
        assert sorted(programme.search_text.split()) == sorted(expected.split())
        assert programme.enrolments.filter(status__in=PLACE_STATUSES).count() <= programme.capacity
    enrolments = Enrolment.objects.filter(programme__in=programmes)
    assert enrolments.count() == prepared.enrolments and enrolments.exclude(status="completed").count() == 0
    # Each completed enrolment has the certificate complete_enrolment issues, numbered in its provider's series.
    certificates = Certificate.objects.filter(enrolment__in=enrolments)
    assert certificates.count() == enrolments.count()
    assert all(
        re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code)
        for code in certificates.values_list("verification_code", flat=True)
    )
    for series in CertificateSeries.objects.filter(issuer__code__startswith=f"{work.PREFIX}-"):
        issued = certificates.filter(issuer_id=series.issuer_id, number__contains=f"-{series.year}-")
        assert issued.count() == series.last_number
    measured = work.measured_certificate()
    assert measured is not None and measured.pk == prepared.certificate_id
    # Matching reads the training.
    assert completed_training(list(enrolments.values_list("person_id", flat=True)[:50]))

    # Another size replaces the suite's data, and only it.
    people = Person.objects.filter(administration__code=ADMINISTRATION_CODE).count()
    assert not work.prepare(openings=60, seed=5).skipped
    assert work.suite_openings().count() == 60 and work.measured_certificate() is not None
    assert Person.objects.filter(administration__code=ADMINISTRATION_CODE).count() == people


def test_the_suite_measures_every_line_beside_a_baseline_and_states_its_targets(
    transactional_db, live_server, bench_urls
):
    generate(people=PEOPLE, seed=3)
    section = work.measure(arguments(), live_server.url, openings=200, sample=5, connections=2)

    assert section.title == work.TITLE and len(section.lines) == 9
    for line in section.lines:
        assert line.result.errors == 0, (line.name, line.result.first_error)
        assert line.result.latencies, line.name
        assert line.baseline is not None and line.baseline.errors == 0 and line.baseline.latencies, line.name
        assert line.baseline_name
    targets = [target.what for target in section.targets]
    assert any("one person's ranking" in what and "100 ms" in what for what in targets)
    assert any("everyone due" in what and "60 s" in what for what in targets)
    assert any("certificate PDF" in what and "300 ms" in what for what in targets)
    assert next(target for target in section.targets if target.what == "work: no errors").met
    assert "200 open openings" in section.text and "due for release" in section.text


# No N+1 --------------------------------------------------------------------------------------------------------


def _queries(client, path: str) -> int:
    client.get(path)  # warm: sessions, caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


def _ranking_queries(client) -> dict[str, int]:
    """Queries of one person's ranking (in process, API, page) and of one opening's candidates (API, page), for a
    due person with openings to rank and an opening with candidates."""
    users = scenarios.bench_users()
    client.force_login(users.admin, backend="django.contrib.auth.backends.ModelBackend")
    today = timezone.localdate()
    due = work._due_ids(users.admin.administration, today)
    pk, code = next(
        (pk, code)
        for pk, code, profile in work._people_sample(due, 50, arguments())
        if matching.openings_for(profile, today)
    )
    opening = next(opening for opening in work._openings_sample(20) if matching.candidates_for(opening, today))
    with CaptureQueriesContext(connection) as captured:
        assert matching.openings_for(matching.load_profiles([pk])[pk], today, 20)
    return {
        "in process": len(captured),
        "person API": _queries(client, f"/api/v1/work/people/{code}/openings/"),
        "person page": _queries(client, f"/en/work/people/{code}/"),
        "candidates API": _queries(client, f"/api/v1/work/openings/{opening.code}/candidates/"),
        "candidates page": _queries(client, f"/en/work/openings/{opening.code}/"),
    }


def test_ranking_makes_as_many_queries_for_more_openings_and_people(db, client):
    generate(people=PEOPLE, seed=3)
    work.prepare(openings=100, seed=5)
    small = _ranking_queries(client)
    generate(people=PEOPLE * 2, seed=4)
    work.prepare(openings=400, seed=5)
    assert _ranking_queries(client) == small
