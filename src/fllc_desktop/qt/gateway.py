"""The one door from the GUI thread to the server: every call runs on a worker, answers by callback.

The gateway also owns the policies that must not be repeated screen by screen:

- unreachable server → the connection state turns ``offline`` (the window shows a banner, no dialog)
  and a probe with exponential backoff notices when it is back;
- 429 → the same call is sent again after the server's ``Retry-After``;
- an expired session (a 401 the API client's silent refresh could not fix) → the call waits, the
  window asks the user to sign in again, and the waiting calls are sent again afterwards, so a form
  that was being saved stays open with what the user typed;
- 403 and other refusals go to the caller's ``on_error``; without one they become a notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from fllc_desktop.api.errors import ApiError, OfflineError, RateLimitedError, UnauthorizedError
from fllc_desktop.qt.worker import TaskRunner

MAX_RATE_LIMIT_RETRIES = 3
PROBE_FIRST_DELAY_MS = 1_000
PROBE_MAX_DELAY_MS = 30_000

OnDone = Callable[[Any], None]
OnError = Callable[[ApiError], None]


class ConnectionState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    RECONNECTING = "reconnecting"


@dataclass(slots=True)
class PendingCall:
    call: Callable[[], Any]
    on_done: OnDone
    on_error: OnError | None
    owner: QObject | None
    reauth: bool
    attempts: int = 0

    def owner_alive(self) -> bool:
        return self.owner is None or shiboken6.isValid(self.owner)


class Gateway(QObject):
    sig_connection_changed = Signal(str)
    sig_session_expired = Signal()
    sig_notice = Signal(str, str)  # title, message: for the window's message bar

    def __init__(
        self, runner: TaskRunner, probe: Callable[[], object], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._probe = probe
        self._state = ConnectionState.ONLINE
        self._waiting_for_sign_in: list[PendingCall] = []
        self._probe_delay = PROBE_FIRST_DELAY_MS
        self._probe_timer = QTimer(self)
        self._probe_timer.setSingleShot(True)
        self._probe_timer.timeout.connect(self.on_probe_timer_timeout)
        self._closed = False

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def waiting_for_sign_in(self) -> int:
        return len(self._waiting_for_sign_in)

    def submit(
        self,
        call: Callable[[], Any],
        on_done: OnDone,
        on_error: OnError | None = None,
        *,
        owner: QObject | None = None,
        reauth: bool = True,
    ) -> None:
        """Run ``call()`` on a worker; ``on_done(result)`` or ``on_error(api_error)`` on this thread.

        With an ``owner``, the callbacks are skipped once the owner widget is gone. ``reauth=False``
        is for sign-in itself, where a 401 means a wrong password."""
        self._send(PendingCall(call, on_done, on_error, owner, reauth))

    def check_connection(self) -> None:
        """Probe the server now (e.g. when the event stream dropped)."""
        if not self._probe_timer.isActive() or self._state is ConnectionState.ONLINE:
            self._probe_timer.start(0)

    def resend_after_sign_in(self) -> None:
        waiting, self._waiting_for_sign_in = self._waiting_for_sign_in, []
        for pending in waiting:
            self._send(pending)

    def drop_waiting(self) -> None:
        """The user chose to sign out instead of signing in again."""
        self._waiting_for_sign_in.clear()

    def close(self) -> None:
        """The app is shutting down: send nothing more, and drop the answers still on their way
        (a sign-in answered after shutdown must not build screens that ask the server again)."""
        self._closed = True
        self._probe_timer.stop()
        self._waiting_for_sign_in.clear()

    def _send(self, pending: PendingCall) -> None:
        if self._closed:
            return
        pending.attempts += 1
        self._runner.start(
            pending.call,
            lambda result: self._on_returned(pending, result),
            lambda exc: self._on_errored(pending, exc),
        )

    def _on_returned(self, pending: PendingCall, result: Any) -> None:
        if self._closed:
            return
        self._set_state(ConnectionState.ONLINE)
        if pending.owner_alive():
            pending.on_done(result)

    def _on_errored(self, pending: PendingCall, exc: Exception) -> None:
        if self._closed:
            return
        if not isinstance(exc, ApiError):
            raise exc  # our bug, not the server's answer: crash loudly
        if isinstance(exc, OfflineError):
            self._went_offline()
        else:
            self._set_state(ConnectionState.ONLINE)
        if isinstance(exc, UnauthorizedError) and pending.reauth:
            self._wait_for_sign_in(pending)
            return
        if isinstance(exc, RateLimitedError) and pending.attempts <= MAX_RATE_LIMIT_RETRIES:
            self._retry_later(pending, exc.retry_after)
            return
        self._report(pending, exc)

    def _report(self, pending: PendingCall, exc: ApiError) -> None:
        if not pending.owner_alive():
            return
        if pending.on_error is not None:
            pending.on_error(exc)
        elif not isinstance(exc, OfflineError):  # offline is the banner's job
            self.sig_notice.emit(exc.title, exc.message)

    def _retry_later(self, pending: PendingCall, retry_after: float) -> None:
        seconds = max(0.0, retry_after)
        self.sig_notice.emit("Server busy", f"Too many requests: trying again in {seconds:g} s.")
        QTimer.singleShot(int(seconds * 1000), lambda: self._send(pending))

    def _wait_for_sign_in(self, pending: PendingCall) -> None:
        first = not self._waiting_for_sign_in
        self._waiting_for_sign_in.append(pending)
        if first:
            self.sig_session_expired.emit()

    def _went_offline(self) -> None:
        if self._state is not ConnectionState.OFFLINE:
            self._probe_delay = PROBE_FIRST_DELAY_MS
        self._set_state(ConnectionState.OFFLINE)
        if not self._probe_timer.isActive():
            self._probe_timer.start(self._probe_delay)

    def on_probe_timer_timeout(self) -> None:
        if self._closed:
            return
        self._runner.start(self._probe, self._on_probe_returned, self._on_probe_errored)

    def _on_probe_returned(self, _result: object) -> None:
        if self._closed:
            return
        self._probe_delay = PROBE_FIRST_DELAY_MS
        self._set_state(ConnectionState.ONLINE)

    def _on_probe_errored(self, exc: Exception) -> None:
        if self._closed:
            return
        if not isinstance(exc, OfflineError):
            self._set_state(ConnectionState.ONLINE)  # it answered, even if not with 200
            return
        self._set_state(ConnectionState.OFFLINE)
        self._probe_delay = min(self._probe_delay * 2, PROBE_MAX_DELAY_MS)
        self._probe_timer.start(self._probe_delay)

    def _set_state(self, state: ConnectionState) -> None:
        if state is not self._state:
            self._state = state
            self.sig_connection_changed.emit(state.value)
