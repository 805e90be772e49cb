"""The directory's periodic tasks through a real Celery worker and Redis, delivered over SMTP:
each task queued twice (as a redelivery would) still sends each email once."""

import email
import time
import uuid
from collections import Counter
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
import redis
from django.utils import timezone

from actors.enums import ModerationStatus
from actors.models import Person
from directory.tasks import send_accuracy_reminders, send_moderation_digest
from tests.charter.conftest import SmtpSink, Worker, free_port
from tests.factories.directory import make_person


@pytest.fixture
def sink():
    from aiosmtpd.controller import Controller

    collected = SmtpSink()
    controller = Controller(collected, hostname="127.0.0.1", port=free_port())
    controller.start()
    collected.port = controller.port
    yield collected
    controller.stop()


@pytest.fixture
def worker(sink, tmp_path):
    from cops.celery import app

    queue = f"cops-directory-test-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    process = Worker(queue, sink.port, tmp_path / "worker.log")
    process.start()
    yield process
    process.stop()
    app.conf.task_default_queue = previous
    redis.Redis.from_url(app.conf.broker_url).delete(queue)


def subjects(sink) -> Counter:
    return Counter(
        str(make_header(decode_header(email.message_from_bytes(envelope.content)["Subject"])))
        for envelope in sink.envelopes
    )


@pytest.mark.celery
def test_digest_queued_twice_is_sent_once(transactional_db, worker, sink, settings):
    make_person(first_name="Rose", last_name="Attente", status=ModerationStatus.PENDING)

    send_moderation_digest.delay()
    send_moderation_digest.delay()

    worker.wait_until(lambda: subjects(sink)["Annuaire : 1 fiche attend votre modération"] >= 1)
    time.sleep(3)  # a duplicate, if any, would arrive now
    assert subjects(sink)["Annuaire : 1 fiche attend votre modération"] == 1


@pytest.mark.celery
def test_accuracy_reminders_queued_twice_reach_each_owner_once(transactional_db, worker, sink):
    people = [make_person(first_name=f"Ancien{n}", last_name="Profil") for n in range(5)]
    Person.objects.filter(pk__in=[p.pk for p in people]).update(
        accuracy_confirmed_at=timezone.now() - timedelta(days=400)
    )

    send_accuracy_reminders.delay()
    send_accuracy_reminders.delay()

    def reminders():
        return [
            envelope
            for envelope in sink.envelopes
            if "toujours exacte"
            in str(make_header(decode_header(email.message_from_bytes(envelope.content)["Subject"])))
        ]

    # (The approvals' "published" emails go through the worker too: only reminders are counted.)
    worker.wait_until(lambda: len(reminders()) >= 5)
    time.sleep(3)
    recipients = Counter(rcpt for envelope in reminders() for rcpt in envelope.rcpt_tos)
    assert recipients == Counter({person.user.email: 1 for person in people})
    assert (
        Person.objects.filter(accuracy_reminder_sent_at__isnull=True, pk__in=[p.pk for p in people]).count()
        == 0
    )
