"""What the UI shows about sync: online or not, how much waits, when it last worked."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)


class Connectivity(StrEnum):
    UNKNOWN = "unknown"  # not tried yet
    ONLINE = "online"
    OFFLINE = "offline"  # cannot reach the server (or it is failing): retrying with backoff
    SIGNED_OUT = "signed_out"  # the session ended: nothing is pushed until the user signs in


@dataclass(frozen=True, slots=True)
class SyncStatus:
    connectivity: Connectivity = Connectivity.UNKNOWN
    pending: int = 0
    needs_attention: int = 0
    last_synced_at: datetime | None = None
    syncing: bool = False
    last_error: str | None = None  # a sentence for the status bar
    retry_in: float | None = None  # seconds until the next attempt after a failure

    @property
    def online(self) -> bool:
        return self.connectivity is Connectivity.ONLINE


StatusListener = Callable[[SyncStatus], None]


class StatusBoard:
    """Holds the current status and tells listeners (from the sync thread) when it changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status = SyncStatus()
        self._listeners: list[StatusListener] = []

    @property
    def current(self) -> SyncStatus:
        with self._lock:
            return self._status

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        """Add a listener; the returned function removes it."""
        with self._lock:
            self._listeners.append(listener)
        return lambda: self._unsubscribe(listener)

    def update(self, **changes: Any) -> SyncStatus:
        with self._lock:
            before = self._status
            self._status = replace(before, **changes)
            status, listeners = self._status, list(self._listeners)
        if status != before:
            for listener in listeners:
                _tell(listener, status)
        return status

    def _unsubscribe(self, listener: StatusListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)


def _tell(listener: StatusListener, status: SyncStatus) -> None:
    try:
        listener(status)
    except Exception:  # a broken listener must not stop sync
        log.exception("sync status listener failed")
