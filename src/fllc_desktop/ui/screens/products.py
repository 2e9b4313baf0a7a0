"""Products: a paged, server-searched and server-sorted table with a detail panel and live updates."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api import Page
from fllc_desktop.api.errors import ApiError, OfflineError
from fllc_desktop.domain.permissions import Grants, Permission
from fllc_desktop.qt.event_stream import EventStream
from fllc_desktop.qt.services import CatalogService, LabelsService, Lookups, ProductQuery, ProductStock
from fllc_desktop.ui.dialogs.stock_dialogs import AdjustStockDialog, TransferStockDialog
from fllc_desktop.ui.models.products_model import COLUMNS, LOW_STOCK_COLOUR, ProductTableModel
from fllc_desktop.ui.screens.product_editing import ProductEditor
from fllc_desktop.ui.screens.registry import ScreenFactory
from fllc_desktop.ui.theme import icon
from fllc_desktop.ui.widgets.inputs import IdComboBox
from fllc_desktop.ui.widgets.product_detail import ProductDetail

if TYPE_CHECKING:  # the labels (barcodes, reportlab, QtPdf) load when first printed: a quick start
    from fllc_desktop.ui.dialogs.label_dialog import PrintLabelsDialog

SEARCH_DEBOUNCE_MS = 250
NAME_COLUMN = next(i for i, column in enumerate(COLUMNS) if column.field == "name")
MAX_CODE_COLUMN_PX = 130
TABLET_HIDDEN = ("barcode", "reorder_point")
TABLET_DETAIL_PX = 400


def _in_touch_layout(widget: QWidget) -> bool:
    node: QWidget | None = widget
    while node is not None:
        if node.property("touch") == "true":
            return True
        node = node.parentWidget()
    return False


JsonObject = dict[str, Any]


class ProductsScreen(QWidget):
    def __init__(
        self,
        catalog: CatalogService,
        events: EventStream | None,
        grants: Grants,
        parent: QWidget | None = None,
        *,
        debounce_ms: int = SEARCH_DEBOUNCE_MS,
        labels: LabelsService | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screen_products")
        self._catalog = catalog
        self._labels = labels
        self.labels_dialog: PrintLabelsDialog | None = None
        self.query = ProductQuery()
        self._serial = 0  # answers to older searches are dropped
        self.loaded_serial = 0
        self._columns_sized = False
        self.model = ProductTableModel(self)
        self.editor = ProductEditor(catalog, self)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._build(grants)
        self._connect(events)
        self.reload()
        catalog.lookups().then(self.on_catalog_lookups, lambda _error: None, self)

    # -- building ---------------------------------------------------------------------------------
    def _build(self, grants: Grants) -> None:
        self.search = QLineEdit(self)
        self.search.setObjectName("products_search")
        self.search.setPlaceholderText("Search by SKU, barcode or name  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.category_filter = IdComboBox("products_filter_category", "All categories", self)
        self.supplier_filter = IdComboBox("products_filter_supplier", "All suppliers", self)
        self.low_stock = QCheckBox("&Low stock only", self)
        self.low_stock.setObjectName("products_filter_low_stock")
        modify = Permission.PRODUCTS_MODIFY
        self.new_button = self._action_button(grants, modify, "products_new", "&New", "add")
        self.edit_button = self._action_button(
            grants, Permission.PRODUCTS_MODIFY, "products_edit", "&Edit", "edit"
        )
        self.delete_button = self._action_button(
            grants, Permission.PRODUCTS_DELETE, "products_delete", "&Delete", "delete"
        )
        self.labels_button = (
            self._action_button(grants, Permission.STOCK_INTAKE, "products_print_labels", "&Labels…", "print")
            if self._labels is not None
            else None
        )
        if self.labels_button is not None:
            self.labels_button.setToolTip("Print labels of the selected products (Ctrl+P)")
        self.table = self._build_table()
        self.detail = ProductDetail(self)
        self.adjust_button = self._action_button(
            grants, Permission.PRODUCTS_MODIFY, "products_adjust_stock", "&Adjust stock…", "edit"
        )
        self.transfer_button = self._action_button(
            grants, Permission.STOCK_INTAKE, "products_transfer_stock", "&Transfer…", "orders"
        )
        for button in (self.adjust_button, self.transfer_button):
            if button is not None:
                button.setEnabled(False)
                self.detail.add_action(button)
        self.detail.action_row.addStretch(1)
        self.stock_dialog: AdjustStockDialog | TransferStockDialog | None = None
        self.levels: list[JsonObject] = []
        self.status = QLabel(self)
        self.status.setObjectName("products_status")
        self.status.setProperty("role", "muted")
        self.prev_button = QPushButton("< Previous", self)
        self.prev_button.setObjectName("products_prev")
        self.next_button = QPushButton("Next >", self)
        self.next_button.setObjectName("products_next")
        self.page_label = QLabel(self)
        self.page_label.setObjectName("products_page_label")
        self.legend = QLabel(
            f'<span style="background:{LOW_STOCK_COLOUR};">&nbsp;&nbsp;&nbsp;&nbsp;</span>'
            "&nbsp;low stock (at or below the reorder point)",
            self,
        )
        self.legend.setObjectName("products_legend")
        self.legend.setProperty("role", "muted")
        self._lay_out()

    def _action_button(
        self, grants: Grants, permission: Permission, name: str, text: str, icon_name: str
    ) -> QPushButton | None:
        if not grants.allows(permission):
            return None  # not hidden: never built, so it cannot be reached by keyboard either
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(name)
        return button

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("products_table")
        table.setModel(self.model)
        table.setSortingEnabled(True)
        table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # labels of several
        table.setAlternatingRowColors(True)
        table.verticalHeader().hide()
        table.setWordWrap(False)
        return table

    def _size_columns(self) -> None:
        """Once, on the first page with rows: fit the columns to it, the name takes the rest.
        (Measuring every page again would cost more than the server's answer.)"""
        if self._columns_sized or self.model.rowCount() == 0:
            return
        self._columns_sized = True
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        if _in_touch_layout(self):  # a tablet: the detail panel shows the barcode and reorder point
            for column, spec in enumerate(COLUMNS):
                self.table.setColumnHidden(column, spec.field in TABLET_HIDDEN)
            self.detail.setMinimumWidth(TABLET_DETAIL_PX)  # its movements table fits, nothing cut off
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):  # codes and figures never crowd out the name
            if column != NAME_COLUMN and header.sectionSize(column) > MAX_CODE_COLUMN_PX:
                header.resizeSection(column, MAX_CODE_COLUMN_PX)
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.Stretch)

    def _lay_out(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.category_filter, 1)
        filters.addWidget(self.supplier_filter, 1)
        filters.addWidget(self.low_stock)
        for button in (self.new_button, self.edit_button, self.delete_button, self.labels_button):
            if button is not None:
                filters.addWidget(button)
        pager = QHBoxLayout()
        pager.addWidget(self.status, 1)
        pager.addWidget(self.prev_button)
        pager.addWidget(self.page_label)
        pager.addWidget(self.next_button)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table)
        left_layout.addWidget(self.legend)
        left_layout.addLayout(pager)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        self.detail.setMinimumWidth(300)
        splitter.setSizes([900, 360])
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

    def _connect(self, events: EventStream | None) -> None:
        self.search.textChanged.connect(self.on_search_text_changed)
        self._debounce.timeout.connect(self.on_debounce_timeout)
        self.category_filter.currentIndexChanged.connect(self.on_filter_changed)
        self.supplier_filter.currentIndexChanged.connect(self.on_filter_changed)
        self.low_stock.toggled.connect(self.on_filter_changed)
        self.model.sig_sort_requested.connect(self.on_model_sig_sort_requested)
        self.model.sig_sort_refused.connect(self.on_model_sig_sort_refused)
        self.table.selectionModel().currentRowChanged.connect(self.on_table_current_row_changed)
        self.prev_button.clicked.connect(lambda: self.go_to_page(self.query.page - 1))
        self.next_button.clicked.connect(lambda: self.go_to_page(self.query.page + 1))
        if self.new_button is not None:
            self.new_button.clicked.connect(self.on_new_clicked)
        if self.edit_button is not None:
            self.edit_button.clicked.connect(self.on_edit_clicked)
        if self.delete_button is not None:
            self.delete_button.clicked.connect(self.on_delete_clicked)
        if self.adjust_button is not None:
            self.adjust_button.clicked.connect(self.on_adjust_clicked)
        if self.transfer_button is not None:
            self.transfer_button.clicked.connect(self.on_transfer_clicked)
        if self.labels_button is not None:
            self.labels_button.clicked.connect(self.on_labels_clicked)
            QShortcut(QKeySequence.StandardKey.Print, self, self.on_labels_clicked)
        self.editor.sig_saved.connect(self.on_editor_sig_saved)
        self.editor.sig_deleted.connect(self.on_editor_sig_deleted)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        QShortcut(QKeySequence.StandardKey.Refresh, self, self.reload)
        self.table.activated.connect(self.on_edit_clicked)  # Enter or a double click on a row edits it
        self.search.returnPressed.connect(self.table.setFocus)  # Enter in the search goes to the results
        if self.new_button is not None:
            QShortcut(QKeySequence.StandardKey.New, self, self.on_new_clicked)
        if self.delete_button is not None:
            delete = QShortcut(QKeySequence.StandardKey.Delete, self.table, self.on_delete_clicked)
            delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        if events is not None:
            events.sig_event.connect(self.on_events_sig_event)
            events.sig_resumed.connect(self.reload)

    # -- loading ----------------------------------------------------------------------------------
    def reload(self) -> None:
        self._serial += 1
        serial = self._serial
        self.status.setText("Loading…")
        self._catalog.search_products(self.query).then(
            lambda page: self.on_catalog_page(serial, page),
            lambda error: self.on_catalog_error(serial, error),
            owner=self,
        )

    def go_to_page(self, page: int) -> None:
        if 1 <= page <= self.model.pages:
            self.query = replace(self.query, page=page)
            self.reload()

    def on_catalog_page(self, serial: int, page: Page) -> None:
        if serial != self._serial:
            return
        self.loaded_serial = serial
        selected = self.selected_product()
        self.model.set_page(page)
        self._size_columns()
        self.status.setText(f"{page.total:,} products" if page.total != 1 else "1 product")
        self.page_label.setText(f"Page {self.model.page} of {self.model.pages}")
        self.prev_button.setEnabled(self.model.page > 1)
        self.next_button.setEnabled(self.model.page < self.model.pages)
        self._select_again(selected)

    def on_catalog_error(self, serial: int, error: ApiError) -> None:
        if serial != self._serial:
            return
        if isinstance(error, OfflineError):
            self.status.setText("Offline: showing what was loaded last.")
        else:
            self.status.setText(f"{error.title}: {error.message}")

    def on_catalog_lookups(self, lookups: Lookups) -> None:
        self.editor.lookups = lookups
        self.category_filter.set_entities(lookups.categories)
        self.supplier_filter.set_entities(lookups.suppliers)
        self.detail.locations = {loc.get("id"): loc for loc in lookups.locations}

    # -- user actions -----------------------------------------------------------------------------
    def on_search_text_changed(self, _text: str) -> None:
        self._debounce.start()

    def on_debounce_timeout(self) -> None:
        self.query = replace(self.query, text=self.search.text(), page=1)
        self.reload()

    def on_filter_changed(self, *_args: object) -> None:
        self.query = replace(
            self.query,
            category_id=self.category_filter.value(),
            supplier_id=self.supplier_filter.value(),
            low_stock=self.low_stock.isChecked(),
            page=1,
        )
        self.reload()

    def on_model_sig_sort_requested(self, sort_key: str) -> None:
        self.query = replace(self.query, sort=sort_key, page=1)
        self.reload()

    def on_model_sig_sort_refused(self, _column: int) -> None:
        header = self.table.horizontalHeader()
        key = self.query.sort or ""
        fields = [column.field for column in COLUMNS]
        column = fields.index(key.lstrip("-")) if key.lstrip("-") in fields else -1
        order = Qt.SortOrder.DescendingOrder if key.startswith("-") else Qt.SortOrder.AscendingOrder
        header.blockSignals(True)
        header.setSortIndicator(column, order)
        header.blockSignals(False)
        self.status.setText("That column cannot be sorted; sort by SKU, name, price or quantity.")

    def on_new_clicked(self) -> None:
        self.editor.create()

    def on_edit_clicked(self, *_args: object) -> None:
        product = self.selected_product()
        if product is not None and self.edit_button is not None:
            self.editor.edit(product)

    def on_delete_clicked(self) -> None:
        product = self.selected_product()
        if product is not None:
            self.editor.delete(product)

    def on_editor_sig_saved(self, product: JsonObject) -> None:
        if not self.model.update_product(product):
            self.reload()
        self.on_table_current_row_changed()

    def on_editor_sig_deleted(self, product_id: object) -> None:
        self.model.remove_product(product_id)
        self.reload()

    # -- selection and detail ---------------------------------------------------------------------
    def selected_product(self) -> JsonObject | None:
        index = self.table.currentIndex()
        return self.model.product_at(index.row()) if index.isValid() else None

    def selected_products(self) -> list[JsonObject]:
        """The selected rows in table order (the current row when nothing is selected)."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        products = [product for row in rows if (product := self.model.product_at(row)) is not None]
        current = self.selected_product()
        return products or ([current] if current is not None else [])

    def select_row(self, row: int) -> None:
        """Select that row alone (the table takes several for labels: a row still selected from
        before a reload must not ride along)."""
        self.table.clearSelection()
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))

    def _select_again(self, product: JsonObject | None) -> None:
        row = self.model.row_of(product.get("id")) if product else None
        if row is not None:
            self.select_row(row)
        else:
            self.detail.show_product(None)

    def on_table_current_row_changed(self, *_args: object) -> None:
        product = self.selected_product()
        self.detail.show_product(product)
        self.levels = []
        for button in (self.adjust_button, self.transfer_button):
            if button is not None:
                button.setEnabled(False)
        if product is None:
            return
        self.detail.show_loading()
        product_id = product["id"]
        self._catalog.stock_of(int(product_id)).then(
            lambda stock: self.on_catalog_stock(product_id, stock),
            lambda error: self.detail.show_unavailable(error.title.lower()),
            owner=self,
        )

    def on_catalog_stock(self, product_id: object, stock: ProductStock) -> None:
        current = self.selected_product()
        if current is not None and current.get("id") == product_id:
            if stock.product:
                self.model.update_product({k: v for k, v in stock.product.items() if k != "stock"})
                self.detail.show_product(self.selected_product())
            self.detail.show_stock(stock.levels, stock.movements)
            self.levels = stock.levels
            if self.adjust_button is not None:
                self.adjust_button.setEnabled(True)
            if self.transfer_button is not None:
                self.transfer_button.setEnabled(
                    any(int(level.get("quantity") or 0) > 0 for level in stock.levels)
                )

    # -- stock at a desk --------------------------------------------------------------------------
    def _on_hand(self) -> dict[Any, int]:
        return {level.get("location_id"): int(level.get("quantity") or 0) for level in self.levels}

    def on_adjust_clicked(self) -> AdjustStockDialog | None:
        product = self.selected_product()
        if product is None:
            return None
        dialog = AdjustStockDialog(product, list(self.detail.locations.values()), self._on_hand(), self)
        dialog.sig_book_requested.connect(
            lambda body: self._catalog.adjust_stock(body).then(
                lambda _answer: self._on_booked(dialog), dialog.show_refusal, dialog
            )
        )
        self.stock_dialog = dialog
        dialog.open()
        return dialog

    def on_transfer_clicked(self) -> TransferStockDialog | None:
        product = self.selected_product()
        if product is None:
            return None
        dialog = TransferStockDialog(product, list(self.detail.locations.values()), self._on_hand(), self)
        dialog.sig_book_requested.connect(
            lambda body: self._catalog.transfer_stock(body).then(
                lambda _answer: self._on_booked(dialog), dialog.show_refusal, dialog
            )
        )
        self.stock_dialog = dialog
        dialog.open()
        return dialog

    def _on_booked(self, dialog: QWidget) -> None:
        dialog.close()
        self.status.setText("Stock booked.")
        self.on_table_current_row_changed()

    # -- labels -----------------------------------------------------------------------------------
    def on_labels_clicked(self) -> PrintLabelsDialog | None:
        products = self.selected_products()
        if self._labels is None or not products:
            self.status.setText("Select the products to label first.")
            return None
        from fllc_desktop.ui.dialogs.label_dialog import PrintLabelsDialog, product_label

        dialog = PrintLabelsDialog([product_label(p) for p in products], self._labels, self)
        dialog.sig_done.connect(self.status.setText)
        self.labels_dialog = dialog
        dialog.open()
        return dialog

    # -- live events ------------------------------------------------------------------------------
    def on_events_sig_event(self, message: dict[str, Any]) -> None:
        kind, data = message.get("type"), message.get("data") or {}
        product_id = data.get("product_id", data.get("id"))
        if product_id is None:
            return
        if kind == "product.deleted":
            self.model.remove_product(product_id)
        elif kind in {"stock.changed", "product.changed"} and self.model.row_of(product_id) is not None:
            if kind == "stock.changed" and "quantity_on_hand" in data:
                self.model.set_quantity(product_id, int(data["quantity_on_hand"]))
                self._refresh_detail_of(product_id)
            else:
                self._catalog.product(int(product_id)).then(self.on_catalog_product, lambda _e: None, self)

    def _refresh_detail_of(self, product_id: object) -> None:
        selected = self.selected_product()
        if selected is not None and selected.get("id") == product_id:
            self.on_table_current_row_changed()

    def on_catalog_product(self, product: JsonObject) -> None:
        self.model.update_product({k: v for k, v in product.items() if k != "stock"})
        self._refresh_detail_of(product.get("id"))


def products_screen_factory(
    catalog: CatalogService, events: EventStream | None, labels: LabelsService | None = None
) -> ScreenFactory:
    return lambda context: ProductsScreen(catalog, events, context.grants, labels=labels)
