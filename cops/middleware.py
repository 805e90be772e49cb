from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from cops.ratelimit import _FOUND as secret_link_marker  # set by secret_link_found()


class FrenchFirstLocaleMiddleware(LocaleMiddleware):
    """French unless the visitor chose another language (language cookie set by /i18n/setlang/).

    The browser's Accept-Language is ignored on purpose: the platform is French first and a
    visitor whose browser says English still gets French until they switch.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def map_tiles_source(url: str) -> str:
    """The CSP source allowing a tile URL template: https://{s}.tile.example.org/{z}/{x}/{y}.png gives
    https://*.tile.example.org (a placeholder can only stand for the leftmost label)."""
    parsed = urlsplit(url)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ImproperlyConfigured(f"MAP_TILES_URL must be an http(s) URL template, got {url!r}")
    labels = parsed.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    if any("{" in label for label in labels):
        raise ImproperlyConfigured(f"MAP_TILES_URL: only the leftmost host label may vary, got {url!r}")
    return f"{parsed.scheme}://{'.'.join(labels)}"


def content_security_policy(*, frame_ancestors: str = "'none'") -> str:
    """The platform's policy: everything from our own origin, no inline script or style,
    images also from data: URLs (Leaflet, charts) and the map tile server. Only a page made to be
    embedded (see csp_frame_ancestors) lets other sites frame it; its other directives stay."""
    directives = {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", map_tiles_source(settings.MAP_TILES_URL)],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": [frame_ancestors],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header (enforced), or its Report-Only variant.

    Report-Only is used everywhere while CSP_REPORT_ONLY is true, and always under the
    CSP_REPORT_ONLY_PATHS prefixes: third-party tooling pages (the Django admin's beat schedule
    form, the browsable API, the API docs) ship inline code we do not control.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        report_only = settings.CSP_REPORT_ONLY or request.path.startswith(
            tuple(settings.CSP_REPORT_ONLY_PATHS)
        )
        header = "Content-Security-Policy-Report-Only" if report_only else "Content-Security-Policy"
        if header not in response:
            frame_ancestors = getattr(response, "csp_frame_ancestors", "'none'")
            response[header] = content_security_policy(frame_ancestors=frame_ancestors)
        return response


def csp_frame_ancestors(source: str):
    """Lets the decorated view's pages be framed by `source` (e.g. "*" for the embeddable map).
    Pair it with django's xframe_options_exempt: X-Frame-Options has no "anyone" value."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.csp_frame_ancestors = source
            return response

        return wrapped

    return decorator


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


def response_depends_on_viewer(request) -> bool:
    """Whether a response may show who is asking: a signed-in user, a session holding something
    (a personal link swapped for a session marker, messages, a draft), credentials in an
    Authorization header (the API), or a personal link's secret matched during this request.

    The session is only consulted when the view already read it: a page that never looked at the
    session cannot depend on it, and reading it here would add "Vary: Cookie" to every public page.
    """
    if getattr(request, secret_link_marker, False) or "HTTP_AUTHORIZATION" in request.META:
        return True
    session = getattr(request, "session", None)
    if session is None or not (session.accessed or session.modified):
        return False
    user = getattr(request, "user", None)
    return session.modified or not session.is_empty() or bool(user and user.is_authenticated)


class PrivacyHeadersMiddleware:
    """Keeps personal pages out of every cache (browser back-forward, shared proxies) and turns off
    the browser features the platform never uses.

    "Cache-Control: private, no-store" goes on every response that depends on the viewer, unless
    the view chose its own Cache-Control (never_cache, a report's file). Anonymous public pages are
    left alone. Placed just after SecurityMiddleware so that static files get Permissions-Policy too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "Cache-Control" not in response and response_depends_on_viewer(request):
            response["Cache-Control"] = "private, no-store"
        return response
