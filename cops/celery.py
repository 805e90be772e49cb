import logging
import os

from celery import Celery, Task
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cops.settings")

logger = logging.getLogger(__name__)


class AfterCommitTask(Task):
    """Every task of the platform: `enqueue()` is the one way a service queues work.

    As pretix's TransactionAwareTask, the message leaves once the transaction commits (never for
    work a rollback undid, never before the worker could read the rows). Unlike a plain
    `apply_async`, a broker that is down neither fails nor holds up the request: the warning is
    logged and the rows wait for the periodic sweep that owns them (outbox, reports, committee
    mail) or for the user's next request.
    """

    def enqueue(self, **kwargs) -> None:
        """Queue this task with keyword ids once the current transaction commits (now outside one)."""
        transaction.on_commit(lambda: self._publish(kwargs))

    def _publish(self, kwargs: dict) -> None:
        try:
            self.apply_async(kwargs=kwargs, retry=False)
        except Exception as exc:
            if self.app.conf.task_always_eager:
                raise  # no broker in eager mode: the task itself failed, and that must show
            arguments = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
            logger.warning(
                "Task %s(%s) not queued, left for the sweep (%s: %s)",
                self.name,
                arguments,
                type(exc).__name__,
                exc,
            )


app = Celery("cops", task_cls=AfterCommitTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
