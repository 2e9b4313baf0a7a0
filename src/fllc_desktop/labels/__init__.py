"""Barcode labels: EAN-13 (or Code 128 of the SKU) as SVG/PNG, PDF label sheets, ZPL for label printers."""
