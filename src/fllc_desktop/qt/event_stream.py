"""The live event stream: ``/api/v1/events`` over QtWebSockets, reconnecting with backoff.

Messages are ``{type, seq, data}``; the server sends a ``hello`` on connect and ``ping``
when idle. The access token goes in
the upgrade request's ``Authorization: Bearer`` header. After a drop the stream reconnects after
1 s, 2 s, 4 s ... (capped, with jitter); every reconnect emits ``sig_resumed`` so open screens reload
what they show, since events sent while disconnected are not replayed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtNetwork import QAbstractSocket, QNetworkRequest
from PySide6.QtWebSockets import QWebSocket

EVENTS_PATH = "/api/v1/events"
FIRST_DELAY_MS = 1_000
MAX_DELAY_MS = 30_000
_NOT_CHANGES = frozenset({"hello", "ping"})


class StreamState(StrEnum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"


def events_url(server_url: str) -> QUrl:
    url = QUrl(server_url.rstrip("/") + EVENTS_PATH)
    url.setScheme("wss" if url.scheme() == "https" else "ws")
    return url


class EventStream(QObject):
    sig_event = Signal(dict)  # {type, seq, data} of every change notification
    sig_state_changed = Signal(str)
    sig_resumed = Signal()  # connected again after a drop: reload what is shown
    sig_dropped = Signal()  # the connection ended or could not be made

    def __init__(
        self,
        server_url: str,
        token_provider: Callable[[], str | None],
        parent: QObject | None = None,
        *,
        first_delay_ms: int = FIRST_DELAY_MS,
        max_delay_ms: int = MAX_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self._url = events_url(server_url)
        self._token_provider = token_provider
        self._first_delay_ms = first_delay_ms
        self._max_delay_ms = max_delay_ms
        self._delay_ms = first_delay_ms
        self._state = StreamState.STOPPED
        self._ever_connected = False
        self.last_seq: int | None = None
        self._socket = QWebSocket(parent=self)
        self._socket.connected.connect(self.on_socket_connected)
        self._socket.disconnected.connect(self.on_socket_disconnected)
        self._socket.textMessageReceived.connect(self.on_socket_text_message_received)
        self._socket.errorOccurred.connect(self.on_socket_error_occurred)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._open)

    @property
    def state(self) -> StreamState:
        return self._state

    @property
    def next_delay_ms(self) -> int:
        return self._delay_ms

    def start(self) -> None:
        if self._state is StreamState.STOPPED:
            self._set_state(StreamState.CONNECTING)
            self._open()

    def stop(self) -> None:
        self._set_state(StreamState.STOPPED)
        self._retry.stop()
        if self._socket.state() != QAbstractSocket.SocketState.UnconnectedState:
            self._socket.abort()

    def reconnect_now(self) -> None:
        """Skip the rest of the backoff (e.g. after signing in again)."""
        if self._state is StreamState.RECONNECTING:
            self._retry.start(0)

    def _open(self) -> None:
        request = QNetworkRequest(self._url)
        token = self._token_provider()
        if token:
            request.setRawHeader(b"Authorization", f"Bearer {token}".encode())
        self._socket.open(request)

    def on_socket_connected(self) -> None:
        """The upgrade succeeded; the stream counts as connected once the server says hello (a
        refused token is closed with 4401 right after the upgrade)."""

    def _on_hello(self) -> None:
        resumed = self._ever_connected
        self._ever_connected = True
        self._delay_ms = self._first_delay_ms
        self._set_state(StreamState.CONNECTED)
        if resumed:
            self.sig_resumed.emit()

    def on_socket_disconnected(self) -> None:
        self._schedule_reconnect()

    def on_socket_error_occurred(self, _error: QAbstractSocket.SocketError) -> None:
        self._schedule_reconnect()

    def _schedule_reconnect(self) -> None:
        if self._state is StreamState.STOPPED or self._retry.isActive():
            return
        self._set_state(StreamState.RECONNECTING)
        self.sig_dropped.emit()
        jitter = random.uniform(0.8, 1.2)
        self._retry.start(int(self._delay_ms * jitter))
        self._delay_ms = min(self._delay_ms * 2, self._max_delay_ms)

    def on_socket_text_message_received(self, text: str) -> None:
        message = parse_message(text)
        if message is None:
            return
        seq = message.get("seq")
        if isinstance(seq, int):
            self.last_seq = seq
        if message["type"] == "hello":
            self._on_hello()
        elif message["type"] not in _NOT_CHANGES:
            self.sig_event.emit(message)

    def _set_state(self, state: StreamState) -> None:
        if state is not self._state:
            self._state = state
            self.sig_state_changed.emit(state.value)


def parse_message(text: str) -> dict[str, Any] | None:
    """A well-formed ``{type, seq, data}`` message, or None for anything else (ignored)."""
    try:
        message = json.loads(text)
    except ValueError:
        return None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return None
    data = message.get("data")
    message["data"] = data if isinstance(data, dict) else {}
    return message
