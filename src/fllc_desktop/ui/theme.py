"""The look: the stylesheet and the icons under ``resources/`` (SVG, so sharp at any DPI)."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

TOUCH_TARGET_PX = 44


def resources_dir() -> Path:
    """``FLLC_RESOURCES`` when set, else the bundle's ``resources/`` in a frozen app (PyInstaller),
    else the source tree's."""
    override = os.environ.get("FLLC_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[3] / "resources"


def stylesheet() -> str:
    """The QSS with ``@ICONS@`` pointing at the icons folder (QSS ``url()`` needs a real path)."""
    path = resources_dir() / "styles" / "fllc.qss"
    if not path.is_file():
        return ""
    icons = (resources_dir() / "icons").as_posix()
    return path.read_text(encoding="utf-8").replace("@ICONS@", icons)


@cache
def icon(name: str) -> QIcon:
    """An icon by name (``resources/icons/<name>.svg``); an empty icon when it is missing."""
    path = resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())
    app.setWindowIcon(icon("app"))
