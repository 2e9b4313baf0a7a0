"""The sync engine on its own thread, its status brought to the GUI thread by signal.

:class:`SyncController` lives in the GUI thread. ``start(engine)`` (at sign-in, with an engine bound
to the signed-in user's ops) runs ``SyncEngine.run_until_stopped`` on a daemon Python thread; the
engine's status listener is called on that thread and re-emitted as ``sig_status_changed``, which Qt
queues to the GUI thread. ``stop()`` (at sign-out, at exit) ends the loop after the current round,
so the next user never pushes the previous user's ops.

``wake()`` makes the engine sync soon: call it when an op was enqueued and when the server pokes
(a live event on the WebSocket). A local database failure on the sync thread does not loop: the
thread stops and ``sig_store_failed`` carries the title and message for the user.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from fllc_desktop.sync.status import Connectivity, SyncStatus

if TYPE_CHECKING:  # the engine and the store load after the window shows (see scan_setup)
    from fllc_desktop.sync.engine import SyncEngine

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 15.0
_LIVE_EVENT_TYPES = frozenset({"hello"})  # every other event may change what the replica holds


class SyncController(QObject):
    sig_status_changed = Signal(object)
    """A :class:`SyncStatus`, on the GUI thread."""
    sig_outbox_changed = Signal()
    """The server answered for some ops (or a person retried/discarded one): reload op lists."""
    sig_store_failed = Signal(str, str)
    """``(title, message)``: the local database failed on the sync thread; sync has stopped."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine: SyncEngine | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._unsubscribe: Callable[[], None] | None = None
        self._status = SyncStatus(connectivity=Connectivity.SIGNED_OUT)
        self._counting_on: int | None = None  # the thread inside refresh_counts, if any
        self.sig_status_changed.connect(self._remember)

    # ------------------------------------------------------------------ state

    @property
    def status(self) -> SyncStatus:
        return self._status

    @property
    def engine(self) -> SyncEngine | None:
        return self._engine

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ control

    def start(self, engine: SyncEngine) -> None:
        """Sync ``engine``'s owner's ops from now on (another engine running is stopped first)."""
        self.stop()
        self._engine = engine
        self._stop = threading.Event()
        self._unsubscribe = engine.add_listener(lambda status: self._on_engine_status(engine, status))
        self._publish(engine.refresh_counts())
        self._thread = threading.Thread(target=self._run, args=(engine, self._stop), name="fllc-sync")
        self._thread.daemon = True
        self._thread.start()

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Stop after the round in progress; True when the thread ended within ``timeout``."""
        engine, thread = self._engine, self._thread
        if engine is None:
            return True
        self._stop.set()
        engine.wake()
        ended = True
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            ended = not thread.is_alive()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._engine, self._thread, self._unsubscribe = None, None, None
        self._publish(SyncStatus(connectivity=Connectivity.SIGNED_OUT))
        return ended

    def wake(self) -> None:
        """Sync soon: an op was enqueued, a person retried one, or the server poked us."""
        if self._engine is not None:
            self._engine.wake()

    def refresh_counts(self) -> None:
        """Re-read the pending and needs-attention counts now (after an enqueue, a retry, a discard).
        The counts change, the server's answers do not: no ``sig_outbox_changed`` (which makes every
        screen re-read its ops and the catalog on the GUI thread, once per scan otherwise)."""
        if self._engine is not None:
            self._counting_on = threading.get_ident()
            try:
                status = self._engine.refresh_counts()
            finally:
                self._counting_on = None
            self._publish(status)

    # ------------------------------------------------------------------ slots

    def on_event_stream_sig_event(self, message: dict[str, Any]) -> None:
        """A live event (``stock.changed``…): the server has news, pull it."""
        if message.get("type") not in _LIVE_EVENT_TYPES:
            self.wake()

    def on_event_stream_sig_resumed(self) -> None:
        self.wake()

    def on_session_signed_out(self) -> None:
        self.stop()

    # ------------------------------------------------------------------ the sync thread

    def _run(self, engine: SyncEngine, stop: threading.Event) -> None:
        from fllc_desktop.store.errors import StoreError  # loaded already: the engine uses the store

        try:
            engine.run_until_stopped(stop)
        except StoreError as exc:
            log.exception("the local database failed on the sync thread; sync stopped")
            self.sig_store_failed.emit(exc.title, exc.message)
        except Exception as exc:  # our bug, or the client closed under us: log it, never loop on it
            log.exception("the sync thread failed")
            if engine is self._engine:
                failed = SyncStatus(connectivity=Connectivity.OFFLINE, last_error=f"Sync stopped: {exc}")
                self.sig_status_changed.emit(failed)

    def _on_engine_status(self, engine: SyncEngine, status: SyncStatus) -> None:  # either thread
        if engine is not self._engine:
            return  # a late word from an engine already stopped (the previous user's)
        if self._counting_on == threading.get_ident():
            return  # refresh_counts publishes it, and no answer arrived
        self.sig_status_changed.emit(status)
        if not status.syncing:  # a round ended: answers may have arrived
            self.sig_outbox_changed.emit()

    def _publish(self, status: SyncStatus) -> None:
        self.sig_status_changed.emit(status)

    def _remember(self, status: SyncStatus) -> None:
        self._status = status
