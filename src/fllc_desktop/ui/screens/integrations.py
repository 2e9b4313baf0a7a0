"""Integrations (system.configure): switch providers on, set their secrets (write-only: after
saving, a secret is only ever shown as "set"), send each signed provider a test event, make and
revoke API keys (a new key is shown once), and watch the inbox: what came in and what became of
it — handled, failed with the reason, parked, needing a mapping — with retry, and unknown SKUs
mapped to our products."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api import Page
from fllc_desktop.api.errors import ApiError, OfflineError
from fllc_desktop.qt.services import IntegrationsOverview, IntegrationsService
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenFactory
from fllc_desktop.ui.widgets.banner import Banner

JsonObject = dict[str, Any]
SCOPES = ("pos.write", "payments.write", "orders.read")
STATUSES = ("", "received", "handled", "failed", "parked", "needs_mapping")
RETRYABLE = ("failed", "parked")


def _table(name: str, headers: list[str], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for row, cells in enumerate(rows):
        for column, text in enumerate(cells):
            table.setItem(row, column, QTableWidgetItem(text))


def _when(value: object) -> str:
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M")


def _button(text: str, name: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    return button


class ProvidersTab(QWidget):
    """The providers, a selected one's switch and secrets, and its test event."""

    def __init__(self, screen: IntegrationsScreen) -> None:
        super().__init__(screen)
        self._screen = screen
        self.providers: list[JsonObject] = []
        self._shown: str | None = None
        self.table = _table(
            "integrations_providers", ["Provider", "Kind", "On", "Secrets set", "Webhook"], self
        )
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.toggle = _button("Switch &on", "integrations_toggle", self)
        self.toggle.clicked.connect(self._toggle)
        self.test_event = _button("Send a &test event", "integrations_test_event", self)
        self.test_event.clicked.connect(self._send_test_event)
        self.test_result = QLabel(self)
        self.test_result.setObjectName("integrations_test_result")
        self.test_result.setWordWrap(True)
        self.secrets_box = QGroupBox("Secrets", self)
        self.secrets_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.secrets_form = QFormLayout(self.secrets_box)
        self.secret_fields: dict[str, QLineEdit] = {}
        note = QLabel("Secrets are write-only: once saved they are never shown again, only “set”.", self)
        note.setProperty("role", "muted")
        actions = QHBoxLayout()
        actions.addWidget(self.toggle)
        actions.addWidget(self.test_event)
        actions.addWidget(self.test_result, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.secrets_box)
        layout.addWidget(note)
        layout.addStretch(0)
        self.save_secrets: QPushButton
        self._show_selected()  # builds the secrets' fields and their save button

    def show_providers(self, providers: list[JsonObject]) -> None:
        selected = self.selected()
        self.providers = providers
        _fill(
            self.table,
            [
                [
                    str(p["title"]),
                    str(p["kind"]),
                    "yes" if p.get("enabled") else "no",
                    ", ".join(p.get("secrets_set") or []) or "none",
                    str(p.get("webhook_path", "")),
                ]
                for p in providers
            ],
        )
        names = [p["name"] for p in providers]
        if selected is not None and selected["name"] in names:
            self.table.selectRow(names.index(selected["name"]))
        elif providers:
            self.table.selectRow(0)
        self._show_selected()

    def selected(self) -> JsonObject | None:
        rows = self.table.selectionModel().selectedRows()
        return self.providers[rows[0].row()] if rows and rows[0].row() < len(self.providers) else None

    def select(self, name: str) -> None:
        for row, provider in enumerate(self.providers):
            if provider["name"] == name:
                self.table.selectRow(row)

    def _show_selected(self) -> None:
        provider = self.selected()
        name = provider["name"] if provider else None
        if name != self._shown:  # another provider: the last one's test result is not its own
            self.test_result.clear()
            self._shown = name
        self.toggle.setEnabled(provider is not None)
        self.test_event.setEnabled(bool(provider and provider.get("signed")))
        self.test_event.setToolTip(
            "" if not provider or provider.get("signed") else "Signs nothing: it is checked with an API key"
        )
        self.toggle.setText("Switch &off" if provider and provider.get("enabled") else "Switch &on")
        while self.secrets_form.rowCount():
            self.secrets_form.removeRow(0)
        self.secret_fields = {}
        names = list(provider.get("secret_names") or []) if provider else []
        is_set = set(provider.get("secrets_set") or []) if provider else set()
        self.secrets_box.setTitle(f"Secrets of {provider['title']}" if provider else "Secrets")
        for name in names:
            field = QLineEdit(self.secrets_box)
            field.setObjectName(f"integrations_secret_{name}")
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setPlaceholderText("set — type to replace" if name in is_set else "not set")
            self.secret_fields[name] = field
            self.secrets_form.addRow(name.replace("_", " ").capitalize(), field)
        self.save_secrets = _button("&Save secrets", "integrations_save_secrets", self.secrets_box)
        self.save_secrets.clicked.connect(self._save_secrets)
        self.save_secrets.setEnabled(bool(names))
        self.secrets_form.addRow(self.save_secrets)

    def _toggle(self) -> None:
        provider = self.selected()
        if provider is not None:
            self._screen.service.switch(provider["name"], not provider.get("enabled")).then(
                self._screen.on_provider_saved, self._screen.on_error, self
            )

    def _save_secrets(self) -> None:
        provider = self.selected()
        typed = {name: field.text() for name, field in self.secret_fields.items() if field.text()}
        if provider is None or not typed:
            return
        for field in self.secret_fields.values():
            field.clear()  # write-only: what was typed leaves the screen at once
        self._screen.service.set_secrets(provider["name"], dict(typed)).then(
            self._screen.on_provider_saved, self._screen.on_error, self
        )

    def _send_test_event(self) -> None:
        provider = self.selected()
        if provider is not None:
            self.test_result.setText("Sending…")
            self._screen.service.send_test_event(provider["name"]).then(
                self._on_test_event, self._screen.on_error, self
            )

    def _on_test_event(self, answer: JsonObject) -> None:
        if answer.get("verified"):
            self.test_result.setText(
                f"Verified: stored as inbox message {answer.get('message_id')}, handled like a real one."
            )
            self.test_result.setProperty("role", "success")
        else:
            self.test_result.setText(f"Refused: {answer.get('reason')}")
            self.test_result.setProperty("role", "error")
        self.test_result.style().polish(self.test_result)
        self._screen.reload_inbox()


