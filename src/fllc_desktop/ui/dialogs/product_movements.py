"""One product's stock per location and its movement history, opened from another screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from fllc_desktop.api.errors import ApiError
from fllc_desktop.qt.services import CatalogService, ProductStock
from fllc_desktop.ui.widgets.product_detail import ProductDetail

JsonObject = dict[str, Any]


class ProductMovementsDialog(QDialog):
    def __init__(self, catalog: CatalogService, product: JsonObject, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_product_movements")
        self.setWindowTitle(f"Movements · {product.get('sku', '')}")
        self.resize(720, 560)
        self.detail = ProductDetail(self)
        self.detail.show_product(product)
        self.detail.show_loading()
        self.loaded = False
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.detail, 1)
        layout.addWidget(buttons)
        catalog.stock_of(int(product["product_id"] if "product_id" in product else product["id"])).then(
            self.on_stock, self.on_error, self
        )

    def on_stock(self, stock: ProductStock) -> None:
        if stock.product:
            self.detail.show_product(stock.product)
        self.detail.show_stock(stock.levels, stock.movements)
        self.loaded = True

    def on_error(self, error: ApiError) -> None:
        self.detail.show_unavailable(error.title.lower())
