"""The gateway's policies, with calls that fail on purpose (no server needed)."""

from __future__ import annotations

import threading

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from fllc_desktop.api.errors import (
    ForbiddenError,
    OfflineError,
    RateLimitedError,
    UnauthorizedError,
)
from fllc_desktop.qt.gateway import ConnectionState, Gateway
from fllc_desktop.qt.worker import TaskRunner


class Script:
    """A call that raises the given errors in turn, then answers ``"ok"``."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


@pytest.fixture
def runner():
    runner = TaskRunner()
    yield runner
    runner.wait_for_done()


@pytest.fixture
def gateway(runner):
    return Gateway(runner, probe=lambda: "up")


def test_a_call_answers_on_the_gui_thread(qtbot, gateway):
    answers: list[str] = []
    gateway.submit(lambda: "hello", answers.append)
    qtbot.waitUntil(lambda: answers == ["hello"])


def test_429_is_retried_after_the_hinted_delay(qtbot, gateway):
    call = Script(RateLimitedError("slow down", retry_after=0.05, status=429))
    answers: list[str] = []
    with qtbot.waitSignal(gateway.sig_notice) as notice:
        gateway.submit(call, answers.append)
    assert notice.args[0] == "Server busy"
    qtbot.waitUntil(lambda: answers == ["ok"])
    assert call.calls == 2


def test_403_without_a_handler_becomes_a_clear_notice(qtbot, gateway):
    with qtbot.waitSignal(gateway.sig_notice) as notice:
        gateway.submit(Script(ForbiddenError("You need products.modify", status=403)), lambda _r: None)
    assert notice.args == ["Not allowed for your role", "You need products.modify"]


def test_offline_turns_the_state_offline_without_a_notice_and_the_probe_brings_it_back(qtbot, gateway):
    errors: list[Exception] = []
    with (
        qtbot.assertNotEmitted(gateway.sig_notice),
        qtbot.waitSignal(gateway.sig_connection_changed) as changed,
    ):
        gateway.submit(Script(OfflineError("down")), lambda _r: None)
    assert changed.args == ["offline"]
    assert not errors
    qtbot.waitUntil(lambda: gateway.state is ConnectionState.ONLINE, timeout=5_000)


def test_an_expired_session_holds_the_calls_until_signed_in_again(qtbot, gateway):
    answers: list[str] = []
    first, second = Script(UnauthorizedError("expired")), Script(UnauthorizedError("expired"))
    with qtbot.waitSignal(gateway.sig_session_expired):
        gateway.submit(first, answers.append)
        gateway.submit(second, answers.append)
    qtbot.waitUntil(lambda: gateway.waiting_for_sign_in == 2)
    assert answers == []
    gateway.resend_after_sign_in()
    qtbot.waitUntil(lambda: answers == ["ok", "ok"])


def test_a_wrong_password_at_sign_in_goes_to_the_caller(qtbot, gateway):
    errors: list[Exception] = []
    with qtbot.assertNotEmitted(gateway.sig_session_expired):
        gateway.submit(Script(UnauthorizedError("wrong")), lambda _r: None, errors.append, reauth=False)
        qtbot.waitUntil(lambda: len(errors) == 1)


def test_answers_for_a_widget_that_is_gone_are_dropped(qtbot, gateway, runner):
    owner = QWidget()
    answers: list[str] = []
    gone: list[bool] = []
    owner.destroyed.connect(lambda *_: gone.append(True))
    owner_deleted = threading.Event()  # the answer is made only once the owner is really gone

    def late_answer() -> str:
        owner_deleted.wait(10)
        return "late"

    gateway.submit(late_answer, answers.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: bool(gone))
    owner_deleted.set()
    runner.wait_for_done()
    qtbot.waitUntil(lambda: not runner.busy)
    assert answers == []


def test_many_emits_and_void_qt_calls_never_free_true_or_none(qtbot, qapp):
    """PySide6 6.12.0 on Python 3.11 drops a reference to True per emit() and to None per call of a
    Qt method returning nothing (see qt/pyside_compat); without the workaround this aborts."""
    import sys

    from fllc_desktop.qt.pyside_compat import protect_singletons_from_refcount_bugs
    from fllc_desktop.qt.worker import WorkerSignals

    protect_singletons_from_refcount_bugs()
    signals = WorkerSignals()
    for _ in range(20_000):
        signals.sig_finished.emit()
        qapp.processEvents()
    assert sys.getrefcount(True) > 1 << 30
    assert sys.getrefcount(None) > 1 << 30


def test_a_request_is_sent_only_by_then_and_each_then_sends_it_again(qtbot, gateway):
    from fllc_desktop.qt.services import Request

    call = Script()
    request = Request(gateway, call)
    assert call.calls == 0  # asking for a request sends nothing
    answers: list[str] = []
    request.then(answers.append)
    request.then(answers.append)
    qtbot.waitUntil(lambda: answers == ["ok", "ok"])
    assert call.calls == 2


def test_a_request_answers_its_error_to_on_error_and_skips_a_deleted_owner(qtbot, gateway, runner):
    from fllc_desktop.qt.services import Request

    errors: list[Exception] = []
    Request(gateway, Script(ForbiddenError("no", status=403))).then(lambda _r: None, errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert isinstance(errors[0], ForbiddenError)
    owner = QWidget()
    answers: list[str] = []
    Request(gateway, Script()).then(answers.append, owner=owner)
    shiboken6.delete(owner)
    runner.wait_for_done()  # the worker has posted its answer ...
    QCoreApplication.processEvents()  # ... and the GUI thread has handled it
    assert answers == []
