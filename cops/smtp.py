"""SMTP with a visible commit point, for emails that must go out at most once.

An SMTP server accepts a message only when it receives the final "." of the DATA phase.
`SMTPPool.send()` transmits a few messages side by side (one connection each) up to that dot,
calls `before_commit()` once for all of them (which records durably "these are crossing"),
then sends the dots. A worker killed before the record leaves messages the server never
accepted (safe to send again); killed after it, the record says "treat as sent" and they are
never sent twice.

The connections are driven from one thread, step by step: every command of a step is written
to all of them before the first reply is read, so the waits for the server overlap without
threads, and the database sees one commit per group of messages instead of one per message.

`CompiledMessage` is the other half of a cheap bulk email: the MIME bytes generated once with
markers where each person's values go (token, address, date, Message-ID), then only joined.
"""

import re
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address

CRLF = b"\r\n"
_EOL = re.compile(rb"(?:\r\n|\n|\r(?!\n))")
_LEADING_DOT = re.compile(rb"(?m)^\.")


class TemporarySMTPError(Exception):
    """The server or the connection failed before the commit point: try again later."""


def uses_smtp() -> bool:
    return settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"


def transparent(data: bytes) -> bytes:
    """Message bytes as the DATA phase carries them: CRLF line ends, leading dots doubled."""
    data = _LEADING_DOT.sub(b"..", _EOL.sub(CRLF, data))
    return data if data.endswith(CRLF) else data + CRLF


@dataclass
class Envelope:
    """One message ready for the DATA phase, and what the server made of it."""

    key: object
    sender: str
    recipients: list[str]
    data: bytes  # see transparent()
    accepted: bool = False
    error: str = ""

    @classmethod
    def of(cls, key, message: EmailMessage) -> "Envelope":
        encoding = message.encoding or settings.DEFAULT_CHARSET
        return cls(
            key=key,
            sender=sanitize_address(message.from_email, encoding),
            recipients=[sanitize_address(address, encoding) for address in message.recipients()],
            data=transparent(message.message().as_bytes(linesep="\r\n")),
        )


class CompiledMessage:
    """One email as MIME bytes cut at markers: literal, marker, literal, marker, ...

    Generating a MIME message costs about half a millisecond; a bulk sending repeats the same
    email but for a few values. The markers must be plain ASCII that the generator leaves alone
    (a token marker has a real token's length and alphabet, so that headers fold as they will).
    `compile` refuses (None) when a marker did not come out as many times as expected (encoded,
    folded or wrapped) or when a part is not 8bit (it could not take raw UTF-8 values): the
    caller then builds that email with the full generator.
    """

    def __init__(self, parts: list[bytes], data: bytes):
        self.parts = parts
        self.data = data  # the compiled bytes, markers included

    @classmethod
    def compile(cls, message: EmailMessage, expected: dict[str, int]) -> "CompiledMessage | None":
        data = transparent(message.message().as_bytes(linesep="\r\n"))
        if any(data.count(mark.encode()) != count for mark, count in expected.items()):
            return None
        if data.count(b"Content-Transfer-Encoding: ") != data.count(b"Content-Transfer-Encoding: 8bit"):
            return None
        marks = re.compile(b"(" + b"|".join(re.escape(mark.encode()) for mark in expected) + b")")
        return cls(marks.split(data), data)

    def fill(self, values: dict[bytes, bytes]) -> bytes:
        """The message with each marker replaced by its value (every marker must have one)."""
        parts = self.parts[:]
        for index in range(1, len(parts), 2):
            parts[index] = values[parts[index]]
        return b"".join(parts)


