"""Labels: EAN-13 images, PDF sheets and ZPL — and never a label with a wrong check digit."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from PIL import Image

from fllc_desktop.domain.barcodes import DecodeError, decode_scan
from fllc_desktop.labels.images import label_png, label_svg
from fllc_desktop.labels.pdf import write_labels_pdf
from fllc_desktop.labels.product_label import ProductLabel
from fllc_desktop.labels.template import STOCKS
from fllc_desktop.labels.zpl import ZplLayout, label_zpl, labels_zpl, zpl_field_text

WIDGET = ProductLabel(sku="SKU-00042", name="Widget, blue", barcode="4006381333931", price=Decimal("12.50"))
NO_BARCODE = ProductLabel(sku="SKU-00043", name="Loose bolts")


def test_the_ean13_pattern_is_the_standard_95_modules() -> None:
    pattern = WIDGET.bar_pattern()
    assert len(pattern) == 95
    assert pattern.startswith("101")
    assert pattern.endswith("101")


def test_upc_a_and_ean8_are_printed_in_their_13_digit_form() -> None:
    assert ProductLabel("S", "n", barcode="036000291452").ean13 == "0036000291452"
    assert ProductLabel("S", "n", barcode="96385074").human_readable == "0000096385074"


def test_a_wrong_check_digit_is_refused_instead_of_silently_fixed() -> None:
    with pytest.raises(DecodeError):
        ProductLabel("S", "n", barcode="4006381333932").bar_pattern()


def test_a_barcode_that_is_no_gtin_is_printed_as_code_128_of_itself() -> None:
    label = ProductLabel("S-1", "n", barcode="ABC-123-x")
    assert label.ean13 is None
    assert label.human_readable == "ABC-123-x"
    assert ProductLabel("S-1", "n", barcode="12345").code128 == "12345"  # digits, but no GTIN length


def test_a_case_code_cannot_become_an_ean13() -> None:
    with pytest.raises(DecodeError):
        ProductLabel("S", "n", barcode="10012345678902").bar_pattern()


def test_without_a_barcode_the_sku_is_printed_as_code_128() -> None:
    assert NO_BARCODE.ean13 is None
    assert NO_BARCODE.human_readable == "SKU-00043"
    assert set(NO_BARCODE.bar_pattern()) == {"0", "1"}


def test_svg_and_png_images() -> None:
    svg = label_svg(WIDGET)
    assert b"<svg" in svg
    assert b"4006381333931" in svg
    with Image.open(io.BytesIO(label_png(WIDGET))) as image:
        assert image.format == "PNG"
        assert image.width > 95


def test_a_pdf_sheet_holds_every_label_and_breaks_pages() -> None:
    out = io.BytesIO()
    labels = [WIDGET] * 25 + [NO_BARCODE]
    write_labels_pdf(labels, out, STOCKS["a4"])
    pdf = out.getvalue()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 2
    assert pdf.count(b"(SKU-00042)") == 25
    assert b"(12.50)" in pdf
    assert b"(SKU-00043)" in pdf


def test_a_pdf_with_a_bad_barcode_is_not_written_at_all() -> None:
    out = io.BytesIO()
    with pytest.raises(DecodeError):
        write_labels_pdf([WIDGET, ProductLabel("S", "n", barcode="4006381333932")], out)
    assert out.getvalue() == b""


def test_zpl_for_an_ean13_label() -> None:
    zpl = label_zpl(WIDGET, copies=3)
    assert zpl.startswith("^XA\n")
    assert zpl.endswith("^XZ\n")
    assert "^BEN," in zpl
    assert "^FD400638133393^FS" in zpl  # 12 digits; the printer adds the check digit
    assert "^FDSKU-00042^FS" in zpl
    assert ",1,0,R^FH_^FD12.50^FS" in zpl  # the price, right-aligned on the SKU's line
    assert "^PQ3" in zpl


def test_zpl_uses_code_128_without_a_barcode() -> None:
    assert "^BCN," in label_zpl(NO_BARCODE)


def test_zpl_escapes_command_characters_in_names() -> None:
    label = ProductLabel("SKU_1", "Caret^Tilde~", barcode="4006381333931")
    zpl = label_zpl(label)
    assert "^FDCaret_5ETilde_7E^FS" in zpl
    assert zpl_field_text("SKU_1") == "SKU_5F1"


def test_zpl_layout_follows_the_printer_resolution() -> None:
    zpl = label_zpl(WIDGET, ZplLayout(STOCKS["roll-2x1"], dpi=300))
    assert "^PW600" in zpl


def test_many_labels_become_one_print_job() -> None:
    assert labels_zpl([(WIDGET, 1), (NO_BARCODE, 2)]).count("^XA") == 2


def test_a_printed_code_scans_back_to_the_same_product() -> None:
    assert decode_scan(WIDGET.human_readable).gtin == "4006381333931"
