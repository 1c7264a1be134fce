"""The certificate as a PDF, rendered on request by WeasyPrint from an HTML template.

It is written in the participant's language (their languages, else their nationality's, else the
administration's), issued in the provider's name, and says nothing of prison: neither the administration,
nor the facility, nor the trainers appear on it, and the programme's title on it is checked when the
programme is saved. Arabic and Persian are shaped by HarfBuzz with the vendored Vazirmatn font.
"""

import threading
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html

from karama.core.formatting import Preferences, format_date, localize_digits, reset_preferences, use_preferences
from karama.core.i18n import LANGUAGE_CODES, RTL_LANGUAGES, pick_name
from karama.training.models import Certificate, Enrolment

STATIC_ROOT = Path(settings.BASE_DIR) / "karama" / "static"
FONT_FOLDER = STATIC_ROOT / "vendor" / "vazirmatn"
LANGUAGE_OF_COUNTRY = {
    **dict.fromkeys(["SA", "JO", "MA", "EG", "YE", "SY", "IQ", "LB", "PS", "SD", "DZ", "TN", "LY", "KW"], "ar"),
    **dict.fromkeys(["AE", "BH", "QA", "OM", "MR"], "ar"),
    **dict.fromkeys(["IR", "AF", "TJ"], "fa"),
    **dict.fromkeys(["FR", "BE", "SN", "ML", "CI", "NE", "BF", "GN", "CM", "TD"], "fr"),
}
_font_config = None
# WeasyPrint (Pango, fontconfig and HarfBuzz underneath) is not thread-safe, and the font configuration is shared:
# one rendering at a time in a process. Two downloads at once in a threaded server (the demo's runserver, a
# test's live server) aborted the process; gunicorn's sync workers never wait on this lock.
_render_lock = threading.Lock()


def certificate_language(certificate: Certificate, requested: str = "") -> str:
    """The language asked for, else the participant's: the first language of their record that Karama speaks,
    else their nationality's, else the administration's country's."""
    if requested in LANGUAGE_CODES:
        return requested
    enrolment = certificate.enrolment
    if enrolment.person_id:
        person = enrolment.person
        for code in person.languages or []:
            if code in LANGUAGE_CODES:
                return code
        if person.nationality in LANGUAGE_OF_COUNTRY:
            return LANGUAGE_OF_COUNTRY[person.nationality]
    elif enrolment.staff.language in LANGUAGE_CODES:
        return enrolment.staff.language
    return LANGUAGE_OF_COUNTRY.get(enrolment.programme.administration.country, "en")


def participant_name(enrolment: Enrolment, language: str) -> str:
    """The name as the reader of that language writes it: the own script in Arabic and Persian, the Latin
    transliteration (when recorded) in French and English."""
    if enrolment.staff_id:
        return enrolment.staff.get_full_name() or enrolment.staff.username
    person = enrolment.person
    if language in RTL_LANGUAGES:
        return person.full_name or person.latin_name
    return person.latin_name or person.full_name


def _calendar(language: str, country: str) -> Preferences:
    """Dates as certificates are dated where they are read: Solar Hijri in Persian, Hijri in Saudi Arabia."""
    if language == "fa":
        return Preferences(calendar="jalali", digits="persian")
    if language == "ar" and country == "SA":
        return Preferences(calendar="hijri", digits="latin")
    return Preferences()


def certificate_context(certificate: Certificate, language: str, verify_url: str) -> dict:
    enrolment = certificate.enrolment
    programme = enrolment.programme
    issuer = certificate.issuer
    preferences = _calendar(language, programme.administration.country)
    token = use_preferences(preferences)
    try:
        dates = {
            "issued_on": format_date(certificate.issued_on),
            "starts_on": format_date(programme.starts_on),
            "ends_on": format_date(programme.ends_on),
        }
    finally:
        reset_preferences(token)
    hours = programme.planned_hours
    return {
        "language": language,
        "direction": "rtl" if language in RTL_LANGUAGES else "ltr",
        "issuer": pick_name(issuer.names, issuer.original_language, language),
        "issuer_other": _other_script_name(issuer.names, issuer.original_language, language),
        "holder": participant_name(enrolment, language),
        "title": programme.certificate_title(language),
        "hours": hours,
        "hours_shown": localize_digits(str(hours), preferences.digits) if hours else "",
        "certificate": certificate,
        "number_html": format_html('<span class="ltr">{}</span>', certificate.number),
        "code_html": format_html('<span class="ltr">{}</span>', certificate.verification_code),
        # A left-to-right mark at each end keeps the address's slashes in place inside Arabic and Persian text.
        "url_html": format_html('<span class="ltr">\u200e{}\u200e</span>', verify_url),
        "font_folder": FONT_FOLDER.as_uri(),
        **dates,
    }


def _other_script_name(names: dict, original: str, language: str) -> str:
    """The issuer's name in its original language too, when the certificate is in another one."""
    main = pick_name(names, original, language)
    other = (names.get(original) or "").strip()
    return other if other and other != main else ""


def verify_url(request, certificate: Certificate, language: str) -> str:
    """The public page that checks this certificate, in the certificate's language."""
    with translation.override(language):
        path = reverse("training:verify_direct", args=[certificate.number, certificate.verification_code])
    return request.build_absolute_uri(path)


def render_certificate_pdf(certificate: Certificate, language: str, verify_url: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    global _font_config
    with translation.override(language):
        html = render_to_string("training/certificate_pdf.html", certificate_context(certificate, language, verify_url))
    with _render_lock:
        if _font_config is None:
            # Fonts loaded once per process: a warm render then costs only layout and drawing.
            _font_config = FontConfiguration()
        return HTML(string=html, base_url=str(STATIC_ROOT)).write_pdf(font_config=_font_config)
