"""Scanning's wiring to the window: the sync thread per signed-in user, scan routing, the status
bar's sync widget, and the scan screens' registry entries.

``app.build_app`` builds every part (the :class:`~fllc_desktop.floor.tablet.Tablet` with its local
store, the sync controller, the scan router, the sounds) and hands them to :class:`ScanServices`,
then calls ``attach`` once the window exists. At sign-in the sync engine starts for *that* user's
ops; at sign-out it stops, so another user on the same tablet neither pushes nor sees them. A
damaged local database is set aside and recovered at start (the report is shown once); a locked one
puts a clear message with "Try again" where the scan screens would be — never a crash loop.

Start-up cost: the local store (SQLAlchemy), the sync engine, the barcode parser and the scan
screens are imported only after the sign-in window is on screen — the store is opened just after
the window's first paint (or at sign-in, or when a scan screen is built, whichever comes first), and
each screen factory imports its own screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QWidget

from fllc_desktop.api import CurrentUser
from fllc_desktop.domain.permissions import Permission
from fllc_desktop.floor.tablet import Tablet
from fllc_desktop.qt.gateway import ConnectionState, Gateway
from fllc_desktop.qt.sync_controller import SyncController
from fllc_desktop.sync.status import Connectivity, SyncStatus
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenSpec
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.widgets.messages import inform
from fllc_desktop.ui.widgets.scan_feedback import ScanSounds
from fllc_desktop.ui.widgets.scan_store_problem import StoreProblemView
from fllc_desktop.ui.widgets.scan_sync_status import SyncStatusWidget, effective

if TYPE_CHECKING:  # loaded after the window shows (see the module docstring)
    from fllc_desktop.floor.desk import ScanDesk
    from fllc_desktop.qt.event_stream import EventStream
    from fllc_desktop.qt.services import Request, SessionService
    from fllc_desktop.ui.dialogs.label_dialog import ReceiptLabeller
    from fllc_desktop.ui.screens.scan_base import ScanScreen
    from fllc_desktop.ui.screens.scan_count import StockLookup
    from fllc_desktop.ui.screens.scan_pick import PickListSource

log = logging.getLogger(__name__)
JsonObject = dict[str, Any]
ScreenT = TypeVar("ScreenT", bound="ScanScreen")

ATTENTION_KEY = "sync_attention"
WAKE_SYNC_AFTER_SCAN_MS = 30
"""How long after a scan is committed the sync thread is woken to send it (its answer paints first)."""


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
    sig_shown_status = Signal(object)
    """The :class:`SyncStatus` as shown (see ``shown_status``), for the scan screens."""

    def __init__(
        self,
        session: SessionService,
        tablet: Tablet,
        sync: SyncController,
        router: ScanRouter,
        sounds: ScanSounds,
        *,
        load_settings: Callable[[], Request[JsonObject]] | None = None,
        receipt_labeller: Callable[[], ReceiptLabeller | None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``load_settings``: the server's settings (the expiry rule), asked for at sign-in."""
        super().__init__(parent)
        self.session = session
        self.tablet = tablet
        self.sync = sync
        self.router = router
        self.sounds = sounds
        self.status_widget: SyncStatusWidget | None = None
        self._window: QMainWindow | None = None
        self._shut_down = False
        self._load_settings = load_settings
        self.receipt_labeller = receipt_labeller or (lambda: None)
        """A labeller for a Receive screen when this device prints labels on receipt (else None)."""
        self._server_reachable = True
        self._refused_seen = 0
        self._wake_scheduled = False

    # ------------------------------------------------------------------ the local store

    def ensure_store(self) -> None:
        """Open the store once, the first time something needs it (a later attempt is the
        person's "Try again"); a repaired file is reported once."""
        if self.tablet.tried:
            return
        self.tablet.open()
        recovery = self.tablet.recovery
        summary = recovery.summary if recovery is not None else ""
        window = self._window
        if summary and window is not None:
            title = "The local database was repaired"
            QTimer.singleShot(
                0, lambda: inform(window, "scan_store_recovered", title, summary, warning=False)
            )

    def desk_for(self, user: CurrentUser) -> ScanDesk:
        desk, made = self.tablet.desk_for(user.id, user.grants, self.on_desk_enqueued)
        if made:
            self.sync.sig_outbox_changed.connect(desk.outbox_changed)
        return desk

    def built(self, screen: ScreenT) -> ScreenT:
        self.screen_built(screen)
        return screen

    def screen_built(self, screen: ScanScreen) -> None:
        """A scan screen follows sync: the pending count and what "saved" means, and its product
        card after ops settle or changes arrive."""
        screen.on_sync_status(self.shown_status())
        self.sig_shown_status.connect(screen.on_sync_status)
        self.sync.sig_outbox_changed.connect(screen.on_outbox_changed)

    def shown_status(self) -> SyncStatus:
        """The sync status as the status bar shows it: offline when the app knows it is."""
        return effective(self.sync.status, server_reachable=self._server_reachable)

    def _publish_shown_status(self, *_args: object) -> None:
        self.sig_shown_status.emit(self.shown_status())

    def on_desk_enqueued(self) -> None:
        """An op was committed: the counts now; the sync thread once the scan's answer is painted.
        Woken at once, it took the GIL for its push while the GUI thread was still answering the
        scan (profiled under Xvfb: a slow scan's GUI thread parked in wake() for 20 ms and more)."""
        self.sync.refresh_counts()
        if not self._wake_scheduled:
            self._wake_scheduled = True
            QTimer.singleShot(WAKE_SYNC_AFTER_SCAN_MS, self._wake_sync)

    def _wake_sync(self) -> None:
        self._wake_scheduled = False
        self.sync.wake()

    # ------------------------------------------------------------------ sign-in and out

    def on_session_sig_signed_in(self, user: CurrentUser) -> None:
        if self._shut_down:
            return
        self.ensure_store()
        if self.tablet.store is None:
            return
        owner = self.tablet.owner_of(user.id)
        engine = self.sync.engine
        self._ask_site_settings()
        if engine is not None and engine.owner == owner and self.sync.running:
            self.sync.wake()  # signed in again after the session expired: same user, carry on
            return
        self.sync.start(self.tablet.engine_for(owner, self._current_user_id))

    def _on_sync_status_refusals(self, status: SyncStatus) -> None:
        """The server refused more ops: perhaps by a site rule changed since sign-in (expired
        goods refused): ask for the settings again, so the next scan follows it here too."""
        if status.needs_attention > self._refused_seen:
            self._ask_site_settings()
        self._refused_seen = status.needs_attention

    def _ask_site_settings(self) -> None:
        if self._load_settings is not None:
            self._load_settings().then(self.tablet.remember_site_settings, lambda _error: None, self)

    def _current_user_id(self) -> str | None:
        user = self.session.user
        return None if user is None else str(user.id)

    def on_session_sig_signed_out(self) -> None:
        self.sync.stop()
        self.tablet.forget_desk()

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
        # made inside the status bar, so its labels are sized with the bar's style (padding) from
        # the start: made elsewhere, "Sync: up to date" was cut to "Sync: up to dat"
        self.status_widget = SyncStatusWidget(window.statusBar())
        window.statusBar().addPermanentWidget(self.status_widget)
        self.sync.sig_status_changed.connect(self.status_widget.on_sync_controller_sig_status_changed)
        self.sync.sig_status_changed.connect(self._publish_shown_status)
        self.sync.sig_status_changed.connect(self._on_sync_status_refusals)
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
        self._server_reachable = state != ConnectionState.OFFLINE.value
        self._publish_shown_status()
        if state == ConnectionState.ONLINE.value:
            self.sync.wake()  # the server is back: don't wait for the engine's backoff

    def shutdown(self) -> None:
        """Stop and join the sync thread (it never starts again), then close the local store."""
        self._shut_down = True
        if not self.sync.stop():
            log.warning("the sync thread did not end in time; it sends nothing more")
        self.tablet.close()

    # ------------------------------------------------------------------ screens

    def problem_view(self) -> QWidget:
        title, message = self.tablet.problem or ("The local database is not open", "")
        return StoreProblemView(title, message, self.tablet.open)


