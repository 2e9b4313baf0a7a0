"""What a job kind is: its handler, its attempts, and the errors a handler raises to steer retries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fllc_server.jobs.runner import JobContext

Handler = Callable[["JobContext", dict[str, Any]], Awaitable[dict[str, Any] | None]]


class JobFailed(Exception):  # noqa: N818 — what happened, in a manager's words
    """The job cannot succeed as asked (bad parameters, missing data): no retry. The message is shown
    to the person who asked, so it says what to change."""


class TryAgainLater(Exception):  # noqa: N818 — an instruction
    """A passing trouble (a server away, a lock): retried with backoff while attempts remain."""


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    title: str  # how a person calls it: "Stock valuation report"
    max_attempts: int = 3
    backoff_seconds: float = 10.0  # the wait before attempt n+1 is backoff * 2**(n-1)

    def retry_at(self, attempts: int, now: dt.datetime) -> dt.datetime:
        return now + dt.timedelta(seconds=self.backoff_seconds * 2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class PeriodicJob:
    """A job sent once per `every` (slots aligned to the epoch), by whichever process holds the lease."""

    kind: str
    every: dt.timedelta
    params: dict[str, Any]

    def slot(self, now: dt.datetime) -> dt.datetime:
        step = self.every.total_seconds()
        return dt.datetime.fromtimestamp((now.timestamp() // step) * step, dt.UTC)


class JobKinds:
    """The registry of job kinds a process can run, built once by the composition root."""

    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}
        self.periodic: list[PeriodicJob] = []

    def add(self, kind: JobKind) -> None:
        if kind.name in self._kinds:
            raise ValueError(f"job kind {kind.name!r} registered twice")
        self._kinds[kind.name] = kind

    def every(self, kind: str, every: dt.timedelta, params: dict[str, Any] | None = None) -> None:
        self.periodic.append(PeriodicJob(kind, every, params or {}))

    def get(self, name: str) -> JobKind | None:
        return self._kinds.get(name)

    def names(self) -> list[str]:
        return list(self._kinds)
