"""Personal data kept no longer than needed: the nightly purge (task `cops.purge_expired_data`).

Each app purges its own data in its `privacy.py`: `def purge_expired_data(*, now) -> dict[str,
int]` returns the count deleted per category (imported by `CopsConfig.ready()`, see cops/apps.py).
They run in INSTALLED_APPS order, the platform's own records (cops/privacy.py) last.

Each retention period is a setting (`RETENTION_*_DAYS`, read from the environment) and is shown
on the privacy page. A row goes once it is strictly older than its period.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cops.apps import contributions

logger = logging.getLogger(__name__)


def cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def delete_files_on_commit(files: list[tuple[object, str]]) -> None:
    """Delete these (storage, name) files once the rows that named them are gone for good."""
    for storage, name in files:
        if name:
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def expired_data_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete everything past its retention period; returns and logs the count per category."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for purge in contributions("privacy", "purge_expired_data"):
        counts.update(purge(now=now))
    logger.info("Retention purge: %s", ", ".join(f"{name} {count}" for name, count in counts.items()))
    return counts
