"""Who is asking: the client's address and the login name, as throttling and rate limits see them."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address, trusting X-Forwarded-For only as far as our own proxies go.

    Each trusted proxy appends the address it received the request from, so the client is the
    TRUSTED_PROXY_COUNT-th entry from the right; anything further left was sent by the visitor
    and could be forged. With no proxy configured the header is ignored altogether. None when
    unknown (a request built in code, such as the test client's force_login).
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def login_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The email typed on a login form, as throttling counts it: « Lea@X.fr » and « lea@x.fr » are one."""
    source = credentials if credentials else getattr(request, "POST", {})
    return (source.get(settings.AXES_USERNAME_FORM_FIELD) or "").strip().lower()
