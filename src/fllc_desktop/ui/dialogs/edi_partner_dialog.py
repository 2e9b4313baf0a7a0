"""A supplier's EDI partner settings (admins): interchange and group ids, version, test or
production, delimiters, the sets exchanged, and the transport (a folder pair, or SFTP with a key
pair). The SFTP private key is write-only: the dialog says whether one is stored, never shows it,
and sends one only when a new key is pasted. Saving asks by signal; no HTTP here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api.errors import ApiError, ValidationError

JsonObject = dict[str, Any]
SETS = (
    ("850", "850 purchase orders out"),
    ("855", "855 acknowledgements"),
    ("856", "856 ship notices"),
    ("810", "810 invoices"),
    ("997", "997 functional acks"),
)
TEXT_FIELDS = (
    ("our_qualifier", "Our ISA qualifier", "ZZ"),
    ("our_id", "Our ISA id", ""),
    ("their_qualifier", "Their ISA qualifier", "01"),
    ("their_id", "Their ISA id", ""),
    ("our_gs_id", "Our GS id", ""),
    ("their_gs_id", "Their GS id", ""),
)
DELIMITERS = (
    ("element_separator", "*"),
    ("component_separator", ">"),
    ("segment_terminator", "~"),
    ("repetition_separator", "^"),
)


class EdiPartnerDialog(QDialog):
    sig_save_requested = Signal(object)  # the body: every setting, the key only when typed

    def __init__(
        self, supplier: JsonObject, partner: JsonObject | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_edi_partner")
        self.setWindowTitle(f"EDI partner: {supplier.get('name')}")
        self.supplier = supplier
        self.partner = partner or {}
        self.texts: dict[str, QLineEdit] = {}
        self.message = QLabel(self)
        self.message.setObjectName("edi_partner_message")
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        self.message.hide()
        self.enabled = QCheckBox("Exchange EDI with this supplier", self)
        self.enabled.setObjectName("edi_partner_enabled")
        self.version = self._combo("edi_partner_version", ("004010", "005010"))
        self.usage = self._combo("edi_partner_usage", ("production", "test"))
        self.sets = {code: QCheckBox(text, self) for code, text in SETS}
        self.transport = self._combo("edi_partner_transport", ("folder", "sftp"))
        self.port = QSpinBox(self)
        self.port.setObjectName("edi_partner_sftp_port")
        self.port.setRange(1, 65535)
        self.private_key = QPlainTextEdit(self)
        self.private_key.setObjectName("edi_partner_sftp_private_key")
        self.private_key.setFixedHeight(60)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("edi_partner_save")
        self.buttons.accepted.connect(self.on_save_clicked)
        self.buttons.rejected.connect(self.reject)
        self.transport.currentTextChanged.connect(self._show_transport)
        self._lay_out()
        self._load(self.partner)

    def _combo(self, name: str, values: tuple[str, ...]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.addItems(list(values))
        return combo

    def _text(self, key: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(f"edi_partner_{key}")
        edit.setPlaceholderText(placeholder)
        self.texts[key] = edit
        return edit

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow(self.enabled)
        for key, label, placeholder in TEXT_FIELDS:
            form.addRow(label, self._text(key, placeholder))
        form.addRow("X12 version", self.version)
        form.addRow("Interchanges are", self.usage)
        delimiters = QHBoxLayout()
        for key, placeholder in DELIMITERS:
            edit = self._text(key, placeholder)
            edit.setMaxLength(1)
            edit.setFixedWidth(40)
            delimiters.addWidget(edit)
        delimiters.addStretch(1)
        form.addRow("Delimiters (element, component,\nsegment, repetition)", delimiters)
        sets = QGroupBox("Transaction sets exchanged", self)
        sets_layout = QHBoxLayout(sets)
        for code, box in self.sets.items():
            box.setObjectName(f"edi_partner_set_{code}")
            sets_layout.addWidget(box)
        form.addRow(sets)
        form.addRow("Transport", self.transport)
        form.addRow("Drop folder (our files go)", self._text("drop_path", "/srv/edi/acme/in"))
        form.addRow("Pickup folder (theirs arrive)", self._text("pickup_path", "/srv/edi/acme/out"))
        first_sftp_row = form.rowCount()
        form.addRow("SFTP host", self._text("sftp_host", "sftp.supplier.example"))
        form.addRow("SFTP port", self.port)
        form.addRow("SFTP user", self._text("sftp_user"))
        form.addRow("Private key (write-only)", self.private_key)
        form.addRow("Server's host key", self._text("sftp_host_key", "ssh-ed25519 AAAA…"))
        self.form = form
        self.sftp_row_numbers = range(first_sftp_row, form.rowCount())
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.save_button.setDefault(True)

    def _load(self, partner: JsonObject) -> None:
        self.enabled.setChecked(bool(partner.get("enabled", True)))
        for key, edit in self.texts.items():
            value = partner.get(key)
            edit.setText("" if value is None else str(value))
        defaults = {**dict(DELIMITERS), "our_qualifier": "ZZ", "their_qualifier": "01"}
        for key, default in defaults.items():
            if not self.texts[key].text():
                self.texts[key].setText(default)
        self.version.setCurrentText(str(partner.get("version", "004010")))
        self.usage.setCurrentText(str(partner.get("usage", "production")))
        chosen = set(partner.get("sets") or [code for code, _text in SETS])
        for code, box in self.sets.items():
            box.setChecked(code in chosen)
        self.transport.setCurrentText(str(partner.get("transport", "folder")))
        self.port.setValue(int(partner.get("sftp_port") or 22))
        self.private_key.setPlaceholderText(
            "A key is stored; paste a new one to replace it"
            if partner.get("sftp_key_set")
            else "-----BEGIN OPENSSH PRIVATE KEY-----"
        )
        self._show_transport(self.transport.currentText())

    def _show_transport(self, transport: str) -> None:
        for row in self.sftp_row_numbers:
            self.form.setRowVisible(row, transport == "sftp")
        self.adjustSize()

    def sftp_shown(self) -> bool:
        return self.private_key.isVisible()

    def body(self) -> JsonObject:
        body: JsonObject = {"enabled": self.enabled.isChecked()}
        for key, edit in self.texts.items():
            text = edit.text().strip()
            if key.startswith("sftp_"):
                body[key] = text or None
            else:
                body[key] = text
        body["version"] = self.version.currentText()
        body["usage"] = self.usage.currentText()
        body["sets"] = [code for code, box in self.sets.items() if box.isChecked()]
        body["transport"] = self.transport.currentText()
        body["sftp_port"] = self.port.value()
        key = self.private_key.toPlainText().strip()
        if key:
            body["sftp_private_key"] = key + "\n"
        if not self.partner:
            body["supplier_id"] = self.supplier["id"]
        return body

    def on_save_clicked(self) -> None:
        self.save_button.setEnabled(False)
        self.message.hide()
        self.sig_save_requested.emit(self.body())

    def show_refusal(self, error: ApiError) -> None:
        self.save_button.setEnabled(True)
        text = error.message
        if isinstance(error, ValidationError) and error.field_errors:
            text += "\n" + "\n".join(
                f"{field}: {', '.join(msgs)}" for field, msgs in error.field_errors.items()
            )
        self.message.setText(text)
        self.message.show()
