"""The sign-in window comes up before the heavy imports. (That domain/, api/, store/, sync/, floor/,
scanning/ and labels/ import no Qt is an import-linter contract in pyproject.toml: dev.py lint.)"""

from __future__ import annotations

import subprocess
import sys

STARTUP = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import fllc_desktop.app
heavy = ("sqlalchemy", "biip", "fllc_desktop.store", "fllc_desktop.sync.engine",
         "fllc_desktop.floor.desk", "fllc_desktop.floor.views", "fllc_desktop.ui.screens.scan_receive",
         "fllc_desktop.domain.barcodes", "fllc_desktop.labels", "fllc_desktop.ui.dialogs.label_dialog")
print(",".join(sorted(m for m in sys.modules if m.startswith(heavy))))
"""


def test_the_sign_in_window_does_not_wait_for_the_scanning_imports() -> None:
    """Cold start (bench/bench_desktop.py): the local store, the sync engine, the barcode parser and
    the scan screens load after the window is on screen, not when the app module is imported."""
    result = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
