"""Settings (admin): the server's typed settings as a form, checked here and by the server."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api.errors import ApiError, OfflineError, ValidationError
from fllc_desktop.qt.services import SettingsService
from fllc_desktop.ui.screens.registry import ScreenFactory
from fllc_desktop.ui.widgets.form import ErrorForm
from fllc_desktop.ui.widgets.label_printers import LabelPrintersEditor

JsonObject = dict[str, Any]
CURRENCY = re.compile(r"^[A-Z]{3}$")


def _spin(name: str, low: int, high: int, parent: QWidget, special: str = "") -> QSpinBox:
    box = QSpinBox(parent)
    box.setObjectName(name)
    box.setRange(low, high)
    if special:
        box.setSpecialValueText(special)
    return box


class SettingsScreen(QWidget):
    def __init__(self, settings: SettingsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen_settings")
        self._settings = settings
        self.loaded: JsonObject = {}
        self.form = ErrorForm("settings_form", self)
        self._build_fields()
        self.save_button = QPushButton("&Save settings", self)
        self.save_button.setObjectName("settings_save")
        self.save_button.setDefault(True)
        self.revert_button = QPushButton("Re&vert", self)
        self.revert_button.setObjectName("settings_revert")
        self.status = QLabel(self)
        self.status.setObjectName("settings_status")
        self.status.setProperty("role", "muted")
        self.save_button.clicked.connect(self.on_save_clicked)
        self.revert_button.clicked.connect(lambda: self.load(self.loaded))
        self._lay_out()
        self.reload()

    def _build_fields(self) -> None:
        self.company_name = QLineEdit(self)
        self.currency = QLineEdit(self)
        self.currency.setMaxLength(3)
        self.currency.setPlaceholderText("USD")
        self.threshold = _spin("field_default_low_stock_threshold", 0, 1_000_000, self)
        self.location = QComboBox(self)
        self.location.setObjectName("field_default_location_id")
        self.location.addItem("None", None)
        self.rate_limit = QLineEdit(self)
        self.rate_limit.setPlaceholderText("1200/minute")
        self.access_minutes = _spin("field_access_token_minutes", 1, 15, self)
        self.refresh_days = _spin("field_refresh_token_days", 1, 90, self)
        self.tolerance = QDoubleSpinBox(self)
        self.tolerance.setObjectName("field_over_receipt_tolerance_percent")
        self.tolerance.setRange(0, 100)
        self.tolerance.setDecimals(2)
        self.tolerance.setSuffix(" %")
        self.batch = _spin("field_sync_batch_limit", 1, 5000, self)
        self.refuse_expired = QCheckBox("Refuse goods past their expiry date (otherwise: warn)", self)
        self.refuse_expired.setObjectName("field_refuse_expired_goods")
        self.near_expiry = _spin("field_near_expiry_days", 0, 3650, self)
        self.near_expiry.setSuffix(" days")
        self.allow_backorders = QCheckBox(
            "Orders to ship may back-order what is not in stock (allocated oldest order first)", self
        )
        self.allow_backorders.setObjectName("field_allow_backorders")
        self.label_printers = LabelPrintersEditor("field_label_printers", self)
        self.label_printers.setToolTip("The only printers labels are sent to (raw TCP, ZPL)")
        for key, label, widget in (
            ("company_name", "&Company name", self.company_name),
            ("currency", "C&urrency", self.currency),
            ("default_low_stock_threshold", "&Low stock threshold", self.threshold),
            ("default_location_id", "Default &location", self.location),
            ("rate_limit", "&Rate limit", self.rate_limit),
            ("access_token_minutes", "&Access token minutes", self.access_minutes),
            ("refresh_token_days", "Re&fresh token days", self.refresh_days),
            ("over_receipt_tolerance_percent", "&Over-receipt tolerance", self.tolerance),
            ("sync_batch_limit", "Sync &batch limit", self.batch),
            ("refuse_expired_goods", "&Expired goods", self.refuse_expired),
            ("near_expiry_days", "&Near-expiry warning", self.near_expiry),
            ("allow_backorders", "Bac&k-orders", self.allow_backorders),
            ("label_printers", "Label &printers", self.label_printers),
        ):
            self.form.add_field(key, label, widget)

    def _lay_out(self) -> None:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        inner = QWidget(scroll)
        inner_layout = QVBoxLayout(inner)
        inner_layout.addWidget(self.form)
        inner_layout.addStretch(1)
        scroll.setWidget(inner)
        self.form.setMaximumWidth(640)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    # -- values -----------------------------------------------------------------------------------
    def reload(self) -> None:
        self.status.setText("Loading…")
        self._settings.load().then(self.on_settings_loaded, self.on_settings_errored, self)
        self._settings.locations().then(self.on_locations_loaded, lambda _error: None, self)

    def on_locations_loaded(self, locations: list[JsonObject]) -> None:
        chosen = self.location.currentData()
        self.location.clear()
        self.location.addItem("None", None)
        for location in locations:
            text = f"{location.get('code')} — {location.get('name') or ''}".strip(" —")
            self.location.addItem(text, int(location["id"]))
        self._choose_location(chosen if chosen is not None else self.loaded.get("default_location_id"))

    def _choose_location(self, location_id: Any) -> None:
        if location_id is None:
            self.location.setCurrentIndex(0)
            return
        index = self.location.findData(int(location_id))
        if index < 0:  # not loaded (yet): keep it rather than lose it
            self.location.addItem(f"Location {location_id}", int(location_id))
            index = self.location.count() - 1
        self.location.setCurrentIndex(index)

    def on_settings_loaded(self, values: JsonObject) -> None:
        self.loaded = dict(values)
        self.load(values)
        self.status.setText("")

    def load(self, values: JsonObject) -> None:
        self.form.clear_errors()
        self.company_name.setText(str(values.get("company_name") or ""))
        self.currency.setText(str(values.get("currency") or ""))
        self.threshold.setValue(int(values.get("default_low_stock_threshold") or 0))
        self._choose_location(values.get("default_location_id"))
        self.rate_limit.setText(str(values.get("rate_limit") or ""))
        self.access_minutes.setValue(int(values.get("access_token_minutes") or 15))
        self.refresh_days.setValue(int(values.get("refresh_token_days") or 14))
        self.tolerance.setValue(float(values.get("over_receipt_tolerance_percent") or 0))
        self.batch.setValue(int(values.get("sync_batch_limit") or 1000))
        self.refuse_expired.setChecked(values.get("refuse_expired_goods") is True)
        near = values.get("near_expiry_days")
        self.near_expiry.setValue(int(near) if near is not None else 30)
        self.allow_backorders.setChecked(values.get("allow_backorders") is True)
        self.label_printers.set_printers(list(values.get("label_printers") or []))

    def values(self) -> JsonObject:
        return {
            "company_name": self.company_name.text().strip(),
            "currency": self.currency.text().strip(),
            "default_low_stock_threshold": self.threshold.value(),
            "default_location_id": self.location.currentData(),
            "rate_limit": self.rate_limit.text().strip(),
            "access_token_minutes": self.access_minutes.value(),
            "refresh_token_days": self.refresh_days.value(),
            "over_receipt_tolerance_percent": f"{self.tolerance.value():.2f}",
            "sync_batch_limit": self.batch.value(),
            "refuse_expired_goods": self.refuse_expired.isChecked(),
            "near_expiry_days": self.near_expiry.value(),
            "allow_backorders": self.allow_backorders.isChecked(),
            "label_printers": self.label_printers.printers(),
        }

    def changes(self) -> JsonObject:
        return {key: value for key, value in self.values().items() if not _same(value, self.loaded.get(key))}

    # -- saving -----------------------------------------------------------------------------------
    def on_save_clicked(self) -> None:
        changes = self.changes()
        errors = check_settings(changes)
        if errors:
            self.form.show_errors(errors)
            self.status.setText("Please correct the marked fields.")
            return
        if not changes:
            self.status.setText("Nothing to save.")
            return
        self.form.clear_errors()
        self.save_button.setEnabled(False)
        self.status.setText("Saving…")
        self._settings.save(changes).then(self.on_settings_saved, self.on_settings_errored, self)

    def on_settings_saved(self, values: JsonObject) -> None:
        self.save_button.setEnabled(True)
        self.on_settings_loaded(values)
        self.status.setText("Saved.")

    def on_settings_errored(self, error: ApiError) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, ValidationError):
            self.form.show_errors(error.field_errors)
            self.status.setText("The server did not accept some values: see the marked fields.")
        elif isinstance(error, OfflineError):
            self.status.setText("Offline: nothing was saved. Your changes are still in the form.")
        else:
            self.status.setText(f"{error.title}: {error.message}")


def check_settings(values: JsonObject) -> dict[str, list[str]]:
    """The checks the spin boxes cannot enforce, mirrored from the server's schema."""
    errors: dict[str, list[str]] = {}
    if "company_name" in values and not values["company_name"]:
        errors["company_name"] = ["is required"]
    if "currency" in values and not CURRENCY.match(values["currency"]):
        errors["currency"] = ["three capital letters, e.g. USD"]
    printers = values.get("label_printers") or []
    if any(not p["name"] or not p["host"] for p in printers):
        errors["label_printers"] = ["every printer needs a name and a host"]
    elif len({p["name"].casefold() for p in printers}) != len(printers):
        errors["label_printers"] = ["two printers have the same name"]
    if "rate_limit" in values and not values["rate_limit"]:
        errors["rate_limit"] = ["is required, e.g. '600/minute'"]  # its grammar is the server's to check
    return errors


def _same(value: Any, loaded: Any) -> bool:
    if isinstance(value, str) and value and loaded is not None:
        try:
            return Decimal(value) == Decimal(str(loaded))
        except ArithmeticError:
            return value == str(loaded)
    return bool(value == loaded)


def settings_screen_factory(settings: SettingsService) -> ScreenFactory:
    return lambda _context: SettingsScreen(settings)
