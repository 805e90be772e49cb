"""Periodic tasks of the directory: thin, idempotent (rows or days are claimed first)."""

import logging

from celery import shared_task

from directory.indexing import reindex_all
from directory.services.profiles import accuracy_reminders_send, moderation_digest_send

logger = logging.getLogger(__name__)


@shared_task(name="directory.send_moderation_digest")
def send_moderation_digest() -> bool:
    """The staff's daily email listing the profiles waiting for moderation."""
    sent = moderation_digest_send()
    if sent:
        logger.info("Directory: moderation digest sent")
    return sent


@shared_task(name="directory.send_accuracy_reminders")
def send_accuracy_reminders() -> int:
    """The yearly "still accurate?" emails to the owners of published profiles."""
    sent = accuracy_reminders_send()
    if sent:
        logger.info("Directory: %s accuracy reminder(s) sent", sent)
    return sent


@shared_task(name="directory.rebuild_index")
def rebuild_index() -> dict:
    """Rebuild every directory entry (after a taxonomy label changed in the admin)."""
    counts = reindex_all()
    logger.info("Directory index rebuilt: %s", counts)
    return counts