class KeysTab(QWidget):
    """Every service account's keys; a new key (shown once) and revoking one."""

    def __init__(self, screen: IntegrationsScreen) -> None:
        super().__init__(screen)
        self._screen = screen
        self.keys: list[tuple[JsonObject, JsonObject]] = []  # (account, key)
        self.table = _table(
            "integrations_keys",
            ["Account", "Integration", "Key", "Scopes", "Created", "Last used", "Revoked"],
            self,
        )
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.account = QLineEdit(self)
        self.account.setObjectName("integrations_key_account")
        self.account.setPlaceholderText("e.g. front-till")
        self.integration = QComboBox(self)
        self.integration.setObjectName("integrations_key_integration")
        self.scopes = {scope: QCheckBox(scope, self) for scope in SCOPES}
        for scope, box in self.scopes.items():
            box.setObjectName(f"integrations_scope_{scope.replace('.', '_')}")
        self.scopes["pos.write"].setChecked(True)
        self.create_button = _button("&Create key", "integrations_create_key", self)
        self.create_button.clicked.connect(self._create)
        self.revoke_button = _button("&Revoke key", "integrations_revoke_key", self)
        self.revoke_button.clicked.connect(self._revoke)
        self.revoke_button.setEnabled(False)
        self.new_key = QLineEdit(self)
        self.new_key.setObjectName("integrations_new_key")
        self.new_key.setReadOnly(True)
        self.new_key.hide()
        self.new_key_note = QLabel("Copy this key now: it is shown this once and never again.", self)
        self.new_key_note.setObjectName("integrations_new_key_note")
        self.new_key_note.setProperty("role", "warning")
        self.new_key_note.hide()
        scopes = QHBoxLayout()
        for box in self.scopes.values():
            scopes.addWidget(box)
        scopes.addStretch(1)
        form = QFormLayout()
        form.addRow("Service account", self.account)
        form.addRow("Integration", self.integration)
        form.addRow("Scopes", scopes)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        buttons.addWidget(self.revoke_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.new_key_note)
        layout.addWidget(self.new_key)

    def show_accounts(self, accounts: list[JsonObject], providers: list[JsonObject]) -> None:
        if self.integration.count() == 0:
            for provider in providers:
                self.integration.addItem(str(provider["title"]), provider["name"])
        self.keys = [(account, key) for account in accounts for key in account.get("keys") or []]
        _fill(
            self.table,
            [
                [
                    str(account["name"]),
                    str(account["integration"]),
                    f"{key['prefix']}…",
                    ", ".join(key.get("scopes") or []),
                    _when(key.get("created_at")),
                    _when(key.get("last_used_at")),
                    _when(key.get("revoked_at")) if key.get("revoked_at") else "",
                ]
                for account, key in self.keys
            ],
        )
        self._selection_changed()

    def selected(self) -> tuple[JsonObject, JsonObject] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.keys[rows[0].row()] if rows and rows[0].row() < len(self.keys) else None

    def _selection_changed(self) -> None:
        chosen = self.selected()
        self.revoke_button.setEnabled(chosen is not None and not chosen[1].get("revoked_at"))

    def _create(self) -> None:
        name = self.account.text().strip()
        scopes = [scope for scope, box in self.scopes.items() if box.isChecked()]
        if not name or not scopes:
            self._screen.message.show_message("Name the service account and tick at least one scope.")
            return
        integration = str(self.integration.currentData() or "generic")
        self._screen.service.create_key(name, integration, scopes).then(
            self._on_created, self._screen.on_error, self
        )

    def _on_created(self, key: JsonObject) -> None:
        self.new_key.setText(str(key.get("key", "")))
        self.new_key.show()
        self.new_key_note.show()
        self.new_key.selectAll()
        self._screen.reload()

    def _revoke(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            account, key = chosen
            self._screen.service.revoke_key(int(account["id"]), int(key["id"])).then(
                lambda _key: self._screen.reload(), self._screen.on_error, self
            )


class InboxTab(QWidget):
    """What came in, filtered by status, with retry; unknown SKUs and their mapping."""

    def __init__(self, screen: IntegrationsScreen) -> None:
        super().__init__(screen)
        self._screen = screen
        self.messages: list[JsonObject] = []
        self.lines: list[JsonObject] = []
        self.loaded = 0
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("integrations_inbox_status")
        for status in STATUSES:
            self.status_filter.addItem(status.replace("_", " ") or "all", status or None)
        self.status_filter.currentIndexChanged.connect(lambda _index: self.reload())
        self.counts = QLabel(self)
        self.counts.setObjectName("integrations_inbox_counts")
        self.table = _table(
            "integrations_inbox",
            ["Received (UTC)", "Source", "Kind", "External id", "Status", "Attempts", "Reason"],
            self,
        )
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.retry = _button("Re&try", "integrations_retry", self)
        self.retry.clicked.connect(self._retry)
        self.retry.setEnabled(False)
        self.refresh = _button("Re&fresh", "integrations_refresh", self)
        self.refresh.clicked.connect(self._screen.reload)
        self.unmapped = _table(
            "integrations_unmapped", ["Source", "Their SKU", "Description", "Quantity", "Order"], self
        )
        self.unmapped.itemSelectionChanged.connect(self._selection_changed)
        self.our_sku = QLineEdit(self)
        self.our_sku.setObjectName("integrations_map_sku")
        self.our_sku.setPlaceholderText("our SKU")
        self.map = _button("&Map to product", "integrations_map", self)
        self.map.clicked.connect(self._map)
        self.map.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("Status", self))
        top.addWidget(self.status_filter)
        top.addWidget(self.counts, 1)
        top.addWidget(self.retry)
        top.addWidget(self.refresh)
        mapping = QHBoxLayout()
        mapping.addWidget(QLabel("Unknown SKUs: map the selected one to", self))
        mapping.addWidget(self.our_sku, 1)
        mapping.addWidget(self.map)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 3)
        layout.addLayout(mapping)
        layout.addWidget(self.unmapped, 1)

    def reload(self) -> None:
        status = self.status_filter.currentData()
        self._screen.service.inbox(status).then(self._on_inbox, self._screen.on_error, self)
        self._screen.service.unmapped_lines().then(self._on_unmapped, self._screen.on_error, self)

    def show_counts(self, counts: dict[str, int]) -> None:
        shown = [f"{counts[s]} {s.replace('_', ' ')}" for s in STATUSES if s and counts.get(s)]
        self.counts.setText(" · ".join(shown) or "Nothing has come in yet")

    def _on_inbox(self, page: Page) -> None:
        self.messages = page.items
        _fill(
            self.table,
            [
                [
                    _when(m.get("received_at")),
                    str(m["source"]),
                    str(m["kind"]),
                    str(m["external_id"]),
                    str(m["status"]).replace("_", " "),
                    str(m.get("attempts", 0)),
                    str(m.get("reason") or ""),
                ]
                for m in self.messages
            ],
        )
        self.loaded += 1
        self._selection_changed()

    def _on_unmapped(self, page: Page) -> None:
        self.lines = page.items
        _fill(
            self.unmapped,
            [
                [
                    str(x["source"]),
                    str(x["external_sku"]),
                    str(x.get("description") or ""),
                    str(x["quantity"]),
                    str(x["order_id"]),
                ]
                for x in self.lines
            ],
        )
        self._selection_changed()

    def selected_message(self) -> JsonObject | None:
        rows = self.table.selectionModel().selectedRows()
        return self.messages[rows[0].row()] if rows and rows[0].row() < len(self.messages) else None

    def selected_line(self) -> JsonObject | None:
        rows = self.unmapped.selectionModel().selectedRows()
        return self.lines[rows[0].row()] if rows and rows[0].row() < len(self.lines) else None

    def _selection_changed(self) -> None:
        message = self.selected_message()
        self.retry.setEnabled(message is not None and message.get("status") in RETRYABLE)
        self.map.setEnabled(self.selected_line() is not None)

    def _retry(self) -> None:
        message = self.selected_message()
        if message is not None:
            self._screen.service.retry(int(message["id"])).then(
                lambda _m: self._screen.reload(), self._screen.on_error, self
            )

    def _map(self) -> None:
        line = self.selected_line()
        if line is None or not self.our_sku.text().strip():
            return
        ask = self._screen.service.map_sku(
            str(line["source"]), str(line["external_sku"]), self.our_sku.text()
        )
        ask.then(self._on_mapped, self._screen.on_error, self)

    def _on_mapped(self, answer: JsonObject) -> None:
        self.our_sku.clear()
        applied = int(answer.get("lines_applied", 0))
        lines = "line" if applied == 1 else "lines"
        self._screen.notice.setText(
            f"{answer.get('external_sku')} is now mapped; {applied} waiting {lines} applied."
        )
        self._screen.reload()


