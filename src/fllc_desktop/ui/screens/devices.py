"""Devices (users.manage): each tablet or desktop that syncs — who pushed from it last, when, its
app version, and the ops it still held (pending) and that wait for a person (needs attention), as
its last sync push reported them. A device with ops needing attention is marked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api import Page
from fllc_desktop.api.errors import ApiError, OfflineError
from fllc_desktop.qt.services import AuditService
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenFactory
from fllc_desktop.ui.widgets.banner import Banner

JsonObject = dict[str, Any]
COLUMNS = (
    ("device_id", "Device"),
    ("username", "Last user"),
    ("last_push_at", "Last sync (UTC)"),
    ("pending", "Pending"),
    ("needs_attention", "Needs attention"),
    ("app_version", "App version"),
    ("pushes", "Pushes"),
)
ATTENTION = QColor("#fdecea")


def _ago(value: object, now: dt.datetime) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value or "")
    minutes = max(0, int((now - moment).total_seconds() // 60))
    when = moment.strftime("%Y-%m-%d %H:%M")
    if minutes < 60:
        return f"{when} ({minutes} min ago)"
    if minutes < 48 * 60:
        return f"{when} ({minutes // 60} h ago)"
    return f"{when} ({minutes // 1440} days ago)"


class DevicesScreen(QWidget):
    def __init__(self, admin: AuditService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen_devices")
        self._admin = admin
        self.devices: list[JsonObject] = []
        self.loaded = 0
        self.message = Banner("devices_message", "error", parent=self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("devices_table")
        self.table.setHorizontalHeaderLabels([title for _key, title in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel(self)
        self.status.setObjectName("devices_status")
        self.status.setProperty("role", "muted")
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.setObjectName("devices_refresh")
        self.refresh_button.clicked.connect(self.reload)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.reload()

    def reload(self) -> None:
        self.status.setText("Loading…")
        self._admin.devices().then(self.on_page, self.on_error, self)

    def on_page(self, page: Page) -> None:
        self.message.hide()
        self.devices = page.items
        now = dt.datetime.now(dt.UTC)
        self.table.setRowCount(len(self.devices))
        for row, device in enumerate(self.devices):
            flagged = int(device.get("needs_attention") or 0) > 0
            for column, (key, _title) in enumerate(COLUMNS):
                value = device.get(key)
                text = _ago(value, now) if key == "last_push_at" else ("—" if value is None else str(value))
                item = QTableWidgetItem(text)
                if flagged:
                    item.setBackground(QBrush(ATTENTION))
                self.table.setItem(row, column, item)
        waiting = sum(1 for d in self.devices if int(d.get("needs_attention") or 0) > 0)
        self.status.setText(
            f"{page.total:,} device{'' if page.total == 1 else 's'}"
            + (f" · {waiting} with ops waiting for a person" if waiting else "")
        )
        self.loaded += 1

    def on_error(self, error: ApiError) -> None:
        if isinstance(error, OfflineError):
            self.status.setText("Offline: showing what was loaded last.")
            return
        self.message.show_message(f"{error.title}: {error.message}")


def devices_screen_factory(admin: AuditService) -> ScreenFactory:
    def build(_context: ScreenContext) -> QWidget:
        return DevicesScreen(admin)

    return build
