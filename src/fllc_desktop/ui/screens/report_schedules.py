"""The Schedules tab of the Reports screen: reports mailed on a cron schedule (list, add, edit,
delete) and the selected schedule's history of runs (when, status, error)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.api.errors import ApiError, ValidationError
from fllc_desktop.qt.services import Lookups, ReportsService
from fllc_desktop.ui.screens.report_params import FORMATS, KINDS, ParamsForm, kind_title
from fllc_desktop.ui.widgets.banner import Banner

JsonObject = dict[str, Any]
SCHEDULE_COLUMNS = ("Name", "Report", "Format", "When (cron)", "Recipients", "Next run (UTC)", "Last run")
RUN_COLUMNS = ("Due (UTC)", "Status", "Attempts", "Finished (UTC)", "Error")
CRON_HINT = "minute hour day month weekday — 0 7 * * 1 is every Monday at 07:00"


def reason(error: ApiError) -> str:
    """The server's words, with what it said about each field of a 400."""
    if isinstance(error, ValidationError) and error.field_errors:
        fields = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.field_errors.items())
        return f"{error} — {fields}"
    return str(error)


def _when(value: Any) -> str:
    return str(value or "")[:16].replace("T", " ")


def _table(name: str, columns: tuple[str, ...], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class ScheduleDialog(QDialog):
    """A schedule's fields; ``fields()`` is the body of POST/PUT /report-schedules."""

    def __init__(self, lookups: Lookups, schedule: JsonObject | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("schedule_dialog")
        self.setWindowTitle("Edit schedule" if schedule else "New schedule")
        self.setMinimumWidth(520)
        self._build(lookups)
        self._lay_out()
        if schedule:
            self._fill(schedule)

    def _build(self, lookups: Lookups) -> None:
        self.message = Banner("schedule_message", "error", parent=self)
        self.name = QLineEdit(self)
        self.name.setObjectName("schedule_name")
        self.kind = QComboBox(self)
        self.kind.setObjectName("schedule_kind")
        for kind in KINDS:
            self.kind.addItem(kind.title, kind.key)
        self.params = ParamsForm("schedule_params", self)
        self.params.set_lookups(lookups.categories, lookups.suppliers, lookups.locations)
        self.format = QComboBox(self)
        self.format.setObjectName("schedule_format")
        for key, label in FORMATS:
            self.format.addItem(label, key)
        self.format.setCurrentIndex(self.format.findData("xlsx"))
        self.cron = QLineEdit("0 7 * * 1", self)
        self.cron.setObjectName("schedule_cron")
        self.cron.setToolTip(CRON_HINT)
        self.timezone = QLineEdit("UTC", self)
        self.timezone.setObjectName("schedule_timezone")
        self.timezone.setPlaceholderText("UTC, Europe/London, America/New_York…")
        self.recipients = QLineEdit(self)
        self.recipients.setObjectName("schedule_recipients")
        self.recipients.setPlaceholderText("buyer@example.com, owner@example.com")
        self.enabled = QCheckBox("Send on schedule", self)
        self.enabled.setObjectName("schedule_enabled")
        self.enabled.setChecked(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.setObjectName("schedule_buttons")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.kind.currentIndexChanged.connect(lambda _i: self.params.set_kind(str(self.kind.currentData())))

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Report", self.kind)
        form.addRow("", self.params)
        form.addRow("Format", self.format)
        form.addRow("When (cron)", self.cron)
        hint = QLabel(CRON_HINT, self)
        hint.setProperty("role", "muted")
        form.addRow("", hint)
        form.addRow("Time zone", self.timezone)
        form.addRow("Send to", self.recipients)
        form.addRow("", self.enabled)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def _fill(self, schedule: JsonObject) -> None:
        self.name.setText(str(schedule.get("name") or ""))
        self.kind.setCurrentIndex(max(0, self.kind.findData(schedule.get("kind"))))
        self.params.set_kind(str(self.kind.currentData()))
        self.params.set_values(dict(schedule.get("params") or {}))
        self.format.setCurrentIndex(max(0, self.format.findData(schedule.get("format"))))
        self.cron.setText(str(schedule.get("cron") or ""))
        self.timezone.setText(str(schedule.get("timezone") or "UTC"))
        self.recipients.setText(", ".join(schedule.get("recipients") or []))
        self.enabled.setChecked(bool(schedule.get("enabled", True)))

    def fields(self) -> JsonObject:
        addresses = [part.strip() for part in self.recipients.text().replace(";", ",").split(",")]
        return {
            "name": self.name.text().strip(),
            "kind": self.kind.currentData(),
            "params": self.params.values(),
            "format": self.format.currentData(),
            "cron": self.cron.text().strip(),
            "timezone": self.timezone.text().strip() or "UTC",
            "recipients": [address for address in addresses if address],
            "enabled": self.enabled.isChecked(),
        }


class SchedulesTab(QWidget):
    def __init__(self, reports: ReportsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reports_schedules")
        self._reports = reports
        self.lookups = Lookups()
        self.rows: list[JsonObject] = []
        self.runs: list[JsonObject] = []
        self.loaded = 0
        self.dialog: ScheduleDialog | None = None
        self._editing: int | None = None
        self.message = Banner("schedules_message", "error", parent=self)
        self.table = _table("schedules_table", SCHEDULE_COLUMNS, self)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)  # recipients
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.runs_title = QLabel("Select a schedule to see its runs.", self)
        self.runs_title.setObjectName("schedule_runs_title")
        self.runs_title.setProperty("role", "heading")
        self.runs_table = _table("schedule_runs", RUN_COLUMNS, self)
        self.add_button = QPushButton("&Add schedule…", self)
        self.add_button.setObjectName("schedules_add")
        self.edit_button = QPushButton("&Edit…", self)
        self.edit_button.setObjectName("schedules_edit")
        self.delete_button = QPushButton("&Delete", self)
        self.delete_button.setObjectName("schedules_delete")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.runs_title)
        layout.addWidget(self.runs_table, 1)
        self.add_button.clicked.connect(self.on_add_clicked)
        self.edit_button.clicked.connect(self.on_edit_clicked)
        self.delete_button.clicked.connect(self.on_delete_clicked)
        self.table.itemSelectionChanged.connect(self.on_selection_changed)
        self.table.itemDoubleClicked.connect(lambda _item: self.on_edit_clicked())
        self._update_buttons()
        self.reload()

    def set_lookups(self, lookups: Lookups) -> None:
        self.lookups = lookups

    def reload(self) -> None:
        self._reports.schedules().then(self.on_schedules, self.on_failed, self)

    def on_schedules(self, rows: list[JsonObject]) -> None:
        chosen = self.selected()
        self.rows = rows
        self.table.setRowCount(len(rows))
        for row, schedule in enumerate(rows):
            last = schedule.get("last_run") or {}
            cells = (
                str(schedule.get("name") or ""),
                kind_title(str(schedule.get("kind"))),
                str(schedule.get("format") or "").upper(),
                f"{schedule.get('cron')} ({schedule.get('timezone')})",
                ", ".join(schedule.get("recipients") or []),
                _when(schedule.get("next_run_at")) if schedule.get("enabled") else "off",
                str(last.get("status") or "—").capitalize(),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 4:
                    item.setToolTip(text)
                if column == 6 and last.get("error"):
                    item.setToolTip(str(last["error"]))
                self.table.setItem(row, column, item)
        self.loaded += 1
        if chosen is not None:
            for row, schedule in enumerate(rows):
                if schedule.get("id") == chosen.get("id"):
                    self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> JsonObject | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()]

    def on_selection_changed(self) -> None:
        self._update_buttons()
        schedule = self.selected()
        if schedule is None:
            self.runs = []
            self.runs_table.setRowCount(0)
            self.runs_title.setText("Select a schedule to see its runs.")
            return
        self.runs_title.setText(f"Runs of “{schedule.get('name')}”")
        self._reports.schedule_runs(int(schedule["id"])).then(self.on_runs, self.on_failed, self)

    def on_runs(self, runs: list[JsonObject]) -> None:
        self.runs = runs
        self.runs_table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            cells = (
                _when(run.get("scheduled_for")),
                str(run.get("status") or "").capitalize(),
                str(run.get("attempts") or 0),
                _when(run.get("finished_at")),
                str(run.get("error") or ""),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if column == 4 else "")
                self.runs_table.setItem(row, column, item)

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    # -- writing ----------------------------------------------------------------------------------
    def on_add_clicked(self) -> None:
        self.open_dialog(None)

    def on_edit_clicked(self) -> None:
        schedule = self.selected()
        if schedule is not None:
            self.open_dialog(schedule)

    def open_dialog(self, schedule: JsonObject | None) -> ScheduleDialog:
        self._editing = int(schedule["id"]) if schedule else None
        self.dialog = ScheduleDialog(self.lookups, schedule, self)
        self.dialog.accepted.connect(self.on_dialog_accepted)
        self.dialog.open()
        return self.dialog

    def on_dialog_accepted(self) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        self._reports.save_schedule(self._editing, dialog.fields()).then(
            self.on_saved, self.on_save_failed, self
        )

    def on_saved(self, schedule: JsonObject) -> None:
        self.dialog = None
        self.message.hide()
        self.reload()

    def on_save_failed(self, error: ApiError) -> None:
        """The dialog comes back with what was typed and the server's reason."""
        dialog = self.dialog
        if dialog is None:
            self.message.show_message(str(error))
            return
        dialog.message.show_message(reason(error))
        dialog.open()

    def on_delete_clicked(self) -> None:
        schedule = self.selected()
        if schedule is None:
            return
        answer = QMessageBox.question(
            self, "Delete schedule", f"Delete the schedule “{schedule.get('name')}”?"
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(int(schedule["id"]))

    def delete(self, schedule_id: int) -> None:
        self._reports.delete_schedule(schedule_id).then(lambda _none: self.reload(), self.on_failed, self)

    def on_failed(self, error: ApiError) -> None:
        self.message.show_message(str(error))
