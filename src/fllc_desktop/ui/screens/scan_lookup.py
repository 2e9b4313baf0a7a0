"""Lookup: scan anything and see the product card at once from this tablet's copy of the catalog,
then the server's stock per location and recent movements when the server can be reached."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from fllc_desktop.api.errors import ApiError, OfflineError
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.views import Meaning, ProductRow, Resolved
from fllc_desktop.scanning.burst import Scan
from fllc_desktop.ui.screens.scan_base import ScanScreen
from fllc_desktop.ui.screens.scan_count import StockLookup
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.scan_feedback import ScanSounds
from fllc_desktop.ui.widgets.scan_product_card import ProductCard

KEY = "scan_lookup"
LOCAL_NOTE = "From this tablet's copy of the catalog."


class LookupScreen(ScanScreen):
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
        self.shown_product_id: int | None = None
        self.card = ProductCard(f"{KEY}_product", with_stock_tables=True, parent=self)
        layout = QVBoxLayout(self)
        layout.addLayout(self.feedback_block())
        layout.addWidget(self.card, 1)
        layout.addWidget(self.manual)

    def handle(self, scan: Scan, resolved: Resolved) -> None:
        if resolved.meaning is Meaning.PRODUCT and resolved.product is not None:
            self.show_product(resolved.product)
            self.feedback.show_ok(resolved.product.name, f"SKU {resolved.product.sku}")
        elif resolved.meaning is Meaning.LOCATION and resolved.location is not None:
            self.feedback.show_ok(f"Location {resolved.location['code']}", str(resolved.location.get("name")))
        elif resolved.meaning is Meaning.PURCHASE_ORDER and resolved.purchase_order is not None:
            order = resolved.purchase_order
            self.feedback.show_ok(f"Purchase order {order.get('number')}", f"Status: {order.get('status')}")
        else:
            self.explain_problem(resolved)

    def show_product(self, product: ProductRow) -> None:
        shown = self.desk.shown_quantity(product)
        codes = f"SKU {product.sku}" + (f" · {product.barcode}" if product.barcode else "")
        price = f"Price {product.price}" if product.price is not None else ""
        self.card.show_product(product.name, codes, shown.text, pending=bool(shown.pending), extra=price)
        self.card.show_note(LOCAL_NOTE)
        self.shown_product_id = product.id
        if self._stock is not None:
            self.card.show_note(f"{LOCAL_NOTE} Asking the server for stock per location…")
            self._stock.stock_of(product.id).then(self._on_stock(product.id), self._on_stock_error, self)

    def _on_stock(self, product_id: int) -> Any:
        def on_done(stock: Any) -> None:
            if product_id != self.shown_product_id:
                return  # an answer for a product scanned before this one
            codes = {int(loc["id"]): str(loc["code"]) for loc in self.desk.locations()}
            self.card.show_levels(list(getattr(stock, "levels", [])))
            self.card.show_movements(list(getattr(stock, "movements", []))[:20], codes)
            self.card.show_note("Stock per location and movements: from the server, just now.")

        return on_done

    def _on_stock_error(self, error: ApiError) -> None:
        if isinstance(error, OfflineError):
            self.card.show_note(f"{LOCAL_NOTE} Offline: stock per location is not available.")
        else:
            self.card.show_note(f"{LOCAL_NOTE} The server did not answer: {error.title}.")
