"""The directory's periodic tasks through a real Celery worker and Redis, delivered over SMTP:
each task queued twice (as a redelivery would) still sends each email once."""

import email
import time
from collections import Counter
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from django.utils import timezone

from actors.enums import ModerationStatus
from actors.models import Person
from directory.tasks import send_accuracy_reminders, send_moderation_digest
from tests.factories.directory import make_person

WAIT_SECONDS = 60  # an upper bound for what the worker does (tests/workers.py)


@pytest.fixture
def worker_options() -> dict:
    """The `celery_worker`: two pool processes, so that a task queued twice runs twice at once."""
    return {"pool": "prefork", "concurrency": 2, "wait_seconds": WAIT_SECONDS, "poll_seconds": 0.2}


def subjects(sink) -> Counter:
    return Counter(
        str(make_header(decode_header(email.message_from_bytes(envelope.content)["Subject"])))
        for envelope in sink.envelopes
    )


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_digest_queued_twice_is_sent_once(transactional_db, celery_worker, smtp_sink, settings):
    make_person(first_name="Rose", last_name="Attente", status=ModerationStatus.PENDING)

    send_moderation_digest.delay()
    send_moderation_digest.delay()

    celery_worker.wait_until(lambda: subjects(smtp_sink)["Annuaire : 1 fiche attend votre modération"] >= 1)
    time.sleep(3)  # a duplicate, if any, would arrive now
    assert subjects(smtp_sink)["Annuaire : 1 fiche attend votre modération"] == 1


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_accuracy_reminders_queued_twice_reach_each_owner_once(transactional_db, celery_worker, smtp_sink):
    people = [make_person(first_name=f"Ancien{n}", last_name="Profil") for n in range(5)]
    Person.objects.filter(pk__in=[p.pk for p in people]).update(
        accuracy_confirmed_at=timezone.now() - timedelta(days=400)
    )

    send_accuracy_reminders.delay()
    send_accuracy_reminders.delay()

    def reminders():
        return [
            envelope
            for envelope in smtp_sink.envelopes
            if "toujours exacte"
            in str(make_header(decode_header(email.message_from_bytes(envelope.content)["Subject"])))
        ]

    # (The approvals' "published" emails go through the worker too: only reminders are counted.)
    celery_worker.wait_until(lambda: len(reminders()) >= 5)
    time.sleep(3)
    recipients = Counter(rcpt for envelope in reminders() for rcpt in envelope.rcpt_tos)
    assert recipients == Counter({person.user.email: 1 for person in people})
    assert (
        Person.objects.filter(accuracy_reminder_sent_at__isnull=True, pk__in=[p.pk for p in people]).count()
        == 0
    )
