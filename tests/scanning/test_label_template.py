"""The label template on every size: the PDF's barcodes decode (zxing-cpp reading the rendered page,
as a scanner reads the paper) to the product's own code, and the ZPL cannot be hijacked by a name."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from PIL.Image import Image

from fllc_desktop.labels.pdf import write_labels_pdf
from fllc_desktop.labels.product_label import ProductLabel, location_label
from fllc_desktop.labels.template import STOCKS, LabelStock, layout_for, stock_named
from fllc_desktop.labels.zpl import DPIS, ZplLayout, label_zpl, labels_zpl

EAN = ProductLabel("SKU-00042", "Widget, blue", barcode="4006381333931", price=Decimal("12.50"))
SKU_ONLY = ProductLabel("SKU-00043", "Loose bolts with a name far too long for any label at all")
OWN_CODE = ProductLabel("BOX-7", "Crate", barcode="ABC-123-x")
LOCATION = location_label("B-04-02", "Aisle B, Shelf 4, Bin 2")
LABELS = [EAN, SKU_ONLY, OWN_CODE, LOCATION]
EXPECTED = [
    ("EAN13", "4006381333931"),
    ("Code128", "SKU-00043"),
    ("Code128", "ABC-123-x"),
    ("Code128", "B-04-02"),
]


def _pages(labels: list[ProductLabel], stock: LabelStock, dpi: int = 300) -> list[Image]:
    out = io.BytesIO()
    write_labels_pdf(labels, out, stock)
    document = pypdfium2.PdfDocument(out.getvalue())
    return [document[index].render(scale=dpi / 72).to_pil() for index in range(len(document))]


def _decoded(image: Image) -> list[tuple[str, str]]:
    found = zxingcpp.read_barcodes(image)
    ordered = sorted(found, key=lambda b: (b.position.top_left.y // 50, b.position.top_left.x))
    return [(b.format.name, b.text) for b in ordered]


@pytest.mark.parametrize("key", list(STOCKS))
def test_every_barcode_on_the_pdf_scans_as_the_products_code(key: str) -> None:
    stock = STOCKS[key]
    pages = _pages(LABELS, stock)
    if stock.is_roll:
        assert len(pages) == len(LABELS)  # one label a page: the roll's printer feeds per page
        assert [_decoded(page) for page in pages] == [[item] for item in EXPECTED]
    else:
        assert len(pages) == 1
        assert _decoded(pages[0]) == EXPECTED


@pytest.mark.parametrize("key", ["roll-2x1", "letter"])
def test_the_smallest_labels_still_scan_at_a_plain_office_printers_resolution(key: str) -> None:
    (page,) = _pages([EAN], STOCKS[key], dpi=150)[:1]
    assert _decoded(page) == [EXPECTED[0]]


def test_a_full_sheet_scans_label_by_label_and_the_next_one_starts_a_page() -> None:
    labels = [ProductLabel(f"SKU-{n:03}", f"Product {n}") for n in range(31)]
    pages = _pages(labels, STOCKS["letter"])  # 30 a sheet
    assert len(pages) == 2
    assert [text for _format, text in _decoded(pages[0])] == [f"SKU-{n:03}" for n in range(30)]
    assert _decoded(pages[1]) == [("Code128", "SKU-030")]


def test_the_price_is_left_off_when_not_wanted() -> None:
    out = io.BytesIO()
    write_labels_pdf([EAN], out, STOCKS["roll-2x1"], show_price=False)
    assert b"(12.50)" not in out.getvalue()
    assert b"(SKU-00042)" in out.getvalue()


def test_a_code_too_long_to_scan_on_the_label_is_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        write_labels_pdf([ProductLabel("X" * 40, "n")], io.BytesIO(), STOCKS["roll-2x1"])


def test_an_unknown_size_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="roll-2x1"):
        stock_named("a5")


def test_the_template_keeps_its_boxes_inside_the_label_at_every_size() -> None:
    for stock in STOCKS.values():
        layout = layout_for(stock.label_width, stock.label_height)
        boxes = [layout.name, layout.line, layout.bars, layout.text]
        assert all(b.x >= 0 and b.y >= 0 and b.x + b.width <= stock.label_width for b in boxes)
        assert [b.y for b in boxes] == sorted(b.y for b in boxes)
        assert layout.text.y + layout.text.height <= stock.label_height
        assert layout.bars.height >= 8  # a hand scanner's line finds bars of 8 mm and more


# ---------------------------------------------------------------------------------------------- ZPL

HOSTILE = ProductLabel("SKU-9", "A^XZ^XA~JR^FS_ü", barcode="4006381333931")


@pytest.mark.parametrize("dpi", DPIS)
def test_a_name_with_zpl_commands_stays_text_at_every_resolution(dpi: int) -> None:
    zpl = label_zpl(HOSTILE, ZplLayout(STOCKS["roll-2.25x1.25"], dpi))
    assert zpl.count("^XA") == 1
    assert zpl.count("^XZ") == 1
    assert "~" not in zpl  # no host command can be reached
    assert "^FDA_5EXZ_5EXA_7EJR_5EFS_5F_C3_BC^FS" in zpl
    name_field = next(line for line in zpl.splitlines() if "^FDA_" in line)
    data = name_field.split("^FD", 1)[1].removesuffix("^FS")
    assert "^" not in data
    # ^FH_ decodes the escapes back to the exact name, in UTF-8 (^CI28)
    decoded = re.sub(rb"_([0-9A-F]{2})", lambda m: bytes([int(m[1], 16)]), data.encode())
    assert decoded.decode() == HOSTILE.name


@pytest.mark.parametrize(("dpi", "width"), [(203, 406), (300, 600), (600, 1200)])
def test_the_zpl_label_is_the_roll_size_in_the_printers_dots(dpi: int, width: int) -> None:
    zpl = label_zpl(EAN, ZplLayout(STOCKS["roll-2x1"], dpi))
    assert f"^PW{width}" in zpl
    assert f"^LL{width // 2}" in zpl
    module = int(re.search(r"\^BY(\d+),", zpl)[1])  # type: ignore[index]
    assert 0.19 <= module / dpi * 25.4 <= 0.33  # the same narrow bar on every printer


def test_zpl_carries_code_128_of_the_products_own_code_and_copies() -> None:
    zpl = labels_zpl([(OWN_CODE, 3), (SKU_ONLY, 1)], ZplLayout(STOCKS["roll-2x1"], 300))
    assert "^BCN," in zpl
    assert "^FH_^FDABC-123-x^FS" in zpl
    assert zpl.count("^XA") == 2
    assert "^PQ3" in zpl
    assert "^PQ1" in zpl


def test_zpl_refuses_sheets_resolutions_and_codes_it_cannot_print() -> None:
    with pytest.raises(ValueError, match="roll"):
        ZplLayout(STOCKS["a4"], 203)
    with pytest.raises(ValueError, match="dpi"):
        ZplLayout(STOCKS["roll-2x1"], 150)
    with pytest.raises(ValueError, match="Code 128"):
        label_zpl(ProductLabel("A>B", "n"))
