"""The sync engine: push the signed-in user's outbox, then pull the catalog's changes.

Qt-free and driven by plain calls, so tests run it without an event loop: ``sync_once()`` does one
full round; ``run_until_stopped()`` loops with backoff on its own thread. All its state (pending
ops, the cursor) is in the local store, so a restart simply resumes.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from fllc_desktop import __version__
from fllc_desktop.api.errors import (
    ApiError,
    GoneError,
    OfflineError,
    RateLimitedError,
    UnauthorizedError,
    ValidationError,
)
from fllc_desktop.api.models import ChangeBatch, DeviceReport, OpAnswer
from fllc_desktop.domain.commands import Command
from fllc_desktop.store.catalog import CatalogReplica
from fllc_desktop.store.outbox import OpOutcome, OpOwner, Outbox, OutboxEntry
from fllc_desktop.sync.backoff import Backoff
from fllc_desktop.sync.status import Connectivity, StatusBoard, StatusListener, SyncStatus

log = logging.getLogger(__name__)

PUSH_BATCH = 200
PULL_LIMIT = 1000
IDLE_INTERVAL = 30.0  # seconds between rounds when all is well (live events wake us sooner)
OFFLINE_RETRY_CAP = 4.0
"""Seconds at most between attempts while the server cannot be reached: a refused or timed-out
connection costs the server nothing, and a tablet syncs within 5 s of the server being back."""
FAILING_RETRY_CAP = 60.0  # seconds at most between attempts while the server answers with errors


class SyncTransport(Protocol):
    """What the engine needs from the server (``ApiClient.sync`` provides it)."""

    def push(
        self, device_id: str, ops: Sequence[Command], *, device: DeviceReport | None = None
    ) -> list[OpAnswer]: ...

    def changes(self, since: int | None, limit: int) -> ChangeBatch: ...


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one round did."""

    settled: int = 0
    needs_attention: int = 0
    changes_applied: int = 0
    resynced: bool = False
    error: ApiError | None = None


