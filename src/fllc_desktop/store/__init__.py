"""Local SQLite storage: the outbox of commands and the catalog replica. Imports nothing from Qt."""

from fllc_desktop.store.catalog import CatalogReplica, ProductRow, PurchaseOrderLineRow
from fllc_desktop.store.errors import (
    DatabaseUnavailableError,
    OpNotFoundError,
    StoreBugError,
    StoreError,
    Trouble,
)
from fllc_desktop.store.local_store import LocalStore, RecoveryReport
from fllc_desktop.store.outbox import OpOutcome, OpOwner, OpState, Outbox, OutboxCounts, OutboxEntry

__all__ = [
    "CatalogReplica",
    "DatabaseUnavailableError",
    "LocalStore",
    "OpNotFoundError",
    "OpOutcome",
    "OpOwner",
    "OpState",
    "Outbox",
    "OutboxCounts",
    "OutboxEntry",
    "ProductRow",
    "PurchaseOrderLineRow",
    "RecoveryReport",
    "StoreBugError",
    "StoreError",
    "Trouble",
]
