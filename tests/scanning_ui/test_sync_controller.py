"""The sync controller: the engine on its own thread, status and outbox changes by signal, a
clean stop at sign-out, and the status bar widget that shows it."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from pytestqt.qtbot import QtBot

from fllc_desktop.api.errors import OfflineError
from fllc_desktop.api.models import ChangeBatch, OpAnswer
from fllc_desktop.domain.commands import Command
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.qt.sync_controller import SyncController
from fllc_desktop.store import LocalStore, OpOwner
from fllc_desktop.sync import SyncEngine
from fllc_desktop.sync.status import Connectivity, SyncStatus
from fllc_desktop.ui.widgets.scan_sync_status import SyncStatusWidget


class FakeServer:
    """Applies every op, or is unreachable while ``down``; remembers the threads that called it."""

    def __init__(self) -> None:
        self.down = False
        self.applied: list[str] = []
        self.threads: set[str] = set()

    def push(self, device_id: str, ops: Sequence[Command], **_device: object) -> list[OpAnswer]:
        self.threads.add(threading.current_thread().name)
        if self.down:
            raise OfflineError("down")
        self.applied.extend(str(op.op_id) for op in ops)
        return [OpAnswer(str(op.op_id), "applied") for op in ops]

    def changes(self, since: int | None, limit: int) -> ChangeBatch:
        if self.down:
            raise OfflineError("down")
        return ChangeBatch([], since, False)


def engine(store: LocalStore, owner: OpOwner, server: FakeServer) -> SyncEngine:
    return SyncEngine(server, store.outbox, store.catalog, owner, "tablet-1", idle_interval=30)


def test_enqueued_ops_are_pushed_off_the_gui_thread_and_the_status_follows(
    qtbot: QtBot, store: LocalStore, staff: OpOwner, staff_desk: ScanDesk
) -> None:
    server = FakeServer()
    controller = SyncController()
    widget = SyncStatusWidget()
    qtbot.addWidget(widget)
    controller.sig_status_changed.connect(widget.on_sync_controller_sig_status_changed)
    staff_desk._on_enqueued = controller.wake
    controller.start(engine(store, staff, server))
    try:
        qtbot.waitUntil(lambda: controller.status.connectivity is Connectivity.ONLINE)
        with qtbot.waitSignal(controller.sig_outbox_changed):
            entry = staff_desk.receive(1, 3)
        qtbot.waitUntil(lambda: str(entry.op_id) in server.applied and not controller.status.pending)
        assert server.threads == {"fllc-sync"}
        assert widget.connection.text() == "Sync: up to date"
        assert widget.pending.text() == "All synced"
        assert widget.last_sync.text().startswith("Last sync")
    finally:
        assert controller.stop()
    assert controller.status.connectivity is Connectivity.SIGNED_OUT


def test_offline_keeps_the_ops_and_says_so(
    qtbot: QtBot, store: LocalStore, staff: OpOwner, staff_desk: ScanDesk
) -> None:
    server = FakeServer()
    server.down = True
    staff_desk.receive(1, 1)
    controller = SyncController()
    widget = SyncStatusWidget()
    qtbot.addWidget(widget)
    controller.sig_status_changed.connect(widget.on_sync_controller_sig_status_changed)
    controller.start(engine(store, staff, server))
    try:
        qtbot.waitUntil(lambda: controller.status.connectivity is Connectivity.OFFLINE)
        assert widget.connection.text().startswith("Sync: offline")
        assert widget.pending.text() == "1 to sync"
    finally:
        controller.stop()
    assert len(staff_desk.store.outbox.pending(staff)) == 1


def test_a_stopped_engine_never_speaks_for_the_next_user(
    qtbot: QtBot, store: LocalStore, staff: OpOwner
) -> None:
    controller = SyncController()
    first = engine(store, staff, FakeServer())
    controller.start(first)
    controller.stop()
    seen: list[SyncStatus] = []
    controller.sig_status_changed.connect(seen.append)
    first.refresh_counts()  # a late word from the old engine
    assert seen == []


def test_the_sync_status_says_offline_when_the_app_knows_the_server_is_gone(qtbot: QtBot) -> None:
    """The engine's last round worked half a minute ago, but the app's requests fail now: the
    status bar must not say "online" in one place and "offline" in the other."""
    widget = SyncStatusWidget()
    qtbot.addWidget(widget)
    widget.on_sync_controller_sig_status_changed(SyncStatus(connectivity=Connectivity.ONLINE))
    assert widget.connection.text() == "Sync: up to date"
    widget.on_connection_changed("offline")
    assert widget.connection.text() == "Sync: offline"
    assert widget.connection.property("state") == "offline"
    assert "online" not in widget.connection.text()
    widget.on_sync_controller_sig_status_changed(SyncStatus(connectivity=Connectivity.ONLINE, pending=2))
    assert widget.connection.text() == "Sync: offline"
    widget.on_connection_changed("online")
    assert widget.connection.text() == "Sync: ready"


def test_a_count_refresh_after_our_own_scan_updates_the_counts_but_asks_no_screen_to_reload(
    qtbot: QtBot, store: LocalStore, staff: OpOwner, staff_desk: ScanDesk
) -> None:
    """Per scan the GUI thread re-reads the counts, not every screen's ops and the catalog: only the
    server's answers (a sync round) say the outbox changed."""
    controller = SyncController()
    controller._engine = engine(store, staff, FakeServer())  # not started: no round can run
    controller._unsubscribe = controller._engine.add_listener(
        lambda status: controller._on_engine_status(controller._engine, status)
    )
    reloads: list[None] = []
    statuses: list[SyncStatus] = []
    controller.sig_outbox_changed.connect(lambda: reloads.append(None))
    controller.sig_status_changed.connect(statuses.append)
    staff_desk.receive(1, 3)
    controller.refresh_counts()
    assert statuses[-1].pending == 1
    assert reloads == []
