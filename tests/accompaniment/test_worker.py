"""A real Celery worker runs the periodic task twice at the same time: each participant receives the
à distance evaluation exactly once, delivered over SMTP to a local sink."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accompaniment.enums import EvaluationKind, Side
from accompaniment.models import Evaluation, EvaluationInvitation
from accompaniment.services import accompaniments as acc_services
from cops.models import OutgoingEmail
from tests.accompaniment.conftest import advance
from tests.factories.accompaniment import StructureFactory, make_accompaniment

ROOT = Path(__file__).resolve().parents[2]
PARTICIPANTS = 12


class Sink:
    def __init__(self):
        self.recipients: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_periodic_task_run_twice_by_a_real_worker_sends_each_evaluation_once(
    transactional_db, tmp_path, staff_user
):
    from aiosmtpd.controller import Controller

    from accompaniment.tasks import send_due_evaluations
    from cops.celery import app

    accompaniment = make_accompaniment(structure=StructureFactory(), professional_lead=staff_user)
    participants = [
        acc_services.participant_add(
            accompaniment=accompaniment,
            first_name=f"Personne{i}",
            last_name="Test",
            email=f"p{i}@structure.fr",
            side=Side.USER if i % 2 else Side.PROFESSIONAL,
        )
        for i in range(PARTICIPANTS)
    ]
    app.conf.task_always_eager = True  # build the accompaniment's past quickly, in this process
    try:
        advance(accompaniment, staff_user, participants, phases=4)
    finally:
        app.conf.task_always_eager = False
    Evaluation.objects.filter(kind=EvaluationKind.IMPACT).update(scheduled_for=timezone.localdate())
    EvaluationInvitation.objects.update(next_reminder_at=None)  # no à chaud reminder in this run
    OutgoingEmail.objects.all().delete()

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(controller.port),
        "SITE_URL": "http://testserver",
    }
    app.control.purge()
    with open(log_path, "ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cops", "worker", "--pool=prefork", "-c", "2",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for(lambda: b"ready." in log_path.read_bytes(), 30, "the worker")

        # Twice, at once: two worker processes race for the same evaluation.
        send_due_evaluations.delay()
        send_due_evaluations.delay()

        wait_for(
            lambda: OutgoingEmail.objects.filter(sent_at__isnull=False).count() >= PARTICIPANTS,
            60,
            "the emails to be delivered",
        )
        time.sleep(2)  # anything sent twice would arrive now
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)
        controller.stop()

    assert Counter(sink.recipients) == Counter({f"p{i}@structure.fr": 1 for i in range(PARTICIPANTS)})
    assert OutgoingEmail.objects.count() == PARTICIPANTS
    assert set(OutgoingEmail.objects.values_list("template", flat=True)) == {
        "accompaniment/emails/evaluation_invitation"
    }
    evaluation = Evaluation.objects.get(kind=EvaluationKind.IMPACT)
    assert evaluation.launched_at is not None
    assert evaluation.invitations.count() == PARTICIPANTS
    assert log_path.read_bytes().count(b"accompaniment.send_due_evaluations") >= 2
