"""Calls to systems outside ours (SMTP, SFTP, POS and payment APIs, label printers): each goes
through `OutsideCalls.call`, which gives it a timeout and a circuit breaker per partner.

A partner that stops answering costs each caller at most its timeout, and after `threshold`
failures in a row its breaker opens: further calls fail at once with `PartnerUnavailable` (503,
`partner_unavailable`, with Retry-After) instead of waiting, so a dead partner slows nothing else.
After `reset_seconds` one call is let through (half-open); its success closes the breaker, its
failure opens it again. The breakers are purgatory's, one per partner name, kept in this process.

Blocking clients (smtplib, paramiko) go through `call_blocking`, which runs them on a thread:
give the client its own socket timeout too, since a thread cannot be stopped from outside.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from fllc_server.kit.errors import AppError

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0  # seconds
DEFAULT_THRESHOLD = 5  # failures in a row that open a breaker
DEFAULT_RESET_SECONDS = 30.0


class PartnerUnavailable(AppError):  # noqa: N818 — named for the HTTP answer
    """The partner failed or timed out, or its breaker is open."""

    status_code = 503
    code = "partner_unavailable"

    def __init__(self, partner: str, message: str, *, retry_after: float | None = None) -> None:
        headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after is not None else None
        super().__init__(message, details=[{"partner": partner}], headers=headers)
        self.partner = partner


class PartnerTimeout(PartnerUnavailable):
    code = "partner_timeout"


class OutsideCalls:
    """The one way out of the server: `await outside.call("pos:shopify", lambda: client.get(...))`."""

    def __init__(
        self,
        *,
        threshold: int = DEFAULT_THRESHOLD,
        reset_seconds: float = DEFAULT_RESET_SECONDS,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.reset_seconds = reset_seconds
        self.timeout = timeout
        # The caller's own AppErrors (a partner's "no such order") say the partner answered.
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=threshold, default_ttl=reset_seconds, exclude=[AppError]
        )

    async def call(
        self, partner: str, make: Callable[[], Awaitable[T]], *, seconds: float | None = None
    ) -> T:
        """Run `make()` against `partner` within `seconds` (default: the instance's timeout), through
        its breaker. Failures (any exception, a timeout) count towards opening it and are raised as
        PartnerUnavailable / PartnerTimeout; an AppError of the caller's own passes through unchanged."""
        limit = self.timeout if seconds is None else seconds
        breaker = await self._breakers.get_breaker(partner)
        try:
            async with breaker:
                return await asyncio.wait_for(make(), limit)
        except OpenedState as exc:
            left = exc.opened_at + self.reset_seconds - time.time()
            raise PartnerUnavailable(
                partner,
                f"{partner} failed repeatedly; not called again for {max(1, round(left))} s",
                retry_after=left,
            ) from None
        except TimeoutError as exc:
            raise PartnerTimeout(partner, f"{partner} did not answer within {limit:g} s") from exc
        except AppError:
            raise
        except Exception as exc:
            raise PartnerUnavailable(partner, f"{partner} failed: {type(exc).__name__}: {exc}") from exc

    async def call_blocking(self, partner: str, work: Callable[[], T], *, seconds: float | None = None) -> T:
        """`call` for a blocking client, run on a worker thread."""
        return await self.call(partner, lambda: asyncio.to_thread(work), seconds=seconds)

    async def state(self, partner: str) -> str:
        """`closed`, `opened` or `half-opened` (for health pages and tests)."""
        breaker = await self._breakers.get_breaker(partner)
        return str(breaker.context.state)
