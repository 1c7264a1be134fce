"""Receipts as PDF, in the donor's language, laid out right to left for Arabic and Persian (WeasyPrint)."""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from karama.core.i18n import RTL_LANGUAGES
from karama.giving.models import Account, Donation, Entry

FONTS = Path(settings.BASE_DIR) / "karama" / "static" / "vendor" / "vazirmatn"


def receipt_lines(donation: Donation) -> list[tuple[str, object]]:
    """Where the gift went, from the ledger: (what, amount) for each fund the gift entry credited."""
    entry = Entry.objects.filter(donation=donation, kind=Entry.Kind.DONATION).first()
    if entry is None:
        return []
    lines = []
    for line in entry.lines.select_related("account__case", "account__campaign").filter(credit__gt=0):
        account = line.account
        if account.kind == Account.Kind.CASE:
            what = translation.gettext("Case %(code)s") % {"code": account.case.public_code}
        elif account.kind == Account.Kind.CAMPAIGN:
            what = translation.gettext("Campaign fund: %(name)s") % {"name": account.campaign.name}
        else:
            what = translation.gettext("General fund")
        lines.append((what, line.credit))
    return lines


def receipt_pdf(donation: Donation) -> bytes:
    from weasyprint import HTML

    language = donation.language or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string(
            "giving/receipt.html",
            {
                "donation": donation,
                "lines": receipt_lines(donation),
                "language": language,
                "rtl": language in RTL_LANGUAGES,
                "font_regular": (FONTS / "Vazirmatn-Regular.ttf").as_uri(),
                "font_bold": (FONTS / "Vazirmatn-Bold.ttf").as_uri(),
            },
        )
    return HTML(string=html, base_url=str(FONTS)).write_pdf()
