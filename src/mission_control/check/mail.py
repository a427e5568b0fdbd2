"""A fake mail server for a check: the ``smtp`` service kind.

The outside world's mail server, faked: a real SMTP server (aiosmtpd) on a free 127.0.0.1
port, run in the checker's own process, so a checkpoint reads what it received through the
``mailbox`` fixture. The app finds its host in the variable ``env`` names (``MAIL_SERVER``)
and its port in ``port_env`` (``MAIL_PORT`` unless the lesson names another).

A checkpoint can also make the server misbehave the way real ones do, to exercise an app's
retries: refuse the next N deliveries with ``451`` (a temporary failure), answer slowly, or
accept a message and then answer ``QUIT`` with ``421`` (the mail is delivered, but the
sender sees an error).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mission_control.check.processes import free_port
from mission_control.check.services import RunningService

if TYPE_CHECKING:
    from mission_control.catalog import Lesson
    from mission_control.catalog import Service as ServiceSpec


@dataclass(frozen=True)
class Mail:
    """One message the server accepted: the envelope's recipients (``to``) and sender, the
    ``Subject`` header, the plain-text ``body`` and when it was accepted (``at``,
    :func:`time.monotonic`)."""

    to: tuple[str, ...]
    sender: str
    subject: str
    body: str
    at: float

    def describe(self) -> str:
        return f"to {', '.join(self.to)}: {self.subject!r}"


def _plain_text(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""


class _Handler:
    """aiosmtpd's hooks, recording into the :class:`MailService`."""

    def __init__(self, service: MailService) -> None:
        self.service = service

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        delay = self.service.delay_for(envelope.rcpt_tos)
        if delay:
            await asyncio.sleep(delay)
        return self.service.deliver(envelope, session)

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        if self.service.take_quit_failure(session):
            return "421 4.4.2 Connection dropped after the message was accepted"
        return "221 Bye"


class MailService(RunningService):
    """The running fake: ``host``, ``port``, and what it received (:attr:`messages`)."""

    def __init__(self, lesson: Lesson, spec: ServiceSpec) -> None:
        super().__init__(spec)
        from aiosmtpd.controller import Controller

        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[Mail] = []
        self.refused = 0  # deliveries answered 451
        # the switches, each by recipient (None: any); so a checkpoint's switch is not
        # used up by mail the app sends someone else meanwhile
        self._delay: dict[str | None, float] = {}
        self._refuse: dict[str | None, int] = {}
        self._drop_quit: dict[str | None, int] = {}
        self._dropping: set[int] = set()  # sessions whose QUIT gets a 421
        self._lock = threading.Condition()
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()
        self.env = {spec.env: self.host, spec.option("port_env", "MAIL_PORT"): str(self.port)}

    # -- what the handler calls -----------------------------------------------------------

    def deliver(self, envelope: Any, session: Any) -> str:
        recipients = [str(to).lower() for to in envelope.rcpt_tos]
        with self._lock:
            if self._take(self._refuse, recipients):
                self.refused += 1
                self._lock.notify_all()
                return "451 4.3.0 Temporary failure, try again later"
            raw = envelope.original_content or envelope.content
            message = email.message_from_bytes(raw, policy=email.policy.default)
            self.messages.append(
                Mail(
                    to=tuple(envelope.rcpt_tos),
                    sender=envelope.mail_from or "",
                    subject=str(message.get("Subject", "")),
                    body=_plain_text(message),
                    at=time.monotonic(),
                )
            )
            if self._take(self._drop_quit, recipients):
                self._dropping.add(id(session))
            self._lock.notify_all()
            return "250 OK"

    @staticmethod
    def _take(switch: dict[str | None, int], recipients: list[str]) -> bool:
        for key in [*recipients, None]:
            if switch.get(key, 0) > 0:
                switch[key] -= 1
                return True
        return False

    def delay_for(self, recipients: list[str]) -> float:
        with self._lock:
            return max(
                (self._delay.get(key, 0.0) for key in [*map(str.lower, recipients), None]),
                default=0.0,
            )

    def take_quit_failure(self, session: Any) -> bool:
        with self._lock:
            if id(session) in self._dropping:
                self._dropping.discard(id(session))
                return True
            return False

    # -- what a checkpoint calls ----------------------------------------------------------

    def refuse_next(self, count: int, to: str | None = None) -> None:
        """Answer the next ``count`` deliveries (to ``to``, if given) with ``451``."""
        with self._lock:
            self._refuse[to.lower() if to else None] = count

    def fail_quit_after_next(self, count: int = 1, to: str | None = None) -> None:
        """Accept the next ``count`` messages (to ``to``), then answer their ``QUIT`` with
        ``421``: the mail is delivered, but the sender's library raises an error after it."""
        with self._lock:
            self._drop_quit[to.lower() if to else None] = count

    def slow_down(self, seconds: float, to: str | None = None) -> None:
        """Take ``seconds`` before answering each message (to ``to``); 0: answer at once."""
        with self._lock:
            self._delay[to.lower() if to else None] = seconds

    def reset(self) -> None:
        """Back to normal behaviour (the messages received are kept)."""
        with self._lock:
            self._refuse.clear()
            self._drop_quit.clear()
            self._delay.clear()

    def find(self, to: str | None = None, subject: str | None = None) -> list[Mail]:
        """The messages to ``to`` (an address) whose subject matches ``subject`` (a regular
        expression, case-insensitive), oldest first."""
        with self._lock:
            return [
                mail
                for mail in self.messages
                if (to is None or to.lower() in (t.lower() for t in mail.to))
                and (subject is None or re.search(subject, mail.subject, re.IGNORECASE))
            ]

    def wait_for(
        self, to: str | None = None, subject: str | None = None, *, count: int = 1, timeout: float
    ) -> list[Mail]:
        """Wait up to ``timeout`` seconds until at least ``count`` such messages arrived;
        the messages found (perhaps fewer than ``count``)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = self.find(to, subject)
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self._lock.wait(min(left, 0.5))

    def stop(self) -> None:
        self._controller.stop()


class Mailbox:
    """What the ``mailbox`` fixture gives a checkpoint: the fake mail server's messages
    (``.messages``, ``.find(to=, subject=)``, ``.wait_for(...)``), and its switches."""

    def __init__(self, service: MailService) -> None:
        self._service = service

    @property
    def messages(self) -> list[Mail]:
        return self._service.find()

    @property
    def refused(self) -> int:
        return self._service.refused

    @property
    def address(self) -> tuple[str, int]:
        return self._service.host, self._service.port

    def find(self, to: str | None = None, subject: str | None = None) -> list[Mail]:
        return self._service.find(to, subject)

    def wait_for(
        self,
        to: str | None = None,
        subject: str | None = None,
        *,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[Mail]:
        return self._service.wait_for(to, subject, count=count, timeout=timeout)

    def refuse_next(self, count: int, to: str | None = None) -> None:
        self._service.refuse_next(count, to)

    def fail_quit_after_next(self, count: int = 1, to: str | None = None) -> None:
        self._service.fail_quit_after_next(count, to)

    def slow_down(self, seconds: float, to: str | None = None) -> None:
        self._service.slow_down(seconds, to)

    def reset(self) -> None:
        self._service.reset()
