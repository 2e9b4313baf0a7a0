"""The PySide6 refcount workaround (qt/pyside_compat.py) is kept only while PySide6 needs it.

The leak is measured, not assumed: after the workaround has made the counts safe, 1,000 void Qt
calls and 1,000 signal emits are made and the reference counts of ``None`` and ``True`` compared. On
an affected PySide6 each call drops one reference it never took. When a release stops doing so this
test fails, saying to delete the workaround and widen the pin in pyproject.toml.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from PySide6 import __version_info__ as pyside_version
from PySide6.QtCore import QCoreApplication, QObject, Signal

from fllc_desktop.qt.pyside_compat import AFFECTED, protect_singletons_from_refcount_bugs

CALLS = 1_000

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="None/True are immortal on Python 3.12+: nothing to measure, and the workaround is a no-op",
)


class Emitter(QObject):
    sig_ping = Signal()


def dropped_references(singleton: object, calls: Callable[[], None]) -> int:
    calls()  # warm up: first calls may create caches that hold references
    before = sys.getrefcount(singleton)
    calls()
    return before - sys.getrefcount(singleton)


def void_qt_calls() -> None:
    for _ in range(CALLS):
        QCoreApplication.processEvents()


def test_the_pinned_pyside6_still_drops_references_so_the_workaround_stays(qapp: QCoreApplication) -> None:
    protect_singletons_from_refcount_bugs()  # measuring without it would crash this process
    emitter = Emitter()

    def emits() -> None:
        for _ in range(CALLS):
            emitter.sig_ping.emit()

    version = ".".join(map(str, pyside_version[:3]))
    low, high = AFFECTED
    affected = low <= tuple(pyside_version[:2]) < high
    leaks = (dropped_references(None, void_qt_calls), dropped_references(True, emits))
    if affected:
        assert leaks == (CALLS, CALLS), (
            f"PySide6 {version} no longer drops references to None/True ({leaks} of {CALLS}): "
            "delete qt/pyside_compat.py and its callers, and widen the PySide6 pin in pyproject.toml"
        )
    else:
        assert leaks == (0, 0), (
            f"PySide6 {version}, outside pyside_compat.AFFECTED {AFFECTED}, drops references "
            f"({leaks} of {CALLS}): extend AFFECTED and the pin in pyproject.toml"
        )
