"""domain/, api/, store/ and sync/ must not import Qt: they are tested and run without it."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import fllc_desktop.domain.commands, fllc_desktop.domain.permissions
import fllc_desktop.api, fllc_desktop.store, fllc_desktop.sync
for name in ("fllc_desktop.api.client", "fllc_desktop.store.local_store", "fllc_desktop.sync.engine"):
    __import__(name)
qt = sorted(m for m in sys.modules if m.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"})
print(",".join(qt))
"""


def test_core_packages_import_nothing_from_qt() -> None:
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


STARTUP = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import fllc_desktop.app
heavy = ("sqlalchemy", "biip", "fllc_desktop.store", "fllc_desktop.sync.engine",
         "fllc_desktop.ui.screens.scan_desk", "fllc_desktop.ui.screens.scan_receive",
         "fllc_desktop.domain.barcodes")
print(",".join(sorted(m for m in sys.modules if m.startswith(heavy))))
"""


def test_the_sign_in_window_does_not_wait_for_the_scanning_imports() -> None:
    """Cold start (bench/bench_desktop.py): the local store, the sync engine, the barcode parser and
    the scan screens load after the window is on screen, not when the app module is imported."""
    result = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
