"""Creating, editing and deleting a product: the dialogs and what the server's answers mean."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from fllc_desktop.api.errors import ApiError, ConflictError, OfflineError, ValidationError
from fllc_desktop.qt.services import CatalogService, Lookups
from fllc_desktop.ui.dialogs.conflict_dialog import ConflictChoice, ConflictDialog
from fllc_desktop.ui.dialogs.product_dialog import ProductDialog
from fllc_desktop.ui.widgets.messages import confirm, inform

JsonObject = dict[str, Any]


class ProductEditor(QObject):
    sig_saved = Signal(dict)  # the product as the server now has it
    sig_deleted = Signal(object)  # product id

    def __init__(self, catalog: CatalogService, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._catalog = catalog
        self._parent = parent_widget
        self._lookups = Lookups()
        self.dialog: ProductDialog | None = None

    @property
    def lookups(self) -> Lookups:
        return self._lookups

    @lookups.setter
    def lookups(self, lookups: Lookups) -> None:
        self._lookups = lookups
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.set_lookups(lookups.categories, lookups.suppliers)

    def create(self) -> ProductDialog:
        return self._open(None)

    def edit(self, product: JsonObject) -> ProductDialog:
        return self._open(product)

    def delete(self, product: JsonObject) -> None:
        confirm(
            self._parent,
            "dialog_confirm_delete",
            "Delete product",
            f"Delete {product.get('sku')} “{product.get('name')}”? This cannot be undone here.",
            lambda: self._catalog.delete_product(int(product["id"])).then(
                lambda _none: self.sig_deleted.emit(product["id"]),
                self._on_delete_errored,
                owner=self._parent,
            ),
        )

    def _open(self, product: JsonObject | None) -> ProductDialog:
        dialog = ProductDialog(product, self.lookups.categories, self.lookups.suppliers, self._parent)
        dialog.sig_save_requested.connect(lambda changes: self._save(dialog, changes))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _save(self, dialog: ProductDialog, changes: JsonObject) -> None:
        def on_done(saved: JsonObject) -> None:
            self.sig_saved.emit(saved)
            dialog.accept()

        def on_error(error: ApiError) -> None:
            self._on_save_errored(dialog, changes, error)

        if dialog.is_new:
            self._catalog.create_product(changes).then(on_done, on_error, dialog)
        else:
            version = int(dialog.original.get("version") or 1)
            request = self._catalog.update_product(int(dialog.original["id"]), changes, version)
            request.then(on_done, on_error, dialog)

    def _on_save_errored(self, dialog: ProductDialog, changes: JsonObject, error: ApiError) -> None:
        if isinstance(error, ConflictError) and error.current is not None and not dialog.is_new:
            self._resolve_conflict(dialog, changes, error.current)
        elif isinstance(error, ValidationError | ConflictError):
            field_errors = getattr(error, "field_errors", None) or _details_by_field(error)
            dialog.show_errors(field_errors, "" if field_errors else error.message)
        elif isinstance(error, OfflineError):
            dialog.show_errors(
                {},
                "The server cannot be reached; your changes are still here. "
                "Try Save again when the connection is back.",
            )
        else:
            dialog.show_errors({}, f"{error.title}: {error.message}")

    def _resolve_conflict(self, dialog: ProductDialog, mine: JsonObject, theirs: JsonObject) -> None:
        conflict = ConflictDialog(mine, theirs, dialog.original, dialog)

        def on_conflict_finished(_result: int) -> None:
            if conflict.choice is ConflictChoice.KEEP_MINE:
                dialog.rebase(theirs)
                self._save(dialog, mine)
            elif conflict.choice is ConflictChoice.TAKE_THEIRS:
                self.sig_saved.emit(theirs)
                dialog.reject()
            else:
                dialog.rebase(theirs)
                dialog.show_errors(
                    {},
                    "This product was changed by someone else. Save again to "
                    "overwrite their values with yours, or Cancel to keep theirs.",
                )
            conflict.deleteLater()

        conflict.finished.connect(on_conflict_finished)
        conflict.open()

    def _on_delete_errored(self, error: ApiError) -> None:
        if isinstance(error, OfflineError):
            return  # the banner says it; nothing was deleted
        inform(self._parent, "dialog_delete_failed", error.title, error.message)


def _details_by_field(error: ApiError) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for detail in error.details:
        if isinstance(detail, dict) and isinstance(detail.get("field"), str):
            found.setdefault(detail["field"], []).append(str(detail.get("message") or error.message))
    return found
