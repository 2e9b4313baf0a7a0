"""Label printers: the allow-list (a setting) and print jobs the server sends on over raw TCP."""

from __future__ import annotations

from fllc_desktop.api.connection import ServerConnection
from fllc_desktop.api.models import JsonObject

PRINT = "/api/v1/labels/print"
SETTINGS = "/api/v1/settings"


class LabelsApi:
    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection

    def printers(self) -> list[JsonObject]:
        """``[{name, host, port, dpi}]``: the only printers the server sends labels to."""
        settings = self._connection.call("GET", SETTINGS)
        return [dict(printer) for printer in settings.get("label_printers") or []]

    def print_zpl(self, printer: str, zpl: str) -> JsonObject:
        """Send label formats to the allowed printer named ``printer``: ``{printer, labels, bytes}``."""
        return dict(self._connection.call("POST", PRINT, json={"printer": printer, "zpl": zpl}))
