"""Every table of the server, imported here so that Base.metadata knows them all."""

from fllc_server.models.base import Base, utcnow
from fllc_server.models.catalog import Category, Location, Product, Supplier
from fllc_server.models.devices import SyncDevice
from fllc_server.models.edi import EdiCarton, EdiInterchange, EdiOrder, EdiPartner
from fllc_server.models.integrations import (
    ApiKey,
    IntegrationProvider,
    ServiceAccount,
    SkuMapping,
    UnmappedLine,
)
from fllc_server.models.jobs import Job
from fllc_server.models.purchasing import PurchaseOrder, PurchaseOrderLine
from fllc_server.models.reports import ReportSchedule, ReportScheduleRun
from fllc_server.models.sales import (
    Address,
    Customer,
    Order,
    OrderItem,
    OrderRefund,
    OrderStatusChange,
    Review,
    StockReservation,
)
from fllc_server.models.stock import InventoryMovement, StockLevel, StockSnapshot
from fllc_server.models.system import AppliedOp, AuditEntry, Change, InboxMessage, SettingRow
from fllc_server.models.users import KnownDevice, MfaCredential, MfaRecoveryCode, RefreshToken, User

__all__ = [
    "Address",
    "ApiKey",
    "AppliedOp",
    "AuditEntry",
    "Base",
    "Category",
    "Change",
    "Customer",
    "EdiCarton",
    "EdiInterchange",
    "EdiOrder",
    "EdiPartner",
    "InboxMessage",
    "IntegrationProvider",
    "InventoryMovement",
    "Job",
    "KnownDevice",
    "Location",
    "MfaCredential",
    "MfaRecoveryCode",
    "Order",
    "OrderItem",
    "OrderRefund",
    "OrderStatusChange",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "RefreshToken",
    "ReportSchedule",
    "ReportScheduleRun",
    "Review",
    "ServiceAccount",
    "SettingRow",
    "SkuMapping",
    "StockLevel",
    "StockReservation",
    "StockSnapshot",
    "Supplier",
    "SyncDevice",
    "UnmappedLine",
    "User",
    "utcnow",
]
