"""Orders (reports.generate): the sales orders filtered by status, customer and date; an order's
detail — items, totals, payments, the customer's addresses, the status history — and the actions the
role allows: the next step of its life (paid needs products.modify; picking, packed and shipped need
stock.intake), cancel, and a return with what becomes of each line (products.modify).

Back-orders: the units of a line that wait for stock are shown in the list and on each line; an
order waiting for any cannot start picking (the server refuses it too). An `order.allocated` event
(the server allocated arriving stock to waiting orders) reloads what is shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api import Page
from fllc_desktop.api.errors import ApiError, OfflineError
from fllc_desktop.domain.permissions import Grants, Permission
from fllc_desktop.qt.event_stream import EventStream
from fllc_desktop.qt.sales import OrderDetail, OrderQuery, SalesService
from fllc_desktop.ui.dialogs.sales_dialogs import ReturnDialog
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenFactory
from fllc_desktop.ui.theme import icon
from fllc_desktop.ui.widgets.banner import Banner
from fllc_desktop.ui.widgets.messages import confirm
from fllc_desktop.ui.widgets.record_table import select_record, selected_record

JsonObject = dict[str, Any]
STATUSES = ("placed", "paid", "picking", "packed", "shipped", "cancelled", "returned")
ORDER_COLUMNS = ("Number", "Placed", "Customer", "Status", "Payment", "Items", "Back-ordered", "Total")
ITEM_COLUMNS = ("SKU", "Product", "Qty", "Back-ordered", "Picked", "Short", "Unit price", "Line total")
REFRESHING_EVENTS = frozenset({"order.allocated"})
HISTORY_COLUMNS = ("When", "From", "To", "By", "Note")
NO_DATE = QDate(2000, 1, 1)
# the next step of an order's life, and who may take it
NEXT_STEP: dict[str, tuple[str, str, Permission]] = {
    "placed": ("paid", "Mark &paid", Permission.PRODUCTS_MODIFY),
    "paid": ("picking", "Start &picking", Permission.STOCK_INTAKE),
    "picking": ("packed", "Mark &packed", Permission.STOCK_INTAKE),
    "packed": ("shipped", "Mark &shipped", Permission.STOCK_INTAKE),
}
COUNTER_NEXT = {"placed": ("paid", "Mark &paid", Permission.PRODUCTS_MODIFY)}
CANCELLABLE = frozenset({"placed", "paid", "picking", "packed"})


def words(status: object) -> str:
    return str(status or "").replace("_", " ")


def when(value: object, *, time: bool = False) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value)).astimezone()
    except ValueError:
        return str(value or "")
    return moment.strftime("%Y-%m-%d %H:%M" if time else "%Y-%m-%d")


def table(name: str, headers: tuple[str, ...], parent: QWidget, stretch: int = -1) -> QTableWidget:
    widget = QTableWidget(0, len(headers), parent)
    widget.setObjectName(name)
    widget.setHorizontalHeaderLabels(list(headers))
    widget.verticalHeader().hide()
    widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    widget.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    widget.setAlternatingRowColors(True)
    header = widget.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch if stretch >= 0 else len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return widget


def fill(widget: QTableWidget, rows: list[list[str]], right_aligned: tuple[int, ...] = ()) -> None:
    widget.setRowCount(len(rows))
    for row, values in enumerate(rows):
        for column, text in enumerate(values):
            cell = QTableWidgetItem(text)
            if column in right_aligned:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            widget.setItem(row, column, cell)


def address_text(customer: JsonObject | None) -> str:
    if not customer:
        return "No customer on this order (a counter sale or an anonymous one)."
    lines = [f"<b>{customer.get('name')}</b>"]
    contact = " · ".join(str(customer[k]) for k in ("email", "phone") if customer.get(k))
    if contact:
        lines.append(contact)
    for address in customer.get("addresses") or []:
        parts = [address.get("line1"), address.get("line2"), address.get("city"), address.get("region")]
        place = ", ".join(str(p) for p in parts if p)
        lines.append(
            f"{str(address.get('kind')).capitalize()}: {place} {address.get('postal_code')} "
            f"{address.get('country')}"
        )
    if not customer.get("addresses"):
        lines.append("No address on file.")
    return "<br>".join(lines)


class OrdersScreen(QWidget):
    def __init__(
        self,
        sales: SalesService,
        grants: Grants,
        user_id: int | None = None,
        events: EventStream | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``user_id``: the signed-in user (the history says "you" for their changes); ``events``:
        the live stream (back-orders allocated reload the list)."""
        super().__init__(parent)
        self.setObjectName("screen_orders")
        self._user_id = user_id
        self._sales = sales
        self._grants = grants
        self.orders: list[JsonObject] = []
        self.customer_names: dict[int, str] = {}
        self.detail: OrderDetail | None = None
        self.dialog: ReturnDialog | None = None
        self.loaded = 0  # answers shown, for tests
        self._notice = ""  # what the last action did, said with the next list
        self.message = Banner("orders_message", "error", parent=self)
        self._build_filters()
        self._build_actions()
        self.table = table("orders_table", ORDER_COLUMNS, self, stretch=2)
        self.table.itemSelectionChanged.connect(self.on_table_selection_changed)
        self._build_detail()
        self.status = QLabel(self)
        self.status.setObjectName("orders_status")
        self.status.setProperty("role", "muted")
        self._lay_out()
        self._update_actions()
        self.reload()
        self._sales.customers("").then(self.on_customers, lambda _error: None, self)
        if events is not None:
            events.sig_event.connect(self.on_events_sig_event)

    def on_events_sig_event(self, message: dict[str, Any]) -> None:
        if message.get("type") in REFRESHING_EVENTS:
            self.reload()

    # -- building ---------------------------------------------------------------------------------
    def _build_filters(self) -> None:
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("orders_filter_status")
        self.status_filter.addItem("Every status", None)
        for status in STATUSES:
            self.status_filter.addItem(words(status).capitalize(), status)
        self.customer_filter = QComboBox(self)
        self.customer_filter.setObjectName("orders_filter_customer")
        self.customer_filter.addItem("Every customer", None)
        self.customer_filter.setMinimumWidth(200)
        self.since = self._date("orders_filter_since")
        self.until = self._date("orders_filter_until")
        for box in (self.status_filter, self.customer_filter):
            box.currentIndexChanged.connect(lambda _index: self.reload())
        for edit in (self.since, self.until):
            edit.dateChanged.connect(lambda _date: self.reload())

    def _date(self, name: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("any day")
        edit.setDate(NO_DATE)
        return edit

    def _build_actions(self) -> None:
        self.advance_button = self._button("orders_advance", "Next step", "orders", self.on_advance_clicked)
        self.cancel_button = self._button("orders_cancel", "&Cancel order", "block", self.on_cancel_clicked)
        self.return_button = self._button("orders_return", "&Return…", "edit", self.on_return_clicked)
        self.refresh_button = self._button("orders_refresh", "Re&fresh", "search", self.reload)

    def _button(self, name: str, text: str, icon_name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _build_detail(self) -> None:
        self.heading = QLabel("Choose an order to see its detail.", self)
        self.heading.setObjectName("orders_heading")
        font = self.heading.font()
        font.setPointSize(font.pointSize() + 3)
        font.setBold(True)
        self.heading.setFont(font)
        self.items = table("orders_items", ITEM_COLUMNS, self, stretch=1)
        self.totals = QLabel(self)
        self.totals.setObjectName("orders_totals")
        self.totals.setTextFormat(Qt.TextFormat.RichText)
        self.customer = QLabel(self)
        self.customer.setObjectName("orders_customer")
        self.customer.setTextFormat(Qt.TextFormat.RichText)
        self.customer.setWordWrap(True)
        self.customer.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.history = table("orders_history", HISTORY_COLUMNS, self)

    def _lay_out(self) -> None:
        filters = QHBoxLayout()
        for caption, widget in (
            ("Status", self.status_filter),
            ("Customer", self.customer_filter),
            ("From", self.since),
            ("To", self.until),
        ):
            label = QLabel(caption, self)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.refresh_button)
        actions = QHBoxLayout()
        actions.addWidget(self.heading, 1)
        for button in (self.advance_button, self.cancel_button, self.return_button):
            actions.addWidget(button)
        side = QGridLayout()
        money = QGroupBox("Totals and payment", self)
        QVBoxLayout(money).addWidget(self.totals)
        person = QGroupBox("Customer and addresses", self)
        QVBoxLayout(person).addWidget(self.customer)
        side.addWidget(money, 0, 0)
        side.addWidget(person, 0, 1)
        side.setColumnStretch(1, 1)
        detail = QWidget(self)
        box = QVBoxLayout(detail)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(actions)
        box.addWidget(self.items, 2)
        box.addLayout(side)
        history_caption = QLabel("Status history", detail)
        history_caption.setProperty("role", "muted")
        box.addWidget(history_caption)
        box.addWidget(self.history, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 570])  # the list shows a handful of orders, the detail the rest
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

    # -- data -------------------------------------------------------------------------------------
    def query(self) -> OrderQuery:
        def day(edit: QDateEdit) -> dt.date | None:
            picked = edit.date()
            return None if picked == NO_DATE else dt.date(picked.year(), picked.month(), picked.day())

        return OrderQuery(
            status=self.status_filter.currentData(),
            customer_id=self.customer_filter.currentData(),
            since=day(self.since),
            until=day(self.until),
        )

    def reload(self) -> None:
        self.status.setText("Loading…")
        self._sales.orders(self.query()).then(self.on_orders_page, self._show_refusal, self)

    def on_customers(self, page: Page) -> None:
        chosen = self.customer_filter.currentData()
        self.customer_names = {int(c["id"]): str(c.get("name")) for c in page.items}
        self.customer_filter.blockSignals(True)
        self.customer_filter.clear()
        self.customer_filter.addItem("Every customer", None)
        for customer_id, name in sorted(self.customer_names.items(), key=lambda kv: kv[1].casefold()):
            self.customer_filter.addItem(name, customer_id)
        self.customer_filter.setCurrentIndex(max(0, self.customer_filter.findData(chosen)))
        self.customer_filter.blockSignals(False)
        self._show_orders()

    def show_customer(self, customer_id: int, name: str) -> None:
        """Filter by one customer (the Customers screen's "Show orders")."""
        if self.customer_filter.findData(customer_id) < 0:
            self.customer_filter.addItem(name, customer_id)
        self.customer_filter.setCurrentIndex(self.customer_filter.findData(customer_id))

    def on_orders_page(self, page: Page) -> None:
        selected = self.selected_order()
        self.orders = page.items
        self._show_orders()
        shown = len(self.orders)
        counted = (
            f"{page.total:,} orders" if shown == page.total else f"{shown} of {page.total:,} orders (newest)"
        )
        self.status.setText(f"{self._notice}  {counted}" if self._notice else counted)
        self._notice = ""
        self.loaded += 1
        if selected is not None:
            self.select_order(str(selected.get("number")))
        self.on_table_selection_changed()

    def _show_orders(self) -> None:
        rows = [
            [
                str(o.get("number")),
                when(o.get("created_at")),
                self.customer_names.get(int(o["customer_id"]), f"#{o['customer_id']}")
                if o.get("customer_id")
                else "—",
                words(o.get("status")),
                words(o.get("payment_status")),
                str(sum(int(i.get("quantity") or 0) for i in o.get("items") or [])),
                _backordered_text(o),
                str(o.get("total")),
            ]
            for o in self.orders
        ]
        selected = self.table.currentRow()
        self.table.blockSignals(True)
        fill(self.table, rows, right_aligned=(5, 6, 7))
        if 0 <= selected < len(rows):
            self.table.selectRow(selected)
        self.table.blockSignals(False)

    def selected_order(self) -> JsonObject | None:
        return selected_record(self.table, self.orders)

    def select_order(self, number: str) -> bool:
        return select_record(self.table, self.orders, "number", number)

    def on_table_selection_changed(self) -> None:
        order = self.selected_order()
        if order is None:
            self.detail = None
            self._show_detail()
            return
        self._sales.order_detail(int(order["id"])).then(self.on_detail, self._show_refusal, self)

    def on_detail(self, detail: OrderDetail) -> None:
        selected = self.selected_order()
        if selected is None or selected.get("id") != detail.order.get("id"):
            return  # another order was chosen meanwhile
        self.detail = detail
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.detail
        if detail is None:
            self.heading.setText("Choose an order to see its detail.")
            fill(self.items, [])
            fill(self.history, [])
            self.totals.clear()
            self.customer.clear()
            self._update_actions()
            return
        order = detail.order
        kind = "counter sale" if order.get("channel") == "counter" else "order to ship"
        source = order.get("source")
        origin = "entered by hand" if source == "manual" else f"from {source}"
        waiting = int(order.get("backordered_quantity") or 0)
        wait = f" · waiting for {waiting} back-ordered units" if waiting else ""
        self.heading.setText(f"{order.get('number')} · {words(order.get('status'))} · {kind}, {origin}{wait}")
        fill(
            self.items,
            [
                [
                    str(i.get("sku")),
                    str(i.get("name")),
                    str(i.get("quantity")),
                    _backordered_text(i),
                    str(i.get("picked_quantity", 0)),
                    _short_text(i),
                    str(i.get("unit_price")),
                    str(i.get("line_total")),
                ]
                for i in order.get("items") or []
            ],
            right_aligned=(2, 3, 4, 5, 6, 7),
        )
        self.totals.setText(
            f"Total <b>{order.get('total')}</b><br>"
            f"Payment: <b>{words(order.get('payment_status'))}</b><br>"
            f"Paid {order.get('amount_paid')} · refunded {order.get('amount_refunded')}"
        )
        self.customer.setText(address_text(detail.customer))
        fill(
            self.history,
            [
                [
                    when(h.get("created_at"), time=True),
                    words(h.get("from_status")) or "—",
                    words(h.get("to_status")),
                    self._who(h.get("actor_id")),
                    str(h.get("note") or ""),
                ]
                for h in detail.history
            ],
        )
        self._update_actions()

    def _who(self, actor_id: object) -> str:
        if not actor_id:
            return "the system (an integration)"
        return "you" if actor_id == self._user_id else f"user #{actor_id}"

    def _next_step(self) -> tuple[str, str, Permission] | None:
        order = self.detail.order if self.detail else None
        if order is None:
            return None
        steps = COUNTER_NEXT if order.get("channel") == "counter" else NEXT_STEP
        return steps.get(str(order.get("status")))

    def _update_actions(self) -> None:
        order = self.detail.order if self.detail else {}
        status = str(order.get("status") or "")
        modify = self._grants.allows(Permission.PRODUCTS_MODIFY)
        step = self._next_step()
        self.advance_button.setVisible(step is not None and self._grants.allows(step[2]))
        if step is not None:
            self.advance_button.setText(step[1])
        waiting = (
            step is not None and step[0] == "picking" and int(order.get("backordered_quantity") or 0) > 0
        )
        self.advance_button.setEnabled(not waiting)
        self.advance_button.setToolTip(
            "It waits for back-ordered units: picking starts once they are allocated" if waiting else ""
        )
        counter = order.get("channel") == "counter"
        self.cancel_button.setVisible(modify and status in CANCELLABLE and not counter)
        returnable = "shipped" if not counter else status
        self.return_button.setVisible(
            modify and bool(order) and status == returnable and status != "returned"
        )

    def _show_refusal(self, error: ApiError) -> None:
        if isinstance(error, OfflineError):
            self.status.setText("Offline: showing what was loaded last.")
            return
        self.message.show_message(f"{error.title}: {error.message}")

    # -- actions ----------------------------------------------------------------------------------
    def _order_id(self) -> int | None:
        return int(self.detail.order["id"]) if self.detail else None

    def on_advance_clicked(self) -> None:
        step, order_id = self._next_step(), self._order_id()
        if step is None or order_id is None:
            return
        status = step[0]
        request = (
            self._sales.set_status(order_id, status)
            if status == "paid"
            else self._sales.fulfil(order_id, status, "from the Orders screen")
        )
        request.then(self._on_changed, self._show_refusal, self)

    def on_cancel_clicked(self) -> None:
        order_id = self._order_id()
        if order_id is None or self.detail is None:
            return
        number = self.detail.order.get("number")
        confirm(
            self,
            "dialog_confirm_cancel_order",
            "Cancel order",
            f"Cancel {number}? Its reserved units go back to available stock.",
            lambda: self._sales.set_status(order_id, "cancelled").then(
                self._on_changed, self._show_refusal, self
            ),
        )

    def on_return_clicked(self) -> ReturnDialog | None:
        if self.detail is None:
            return None
        dialog = ReturnDialog(self.detail.order, self)
        order_id = int(self.detail.order["id"])

        def on_returned(order: JsonObject) -> None:
            dialog.accept()
            self._on_changed(order)

        def on_refused(error: ApiError) -> None:
            dialog.show_errors({}, f"{error.title}: {error.message}")

        dialog.sig_submitted.connect(
            lambda values: self._sales.return_items(order_id, values["lines"], values["note"]).then(
                on_returned, on_refused, dialog
            )
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def _on_changed(self, order: JsonObject) -> None:
        self.message.hide()
        self._notice = f"{order.get('number')} is now {words(order.get('status'))}."
        self.reload()


def _backordered_text(row: JsonObject) -> str:
    """An order's or a line's units waiting for stock ("—" when none)."""
    waiting = int(row.get("backordered_quantity") or 0)
    return str(waiting) if waiting else "—"


def _short_text(item: JsonObject) -> str:
    short = int(item.get("short_quantity") or 0)
    if not short:
        return "0"
    reason = str(item.get("short_reason") or "")
    return f"{short} ({reason})" if reason else str(short)


def orders_screen_factory(sales: SalesService, events: EventStream | None = None) -> ScreenFactory:
    def build(context: ScreenContext) -> QWidget:
        return OrdersScreen(sales, context.grants, context.user.id, events)

    return build
