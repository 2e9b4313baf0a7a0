"""The audit log (users.manage): who changed what and when, filtered by user, entity and time, with
the entry's before and after images side by side, field by field (changed fields marked)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api import Page
from fllc_desktop.api.errors import ApiError, OfflineError
from fllc_desktop.qt.services import AuditQuery, AuditService
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenFactory
from fllc_desktop.ui.widgets.banner import Banner
from fllc_desktop.ui.widgets.inputs import IdComboBox
from fllc_desktop.ui.widgets.record_table import selected_record

JsonObject = dict[str, Any]
ENTITY_TYPES = (
    "product",
    "category",
    "supplier",
    "location",
    "purchase_order",
    "order",
    "user",
    "settings",
    "system",
)
ENTRY_COLUMNS = ("When (UTC)", "User", "Action", "Entity", "Id")
CHANGED = QColor("#fff4d6")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def field_rows(before: Any, after: Any) -> list[tuple[str, str, str, bool]]:
    """(field, before, after, changed) for every field of either image; an image that is not an
    object is one row named "value"."""
    if not isinstance(before, dict) and not isinstance(after, dict):
        if before is None and after is None:
            return []
        return [("value", _cell(before), _cell(after), before != after)]
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    keys = list(old) + [key for key in new if key not in old]
    return [(key, _cell(old.get(key)), _cell(new.get(key)), old.get(key) != new.get(key)) for key in keys]


class AuditLogScreen(QWidget):
    def __init__(self, audit: AuditService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen_audit_log")
        self._audit = audit
        self.query = AuditQuery(per_page=100)
        self.entries: list[JsonObject] = []
        self.usernames: dict[Any, str] = {}
        self.pages = 1
        self.loaded = 0
        self._serial = 0
        self._build()
        self._lay_out()
        self._connect()
        audit.users().then(self.on_users, lambda _error: None, self)
        self.reload()

    # -- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.message = Banner("audit_message", "error", parent=self)
        self.user_filter = IdComboBox("audit_filter_user", "All users", self)
        self.entity_filter = QComboBox(self)
        self.entity_filter.setObjectName("audit_filter_entity")
        self.entity_filter.addItem("All entities", None)
        for entity in ENTITY_TYPES:
            self.entity_filter.addItem(entity.replace("_", " ").capitalize(), entity)
        self.entity_id = QLineEdit(self)
        self.entity_id.setObjectName("audit_filter_entity_id")
        self.entity_id.setPlaceholderText("Id")
        self.entity_id.setMaximumWidth(90)
        self.use_dates = QCheckBox("From", self)
        self.use_dates.setObjectName("audit_filter_use_dates")
        today = QDate.currentDate()
        self.since = self._date_edit("audit_filter_since", today.addDays(-7))
        self.until = self._date_edit("audit_filter_until", today)
        self.to_label = QLabel("to", self)
        self.apply_button = QPushButton("&Apply", self)
        self.apply_button.setObjectName("audit_apply")
        self.apply_button.setDefault(True)
        self.table = QTableWidget(0, len(ENTRY_COLUMNS), self)
        self.table.setObjectName("audit_table")
        self.table.setHorizontalHeaderLabels(list(ENTRY_COLUMNS))
        self._plain(self.table)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.entry_title = QLabel("Select an entry to see what it changed.", self)
        self.entry_title.setObjectName("audit_entry_title")
        self.entry_title.setProperty("role", "heading")
        self.diff = QTableWidget(0, 3, self)
        self.diff.setObjectName("audit_diff")
        self.diff.setHorizontalHeaderLabels(["Field", "Before", "After"])
        self._plain(self.diff)
        self.diff.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.diff.setWordWrap(True)
        diff_header = self.diff.horizontalHeader()
        diff_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        diff_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        diff_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel(self)
        self.status.setObjectName("audit_status")
        self.status.setProperty("role", "muted")
        self.prev_button = QPushButton("< Newer", self)
        self.prev_button.setObjectName("audit_prev")
        self.next_button = QPushButton("Older >", self)
        self.next_button.setObjectName("audit_next")
        self._update_date_inputs()

    def _date_edit(self, name: str, date: QDate) -> QDateEdit:
        edit = QDateEdit(date, self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    @staticmethod
    def _plain(table: QTableWidget) -> None:
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)

    def _lay_out(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.user_filter, 2)
        filters.addWidget(self.entity_filter, 2)
        filters.addWidget(self.entity_id)
        filters.addWidget(self.use_dates)
        filters.addWidget(self.since)
        filters.addWidget(self.to_label)
        filters.addWidget(self.until)
        filters.addWidget(self.apply_button)
        detail = QWidget(self)
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.entry_title)
        detail_layout.addWidget(self.diff, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setSizes([380, 300])
        pager = QHBoxLayout()
        pager.addWidget(self.status, 1)
        pager.addWidget(self.prev_button)
        pager.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addLayout(pager)

    def _connect(self) -> None:
        self.apply_button.clicked.connect(self.apply_filters)
        self.entity_id.returnPressed.connect(self.apply_filters)
        self.user_filter.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.entity_filter.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.use_dates.toggled.connect(self._update_date_inputs)
        self.use_dates.toggled.connect(lambda _on: self.apply_filters())
        self.table.itemSelectionChanged.connect(self.on_table_selection_changed)
        self.prev_button.clicked.connect(lambda: self.go_to_page(self.query.page - 1))
        self.next_button.clicked.connect(lambda: self.go_to_page(self.query.page + 1))

    def _update_date_inputs(self, *_args: object) -> None:
        for widget in (self.since, self.to_label, self.until):
            widget.setEnabled(self.use_dates.isChecked())

    # -- loading ----------------------------------------------------------------------------------
    def on_users(self, users: list[JsonObject]) -> None:
        self.usernames = {user.get("id"): str(user.get("username")) for user in users}
        self.user_filter.set_entities(users, label_key="username")
        self._fill()

    def apply_filters(self) -> None:
        entity_id = self.entity_id.text().strip() or None
        since = until = None
        if self.use_dates.isChecked():
            since = _utc(self.since.date(), QTime(0, 0))
            until = _utc(self.until.date().addDays(1), QTime(0, 0))  # the whole last day
        self.query = replace(
            self.query,
            actor_id=self.user_filter.value(),
            entity_type=self.entity_filter.currentData(),
            entity_id=entity_id,
            since=since,
            until=until,
            page=1,
        )
        self.reload()

    def go_to_page(self, page: int) -> None:
        if 1 <= page <= self.pages:
            self.query = replace(self.query, page=page)
            self.reload()

    def reload(self) -> None:
        self._serial += 1
        serial = self._serial
        self.status.setText("Loading…")
        self._audit.entries(self.query).then(
            lambda page: self.on_page(serial, page), lambda error: self.on_error(serial, error), self
        )

    def on_page(self, serial: int, page: Page) -> None:
        if serial != self._serial:
            return
        self.message.hide()
        self.entries = page.items
        self.pages = max(1, page.pages)
        self._fill()
        noun = "entry" if page.total == 1 else "entries"
        self.status.setText(f"{page.total:,} {noun} · page {page.page} of {self.pages}")
        self.prev_button.setEnabled(page.page > 1)
        self.next_button.setEnabled(page.page < self.pages)
        self.loaded += 1
        if self.entries:
            self.table.selectRow(0)  # row 0 may have been selected already: no selection signal
        self.show_entry(self.selected_entry())

    def on_error(self, serial: int, error: ApiError) -> None:
        if serial != self._serial:
            return
        if isinstance(error, OfflineError):
            self.status.setText("Offline: showing what was loaded last.")
        else:
            self.message.show_message(f"{error.title}: {error.message}")
            self.status.clear()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            actor = entry.get("actor_id")
            values = (
                str(entry.get("created_at") or "").replace("T", " ")[:19],
                self.usernames.get(actor, "system" if actor is None else f"user {actor}"),
                str(entry.get("action") or ""),
                str(entry.get("entity_type") or "").replace("_", " "),
                _cell(entry.get("entity_id")),
            )
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))

    # -- the selected entry -----------------------------------------------------------------------
    def selected_entry(self) -> JsonObject | None:
        return selected_record(self.table, self.entries)

    def on_table_selection_changed(self) -> None:
        self.show_entry(self.selected_entry())

    def show_entry(self, entry: JsonObject | None) -> None:
        if entry is None:
            self.entry_title.setText("Select an entry to see what it changed.")
            self.diff.setRowCount(0)
            return
        rows = sorted(
            field_rows(entry.get("before"), entry.get("after")), key=lambda r: not r[3]
        )  # changed first
        changed = sum(1 for row in rows if row[3])
        self.entry_title.setText(
            f"{entry.get('action')} · {str(entry.get('entity_type') or '').replace('_', ' ')} "
            f"{_cell(entry.get('entity_id'))} · {changed} of {len(rows)} fields changed"
        )
        self.diff.setRowCount(len(rows))
        bold = QFont()
        bold.setBold(True)
        for row, (name, old, new, differs) in enumerate(rows):
            for column, text in enumerate((name, old, new)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if differs:
                    item.setBackground(QBrush(CHANGED))
                    if column == 0:
                        item.setFont(bold)
                self.diff.setItem(row, column, item)
        self.diff.resizeRowsToContents()


def _utc(date: QDate, time: QTime) -> dt.datetime:
    """A local date and time as an aware UTC datetime."""
    local = dt.datetime(date.year(), date.month(), date.day(), time.hour(), time.minute()).astimezone()
    return local.astimezone(dt.UTC)


def audit_log_screen_factory(audit: AuditService) -> ScreenFactory:
    def build(_context: ScreenContext) -> QWidget:
        return AuditLogScreen(audit)

    return build
