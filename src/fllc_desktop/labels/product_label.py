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
    """The product's GTIN; without one the label carries a Code 128 of the SKU."""
    price: Decimal | None = None

    @property
    def ean13(self) -> str | None:
        """The checked 13-digit code to print, or None when the label uses the SKU."""
        if self.barcode is None:
            return None
        code = normalize_gtin(self.barcode)
        if len(code) != 13:
            raise DecodeError(
                "not_ean13", f"{code} is a case code (GTIN-14); it cannot be printed as EAN-13."
            )
        return code

    @property
    def human_readable(self) -> str:
        """The text printed under the bars."""
        return self.ean13 or self.sku

    def symbol(self) -> Barcode:
        """The python-barcode symbol for this label (check digit verified first)."""
        ean13 = self.ean13
        return EAN13(ean13[:12]) if ean13 else Code128(self.sku)

    def bar_pattern(self) -> str:
        """Modules left to right: ``"1"`` a bar, ``"0"`` a space."""
        return "".join(self.symbol().build())
