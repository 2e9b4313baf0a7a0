"""``fllc-desktop`` and ``python -m fllc_desktop``: pick the server, open the sign-in window."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QDialog, QStackedWidget

from fllc_desktop.qt.config import (
    DEFAULT_SERVER_URL,
    DesktopConfig,
    config_path,
    normalise_url,
    resolve_server_url,
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fllc-desktop", description="FLLC Warehouse desktop client")
    parser.add_argument(
        "--server",
        metavar="URL",
        help="server to use (else FLLC_SERVER_URL, else the remembered one, else ask)",
    )
    parser.add_argument("--quit-when-shown", action="store_true", help=argparse.SUPPRESS)  # cold-start bench
    return parser.parse_args(argv)


def ask_server_url() -> str | None:
    from fllc_desktop.ui.dialogs.server_dialog import ServerDialog

    dialog = ServerDialog(DEFAULT_SERVER_URL)
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.server_url():
        return None
    url = normalise_url(dialog.server_url())
    path = config_path()
    replace(DesktopConfig.load(path), server_url=url).save(path)  # the device's other settings stay
    return url


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from fllc_desktop.qt.pyside_compat import protect_singletons_from_refcount_bugs

    protect_singletons_from_refcount_bugs()
    QCoreApplication.setOrganizationName("FLLC")
    QCoreApplication.setApplicationName("FLLC Warehouse")
    qt_app = QApplication(sys.argv[:1])
    from fllc_desktop.ui.theme import apply_theme

    apply_theme(qt_app)
    url = resolve_server_url(args.server, dict(os.environ), DesktopConfig.load(config_path()))
    url = url or ask_server_url()
    if url is None:
        return 1
    from fllc_desktop.app import build_app

    app = build_app(url)
    app.window.show()
    if args.quit_when_shown:  # bench/bench_desktop.py: when was the window on screen?
        import time

        from PySide6.QtCore import QTimer

        def report() -> None:  # the time, then what is on screen (the bundle's test wants the sign-in)
            stack = app.window.findChild(QStackedWidget, "root_stack")
            page = stack.currentWidget() if stack is not None else None
            current = page.objectName() if page is not None else ""
            print(f"shown {time.time():.6f} {current}", flush=True)
            qt_app.quit()

        QTimer.singleShot(0, report)
    code = qt_app.exec()
    app.shutdown()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
