"""The label printers' allow-list as an editable table (Settings, admins): name, host, raw port, dpi.
Labels go to these printers only; the server checks every entry again."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

JsonObject = dict[str, Any]
DPIS = (203, 300, 600)
COLUMNS = ("Name", "Host", "Port", "DPI")


class LabelPrintersEditor(QWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName(f"{name}_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(140)
        self.add_button = QPushButton("Add printer", self)
        self.add_button.setObjectName(f"{name}_add")
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setObjectName(f"{name}_remove")
        self.add_button.clicked.connect(lambda: self.add_printer({}))
        self.remove_button.clicked.connect(self.on_remove_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_printers(self, printers: list[JsonObject]) -> None:
        self.table.setRowCount(0)
        for printer in printers:
            self.add_printer(printer)

    def add_printer(self, printer: JsonObject) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(str(printer.get("name") or "")))
        self.table.setItem(row, 1, QTableWidgetItem(str(printer.get("host") or "")))
        port = QSpinBox(self.table)
        port.setRange(1, 65535)
        port.setValue(int(printer.get("port") or 9100))
        self.table.setCellWidget(row, 2, port)
        dpi = QComboBox(self.table)
        for value in DPIS:
            dpi.addItem(str(value), value)
        dpi.setCurrentIndex(max(0, dpi.findData(int(printer.get("dpi") or 203))))
        self.table.setCellWidget(row, 3, dpi)
        return row

    def on_remove_clicked(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def printers(self) -> list[JsonObject]:
        """The rows with a name or a host (blank rows are left out), as the setting's entries."""
        found = []
        for row in range(self.table.rowCount()):
            name, host = (self._text(row, column) for column in (0, 1))
            if not name and not host:
                continue
            port, dpi = self.table.cellWidget(row, 2), self.table.cellWidget(row, 3)
            assert isinstance(port, QSpinBox)
            assert isinstance(dpi, QComboBox)
            found.append({"name": name, "host": host, "port": port.value(), "dpi": int(dpi.currentData())})
        return found

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""
