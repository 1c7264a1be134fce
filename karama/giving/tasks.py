"""Background work of giving: e-mailing a receipt, and telling donors that the person they helped is free.

Both run after the transaction that caused them has committed. Each donor gets a message of their own,
in their language: donors never learn of one another, and nobody learns who was released.
"""

import logging

from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from karama.core.crypto import decrypt
from karama.giving.models import Case, Donation

logger = logging.getLogger("karama.giving")


@task()
def send_receipt(donation_id: int) -> None:
    from karama.giving.receipts import receipt_pdf

    donation = Donation.objects.select_related("case", "campaign", "administration").get(pk=donation_id)
    email = decrypt(donation.donor_email_encrypted)
    if not email or donation.status != Donation.Status.PAID:
        return
    with translation.override(donation.language):
        message = EmailMessage(
            subject=_("Your gift %(code)s: thank you") % {"code": donation.code},
            body=render_to_string("giving/email/receipt.txt", {"donation": donation}),
            to=[email],
        )
        message.attach(f"receipt-{donation.code}.pdf", receipt_pdf(donation), "application/pdf")
    message.send()


@task()
def notify_release(case_id: int) -> None:
    case = Case.objects.get(pk=case_id)
    donations = (
        Donation.objects.filter(Q(case=case) | Q(entries__lines__account__case=case), status=Donation.Status.PAID)
        .exclude(donor_email_encrypted="")
        .distinct()
        .order_by("paid_at", "pk")
    )
    messages, seen = [], set()
    for donation in donations:
        email = decrypt(donation.donor_email_encrypted)
        if email.lower() in seen:
            continue
        seen.add(email.lower())
        with translation.override(donation.language):
            subject = _("Good news: the person you helped is free")
            body = render_to_string("giving/email/released.txt", {"donation": donation, "case": case})
        messages.append(EmailMessage(subject=subject, body=body, to=[email]))
    if messages:
        get_connection().send_messages(messages)
    logger.info("Told %s donors that case %s ended in a release", len(messages), case.public_code)
