"""Gunicorn's access log without the secrets of personal links (see gunicorn.conf.py)."""

from gunicorn.glogging import Logger

from cops.security import redact_secret_links


class SecretLinkLogger(Logger):
    """Every text of an access-log line (request line, path, Referer, WSGI environ values) goes
    through cops.security.redact_secret_links: "GET /barometre/r/[secret]/ HTTP/1.1"."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact_secret_links(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
