"""The reports a person can ask for and each one's parameters, as the server documents them (the
OpenAPI schema of POST /api/v1/reports), made into a form: a field left at its default is not sent,
so the server's defaults (today, the last 30 days) apply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QSpinBox,
    QWidget,
)

from fllc_desktop.ui.widgets.inputs import IdComboBox

JsonObject = dict[str, Any]
FORMATS = (("pdf", "PDF"), ("xlsx", "Excel (XLSX)"), ("csv", "CSV"))


@dataclass(frozen=True, slots=True)
class Param:
    key: str
    label: str
    kind: str  # date | category | supplier | location | choice | int | percent | flag
    choices: tuple[str, ...] = ()
    default: Any = None


@dataclass(frozen=True, slots=True)
class ReportKind:
    key: str
    title: str
    params: tuple[Param, ...]


PERIOD = (Param("date_from", "From", "date"), Param("date_to", "To", "date"))
KINDS: tuple[ReportKind, ...] = (
    ReportKind(
        "stock_valuation",
        "Stock valuation",
        (
            Param("as_of", "As of (end of day)", "date"),
            Param("group_by", "Group by", "choice", ("category", "location", "supplier", "product")),
            Param("category_id", "Category", "category"),
            Param("location_id", "Location", "location"),
            Param("supplier_id", "Supplier", "supplier"),
        ),
    ),
    ReportKind(
        "low_stock",
        "Low stock / reorder",
        (Param("supplier_id", "Supplier", "supplier"), Param("category_id", "Category", "category")),
    ),
    ReportKind(
        "stock_movements",
        "Stock movements",
        (
            *PERIOD,
            Param("location_id", "Location", "location"),
            Param("reason", "Reason", "choice", ("", "intake", "sale", "adjustment", "transfer", "count")),
        ),
    ),
    ReportKind(
        "stock_ageing",
        "Dead stock and ageing",
        (
            Param("measure", "Measure", "choice", ("value", "units")),
            Param("min_days_idle", "Idle at least (days)", "int", default=0),
            Param("category_id", "Category", "category"),
            Param("supplier_id", "Supplier", "supplier"),
        ),
    ),
    ReportKind(
        "abc_analysis",
        "ABC analysis and turnover",
        (
            *PERIOD,
            Param("a_percent", "Class A up to (%)", "percent", default=80.0),
            Param("b_percent", "Class B up to (%)", "percent", default=95.0),
            Param("category_id", "Category", "category"),
        ),
    ),
    ReportKind(
        "purchasing",
        "Purchasing",
        (
            *PERIOD,
            Param("view", "View", "choice", ("open_orders", "lines", "suppliers")),
            Param("supplier_id", "Supplier", "supplier"),
        ),
    ),
    ReportKind(
        "sales",
        "Sales",
        (
            *PERIOD,
            Param("group_by", "Group by", "choice", ("product", "category", "day", "week", "month")),
            Param("category_id", "Category", "category"),
        ),
    ),
    ReportKind(
        "count_variance",
        "Count variance",
        (
            *PERIOD,
            Param("location_id", "Location", "location"),
            Param("differences_only", "Differences only", "flag", default=False),
        ),
    ),
    ReportKind(
        "invoice_discrepancies",
        "Invoice discrepancies (EDI)",
        (
            Param("supplier_id", "Supplier", "supplier"),
            Param("matched_lines", "Matching lines too", "flag", default=False),
        ),
    ),
)
BY_KEY = {kind.key: kind for kind in KINDS}


def _default(param: Param) -> Any:
    if param.kind == "choice":
        return param.choices[0]
    if param.kind == "percent":
        return f"{param.default:g}"
    return param.default


def kind_title(key: str) -> str:
    kind = BY_KEY.get(key)
    return kind.title if kind else key


class OptionalDate(QWidget):
    """A date that may be left to the server's default (unchecked)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.use = QCheckBox(self)
        self.use.setObjectName(f"{name}_use")
        self.use.setToolTip("Unticked: the report's default")
        self.edit = QDateEdit(QDate.currentDate(), self)
        self.edit.setObjectName(f"{name}_date")
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setEnabled(False)
        self.use.toggled.connect(self.edit.setEnabled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.use)
        row.addWidget(self.edit, 1)

    def value(self) -> str | None:
        return self.edit.date().toString("yyyy-MM-dd") if self.use.isChecked() else None

    def set_value(self, value: str | None) -> None:
        self.use.setChecked(bool(value))
        if value:
            self.edit.setDate(QDate.fromString(value, "yyyy-MM-dd"))


