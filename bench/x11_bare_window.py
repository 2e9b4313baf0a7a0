"""The floor of the X11 scan bench: a bare Qt window on the same display that, on each Enter, sets a
label and repaints it, and reports the Enter's X server timestamp and the time it was painted.

Run by ``bench_floor_x11.py``; prints ``{"winid": N}`` once, then one JSON line per Enter.
"""

from __future__ import annotations

import json
import sys
import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel


class Window(QLabel):
    def __init__(self) -> None:
        super().__init__("ready")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.resize(1280, 800)
        self.count = 0

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.count += 1
            self.setText(f"Scan {self.count}")
            self.repaint()
            painted = time.monotonic()
            print(json.dumps({"enter_ts": event.timestamp() / 1000, "painted": painted}), flush=True)


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = Window()
    window.show()
    print(json.dumps({"winid": int(window.winId())}), flush=True)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
