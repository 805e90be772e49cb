import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


@pytest.fixture(autouse=True)
def _standard_committees(request):
    """Migration 0006 creates the committees; a transactional test elsewhere may have flushed them."""
    names = set(request.fixturenames)
    if {"transactional_db", "live_server"} & names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from actors.services.committees import committees_ensure_standard

    committees_ensure_standard()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """Collects what the worker really delivers over SMTP (aiosmtpd on a loopback port)."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture
def worker_queue():
    """A queue of our own, so no other worker sharing this Redis takes our tasks."""
    from cops.celery import app

    queue = f"cops-charter-test-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous
    redis.Redis.from_url(app.conf.broker_url).delete(queue)


class Worker:
    """Start, kill and restart a real Celery worker process on the test database."""

    def __init__(self, queue: str, smtp_port: int, log: Path) -> None:
        self.queue, self.log, self.process = queue, log, None
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cops.settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "SITE_URL": "http://testserver",
        }

    def start(self) -> None:
        command = [
            sys.executable, "-m", "celery", "-A", "cops", "worker", "--pool=prefork", "-c", "2",
            "--loglevel=INFO", "-Q", self.queue, "-n", f"{self.queue}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        with self.log.open("a") as output:
            # Its own process group: a SIGKILL reaches the pool's children too.
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        os.killpg(self.process.pid, 9)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=5)

    def wait_until(self, condition, timeout: float = WAIT_SECONDS):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            if self.process.poll() is not None:
                pytest.fail(
                    f"the worker exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(0.2)
        pytest.fail(f"nothing happened within {timeout} s; worker log:\n{self.log.read_text()[-3000:]}")


@pytest.fixture
def celery_worker(worker_queue, smtp_sink, tmp_path):
    worker = Worker(worker_queue, smtp_sink.port, tmp_path / "worker.log")
    worker.start()
    yield worker
    worker.stop()
