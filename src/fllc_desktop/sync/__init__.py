"""The sync engine (push the outbox, pull the catalog's changes). Imports nothing from Qt.

The engine (and with it the local store and SQLAlchemy) is imported on first use, so that the
status types (``fllc_desktop.sync.status``) can be imported while the app is starting without
paying for the engine before the sign-in window is on screen.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fllc_desktop.sync.status import Connectivity, SyncStatus

if TYPE_CHECKING:
    from fllc_desktop.sync.backoff import Backoff
    from fllc_desktop.sync.engine import SyncEngine, SyncReport, SyncTransport

__all__ = ["Backoff", "Connectivity", "SyncEngine", "SyncReport", "SyncStatus", "SyncTransport"]

_LAZY = {
    "Backoff": "fllc_desktop.sync.backoff",
    "SyncEngine": "fllc_desktop.sync.engine",
    "SyncReport": "fllc_desktop.sync.engine",
    "SyncTransport": "fllc_desktop.sync.engine",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
