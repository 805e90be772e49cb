"""Read by gunicorn from its working directory (the image's /app) whatever its command line."""

from gunicorn.http import wsgi

# Personal links carry a secret in their path: the access log masks it.
logger_class = "cops.gunicorn_logging.SecretLinkLogger"


# No "Server: gunicorn" banner: it tells an attacker which server (and which of its flaws) to try.
# gunicorn has no setting for it; its workers build every response's first headers in
# Response.default_headers, patched here in the master before it forks them.
def _headers_without_server(response) -> list[str]:
    return [line for line in _gunicorn_default_headers(response) if not line.lower().startswith("server:")]


if not getattr(wsgi.Response.default_headers, "without_server", False):  # the file is re-read on HUP
    _gunicorn_default_headers = wsgi.Response.default_headers
    _headers_without_server.without_server = True
    wsgi.Response.default_headers = _headers_without_server
