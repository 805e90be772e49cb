import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES_DIR = Path(__file__).parent / "templates"


@pytest.fixture
def test_templates(settings):
    """Make the templates under tests/cops/templates/ loadable (sample PDF, sample email)."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_DIR]}]


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released, so it refuses connections)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_python(
    args: list[str], env: dict[str, str | None], timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run the project's Python in a fresh process (settings are read once per process).

    `env` overrides the current environment; a None value removes the variable.
    """
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cops.settings", **env}
    full_env = {key: value for key, value in full_env.items() if value is not None}
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _use_broker(url: str | None) -> None:
    from cops.celery import app

    app.conf.broker_url = url
    # Drop the cached connection and producer pools so the next publish uses the new URL.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def unreachable_broker(monkeypatch):
    """Point Celery at a loopback port where nothing listens (Celery reads CELERY_BROKER_URL first)."""
    from cops.celery import app

    previous = app.conf.broker_url
    url = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    _use_broker(url)
    yield url
    _use_broker(previous)


class SmtpSink:
    """Collects what a real SMTP client delivers (aiosmtpd on a loopback port)."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=closed_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()
