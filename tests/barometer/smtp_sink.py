"""A local SMTP server (aiosmtpd) on loopback that records what it accepts."""

import asyncio
import email
import socket
import threading
from email import policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    def __init__(
        self, *, refuse: set[str] | None = None, refuse_data: set[str] | None = None, delay: float = 0.0
    ):
        self.refuse = refuse or set()
        self.refuse_data = refuse_data or set()  # refused at the final dot (content rejected)
        self.delay = delay
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Adresse inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data & set(envelope.rcpt_tos):
            return "554 5.6.0 Contenu refusé"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        if self.delay:
            # Accepted (recorded) but slow to answer: a worker killed now is past the commit point.
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        with self.lock:
            return [address for tos, _message in self.messages for address in tos]


class SMTPSink:
    def __init__(self, **handler_options):
        self.handler = RecordingHandler(**handler_options)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
