"""The composition root: builds the services and the window and wires their signals — nothing else.

Every service is made here, once, and each screen's factory is handed the services that screen uses
(``office_screens``, ``scan_screens``); nothing else builds a service or opens the local store. A
new screen is registered here too (see ``fllc_desktop.ui.screens.registry``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import keyring.backend
from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal

from fllc_desktop.api import ApiClient
from fllc_desktop.floor.tablet import Tablet
from fllc_desktop.qt.config import DesktopConfig, NoticeMemory, client_data_dir, config_path
from fllc_desktop.qt.event_stream import EventStream
from fllc_desktop.qt.gateway import Gateway
from fllc_desktop.qt.pyside_compat import protect_singletons_from_refcount_bugs
from fllc_desktop.qt.sales import SalesService
from fllc_desktop.qt.scanner_filter import ScannerEventFilter
from fllc_desktop.qt.services import (
    AuditService,
    CatalogService,
    DashboardService,
    EdiPartnerService,
    IntegrationsService,
    LabelsService,
    PurchasingService,
    ReferenceService,
    ReportsService,
    SessionService,
    SettingsService,
    UsersService,
    probe,
)
from fllc_desktop.qt.sync_controller import SyncController
from fllc_desktop.qt.worker import TaskRunner
from fllc_desktop.ui.main_window import MainWindow
from fllc_desktop.ui.screens.office import office_screens
from fllc_desktop.ui.screens.orders import OrdersScreen
from fllc_desktop.ui.screens.registry import ScreenRegistry, ScreenSpec
from fllc_desktop.ui.screens.sales import sales_screens
from fllc_desktop.ui.screens.scan_routing import ScanRouter
from fllc_desktop.ui.screens.scan_setup import ScanServices, scan_screens
from fllc_desktop.ui.widgets.scan_feedback import ScanSounds

if TYPE_CHECKING:
    from fllc_desktop.ui.dialogs.label_dialog import ReceiptLabeller

KEYRING_NOTICE = "keyring_memory_only"


class KeyringNotices(QObject):
    """Carries the keyring's "session won't be remembered" sentence from a worker thread to the
    window (``sig_say``), once on this machine: the notice is remembered after it was said."""

    sig_memory_only = Signal(str)
    sig_say = Signal(str)

    def __init__(self, memory: NoticeMemory | None = None) -> None:
        super().__init__()
        self._memory = memory or NoticeMemory.beside_config()
        self.sig_memory_only.connect(self.on_memory_only)  # queued to this (the GUI) thread

    def on_memory_only(self, message: str) -> None:
        if not self._memory.seen(KEYRING_NOTICE):
            self._memory.remember(KEYRING_NOTICE)
            self.sig_say.emit(message)


@dataclass(slots=True)
class DesktopApp:
    client: ApiClient
    runner: TaskRunner
    gateway: Gateway
    session: SessionService
    events: EventStream
    registry: ScreenRegistry
    window: MainWindow
    notices: KeyringNotices
    scanning: ScanServices | None = None

    def shutdown(self) -> None:
        """Quiet everything that could still reach the server, then close the client: nothing is
        sent afterwards (no "client has been closed" from a thread that was still running)."""
        self.gateway.close()  # answers still on their way build no screens and start no sync
        self.events.stop()
        if self.scanning is not None:
            self.scanning.shutdown()  # the sync thread is stopped and joined
        self.runner.wait_for_done()  # calls already running finish while the client is open
        self.client.close()


def build_registry(specs: Iterable[ScreenSpec]) -> ScreenRegistry:
    registry = ScreenRegistry()
    for spec in specs:
        registry.register(spec)
    return registry


def build_scanning(
    client: ApiClient,
    session: SessionService,
    settings: SettingsService | None = None,
    labels: LabelsService | None = None,
) -> ScanServices:
    """The tablet's local store, the sync thread, scan routing (the keyboard wedge installed while a
    scan screen is shown) and the scan sounds; ``settings``: the site's rules the floor follows;
    ``labels``: label printing, for a device whose settings say to label every item received."""
    tablet = Tablet(client.server_url, client_data_dir(client.server_url), client.sync)
    router = ScanRouter()
    router.connect_wedge(ScannerEventFilter(), QCoreApplication.instance())
    load_settings = settings.load if settings is not None else None

    def receipt_labeller() -> ReceiptLabeller | None:
        printer = DesktopConfig.load(config_path()).receive_label_printer  # read when Receive is built
        if labels is None or not printer:
            return None
        from fllc_desktop.ui.dialogs.label_dialog import ReceiptLabeller  # after the window, like Receive

        return ReceiptLabeller(labels, printer)

    scanning = ScanServices(
        session,
        tablet,
        SyncController(),
        router,
        ScanSounds(),
        load_settings=load_settings,
        receipt_labeller=receipt_labeller,
    )
    router.setParent(scanning)
    scanning.sync.setParent(scanning)
    return scanning


def build_app(
    server_url: str,
    *,
    keyring_backend: keyring.backend.KeyringBackend | None = None,
    pool: QThreadPool | None = None,
    reconnect_first_delay_ms: int = 1_000,
) -> DesktopApp:
    protect_singletons_from_refcount_bugs()  # PySide6 6.12 on Python 3.11: see qt/pyside_compat.py
    notices = KeyringNotices()
    client = ApiClient.for_server(
        server_url, keyring_backend=keyring_backend, on_memory_only=notices.sig_memory_only.emit
    )
    runner = TaskRunner(pool)
    gateway = Gateway(runner, probe(client))
    session = SessionService(gateway, client)
    events = EventStream(client.server_url, session.access_token, first_delay_ms=reconnect_first_delay_ms)
    catalog = CatalogService(gateway, client)
    settings = SettingsService(gateway, client)
    purchasing = PurchasingService(gateway, client)
    sales = SalesService(gateway, client)
    labels = LabelsService(gateway, client)
    scanning = build_scanning(client, session, settings, labels)

    def show_customer_orders(customer_id: int, name: str) -> None:
        shell = window.shell
        screen = shell.screens.get("orders") if shell is not None else None
        if shell is not None and isinstance(screen, OrdersScreen):
            screen.show_customer(customer_id, name)
            shell.show_screen("orders")

    registry = build_registry(
        [
            *scan_screens(scanning, stock=catalog, pick_list=sales.pick_list),
            *sales_screens(sales, show_customer_orders, events),
            *office_screens(
                catalog=catalog,
                purchasing=purchasing,
                users=UsersService(gateway, client),
                settings=settings,
                dashboard=DashboardService(gateway, client),
                audit=AuditService(gateway, client),
                references={
                    name: ReferenceService(gateway, client, name)
                    for name in ("categories", "suppliers", "locations")
                },
                events=events,
                labels=labels,
                integrations=IntegrationsService(gateway, client),
                reports=ReportsService(gateway, client, client_data_dir(client.server_url) / "reports"),
                edi=EdiPartnerService(gateway, client),
            ),
        ]
    )
    window = MainWindow(registry, session, gateway, events)
    notices.sig_say.connect(window.on_keyring_memory_only)
    events.sig_dropped.connect(session.refresh_me)  # probes the server and renews an expired token
    scanning.attach(
        window, events, lambda key: window.shell.show_screen(key) if window.shell else None, gateway
    )
    return DesktopApp(client, runner, gateway, session, events, registry, window, notices, scanning)