ScanScreenBuild = Callable[[ScanServices, ScreenContext], QWidget]


def _screen(services: ScanServices, build: ScanScreenBuild) -> Callable[[ScreenContext], QWidget]:
    def factory(context: ScreenContext) -> QWidget:
        services.ensure_store()
        if services.tablet.store is None:
            return services.problem_view()
        return build(services, context)

    return factory


# Each builder imports its screen: the scan screens load after the sign-in window is shown.


def _receive(s: ScanServices, c: ScreenContext) -> QWidget:
    from fllc_desktop.ui.screens.scan_receive import ReceiveScreen

    return s.built(ReceiveScreen(s.desk_for(c.user), s.router, s.sounds, labeller=s.receipt_labeller()))


def _receive_po(s: ScanServices, c: ScreenContext) -> QWidget:
    from fllc_desktop.ui.screens.scan_po import ReceivePoScreen

    return s.built(ReceivePoScreen(s.desk_for(c.user), s.router, s.sounds))


def _transfer(s: ScanServices, c: ScreenContext) -> QWidget:
    from fllc_desktop.ui.screens.scan_transfer import TransferScreen

    return s.built(TransferScreen(s.desk_for(c.user), s.router, s.sounds))


def _adjust(s: ScanServices, c: ScreenContext) -> QWidget:
    from fllc_desktop.ui.screens.scan_adjust import AdjustScreen

    return s.built(AdjustScreen(s.desk_for(c.user), s.router, s.sounds))


