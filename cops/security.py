"""Who is asking: the client's address and the login name, as throttling and rate limits see them;
and logs kept free of the secrets that personal links carry in their URL."""

import functools
import logging
import re

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, get_resolver


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


# --- Secret links out of the logs -------------------------------------------------------------

# URL parameters that are secrets in the views guarded by cops.ratelimit.limit_secret_guesses.
SECRET_PARAMETERS = {"token", "key"}
MASK = "[secret]"
_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_SEGMENT = r"[^/?#\s\"']+"


def _guarded(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    target = getattr(view_class, "dispatch", callback) if view_class else callback
    return getattr(target, "secret_link", False)


def _secret_routes(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _secret_routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and _guarded(pattern.callback):
            yield prefix + str(pattern.pattern)


def _route_regex(route: str) -> str:
    """ "barometre/r/<str:token>/" → a regex matching "/barometre/r/<anything>/", the secret captured."""
    parts, position = [], 0
    for match in _PARAMETER.finditer(route):
        parts.append(re.escape(route[position : match.start()]))
        secret = match.group(1) in SECRET_PARAMETERS
        parts.append(f"({_SEGMENT})" if secret else _SEGMENT)
        position = match.end()
    parts.append(re.escape(route[position:]))
    return "/" + "".join(parts)


@functools.cache
def secret_link_patterns() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(_route_regex(route)) for route in _secret_routes(get_resolver()))


def _mask(match: re.Match) -> str:
    text, start = match.group(0), match.start()
    for index in range(match.re.groups, 0, -1):
        begin, end = match.span(index)
        text = text[: begin - start] + MASK + text[end - start :]
    return text


def redact_secret_links(text: str) -> str:
    """The text with the secret of every personal link in it replaced by [secret]."""
    for pattern in secret_link_patterns():
        text = pattern.sub(_mask, text)
    return text


class RedactSecretLinks(logging.Filter):
    """On django.request and django.server: "Not Found: /barometre/r/<token>/" and the like are
    logged with the token masked. The record's request goes too (a handler would print its path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not apps.ready:  # the URLs cannot be read yet, and no request has been served
            return True
        try:
            message = record.getMessage()
            redacted = redact_secret_links(message)
        except Exception:  # a malformed record is the handler's to report, not the filter's
            return True
        if redacted != message:
            record.msg, record.args = redacted, ()
            record.__dict__.pop("request", None)
        return True
