"""What goes on a shelf or item label, and the bar pattern that encodes it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from barcode import EAN13, Code128
from barcode.base import Barcode

from fllc_desktop.domain.barcodes import DecodeError, normalize_gtin


@dataclass(frozen=True)
class ProductLabel:
    sku: str
    name: str
    barcode: str | None = None
    """The product's barcode: a GTIN becomes an EAN-13; any other code (letters, a shop's own
    numbering) a Code 128 of it; without one the label carries a Code 128 of the SKU."""
    price: Decimal | None = None

    @property
    def ean13(self) -> str | None:
        """The checked 13-digit code to print, or None when the label is a Code 128."""
        digits = (self.barcode or "").strip()
        if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
            return None  # not a GTIN: printed as a Code 128 of itself
        code = normalize_gtin(digits)
        if len(code) != 13:
            raise DecodeError(
                "not_ean13", f"{code} is a case code (GTIN-14); it cannot be printed as EAN-13."
            )
        return code

    @property
    def code128(self) -> str:
        """What a Code 128 label encodes: the product's own barcode, else its SKU."""
        return (self.barcode or "").strip() or self.sku

    @property
    def human_readable(self) -> str:
        """The text printed under the bars: exactly what a scanner reads from them."""
        return self.ean13 or self.code128

    def symbol(self) -> Barcode:
        """The python-barcode symbol for this label (check digit verified first)."""
        ean13 = self.ean13
        return EAN13(ean13[:12]) if ean13 else Code128(self.code128)

    def bar_pattern(self) -> str:
        """Modules left to right: ``"1"`` a bar, ``"0"`` a space."""
        return "".join(self.symbol().build())


def location_label(code: str, name: str) -> ProductLabel:
    """A shelf or bin label: a Code 128 of the location's code, which the scan screens read as that
    location (the code is printed under the bars too)."""
    return ProductLabel(sku=code, name=f"Location {code}" + (f" — {name}" if name else ""))
