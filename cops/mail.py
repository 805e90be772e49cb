"""One way to send templated emails: render, write to the outbox, deliver after commit.

Templates live at `<template>_subject.txt`, `<template>_body.txt` and, optionally,
`<template>_body.html` (e.g. `actors/emails/verify_email`). Emails are rendered in French
unless a language is given.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from cops.models import OutgoingEmail

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 8


def _render_text(name: str, context: dict) -> str:
    # Plain text is not HTML: « D'Oc » must arrive as typed, not as « D&#x27;Oc ».
    return get_template(name).template.render(Context(context, autoescape=False))


def render_email(*, template: str, context: dict, language: str | None = None) -> tuple[str, str, str]:
    context = {"SITE_URL": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(_render_text(f"{template}_subject.txt", context).split())
        text = _render_text(f"{template}_body.txt", context).strip() + "\n"
        try:
            html = render_to_string(f"{template}_body.html", context)
        except TemplateDoesNotExist:
            html = ""
    return subject, text, html


def send_templated_email(
    *,
    to: str | list[str],
    template: str,
    context: dict,
    attachments: list[tuple[str, str, str]] | None = None,
    reply_to: str = "",
    language: str | None = None,
) -> OutgoingEmail:
    """Write one email to the outbox and queue its delivery once the transaction commits.

    `attachments` are (filename, text content, mimetype) tuples, e.g. an .ics invitation.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    subject, text, html = render_email(template=template, context=context, language=language)
    email = OutgoingEmail.objects.create(
        template=template,
        to=recipients,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=[list(item) for item in attachments or []],
        reply_to=reply_to,
    )
    from cops.tasks import deliver_email  # cops.tasks imports this module

    # If the broker is down, the outbox keeps the email for the periodic sweep (flush_outbox).
    deliver_email.enqueue(email_id=email.pk)
    return email


def claim_email(email_id: int) -> bool:
    """Atomically mark the email as being sent; False if sent or held by another worker."""
    now = timezone.now()
    return bool(
        OutgoingEmail.objects.filter(pk=email_id, sent_at__isnull=True, next_attempt_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )


def deliver(email_id: int) -> bool:
    """Send one outbox email if it can be claimed. Returns True when it was sent now."""
    if not claim_email(email_id):
        return False
    email = OutgoingEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=[email.reply_to] if email.reply_to else None,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for filename, content, mimetype in email.attachments:
        message.attach(filename, content, mimetype)
    try:
        message.send()
    except Exception as exc:
        backoff = timedelta(minutes=2 ** min(email.attempts, 6))
        OutgoingEmail.objects.filter(pk=email_id).update(
            claimed_at=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + backoff,
        )
        logger.warning("Outbox: email %s failed (attempt %s): %s", email_id, email.attempts, exc)
        return False
    OutgoingEmail.objects.filter(pk=email_id).update(
        sent_at=timezone.now(), body_text="", body_html="", attachments=[], last_error=""
    )
    return True


def pending_email_ids(limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        OutgoingEmail.objects.filter(
            sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
