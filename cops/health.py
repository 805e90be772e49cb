"""Checks of the services the platform depends on, used by /healthz."""

import logging

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def check_database() -> str | None:
    """Return None when the database answers, or a short reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down" for a health check
        return _reason("database", exc)
    return None


def check_broker() -> str | None:
    """Return None when the Celery broker accepts a connection, or a short reason."""
    from cops.celery import app

    try:
        with app.connection_for_write() as conn:
            # Opening the Redis transport's default channel pings the server.
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTHCHECK_BROKER_TIMEOUT)
            conn.default_channel.client.ping()
    except Exception as exc:
        return _reason("broker", exc)
    return None


def _reason(service: str, exc: Exception) -> str:
    """The error's kind for the (public) health answer; its message, which can name hosts and
    accounts, goes to the log only."""
    logger.warning("Health check: %s unavailable: %s: %s", service, type(exc).__name__, exc)
    return type(exc).__name__
