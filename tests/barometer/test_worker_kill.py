"""A real Celery worker, killed with SIGKILL in the middle of a round, then restarted:
every invitee ends up with exactly one email for that round (delivered to a local SMTP sink)."""

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
from tests.barometer.smtp_sink import SMTPSink
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire

ROOT = Path(__file__).resolve().parents[2]
INVITEES = 60


def start_worker(sink_port: int, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "BAROMETER_EMAILS_PER_MINUTE": "3000",
        "BAROMETER_SMTP_CONNECTIONS": "8",  # as shipped: groups of 8, one commit before their dots
        "SITE_URL": "http://testserver",
    }
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cops",
            "worker",
            "--pool=prefork",
            "-c",
            "2",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool children too
    )


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def clear_queue(broker) -> None:
    """Empty the default queue and the unacknowledged tasks (not the whole Redis database)."""
    broker.delete("celery", "unacked", "unacked_index")


def worker_ready(log_path: Path) -> bool:
    return b"ready." in log_path.read_bytes()


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_round_then_restarted_sends_each_invitee_exactly_once(tmp_path):
    from barometer.tasks import send_due_rounds

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    clear_queue(broker)  # no task left from another run
    questionnaire = make_questionnaire(CampaignFactory())
    emails = [f"invite{i:02d}@exemple.fr" for i in range(INVITEES)]
    for address in emails:
        make_invitation(questionnaire, email=address)
    SendingRound.objects.create(
        campaign=questionnaire.campaign, number=0, scheduled_at=timezone.now() - timedelta(minutes=1)
    )
    log_path = tmp_path / "worker.log"
    log_path.write_bytes(b"")

    # A slow server (80 ms to acknowledge each message) so that the kill lands mid-round.
    with SMTPSink(delay=0.08) as sink:
        worker = start_worker(sink.port, log_path)
        try:
            wait_for(lambda: worker_ready(log_path), 30, "the worker to start")
            send_due_rounds.apply_async()
            wait_for(lambda: len(sink.handler.recipients()) >= INVITEES // 3, 60, "a third of the round")
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        received_before_restart = len(sink.handler.recipients())
        states_after_kill = Counter(Delivery.objects.values_list("status", flat=True))

        log_path.write_bytes(b"")
        worker = start_worker(sink.port, log_path)
        try:
            wait_for(lambda: worker_ready(log_path), 30, "the worker to restart")
            send_due_rounds.apply_async()  # the next beat tick
            wait_for(
                lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() == INVITEES,
                90,
                "the round to finish",
            )
            time.sleep(0.5)  # nothing more may arrive
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(20)
        clear_queue(broker)

    print("after kill:", dict(states_after_kill), "received:", received_before_restart)
    assert 0 < received_before_restart < INVITEES, states_after_kill
    assert Counter(sink.handler.recipients()) == Counter({address: 1 for address in emails})
    assert Delivery.objects.filter(round=0).count() == INVITEES
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
