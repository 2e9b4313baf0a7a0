"""Purchase orders (purchase_orders.create): the orders by status, their lines, a new order made
from scratch or drafts made from the reorder suggestions, a draft edited, submit and cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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
from fllc_desktop.qt.services import CatalogService, Lookups, PurchasingService
from fllc_desktop.ui.dialogs.purchase_order_dialog import PurchaseOrderDialog
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenFactory
from fllc_desktop.ui.theme import icon
from fllc_desktop.ui.widgets.banner import Banner
from fllc_desktop.ui.widgets.messages import confirm
from fllc_desktop.ui.widgets.po_edi import PoEdiPanel, edi_text
from fllc_desktop.ui.widgets.record_table import select_record, selected_record

JsonObject = dict[str, Any]
STATUSES = ("draft", "submitted", "partially_received", "received", "cancelled")
ORDER_COLUMNS = (
    ("number", "Number"),
    ("status", "Status"),
    ("supplier_id", "Supplier"),
    ("lines", "Lines"),
    ("total", "Total"),
    ("expected_at", "Expected"),
    ("edi", "EDI"),
)
LINE_COLUMNS = (
    ("sku", "SKU"),
    ("name", "Name"),
    ("ordered_quantity", "Ordered"),
    ("received_quantity", "Received"),
    ("unit_cost", "Unit cost"),
)


def _table(name: str, columns: tuple[tuple[str, str], ...], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels([title for _key, title in columns])
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def _fill(
    table: QTableWidget,
    columns: tuple[tuple[str, str], ...],
    rows: list[JsonObject],
    names: dict[Any, str] | None = None,
) -> None:
    table.setRowCount(len(rows))
    for row, item in enumerate(rows):
        for column, (key, _title) in enumerate(columns):
            value = edi_text(item) if key == "edi" else item.get(key)
            if key == "supplier_id" and names:
                value = names.get(value, value)
            text = str(len(value)) if isinstance(value, list) else ("" if value is None else str(value))
            table.setItem(row, column, QTableWidgetItem(text.replace("_", " ") if key == "status" else text))


class PurchaseOrdersScreen(QWidget):
    def __init__(
        self,
        purchasing: PurchasingService,
        catalog: CatalogService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screen_purchase_orders")
        self._purchasing = purchasing
        self._catalog = catalog
        self.lookups = Lookups()
        self.dialog: PurchaseOrderDialog | None = None
        self._select_after_reload: str | None = None
        self.orders: list[JsonObject] = []
        self.supplier_names: dict[Any, str] = {}
        self.message = Banner("po_message", "error", parent=self)
        self.search = QLineEdit(self)
        self.search.setObjectName("po_search")
        self.search.setPlaceholderText("PO number")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("po_filter_status")
        self.status_filter.addItem("Open and closed", None)
        for status in STATUSES:
            self.status_filter.addItem(status.replace("_", " ").capitalize(), status)
        self.new_button = self._button("po_new", "&New order", "add", self.on_new_clicked)
        self.edit_button = self._button("po_edit", "&Edit draft", "edit", self.on_edit_clicked)
        self.suggest_button = self._button(
            "po_from_suggestions", "Drafts from &reorder suggestions", "add", self.on_suggest_clicked
        )
        self.submit_button = self._button("po_submit", "&Submit", "orders", self.on_submit_clicked)
        self.cancel_button = self._button("po_cancel", "&Cancel order", "block", self.on_cancel_clicked)
        self.table = _table("po_table", ORDER_COLUMNS, self)
        self.lines = _table("po_lines", LINE_COLUMNS, self)
        self.edi = PoEdiPanel(self)
        self.status = QLabel(self)
        self.status.setObjectName("po_status")
        self.status.setProperty("role", "muted")
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._connect()
        self._lay_out()
        self._update_buttons()
        self.reload()

    def _button(self, name: str, text: str, icon_name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _connect(self) -> None:
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.status_filter.currentIndexChanged.connect(lambda _index: self.reload())
        self.table.itemSelectionChanged.connect(self.on_table_selection_changed)
        self.edi.sig_confirm_requested.connect(lambda order_id: self._decide(order_id, confirm=True))
        self.edi.sig_decline_requested.connect(lambda order_id: self._decide(order_id, confirm=False))

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status_filter)
        for button in (
            self.new_button,
            self.edit_button,
            self.suggest_button,
            self.submit_button,
            self.cancel_button,
        ):
            top.addWidget(button)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        details = QWidget(splitter)
        below = QVBoxLayout(details)
        below.setContentsMargins(0, 0, 0, 0)
        below.addWidget(self.lines, 1)
        below.addWidget(self.edi, 1)  # shown for orders exchanged by EDI
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

    # -- data -------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.status.setText("Loading…")
        status = self.status_filter.currentData()
        request = self._purchasing.list_orders(status, self.search.text().strip())
        request.then(self.on_orders_page, self._show_refusal, self)

    def on_orders_page(self, page: Page) -> None:
        selected = self.selected_order()
        self.orders = page.items
        _fill(self.table, ORDER_COLUMNS, self.orders, self.supplier_names)
        if self._select_after_reload is None:
            self.status.setText(f"{page.total:,} purchase orders")
        number = self._select_after_reload or (str(selected.get("number")) if selected is not None else None)
        self._select_after_reload = None
        if number is not None:
            self.select_order(number)
        self.on_table_selection_changed()

    def on_catalog_lookups(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.supplier_names = {s.get("id"): str(s.get("name")) for s in lookups.suppliers}
        _fill(self.table, ORDER_COLUMNS, self.orders, self.supplier_names)

    def selected_order(self) -> JsonObject | None:
        return selected_record(self.table, self.orders)

    def select_order(self, number: str) -> bool:
        return select_record(self.table, self.orders, "number", number)

    def on_table_selection_changed(self) -> None:
        order = self.selected_order()
        _fill(self.lines, LINE_COLUMNS, list(order.get("lines") or []) if order else [])
        self._update_buttons()
        if order is None or not order.get("edi_status"):
            self.edi.show_view(None)
            return
        order_id = int(order["id"])

        def on_edi(view: JsonObject) -> None:
            current = self.selected_order()
            if current is not None and current.get("id") == order_id:
                self.edi.show_view(view)

        self._purchasing.edi_order(order_id).then(on_edi, self._show_refusal, self)

    def _decide(self, order_id: int, *, confirm: bool) -> None:
        def on_done(view: JsonObject) -> None:
            self.message.hide()
            self.status.setText(f"The supplier's changes were {view.get('changes_status')}.")
            self.reload()

        self._purchasing.decide_edi_changes(order_id, confirm=confirm).then(on_done, self._show_refusal, self)

    def _update_buttons(self) -> None:
        status = (self.selected_order() or {}).get("status")
        self.submit_button.setEnabled(status == "draft")
        self.edit_button.setEnabled(status == "draft" and self._catalog is not None)
        self.new_button.setEnabled(self._catalog is not None)
        self.cancel_button.setEnabled(status in {"draft", "submitted"})

    def _show_refusal(self, error: ApiError) -> None:
        if isinstance(error, OfflineError):
            self.status.setText("Offline: showing what was loaded last.")
            return
        self.message.show_message(f"{error.title}: {error.message}")

    # -- actions ----------------------------------------------------------------------------------
    def on_suggest_clicked(self) -> None:
        def on_done(orders: list[JsonObject]) -> None:
            self.message.hide()
            self.status.setText(
                f"{len(orders)} draft orders made from the reorder suggestions"
                if orders
                else "Nothing to reorder: no product is at its reorder point."
            )
            self.reload()

        self._purchasing.drafts_from_suggestions().then(on_done, self._show_refusal, self)

    def on_new_clicked(self) -> None:
        self._open(None)

    def on_edit_clicked(self) -> None:
        order = self.selected_order()
        if order is not None and order.get("status") == "draft":
            self._open(order)

    def _open(self, order: JsonObject | None) -> PurchaseOrderDialog | None:
        if self._catalog is None:
            return None
        dialog = PurchaseOrderDialog(self._catalog, self.lookups, order, self)

        def on_saved(saved: JsonObject) -> None:
            dialog.accept()
            self.message.hide()
            self.status.setText(f"{saved.get('number')} saved as a draft: submit it to send it.")
            self._select_after_reload = str(saved.get("number"))
            self.reload()

        dialog.sig_create_requested.connect(
            lambda body: self._purchasing.create_order(body).then(on_saved, dialog.show_refusal, dialog)
        )
        dialog.sig_edit_requested.connect(
            lambda edit: self._purchasing.save_order(int(dialog.original["id"]), edit).then(
                on_saved, dialog.show_refusal, dialog
            )
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def on_submit_clicked(self) -> None:
        order = self.selected_order()
        if order is not None:
            self._purchasing.submit_order(int(order["id"])).then(self._on_changed, self._show_refusal, self)

    def on_cancel_clicked(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        confirm(
            self,
            "dialog_confirm_cancel_po",
            "Cancel purchase order",
            f"Cancel {order.get('number')}? The supplier should be told separately.",
            lambda: self._purchasing.cancel_order(int(order["id"])).then(
                self._on_changed, self._show_refusal, self
            ),
        )

    def _on_changed(self, _order: JsonObject) -> None:
        self.message.hide()
        self.reload()


def purchase_orders_screen_factory(purchasing: PurchasingService, catalog: CatalogService) -> ScreenFactory:
    def build(_context: ScreenContext) -> QWidget:
        screen = PurchaseOrdersScreen(purchasing, catalog)
        catalog.lookups().then(screen.on_catalog_lookups, lambda _error: None, screen)
        return screen

    return build
