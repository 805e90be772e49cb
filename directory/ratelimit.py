"""The directory's limits (searches, registrations, membership requests), kept by the shared
limiter (cops.ratelimit): one exact count per signed-in person, or per client address as
cops.security.client_ip sees it behind our own proxies (never a forgeable header)."""

from functools import wraps

from django.conf import settings

from cops import ratelimit

# (requests, seconds) per scope; DIRECTORY_RATE_LIMITS in the settings overrides them.
LIMITS = {
    "search": (120, 60),
    "register": (40, 3600),
    "membership": (20, 3600),
}


def _count(request, scope: str) -> tuple[bool, int]:
    limit, period = {**LIMITS, **getattr(settings, "DIRECTORY_RATE_LIMITS", {})}[scope]
    return ratelimit.hit(
        group=f"directory.{scope}",
        who=ratelimit.client_key(request, "user"),
        rate=ratelimit.Rate(limit=limit, period=period),
    )


def hit(request, scope: str) -> bool:
    """Count one request; True when the client went over its limit for this window."""
    return _count(request, scope)[0]


def rate_limited(scope: str, *, methods: tuple[str, ...] = ("GET", "POST"), when=None):
    """Decorator: apply the scope's limit to these methods (and only when `when(request)`)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and (when is None or when(request)):
                over, retry_after = _count(request, scope)
                if over:
                    return ratelimit.too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
