"""`Task.enqueue` (cops/celery.py): the one way to queue a task, after commit, never failing a request."""

import logging
import socket
import time

import pytest
from django.db import transaction

from cops import mail
from cops.celery import AfterCommitTask, app
from cops.tasks import deliver_email
from tests.workers import use_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """What reaches the broker: each publish's keyword arguments and options."""
    calls = []
    monkeypatch.setattr(
        deliver_email, "apply_async", lambda kwargs, **options: calls.append({"kwargs": kwargs, **options})
    )
    return calls


@pytest.fixture
def silent_broker(monkeypatch):
    """A broker that accepts the connection and never answers (a half-dead host, a firewall)."""
    previous = app.conf.broker_url
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        port = server.getsockname()[1]
        url = f"redis://127.0.0.1:{port}/0"
        monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads it before its settings
        use_broker(url)
        yield port
        use_broker(previous)


def warnings_of(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "cops.celery"]


def test_every_task_of_the_platform_can_be_enqueued():
    app.loader.import_default_modules()  # every app's tasks.py, as a worker loads them
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}

    assert {"cops.deliver_email", "actors.send_meeting_invitations", "barometer.publish_report"} <= set(ours)
    assert [name for name, task in ours.items() if not isinstance(task, AfterCommitTask)] == []


def test_enqueue_sends_nothing_before_commit_then_once_after(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver_email.enqueue(email_id=7)

        assert sent == []

    assert sent == [{"kwargs": {"email_id": 7}, "retry": False}]


def test_enqueue_in_a_rolled_back_transaction_sends_nothing(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            deliver_email.enqueue(email_id=7)
            raise RuntimeError("a later step of the same transaction fails")

    assert callbacks == []
    assert sent == []


@pytest.mark.django_db(transaction=True)
def test_enqueue_waits_for_a_real_commit_and_sends_at_once_outside_a_transaction(sent):
    with transaction.atomic():
        deliver_email.enqueue(email_id=7)
        before_commit = list(sent)
    deliver_email.enqueue(email_id=8)  # autocommit: nothing to wait for

    assert before_commit == []
    assert sent == [
        {"kwargs": {"email_id": 7}, "retry": False},
        {"kwargs": {"email_id": 8}, "retry": False},
    ]


def test_enqueue_runs_the_task_after_commit_in_eager_mode(test_templates, django_capture_on_commit_callbacks):
    from django.core import mail as outbox

    with django_capture_on_commit_callbacks(execute=True):
        email = mail.send_templated_email(to="a@exemple.fr", template="tests_cops/emails/plain", context={})

        assert outbox.outbox == []

    email.refresh_from_db()
    assert [message.to for message in outbox.outbox] == [["a@exemple.fr"]]
    assert email.sent_at is not None


def test_a_failing_task_in_eager_mode_is_not_taken_for_a_broker_outage(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(email_id):
        raise RuntimeError("the task itself is broken")

    monkeypatch.setattr(mail, "deliver", broken)

    with pytest.raises(RuntimeError, match="the task itself is broken"):
        with django_capture_on_commit_callbacks(execute=True):
            deliver_email.enqueue(email_id=7)

    assert warnings_of(caplog) == []


def test_enqueue_with_the_broker_down_returns_at_once_logs_one_warning_and_raises_nothing(
    unreachable_broker, caplog, django_capture_on_commit_callbacks
):
    app.conf.task_always_eager = False  # restored by the suite's autouse fixture
    port = unreachable_broker.rsplit(":", 1)[1].split("/")[0]
    caplog.set_level(logging.WARNING, logger="cops.celery")
    started = time.monotonic()

    with django_capture_on_commit_callbacks(execute=True):
        deliver_email.enqueue(email_id=7)

    assert time.monotonic() - started < 1.5
    assert warnings_of(caplog) == [
        "Task cops.deliver_email(email_id=7) not queued, left for the sweep "
        f"(OperationalError: Error 111 connecting to 127.0.0.1:{port}. Connection refused.)"
    ]


def test_enqueue_with_a_broker_that_never_answers_gives_up_within_the_socket_timeout(
    silent_broker, caplog, django_capture_on_commit_callbacks
):
    app.conf.task_always_eager = False  # restored by the suite's autouse fixture
    caplog.set_level(logging.WARNING, logger="cops.celery")
    started = time.monotonic()

    with django_capture_on_commit_callbacks(execute=True):
        deliver_email.enqueue(email_id=7)

    assert time.monotonic() - started < 1.5
    assert warnings_of(caplog) == [
        "Task cops.deliver_email(email_id=7) not queued, left for the sweep "
        f"(OperationalError: Timeout reading from 127.0.0.1:{silent_broker})"
    ]
