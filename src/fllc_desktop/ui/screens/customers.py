"""Customers (reports.generate; changes need products.modify): search by name, email or phone; new
and edited customers with their addresses; duplicates merged into one; a customer's orders, and a
way to the Orders screen filtered by them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api import Page
from fllc_desktop.api.errors import ApiError, OfflineError, ValidationError
from fllc_desktop.domain.permissions import Grants, Permission
from fllc_desktop.qt.sales import SalesService
from fllc_desktop.ui.dialogs.sales_dialogs import CustomerDialog, MergeDialog
from fllc_desktop.ui.screens.orders import fill, table, when, words
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenFactory
from fllc_desktop.ui.theme import icon
from fllc_desktop.ui.widgets.banner import Banner
from fllc_desktop.ui.widgets.messages import confirm
from fllc_desktop.ui.widgets.record_table import select_record, selected_record

JsonObject = dict[str, Any]
DialogT = TypeVar("DialogT", CustomerDialog, MergeDialog)
CUSTOMER_COLUMNS = ("Name", "Email", "Phone", "City", "Since")
ADDRESS_COLUMNS = ("Kind", "Address", "City", "Postcode", "Country")
ORDER_COLUMNS = ("Number", "Placed", "Status", "Payment", "Total")


def _city(customer: JsonObject) -> str:
    addresses = customer.get("addresses") or []
    return str(addresses[0].get("city") or "") if addresses else ""


class CustomersScreen(QWidget):
    sig_show_orders_requested = Signal(int, str)  # customer id, name

    def __init__(self, sales: SalesService, grants: Grants, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen_customers")
        self._sales = sales
        self._may_change = grants.allows(Permission.PRODUCTS_MODIFY)
        self.customers: list[JsonObject] = []
        self.orders: list[JsonObject] = []
        self.dialog: CustomerDialog | MergeDialog | None = None
        self.loaded = 0
        self._select_after_reload: int | None = None
        self.message = Banner("customers_message", "error", parent=self)
        self.search = QLineEdit(self)
        self.search.setObjectName("customers_search")
        self.search.setPlaceholderText("Search by name, email or phone")
        self.search.setClearButtonEnabled(True)
        self.new_button = self._button("customers_new", "&New customer", "add", self.on_new_clicked)
        self.edit_button = self._button("customers_edit", "&Edit", "edit", self.on_edit_clicked)
        self.merge_button = self._button(
            "customers_merge", "&Merge duplicates…", "users", self.on_merge_clicked
        )
        self.remove_address_button = self._button(
            "customers_remove_address", "Remove address", "block", self.on_remove_address_clicked
        )
        self.orders_button = self._button(
            "customers_show_orders", "Open in &Orders", "orders", self.on_show_orders_clicked
        )
        for button in (self.new_button, self.edit_button, self.merge_button, self.remove_address_button):
            button.setVisible(self._may_change)
        self.table = table("customers_table", CUSTOMER_COLUMNS, self, stretch=0)
        self.addresses = table("customers_addresses", ADDRESS_COLUMNS, self, stretch=1)
        self.order_table = table("customers_orders", ORDER_COLUMNS, self, stretch=0)
        self.heading = QLabel("Choose a customer to see their addresses and orders.", self)
        self.heading.setObjectName("customers_heading")
        font = self.heading.font()
        font.setPointSize(font.pointSize() + 2)
        font.setBold(True)
        self.heading.setFont(font)
        self.status = QLabel(self)
        self.status.setObjectName("customers_status")
        self.status.setProperty("role", "muted")
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.table.itemSelectionChanged.connect(self.on_table_selection_changed)
        self.addresses.itemSelectionChanged.connect(self._update_buttons)
        self._lay_out()
        self._update_buttons()
        self.reload()

    def _button(self, name: str, text: str, icon_name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        for button in (self.new_button, self.edit_button, self.merge_button):
            top.addWidget(button)
        detail = QWidget(self)
        box = QVBoxLayout(detail)
        box.setContentsMargins(0, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(self.heading, 1)
        heading.addWidget(self.orders_button)
        box.addLayout(heading)
        lower = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self._caption("Addresses"))
        left.addWidget(self.addresses, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.remove_address_button)
        left.addLayout(row)
        right.addWidget(self._caption("Orders"))
        right.addWidget(self.order_table, 1)
        lower.addLayout(left, 1)
        lower.addLayout(right, 1)
        box.addLayout(lower, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

    def _caption(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setProperty("role", "muted")
        return label

    # -- data -------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.status.setText("Loading…")
        self._sales.customers(self.search.text()).then(self.on_customers_page, self._show_refusal, self)

    def on_customers_page(self, page: Page) -> None:
        selected = self.selected_customer()
        wanted = self._select_after_reload or (int(selected["id"]) if selected else None)
        self._select_after_reload = None
        self.customers = page.items
        self.table.blockSignals(True)
        fill(
            self.table,
            [
                [
                    str(c.get("name")),
                    str(c.get("email") or ""),
                    str(c.get("phone") or ""),
                    _city(c),
                    when(c.get("created_at")),
                ]
                for c in self.customers
            ],
        )
        self.table.blockSignals(False)
        shown = len(self.customers)
        self.status.setText(
            (f"{page.total:,} customer" + ("" if page.total == 1 else "s"))
            if shown == page.total
            else f"{shown} of {page.total:,} customers"
        )
        self.loaded += 1
        if wanted is not None:
            self.select_customer(wanted)
        self.on_table_selection_changed()

    def selected_customer(self) -> JsonObject | None:
        return selected_record(self.table, self.customers)

    def select_customer(self, customer_id: int) -> bool:
        return select_record(self.table, self.customers, "id", customer_id)

    def on_table_selection_changed(self) -> None:
        customer = self.selected_customer()
        self._show_customer(customer)
        self.orders = []
        fill(self.order_table, [])
        if customer is not None:
            wanted = customer["id"]

            def on_page(page: Page) -> None:
                self.on_orders_page(wanted, page)

            self._sales.customer_orders(int(wanted)).then(on_page, self._show_refusal, self)
        self._update_buttons()

    def _show_customer(self, customer: JsonObject | None) -> None:
        if customer is None:
            self.heading.setText("Choose a customer to see their addresses and orders.")
            fill(self.addresses, [])
            return
        contact = " · ".join(str(customer[k]) for k in ("email", "phone") if customer.get(k))
        self.heading.setText(f"{customer.get('name')}" + (f"  —  {contact}" if contact else ""))
        fill(
            self.addresses,
            [
                [
                    str(a.get("kind")).capitalize(),
                    ", ".join(str(a[k]) for k in ("line1", "line2") if a.get(k)),
                    ", ".join(str(a[k]) for k in ("city", "region") if a.get(k)),
                    str(a.get("postal_code") or ""),
                    str(a.get("country") or ""),
                ]
                for a in customer.get("addresses") or []
            ],
        )

    def on_orders_page(self, customer_id: object, page: Page) -> None:
        selected = self.selected_customer()
        if selected is None or selected.get("id") != customer_id:
            return
        self.orders = page.items
        fill(
            self.order_table,
            [
                [
                    str(o.get("number")),
                    when(o.get("created_at")),
                    words(o.get("status")),
                    words(o.get("payment_status")),
                    str(o.get("total")),
                ]
                for o in self.orders
            ],
            right_aligned=(4,),
        )

    def _update_buttons(self) -> None:
        chosen = self.selected_customer() is not None
        self.edit_button.setEnabled(chosen)
        self.merge_button.setEnabled(chosen)
        self.orders_button.setEnabled(chosen)
        self.remove_address_button.setEnabled(chosen and bool(self.addresses.selectedItems()))

    def _show_refusal(self, error: ApiError) -> None:
        if isinstance(error, OfflineError):
            self.status.setText("Offline: showing what was loaded last.")
            return
        self.message.show_message(f"{error.title}: {error.message}")

    # -- actions ----------------------------------------------------------------------------------
    def on_new_clicked(self) -> CustomerDialog:
        dialog = CustomerDialog(None, self)

        def send(values: JsonObject) -> None:
            address = dialog.address_values()
            body = {**values, "addresses": [address] if address else []}
            self._sales.create_customer(body).then(
                lambda saved: self._saved(dialog, saved, "added"), lambda e: _refused(dialog, e), dialog
            )

        return self._open(dialog, send)

    def on_edit_clicked(self) -> CustomerDialog | None:
        customer = self.selected_customer()
        if customer is None:
            return None
        dialog = CustomerDialog(customer, self)

        def send(values: JsonObject) -> None:
            self._sales.update_customer(int(customer["id"]), values, dialog.address_values()).then(
                lambda saved: self._saved(dialog, saved, "saved"), lambda e: _refused(dialog, e), dialog
            )

        return self._open(dialog, send)

    def on_merge_clicked(self) -> None:
        keep = self.selected_customer()
        if keep is None:
            return
        # the likely duplicates: same name or same email, from the server's search
        probe = str(keep.get("email") or keep.get("name") or "")

        def on_candidates(page: Page) -> None:
            candidates = {int(c["id"]): c for c in [*page.items, *self.customers]}
            dialog = MergeDialog(keep, list(candidates.values()), self)

            def send(values: JsonObject) -> None:
                self._sales.merge_customers(int(keep["id"]), values["duplicate_ids"]).then(
                    lambda saved: self._saved(dialog, saved, "merged"), lambda e: _refused(dialog, e), dialog
                )

            self._open(dialog, send)

        self._sales.customers(probe.split("@", maxsplit=1)[0] if "@" in probe else probe).then(
            on_candidates, self._show_refusal, self
        )

    def _open(self, dialog: DialogT, send: Callable[[JsonObject], None]) -> DialogT:
        dialog.sig_submitted.connect(send)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _saved(self, dialog: CustomerDialog | MergeDialog, customer: JsonObject, verb: str) -> None:
        dialog.accept()
        self.message.hide()
        self._select_after_reload = int(customer["id"])
        self.reload()
        self.status.setText(f"{customer.get('name')} {verb}.")

    def on_remove_address_clicked(self) -> None:
        customer = self.selected_customer()
        row = self.addresses.currentRow()
        addresses = (customer or {}).get("addresses") or []
        if customer is None or not 0 <= row < len(addresses):
            return
        address = addresses[row]
        confirm(
            self,
            "dialog_confirm_remove_address",
            "Remove address",
            f"Remove {address.get('line1')}, {address.get('city')} from {customer.get('name')}?",
            lambda: self._sales.remove_address(int(customer["id"]), int(address["id"])).then(
                self._after_address_removed, self._show_refusal, self
            ),
        )

    def _after_address_removed(self, customer: JsonObject) -> None:
        self._select_after_reload = int(customer["id"])
        self.reload()

    def on_show_orders_clicked(self) -> None:
        customer = self.selected_customer()
        if customer is not None:
            self.sig_show_orders_requested.emit(int(customer["id"]), str(customer.get("name")))


def _refused(dialog: CustomerDialog | MergeDialog, error: ApiError) -> None:
    if isinstance(error, ValidationError):
        dialog.show_errors(error.field_errors, error.message)
    else:
        dialog.show_errors({}, f"{error.title}: {error.message}")


def customers_screen_factory(sales: SalesService, show_orders: Callable[[int, str], None]) -> ScreenFactory:
    def build(context: ScreenContext) -> QWidget:
        screen = CustomersScreen(sales, context.grants)
        screen.sig_show_orders_requested.connect(show_orders)
        return screen

    return build
