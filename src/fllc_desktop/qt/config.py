"""Where the app remembers the server it talks to: a small JSON file in the user's config folder."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"
CONFIG_NAME = "desktop.json"
NOTICES_NAME = "notices_seen.json"
DATA_DIR_ENV = "FLLC_CLIENT_DATA_DIR"


def config_path() -> Path:
    """``$FLLC_CONFIG_DIR/desktop.json`` when set (tests), else the platform's app config folder."""
    override = os.environ.get("FLLC_CONFIG_DIR")
    if override:
        return Path(override) / CONFIG_NAME
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return Path(folder) / CONFIG_NAME


def client_data_dir(server_url: str) -> Path:
    """``$FLLC_CLIENT_DATA_DIR`` (tests) or the platform's app data folder, one folder per server
    (each server has its own catalog)."""
    base = os.environ.get(DATA_DIR_ENV) or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppLocalDataLocation
    )
    return Path(base) / re.sub(r"[^A-Za-z0-9.-]+", "_", server_url.rsplit("://", maxsplit=1)[-1]).strip("_")


TOUCH_LAYOUT_ENV = "FLLC_TOUCH_LAYOUT"


@dataclass(frozen=True, slots=True)
class DesktopConfig:
    server_url: str | None = None
    touch_layout: bool | None = None
    """True/False forces the touch layout on or off; None (the default): on for small screens and staff."""
    receive_label_printer: str | None = None
    """This device prints one label per item received on the label printer of this name (one on the
    server's allow-list); None (the default): no labels on receipt."""

    @classmethod
    def load(cls, path: Path) -> DesktopConfig:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        url, touch = data.get("server_url"), data.get("touch_layout")
        printer = data.get("receive_label_printer")
        return cls(
            server_url=url if isinstance(url, str) and url else None,
            touch_layout=touch if isinstance(touch, bool) else None,
            receive_label_printer=printer.strip() if isinstance(printer, str) and printer.strip() else None,
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data: dict[str, object] = {"server_url": self.server_url}
        if self.touch_layout is not None:
            data["touch_layout"] = self.touch_layout
        if self.receive_label_printer is not None:
            data["receive_label_printer"] = self.receive_label_printer
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def touch_layout_preference(environ: dict[str, str] | None = None) -> bool | None:
    """``FLLC_TOUCH_LAYOUT=1``/``0`` beats ``touch_layout`` in desktop.json; None: decide by screen."""
    value = (environ if environ is not None else dict(os.environ)).get(TOUCH_LAYOUT_ENV, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return DesktopConfig.load(config_path()).touch_layout


def normalise_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if url and "://" not in url:
        url = f"http://{url}"
    return url


def resolve_server_url(cli_value: str | None, environ: dict[str, str], config: DesktopConfig) -> str | None:
    """``--server`` beats ``FLLC_SERVER_URL`` beats the remembered one; None means: ask."""
    for candidate in (cli_value, environ.get("FLLC_SERVER_URL"), config.server_url):
        if candidate:
            return normalise_url(candidate)
    return None


class NoticeMemory:
    """Notices a person was shown once on this machine and is not shown again (e.g. "no keyring:
    the session is not remembered"), kept beside the config file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def beside_config(cls) -> NoticeMemory:
        return cls(config_path().with_name(NOTICES_NAME))

    def seen(self, key: str) -> bool:
        return key in self._keys()

    def remember(self, key: str) -> None:
        keys = self._keys() | {key}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(sorted(keys)) + "\n", encoding="utf-8")
        except OSError:
            pass  # not remembered: the notice comes again next start, which is harmless

    def _keys(self) -> set[str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()
        return {str(key) for key in data} if isinstance(data, list) else set()
