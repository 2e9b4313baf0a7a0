"""The managers' Dashboard (reports.generate): KPI tiles, movements per day and value by category
as charts, and the lists behind them — low stock (with "Create purchase orders from suggestions"),
top movers, stockouts and late orders; a double click opens a product's movements.

It keeps itself current: a change notification that can move a figure (stock, a product, a purchase
order) asks for the figures again, at most once per ``REFRESH_DELAY_MS`` however many arrive (a
burst of scans is one reload), and not while the screen is hidden (it reloads when shown again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QPieSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api.errors import ApiError, OfflineError
from fllc_desktop.domain.permissions import Grants, Permission
from fllc_desktop.qt.event_stream import EventStream
from fllc_desktop.qt.services import CatalogService, DashboardService, PurchasingService
from fllc_desktop.ui.dialogs.product_movements import ProductMovementsDialog
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenFactory
from fllc_desktop.ui.theme import icon
from fllc_desktop.ui.widgets.banner import Banner
from fllc_desktop.ui.widgets.kpi_tile import KpiTile
from fllc_desktop.ui.widgets.messages import confirm

JsonObject = dict[str, Any]
REFRESH_DELAY_MS = 300
# Notifications after which a figure may differ.
REFRESHING_EVENTS = frozenset({"stock.changed", "product.changed", "product.deleted", "po.changed"})
REASON_COLOURS = {
    "intake": "#1f6feb",
    "sale": "#2da44e",
    "adjustment": "#d4a72c",
    "count": "#8250df",
    "transfer": "#9aa3b2",
}
PIE_COLOURS = ("#1f6feb", "#2da44e", "#d4a72c", "#8250df", "#cf222e", "#0a7ea4", "#bf8700", "#9aa3b2")
PIE_SLICES = 7  # the largest categories; the rest as "Other"

Columns = tuple[tuple[str, str], ...]
LOW_STOCK_COLUMNS: Columns = (
    ("sku", "SKU"),
    ("name", "Name"),
    ("supplier_name", "Supplier"),
    ("quantity_on_hand", "On hand"),
    ("reorder_point", "Reorder at"),
    ("on_order", "On order"),
    ("suggested_quantity", "Suggested"),
)
MOVER_COLUMNS: Columns = (
    ("sku", "SKU"),
    ("name", "Name"),
    ("movements", "Movements"),
    ("units", "Units moved"),
)
STOCKOUT_COLUMNS: Columns = (
    ("sku", "SKU"),
    ("name", "Name"),
    ("quantity_on_hand", "On hand"),
    ("reorder_point", "Reorder at"),
    ("on_order", "On order"),
)
LATE_COLUMNS: Columns = (
    ("number", "Number"),
    ("supplier_name", "Supplier"),
    ("status", "Status"),
    ("expected_at", "Expected"),
    ("outstanding_units", "Units to come"),
)


def money(value: object) -> str:
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


def _table(name: str, columns: Columns, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels([title for _key, title in columns])
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, columns: Columns, rows: list[JsonObject]) -> None:
    table.setRowCount(len(rows))
    for row, item in enumerate(rows):
        for column, (key, _title) in enumerate(columns):
            value = item.get(key)
            text = "" if value is None else str(value)
            cell = QTableWidgetItem(text.replace("_", " ") if key == "status" else text)
            if isinstance(value, int):
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, column, cell)


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont()
    font.setPointSize(10)
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setBackgroundRoundness(6)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def _chart_view(name: str, chart: QChart, parent: QWidget) -> QChartView:
    view = QChartView(chart, parent)
    view.setObjectName(name)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(220)
    return view


class DashboardScreen(QWidget):
    def __init__(
        self,
        dashboard: DashboardService,
        purchasing: PurchasingService,
        catalog: CatalogService,
        events: EventStream | None,
        grants: Grants,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screen_dashboard")
        self._dashboard = dashboard
        self._purchasing = purchasing
        self._catalog = catalog
        self.figures: JsonObject = {}
        self.loads = 0  # answers shown so far (tests wait on it)
        self._loading = False
        self._again = False  # a change arrived while loading: load once more after it
        self._stale = False  # a change arrived while hidden: load when shown
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh.timeout.connect(self.reload)
        self.dialogs: list[ProductMovementsDialog] = []
        self._build(grants)
        self._lay_out()
        if events is not None:
            events.sig_event.connect(self.on_events_sig_event)
            events.sig_resumed.connect(self.on_change)
        self.reload()

    # -- building ---------------------------------------------------------------------------------
    def _build(self, grants: Grants) -> None:
        self.message = Banner("dashboard_message", "error", parent=self)
        self.tiles = {
            key: KpiTile(f"dashboard_tile_{key}", caption, self)
            for key, caption in (
                ("value", "Stock value at cost"),
                ("low", "Below reorder point"),
                ("orders", "Open purchase orders"),
                ("late", "Late purchase orders"),
                ("receipts", "Received today"),
                ("stockouts", "Stockouts"),
            )
        }
        self.movements_chart = _chart("Movements per day (last 30 days)")
        self.movements_view = _chart_view("dashboard_chart_movements", self.movements_chart, self)
        self.category_chart = _chart("Stock value by category")
        self.category_chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.category_view = _chart_view("dashboard_chart_categories", self.category_chart, self)
        self.low_stock = _table("dashboard_low_stock", LOW_STOCK_COLUMNS, self)
        self.movers = _table("dashboard_top_movers", MOVER_COLUMNS, self)
        self.stockouts = _table("dashboard_stockouts", STOCKOUT_COLUMNS, self)
        self.late = _table("dashboard_late_orders", LATE_COLUMNS, self)
        for table, key in (
            (self.low_stock, "low_stock"),
            (self.movers, "top_movers"),
            (self.stockouts, "stockouts"),
        ):
            table.cellDoubleClicked.connect(lambda row, _col, key=key: self.open_movements(key, row))
            table.setToolTip("Double-click a product to see its movements")
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("dashboard_tabs")
        self.tabs.addTab(self.low_stock, "Low stock")
        self.tabs.addTab(self.movers, "Top movers (30 days)")
        self.tabs.addTab(self.stockouts, "Stockouts")
        self.tabs.addTab(self.late, "Late orders")
        self.suggest_button: QPushButton | None = None
        if grants.allows(Permission.PURCHASE_ORDERS_CREATE):
            self.suggest_button = QPushButton(
                icon("orders"), "Create &purchase orders from suggestions", self
            )
            self.suggest_button.setObjectName("dashboard_create_orders")
            self.suggest_button.clicked.connect(self.on_suggest_clicked)
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.setObjectName("dashboard_refresh")
        self.refresh_button.clicked.connect(self.reload)
        self.status = QLabel(self)
        self.status.setObjectName("dashboard_status")
        self.status.setProperty("role", "muted")

    def _lay_out(self) -> None:
        tiles = QGridLayout()
        tiles.setSpacing(10)
        for column, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, column)
            tiles.setColumnStretch(column, 1)
        charts = QHBoxLayout()
        charts.addWidget(self.movements_view, 3)
        charts.addWidget(self.category_view, 2)
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        if self.suggest_button is not None:
            actions.addWidget(self.suggest_button)
        actions.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(tiles)
        layout.addLayout(charts, 5)
        layout.addWidget(self.tabs, 4)
        layout.addLayout(actions)

    # -- loading ----------------------------------------------------------------------------------
    def reload(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._stale = False
        self._dashboard.figures().then(self.on_figures, self.on_error, self)

    def on_change(self) -> None:
        """Something the figures depend on changed: load them again soon (once for a burst)."""
        if not self.isVisible():
            self._stale = True
        elif not self._refresh.isActive():
            self._refresh.start()

    def on_events_sig_event(self, message: dict[str, Any]) -> None:
        if message.get("type") in REFRESHING_EVENTS:
            self.on_change()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _done_loading(self) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.reload()

    def on_figures(self, figures: JsonObject) -> None:
        self.figures = figures
        self.message.hide()
        self._show_tiles(figures)
        self._show_movements(figures)
        self._show_categories(figures)
        self._show_lists(figures)
        self.loads += 1
        generated = str(figures.get("generated_at", ""))[11:19]
        self.status.setText(f"Figures as of {generated} UTC · updates by itself when stock or orders change")
        self._done_loading()

    def on_error(self, error: ApiError) -> None:
        self._done_loading()
        if isinstance(error, OfflineError):
            self.status.setText("Offline: showing the figures loaded last.")
            return
        self.message.show_message(f"{error.title}: {error.message}")

    # -- showing ----------------------------------------------------------------------------------
    def _show_tiles(self, figures: JsonObject) -> None:
        stock = figures.get("stock") or {}
        low = figures.get("low_stock") or {}
        orders = figures.get("purchase_orders") or {}
        receipts = figures.get("receipts") or {}
        today, week = receipts.get("today") or {}, receipts.get("this_week") or {}
        outs = figures.get("stockouts") or {}
        by_status = orders.get("by_status") or {}
        self.tiles["value"].show_figure(
            money(stock.get("value", "0")), f"{stock.get('units', 0):,} units · {stock.get('skus', 0):,} SKUs"
        )
        low_count = int(low.get("count") or 0)
        self.tiles["low"].show_figure(
            f"{low_count:,}",
            f"SKUs · {low.get('on_order_units', 0):,} units on order",
            "warning" if low_count else "normal",
        )
        self.tiles["orders"].show_figure(
            f"{orders.get('open', 0):,}",
            f"{money(orders.get('value', '0'))} to arrive · {by_status.get('draft', 0)} drafts",
        )
        late = int(orders.get("late") or 0)
        self.tiles["late"].show_figure(
            f"{late:,}", "sent, expected before today", "danger" if late else "normal"
        )
        self.tiles["receipts"].show_figure(
            f"{today.get('units', 0):,}",
            f"units in {today.get('movements', 0):,} receipt{'' if today.get('movements') == 1 else 's'}"
            f" · week: {week.get('units', 0):,} units",
        )
        out_count = int(outs.get("count") or 0)
        self.tiles["stockouts"].show_figure(
            f"{out_count:,}", "SKUs with nothing on hand", "danger" if out_count else "normal"
        )

    def _show_movements(self, figures: JsonObject) -> None:
        chart = self.movements_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        days = list(figures.get("movements_per_day") or [])
        reasons = list(figures.get("reasons") or [])
        series = QStackedBarSeries()
        series.setBarWidth(0.8)
        highest = 0
        totals = [0] * len(days)
        for reason in reasons:
            bars = QBarSet(reason.capitalize())
            bars.setColor(QColor(REASON_COLOURS.get(reason, "#5b6478")))
            bars.setBorderColor(QColor(REASON_COLOURS.get(reason, "#5b6478")))
            for n, day in enumerate(days):
                count = int(((day.get("by_reason") or {}).get(reason) or {}).get("movements") or 0)
                bars.append(count)
                totals[n] += count
            series.append(bars)
        highest = max(totals, default=0)
        chart.addSeries(series)
        x_axis = QBarCategoryAxis()  # one category per day; its labels would not fit a bar
        x_axis.append([str(n) for n in range(len(days))])
        x_axis.setLabelsVisible(False)
        x_axis.setGridLineVisible(False)
        small = QFont()
        small.setPointSize(7)
        dates = QCategoryAxis()  # every fifth day's date, on the bar it names
        dates.setRange(-0.5, max(0.5, len(days) - 0.5))
        dates.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        dates.setLabelsFont(small)
        dates.setGridLineVisible(False)
        for n in range(0, len(days), 5):
            dates.append(_day_title(str(days[n].get("date"))), n)
        y_axis = QValueAxis()
        y_axis.setRange(0, max(4, highest))
        y_axis.setLabelFormat("%d")
        y_axis.applyNiceNumbers()
        y_axis.setLabelsFont(small)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(dates, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x_axis)
        series.attachAxis(dates)
        series.attachAxis(y_axis)
        chart.legend().setVisible(bool(reasons))

    def _show_categories(self, figures: JsonObject) -> None:
        chart = self.category_chart
        chart.removeAllSeries()
        rows = [c for c in figures.get("value_by_category") or [] if Decimal(str(c.get("value", "0"))) > 0]
        series = QPieSeries()
        shown, rest = rows[:PIE_SLICES], rows[PIE_SLICES:]
        slices = [(str(c.get("name")), Decimal(str(c.get("value")))) for c in shown]
        if rest:
            slices.append(("Other", sum((Decimal(str(c.get("value"))) for c in rest), Decimal(0))))
        total = sum((value for _name, value in slices), Decimal(0))
        for n, (name, value) in enumerate(slices):
            share = value / total * 100 if total else Decimal(0)
            piece = series.append(f"{name} · {share:.0f}%", float(value))
            piece.setProperty("value_text", money(value))
            piece.setColor(QColor(PIE_COLOURS[n % len(PIE_COLOURS)]))
            piece.setBorderColor(QColor("#ffffff"))
        series.setHoleSize(0.45)
        series.hovered.connect(
            lambda piece, on: self.category_view.setToolTip(
                f"{piece.label()}: {piece.property('value_text')}" if on else ""
            )
        )
        chart.addSeries(series)
        small = QFont()
        small.setPointSize(8)
        chart.legend().setFont(small)
        chart.legend().setVisible(bool(slices))

    def _show_lists(self, figures: JsonObject) -> None:
        low = figures.get("low_stock") or {}
        outs = figures.get("stockouts") or {}
        orders = figures.get("purchase_orders") or {}
        lists = (
            (
                self.low_stock,
                LOW_STOCK_COLUMNS,
                list(low.get("items") or []),
                f"Low stock ({low.get('count', 0):,})",
            ),
            (self.movers, MOVER_COLUMNS, list(figures.get("top_movers") or []), "Top movers (30 days)"),
            (
                self.stockouts,
                STOCKOUT_COLUMNS,
                list(outs.get("items") or []),
                f"Stockouts ({outs.get('count', 0):,})",
            ),
            (
                self.late,
                LATE_COLUMNS,
                list(orders.get("late_orders") or []),
                f"Late orders ({orders.get('late', 0):,})",
            ),
        )
        for index, (table, columns, rows, title) in enumerate(lists):
            _fill(table, columns, rows)
            self.tabs.setTabText(index, title)

    # -- actions ----------------------------------------------------------------------------------
    def rows_of(self, key: str) -> list[JsonObject]:
        section = self.figures.get(key)
        if isinstance(section, dict):
            return list(section.get("items") or [])
        return list(section or [])

    def open_movements(self, key: str, row: int) -> ProductMovementsDialog | None:
        rows = self.rows_of(key)
        if not 0 <= row < len(rows):
            return None
        dialog = ProductMovementsDialog(self._catalog, rows[row], self)
        dialog.finished.connect(lambda _result: self.dialogs.remove(dialog))
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    def on_suggest_clicked(self) -> None:
        count = int((self.figures.get("low_stock") or {}).get("count") or 0)
        confirm(
            self,
            "dialog_confirm_orders_from_suggestions",
            "Create purchase orders",
            f"Make one draft purchase order per supplier for the {count:,} products at or below their "
            "reorder point, less what is already on order? Drafts are not sent until submitted.",
            self._create_orders,
        )

    def _create_orders(self) -> None:
        def on_done(orders: list[JsonObject]) -> None:
            numbers = ", ".join(str(o.get("number")) for o in orders[:5])
            more = f" and {len(orders) - 5} more" if len(orders) > 5 else ""
            self.status.setText(
                f"{len(orders)} draft purchase orders made: {numbers}{more}"
                if orders
                else "Nothing to order: what is low is already on order."
            )
            self.on_change()

        on_error: Callable[[ApiError], None] = lambda error: self.message.show_message(  # noqa: E731
            f"{error.title}: {error.message}"
        )
        self._purchasing.drafts_from_suggestions().then(on_done, on_error, self)


def _day_title(date: str) -> str:
    try:
        return dt.date.fromisoformat(date).strftime("%d %b").lstrip("0")
    except ValueError:
        return date


def dashboard_screen_factory(
    dashboard: DashboardService,
    purchasing: PurchasingService,
    catalog: CatalogService,
    events: EventStream | None,
) -> ScreenFactory:
    def build(context: ScreenContext) -> QWidget:
        return DashboardScreen(dashboard, purchasing, catalog, events, context.grants)

    return build
