"""Scanning's part of the composition root: the local store, the sync thread, scan routing, the
scan screens' registry entries and their wiring to the session, the event stream and the window.

``app.build_app`` makes one :class:`ScanServices` (given to the screens as a service) and calls
``attach`` once the window exists. At sign-in the sync engine starts for *that* user's ops; at
sign-out it stops, so another user on the same tablet neither pushes nor sees them. A damaged local
database is set aside and recovered at start (the report is shown once); a locked one puts a clear
message with "Try again" where the scan screens would be — never a crash loop.

Start-up cost: the local store (SQLAlchemy), the sync engine, the barcode parser and the scan
screens are imported only after the sign-in window is on screen — the store is opened just after
the window's first paint (or at sign-in, or when a scan screen is built, whichever comes first), and
each screen factory imports its own screen.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QStandardPaths, QTimer
from PySide6.QtWidgets import QMainWindow, QWidget

from fllc_desktop.api import ApiClient, CurrentUser
from fllc_desktop.api.errors import UnauthorizedError
from fllc_desktop.domain.permissions import Permission
from fllc_desktop.qt.gateway import ConnectionState, Gateway
from fllc_desktop.qt.scanner_filter import ScannerEventFilter
from fllc_desktop.qt.sync_controller import SyncController
from fllc_desktop.sync.status import Connectivity, SyncStatus
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenSpec
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.messages import inform
from fllc_desktop.ui.widgets.scan_feedback import ScanSounds
from fllc_desktop.ui.widgets.scan_store_problem import StoreProblemView
from fllc_desktop.ui.widgets.scan_sync_status import SyncStatusWidget

if TYPE_CHECKING:  # loaded after the window shows (see the module docstring)
    from fllc_desktop.api.models import ChangeBatch, OpAnswer
    from fllc_desktop.domain.commands import Command
    from fllc_desktop.qt.event_stream import EventStream
    from fllc_desktop.qt.services import SessionService
    from fllc_desktop.store import LocalStore, OpOwner, RecoveryReport
    from fllc_desktop.sync import SyncEngine, SyncTransport
    from fllc_desktop.ui.screens.scan_count import StockLookup
    from fllc_desktop.ui.screens.scan_desk import ScanDesk

log = logging.getLogger(__name__)

DATA_DIR_ENV = "FLLC_CLIENT_DATA_DIR"
ATTENTION_KEY = "sync_attention"


def client_data_dir(server_url: str) -> Path:
    """``$FLLC_CLIENT_DATA_DIR`` (tests) or the platform's app data folder, one folder per server
    (each server has its own catalog)."""
    base = os.environ.get(DATA_DIR_ENV) or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppLocalDataLocation
    )
    return Path(base) / re.sub(r"[^A-Za-z0-9.-]+", "_", server_url.rsplit("://", maxsplit=1)[-1]).strip("_")


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

    def push(self, device_id: str, ops: Sequence[Command]) -> list[OpAnswer]:
        if self._current() != self._owner_id:
            raise UnauthorizedError("The user who made these changes is not signed in.")
        return self._inner.push(device_id, ops)

    def changes(self, since: int | None, limit: int) -> ChangeBatch:
        return self._inner.changes(since, limit)


class _AfterFirstPaint(QObject):
    """Calls ``then`` once, from the event loop, just after ``widget`` was first painted."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


