"""Emails about an event besides a registration's own: the staff's message to everyone registered,
and the thank-you once the event is over.

The thank-you. Who was there gets it: the participants checked in, or — when nobody was checked in
(a webinar, a list never used) — the confirmed registrants (`thanks_recipients`). An event with a
satisfaction questionnaire (another app, see actors/events/hooks.py) is thanked by the
questionnaire's first email, with the documents and the personal link; every other event gets the
plain thank-you below, with its documents « après ». Each person at most once: the row is claimed
(`thanks_sent_at`, `send_claimed_once`) in the transaction that writes the email to the outbox.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.charter_enums import EventDocumentMoment, EventKind, MeetingStatus, RegistrationStatus
from actors.events import hooks, ics
from actors.events.services import personal_links, send_claimed_once
from actors.models import Meeting, MeetingParticipant, User
from actors.models.events import EventDocument, EventMessage
from cops.mail import send_templated_email

logger = logging.getLogger(__name__)

EMAILS = "actors/events/emails/"
# The thank-you leaves a little after the end (people are on their way home), and only for events
# that ended recently: an event from last year never gets a thank-you out of the blue.
THANKS_DELAY = timedelta(hours=1)
THANKS_WINDOW = timedelta(days=7)
MESSAGE_SUBJECT_MAX = 200
MESSAGE_BODY_MAX = 5000


# --- Who was there -------------------------------------------------------------------------------------


def thanks_recipients(event: Meeting) -> QuerySet[MeetingParticipant]:
    """The participants checked in; if nobody was, the confirmed registrants."""
    confirmed = event.participants.filter(status=RegistrationStatus.CONFIRMED)
    present = confirmed.filter(checked_in_at__isnull=False)
    return (present if present.exists() else confirmed).order_by("pk")


def after_documents(event: Meeting) -> list[tuple[EventDocument, str]]:
    """The documents « après » everyone may open, with their absolute links (the others are on the
    event's page, for the people registered)."""
    documents = event.documents.filter(moment=EventDocumentMoment.AFTER, is_public=True).order_by("title")
    return [
        (document, settings.SITE_URL + reverse("events:document", args=[event.slug, document.pk]))
        for document in documents
    ]


# --- The plain thank-you ---------------------------------------------------------------------------------


def _ended_events(now: datetime) -> QuerySet[Meeting]:
    return (
        Meeting.objects.exclude(kind=EventKind.COMMITTEE)
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(ends_at__lte=now - THANKS_DELAY, ends_at__gt=now - THANKS_WINDOW)
    )


def event_thanks_send(*, now: datetime | None = None) -> int:
    """The work due after events: first the other apps' (the questionnaire's invitations), then the
    plain thank-you to each person of an event without a questionnaire, once. Returns the number
    of plain thank-yous sent."""
    now = now or timezone.now()
    hooks.after_events(now)
    events = list(
        _ended_events(now).filter(Exists(MeetingParticipant.objects.filter(meeting=OuterRef("pk"))))
    )
    elsewhere = hooks.events_thanked_elsewhere(event.pk for event in events)
    sent = 0
    for event in events:
        if event.pk in elsewhere:
            continue
        documents = after_documents(event)

        def send(participant, event=event, documents=documents):
            participant.meeting = event
            send_templated_email(
                to=participant.email,
                template=EMAILS + "thanks",
                context={
                    "participant": participant,
                    "event": event,
                    "event_url": ics.event_url(event),
                    "documents": documents,
                    "links": personal_links(participant),
                },
            )

        while send_claimed_once(thanks_recipients(event), field="thanks_sent_at", send=send):
            sent += 1
    if sent:
        logger.info("%s event thank-you(s) sent", sent)
    return sent


def thanks_already_sent(event: Meeting) -> bool:
    """A plain thank-you went to someone of this event (a questionnaire would thank them twice)."""
    return event.participants.filter(thanks_sent_at__isnull=False).exists()


# --- The staff's message to everyone registered ----------------------------------------------------------


def message_recipients(event: Meeting, audience: str) -> QuerySet[MeetingParticipant]:
    statuses = [RegistrationStatus.CONFIRMED]
    if audience == EventMessage.Audience.WITH_WAITING:
        statuses.append(RegistrationStatus.WAITING)
    return event.participants.filter(status__in=statuses).order_by("registered_at", "pk")


def event_message_send(
    *, event: Meeting, subject: str, body: str, audience: str, client_key: uuid.UUID, by: User
) -> EventMessage:
    """Send the staff's message to the people registered (and waiting, if asked): one email each,
    through the outbox, and a record of it. Refused with a French message, nothing sent, when the
    subject or the message is empty or too long, the audience unknown, or nobody would receive it.
    The same form sent twice (its `client_key`) sends once: the second call returns the first record."""
    subject, body = subject.strip(), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Indiquez l'objet du message.")
    elif len(subject) > MESSAGE_SUBJECT_MAX:
        errors["subject"] = _("L'objet tient en %(n)s caractères au plus.") % {"n": MESSAGE_SUBJECT_MAX}
    if not body:
        errors["body"] = _("Écrivez le message.")
    elif len(body) > MESSAGE_BODY_MAX:
        errors["body"] = _("Le message tient en %(n)s caractères au plus.") % {"n": MESSAGE_BODY_MAX}
    if audience not in EventMessage.Audience.values:
        errors["audience"] = _("Choisissez les destinataires.")
    if errors:
        raise ValidationError(errors)
    if event.kind == EventKind.COMMITTEE:
        raise ValidationError(_("Une réunion d'instance écrit à ses membres depuis la page de l'instance."))
    existing = EventMessage.objects.filter(client_key=client_key, event=event).first()
    if existing is not None:
        existing.repeated = True
        return existing
    try:
        with transaction.atomic():
            # Locked like every write about the event's registrations: the list read below is the
            # one of this moment, and a concurrent second submission waits, then finds the record.
            event = Meeting.objects.select_for_update().get(pk=event.pk)
            people = list(message_recipients(event, audience))
            if not people:
                raise ValidationError(_("Personne n'est inscrit : le message n'a été envoyé à personne."))
            message = EventMessage.objects.create(
                event=event,
                subject=subject,
                body=body,
                audience=audience,
                recipient_count=0,
                client_key=client_key,
                sent_by=by,
                sent_at=timezone.now(),
            )
            seen: set[str] = set()
            for participant in people:
                if participant.email in seen:
                    continue
                seen.add(participant.email)
                participant.meeting = event
                send_templated_email(
                    to=participant.email,
                    template=EMAILS + "staff_message",
                    context={
                        "participant": participant,
                        "event": event,
                        "event_url": ics.event_url(event),
                        "message": message,
                        "links": personal_links(participant),
                    },
                )
            message.recipient_count = len(seen)
            message.save(update_fields=["recipient_count"])
    except IntegrityError:
        # The same form's key committed by a concurrent request: that one sent the emails.
        existing = EventMessage.objects.get(client_key=client_key)
        existing.repeated = True
        return existing
    message.repeated = False
    return message
