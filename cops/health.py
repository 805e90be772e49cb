"""Checks of the services the platform depends on, used by /healthz."""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connection

logger = logging.getLogger(__name__)

SLOW_CHECK_SECONDS = 0.1  # a failed broker check that took longer is remembered (see check_broker)


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
    """Return None when the Celery broker accepts a connection, or a short reason.

    A slow failure (a host that does not answer: the check waited for its timeout) is remembered
    for HEALTHCHECK_CACHE_SECONDS in the process's memory cache: a probe calling every few seconds
    during such an outage gets its answer at once instead of holding a web worker each time. A
    quick failure (connection refused) costs nothing to check again, and a success is not
    remembered: an outage shows at the next call, and so does the broker's return."""
    from cops.celery import app

    cache_key = "healthz:broker:" + hashlib.sha256(str(app.conf.broker_url).encode()).hexdigest()[:16]
    cache = caches["default"]
    remembered = cache.get(cache_key)
    if remembered is not None:
        return remembered
    timeout = settings.HEALTHCHECK_BROKER_TIMEOUT
    started = time.monotonic()
    try:
        with app.connection_for_write(transport_options={"socket_connect_timeout": timeout}) as conn:
            # One try, no retry pause (kombu's default first pause is 2 s): the probe retries.
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            conn.default_channel.client.ping()
    except Exception as exc:
        reason = _reason("broker", exc)
        if time.monotonic() - started >= SLOW_CHECK_SECONDS:
            cache.set(cache_key, reason, settings.HEALTHCHECK_CACHE_SECONDS)
        return reason
    return None


def _reason(service: str, exc: Exception) -> str:
    """The error's kind for the (public) health answer; its message, which can name hosts and
    accounts, goes to the log only."""
    logger.warning("Health check: %s unavailable: %s: %s", service, type(exc).__name__, exc)
    return type(exc).__name__