class IntegrationsScreen(QWidget):
    def __init__(self, service: IntegrationsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen_integrations")
        self.service = service
        self.loaded = 0
        self.message = Banner("integrations_message", "error", parent=self)
        self.notice = QLabel(self)
        self.notice.setObjectName("integrations_notice")
        self.notice.setProperty("role", "muted")
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("integrations_tabs")
        self.providers = ProvidersTab(self)
        self.keys = KeysTab(self)
        self.inbox = InboxTab(self)
        self.tabs.addTab(self.providers, "&Providers")
        self.tabs.addTab(self.keys, "API &keys")
        self.tabs.addTab(self.inbox, "&Inbox")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.notice, 0, Qt.AlignmentFlag.AlignLeft)
        self.reload()

    def reload(self) -> None:
        self.service.overview().then(self.on_overview, self.on_error, self)
        self.inbox.reload()

    def reload_inbox(self) -> None:
        self.reload()

    def on_overview(self, overview: IntegrationsOverview) -> None:
        self.message.hide()
        self.providers.show_providers(overview.providers)
        self.keys.show_accounts(overview.accounts, overview.providers)
        self.inbox.show_counts(overview.counts)
        self.loaded += 1

    def on_provider_saved(self, provider: JsonObject) -> None:
        self.notice.setText(f"{provider.get('title')} saved.")
        self.reload()

    def on_error(self, error: ApiError) -> None:
        if isinstance(error, OfflineError):
            self.notice.setText("Offline: showing what was loaded last.")
            return
        self.message.show_message(f"{error.title}: {error.message}")


def integrations_screen_factory(service: IntegrationsService) -> ScreenFactory:
    def build(_context: ScreenContext) -> QWidget:
        return IntegrationsScreen(service)

    return build
