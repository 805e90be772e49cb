"""The suite never shares a broker queue or a database with an instance running beside it.

A development instance (`make run`) runs the platform's settings without the suite's environment:
its worker listens on Redis database 0, queue `celery`, and uses the `cops` database. While a real
task of the suite goes through the suite's own worker, every command the shared Redis server
receives is watched (MONITOR, which takes nothing from anyone: a running instance loses no task):
the suite's task must be pushed only to the suite's own database and queue, never where a
development worker would receive it.
"""

import json
import re
import threading

import pytest
import redis
from django.conf import settings
from django.db import connection

from cops.mail import send_templated_email
from cops.models import OutgoingEmail
from tests.factories.actors import UserFactory
from tests.workers import run_python

# What `make run` would use in this shell: the platform's settings without the suite's variables.
DEVELOPMENT_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "broker": settings.CELERY_BROKER_URL,
    "queue": settings.CELERY_TASK_DEFAULT_QUEUE,
    "database": settings.DATABASES["default"]["NAME"],
}))
"""
DEVELOPMENT_ENVIRONMENT = {
    "CELERY_BROKER_URL": None,
    "CELERY_TASK_DEFAULT_QUEUE": None,
    "DJANGO_SETTINGS_MODULE": "cops.settings",
}


class BrokerWatch:
    """Every command the Redis server receives, from any client, while the watch lasts."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.commands: list[dict] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        with self.client.monitor() as monitor:
            self.started.set()
            for command in monitor.listen():
                if self.stopping.is_set():
                    return
                self.commands.append(command)

    def __enter__(self) -> "BrokerWatch":
        self.started = threading.Event()
        self.thread.start()
        assert self.started.wait(10), "MONITOR did not start"
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.client.ping()  # wakes the monitor up so that it sees the stop
        self.thread.join(10)

    def pushes_of(self, text: str) -> list[dict]:
        """Messages put on a queue (kombu's LPUSH) whose body contains `text`."""
        return [c for c in self.commands if c["command"].startswith("LPUSH ") and text in c["command"]]


@pytest.mark.celery
def test_the_suites_tasks_never_reach_the_development_broker_database_or_queue(
    transactional_db, celery_worker, smtp_sink
):
    from cops.celery import app

    development = json.loads(
        run_python(["-c", DEVELOPMENT_SETTINGS], DEVELOPMENT_ENVIRONMENT).stdout.strip().splitlines()[-1]
    )
    development_db = int(development["broker"].rsplit("/", 1)[1])
    suite_db = int(app.conf.broker_url.rsplit("/", 1)[1])
    # The suite's settings really differ from what a development instance uses.
    assert (development["broker"], development["queue"]) == ("redis://127.0.0.1:6379/0", "celery")
    assert settings.CELERY_BROKER_URL == app.conf.broker_url != development["broker"]
    assert suite_db != development_db
    assert settings.CELERY_TASK_DEFAULT_QUEUE != "celery"
    assert celery_worker.queue == app.conf.task_default_queue != "celery"
    assert re.fullmatch(rf"test_{development['database']}(_gw\d+)?", connection.settings_dict["NAME"])
    user = UserFactory(email="lea@exemple.fr", first_name="Léa")

    with BrokerWatch(development["broker"]) as watch:
        email = send_templated_email(
            to=user.email,
            template="actors/emails/verify_email",
            context={"user": user, "verification_url": "x", "valid_days": 7},
        )  # queues cops.deliver_email after the commit (here: at once, the test commits for real)
        celery_worker.wait_until(
            lambda: OutgoingEmail.objects.filter(pk=email.pk, sent_at__isnull=False).exists(),
            what="the email marked sent by the suite's worker",
        )

    assert [envelope.rcpt_tos for envelope in smtp_sink.envelopes] == [["lea@exemple.fr"]]
    pushes = watch.pushes_of(f'"email_id": {email.pk}') or watch.pushes_of(f"'email_id': {email.pk}")
    assert len(pushes) == 1, watch.commands[-20:]
    assert pushes[0]["db"] == suite_db
    assert pushes[0]["command"].startswith(f"LPUSH {celery_worker.queue} ")
