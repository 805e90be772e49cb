"""Checks of the services the platform depends on, used by /healthz."""

from django.conf import settings
from django.db import connection


def check_database() -> str | None:
    """Return None when the database answers, or a short reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down" for a health check
        return f"{type(exc).__name__}: {exc}".strip()[:200]
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
        return f"{type(exc).__name__}: {exc}".strip()[:200]
    return None
