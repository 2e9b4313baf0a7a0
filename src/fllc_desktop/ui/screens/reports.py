"""Reports (reports.generate): pick a report, its parameters and a format; generate it with a
progress bar that follows the job's `job.progress` / `job.done` events; the history (yours; an
admin's: everyone's), each file opened inside the app (PDF), with the system's viewer, or saved;
and the schedules that mail reports (the Schedules tab)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api import Page
from fllc_desktop.api.errors import ApiError
from fllc_desktop.qt.event_stream import EventStream
from fllc_desktop.qt.services import Lookups, ReportsService
from fllc_desktop.ui.dialogs.pdf_viewer import PdfViewerDialog, open_externally, show_pdf
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenFactory
from fllc_desktop.ui.screens.report_params import FORMATS, KINDS, ParamsForm, kind_title
from fllc_desktop.ui.screens.report_schedules import SchedulesTab
from fllc_desktop.ui.widgets.banner import Banner

JsonObject = dict[str, Any]
HISTORY_COLUMNS = ("Asked (UTC)", "Report", "Format", "Status", "Rows", "Size")
POLL_MS = 3_000  # while a report is being made and no event came: ask again (events may be down)


def _size(file: JsonObject | None) -> str:
    if not file:
        return ""
    size = float(file.get("size") or 0)
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


class ReportsScreen(QWidget):
    def __init__(
        self, reports: ReportsService, events: EventStream | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screen_reports")
        self._reports = reports
        self.history: list[JsonObject] = []
        self.pending: int | None = None  # the report being made, followed on the progress bar
        self.loaded = 0
        self.viewer: PdfViewerDialog | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.on_poll_timeout)
        self._build()
        self._lay_out()
        self._connect(events)
        reports.lookups().then(self.on_lookups, lambda _error: None, self)
        self.reload()

    # -- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.message = Banner("reports_message", "error", parent=self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("reports_tabs")
        self.kind = QComboBox(self)
        self.kind.setObjectName("reports_kind")
        for kind in KINDS:
            self.kind.addItem(kind.title, kind.key)
        self.params = ParamsForm("reports_params", self)
        self.format = QComboBox(self)
        self.format.setObjectName("reports_format")
        for key, label in FORMATS:
            self.format.addItem(label, key)
        self.generate_button = QPushButton("&Generate", self)
        self.generate_button.setObjectName("reports_generate")
        self.generate_button.setDefault(True)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("reports_progress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setVisible(False)
        self.status = QLabel("Pick a report and press Generate.", self)
        self.status.setObjectName("reports_status")
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(HISTORY_COLUMNS), self)
        self.table.setObjectName("reports_history")
        self.table.setHorizontalHeaderLabels(list(HISTORY_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.open_button = QPushButton("&Open", self)
        self.open_button.setObjectName("reports_open")
        self.open_button.setToolTip("PDF: inside the app; other files: with the system's viewer")
        self.external_button = QPushButton("Open with &viewer", self)
        self.external_button.setObjectName("reports_open_external")
        self.save_button = QPushButton("&Save as…", self)
        self.save_button.setObjectName("reports_save_as")
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.setObjectName("reports_refresh")
        self.schedules = SchedulesTab(self._reports, self)
        self._update_buttons()

    def _lay_out(self) -> None:
        ask = QGroupBox("New report", self)
        ask.setObjectName("reports_new")
        form = QVBoxLayout(ask)
        form.addWidget(QLabel("Report", ask))
        form.addWidget(self.kind)
        form.addWidget(self.params)
        form.addWidget(QLabel("Format", ask))
        form.addWidget(self.format)
        form.addSpacing(8)
        form.addWidget(self.generate_button)
        form.addWidget(self.progress)
        form.addWidget(self.status)
        form.addStretch(1)
        ask.setMinimumWidth(320)
        ask.setMaximumWidth(420)
        done = QGroupBox("History", self)
        listing = QVBoxLayout(done)
        listing.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        for button in (self.open_button, self.external_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        listing.addLayout(buttons)
        page = QWidget(self)
        row = QHBoxLayout(page)
        row.addWidget(ask)
        row.addWidget(done, 1)
        self.tabs.addTab(page, "Generate")
        self.tabs.addTab(self.schedules, "Schedules")
        outer = QVBoxLayout(self)
        outer.addWidget(self.message)
        outer.addWidget(self.tabs, 1)

    def _connect(self, events: EventStream | None) -> None:
        self.kind.currentIndexChanged.connect(self.on_kind_changed)
        self.generate_button.clicked.connect(self.on_generate_clicked)
        self.open_button.clicked.connect(self.on_open_clicked)
        self.external_button.clicked.connect(self.on_external_clicked)
        self.save_button.clicked.connect(self.on_save_clicked)
        self.refresh_button.clicked.connect(self.reload)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.on_open_clicked())
        if events is not None:
            events.sig_event.connect(self.on_events_sig_event)
            events.sig_resumed.connect(self.reload)

    # -- asking -----------------------------------------------------------------------------------
    def on_lookups(self, lookups: Lookups) -> None:
        self.params.set_lookups(lookups.categories, lookups.suppliers, lookups.locations)
        self.schedules.set_lookups(lookups)

    def on_kind_changed(self) -> None:
        self.params.set_kind(str(self.kind.currentData()))  # the lookups it has stay

    def on_generate_clicked(self) -> None:
        self.message.hide()
        self.generate_button.setEnabled(False)
        self.status.setText("Asking the server…")
        kind, fmt = str(self.kind.currentData()), str(self.format.currentData())
        self._reports.request(kind, self.params.values(), fmt).then(
            self.on_requested, self.on_request_failed, self
        )

    def on_requested(self, report: JsonObject) -> None:
        self.pending = int(report["id"])
        self.progress.setValue(int(report.get("progress") or 0))
        self.progress.setVisible(True)
        self.status.setText(f"{kind_title(str(report['kind']))}: queued…")
        self._poll.start()
        self.reload()

    def on_request_failed(self, error: ApiError) -> None:
        self.generate_button.setEnabled(True)
        self.status.setText("")
        self.message.show_message(str(error))

    # -- following --------------------------------------------------------------------------------
    def on_events_sig_event(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        data = message.get("data") or {}
        if (
            kind not in ("job.progress", "job.done")
            or data.get("kind", "reports.generate") != "reports.generate"
        ):
            return
        if self.pending is not None and data.get("id") == self.pending:
            self._show_progress(data)
        if kind == "job.done":
            self.reload()

    def on_poll_timeout(self) -> None:
        if self.pending is None:
            self._poll.stop()
            return
        self._reports.report(self.pending).then(self._show_progress, lambda _error: None, self)

    def _show_progress(self, job: JsonObject) -> None:
        if self.pending is None or job.get("id") != self.pending:
            return
        status = str(job.get("status") or "")
        self.progress.setValue(int(job.get("progress") or 0))
        if status in ("succeeded", "failed"):
            self._finished(job)
        else:
            self.status.setText(f"{status.capitalize()}… {self.progress.value()} %")

    def _finished(self, job: JsonObject) -> None:
        self.pending = None
        self._poll.stop()
        self.generate_button.setEnabled(True)
        if job.get("status") == "failed":
            self.progress.setVisible(False)
            self.status.setText("")
            self.message.show_message(f"The report failed: {job.get('error') or 'no reason given'}")
        else:
            self.progress.setValue(100)
            self.status.setText("Ready: open it or save it from the history.")
        self.reload()

    # -- history ----------------------------------------------------------------------------------
    def reload(self) -> None:
        self._reports.history().then(self.on_history, self.on_history_failed, self)

    def on_history(self, page: Page) -> None:
        selected = self.selected()
        self.history = page.items
        self.table.setRowCount(len(self.history))
        for row, report in enumerate(self.history):
            cells = (
                str(report.get("created_at") or "")[:19].replace("T", " "),
                kind_title(str(report.get("kind"))),
                str(report.get("format") or "").upper(),
                str(report.get("status") or "").capitalize(),
                str((report.get("file") or {}).get("rows", "")),
                _size(report.get("file")),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (4, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if report.get("status") == "failed":
                    item.setToolTip(str(report.get("error") or ""))
                self.table.setItem(row, column, item)
            if self.pending is not None and report.get("id") == self.pending:
                self._show_progress(report)
        self._select(selected["id"] if selected else (self.history[0]["id"] if self.history else None))
        self.loaded += 1
        self._update_buttons()

    def on_history_failed(self, error: ApiError) -> None:
        self.message.show_message(str(error))

    def _select(self, report_id: Any) -> None:
        for row, report in enumerate(self.history):
            if report.get("id") == report_id:
                self.table.selectRow(row)
                return

    def selected(self) -> JsonObject | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.history):
            return None
        return self.history[rows[0].row()]

    def _update_buttons(self) -> None:
        report = self.selected()
        ready = bool(report and report.get("status") == "succeeded" and report.get("file"))
        for button in (self.open_button, self.external_button, self.save_button):
            button.setEnabled(ready)

    # -- files ------------------------------------------------------------------------------------
    def on_open_clicked(self) -> None:
        report = self.selected()
        if report and report.get("status") == "succeeded":
            inside = report.get("format") == "pdf"
            self._reports.fetch(int(report["id"])).then(
                self.on_fetched_inside if inside else self.on_fetched_outside, self.on_file_failed, self
            )

    def on_external_clicked(self) -> None:
        report = self.selected()
        if report and report.get("status") == "succeeded":
            self._reports.fetch(int(report["id"])).then(self.on_fetched_outside, self.on_file_failed, self)

    def on_fetched_inside(self, path: Path) -> None:
        self.viewer = show_pdf(path, self)

    def on_fetched_outside(self, path: Path) -> None:
        if not open_externally(path):
            self.message.show_message(
                f"No program on this computer opens {path.suffix} files; saved as {path}"
            )

    def on_save_clicked(self) -> None:
        report = self.selected()
        if not report or not report.get("file"):
            return
        suggested = str((report.get("file") or {}).get("filename") or f"report-{report['id']}")
        target, _ = QFileDialog.getSaveFileName(self, "Save report as", str(Path.home() / suggested))
        if target:
            self.save_to(int(report["id"]), Path(target))

    def save_to(self, report_id: int, target: Path) -> None:
        self._reports.save_as(report_id, target).then(
            lambda path: self.status.setText(f"Saved as {path}"), self.on_file_failed, self
        )

    def on_file_failed(self, error: ApiError) -> None:
        self.message.show_message(str(error))


def reports_screen_factory(reports: ReportsService, events: EventStream | None) -> ScreenFactory:
    def build(context: ScreenContext) -> QWidget:
        return ReportsScreen(reports, events)

    return build
