"""Real processes for the tests: a local SMTP sink, real Celery workers, a throw-away Redis.

Registered from tests/conftest.py (`pytest_plugins`), so its fixtures are available to every test:

- `smtp_sink`: an SMTP server on a loopback port recording what it accepts (`SMTPSink`, also a
  context manager for tests that need several sinks, or one that refuses or answers slowly);
- `worker_queue`: a Celery queue of the test's own, the app's default queue while the test runs,
  removed from Redis afterwards;
- `start_worker` (a factory) and `celery_worker` (one started): a real `celery worker` process
  (`Worker`) on the test database, the suite's broker and the test's queue, delivering to the sink;
- `private_redis`: a redis-server of the test's own, which the test may stop and start again;
- `unreachable_broker`: Celery pointed at a loopback port where nothing listens;
- `run_python`: the project's Python in a fresh process.

Nothing is shared with another pytest process (pytest-xdist) or with an instance of the platform
running beside the suite: ports are free ones, queues and node names are random, and a worker runs
on the database of the process that started it (`test_<name>`, `test_<name>_gw<N>`).
"""

from __future__ import annotations

import asyncio
import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from email import policy
from pathlib import Path
from urllib.parse import quote

import pytest
import redis

ROOT = Path(__file__).resolve().parents[1]
# Upper bounds: each wait ends as soon as its condition holds (a few seconds when the machine is idle).
WAIT_SECONDS = 120  # for what a worker does, on a loaded 2-core machine
READY_SECONDS = 60  # for a worker to start
POLL_SECONDS = 0.25  # between two looks at a condition (a test may look more often)
LOG_TAIL = 3000
START_ATTEMPTS = 5  # a free port may be taken by another process between the check and the bind


def free_port() -> int:
    """A loopback port nothing listens on (bound then released): for a server to start on, or for
    a client to be refused on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_tests(name: str | None = None) -> str:
    """The URL of the database this process's tests run on (`test_<name>`, with pytest-xdist's
    `_gw<N>` suffix), or of the database `name` on the same server, for another process."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name or db['NAME']}"


