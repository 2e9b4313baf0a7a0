"""The catalog's entities as sync pull sends them (app.py registers them with the app)."""

from __future__ import annotations

from fllc_server.catalog.schemas import CategoryOut, LocationOut, ProductOut, SupplierOut
from fllc_server.models import Category, Location, Product, Supplier
from fllc_server.sync.shapes import ShapeLoader, versioned

CATALOG_SHAPES: dict[str, ShapeLoader] = {
    "product": versioned(Product, ProductOut),
    "category": versioned(Category, CategoryOut),
    "supplier": versioned(Supplier, SupplierOut),
    "location": versioned(Location, LocationOut),
}
