"""The Reports screen (managers and admins) against the real server: a report generated with its
progress followed through the job events, the history, a PDF opened inside the app (QtPdf) and saved
as a file, every kind made as PDF, and the schedules edited (add, a refused address, edit, delete)."""

from __future__ import annotations

import pytest

from fllc_desktop.qt.event_stream import StreamState

from .conftest import api_client
from .test_object_names import unnamed
from .test_screenshots import SHOTS, save

LOAD_MS = 15_000
REPORT_MS = 60_000
KINDS = (
    "stock_valuation",
    "low_stock",
    "stock_movements",
    "stock_ageing",
    "abc_analysis",
    "purchasing",
    "sales",
    "count_variance",
    "invoice_discrepancies",
)


def reports_screen(qtbot, app):
    app.window.shell.show_screen("reports")
    screen = app.window.shell.screens["reports"]
    qtbot.waitUntil(lambda: screen.loaded > 0 and screen.schedules.loaded > 0, timeout=LOAD_MS)
    return screen


def generate(qtbot, screen, kind: str, fmt: str) -> dict:
    screen.kind.setCurrentIndex(screen.kind.findData(kind))
    screen.format.setCurrentIndex(screen.format.findData(fmt))
    screen.generate_button.click()
    qtbot.waitUntil(lambda: screen.pending is not None, timeout=LOAD_MS)
    report_id = screen.pending
    qtbot.waitUntil(lambda: screen.pending is None, timeout=REPORT_MS)
    qtbot.waitUntil(
        lambda: any(r["id"] == report_id and r["status"] == "succeeded" for r in screen.history),
        timeout=LOAD_MS,
    )
    return next(r for r in screen.history if r["id"] == report_id)


def test_a_manager_generates_a_report_and_follows_its_progress(qtbot, signed_in, tmp_path):
    app = signed_in("manager")
    screen = reports_screen(qtbot, app)
    assert unnamed(screen) == []
    seen: list[tuple[str, int]] = []
    app.events.sig_event.connect(
        lambda message: (
            seen.append((message["type"], message["data"].get("progress", 0)))
            if str(message.get("type", "")).startswith("job.")
            else None
        )
    )
    qtbot.waitUntil(lambda: app.events.state is StreamState.CONNECTED, timeout=LOAD_MS)
    report = generate(qtbot, screen, "low_stock", "xlsx")
    assert ("job.done", 100) in seen  # the bar was moved by the events
    assert screen.progress.value() == 100
    assert screen.status.text().startswith("Ready")
    assert screen.table.item(0, 1).text() == "Low stock / reorder"
    assert screen.table.item(0, 3).text() == "Succeeded"
    assert screen.selected()["id"] == report["id"]
    assert screen.save_button.isEnabled()
    target = tmp_path / "low.xlsx"
    screen.save_to(report["id"], target)
    qtbot.waitUntil(lambda: target.exists() and target.stat().st_size > 0, timeout=LOAD_MS)
    assert target.read_bytes()[:2] == b"PK"  # a zip: the XLSX
    save(app.window, "manager_reports")


def test_a_pdf_opens_inside_the_app(qtbot, signed_in):
    app = signed_in("admin")
    screen = reports_screen(qtbot, app)
    screen.params.widgets["group_by"].setCurrentIndex(screen.params.widgets["group_by"].findData("location"))
    assert screen.params.values() == {"group_by": "location"}
    report = generate(qtbot, screen, "stock_valuation", "pdf")
    screen._select(report["id"])
    screen.open_button.click()
    qtbot.waitUntil(lambda: screen.viewer is not None and screen.viewer.pages >= 1, timeout=LOAD_MS)
    qtbot.wait(200)  # let the view paint its first page
    save(screen.viewer, "admin_reports_pdf_viewer")
    screen.viewer.close()
    save(app.window, "admin_reports")


def test_every_kind_is_made_as_a_pdf(qtbot, seeded):
    """Through the API the screen uses; the files go beside the screenshots to be rendered and looked at."""
    client = api_client(seeded.url, "manager")
    try:
        made = {kind: client.reports.request(kind, {}, "pdf")["id"] for kind in KINDS}
        for kind, report_id in made.items():
            qtbot.waitUntil(
                lambda rid=report_id: client.reports.get(rid)["status"] in ("succeeded", "failed"),
                timeout=REPORT_MS,
            )
            assert client.reports.get(report_id)["status"] == "succeeded", kind
            file = client.reports.download(report_id)
            assert file.content[:5] == b"%PDF-", kind
            SHOTS.mkdir(parents=True, exist_ok=True)
            (SHOTS / f"report_{kind}.pdf").write_bytes(file.content)
    finally:
        client.close()


def test_schedules_are_added_refused_edited_and_deleted(qtbot, signed_in):
    app = signed_in("manager")
    screen = reports_screen(qtbot, app)
    screen.tabs.setCurrentWidget(screen.schedules)
    tab = screen.schedules
    before = len(tab.rows)
    dialog = tab.open_dialog(None)
    dialog.name.setText("Monday low stock")
    dialog.kind.setCurrentIndex(dialog.kind.findData("low_stock"))
    dialog.recipients.setText("buyer@shop.example; not an address")
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.message.isVisible(), timeout=LOAD_MS)
    assert "e-mail address" in dialog.message.text  # the server's 400, shown in the dialog kept open
    dialog.recipients.setText("buyer@shop.example, owner@shop.example")
    dialog.timezone.setText("Europe/London")
    dialog.accept()
    qtbot.waitUntil(lambda: len(tab.rows) == before + 1, timeout=LOAD_MS)
    created = next(row for row in tab.rows if row["name"] == "Monday low stock")
    assert created["cron"] == "0 7 * * 1"
    assert created["format"] == "xlsx"
    assert created["recipients"] == ["buyer@shop.example", "owner@shop.example"]
    row = tab.rows.index(created)
    tab.table.selectRow(row)
    assert tab.table.item(row, 3).text() == "0 7 * * 1 (Europe/London)"
    save(app.window, "manager_reports_schedules")
    edit = tab.open_dialog(created)
    assert edit.recipients.text() == "buyer@shop.example, owner@shop.example"
    edit.cron.setText("30 6 * * 1-5")
    edit.accept()
    qtbot.waitUntil(lambda: any(r["cron"] == "30 6 * * 1-5" for r in tab.rows), timeout=LOAD_MS)
    tab.delete(created["id"])
    qtbot.waitUntil(lambda: len(tab.rows) == before, timeout=LOAD_MS)


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_staff_and_viewers_have_no_reports(qtbot, signed_in, role):
    app = signed_in(role)
    shell = app.window.shell
    assert "reports" not in shell.screens
    assert "reports" not in shell.nav_buttons
    save(app.window, f"{role}_no_reports")