def wait_until(
    condition,
    *,
    timeout: float = WAIT_SECONDS,
    what: str = "the condition",
    workers=(),
    interval=POLL_SECONDS,
):
    """Poll `condition` until it returns something true, and return that. Fails at `timeout`, or as
    soon as one of `workers` has exited, with the end of their logs."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        for worker in workers:
            if worker.process is not None and worker.process.poll() is not None:
                pytest.fail(
                    f"waiting for {what}, the worker {worker.name} exited with {worker.process.returncode}:\n"
                    f"{worker.log_tail()}"
                )
        if time.monotonic() >= deadline:
            logs = "".join(f"\n--- {worker.name} ({worker.log}):\n{worker.log_tail()}" for worker in workers)
            pytest.fail(f"no {what} within {timeout} s{logs}")
        time.sleep(interval)


@contextmanager
def tasks_run_in_process(eager: bool = True):
    """Tasks run in this process as they are queued (`eager`), or go to the broker for a real worker."""
    from cops.celery import app

    previous, app.conf.task_always_eager = app.conf.task_always_eager, eager
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


# --- SMTP ------------------------------------------------------------------------------------------


class SMTPSink:
    """An SMTP server on a loopback port (aiosmtpd) that records every message it accepts.

    - `refuse`: recipients refused at RCPT TO (550);
    - `refuse_data`: messages to any of those refused at their final dot (554, content rejected);
    - `delay`: seconds between recording a message and answering for it (a slow server: a client
      killed meanwhile has sent a message it never heard was accepted).

    What was accepted: `envelopes` (aiosmtpd's, raw: `.mail_from`, `.rcpt_tos`, `.content` bytes),
    `messages` ((recipients, message parsed with email.policy.default)), `recipients()`.
    """

    def __init__(self, *, refuse=(), refuse_data=(), delay: float = 0.0) -> None:
        self.refuse = set(refuse)
        self.refuse_data = set(refuse_data)
        self.delay = delay
        self.envelopes: list = []
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()
        self.port: int | None = None
        self._controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Adresse inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data & set(envelope.rcpt_tos):
            return "554 5.6.0 Contenu refusé"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.envelopes.append(envelope)
            self.messages.append((list(envelope.rcpt_tos), message))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        """Every accepted recipient, in the order the messages arrived."""
        with self.lock:
            return [address for tos, _message in self.messages for address in tos]

    def start(self) -> SMTPSink:
        from aiosmtpd.controller import Controller

        for attempt in range(START_ATTEMPTS):
            controller = Controller(self, hostname="127.0.0.1", port=free_port())
            try:
                controller.start()
            except (OSError, RuntimeError):
                if attempt == START_ATTEMPTS - 1:
                    raise
                continue
            self._controller, self.port = controller, controller.port
            return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SMTPSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture
def smtp_sink():
    """A started SMTP sink accepting everything; `smtp_sink.port` is where to deliver."""
    with SMTPSink() as sink:
        yield sink


# --- Celery queues and workers -----------------------------------------------------------------------


def purge_queue(queue: str, broker_url: str) -> None:
    """Drop the messages waiting in `queue` and those a worker took from it without acknowledging
    them (gone with a killed worker, as after a real crash). Other queues are left alone."""
    client = redis.Redis.from_url(broker_url, socket_timeout=5)
    client.delete(queue, *(key for key in client.scan_iter(f"{queue}\x06\x16*")))
    for tag, raw in client.hgetall("unacked").items():
        try:
            _message, exchange, routing_key = json.loads(raw)
        except (ValueError, TypeError):
            continue
        if queue in (exchange, routing_key):
            client.pipeline().hdel("unacked", tag).zrem("unacked_index", tag).execute()


def forget_queue(queue: str, broker_url: str) -> None:
    """Remove every trace of `queue` from Redis: its messages, its exchange bindings (named after
    it) and their expiry entries."""
    purge_queue(queue, broker_url)
    client = redis.Redis.from_url(broker_url, socket_timeout=5)
    for key in client.scan_iter(f"*{queue}*"):
        client.delete(key)
    for member in client.zrange("_kombu.binding_deadlines", 0, -1):
        if queue.encode() in member:
            client.zrem("_kombu.binding_deadlines", member)


def use_broker(url: str) -> None:
    """Point this process's Celery app at `url`, dropping its pooled connections to the previous one."""
    from cops.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def current_broker_url() -> str:
    from cops.celery import app

    return app.conf.broker_url


@pytest.fixture(scope="session", autouse=True)
def _forget_the_session_queue():
    """The default queue of this pytest process (tests/settings.py) leaves nothing in Redis."""
    yield
    from django.conf import settings

    try:
        forget_queue(settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_BROKER_URL)
    except redis.RedisError:
        pass  # no Redis: nothing was left there either


@pytest.fixture
def worker_queue():
    """A queue of the test's own, where its tasks go, so that no other worker sharing this Redis
    (another test, another pytest process, a `make run`) takes them; removed afterwards."""
    from cops.celery import app

    queue = f"cops-test-{uuid.uuid4().hex[:12]}"
    broker_url, previous = app.conf.broker_url, app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous
    forget_queue(queue, broker_url)


class Worker:
    """A real `celery -A cops worker` process, in its own process group.

    Its environment is this process's, with the platform's settings (not the suite's), the test
    database, the broker and queue it is given, and, when `smtp_port` is given, the SMTP backend
    pointed at that loopback port. `env` adds or overrides variables (None removes one). With no
    `queue` the worker listens on the settings' default queue.

    Started again after a kill or a stop, it appends to the same log: `ready` and `output()` read
    what the current run wrote.
    """

    def __init__(
        self,
        *,
        log: Path,
        queue: str | None,
        broker_url: str | None = None,
        smtp_port: int | None = None,
        pool: str = "solo",
        concurrency: int | None = None,
        name: str | None = None,
        env: dict[str, str | None] | None = None,
        wait_seconds: float = WAIT_SECONDS,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        from django.conf import settings

        self.log, self.queue, self.pool, self.concurrency = Path(log), queue, pool, concurrency
        self.name = f"{name or queue or 'worker'}-{uuid.uuid4().hex[:6]}"
        self.wait_seconds, self.poll_seconds = wait_seconds, poll_seconds
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cops.settings",
            "DATABASE_URL": database_url_for_tests(),
            "CELERY_BROKER_URL": broker_url or current_broker_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "SITE_URL": settings.SITE_URL,
        }
        if queue is not None:
            environment["CELERY_TASK_DEFAULT_QUEUE"] = queue
        if smtp_port is not None:
            environment.update(
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(smtp_port),
            )
        environment.update(env or {})
        self.env = {key: value for key, value in environment.items() if value is not None}
        self.process: subprocess.Popen | None = None
        self._offset = 0

    @property
    def broker_url(self) -> str | None:
        return self.env.get("CELERY_BROKER_URL")

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "celery", "-A", "cops", "worker", f"--pool={self.pool}"]
        if self.concurrency is not None and self.pool != "solo":
            command += ["-c", str(self.concurrency)]
        command += ["--loglevel=INFO", "-n", f"{self.name}@%h"]
        if self.queue is not None:
            command += ["-Q", self.queue]
        return [*command, "--without-gossip", "--without-mingle", "--without-heartbeat"]

    def start(self, *, ready_timeout: float | None = READY_SECONDS) -> Worker:
        """Start the process; unless `ready_timeout` is None, wait until it consumes its queue."""
        assert not self.running, f"the worker {self.name} is already running"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as output:
            self._offset = output.tell()
            # Its own process group: a SIGKILL reaches the pool's children too.
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if ready_timeout is not None:
            self.wait_ready(ready_timeout)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def ready(self) -> bool:
        """The current run has connected to the broker and consumes its queue."""
        return " ready." in self.output()

    def wait_ready(self, timeout: float = READY_SECONDS) -> None:
        self.wait_until(lambda: self.ready, timeout=timeout, what="the worker to start")

    def kill(self) -> None:
        """SIGKILL to the whole process group: the worker and its pool die at once, mid-task."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> None:
        """A warm shutdown (SIGTERM: the tasks under way finish), then SIGKILL if it lingers."""
        if not self.running:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def restart(self, *, ready_timeout: float | None = READY_SECONDS) -> Worker:
        self.stop()
        return self.start(ready_timeout=ready_timeout)

    def purge(self) -> None:
        """Drop what waits in its queue and what it held unacknowledged (see `purge_queue`)."""
        purge_queue(self.queue, self.broker_url)

    def output(self) -> str:
        """What the current run has written to the log."""
        if not self.log.exists():
            return ""
        with self.log.open("rb") as log:
            log.seek(self._offset)
            return log.read().decode(errors="replace")

    def log_tail(self, chars: int = LOG_TAIL) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def wait_until(self, condition, timeout: float | None = None, what: str = "the condition"):
        """Poll `condition` until it returns something true, failing with the end of the worker's
        log if it exits or `timeout` (the worker's `wait_seconds` by default) passes."""
        return wait_until(
            condition,
            timeout=timeout or self.wait_seconds,
            what=what,
            workers=[self],
            interval=self.poll_seconds,
        )


@pytest.fixture
def start_worker(request, tmp_path, worker_queue, django_db_setup):
    """Start a real worker: `start_worker(pool=..., concurrency=..., env={...}, name=...)`.

    Defaults: the test's queue, the broker the app publishes to (a `private_redis` when the test has
    one), the `smtp_sink` fixture (unless `smtp_port` is given), a solo pool; waits until it is
    ready (`ready_timeout`, None not to wait). Every worker started is stopped after the test.
    """
    workers: list[Worker] = []

    def start(*, ready_timeout: float | None = READY_SECONDS, **options) -> Worker:
        options.setdefault("queue", worker_queue)
        if "smtp_port" not in options:
            options["smtp_port"] = request.getfixturevalue("smtp_sink").port
        name = options.get("name")
        worker = Worker(log=tmp_path / f"worker-{name or len(workers)}.log", **options)
        workers.append(worker)
        return worker.start(ready_timeout=ready_timeout)

    yield start
    for worker in workers:
        worker.stop(timeout=15)


@pytest.fixture
def worker_options() -> dict:
    """The options of `celery_worker` (see `start_worker`); a test module overrides this fixture
    for another pool, more processes or more environment."""
    return {}


@pytest.fixture
def celery_worker(start_worker, worker_options, smtp_sink) -> Worker:
    """A real worker, started and ready, delivering to `smtp_sink`."""
    return start_worker(smtp_port=smtp_sink.port, **worker_options)


# --- Broker outages ------------------------------------------------------------------------------------

REDIS_START_TIMEOUT = 10


class PrivateRedis:
    """A throw-away redis-server (no persistence) on a free loopback port, that a test can stop and
    start again (on the same port). The machine's shared Redis is never stopped."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log = Path(log_dir) / "redis.log"
        self.process: subprocess.Popen | None = None
        self.queue: str | None = None
        self._started_once = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.process is None, "already running"
        for attempt in range(START_ATTEMPTS):
            if self._launch():
                self._started_once = True
                return
            if self._started_once or attempt == START_ATTEMPTS - 1:
                break
            self.port = free_port()  # taken meanwhile by another process: another one
        pytest.fail(f"private redis-server did not start:\n{self.log.read_text()[-2000:]}")

    def _launch(self) -> bool:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no",
        ]  # fmt: skip
        with self.log.open("a") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + REDIS_START_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return True
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)


@pytest.fixture
def private_redis(tmp_path, monkeypatch, worker_queue):
    """A private Redis the app publishes to (and a process the test starts inherits), with the
    test's queue (`private_redis.queue`); stopped after the test."""
    from cops.celery import app

    server = PrivateRedis(tmp_path)
    server.start()
    server.queue = worker_queue
    previous = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    use_broker(server.url)
    yield server
    use_broker(previous)
    server.stop()


@pytest.fixture
def unreachable_broker(monkeypatch):
    """Point Celery at a loopback port where nothing listens (Celery reads CELERY_BROKER_URL first)."""
    from cops.celery import app

    previous = app.conf.broker_url
    url = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    use_broker(url)
    yield url
    use_broker(previous)


# --- Other processes ------------------------------------------------------------------------------------


def run_python(
    args: list[str], env: dict[str, str | None], timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run the project's Python in a fresh process (settings are read once per process), with the
    platform's settings. `env` overrides the current environment; a None value removes the variable."""
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cops.settings", **env}
    full_env = {key: value for key, value in full_env.items() if value is not None}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout
    )
