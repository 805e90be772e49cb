"""A private Redis, a private Celery queue and a real worker, for the outage and queueing tests.

The machine's shared Redis (127.0.0.1:6379) is never stopped: outages are played on a
redis-server of our own, on a free loopback port, started and stopped by the test.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.cops.conftest import SmtpSink, closed_port
from tests.cops.test_worker import database_url_for_tests
from tests.migration_data import restore_migration_data  # noqa: F401 (re-exported for the trust tests)

REDIS_START_TIMEOUT = 10


class PrivateRedis:
    """A throw-away redis-server (no persistence) that a test can stop and start again."""

    def __init__(self, log_dir: Path) -> None:
        self.port = closed_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log_dir / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        assert self.process is None, "already running"
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no",
        ]  # fmt: skip
        with self.log.open("a") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + REDIS_START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail(f"private redis-server did not start:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)


def use_broker(url: str) -> None:
    """Point this process's Celery app at `url` (dropping pooled connections to the old one)."""
    from cops.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(tmp_path, monkeypatch):
    from cops.celery import app

    server = PrivateRedis(tmp_path)
    server.start()
    previous_url, previous_queue = app.conf.broker_url, app.conf.task_default_queue
    server.queue = f"cops-trust-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    use_broker(server.url)
    app.conf.task_default_queue = server.queue
    yield server
    app.conf.task_default_queue = previous_queue
    use_broker(previous_url)
    server.stop()


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=closed_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture
def start_worker(tmp_path, smtp_sink):
    """Start a real Celery worker on the private Redis and queue, delivering to the SMTP sink."""
    workers = []

    def start(server: PrivateRedis) -> subprocess.Popen:
        log = tmp_path / f"worker-{len(workers)}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cops.settings",
            "DATABASE_URL": database_url_for_tests(),
            "CELERY_BROKER_URL": server.url,
            "CELERY_TASK_DEFAULT_QUEUE": server.queue,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_sink.port),
            "SITE_URL": "https://cops.test",
        }
        command = [
            sys.executable, "-m", "celery", "-A", "cops", "worker", "--pool=solo", "--loglevel=INFO",
            "-Q", server.queue, "-n", f"{server.queue}@%h", "--without-gossip", "--without-mingle",
            "--without-heartbeat",
        ]  # fmt: skip
        with log.open("w") as output:
            worker = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        worker.log = log
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
