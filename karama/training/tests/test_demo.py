"""The demo's training: the seeds' programmes with sessions, graduates and certificates, nothing about
prison on a certificate, and a second load that creates nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from karama.agreements.models import Commitment
from karama.agreements.progress import delivered_quantities
from karama.core.models import User
from karama.core.text import normalize_for_search
from karama.people.selectors import active_consents
from karama.training import demo
from karama.training.models import Certificate, Enrolment, Programme
from karama.training.selectors import enrolment_candidates
from karama.training.services import _PRISON_WORDS


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Loaded once for the module (it takes seconds) and rolled back after its last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_the_seeds_programmes_are_there(demo_output, db):
    references = set(Programme.objects.values_list("reference", flat=True))
    assert references == {spec.reference for spec in demo.PROGRAMMES}
    providers = set(Programme.objects.values_list("provider__code", flat=True))
    assert providers == {"sa-crafts-programme", "sa-nauss", "jo-idmaj", "ma-aref-bmk", "ma-ofppt"}
    assert Programme.objects.filter(kind="crafts", sex="female").exists()
    assert Programme.objects.filter(kind="staff_training", administration__code="jo-psd-crca").exists()


def test_ended_programmes_have_graduates_with_certificates(demo_output, db):
    completed = Enrolment.objects.filter(status="completed")
    assert completed.count() >= 30
    assert Certificate.objects.count() == completed.count()
    assert Enrolment.objects.filter(status="ended_custody").exists()


def test_completions_count_toward_the_crafts_and_literacy_commitments(demo_output, db):
    crafts = Commitment.objects.get(description=demo.CRAFTS_COMMITMENT)
    literacy = Commitment.objects.get(description="Literacy programmes for inmates.")
    delivered = delivered_quantities([crafts.pk, literacy.pk])
    assert delivered[crafts.pk] > 0 and delivered[literacy.pk] > 0


def test_no_certificate_title_mentions_prison(demo_output, db):
    for programme in Programme.objects.exclude(kind="staff_training"):
        for language in ("ar", "fr", "en"):
            title = normalize_for_search(programme.certificate_title(language))
            assert not any(word in title for word in _PRISON_WORDS), programme.reference


def test_the_foundation_has_consenting_people_left_to_enrol(demo_output, db):
    partner = User.objects.get(username="partner-foundation")
    programme = Programme.objects.get(reference="MA-BM-ELEC-2026")
    assert enrolment_candidates(partner, programme).exists()
    assert active_consents(partner.organization_id).filter(purpose="training").exists()


def test_a_second_load_creates_nothing(demo_output, db):
    counts = (Programme.objects.count(), Enrolment.objects.count(), Certificate.objects.count())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Training: 0 new programmes, 0 new sessions, 0 new enrolments, 0 new certificates" in out.getvalue()
    assert (Programme.objects.count(), Enrolment.objects.count(), Certificate.objects.count()) == counts