class SyncEngine:
    def __init__(
        self,
        transport: SyncTransport,
        outbox: Outbox,
        catalog: CatalogReplica,
        owner: OpOwner,
        device_id: str,
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        wait: Callable[[float], object] | None = None,
        batch_size: int = PUSH_BATCH,
        pull_limit: int = PULL_LIMIT,
        idle_interval: float = IDLE_INTERVAL,
    ) -> None:
        self._transport = transport
        self._outbox = outbox
        self._catalog = catalog
        self.owner = owner
        self.device_id = device_id
        self.backoff = backoff or Backoff(cap=FAILING_RETRY_CAP)
        self._clock = clock
        self._wake = threading.Event()
        self._wait = wait or self._wake.wait
        self.batch_size = batch_size
        self.pull_limit = pull_limit
        self.idle_interval = idle_interval
        self._board = StatusBoard()
        self._stop = threading.Event()  # run_until_stopped's: no new request once it is set

    # ------------------------------------------------------------------ status

    @property
    def status(self) -> SyncStatus:
        return self._board.current

    def add_listener(self, listener: StatusListener) -> Callable[[], None]:
        """Called with the new status on every change, on the engine's thread."""
        return self._board.subscribe(listener)

    def refresh_counts(self) -> SyncStatus:
        counts = self._outbox.counts(self.owner)
        return self._board.update(pending=counts.pending, needs_attention=counts.needs_attention)

    def wake(self) -> None:
        """Sync soon: an op was enqueued, or the server poked us with a live event."""
        self._wake.set()

    # ------------------------------------------------------------------ running

    def sync_once(self) -> SyncReport:
        """Push everything pending, then pull; failures are reported, not raised (except a
        local database failure, which the caller must handle with the store's recovery)."""
        self._board.update(syncing=True)
        try:
            report = self._round()
        finally:
            self.refresh_counts()
            self._board.update(syncing=False)
        return report

    def run_until_stopped(self, stop: threading.Event) -> None:
        """The sync thread's loop: a round, then wait (backing off after a failure). Once ``stop``
        is set no new request is started (a round ends between batches and pages)."""
        self._stop = stop
        while not stop.is_set():
            report = self.sync_once()
            if stop.is_set():
                return
            self._wait(self._delay_after(report))
            self._wake.clear()

    def _round(self) -> SyncReport:
        settled = attention = 0
        try:
            settled, attention = self._push_all()
            applied, resynced = self._pull_all()
        except UnauthorizedError as exc:
            self._board.update(connectivity=Connectivity.SIGNED_OUT, last_error=exc.message, retry_in=None)
            return SyncReport(settled, attention, error=exc)
        except ApiError as exc:
            return self._failed(exc, settled, attention)
        self.backoff.reset()
        self._board.update(
            connectivity=Connectivity.ONLINE, last_synced_at=self._clock(), last_error=None, retry_in=None
        )
        return SyncReport(settled, attention, applied, resynced)

    def _failed(self, exc: ApiError, settled: int, attention: int) -> SyncReport:
        delay = self.backoff.next_delay()
        if isinstance(exc, OfflineError):
            delay = min(delay, OFFLINE_RETRY_CAP)
        if isinstance(exc, RateLimitedError):
            delay = max(delay, exc.retry_after)
        connectivity = Connectivity.OFFLINE if isinstance(exc, OfflineError) else self.status.connectivity
        log.info("sync failed (%s: %s); next attempt in %.1fs", exc.title, exc.message, delay)
        message = f"{exc.title}: {exc.message}"
        self._board.update(connectivity=connectivity, last_error=message, retry_in=delay)
        return SyncReport(settled, attention, error=exc)

    def _delay_after(self, report: SyncReport) -> float:
        if report.error is None:
            return self.idle_interval
        if isinstance(report.error, UnauthorizedError):
            return self.idle_interval
        return self.status.retry_in or self.idle_interval

    # ------------------------------------------------------------------ push

    def _push_all(self) -> tuple[int, int]:
        settled = attention = 0
        while not self._stop.is_set() and (batch := self._outbox.pending(self.owner, limit=self.batch_size)):
            outcomes = self._push_batch(batch)
            if not outcomes:
                break  # the server answered for none of them: try again next round
            self._outbox.record_outcomes(outcomes)
            settled += sum(1 for o in outcomes if o.settles)
            attention += sum(1 for o in outcomes if o.needs_attention)
            self.refresh_counts()
        return settled, attention

    def _push_batch(self, batch: list[OutboxEntry]) -> list[OpOutcome]:
        if self._stop.is_set():
            return []
        try:
            counts = self._outbox.counts(self.owner)
            device = DeviceReport(
                app_version=__version__,
                pending=max(0, counts.pending - len(batch)),  # besides this batch
                needs_attention=counts.needs_attention,
            )
            answers = self._transport.push(self.device_id, [entry.command for entry in batch], device=device)
        except ValidationError as exc:
            return self._push_around_invalid(batch, exc)
        sent = {str(entry.command.op_id) for entry in batch}
        outcomes = [_outcome(answer) for answer in answers if answer.op_id in sent]
        return [o for o in outcomes if o.settles or o.needs_attention]

    def _push_around_invalid(self, batch: list[OutboxEntry], exc: ValidationError) -> list[OpOutcome]:
        """The server refused the whole batch (400) for some op in it: set the op(s) it names aside
        for a person (never dropped) and push the rest. When it names none, push one op at a time,
        so that only the op the server cannot read waits."""
        reasons = invalid_ops(exc, len(batch))
        if not reasons and len(batch) == 1:
            reasons = {0: exc.message}
        if not reasons:
            log.warning("the server refused a batch of %d ops without naming one: isolating", len(batch))
            return [outcome for entry in batch for outcome in self._push_batch([entry])]
        refused = [_invalid(batch[index], reason) for index, reason in sorted(reasons.items())]
        for entry, outcome in zip((batch[i] for i in sorted(reasons)), refused, strict=True):
            log.warning(
                "op %s (%s) refused as invalid: %s",
                entry.command.op_id,
                entry.command.kind,
                outcome.error_message,
            )
        rest = [entry for index, entry in enumerate(batch) if index not in reasons]
        return refused + (self._push_batch(rest) if rest else [])

    # ------------------------------------------------------------------ pull

    def _pull_all(self) -> tuple[int, bool]:
        since, applied, resynced = self._catalog.cursor(), 0, False
        while not self._stop.is_set():
            try:
                batch = self._transport.changes(since, self.pull_limit)
            except GoneError:
                if since is None:
                    raise
                log.info("change cursor %s is too old: resyncing the catalog from scratch", since)
                self._catalog.reset()
                since, resynced = None, True
                continue
            self._catalog.apply_changes(batch.changes, batch.cursor)
            applied += len(batch.changes)
            if not batch.has_more or not batch.changes or batch.cursor == since:
                return applied, resynced
            since = batch.cursor
        return applied, resynced


def _outcome(answer: OpAnswer) -> OpOutcome:
    error = answer.error or {}
    return OpOutcome(
        op_id=uuid.UUID(answer.op_id),
        status=answer.status,
        result=answer.result,
        error_code=_text(error.get("code")),
        error_message=_text(error.get("message")),
        current=answer.current,
    )


_OP_FIELD = re.compile(r"^ops\.(\d+)(?:\.(.*))?$")


def invalid_ops(exc: ValidationError, batch_size: int) -> dict[int, str]:
    """``{index in the batch: the server's reason}`` from a 400's ``details[].field`` such as
    ``ops.3.payload.quantity`` (several problems of one op are joined)."""
    reasons: dict[int, list[str]] = {}
    for detail in exc.details:
        if not isinstance(detail, dict):
            continue
        found = _OP_FIELD.match(str(detail.get("field") or ""))
        if found is None or int(found.group(1)) >= batch_size:
            continue
        message = str(detail.get("message") or exc.message)
        where = found.group(2)
        reasons.setdefault(int(found.group(1)), []).append(f"{where}: {message}" if where else message)
    return {index: "; ".join(parts) for index, parts in reasons.items()}


def _invalid(entry: OutboxEntry, reason: str) -> OpOutcome:
    return OpOutcome(
        op_id=entry.command.op_id,
        status="rejected",
        error_code="validation_error",
        error_message=f"The server cannot accept this change: {reason}",
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
