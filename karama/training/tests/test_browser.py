"""In headless Chromium: the Mohammed VI Foundation's staff in French and the operator in Arabic each enrol a
participant, record the attendance, record the completion and download the certificate, whose first page
is rendered to PNG to be looked at; the public verification page shows no name."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from conftest import sign_in
from karama.core.models import User
from karama.training.models import Enrolment, Programme
from karama.training.selectors import enrolment_candidates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _render_first_page(pdf: Path) -> Path:
    """pdftoppm (poppler-utils, which scripts/ensure-chromium installs) draws the first page at 80 dpi beside it."""
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is missing: scripts/ensure-chromium installs it"
    target = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)], check=True
    )
    return target.with_suffix(".png")


def _run_to_certificate(
    page, screenshot, *, username: str, language: str, reference: str, prefix: str, pdf_language: str = ""
) -> Enrolment:
    programme = Programme.objects.get(reference=reference)
    user = User.objects.get(username=username)
    candidate = enrolment_candidates(user, programme).order_by("pk").first()
    assert candidate is not None

    page.goto(f"/{language}/training/")
    expect(page.locator("#programme-results")).to_contain_text(programme.reference)
    screenshot(page, f"{prefix}-list")
    page.locator(f"#programme-results a[href='/{language}/training/{programme.pk}/']").click()
    page.wait_for_load_state("networkidle")
    screenshot(page, f"{prefix}-programme")

    # Enrol: find the person by public code; the hints sit beside them.
    page.goto(f"/{language}/training/{programme.pk}/enrol/")
    page.fill("input[name=q]", candidate.public_code)
    expect(page.locator("#candidates tbody tr")).to_have_count(1)
    row = page.locator(f"#candidates tr:has-text('{candidate.public_code}')")
    expect(row.locator("li.hint").first).to_be_visible()
    screenshot(page, f"{prefix}-enrol")
    row.locator("button[type=submit]:not([name=waiting])").click()
    page.wait_for_load_state("networkidle")
    enrolment = Enrolment.objects.get(programme=programme, person=candidate)
    assert enrolment.status == "enrolled"

    # Attendance of the last session held: the new participant is marked present by default.
    session = programme.sessions.filter(held_on__lte=timezone.localdate()).order_by("-held_on").first()
    page.goto(f"/{language}/training/{programme.pk}/sessions/{session.pk}/")
    expect(page.locator(f"input[name='mark-{enrolment.pk}'][value=present]")).to_be_checked()
    screenshot(page, f"{prefix}-attendance")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert enrolment.attendance.get(session=session).status == "present"

    # Completion issues the certificate in the provider's name.
    page.goto(f"/{language}/training/enrolments/{enrolment.public_code}/")
    page.locator("details:has(form[action$='/complete/']) > summary").click()
    page.fill("form[action$='/complete/'] input[name=score]", "87")
    screenshot(page, f"{prefix}-complete-form")
    page.locator("form[action$='/complete/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"
    certificate = enrolment.certificates.get()
    expect(page.locator("#certificates")).to_contain_text(certificate.number)
    screenshot(page, f"{prefix}-enrolment")

    # The participant's language unless another is chosen (a French-speaking employer, say).
    page.select_option("form[action$='/pdf/'] select[name=language]", pdf_language)
    with page.expect_download() as download:
        page.locator("form[action$='/pdf/'] button[type=submit]").click()
    pdf = SCREENSHOTS / f"{prefix}-certificate.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    _render_first_page(pdf)
    return enrolment


def test_the_foundation_in_french_and_the_operator_in_arabic_take_a_participant_to_a_certificate(
    transactional_db, page, screenshot
):
    call_command("load_demo", verbosity=0)

    sign_in(page, "partner-foundation", "karama-demo", language="fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    french = _run_to_certificate(
        page,
        screenshot,
        username="partner-foundation",
        language="fr",
        reference="MA-BM-ELEC-2026",
        prefix="training-fr",
        pdf_language="fr",
    )
    # Nobody the Foundation may not see is named on its programme page.
    page.goto(f"/fr/training/{french.programme_id}/")
    hidden = french.programme.enrolments.exclude(person__consents__organization__code="ma-fm6")
    for enrolment in hidden:
        assert enrolment.person.public_code not in page.content()
    page.context.clear_cookies()

    sign_in(page, "admin", "karama-demo", language="ar")
    page.goto("/ar/training/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    arabic = _run_to_certificate(
        page, screenshot, username="admin", language="ar", reference="SA-CRAFTS-METAL-02", prefix="training-ar"
    )
    page.goto(f"/ar/people/{arabic.person.public_code}/")
    expect(page.locator("#training")).to_contain_text(arabic.certificates.get().number)
    screenshot(page, "training-ar-person")
    page.goto(f"/ar/agreements/{arabic.programme.agreement_id}/")
    expect(page.locator("#training-programmes")).to_be_visible()
    screenshot(page, "training-ar-agreement")
    page.context.clear_cookies()

    # The public page, signed out: programme, issuer, date, validity; never the name.
    certificate = arabic.certificates.get()
    page.goto(f"/ar/training/verify/{certificate.number}/{certificate.verification_code}/")
    expect(page.locator("#verification")).to_be_visible()
    content = page.content()
    for clue in (arabic.person.given_name, arabic.person.family_name, arabic.person.public_code):
        assert clue not in content
    screenshot(page, "training-ar-verify")
    page.goto("/fr/training/verify/")
    page.fill("input[name=number]", french.certificates.get().number)
    page.fill("input[name=code]", french.certificates.get().verification_code)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#verification.valid")).to_be_visible()
    assert french.person.family_name not in page.content()
    screenshot(page, "training-fr-verify")
