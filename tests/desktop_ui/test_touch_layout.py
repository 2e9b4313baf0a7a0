"""When the touch layout is used: the setting first, else staff and small screens (a 1280 x 800 tablet)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize

from fllc_desktop.qt.config import DesktopConfig, config_path, touch_layout_preference
from fllc_desktop.ui.shell import wants_touch_layout


@pytest.mark.parametrize(
    ("role", "screen", "preference", "touch"),
    [
        ("manager", QSize(1280, 800), None, True),  # the tablet
        ("manager", QSize(1920, 1080), None, False),
        ("staff", QSize(1920, 1080), None, True),
        ("admin", QSize(1280, 800), False, False),  # the setting wins
        ("viewer", QSize(2560, 1440), True, True),
        ("manager", None, None, False),
    ],
)
def test_who_gets_the_touch_layout(
    role: str, screen: QSize | None, preference: bool | None, touch: bool
) -> None:
    assert wants_touch_layout(role, screen, preference) is touch


def test_the_setting_is_the_environment_then_desktop_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLLC_CONFIG_DIR", str(tmp_path))
    assert touch_layout_preference({}) is None
    DesktopConfig(server_url="http://x", touch_layout=True).save(config_path())
    assert touch_layout_preference({}) is True
    assert touch_layout_preference({"FLLC_TOUCH_LAYOUT": "0"}) is False
    assert DesktopConfig.load(config_path()) == DesktopConfig(server_url="http://x", touch_layout=True)


TABLET_CLIENT_HEIGHT = 770  # a 1280 x 800 screen less a window title bar
TABLET_WIDTH = 1280


@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
def test_every_scan_screen_fits_a_1280x800_tablet(signed_in, role: str) -> None:
    """The window may be no taller than the tablet, whichever scan screen is open: the stacked
    screens' tallest minimum is the window's (Count's buttons once made it 820 px), and the
    navigation scrolls rather than grow with the role's screens (an admin's made it 1146 px)."""
    app = signed_in(role)
    shell = app.window.shell
    tallest = {}
    for key, screen in shell.screens.items():
        if key.startswith("scan_"):
            screen.ensurePolished()  # with the touch style's fonts and sizes
            tallest[key] = screen.minimumSizeHint().height()
    app.window.ensurePolished()
    assert app.window.minimumSizeHint().height() <= TABLET_CLIENT_HEIGHT, tallest
    assert app.window.minimumSizeHint().width() <= TABLET_WIDTH
