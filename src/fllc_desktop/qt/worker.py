"""Background work: a ``QRunnable`` whose signals live on a small ``QObject`` (superqt's shape).

The function runs on a thread-pool thread and never touches a widget; its result or its exception
comes back to the GUI thread through ``sig_returned`` / ``sig_errored`` (queued connections, because
the signals object lives in the GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class WorkerSignals(QObject):
    sig_returned = Signal(object)
    sig_errored = Signal(object)
    sig_finished = Signal()


class Worker(QRunnable):
    """Runs ``function()`` once on a pool thread and reports by signal."""

    def __init__(self, function: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner keeps it until ``sig_finished`` arrives
        self.function = function
        self.signals = WorkerSignals()

    def run(self) -> None:
        try:
            result = self.function()
        except Exception as exc:  # reported to the GUI thread, which decides what it means
            self.signals.sig_errored.emit(exc)
        else:
            self.signals.sig_returned.emit(result)
        finally:
            self.signals.sig_finished.emit()


class TaskRunner(QObject):
    """Starts workers on a thread pool and keeps each one alive until it has reported."""

    sig_idle = Signal()

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._running: set[Worker] = set()

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def start(
        self,
        function: Callable[[], Any],
        on_returned: Callable[[Any], None],
        on_errored: Callable[[Exception], None],
    ) -> Worker:
        worker = Worker(function)
        worker.signals.sig_returned.connect(on_returned)
        worker.signals.sig_errored.connect(on_errored)
        worker.signals.sig_finished.connect(lambda: self._forget(worker))
        self._running.add(worker)
        self._pool.start(worker)
        return worker

    def wait_for_done(self, msecs: int = 30_000) -> bool:
        """For shutdown and tests: block until the pool is empty."""
        return self._pool.waitForDone(msecs)

    def _forget(self, worker: Worker) -> None:
        self._running.discard(worker)
        if not self._running:
            self.sig_idle.emit()