class _Connection:
    """One SMTP connection, opened on first use and kept for the next messages."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.smtp is None:
            try:
                smtp = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=settings.EMAIL_TIMEOUT)
                # The final dot is a small write right after the message: without this, the
                # kernel holds it back until the server acknowledges the message (Nagle).
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                smtp.ehlo_or_helo_if_needed()
                if settings.EMAIL_USE_TLS:
                    smtp.starttls()
                    smtp.ehlo()
                if settings.EMAIL_HOST_USER:
                    smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
            except (OSError, smtplib.SMTPException) as exc:
                raise TemporarySMTPError(f"{type(exc).__name__}: {exc}") from exc
            self.smtp = smtp
        return self.smtp

    def command(self, verb: str, argument: str = "") -> None:
        self.smtp.putcmd(verb, argument)

    def reply(self) -> tuple[int, bytes]:
        return self.smtp.getreply()

    def reset(self) -> None:
        try:
            self.command("rset")
            self.reply()
        except (OSError, smtplib.SMTPException):
            self.abort()

    def abort(self) -> None:
        """Drop the connection (mid-DATA, the server discards the unfinished message)."""
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()
        self.smtp = None


class SMTPPool:
    """`size` connections used side by side, from the calling thread."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self.connections = [_Connection() for _ in range(self.size)]

    def close(self) -> None:
        for connection in self.connections:
            connection.close()

    def send(self, envelopes: list[Envelope], before_commit: Callable[[list[Envelope]], set]) -> None:
        """Send up to `size` messages. `before_commit` gets those the server is ready to take
        and returns the keys of those that may go; the others are dropped before their dot.

        Each envelope ends `accepted`, or with an `error` (a refusal: record it), or untouched
        (not sent: `before_commit` held it back). A failure of the server or of the network
        before the commit point raises TemporarySMTPError: nothing of this group was accepted.
        """
        pairs = list(zip(self.connections, envelopes, strict=False))
        if len(pairs) < len(envelopes):
            raise ValueError(f"at most {self.size} messages at once")
        try:
            ready = self._up_to_data(pairs)
        except TemporarySMTPError:
            self._abort(pairs)
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self._abort(pairs)
            raise TemporarySMTPError(f"{type(exc).__name__}: {exc}") from exc
        if not ready:
            return
        try:
            allowed = before_commit([envelope for _connection, envelope in ready])
        except BaseException:
            self._abort(ready)
            raise
        going = []
        for connection, envelope in ready:
            if envelope.key in allowed:
                going.append((connection, envelope))
            else:
                connection.abort()
        # The point of no return: the dots go out back to back, then the replies are read.
        sent = []
        for connection, envelope in going:
            try:
                connection.smtp.send(b"." + CRLF)
                sent.append((connection, envelope))
            except (OSError, smtplib.SMTPException) as exc:
                self._lost(connection, envelope, exc)
        for connection, envelope in sent:
            try:
                code, reply = connection.reply()
            except (OSError, smtplib.SMTPException) as exc:
                self._lost(connection, envelope, exc)
                continue
            if code == 250:
                envelope.accepted = True
            else:
                envelope.error = f"Message refusé ({code} {reply!r})"

    def _up_to_data(self, pairs: list) -> list:
        """MAIL, RCPT, DATA and the message itself on every connection; returns the pairs
        whose message now waits for its dot. A refused recipient is that message's error."""
        for connection, _envelope in pairs:
            connection.open()
        for connection, envelope in pairs:
            connection.command("mail", f"FROM:{smtplib.quoteaddr(envelope.sender)}")
        for connection, _envelope in pairs:
            code, reply = connection.reply()
            if code != 250:
                # The sender is refused for everyone: stop the round, retry later.
                raise TemporarySMTPError(f"MAIL FROM refusé ({code} {reply!r})")
        for connection, envelope in pairs:
            for recipient in envelope.recipients:
                connection.command("rcpt", f"TO:{smtplib.quoteaddr(recipient)}")
        ready = []
        for connection, envelope in pairs:
            for recipient in envelope.recipients:
                code, reply = connection.reply()
                if code not in (250, 251) and not envelope.error:
                    envelope.error = f"Destinataire refusé : {recipient} ({code} {reply!r})"
            if envelope.error:
                connection.reset()
            else:
                ready.append((connection, envelope))
        for connection, _envelope in ready:
            connection.command("data")
        for connection, _envelope in ready:
            code, reply = connection.reply()
            if code != 354:
                raise TemporarySMTPError(f"DATA refusé ({code} {reply!r})")
        for connection, envelope in ready:
            connection.smtp.send(envelope.data)
        return ready

    @staticmethod
    def _abort(pairs: list) -> None:
        for connection, _envelope in pairs:
            connection.abort()

    @staticmethod
    def _lost(connection: _Connection, envelope: Envelope, exc: Exception) -> None:
        # The dot may have reached the server: recorded as a failure, never sent again.
        connection.abort()
        envelope.error = f"Connexion perdue après transmission : {exc}"
