"""The composition root: builds the services and the window and wires their signals — nothing else.

Other parts of the app add their screens here: pass ``ScreenSpec``s in ``screens`` (see
``fllc_desktop.ui.screens.registry``) and the services those screens look up by type in ``services``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import keyring.backend
from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal

from fllc_desktop.api import ApiClient
from fllc_desktop.qt.event_stream import EventStream
from fllc_desktop.qt.gateway import Gateway
from fllc_desktop.qt.pyside_compat import protect_singletons_from_refcount_bugs
from fllc_desktop.qt.scanner_filter import ScannerEventFilter
from fllc_desktop.qt.services import (
    CatalogService,
    PurchasingService,
    SessionService,
    SettingsService,
    UsersService,
    probe,
)
from fllc_desktop.qt.worker import TaskRunner
from fllc_desktop.ui.main_window import MainWindow
from fllc_desktop.ui.screens.defaults import register_default_screens
from fllc_desktop.ui.screens.registry import ScreenRegistry, ScreenSpec
from fllc_desktop.ui.screens.scan_setup import SCAN_SCREENS, ScanServices, client_data_dir


class KeyringNotices(QObject):
    """Carries the keyring's "session won't be remembered" sentence from a worker thread to the window."""

    sig_memory_only = Signal(str)


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


def build_registry(extra: Iterable[ScreenSpec] = ()) -> ScreenRegistry:
    registry = ScreenRegistry()
    register_default_screens(registry)
    for spec in extra:
        registry.register(spec)
    return registry


def build_app(
    server_url: str,
    *,
    screens: Iterable[ScreenSpec] = (),
    services: dict[type[Any], Any] | None = None,
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
    wedge = ScannerEventFilter()
    scanning = ScanServices(
        client, session, client_data_dir(client.server_url), wedge=wedge, app=QCoreApplication.instance()
    )
    all_services: dict[type[Any], Any] = {
        CatalogService: CatalogService(gateway, client),
        UsersService: UsersService(gateway, client),
        PurchasingService: PurchasingService(gateway, client),
        SettingsService: SettingsService(gateway, client),
        SessionService: session,
        Gateway: gateway,
        ScanServices: scanning,
        **(services or {}),
    }
    registry = build_registry([*SCAN_SCREENS, *screens])
    window = MainWindow(registry, session, gateway, events, services=all_services)
    notices.sig_memory_only.connect(window.on_keyring_memory_only)
    events.sig_dropped.connect(session.refresh_me)  # probes the server and renews an expired token
    scanning.attach(
        window, events, lambda key: window.shell.show_screen(key) if window.shell else None, gateway
    )
    return DesktopApp(client, runner, gateway, session, events, registry, window, notices, scanning)
