"""A fixed-window rate limit kept in the "shared" cache (one table for every web process)."""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render
from django.utils.translation import gettext as _

# (requests, seconds) per scope.
LIMITS = {
    "search": (120, 60),
    "register": (40, 3600),
    "membership": (20, 3600),
}


def client_key(request) -> str:
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    return "ip" + (request.META.get("REMOTE_ADDR") or "unknown")


def hit(request, scope: str) -> bool:
    """Count one request; True when the client went over its limit for this window."""
    limit, period = {**LIMITS, **getattr(settings, "DIRECTORY_RATE_LIMITS", {})}[scope]
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{client_key(request)}:{window}"
    cache = caches["shared"]
    # The usual case (the window's counter exists) costs one increment.
    try:
        count = cache.incr(key)
    except ValueError:
        if cache.add(key, 1, timeout=period + 5):
            return False
        count = cache.incr(key)
    return count > limit


def too_many_requests(request):
    response = render(
        request,
        "directory/too_many_requests.html",
        {
            "message": _(
                "Vous avez fait beaucoup de demandes en peu de temps. Réessayez dans quelques minutes."
            )
        },
        status=429,
    )
    response["Retry-After"] = "60"
    return response


def rate_limited(scope: str, *, methods: tuple[str, ...] = ("GET", "POST"), when=None):
    """Decorator: apply the scope's limit to these methods (and only when `when(request)`)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and (when is None or when(request)) and hit(request, scope):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
