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
