"""A barometer reminder round survives crashes and doubled runs: one email per invitee and round.

Real Celery workers against Redis, delivering to a local SMTP sink (tests/barometer/smtp_sink.py):
  * the worker is killed with SIGKILL five times during the round and started again each time;
  * two workers run the same round at the same moment.

The workers run the shipped configuration (a group of 8 emails over 8 SMTP connections, marked
"committing" in one commit before their final dots). The sink answers each message 0.12 s after
it has recorded it, so each kill lands while a group is accepted by the server but not yet marked
sent (its rows are "committing"): the case where a resend would be a duplicate. Rows claimed but
not yet sent are there at every kill too (a batch is claimed at once), the case where a skip would
lose one.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from barometer.enums import DeliveryStatus
from barometer.models import Delivery, SendingRound
from barometer.tasks import send_due_rounds, send_round
from tests.barometer.smtp_sink import SMTPSink
from tests.barometer.test_worker_kill import clear_queue, wait_for, worker_ready
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire

ROOT = Path(__file__).resolve().parents[2]
KILLS = 5
CONNECTIONS = 8  # the shipped BAROMETER_SMTP_CONNECTIONS
REMINDER = 1


def start_worker(sink_port: int, log_path: Path, *, name: str, per_minute: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "BAROMETER_EMAILS_PER_MINUTE": str(per_minute),
        "BAROMETER_SMTP_CONNECTIONS": str(CONNECTIONS),
        "SITE_URL": "http://testserver",
    }
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    command = [
        sys.executable, "-m", "celery", "-A", "cops", "worker", "--pool=prefork", "-c", "1",
        "--loglevel=INFO", "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    # Its own process group: SIGKILL reaches the pool child too.
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    try:
        os.killpg(worker.pid, sig)
    except ProcessLookupError:
        return
    worker.wait(20)


def reminder_round(count: int) -> tuple[list[str], SendingRound]:
    """`count` people invited two days ago (round 0 sent), their first reminder due now."""
    questionnaire = make_questionnaire(CampaignFactory())
    emails = [f"relance{n:03d}@exemple.fr" for n in range(count)]
    two_days_ago = timezone.now() - timedelta(days=2)
    Delivery.objects.bulk_create(
        Delivery(
            invitation=make_invitation(questionnaire, email=address),
            round=0,
            status=DeliveryStatus.SENT,
            sent_at=two_days_ago,
        )
        for address in emails
    )
    sending_round = SendingRound.objects.create(
        campaign=questionnaire.campaign, number=REMINDER, scheduled_at=timezone.now() - timedelta(minutes=1)
    )
    return emails, sending_round


def reminders() -> Counter:
    return Counter(
        Delivery.objects.filter(invitation__email__startswith="relance", round=REMINDER).values_list(
            "status", flat=True
        )
    )


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    clear_queue(client)  # no task left from another run
    yield client
    clear_queue(client)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_worker_killed_five_times_during_a_reminder_round_sends_each_invitee_one_reminder(tmp_path, broker):
    emails, _sending_round = reminder_round(200)
    log_path = tmp_path / "worker.log"
    started = time.monotonic()
    states_at_kills = []

    with SMTPSink(delay=0.12) as sink:
        for kill in range(KILLS):
            log_path.write_bytes(b"")
            worker = start_worker(sink.port, log_path, name="relances", per_minute=1200)
            try:
                wait_for(lambda: worker_ready(log_path), 60, f"the worker to start ({kill + 1})")
                send_due_rounds.apply_async()  # the beat's next tick
                target = len(sink.handler.recipients()) + 12
                deadline = time.monotonic() + 60
                while len(sink.handler.recipients()) < target and time.monotonic() < deadline:
                    time.sleep(0.005)
            finally:
                stop(worker, signal.SIGKILL)  # mid-reply: that message is past the commit point
            states_at_kills.append((len(sink.handler.recipients()), reminders()))
            clear_queue(broker)  # what the dead worker held goes with it, as after a real crash

        log_path.write_bytes(b"")
        worker = start_worker(sink.port, log_path, name="relances", per_minute=1200)
        try:
            wait_for(lambda: worker_ready(log_path), 60, "the worker to start after the last kill")
            send_due_rounds.apply_async()
            wait_for(lambda: reminders()[DeliveryStatus.SENT] == len(emails), 90, "the round to finish")
            time.sleep(0.5)  # nothing more may arrive
        finally:
            stop(worker)
        received = Counter(sink.handler.recipients())

    print(
        f"{KILLS} kills, round done in {time.monotonic() - started:.1f} s; (emails received, rows) at each kill:"
    )
    for count, states in states_at_kills:
        print(f"  {count:4d} {dict(states)}")
    received_at_kills = [count for count, _states in states_at_kills]
    assert received_at_kills == sorted(set(received_at_kills))  # every kill fell during the round...
    assert 0 < received_at_kills[-1] < len(emails)  # ...before its end
    groups = [states[DeliveryStatus.COMMITTING] for _count, states in states_at_kills]
    assert all(1 <= in_flight <= CONNECTIONS for in_flight in groups), groups
    assert all(states[DeliveryStatus.CLAIMED] > 0 for _count, states in states_at_kills)
    assert received == Counter({address: 1 for address in emails})
    assert reminders() == Counter({DeliveryStatus.SENT: len(emails)})
    assert Delivery.objects.filter(invitation__email__in=emails, round=0).count() == len(emails)
    assert Delivery.objects.filter(round=REMINDER, error__startswith="Envoi interrompu").count() == sum(
        groups
    )


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_reminder_round_at_once_send_what_one_would(tmp_path, broker):
    emails, sending_round = reminder_round(150)
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]

    with SMTPSink() as sink:
        workers = [
            start_worker(sink.port, log, name=name, per_minute=1200)
            for log, name in zip(logs, "ab", strict=True)
        ]
        try:
            wait_for(lambda: all(worker_ready(log) for log in logs), 60, "both workers to start")
            # Two runs at once (two beat ticks, or a tick and a manual retry): one task each.
            for _ in workers:
                send_round.apply_async(kwargs={"round_id": sending_round.pk})
            wait_for(lambda: reminders()[DeliveryStatus.SENT] == len(emails), 90, "the round to finish")
            wait_for(
                lambda: sum(log.read_text().count("succeeded") for log in logs) == 2, 30, "both runs to end"
            )
            time.sleep(0.5)  # nothing more may arrive
        finally:
            for worker in workers:
                stop(worker)
        received = Counter(sink.handler.recipients())

    texts = [log.read_text() for log in logs]
    assert all("barometer.send_round" in text for text in texts)  # each worker ran one of the two
    busy = [
        text
        for text in texts
        if f"Barometer round {sending_round.pk} is being sent by another worker" in text
    ]
    assert len(busy) == 1  # they overlapped: the second found the round taken
    assert received == Counter({address: 1 for address in emails})
    assert reminders() == Counter({DeliveryStatus.SENT: len(emails)})
