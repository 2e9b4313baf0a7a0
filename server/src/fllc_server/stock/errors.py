"""The refusals of stock commands: a product, location or barcode that is not there."""

from __future__ import annotations

from fllc_server.catalog.barcodes import InvalidBarcode, normalise_scan
from fllc_server.kit.errors import BadRequest, Conflict, NotFound
from fllc_server.stock.schemas import ProductRef


def product_missing(ref: ProductRef, barcode: str | None) -> NotFound:
    if ref.product_id is not None:
        return NotFound(f"No product with id {ref.product_id}", code="product_not_found")
    if ref.sku is not None:
        return NotFound(f"No product has the SKU {ref.sku}", code="sku_not_found")
    return NotFound(f"No product has the barcode {barcode}", code="barcode_not_found")


def location_missing(location_id: int) -> NotFound:
    return NotFound(f"No location with id {location_id}", code="location_not_found")


def no_location() -> Conflict:
    return Conflict("No stock location exists yet: create a location first", code="no_location")


def scanned_barcode(code: str) -> str:
    """What a scanner sent (EAN/UPC, GS1 AI 01) → the stored form; a bad code is a 400."""
    try:
        return normalise_scan(code)
    except InvalidBarcode as exc:
        raise BadRequest(str(exc), code="invalid_barcode") from exc
