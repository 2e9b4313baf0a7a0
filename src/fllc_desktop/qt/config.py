"""Where the app remembers the server it talks to: a small JSON file in the user's config folder."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"
CONFIG_NAME = "desktop.json"


def config_path() -> Path:
    """``$FLLC_CONFIG_DIR/desktop.json`` when set (tests), else the platform's app config folder."""
    override = os.environ.get("FLLC_CONFIG_DIR")
    if override:
        return Path(override) / CONFIG_NAME
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return Path(folder) / CONFIG_NAME


@dataclass(frozen=True, slots=True)
class DesktopConfig:
    server_url: str | None = None

    @classmethod
    def load(cls, path: Path) -> DesktopConfig:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        url = data.get("server_url") if isinstance(data, dict) else None
        return cls(server_url=url if isinstance(url, str) and url else None)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"server_url": self.server_url}, indent=2) + "\n", encoding="utf-8")


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
