"""Count: count one location by scanning everything in it, review the differences, submit.

Pick (or scan) the location, then scan every item: each scan adds one (or the keypad's quantity, or
the GS1 count) to that product's line; tapping a line and typing on the keypad sets its count. Review
shows counted against expected where the server can say what it expects at that location (online),
and submits one ``stock.count`` op. Users with products.modify may also book the differences.
After a restart, counts submitted before and not sent yet are said and listed with their state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.domain.commands import CommandKind
from fllc_desktop.domain.permissions import Permission
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.views import Meaning, PendingOp, Resolved
from fllc_desktop.qt.services import ProductStock, Request
from fllc_desktop.scanning.burst import Scan
from fllc_desktop.ui.screens.scan_base import ScanScreen, scan_table
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.scan_feedback import ScanSounds
from fllc_desktop.ui.widgets.scan_kept import KeptOps
from fllc_desktop.ui.widgets.scan_keypad import NumericKeypad
from fllc_desktop.ui.widgets.scan_location import LocationPicker

KEY = "scan_count"


class StockLookup(Protocol):
    """The server's stock of one product per location (``qt.services.CatalogService`` has it)."""

    def stock_of(self, product_id: int) -> Request[ProductStock]: ...


class CountScreen(ScanScreen):
    kinds = (CommandKind.STOCK_COUNT,)

    def __init__(
        self,
        desk: ScanDesk,
        router: ScanRouter | None = None,
        sounds: ScanSounds | None = None,
        stock: StockLookup | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(KEY, desk, router, sounds, parent)
        self._stock = stock
        self.counted: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.expected: dict[int, int] = {}
        self._build()
        self.refresh()
        kept = desk.kept_ops(CommandKind.STOCK_COUNT)
        self.show_kept(self.kept, kept, "count", self._describe_kept)

    def _describe_kept(self, op: PendingOp) -> str:
        where = self.location.text_for(op.location_id)
        lines = op.line_count or 0
        return f"Count of {where}: {lines} product{'s' if lines != 1 else ''}"

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        self.location = LocationPicker(f"{KEY}_location", "Choose the location to count", self)
        self.kept = KeptOps(f"{KEY}_kept", self)
        self.table = scan_table(f"{KEY}_lines", ["Product", "Counted"], self)
        self.keypad = NumericKeypad(f"{KEY}_quantity", self)
        self.set_count_button = self.touch_button("Set count of selected", f"{KEY}_set")
        self.review_button = self.touch_button("Review", f"{KEY}_review")
        self.clear_button = self.touch_button("Start over", f"{KEY}_clear")
        self.review_table = scan_table(
            f"{KEY}_review_lines", ["Product", "Counted", "Expected", "Difference"], self
        )
        self.apply_box = QCheckBox("Book the differences as stock adjustments", self)
        self.apply_box.setObjectName(f"{KEY}_apply")
        self.apply_box.setVisible(self.desk.grants.allows(Permission.PRODUCTS_MODIFY))
        self.submit_button = self.touch_button("Submit count", f"{KEY}_submit")
        self.back_button = self.touch_button("Back to counting", f"{KEY}_back")
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._counting_page())
        self.pages.addWidget(self._review_page())
        layout = QVBoxLayout(self)
        layout.addLayout(self.feedback_block())
        layout.addWidget(self.kept)
        layout.addWidget(self.location)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.manual)
        self.set_count_button.clicked.connect(self.on_set_count_button_clicked)
        self.review_button.clicked.connect(self.on_review_button_clicked)
        self.clear_button.clicked.connect(self.on_clear_button_clicked)
        self.submit_button.clicked.connect(self.on_submit_button_clicked)
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self._update_buttons()

    def _counting_page(self) -> QWidget:
        page = QWidget(self)
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.table, 0, 0)
        grid.addWidget(self.set_count_button, 1, 0)  # under the lines it sets: one row of buttons,
        grid.addWidget(self.keypad, 0, 1)  # so that the screen fits an 800 px tablet
        row = QHBoxLayout()
        row.addWidget(self.review_button)
        row.addWidget(self.clear_button)
        grid.addLayout(row, 1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        return page

    def _review_page(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("Check the differences before submitting:", page))
        column.addWidget(self.review_table, 1)
        column.addWidget(self.apply_box)
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.submit_button)
        column.addLayout(row)
        return page

    def refresh(self) -> None:
        self.location.set_locations(self.desk.locations())

    # ------------------------------------------------------------------ scans

    def handle(self, scan: Scan, resolved: Resolved) -> None:
        if resolved.meaning is Meaning.LOCATION and resolved.location is not None:
            self._scanned_location(resolved.location)
        elif resolved.meaning is Meaning.PRODUCT and resolved.product is not None:
            product = resolved.product
            if self.location.location_id() is None:
                self.feedback.show_error("Choose the location first", "Scan its label or pick it above.")
                return
            quantity = self.keypad.value() or resolved.decoded.count or 1
            self.keypad.clear()
            self._set_count(product.id, product.name, self.counted.get(product.id, 0) + quantity)
            self.feedback.show_ok(f"{product.name}: {self.counted[product.id]}", f"+{quantity} counted")
        else:
            self.explain_problem(resolved)
        self.pages.setCurrentIndex(0)

    def _scanned_location(self, location: dict[str, Any]) -> None:
        if self.counted and location["id"] != self.location.location_id():
            self.feedback.show_warning(
                "Finish this count first", "Submit it or start over, then scan the next."
            )
            return
        self.location.set_location(int(location["id"]))
        self.feedback.show_ok(f"Counting {location['code']}", "Scan every item in this location.")

    def _set_count(self, product_id: int, name: str, quantity: int) -> None:
        self.names[product_id] = name
        self.counted[product_id] = quantity
        row = list(self.counted).index(product_id)
        if row >= self.table.rowCount():
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(name))
        self.table.setItem(row, 1, QTableWidgetItem(str(quantity)))
        self.table.selectRow(row)
        self._update_buttons()

    # ------------------------------------------------------------------ touch actions

    def on_set_count_button_clicked(self) -> None:
        row = self.table.currentRow()
        value = self.keypad.value()
        if 0 <= row < len(self.counted) and value is not None:
            product_id = list(self.counted)[row]
            self._set_count(product_id, self.names[product_id], value)
            self.keypad.clear()

    def on_review_button_clicked(self) -> None:
        self.expected.clear()
        self._fill_review()
        self.pages.setCurrentIndex(1)
        location_id = self.location.location_id()
        if self._stock is not None and location_id is not None:
            for product_id in self.counted:
                self._stock.stock_of(product_id).then(
                    self._expected_handler(product_id, location_id), None, self
                )

    def _expected_handler(self, product_id: int, location_id: int) -> Callable[[Any], None]:
        def on_done(stock: Any) -> None:
            levels = getattr(stock, "levels", [])
            here = [lv for lv in levels if lv.get("location_id") == location_id]
            self.expected[product_id] = int(here[0].get("quantity", 0)) if here else 0
            self._fill_review()

        return on_done

    def _fill_review(self) -> None:
        self.review_table.setRowCount(len(self.counted))
        for row, (product_id, counted) in enumerate(self.counted.items()):
            expected = self.expected.get(product_id)
            values = [
                self.names[product_id],
                str(counted),
                "—" if expected is None else str(expected),
                "—" if expected is None else f"{counted - expected:+d}",
            ]
            for column, value in enumerate(values):
                self.review_table.setItem(row, column, QTableWidgetItem(value))

    def on_submit_button_clicked(self) -> None:
        location_id = self.location.location_id()
        if location_id is None or not self.counted:
            return
        apply = self.apply_box.isVisible() and self.apply_box.isChecked()
        self.desk.submit_count(location_id, self.counted, apply=apply)
        # Committed: only now tell the person.
        lines = len(self.counted)
        self.feedback.show_ok(
            f"Count of {self.location.location_text()} saved",
            f"{self.saved_text} · {lines} products counted.",
        )
        self._reset()

    def on_clear_button_clicked(self) -> None:
        self._reset()
        self.feedback.show_idle("Count cleared", "Scan the location's label to start again.")

    def _reset(self) -> None:
        self.counted.clear()
        self.names.clear()
        self.table.setRowCount(0)
        self.pages.setCurrentIndex(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        for button in (self.review_button, self.clear_button, self.set_count_button):
            button.setEnabled(bool(self.counted))
