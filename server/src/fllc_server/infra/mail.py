"""Sending mail through the server named by FLLC_SMTP_URL, by way of OutsideCalls (a timeout and a
circuit breaker for the partner "smtp"), with smtplib on a worker thread.

    smtp://user:password@mail.example.com:587?starttls=true&from=reports@example.com
    smtps://user:password@mail.example.com        (TLS from the first byte, port 465)
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from fllc_server.infra.outside import OutsideCalls

PARTNER = "smtp"
SOCKET_TIMEOUT = 20.0  # seconds: smtplib's own, since a thread cannot be stopped from outside
_TRUE = {"1", "true", "yes", "on"}


class MailConfigError(ValueError):
    """FLLC_SMTP_URL cannot be read."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool  # TLS from the start (smtps)
    starttls: bool
    sender: str

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailConfigError("FLLC_SMTP_URL must look like smtp://user:pass@host:port (or smtps://)")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        tls = parts.scheme == "smtps"
        try:
            port = parts.port or (465 if tls else 25)
        except ValueError as exc:
            raise MailConfigError(f"FLLC_SMTP_URL has a bad port: {exc}") from None
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
            starttls=query.get("starttls", "").lower() in _TRUE,
            sender=query.get("from") or f"fllc-reports@{parts.hostname}",
        )

    def send_blocking(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=SOCKET_TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=SOCKET_TIMEOUT)
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


class Mailer:
    def __init__(self, server: SmtpServer, outside: OutsideCalls) -> None:
        self.server = server
        self.outside = outside

    @property
    def sender(self) -> str:
        return self.server.sender

    async def send(self, message: EmailMessage) -> None:
        """Deliver `message`; PartnerUnavailable / PartnerTimeout when the server fails or is away."""
        if "From" not in message:
            message["From"] = self.server.sender
        await self.outside.call_blocking(
            PARTNER, lambda: self.server.send_blocking(message), seconds=SOCKET_TIMEOUT * 3
        )
