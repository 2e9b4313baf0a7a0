"""A thread-safe FIFO of scans, so that a burst never loses one.

A person with a scanner can fire ten scans in two seconds while the screen is still committing the
first. Every source (wedge, serial, manual entry) puts its codes here the moment they are complete;
the screen takes them one at a time, in order, when it is ready for the next. Nothing is dropped:
the queue is unbounded and a scan leaves it only when taken.

:class:`ScanPump` is the consumer for Qt-free code: one thread that hands each scan to a handler and
waits for the handler to return before handing over the next.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

_log = logging.getLogger(__name__)


class ScanSource(StrEnum):
    WEDGE = "wedge"
    SERIAL = "serial"
    MANUAL = "manual"
    FRAGMENT = "fragment"
    """What was read of a wedge scan that was cut off: reported to the person, never booked."""


@dataclass(frozen=True)
class Scan:
    """One complete code, numbered in arrival order."""

    seq: int
    code: str
    source: ScanSource
    received_at: float


class ScanQueue:
    """Unbounded, thread-safe, first in first out. ``put`` never blocks and never drops."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._scans: deque[Scan] = deque()
        self._ready = threading.Condition()
        self._numbers = itertools.count(1)
        self._clock = clock
        self._closed = False

    def put(self, code: str, source: ScanSource) -> Scan:
        with self._ready:
            scan = Scan(next(self._numbers), code, source, self._clock())
            self._scans.append(scan)
            self._ready.notify()
        return scan

    def take(self, timeout: float | None = None) -> Scan | None:
        """The oldest scan; waits up to ``timeout`` seconds (None: until one comes or ``close``)."""
        with self._ready:
            self._ready.wait_for(lambda: self._scans or self._closed, timeout)
            return self._scans.popleft() if self._scans else None

    def take_nowait(self) -> Scan | None:
        with self._ready:
            return self._scans.popleft() if self._scans else None

    def put_back(self, scan: Scan) -> None:
        """Return a taken scan to the front: it was not handled."""
        with self._ready:
            self._scans.appendleft(scan)
            self._ready.notify()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Wake every waiting ``take``; scans still queued can still be taken."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def __len__(self) -> int:
        with self._ready:
            return len(self._scans)


class ScanPump:
    """A consumer thread: hands scans to ``handler`` one at a time, in order."""

    def __init__(self, queue: ScanQueue, handler: Callable[[Scan], None], name: str = "scan-pump") -> None:
        self._queue = queue
        self._handler = handler
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the scan being handled; queued scans stay in the queue."""
        self._stopping.set()
        self._queue.close()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            scan = self._queue.take()
            if scan is None:
                if self._queue.closed:
                    return
                continue
            if self._stopping.is_set():
                self._queue.put_back(scan)
                return
            self._hand_over(scan)

    def _hand_over(self, scan: Scan) -> None:
        try:
            self._handler(scan)
        except Exception:  # a failing screen must not stop the scans behind this one
            _log.exception("Handling scan %s (%r) failed", scan.seq, scan.code)
