"""Render resources/icons/app.svg to the bundle's icons: a 256 px PNG (Linux .desktop entry), an
.ico (Windows) and, on macOS, an .icns. Run with the project's Python (it needs PySide6)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[2]


def render(svg: Path, size: int, out: Path) -> None:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    if not image.save(str(out)):
        raise SystemExit(f"could not write {out}")


def main(target: Path) -> None:
    _app = QGuiApplication(sys.argv[:1])
    target.mkdir(parents=True, exist_ok=True)
    png = target / "fllc-desktop.png"
    render(ROOT / "resources" / "icons" / "app.svg", 256, png)
    with Image.open(png) as image:
        image.save(target / "fllc-desktop.ico", sizes=[(16, 16), (32, 32), (48, 48), (256, 256)])
        if sys.platform == "darwin":
            image.save(target / "fllc-desktop.icns")
    print(f"icons written to {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "icons")
