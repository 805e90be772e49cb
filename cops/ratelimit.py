"""Rate limits for any view: a fixed-window counter per client in the "shared" cache.

    @rate_limit(key="ip", rate="10/h", methods=("POST",))
    def signup(request): ...

    @rate_limit(group="directory.search", rate="120/m", key="user", methods=("GET", "POST"), when=is_search)
    def directory_list(request): ...

A named `group` is one budget, shared by every view (and `hit_request` call) naming it; the
RATE_LIMITS setting may change its rate, by group name: `RATE_LIMITS = {"directory.search": (2, 60)}`
(requests, seconds) or `{"directory.search": "2/m"}`.

The counters live in PostgreSQL (an unlogged table, cops.models.RateCounter), so every web
process (and every gunicorn worker) sees the same count, and they survive a Redis outage. A
count is one insert-or-increment statement: atomic, and cheap enough for every search request.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.db import connections, router
from django.http import Http404, HttpRequest
from django.shortcuts import render

from cops.models import RateCounter
from cops.security import client_ip

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """« 10/m », « 100/h », « 5/15m » (5 per 15 minutes), « 1000/d »."""
        try:
            count, per = text.split("/")
            multiplier, unit = (per[:-1] or "1"), per[-1]
            rate = cls(limit=int(count), period=int(multiplier) * UNITS[unit])
        except (ValueError, KeyError) as exc:
            raise ValueError(f"Invalid rate {text!r}: expected e.g. '10/m', '100/h' or '5/15m'") from exc
        if rate.limit < 1 or rate.period < 1:
            raise ValueError(f"Invalid rate {text!r}: count and period must be positive")
        return rate


def client_key(request, key: str) -> str:
    """Whom to count: the address ("ip"), or the signed-in person ("user", the address when anonymous)."""
    if key == "user" and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if key in {"ip", "user"}:
        return f"ip:{client_ip(request) or 'unknown'}"
    raise ValueError(f"Unknown rate limit key {key!r}: use 'ip' or 'user'")


HIT_SQL = """
INSERT INTO cops_ratecounter (key, count, expires_at) VALUES (%s, GREATEST(0, %s), %s)
ON CONFLICT (key) DO UPDATE SET count = GREATEST(0, cops_ratecounter.count + %s)
RETURNING count
"""
PURGE_SQL = "DELETE FROM cops_ratecounter WHERE expires_at < %s"
PURGE_EVERY = 1000  # hits between two deletions of finished windows (per process)
_hits_since_purge = 0


def hit(*, group: str, who: str, rate: Rate, now: float | None = None, amount: int = 1) -> tuple[bool, int]:
    """Count one request of `who` in `group` (`amount=-1` gives one back, in the same window).
    Returns (over the limit?, seconds until the window ends).

    One statement: the insert-or-increment takes the row's lock, so two simultaneous requests
    can never both pass as the limit's last one."""
    global _hits_since_purge
    now = time.time() if now is None else now
    window = int(now // rate.period)
    retry_after = max(1, math.ceil((window + 1) * rate.period - now))
    key = f"rl:{group}:{who}:{rate.period}:{window}"[:255]
    expires_at = datetime.fromtimestamp((window + 1) * rate.period + 5, tz=UTC)
    alias = router.db_for_write(RateCounter) or "default"
    with connections[alias].cursor() as cursor:
        cursor.execute(HIT_SQL, [key, amount, expires_at, amount])
        count = cursor.fetchone()[0]
        _hits_since_purge += 1
        if _hits_since_purge >= PURGE_EVERY:
            _hits_since_purge = 0
            cursor.execute(PURGE_SQL, [datetime.fromtimestamp(now, tz=UTC)])
    return count > rate.limit, retry_after


def current_rate(group: str, default: Rate) -> Rate:
    """The group's rate: settings.RATE_LIMITS[group] when set (a (requests, seconds) pair or a text
    such as "2/m"), else `default`. Read on each request, so tests and settings may change it."""
    override = getattr(settings, "RATE_LIMITS", {}).get(group)
    if override is None:
        return default
    if isinstance(override, str):
        return Rate.parse(override)
    limit, period = override
    return Rate(limit=limit, period=period)


def hit_request(request, *, group: str, rate: str | Rate, key: str = "ip") -> tuple[bool, int]:
    """Count one request of this client (`key`: "ip" or "user", see client_key) in `group`, for
    code that limits without the decorator (an API throttle). Returns (over the limit?, seconds
    until the window ends)."""
    default = rate if isinstance(rate, Rate) else Rate.parse(rate)
    return hit(group=group, who=client_key(request, key), rate=current_rate(group, default))


def too_many_requests(request, retry_after: int):
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(request, "pages/too_many_requests.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limit(
    *,
    key: str = "ip",
    rate: str,
    methods: tuple[str, ...] = ("POST",),
    group: str | None = None,
    when: Callable[[HttpRequest], bool] | None = None,
):
    """Decorator answering 429 (a French page) once a client went over `rate` for this view.

    `group` names the counter (default: the view's dotted name), so views sharing a group share
    one budget, and settings.RATE_LIMITS[group] may change its rate. Methods other than
    `methods`, and requests for which `when(request)` is false, are neither counted nor refused.
    """
    parsed = Rate.parse(rate)
    if key not in {"ip", "user"}:
        raise ValueError(f"Unknown rate limit key {key!r}: use 'ip' or 'user'")
    methods = tuple(method.upper() for method in methods)

    def decorator(view):
        name = group or f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and (when is None or when(request)):
                over, retry_after = hit_request(request, group=name, rate=parsed, key=key)
                if over:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- Secret links: personal links, unsubscribe, confirmations ------------------------------------

# Failed look-ups allowed per address and hour, across every view that takes a secret from its
# URL. A person who mistypes or half-copies a link fails a few times; someone trying random
# tokens is refused (429) on every further failed try until the hour is over. A link that
# matches is never refused nor counted: an office behind one address (one NAT) keeps opening its
# genuine links while one machine there guesses. Past the limit a guess is still looked up, but
# tokens carry at least 128 bits, so the limit throttles noise and load; entropy is the defence.
SECRET_LINK_RATE = "30/h"
SECRET_LINK_GROUP = "secret-links"
_FOUND = "_secret_link_found"


def secret_link_found(request) -> None:
    """Called by a guarded view once the secret of its URL matched: the try is not held against
    the visitor, and never refused (an office behind one address may open hundreds of genuine
    links)."""
    setattr(request, _FOUND, True)


def limit_secret_guesses(view):
    """Decorator for views whose URL carries a secret token. A request is counted as a failed
    guess, and answered 429 once over the limit, unless the view calls
    `secret_link_found(request)`: a view that forgets to is merely strict, never open to guessing."""
    rate = Rate.parse(SECRET_LINK_RATE)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            # A view that answers an unknown token by raising Http404 is counted all the same.
            if not getattr(request, _FOUND, False):
                over, retry_after = hit(group=SECRET_LINK_GROUP, who=client_key(request, "ip"), rate=rate)
                if over:
                    return too_many_requests(request, retry_after)
            raise
        if getattr(request, _FOUND, False):
            return response
        over, retry_after = hit(group=SECRET_LINK_GROUP, who=client_key(request, "ip"), rate=rate)
        if over:
            return too_many_requests(request, retry_after)
        return response

    wrapper.secret_link = True  # read by cops.security.redact_secret_links (logs)
    return wrapper
