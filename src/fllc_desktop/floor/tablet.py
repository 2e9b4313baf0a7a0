"""This tablet for one server: its local store, its device id, and per signed-in user the scan desk
and the sync engine. No Qt in here.

``app.build_app`` makes one :class:`Tablet` and hands it to the scan screens' wiring
(``ui.screens.scan_setup``); nothing else opens the local store. The store is opened on first need
(just after the window's first paint, at sign-in or when a scan screen is built): a damaged file is
set aside and recovered (``recovery`` says what happened), a locked or unusable one is remembered
as ``problem`` for a person, and ``open`` may be called again ("Try again").

The local store, the sync engine and the barcode parser are imported on first use, so that building
a ``Tablet`` costs nothing before the sign-in window is on screen.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fllc_desktop.api.errors import UnauthorizedError
from fllc_desktop.domain.permissions import Grants
from fllc_desktop.floor.receiving import ExpiryPolicy

SITE_SETTINGS_FILE = "site_settings.json"

if TYPE_CHECKING:
    from fllc_desktop.api.models import ChangeBatch, DeviceReport, OpAnswer
    from fllc_desktop.domain.commands import Command
    from fllc_desktop.floor.desk import ScanDesk
    from fllc_desktop.store import LocalStore, OpOwner, RecoveryReport
    from fllc_desktop.sync import SyncEngine, SyncTransport


def device_id(data_dir: Path) -> str:
    """This tablet's id, made once and kept in its data folder."""
    path = data_dir / "device_id"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        made = f"tablet-{uuid.uuid4()}"
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(made, encoding="utf-8")
        return made


class OwnerGuard:
    """A sync transport that pushes only while ``owner`` is the signed-in user: a round that is
    still running after sign-out must not send one user's ops with the next user's session."""

    def __init__(
        self, inner: SyncTransport, owner_id: str, current_user_id: Callable[[], str | None]
    ) -> None:
        self._inner = inner
        self._owner_id = owner_id
        self._current = current_user_id

    def push(
        self, device_id: str, ops: Sequence[Command], *, device: DeviceReport | None = None
    ) -> list[OpAnswer]:
        if self._current() != self._owner_id:
            raise UnauthorizedError("The user who made these changes is not signed in.")
        return self._inner.push(device_id, ops, device=device)

    def changes(self, since: int | None, limit: int) -> ChangeBatch:
        return self._inner.changes(since, limit)


class Tablet:
    def __init__(self, server_url: str, data_dir: Path, transport: SyncTransport) -> None:
        """``transport``: the server's sync API (``ApiClient.sync``)."""
        self.server_url = server_url
        self.data_dir = data_dir
        self._transport = transport
        self.store: LocalStore | None = None
        self.recovery: RecoveryReport | None = None
        self.problem: tuple[str, str] | None = None
        """``(title, message)`` of the last failed open, for a person."""
        self.tried = False
        self._desk: ScanDesk | None = None

    # ------------------------------------------------------------------ the local store

    def open(self) -> str | None:
        """Open (recovering a damaged file); None on success, else the problem for a person."""
        from fllc_desktop.store import DatabaseUnavailableError, LocalStore

        self.tried = True
        if self.store is not None:
            return None
        try:
            self.store, self.recovery = LocalStore.open_or_recover(self.data_dir)
        except DatabaseUnavailableError as exc:
            self.problem = (exc.title, exc.message)
            return f"{exc.title}. {exc.message}"
        self.problem = None
        return None

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    # ------------------------------------------------------------------ per user

    def owner_of(self, user_id: int | str) -> OpOwner:
        from fllc_desktop.store import OpOwner

        return OpOwner.of(self.server_url, user_id)

    def desk_for(
        self, user_id: int | str, grants: Grants, on_enqueued: Callable[[], None]
    ) -> tuple[ScanDesk, bool]:
        """The user's scan desk (the open store is required) and whether it was made just now."""
        from fllc_desktop.floor.desk import ScanDesk

        assert self.store is not None, "open the store first"
        owner = self.owner_of(user_id)
        if self._desk is not None and self._desk.owner == owner:
            return self._desk, False
        settings = self.site_settings()
        policy = ExpiryPolicy.from_settings(settings)
        self._desk = ScanDesk(self.store, owner, grants, on_enqueued=on_enqueued, expiry_policy=policy)
        self._desk.default_location_id = _location_id(settings)
        return self._desk, True

    def forget_desk(self) -> None:
        self._desk = None

    # ------------------------------------------------------------------ the site's settings

    def site_settings(self) -> dict[str, Any]:
        """The server's settings as last seen (kept for a start without a connection)."""
        try:
            values = json.loads((self.data_dir / SITE_SETTINGS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return values if isinstance(values, dict) else {}

    def remember_site_settings(self, values: dict[str, Any]) -> None:
        """Keep the server's settings and apply them to the desk (its expiry rule)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / SITE_SETTINGS_FILE).write_text(json.dumps(values, default=str), encoding="utf-8")
        if self._desk is not None:
            self._desk.expiry_policy = ExpiryPolicy.from_settings(values)
            self._desk.default_location_id = _location_id(values)

    def engine_for(self, owner: OpOwner, current_user_id: Callable[[], str | None]) -> SyncEngine:
        """A sync engine for ``owner``'s ops that pushes only while they are signed in."""
        from fllc_desktop.sync import SyncEngine

        assert self.store is not None, "open the store first"
        transport = OwnerGuard(self._transport, owner.user_id, current_user_id)
        return SyncEngine(transport, self.store.outbox, self.store.catalog, owner, device_id(self.data_dir))


def _location_id(settings: dict[str, Any]) -> int | None:
    """The site's default location (where a scan without a location goes), if one is set."""
    value = settings.get("default_location_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None
