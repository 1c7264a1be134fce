"""The certificate PDF: the participant's language, Arabic shaped right to left, the provider's name,
nothing about prison; and the public verification that never shows a name."""

import shutil
import subprocess

import pytest
from django.test import RequestFactory
from django.utils import timezone

from karama.people.tests.factories import make_person
from karama.training import certificates, services
from karama.training.certificates import certificate_language, render_certificate_pdf, verify_url
from karama.training.tests.factories import complete, make_programme

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


@pytest.fixture
def certificate(world):
    programme = make_programme(
        world,
        names={"ar": "النجارة – إصلاحية عنيزة", "en": "Carpentry – Unaizah"},
        certificate_titles={
            "ar": "النجارة والأثاث",
            "fr": "Menuiserie et ameublement",
            "en": "Carpentry and furniture",
        },
    )
    person = make_person(
        by=world.staff_a,
        facility=world.facility_a,
        given_name="سالم",
        family_name="الدوسري",
        latin_given_name="Salem",
        latin_family_name="Al-Dosari",
        languages=["ar", "en"],
    )
    enrolment = services.enrol(programme=programme, by=world.admin_sa, person=person)
    complete(enrolment, world.admin_sa)
    return enrolment.certificates.select_related("issuer", "enrolment__programme__administration").get()


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def _render(certificate, language: str) -> bytes:
    request = RequestFactory().get("/")
    return render_certificate_pdf(certificate, language, verify_url(request, certificate, language))


def test_the_language_is_the_participants_unless_another_is_chosen(certificate):
    assert certificate_language(certificate) == "ar"
    assert certificate_language(certificate, "fr") == "fr"
    certificate.enrolment.person.languages = []
    certificate.enrolment.person.nationality = "IR"
    assert certificate_language(certificate) == "fa"


def test_a_pdf_is_rendered(certificate):
    pdf = _render(certificate, "ar")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 2000


@needs_pdftotext
def test_the_arabic_certificate_names_the_holder_and_provider_and_not_the_prison(certificate, world, tmp_path):
    text = _text(_render(certificate, "ar"), tmp_path)

    assert "سالم" in text and "الدوسري" in text
    # pdftotext reverses the parts of the lam-alef ligature (الأ), so check the words without one.
    assert "جامعة نايف العربية للعلوم" in text
    assert "النجارة" in text
    assert certificate.number in text and certificate.verification_code in text
    for word in ("عنيزة", "إصلاحية", "سجن", "المديرية العامة للسجون"):
        assert word not in text


@needs_pdftotext
def test_the_french_certificate_uses_the_latin_name_and_the_french_title(certificate, tmp_path):
    text = _text(_render(certificate, "fr"), tmp_path)

    assert "Salem Al-Dosari" in text
    assert "Menuiserie et ameublement" in text
    assert "/fr/training/verify/" in text
    assert "Unaizah" not in text and "prison" not in text.lower()


def test_a_revoked_certificate_has_no_pdf(certificate, world, client_for):
    services.revoke_certificate(certificate=certificate, by=world.admin_sa, reason="Issued by mistake")
    enrolment = certificate.enrolment
    response = client_for(world.admin_sa).get(
        f"/en/training/enrolments/{enrolment.public_code}/certificates/{certificate.pk}/pdf/"
    )
    assert response.status_code == 404


def test_downloading_the_pdf_is_written_to_the_access_log(certificate, world, client_for):
    enrolment = certificate.enrolment
    response = client_for(world.admin_sa).get(
        f"/en/training/enrolments/{enrolment.public_code}/certificates/{certificate.pk}/pdf/", {"language": "en"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert enrolment.person.access_log.filter(action="export", detail__contains=certificate.number).exists()


# The public verification page -------------------------------------------------------------------------------


def test_verification_shows_programme_issuer_date_and_validity_and_never_the_name(certificate, client):
    response = client.post(
        "/en/training/verify/", {"number": certificate.number, "code": certificate.verification_code}
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "This certificate is valid." in html
    assert "Carpentry and furniture" in html
    assert "Naif Arab University for Security Sciences" in html
    person = certificate.enrolment.person
    for clue in (
        person.given_name,
        person.family_name,
        person.latin_given_name,
        person.latin_family_name,
        person.public_code,
        certificate.enrolment.public_code,
        "Unaizah",
        "عنيزة",
    ):
        assert clue not in html


def test_the_direct_link_needs_no_sign_in(certificate, client):
    response = client.get(f"/ar/training/verify/{certificate.number}/{certificate.verification_code}/")
    assert response.status_code == 200
    assert "النجارة والأثاث" in response.content.decode()


def test_a_code_typed_with_spaces_lowercase_and_an_o_for_a_zero_still_matches(certificate, client):
    code = certificate.verification_code.replace("-", " ").replace("0", "o").lower()
    response = client.post("/en/training/verify/", {"number": certificate.number.lower(), "code": code})
    assert "This certificate is valid." in response.content.decode()


def test_a_revoked_certificate_is_reported_as_revoked(certificate, world, client):
    services.revoke_certificate(certificate=certificate, by=world.partner_university, reason="Obtained by fraud")
    html = client.get(f"/fr/training/verify/{certificate.number}/{certificate.verification_code}/").content.decode()
    assert "révoqué" in html.lower() or "revoked" in html.lower()
    assert "Obtained by fraud" not in html


def test_a_wrong_code_finds_nothing_and_repeated_guessing_is_refused(certificate, client):
    for attempt in range(30):
        html = client.post("/en/training/verify/", {"number": certificate.number, "code": f"AAAAA-{attempt:05d}"})
    assert "No certificate has this number and code" in html.content.decode()
    html = client.post(
        "/en/training/verify/", {"number": certificate.number, "code": certificate.verification_code}
    ).content.decode()
    assert "Too many attempts" in html and "This certificate is valid." not in html
    # The throttle keeps a keyed hash of the address, never the address itself.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM karama_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("training-verify:" in key for key in keys) and not any("127.0.0.1" in key for key in keys)


def test_the_date_shown_is_the_date_of_issue(certificate, client):
    html = client.get(f"/en/training/verify/{certificate.number}/{certificate.verification_code}/").content.decode()
    today = timezone.localdate()
    assert str(today.year) in html


def test_renderings_at_once_in_several_threads_take_turns(certificate, monkeypatch):
    """A threaded server (the demo's runserver, a test's live server) may render two downloads at once; WeasyPrint
    is not thread-safe and its font configuration is shared, so two renderings overlapping aborted the process."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from weasyprint import HTML

    url = verify_url(RequestFactory().get("/"), certificate, "fa")
    render_certificate_pdf(certificate, "fa", url)  # the related rows are loaded here, not in the threads
    write_pdf, lock, running = HTML.write_pdf, threading.Lock(), [0]

    def watched(self, *args, **kwargs):
        with lock:
            running[0] += 1
            overlapping = running[0] > 1
        try:
            # Refused rather than run: two real renderings at once would abort or hang the test process.
            assert not overlapping, "two renderings at once"
            time.sleep(0.02)  # widens the window in which another thread would come in
            return write_pdf(self, *args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(certificates, "_font_config", None)  # as in a process that has not rendered one yet
    monkeypatch.setattr(HTML, "write_pdf", watched)
    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(lambda _number: render_certificate_pdf(certificate, "fa", url), range(8)))
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)