def _attention(s: ScanServices, c: ScreenContext) -> QWidget:
    from fllc_desktop.ui.widgets.needs_attention import NeedsAttentionPanel

    panel = NeedsAttentionPanel(s.desk_for(c.user))
    s.sync.sig_outbox_changed.connect(panel.reload)
    panel.sig_changed.connect(s.sync.refresh_counts)
    return panel


def scan_screens(
    services: ScanServices, stock: StockLookup | None, pick_list: PickListSource | None = None
) -> tuple[ScreenSpec, ...]:
    """The scan screens' registry entries; ``stock``: the server's stock per location (Count and
    Lookup show it when online); ``pick_list``: the server's orders to pick (Pick keeps the last)."""

    def pick(s: ScanServices, c: ScreenContext) -> QWidget:
        from fllc_desktop.floor.picking import PickDesk
        from fllc_desktop.ui.screens.scan_pick import PickScreen

        desk = PickDesk(s.desk_for(c.user), s.tablet.data_dir)
        return s.built(PickScreen(desk, s.router, s.sounds, pick_list))

    def count(s: ScanServices, c: ScreenContext) -> QWidget:
        from fllc_desktop.ui.screens.scan_count import CountScreen

        return s.built(CountScreen(s.desk_for(c.user), s.router, s.sounds, stock))

    def lookup(s: ScanServices, c: ScreenContext) -> QWidget:
        from fllc_desktop.ui.screens.scan_lookup import LookupScreen

        return s.built(LookupScreen(s.desk_for(c.user), s.router, s.sounds, stock))

    def spec(
        key: str, title: str, need: Permission, build: ScanScreenBuild, *, icon: str, order: int
    ) -> ScreenSpec:
        factory = _screen(services, build)
        return ScreenSpec(key, title, need, factory, icon=icon, order=order, touch=True)

    return (  # before the office screens (order 20 and up)
        spec("scan_receive", "Receive", Permission.STOCK_INTAKE, _receive, icon="scan", order=10),
        spec("scan_po_receive", "Receive PO", Permission.STOCK_INTAKE, _receive_po, icon="orders", order=11),
        spec("scan_count", "Count", Permission.STOCK_INTAKE, count, icon="scan", order=12),
        spec("scan_lookup", "Lookup", Permission.PRODUCTS_VIEW, lookup, icon="search", order=13),
        spec("scan_transfer", "Transfer", Permission.STOCK_INTAKE, _transfer, icon="scan", order=14),
        spec("scan_pick", "Pick", Permission.STOCK_INTAKE, pick, icon="orders", order=17),
        spec("scan_adjust", "Adjust", Permission.PRODUCTS_MODIFY, _adjust, icon="error", order=16),
        # only those who can make ops can have ops that need attention (not a viewer)
        spec(ATTENTION_KEY, "Needs attention", Permission.STOCK_INTAKE, _attention, icon="error", order=15),
    )
