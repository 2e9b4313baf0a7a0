"""A purchase order's EDI panel: what the supplier said (997, 855), the changes it proposes beside
the order as it stands (confirm or decline), the ship notice's cartons and the invoice's three-way
match. It shows the server's EDI view (a dict) and asks for decisions by signal: no HTTP here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
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

JsonObject = dict[str, Any]

STATUS_WORDS = {
    "queued": "850 waiting to be sent",
    "sent": "850 sent",
    "acknowledged": "acknowledged",
    "rejected": "REJECTED by the supplier",
    "acknowledged_with_changes": "acknowledged with changes",
    "asn_received": "ship notice (ASN) received",
    "invoiced": "invoiced",
}
CHANGE_COLUMNS = (
    "SKU",
    "Ordered",
    "Supplier's quantity",
    "Back-ordered",
    "Our cost",
    "Supplier's cost",
    "Date",
    "Supplier says",
)
MATCH_COLUMNS = ("SKU", "Ordered", "Received", "Invoiced", "Our cost", "Invoiced price", "Discrepancies")


def edi_text(order: JsonObject) -> str:
    """The EDI column of the orders' list: the status, and the match once invoiced."""
    status = order.get("edi_status")
    if not status:
        return ""
    text = STATUS_WORDS.get(str(status), str(status).replace("_", " "))
    match = order.get("edi_match")
    return f"{text} · {match}" if match else text


def _table(name: str, columns: tuple[str, ...], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _set_rows(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for row, values in enumerate(rows):
        for column, value in enumerate(values):
            table.setItem(row, column, QTableWidgetItem(value))
    table.setVisible(bool(rows))


class PoEdiPanel(QWidget):
    sig_confirm_requested = Signal(int)
    sig_decline_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("po_edi")
        self.view: JsonObject | None = None
        self.summary = QLabel(self)
        self.summary.setObjectName("po_edi_summary")
        self.summary.setWordWrap(True)
        self.changes = _table("po_edi_changes", CHANGE_COLUMNS, self)
        self.confirm = QPushButton("Confirm the supplier's changes", self)
        self.confirm.setObjectName("po_edi_confirm")
        self.decline = QPushButton("Decline them", self)
        self.decline.setObjectName("po_edi_decline")
        self.match = _table("po_edi_match", MATCH_COLUMNS, self)
        self.confirm.clicked.connect(lambda: self._ask(self.sig_confirm_requested))
        self.decline.clicked.connect(lambda: self._ask(self.sig_decline_requested))
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm)
        buttons.addWidget(self.decline)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.changes)
        layout.addLayout(buttons)
        layout.addWidget(self.match)
        self.show_view(None)

    def _ask(self, signal: Any) -> None:
        if self.view is not None:
            signal.emit(int(self.view["purchase_order_id"]))

    def show_view(self, view: JsonObject | None) -> None:
        self.view = view
        self.setVisible(view is not None)
        if view is None:
            return
        self.summary.setText(_summary(view))
        pending = view.get("changes_status") == "pending"
        _set_rows(self.changes, [_change_row(c) for c in view.get("changes") or []])
        self.confirm.setVisible(pending)
        self.decline.setVisible(pending)
        match = view.get("match") or {}
        _set_rows(self.match, [_match_row(line) for line in match.get("lines") or []])


def _summary(view: JsonObject) -> str:
    parts = [f"EDI: {STATUS_WORDS.get(str(view.get('status')), str(view.get('status')))}"]
    if view.get("ack_status"):
        parts.append(f"997 {str(view['ack_status']).replace('_', ' ')}")
    if view.get("seller_order_number"):
        parts.append(f"supplier's order {view['seller_order_number']}")
    if view.get("changes"):
        parts.append(f"changes {view.get('changes_status')}")
    cartons = view.get("cartons") or []
    if cartons:
        received = sum(1 for c in cartons if c.get("received_at"))
        parts.append(f"{len(cartons)} cartons announced, {received} received")
    match = view.get("match")
    if match:
        parts.append(f"invoice {match.get('invoice_number')}: {match.get('result')}")
    text = " · ".join(parts)
    reasons = view.get("ack_reasons") or []
    if reasons:
        text += "\nWhy: " + "; ".join(str(r) for r in reasons)
    return text


def _change_row(change: JsonObject) -> tuple[str, ...]:
    return (
        str(change.get("sku", "")),
        str(change.get("ordered_quantity", "")),
        str(change.get("quantity", "")),
        str(change.get("backordered_quantity") or ""),
        str(change.get("ordered_unit_cost", "")),
        str(change.get("unit_cost", "")),
        str(change.get("date") or ""),
        ", ".join(str(s).replace("_", " ") for s in change.get("statuses") or []),
    )


def _match_row(line: JsonObject) -> tuple[str, ...]:
    return (
        str(line.get("sku") or ""),
        str(line.get("ordered_quantity", "")),
        str(line.get("received_quantity", "")),
        str(line.get("invoiced_quantity", "")),
        str(line.get("ordered_unit_cost") or ""),
        str(line.get("invoiced_unit_price") or ""),
        "; ".join(line.get("discrepancies") or []) or "ok",
    )
