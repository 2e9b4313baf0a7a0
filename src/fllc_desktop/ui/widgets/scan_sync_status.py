"""Sync in the status bar: whether sync is working, how many changes wait, when sync last worked,
and a button to the needs-attention list when the server refused something.

It agrees with the window's connection label (``status_connection``): both say "offline" when either
the app's requests or the sync engine cannot reach the server (``on_connection_changed`` is given
the gateway's state; the scan services make each side tell the other). When the engine is happy
it says "up to date" or "ready" — "online" is the connection label's word alone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from fllc_desktop.sync.status import Connectivity, SyncStatus

NAME = "sync_status"


class SyncStatusWidget(QWidget):
    sig_attention_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(NAME)
        self.connection = _label(f"{NAME}_connection", self)
        self.pending = _label(f"{NAME}_pending", self)
        self.last_sync = _label(f"{NAME}_last_sync", self)
        self.attention = QPushButton(self)
        self.attention.setObjectName(f"{NAME}_attention")
        self.attention.setFlat(True)
        self.attention.hide()
        self.attention.clicked.connect(self.sig_attention_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.connection, self.pending, self.attention, self.last_sync):
            layout.addWidget(widget)
        self._server_reachable = True
        self._status = SyncStatus(connectivity=Connectivity.SIGNED_OUT)
        self.on_sync_controller_sig_status_changed(self._status)

    def on_connection_changed(self, state: str) -> None:
        """The gateway's connection state (``online``/``offline``/``reconnecting``)."""
        self._server_reachable = state != "offline"
        self.on_sync_controller_sig_status_changed(self._status)

    def on_sync_controller_sig_status_changed(self, status: SyncStatus) -> None:
        self._status = status
        shown = effective(status, server_reachable=self._server_reachable)
        self.connection.setText(connection_text(shown))
        self.connection.setProperty("state", shown.connectivity.value)
        self.connection.setToolTip(status.last_error or "")
        self.pending.setText(f"{status.pending} to sync" if status.pending else "All synced")
        self.pending.setProperty("pending", bool(status.pending))
        self.attention.setVisible(bool(status.needs_attention))
        self.attention.setText(f"⚠ {status.needs_attention} need attention")
        self.last_sync.setText(last_sync_text(status.last_synced_at))
        signed_in = status.connectivity is not Connectivity.SIGNED_OUT
        self.pending.setVisible(signed_in)  # "All synced" means nothing before anyone signs in
        self.last_sync.setVisible(signed_in)
        for label in (self.connection, self.pending):
            label.style().unpolish(label)
            label.style().polish(label)
            label.updateGeometry()  # a polish that changes the font or padding changes the size


def effective(status: SyncStatus, *, server_reachable: bool) -> SyncStatus:
    """The engine's status, made offline when the app knows the server cannot be reached (the
    engine may have last tried it half a minute ago)."""
    if server_reachable or status.connectivity is Connectivity.SIGNED_OUT:
        return status
    return replace(status, connectivity=Connectivity.OFFLINE, syncing=False)


def connection_text(status: SyncStatus) -> str:
    if status.connectivity is Connectivity.SIGNED_OUT:
        return "Sync: signed out"
    if status.syncing:
        return "Sync: syncing…"
    if status.connectivity is Connectivity.OFFLINE:
        retry = f" — retrying in {status.retry_in:.0f} s" if status.retry_in else ""
        return f"Sync: offline{retry}"
    if status.connectivity is Connectivity.ONLINE:
        return "Sync: ready" if status.pending else "Sync: up to date"
    return "Sync: starting"


def last_sync_text(moment: datetime | None) -> str:
    if moment is None:
        return "Never synced"
    return f"Last sync {moment.astimezone().strftime('%H:%M:%S')}"


def _label(name: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    return label
