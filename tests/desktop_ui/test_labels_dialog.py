"""Print labels, as a person would: from the Products screen (the selected products, copies each) and the
Locations screen, to a PDF, through Qt's printer, and as ZPL to an allow-listed label printer — a real
TCP listener here — with every printed barcode read back by a real barcode reader (zxing-cpp)."""

from __future__ import annotations

import json
import random
import socket
import threading

import pypdfium2
import pytest
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QPushButton

from fllc_desktop.domain.barcodes import gs1_check_digit

from .conftest import api_client, sign_in
from .test_screenshots import save

LOAD_MS = 10_000


def decoded_pages(pdf: bytes, dpi: int = 300) -> list[list[str]]:
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for index in range(len(document)):
        image = document[index].render(scale=dpi / 72).to_pil()
        found = zxingcpp.read_barcodes(image)
        found.sort(key=lambda b: (b.position.top_left.y // 50, b.position.top_left.x))
        pages.append([b.text for b in found])
    return pages


@pytest.fixture
def admin_api(seeded):
    client = api_client(seeded.url)
    yield client
    client.close()


@pytest.fixture
def ean_product(admin_api):
    body = f"400{random.randrange(10**9):09d}"
    product = admin_api.products.create(
        {
            "sku": f"EAN-{body[-6:]}",
            "name": "Widget with a GTIN",
            "barcode": body + str(gs1_check_digit(body)),
            "price": "3.25",
        }
    )
    yield product
    admin_api.products.delete(product["id"])


class LabelPrinterPort:
    """A network label printer's raw port on loopback: each connection's bytes are one job."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.jobs: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return  # closed
            with connection:
                chunks = []
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
                self.jobs.append(b"".join(chunks))

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def label_printer(admin_api):
    port = LabelPrinterPort()
    admin_api.settings.put(
        {"label_printers": [{"name": "Dock 1", "host": "127.0.0.1", "port": port.port, "dpi": 300}]}
    )
    yield port
    admin_api.settings.put({"label_printers": []})
    port.close()


def products_screen(qtbot, app, text="SKU-00"):
    app.window.shell.show_screen("products")
    screen = app.window.shell.screens["products"]
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=LOAD_MS)
    screen.search.setText(text)
    qtbot.waitUntil(
        lambda: screen.query.text == text and screen.loaded_serial == screen._serial, timeout=LOAD_MS
    )
    return screen


def select_rows(screen, rows):
    screen.select_row(rows[0])
    selection = screen.table.selectionModel()
    for row in rows[1:]:
        selection.select(
            screen.model.index(row, 0),
            selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
        )


@pytest.mark.parametrize("role", ["admin", "manager", "staff"])
def test_whoever_receives_stock_prints_labels_from_products(qtbot, signed_in, role):
    app = signed_in(role)
    screen = products_screen(qtbot, app)
    assert screen.labels_button is not None
    assert screen.labels_button.isVisible()
    select_rows(screen, [0, 1])
    dialog = screen.on_labels_clicked()
    qtbot.waitExposed(dialog)
    assert [label.sku for label in dialog.labels] == [screen.model.product_at(r)["sku"] for r in (0, 1)]
    qtbot.wait(50)
    save(dialog, f"{role}_print_labels")


def test_a_viewer_has_no_label_button(qtbot, signed_in):
    app = signed_in("viewer")
    screen = products_screen(qtbot, app)
    assert screen.labels_button is None
    assert screen.findChild(QPushButton, "products_print_labels") is None
    save(app.window, "viewer_products_no_labels")


@pytest.mark.parametrize("size", ["a4", "letter", "roll-2.25x1.25", "roll-2x1"])
def test_saved_pdf_labels_scan_as_the_product_on_every_size(qtbot, signed_in, ean_product, tmp_path, size):
    app = signed_in("staff")
    screen = products_screen(qtbot, app, ean_product["sku"])
    screen.select_row(0)
    dialog = screen.on_labels_clicked()
    dialog.set_stock(size)
    dialog.set_copies(0, 2)
    dialog.set_output("pdf")
    path = tmp_path / f"labels-{size}.pdf"
    dialog.save_pdf(str(path))
    code = ean_product["barcode"]
    pages = decoded_pages(path.read_bytes())
    assert pages == ([[code], [code]] if size.startswith("roll") else [[code, code]])
    assert screen.status.text() == f"Labels saved to {path}"


def test_selected_products_with_copies_each_print_through_qts_printer(qtbot, signed_in, tmp_path):
    app = signed_in("manager")
    screen = products_screen(qtbot, app, "SKU-000")
    select_rows(screen, [0, 2])
    dialog = screen.on_labels_clicked()
    skus = [label.sku for label in dialog.labels]
    assert skus == [screen.model.product_at(0)["sku"], screen.model.product_at(2)["sku"]]
    dialog.set_stock("roll-2x1")
    dialog.set_copies(1, 2)
    printer = dialog.make_printer()  # what QPrintDialog is handed; a PDF printer stands in for paper
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_to(printer) == 3
    assert decoded_pages((tmp_path / "printed.pdf").read_bytes()) == [[skus[0]], [skus[1]], [skus[1]]]


def test_zpl_goes_to_the_allowed_label_printer(qtbot, signed_in, label_printer):
    app = signed_in("staff")
    screen = products_screen(qtbot, app, "SKU-0001")
    screen.select_row(0)
    dialog = screen.on_labels_clicked()
    qtbot.waitUntil(lambda: bool(dialog.printers), timeout=LOAD_MS)
    assert dialog.output_buttons["zpl"].isEnabled()
    dialog.set_output("zpl")
    assert dialog.stock().key == "roll-2x1"  # a label printer prints rolls
    dialog.set_copies(0, 3)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(label_printer.jobs), timeout=LOAD_MS)
    (job,) = label_printer.jobs
    text = job.decode()
    assert text.count("^XA") == 1
    assert "^PW600" in text  # 2 in at the printer's 300 dpi
    assert "^PQ3" in text
    assert "^FH_^FDSKU-0001^FS" in text
    qtbot.waitUntil(lambda: "sent to Dock 1" in screen.status.text(), timeout=LOAD_MS)


def test_a_printer_taken_off_the_allow_list_is_refused_with_the_reason(
    qtbot, signed_in, admin_api, label_printer
):
    app = signed_in("staff")
    screen = products_screen(qtbot, app, "SKU-0001")
    screen.select_row(0)
    dialog = screen.on_labels_clicked()
    qtbot.waitUntil(lambda: bool(dialog.printers), timeout=LOAD_MS)
    dialog.set_output("zpl")
    admin_api.settings.put({"label_printers": []})
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "allow-list" in dialog.status.text(), timeout=LOAD_MS)
    assert dialog.isVisible()
    assert label_printer.jobs == []


def test_without_allowed_printers_zpl_cannot_be_chosen(qtbot, signed_in):
    app = signed_in("staff")
    screen = products_screen(qtbot, app, "SKU-0001")
    screen.select_row(0)
    dialog = screen.on_labels_clicked()
    qtbot.wait(200)
    assert not dialog.output_buttons["zpl"].isEnabled()
    assert "Settings" in dialog.output_buttons["zpl"].toolTip()


def test_location_labels_from_the_locations_screen_scan_as_their_codes(qtbot, signed_in, tmp_path):
    app = signed_in("manager")
    app.window.shell.show_screen("locations")
    screen = app.window.shell.screens["locations"]
    qtbot.waitUntil(lambda: len(screen.entities) >= 2, timeout=LOAD_MS)
    screen.search.setText("Aisle")
    dialog = screen.on_labels_clicked()
    qtbot.waitExposed(dialog)
    save(dialog, "manager_location_labels")
    codes = [label.human_readable for label in dialog.labels]
    assert {"A-01", "B-02"} <= set(codes)
    assert not dialog.show_price.isEnabled()
    dialog.set_stock("letter")
    dialog.save_pdf(str(tmp_path / "locations.pdf"))
    (page,) = decoded_pages((tmp_path / "locations.pdf").read_bytes())
    assert page == codes


def receive_screen_labelling_to(qtbot, make_app, config_dir, printer_name):
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "desktop.json").write_text(json.dumps({"receive_label_printer": printer_name}))
    app = make_app()
    sign_in(qtbot, app, "staff")
    app.window.shell.show_screen("scan_receive")
    screen = app.window.shell.screens["scan_receive"]
    qtbot.waitUntil(lambda: screen.desk.store.catalog.product_by_sku("SKU-0005") is not None, timeout=LOAD_MS)
    return screen


def test_a_device_set_to_label_receipts_prints_one_label_per_item_received(
    qtbot, make_app, config_dir, label_printer
):
    screen = receive_screen_labelling_to(qtbot, make_app, config_dir, "Dock 1")
    assert screen.labeller is not None
    screen.keypad.set_value(4)
    screen.accept_scan("SKU-0005")
    qtbot.waitUntil(lambda: bool(label_printer.jobs), timeout=LOAD_MS)
    assert screen.feedback.title.startswith("+4")  # the receipt was booked before the label went out
    (job,) = label_printer.jobs
    text = job.decode()
    assert "^PQ4" in text  # one label per item: four copies
    assert "^FH_^FDSKU-0005^FS" in text
    assert "^PW600" in text  # the allow-list says Dock 1 prints at 300 dpi


def test_a_receipt_label_that_cannot_print_says_so_and_the_receipt_stands(qtbot, make_app, config_dir):
    screen = receive_screen_labelling_to(qtbot, make_app, config_dir, "Not allowed")
    before = len(screen.last_op_ids)
    screen.accept_scan("SKU-0005")
    qtbot.waitUntil(lambda: "label was not printed" in screen.feedback.title, timeout=LOAD_MS)
    assert "allow-list" in screen.feedback.detail
    assert len(screen.last_op_ids) == before + 1  # received all the same


def test_without_the_device_setting_receiving_prints_nothing(qtbot, signed_in):
    app = signed_in("staff")
    app.window.shell.show_screen("scan_receive")
    assert app.window.shell.screens["scan_receive"].labeller is None


def test_an_admin_edits_the_label_printers_allow_list_in_settings(qtbot, signed_in, admin_api):
    app = signed_in("admin")
    app.window.shell.show_screen("settings")
    screen = app.window.shell.screens["settings"]
    qtbot.waitUntil(lambda: bool(screen.loaded), timeout=LOAD_MS)
    editor = screen.label_printers
    row = editor.add_printer({})
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)  # a row without name and host: left out
    qtbot.waitUntil(lambda: screen.status.text() in ("Nothing to save.", "Saved."), timeout=LOAD_MS)
    editor.table.item(row, 0).setText("Dock 2")
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    assert screen.form.error_text("label_printers") == "every printer needs a name and a host"
    editor.table.item(row, 1).setText("zebra-dock2.local")
    editor.table.cellWidget(row, 3).setCurrentIndex(2)  # 600 dpi
    qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.status.text() == "Saved.", timeout=LOAD_MS)
    try:
        expected = [{"name": "Dock 2", "host": "zebra-dock2.local", "port": 9100, "dpi": 600}]
        assert admin_api.settings.get()["label_printers"] == expected
        save(screen, "admin_settings_label_printers")
        editor.table.item(0, 1).setText("http://evil/x")
        qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "did not accept" in screen.status.text(), timeout=LOAD_MS)
    finally:
        admin_api.settings.put({"label_printers": []})