class ParamsForm(QWidget):
    """The parameters of one report kind; ``values()`` is the ``params`` of the request."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._name = name
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.kind: ReportKind = KINDS[0]
        self.widgets: dict[str, QWidget] = {}
        self._lookups: dict[str, list[JsonObject]] = {"category": [], "supplier": [], "location": []}
        self.set_kind(KINDS[0].key)

    def set_lookups(
        self, categories: list[JsonObject], suppliers: list[JsonObject], locations: list[JsonObject]
    ) -> None:
        self._lookups = {"category": categories, "supplier": suppliers, "location": locations}
        for param in self.kind.params:
            widget = self.widgets.get(param.key)
            if isinstance(widget, IdComboBox):
                widget.set_entities(self._lookups[param.kind], "code" if param.kind == "location" else "name")

    def set_kind(self, key: str) -> None:
        self.kind = BY_KEY[key]
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self.widgets = {}
        for param in self.kind.params:
            widget = self._widget(param)
            widget.setObjectName(f"{self._name}_{param.key}")
            self.widgets[param.key] = widget
            self._layout.addRow(param.label, widget)

    def _widget(self, param: Param) -> QWidget:
        if param.kind == "date":
            return OptionalDate(f"{self._name}_{param.key}", self)
        if param.kind in self._lookups:
            box = IdComboBox(f"{self._name}_{param.key}", "All", self)
            box.set_entities(self._lookups[param.kind], "code" if param.kind == "location" else "name")
            return box
        if param.kind == "choice":
            choice = QComboBox(self)
            for option in param.choices:
                choice.addItem(option.replace("_", " ").capitalize() if option else "All", option)
            return choice
        if param.kind == "int":
            number = QSpinBox(self)
            number.setRange(0, 36_500)
            number.setValue(int(param.default or 0))
            return number
        if param.kind == "percent":
            percent = QDoubleSpinBox(self)
            percent.setRange(1, 99)
            percent.setDecimals(1)
            percent.setValue(float(param.default or 0))
            return percent
        flag = QCheckBox(self)
        flag.setChecked(bool(param.default))
        return flag

    def values(self) -> JsonObject:
        """What differs from the defaults, as the wire takes it."""
        params: JsonObject = {}
        for param in self.kind.params:
            value = self._value(self.widgets[param.key])
            if value is not None and value != "" and value != _default(param):
                params[param.key] = value
        return params

    @staticmethod
    def _value(widget: QWidget) -> Any:
        if isinstance(widget, OptionalDate):
            return widget.value()
        if isinstance(widget, IdComboBox):
            return widget.value()
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QSpinBox):
            return widget.value()
        if isinstance(widget, QDoubleSpinBox):
            return f"{widget.value():g}"
        assert isinstance(widget, QCheckBox)
        return widget.isChecked()

    def set_values(self, params: JsonObject) -> None:
        for param in self.kind.params:
            widget, value = self.widgets[param.key], params.get(param.key, param.default)
            if isinstance(widget, OptionalDate | IdComboBox):
                widget.set_value(value)
            elif isinstance(widget, QComboBox):
                widget.setCurrentIndex(
                    max(0, widget.findData(value if value is not None else param.choices[0]))
                )
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value or 0))
            elif isinstance(widget, QDoubleSpinBox):
                widget.setValue(float(value or 0))
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
