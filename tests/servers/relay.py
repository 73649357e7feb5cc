"""The smarthost behind Dovecot's submission service: a tiny aiosmtpd relay in a thread.

Dovecot's submission service never delivers mail itself; it relays every accepted message
to `submission_relay_host`. This relay hands each recipient of our test domain to Dovecot's
LMTP listener, one LMTP session per recipient (smtplib.LMTP reads a single DATA reply, and
LMTP sends one per recipient), so a message submitted for bob lands in bob's INBOX. Every
relayed message is also recorded, including those for other domains, which are not
delivered anywhere: tests can assert what left the client without a real Internet.
"""

from __future__ import annotations

import asyncio
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class RelayedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes


class _Handler:
    def __init__(self, relay: SmtpRelay) -> None:
        self._relay = relay

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        local, _, domain = address.rpartition("@")
        if domain.lower() == self._relay.domain and not self._relay.user_exists(local):
            return f"550 5.1.1 <{address}>: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        message = RelayedMessage(envelope.mail_from, tuple(envelope.rcpt_tos), content)
        try:
            await asyncio.to_thread(self._relay.deliver_locally, message)
        except (OSError, smtplib.SMTPException) as error:
            return f"451 4.3.0 local delivery failed: {error}"
        finally:
            self._relay.record(message)
        return "250 2.0.0 relayed"


class SmtpRelay:
    """Listens on 127.0.0.1:`port` in a background thread; delivers through LMTP."""

    def __init__(
        self, port: int, lmtp_port: int, domain: str, user_exists: Callable[[str], bool]
    ) -> None:
        self.port = port
        self.lmtp_port = lmtp_port
        self.domain = domain.lower()
        self.user_exists = user_exists
        self.messages: list[RelayedMessage] = []
        # Notified after every relayed message, so waiters need not poll.
        self.delivered = threading.Condition()
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=port,
            enable_SMTPUTF8=True,
            ready_timeout=10,
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def record(self, message: RelayedMessage) -> None:
        with self.delivered:
            self.messages.append(message)
            self.delivered.notify_all()

    def deliver_locally(self, message: RelayedMessage) -> None:
        for rcpt in message.rcpt_tos:
            if rcpt.rpartition("@")[2].lower() != self.domain:
                continue
            with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=30) as lmtp:
                lmtp.sendmail(message.mail_from, [rcpt], message.content)
