"""Suppliers, Categories and Locations (products.modify): the small collections products point at,
listed, created, edited and deleted through the server. Categories are shown as their tree; a
category's parent is picked from the others (never itself or one beneath it). A deletion the
server refuses (still in use) is explained, and an edit made against an older version than the
server's is refused by it (version_conflict) rather than overwriting someone else's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api.errors import ApiError, ConflictError, OfflineError, ValidationError
from fllc_desktop.domain.permissions import Permission
from fllc_desktop.qt.services import EdiPartnerService, LabelsService, ReferenceService
from fllc_desktop.ui.dialogs.edi_partner_dialog import EdiPartnerDialog
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenFactory
from fllc_desktop.ui.theme import icon
from fllc_desktop.ui.widgets.banner import Banner
from fllc_desktop.ui.widgets.form import ErrorForm
from fllc_desktop.ui.widgets.inputs import IdComboBox
from fllc_desktop.ui.widgets.messages import confirm

if TYPE_CHECKING:  # the labels (barcodes, reportlab, QtPdf) load when first printed: a quick start
    from fllc_desktop.ui.dialogs.label_dialog import PrintLabelsDialog

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text | days | parent
    required: bool = False


@dataclass(frozen=True, slots=True)
class Kind:
    key: str  # the screen key and the objectName prefix
    noun: str
    fields: tuple[Field, ...]
    tree: bool = False


SUPPLIERS = Kind(
    "suppliers",
    "supplier",
    (
        Field("name", "&Name", required=True),
        Field("email", "&Email"),
        Field("phone", "&Phone"),
        Field("lead_time_days", "&Lead time (days)", "days"),
    ),
)
CATEGORIES = Kind(
    "categories",
    "category",
    (Field("name", "&Name", required=True), Field("parent_id", "&Parent", "parent")),
    True,
)
LOCATIONS = Kind(
    "locations", "location", (Field("code", "&Code", required=True), Field("name", "&Name", required=True))
)


def descendants(entities: list[JsonObject], entity_id: Any) -> set[Any]:
    """The ids beneath `entity_id` in the parent_id tree (not itself)."""
    children: dict[Any, list[Any]] = {}
    for entity in entities:
        children.setdefault(entity.get("parent_id"), []).append(entity.get("id"))
    found: set[Any] = set()
    todo = list(children.get(entity_id, []))
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo += children.get(current, [])
    return found


class EntityDialog(QDialog):
    """Create (entity None) or edit one entity; keeps what was typed until the server said yes."""

    def __init__(
        self, kind: Kind, entity: JsonObject | None, others: list[JsonObject], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.original = dict(entity or {})
        self.setObjectName(f"dialog_{kind.noun}")
        self.setWindowTitle(f"Edit {kind.noun}" if entity else f"New {kind.noun}")
        self.form = ErrorForm(f"{kind.noun}_form", self)
        self.inputs: dict[str, QWidget] = {}
        for field in kind.fields:
            widget = self._input(field, others)
            self.inputs[field.key] = widget
            self.form.add_field(field.key, field.label, widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName(f"{kind.noun}_save")
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.resize(420, self.sizeHint().height())

    def _input(self, field: Field, others: list[JsonObject]) -> QWidget:
        value = self.original.get(field.key)
        name = f"field_{field.key}"
        if field.kind == "days":
            box = QSpinBox(self)
            box.setObjectName(name)
            box.setRange(0, 365)
            box.setValue(int(value if value is not None else 7))
            return box
        if field.kind == "parent":
            combo = IdComboBox(name, "— top level —", self)
            excluded = {self.original.get("id"), *descendants(others, self.original.get("id"))}
            combo.set_entities(
                [o for o in others if o.get("id") not in excluded or "id" not in self.original]
            )
            combo.set_value(value)
            return combo
        edit = QLineEdit("" if value is None else str(value), self)
        edit.setObjectName(name)
        return edit

    def values(self) -> JsonObject:
        out: JsonObject = {}
        for field in self.kind.fields:
            widget = self.inputs[field.key]
            if isinstance(widget, QSpinBox | IdComboBox):
                out[field.key] = widget.value()
            elif isinstance(widget, QLineEdit):
                text = widget.text().strip()
                out[field.key] = text or None
        return out

    def changes(self) -> JsonObject:
        """Everything for a new entity; for an edit only what differs from what was loaded."""
        values = self.values()
        if "id" not in self.original:
            return {k: v for k, v in values.items() if v is not None}
        return {k: v for k, v in values.items() if v != self.original.get(k)}

    def missing(self) -> dict[str, list[str]]:
        values = self.values()
        return {f.key: ["Required."] for f in self.kind.fields if f.required and not values.get(f.key)}

    def show_refusal(self, error: ApiError) -> None:
        if isinstance(error, ValidationError):
            self.form.show_errors(error.field_errors, "" if error.field_errors else error.message)
        elif isinstance(error, ConflictError):
            self.form.show_errors({}, "Someone else changed it meanwhile: close this and open it again.")
        else:
            self.form.show_errors({}, f"{error.title}: {error.message}")
        self.save_button.setEnabled(True)


class ReferenceScreen(QWidget):
    def __init__(
        self,
        kind: Kind,
        service: ReferenceService,
        parent: QWidget | None = None,
        *,
        labels: LabelsService | None = None,
        edi: EdiPartnerService | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self._edi = edi if kind.key == SUPPLIERS.key else None
        self.edi_dialog: EdiPartnerDialog | None = None
        self._labels = labels if kind.key == LOCATIONS.key else None
        self.labels_dialog: PrintLabelsDialog | None = None
        self.setObjectName(f"screen_{kind.key}")
        self._service = service
        self.entities: list[JsonObject] = []
        self.loaded = 0
        self.dialog: EntityDialog | None = None
        self.message = Banner(f"{kind.key}_message", "error", parent=self)
        self.search = QLineEdit(self)
        self.search.setObjectName(f"{kind.key}_search")
        self.search.setPlaceholderText("Filter by name")
        self.search.setClearButtonEnabled(True)
        self.new_button = self._button("new", f"&New {kind.noun}", "add", self.on_new_clicked)
        self.edit_button = self._button("edit", "&Edit", "edit", self.on_edit_clicked)
        self.delete_button = self._button("delete", "&Delete", "delete", self.on_delete_clicked)
        self.labels_button = (
            self._button("print_labels", "&Labels…", "print", lambda: None)
            if self._labels is not None
            else None
        )
        if self.labels_button is not None:
            self.labels_button.clicked.connect(self.on_labels_clicked)
            self.labels_button.setToolTip(
                "Print the labels of the locations shown (the transfer and receive screens scan them)"
            )
        self.edi_button = (
            self._button("edi", "EDI &partner…", "edit", self.on_edi_clicked)
            if self._edi is not None
            else None
        )
        self.view: QTreeWidget | QTableWidget = self._tree() if kind.tree else self._table()
        self.status = QLabel(self)
        self.status.setObjectName(f"{kind.key}_status")
        self.status.setProperty("role", "muted")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        for button in (
            self.new_button,
            self.edit_button,
            self.delete_button,
            self.labels_button,
            self.edi_button,
        ):
            if button is not None:
                top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.search.textChanged.connect(lambda _text: self._show())
        self._update_buttons()
        self.reload()

    def _button(self, action: str, text: str, icon_name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(f"{self.kind.key}_{action}")
        button.clicked.connect(slot)
        return button

    def _columns(self) -> list[str]:
        return [f.label.replace("&", "") for f in self.kind.fields if f.kind != "parent"]

    def _table(self) -> QTableWidget:
        table = QTableWidget(0, len(self._columns()), self)
        table.setObjectName(f"{self.kind.key}_table")
        table.setHorizontalHeaderLabels(self._columns())
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.itemSelectionChanged.connect(self._update_buttons)
        table.cellDoubleClicked.connect(lambda _r, _c: self.on_edit_clicked())
        return table

    def _tree(self) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setObjectName(f"{self.kind.key}_tree")
        tree.setHeaderLabels(["Name"])
        tree.setHeaderHidden(True)
        tree.setAlternatingRowColors(True)
        tree.itemSelectionChanged.connect(self._update_buttons)
        tree.itemDoubleClicked.connect(lambda _item, _col: self.on_edit_clicked())
        return tree

    # -- data -------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.status.setText("Loading…")
        self._service.list_all().then(self.on_entities, self._show_refusal, self)

    def on_entities(self, entities: list[JsonObject]) -> None:
        self.entities = entities
        self.loaded += 1
        self._show()

    def _matches(self, entity: JsonObject) -> bool:
        text = self.search.text().strip().lower()
        return not text or any(text in str(entity.get(f.key) or "").lower() for f in self.kind.fields)

    def _show(self) -> None:
        selected = self.selected()
        shown = [e for e in self.entities if self._matches(e)]
        if isinstance(self.view, QTreeWidget):
            self._fill_tree(self.view, shown)
        else:
            self._fill_table(self.view, shown)
        noun = self.kind.noun if len(self.entities) == 1 else self.kind.key
        self.status.setText(f"{len(shown):,} of {len(self.entities):,} {noun}")
        if selected is not None:
            self.select(selected.get("id"))
        self._update_buttons()

    def _fill_table(self, table: QTableWidget, shown: list[JsonObject]) -> None:
        keys = [f.key for f in self.kind.fields if f.kind != "parent"]
        table.setRowCount(len(shown))
        for row, entity in enumerate(shown):
            for column, key in enumerate(keys):
                value = entity.get(key)
                item = QTableWidgetItem("" if value is None else str(value))
                item.setData(Qt.ItemDataRole.UserRole, entity.get("id"))
                table.setItem(row, column, item)

    def _fill_tree(self, tree: QTreeWidget, shown: list[JsonObject]) -> None:
        tree.clear()
        ids = {e.get("id") for e in self.entities}
        keep = {e.get("id") for e in shown}
        if len(keep) != len(self.entities):  # filtered: keep the path to each match
            by_id = {e.get("id"): e for e in self.entities}
            for entity in shown:
                parent = entity.get("parent_id")
                while parent in by_id and parent not in keep:
                    keep.add(parent)
                    parent = by_id[parent].get("parent_id")
        items: dict[Any, QTreeWidgetItem] = {}
        pending = sorted((e for e in self.entities if e.get("id") in keep), key=lambda e: str(e.get("name")))
        while pending:
            rest = []
            for entity in pending:
                parent_id = entity.get("parent_id")
                if (
                    parent_id is not None
                    and parent_id in ids
                    and parent_id in keep
                    and parent_id not in items
                ):
                    rest.append(entity)
                    continue
                item = QTreeWidgetItem([str(entity.get("name"))])
                item.setData(0, Qt.ItemDataRole.UserRole, entity.get("id"))
                parent_item = items.get(parent_id)
                if parent_item is None:
                    tree.addTopLevelItem(item)
                else:
                    parent_item.addChild(item)
                items[entity.get("id")] = item
            if len(rest) == len(pending):  # a cycle: show the rest at the top
                for entity in rest:
                    tree.addTopLevelItem(QTreeWidgetItem([str(entity.get("name"))]))
                break
            pending = rest
        tree.expandAll()

    def selected(self) -> JsonObject | None:
        if isinstance(self.view, QTreeWidget):
            current = self.view.currentItem()
            chosen = current.data(0, Qt.ItemDataRole.UserRole) if current and current.isSelected() else None
        else:
            row = self.view.currentRow()
            item = self.view.item(row, 0) if row >= 0 and self.view.selectedItems() else None
            chosen = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((e for e in self.entities if e.get("id") == chosen), None) if chosen is not None else None

    def select(self, entity_id: Any) -> bool:
        if isinstance(self.view, QTreeWidget):
            for item in self._tree_items():
                if item.data(0, Qt.ItemDataRole.UserRole) == entity_id:
                    self.view.setCurrentItem(item)
                    return True
            return False
        for row in range(self.view.rowCount()):
            cell = self.view.item(row, 0)
            if cell is not None and cell.data(Qt.ItemDataRole.UserRole) == entity_id:
                self.view.selectRow(row)
                return True
        return False

    def _tree_items(self) -> list[QTreeWidgetItem]:
        assert isinstance(self.view, QTreeWidget)
        found: list[QTreeWidgetItem] = []
        todo = [self.view.topLevelItem(i) for i in range(self.view.topLevelItemCount())]
        while todo:
            item = todo.pop(0)
            if item is None:
                continue
            found.append(item)
            todo += [item.child(i) for i in range(item.childCount())]
        return found

    def on_labels_clicked(self) -> PrintLabelsDialog | None:
        """Labels of the locations shown (the filter narrows them): a Code 128 of each code, which
        the scan screens read as that location."""
        shown = [entity for entity in self.entities if self._matches(entity)]
        if self._labels is None or not shown:
            self.status.setText("No locations to label.")
            return None
        from fllc_desktop.labels.product_label import location_label
        from fllc_desktop.ui.dialogs.label_dialog import PrintLabelsDialog

        labels = [location_label(str(e.get("code") or ""), str(e.get("name") or "")) for e in shown]
        dialog = PrintLabelsDialog(
            labels, self._labels, self, title="Print location labels", show_price=False
        )
        dialog.sig_done.connect(self.status.setText)
        self.labels_dialog = dialog
        dialog.open()
        return dialog

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)
        if self.edi_button is not None:
            self.edi_button.setEnabled(chosen)

    def _show_refusal(self, error: ApiError) -> None:
        if isinstance(error, OfflineError):
            self.status.setText("Offline: showing what was loaded last.")
            return
        self.message.show_message(f"{error.title}: {error.message}")

    # -- actions ----------------------------------------------------------------------------------
    def on_new_clicked(self) -> None:
        self._open(None)

    def on_edit_clicked(self) -> None:
        entity = self.selected()
        if entity is not None:
            self._open(entity)

    def _open(self, entity: JsonObject | None) -> EntityDialog:
        dialog = EntityDialog(self.kind, entity, self.entities, self)
        dialog.buttons.accepted.connect(lambda: self._save(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _save(self, dialog: EntityDialog) -> None:
        missing = dialog.missing()
        if missing:
            dialog.form.show_errors(missing)
            return
        changes = dialog.changes()
        if not changes:
            dialog.accept()
            return
        dialog.save_button.setEnabled(False)

        def on_saved(entity: JsonObject) -> None:
            dialog.accept()
            self.message.hide()
            self.entities = [e for e in self.entities if e.get("id") != entity.get("id")] + [entity]
            self.entities.sort(key=lambda e: str(e.get("name") or e.get("code")).lower())
            self._show()
            self.select(entity.get("id"))
            self.reload()

        if "id" in dialog.original:
            request = self._service.update(
                int(dialog.original["id"]), changes, int(dialog.original["version"])
            )
        else:
            request = self._service.create(changes)
        request.then(on_saved, dialog.show_refusal, dialog)

    def on_edi_clicked(self) -> None:
        """The selected supplier's EDI partner settings (admins): loaded, then edited in a dialog."""
        supplier = self.selected()
        if supplier is None or self._edi is None:
            return
        edi = self._edi

        def on_partner(partner: JsonObject | None) -> None:
            dialog = EdiPartnerDialog(supplier, partner, self)

            def on_saved(saved: JsonObject) -> None:
                dialog.accept()
                self.message.hide()
                self.status.setText(
                    f"EDI partner of {supplier.get('name')} saved ({saved.get('transport')})."
                )

            dialog.sig_save_requested.connect(
                lambda body: edi.save(None if partner is None else int(partner["id"]), body).then(
                    on_saved, dialog.show_refusal, dialog
                )
            )
            self.edi_dialog = dialog
            dialog.open()

        edi.of_supplier(int(supplier["id"])).then(on_partner, self._show_refusal, self)

    def on_delete_clicked(self) -> None:
        entity = self.selected()
        if entity is None:
            return
        label = entity.get("name") or entity.get("code")

        def delete() -> None:
            self._service.delete(int(entity["id"])).then(
                lambda _none: self.reload(), self._show_refusal, self
            )

        confirm(
            self,
            f"dialog_confirm_delete_{self.kind.noun}",
            f"Delete {self.kind.noun}",
            f"Delete {self.kind.noun} {label}? The server refuses while products still use it.",
            delete,
        )


def reference_screen_factory(
    kind: Kind,
    service: ReferenceService,
    labels: LabelsService | None = None,
    edi: EdiPartnerService | None = None,
) -> ScreenFactory:
    def build(context: ScreenContext) -> QWidget:
        admin = context.grants.allows(Permission.SYSTEM_CONFIGURE)
        return ReferenceScreen(kind, service, labels=labels, edi=edi if admin else None)

    return build
