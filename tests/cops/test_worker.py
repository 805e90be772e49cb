"""A real Celery worker, against Redis and the test database, builds a report and sends its email."""

import email
import os
import re
import subprocess
import sys
import time
import uuid
from email.header import decode_header, make_header
from pathlib import Path
from urllib.parse import quote

import pypdf
import pytest
import redis
from django.conf import settings

from actors.enums import Role
from cops.enums import ReportStatus
from cops.models import OutgoingEmail, ReportJob
from cops.reports import report_request
from tests.factories.actors import UserFactory

WAIT_SECONDS = 120  # an upper bound on a loaded 2-core machine; it takes ~5 s when idle


def database_url_for_tests() -> str:
    """The URL of the database this test runs on (test_<name>), for the worker process."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"]) + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(condition, *, worker: subprocess.Popen, log: Path, timeout: float = WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.25)
    pytest.fail(f"nothing happened within {timeout} s; worker log:\n{log.read_text()[-3000:]}")


@pytest.fixture
def worker_queue():
    """A queue of our own, so a worker of `make run` sharing this Redis never takes our tasks."""
    from cops.celery import app

    queue = f"cops-test-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous
    client = redis.Redis.from_url(app.conf.broker_url)
    # The queue, its exchange bindings (named after it) and their expiry entries.
    for key in client.scan_iter(f"*{queue}*"):
        client.delete(key)
    for member in client.zrange("_kombu.binding_deadlines", 0, -1):
        if queue.encode() in member:
            client.zrem("_kombu.binding_deadlines", member)


@pytest.fixture
def celery_worker(worker_queue, smtp_sink, tmp_path, settings):
    from cops.celery import app

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cops.settings",
        "DATABASE_URL": database_url_for_tests(),
        "CELERY_BROKER_URL": app.conf.broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": worker_queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "SITE_URL": "https://cops.test",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "cops", "worker", "--pool=solo", "--loglevel=INFO",
        "-Q", worker_queue, "-n", f"{worker_queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with log.open("w") as output:
        worker = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker.log = log
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=5)


@pytest.mark.celery
def test_real_worker_builds_the_activity_report_and_emails_its_link(
    transactional_db, celery_worker, smtp_sink
):
    staff = UserFactory(
        email="equipe@exemple.fr", first_name="Camille", last_name="Durand", roles=[Role.STAFF, Role.PARTNER]
    )
    UserFactory.create_batch(2)  # with the staff member: 3 verified partners

    job = report_request(kind="platform.activity", params={}, by=staff)

    finished = wait_until(
        lambda: ReportJob.objects.filter(
            pk=job.pk, status__in=[ReportStatus.DONE, ReportStatus.FAILED]
        ).first(),
        worker=celery_worker,
        log=celery_worker.log,
    )
    assert finished.status == ReportStatus.DONE, finished.error
    assert finished.attempts == 1
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(finished.file.path).pages)
    assert "Rapport d'activité de la plateforme" in text
    assert "Partenaires inscrits sur la plateforme 3" in text
    assert "à la demande de Camille Durand" in text
    assert re.search(r"Page 1 / [12]\b", text)

    envelopes = wait_until(lambda: smtp_sink.envelopes, worker=celery_worker, log=celery_worker.log)
    assert len(envelopes) == 1
    assert envelopes[0].rcpt_tos == ["equipe@exemple.fr"]
    message = email.message_from_bytes(envelopes[0].content)
    assert str(make_header(decode_header(message["Subject"]))) == (
        "Votre rapport « Rapport d'activité de la plateforme » est prêt"
    )
    plain = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    assert f"https://cops.test/rapports/{job.pk}/telecharger/" in plain.get_payload(decode=True).decode()
    sent = OutgoingEmail.objects.get(template="reports/emails/report_ready")
    assert sent.sent_at is not None
    assert sent.body_text == ""  # cleared once delivered
