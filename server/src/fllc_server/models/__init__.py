"""Every table of the server, imported here so that Base.metadata knows them all."""

from fllc_server.models.base import Base, utcnow
from fllc_server.models.catalog import Category, Location, Product, Supplier
from fllc_server.models.purchasing import PurchaseOrder, PurchaseOrderLine
from fllc_server.models.sales import Address, Customer, Order, OrderItem, Review
from fllc_server.models.stock import InventoryMovement, StockLevel
from fllc_server.models.system import AppliedOp, AuditEntry, Change, InboxMessage, SettingRow
from fllc_server.models.users import RefreshToken, User

__all__ = [
    "Address",
    "AppliedOp",
    "AuditEntry",
    "Base",
    "Category",
    "Change",
    "Customer",
    "InboxMessage",
    "InventoryMovement",
    "Location",
    "Order",
    "OrderItem",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "RefreshToken",
    "Review",
    "SettingRow",
    "StockLevel",
    "Supplier",
    "User",
    "utcnow",
]
