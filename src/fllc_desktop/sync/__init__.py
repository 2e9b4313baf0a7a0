"""The sync engine (push the outbox, pull the catalog's changes). Imports nothing from Qt."""

from fllc_desktop.sync.backoff import Backoff
from fllc_desktop.sync.engine import SyncEngine, SyncReport, SyncTransport
from fllc_desktop.sync.status import Connectivity, SyncStatus

__all__ = ["Backoff", "Connectivity", "SyncEngine", "SyncReport", "SyncStatus", "SyncTransport"]
