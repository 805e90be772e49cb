"""The plain thank-you after an event without a satisfaction questionnaire: to the people checked
in (or, if nobody was, the confirmed registrants), with the public documents « après », once each,
only for events that ended recently; never to an event that has a questionnaire (its first email is
the thank-you)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from actors.charter_enums import EventDocumentMoment, EventKind, MeetingStatus, RegistrationStatus
from actors.events import hooks
from actors.events.messages import event_thanks_send
from actors.models import MeetingParticipant
from actors.models.events import EventDocument
from actors.tasks import send_event_reminders
from cops.models import OutgoingEmail
from tests.actors.test_event_attendance import add_participant, make_event

THANKS = "actors/events/emails/thanks"


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def ended(hours_ago: float, **fields):
    end = timezone.now() - timedelta(hours=hours_ago)
    return make_event(days=0, starts_at=end - timedelta(hours=3), ends_at=end, **fields)


def thanked() -> list[str]:
    return sorted(e.to[0] for e in OutgoingEmail.objects.filter(template=THANKS))


def test_the_people_checked_in_are_thanked_once_with_the_public_documents_after(db, sent):
    event = ended(2, title="Atelier « Se situer »")
    EventDocument.objects.create(
        event=event,
        moment=EventDocumentMoment.AFTER,
        title="Synthèse des échanges",
        file=ContentFile(b"%PDF-1.4", name="synthese.pdf"),
        file_format="pdf",
    )
    EventDocument.objects.create(
        event=event,
        moment=EventDocumentMoment.BEFORE,
        title="Programme",
        file=ContentFile(b"%PDF-1.4", name="programme.pdf"),
        file_format="pdf",
    )
    add_participant(event, "Anne", "anne@exemple.fr", checked_in_at=timezone.now())
    add_participant(event, "Basile", "basile@exemple.fr")  # registered, not there
    add_participant(event, "Chloé", "chloe@exemple.fr", status=RegistrationStatus.WAITING)

    first = sent(event_thanks_send)
    second = sent(event_thanks_send)

    assert (first, second) == (1, 0)
    assert thanked() == ["anne@exemple.fr"]
    [email] = mail.outbox
    assert email.subject == "Merci de votre participation à « Atelier « Se situer » »"
    assert "Bonjour Anne," in email.body
    assert (
        "- Synthèse des échanges : http://" in email.body
        or "- Synthèse des échanges : https://" in email.body
    )
    assert "Programme" not in email.body
    assert f"/agenda/{event.slug}/" in email.body
    assert MeetingParticipant.objects.get(email="anne@exemple.fr").thanks_sent_at is not None
    assert MeetingParticipant.objects.get(email="basile@exemple.fr").thanks_sent_at is None


def test_when_nobody_was_checked_in_the_confirmed_registrants_are_thanked(db, sent):
    event = ended(3, kind=EventKind.WEBINAR)
    add_participant(event, "Anne", "anne@exemple.fr")
    add_participant(event, "Basile", "basile@exemple.fr")
    add_participant(event, "Annulé", "annule@exemple.fr", status=RegistrationStatus.CANCELLED)
    add_participant(event, "À confirmer", "aconfirmer@exemple.fr", status=RegistrationStatus.UNVERIFIED)

    assert sent(event_thanks_send) == 2

    assert thanked() == ["anne@exemple.fr", "basile@exemple.fr"]


def test_only_recently_ended_events_taking_place_are_thanked(db, sent):
    just_ended = ended(0.5)  # under an hour: people are on their way home
    last_month = ended(24 * 30)
    cancelled = ended(2, status=MeetingStatus.CANCELLED)
    coming = make_event(days=3)
    for n, event in enumerate((just_ended, last_month, cancelled, coming)):
        add_participant(event, f"P{n}", f"p{n}@exemple.fr")

    assert sent(event_thanks_send) == 0
    assert sent(event_thanks_send, now=timezone.now() + timedelta(hours=1)) == 1

    assert thanked() == ["p0@exemple.fr"]


def test_an_event_thanked_by_another_app_gets_no_plain_thanks(db, sent):
    event = ended(2)
    other = ended(2)
    add_participant(event, "Anne", "anne@exemple.fr")
    add_participant(other, "Basile", "basile@exemple.fr")
    hooks.register(hooks.EventExtension(name="test", events_thanked_elsewhere=lambda ids: {event.pk}))
    try:
        count = sent(event_thanks_send)
    finally:
        hooks.unregister("test")

    assert count == 1
    assert thanked() == ["basile@exemple.fr"]


def test_the_hourly_task_sends_the_thanks(db, sent):
    event = ended(2)
    add_participant(event, "Anne", "anne@exemple.fr")

    assert sent(send_event_reminders.apply).get() == 1

    assert thanked() == ["anne@exemple.fr"]
