"""SMTP with a visible commit point, for emails that must go out at most once.

An SMTP server accepts a message only when it receives the final "." of the DATA phase.
`TwoPhaseSMTP.send()` transmits everything up to that dot, calls `before_commit()` (which
records durably "this one is crossing"), then sends the dot. A worker killed before the
record leaves a message the server never accepted (safe to send again); killed after it,
the record says "treat as sent" and it is never sent twice.
"""

import re
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address

CRLF = b"\r\n"
_EOL = re.compile(rb"(?:\r\n|\n|\r(?!\n))")


class TemporarySMTPError(Exception):
    """The server or the connection failed before the commit point: try again later."""


class PermanentSMTPError(Exception):
    """The server refused this message (address, content): record the failure."""


def uses_smtp() -> bool:
    return settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"


class TwoPhaseSMTP:
    def __init__(self):
        self.connection: smtplib.SMTP | None = None

    def open(self) -> None:
        if self.connection is not None:
            return
        try:
            connection = smtplib.SMTP(
                settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=settings.EMAIL_TIMEOUT
            )
            connection.ehlo_or_helo_if_needed()
            if settings.EMAIL_USE_TLS:
                connection.starttls()
                connection.ehlo()
            if settings.EMAIL_HOST_USER:
                connection.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporarySMTPError(f"{type(exc).__name__}: {exc}") from exc
        self.connection = connection

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
            self.connection.close()
        self.connection = None

    def abort(self) -> None:
        """Drop the connection mid-DATA: the server discards the unfinished message."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def send(self, message: EmailMessage, before_commit: Callable[[], bool]) -> None:
        """Send one message; `before_commit` returns False to give up before the dot."""
        self.open()
        connection = self.connection
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        data = message.message().as_bytes(linesep="\r\n")
        data = _EOL.sub(CRLF, data)
        data = re.sub(rb"(?m)^\.", b"..", data)
        if not data.endswith(CRLF):
            data += CRLF
        try:
            code, reply = connection.mail(sender)
            if code != 250:
                # The sender is refused for everyone: stop the round, retry later.
                self._reset()
                raise TemporarySMTPError(f"MAIL FROM refusé ({code} {reply!r})")
            for recipient in recipients:
                code, reply = connection.rcpt(recipient)
                if code not in (250, 251):
                    self._reset()
                    raise PermanentSMTPError(f"Destinataire refusé : {recipient} ({code} {reply!r})")
            code, reply = connection.docmd("data")
            if code != 354:
                self._reset()
                raise TemporarySMTPError(f"DATA refusé ({code} {reply!r})")
            connection.send(data)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.abort()
            raise TemporarySMTPError(f"{type(exc).__name__}: {exc}") from exc
        try:
            go = before_commit()
        except Exception:
            self.abort()
            raise
        if not go:
            self.abort()
            return
        try:
            connection.send(b"." + CRLF)
            code, reply = connection.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            # The dot may have reached the server: the caller keeps this one as sent.
            self.abort()
            raise PermanentSMTPError(f"Connexion perdue après transmission : {exc}") from exc
        if code != 250:
            raise PermanentSMTPError(f"Message refusé ({code} {reply!r})")

    def _reset(self) -> None:
        try:
            self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self.abort()