class ScanServices(QObject):
    def __init__(
        self,
        client: ApiClient,
        session: SessionService,
        data_dir: Path,
        *,
        sounds: ScanSounds | None = None,
        wedge: ScannerEventFilter | None = None,
        app: QCoreApplication | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``wedge`` with ``app``: the keyboard-wedge filter, installed while a scan screen is shown."""
        super().__init__(parent)
        self.client = client
        self.session = session
        self.data_dir = data_dir
        self.sounds = sounds if sounds is not None else ScanSounds()
        self.sync = SyncController(self)
        self.router = ScanRouter(self)
        self.wedge = wedge
        if wedge is not None:
            self.router.connect_wedge(wedge, app)
        self.store: LocalStore | None = None
        self.recovery: RecoveryReport | None = None
        self.problem: tuple[str, str] | None = None
        self._desk: ScanDesk | None = None
        self.status_widget: SyncStatusWidget | None = None
        self._window: QMainWindow | None = None
        self._store_tried = False
        self._shut_down = False

    # ------------------------------------------------------------------ the local store

    def ensure_store(self) -> None:
        """Open the store once, the first time something needs it (a later attempt is the
        person's "Try again"); a repaired file is reported once."""
        if self._store_tried:
            return
        self._store_tried = True
        self.open_store()
        summary = self.recovery.summary if self.recovery is not None else ""
        window = self._window
        if summary and window is not None:
            title = "The local database was repaired"
            QTimer.singleShot(
                0, lambda: inform(window, "scan_store_recovered", title, summary, warning=False)
            )

    def open_store(self) -> str | None:
        """Open (recovering a damaged file); None on success, else the problem for a person."""
        from fllc_desktop.store import DatabaseUnavailableError, LocalStore

        self._store_tried = True
        if self.store is not None:
            return None
        try:
            self.store, self.recovery = LocalStore.open_or_recover(self.data_dir)
        except DatabaseUnavailableError as exc:
            self.problem = (exc.title, exc.message)
            return f"{exc.title}. {exc.message}"
        self.problem = None
        return None

    def owner_of(self, user: CurrentUser) -> OpOwner:
        from fllc_desktop.store import OpOwner

        return OpOwner.of(self.client.server_url, user.id)

    def desk_for(self, user: CurrentUser) -> ScanDesk:
        from fllc_desktop.ui.screens.scan_desk import ScanDesk

        assert self.store is not None
        owner = self.owner_of(user)
        if self._desk is None or self._desk.owner != owner:
            self._desk = ScanDesk(self.store, owner, user.grants, on_enqueued=self.on_desk_enqueued)
            self.sync.sig_outbox_changed.connect(self._desk.outbox_changed)
        return self._desk

    def on_desk_enqueued(self) -> None:
        self.sync.refresh_counts()
        self.sync.wake()

    # ------------------------------------------------------------------ sign-in and out

    def on_session_sig_signed_in(self, user: CurrentUser) -> None:
        if self._shut_down:
            return
        self.ensure_store()
        if self.store is None:
            return
        owner = self.owner_of(user)
        engine = self.sync.engine
        if engine is not None and engine.owner == owner and self.sync.running:
            self.sync.wake()  # signed in again after the session expired: same user, carry on
            return
        self.sync.start(self._engine_for(owner))

    def _engine_for(self, owner: OpOwner) -> SyncEngine:
        from fllc_desktop.sync import SyncEngine

        assert self.store is not None

        def current_user_id() -> str | None:
            user = self.session.user
            return None if user is None else str(user.id)

        transport = OwnerGuard(self.client.sync, owner.user_id, current_user_id)
        return SyncEngine(transport, self.store.outbox, self.store.catalog, owner, device_id(self.data_dir))

    def on_session_sig_signed_out(self) -> None:
        self.sync.stop()
        self._desk = None

    # ------------------------------------------------------------------ the window

    def attach(
        self,
        window: QMainWindow,
        events: EventStream,
        shell_screen: Callable[[str], None],
        gateway: Gateway | None = None,
    ) -> None:
        """``gateway``: the app's connection state, so that the status bar says one thing (see
        ``_connect_connection_state``)."""
        self._window = window
        _AfterFirstPaint(window, self.ensure_store)
        self.session.sig_signed_in.connect(self.on_session_sig_signed_in)
        self.session.sig_signed_out.connect(self.on_session_sig_signed_out)
        events.sig_event.connect(self.sync.on_event_stream_sig_event)
        events.sig_resumed.connect(self.sync.on_event_stream_sig_resumed)
        self.status_widget = SyncStatusWidget(window)
        window.statusBar().addPermanentWidget(self.status_widget)
        self.sync.sig_status_changed.connect(self.status_widget.on_sync_controller_sig_status_changed)
        self.status_widget.sig_attention_requested.connect(lambda: shell_screen(ATTENTION_KEY))
        self.sync.sig_store_failed.connect(
            lambda title, text: inform(window, "scan_store_failed", title, text)
        )
        if gateway is not None:
            self._connect_connection_state(gateway, self.status_widget)

    def _connect_connection_state(self, gateway: Gateway, widget: SyncStatusWidget) -> None:
        """One story in the status bar: the app's requests and the sync engine each tell the other
        when the server stops or starts answering."""
        widget.on_connection_changed(gateway.state.value)
        gateway.sig_connection_changed.connect(widget.on_connection_changed)
        gateway.sig_connection_changed.connect(self._on_gateway_connection_changed)
        was_offline = False

        def on_sync_status(status: SyncStatus) -> None:
            nonlocal was_offline
            offline = status.connectivity is Connectivity.OFFLINE
            if offline and not was_offline:
                gateway.check_connection()  # the window's label and banner follow the probe
            was_offline = offline

        self.sync.sig_status_changed.connect(on_sync_status)

    def _on_gateway_connection_changed(self, state: str) -> None:
        if state == ConnectionState.ONLINE.value:
            self.sync.wake()  # the server is back: don't wait for the engine's backoff

    def shutdown(self) -> None:
        """Stop and join the sync thread (it never starts again), then close the local store."""
        self._shut_down = True
        if not self.sync.stop():
            log.warning("the sync thread did not end in time; it sends nothing more")
        if self.store is not None:
            self.store.close()

    # ------------------------------------------------------------------ screens

    def stock_lookup(self, context: ScreenContext) -> StockLookup | None:
        from fllc_desktop.qt.services import CatalogService

        found = context.services.get(CatalogService)
        return found if isinstance(found, CatalogService) else None

    def problem_view(self) -> QWidget:
        title, message = self.problem or ("The local database is not open", "")
        return StoreProblemView(title, message, self.open_store)


def _services(context: ScreenContext) -> ScanServices:
    return context.service(ScanServices)


def _screen(build: Callable[[ScanServices, ScreenContext], QWidget]) -> Callable[[ScreenContext], QWidget]:
    def factory(context: ScreenContext) -> QWidget:
        services = _services(context)
        services.ensure_store()
        if services.store is None:
            return services.problem_view()
        return build(services, context)

    return factory


# Each factory imports its screen: the scan screens load after the sign-in window is shown.


def _receive(s: ScanServices, c: ScreenContext) -> QWidget:
    from fllc_desktop.ui.screens.scan_receive import ReceiveScreen

    return ReceiveScreen(s.desk_for(c.user), s.router, s.sounds)


def _receive_po(s: ScanServices, c: ScreenContext) -> QWidget:
    from fllc_desktop.ui.screens.scan_po import ReceivePoScreen

    return ReceivePoScreen(s.desk_for(c.user), s.router, s.sounds)


def _count(s: ScanServices, c: ScreenContext) -> QWidget:
    from fllc_desktop.ui.screens.scan_count import CountScreen

    return CountScreen(s.desk_for(c.user), s.router, s.sounds, s.stock_lookup(c))


def _lookup(s: ScanServices, c: ScreenContext) -> QWidget:
    from fllc_desktop.ui.screens.scan_lookup import LookupScreen

    return LookupScreen(s.desk_for(c.user), s.router, s.sounds, s.stock_lookup(c))


def _attention(s: ScanServices, c: ScreenContext) -> QWidget:
    from fllc_desktop.ui.widgets.needs_attention import NeedsAttentionPanel

    panel = NeedsAttentionPanel(s.desk_for(c.user))
    s.sync.sig_outbox_changed.connect(panel.reload)
    panel.sig_changed.connect(s.sync.refresh_counts)
    return panel


SCAN_SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec(
        "scan_receive",
        "Receive",
        Permission.STOCK_INTAKE,
        _screen(_receive),
        icon="scan",
        order=10,
        touch=True,
    ),
    ScreenSpec(
        "scan_po_receive",
        "Receive PO",
        Permission.STOCK_INTAKE,
        _screen(_receive_po),
        icon="orders",
        order=11,
        touch=True,
    ),
    ScreenSpec(
        "scan_count", "Count", Permission.STOCK_INTAKE, _screen(_count), icon="scan", order=12, touch=True
    ),
    ScreenSpec(
        "scan_lookup",
        "Lookup",
        Permission.PRODUCTS_VIEW,
        _screen(_lookup),
        icon="search",
        order=13,
        touch=True,
    ),
    ScreenSpec(
        ATTENTION_KEY,
        "Needs attention",
        Permission.PRODUCTS_VIEW,
        _screen(_attention),
        icon="error",
        order=15,
        touch=True,
    ),
)
