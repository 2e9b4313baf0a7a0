"""taskiq's per-job "Executing task" line is held back unless the log level is DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fllc_server.observability.logging import configure_logging


@pytest.fixture(autouse=True)
def _restore_root_level() -> Iterator[None]:
    root = logging.getLogger()
    before = root.level
    yield
    root.setLevel(before)


def test_taskiq_receiver_speaks_only_warnings_at_info() -> None:
    configure_logging("INFO", False)
    receiver = logging.getLogger("taskiq.receiver.receiver")
    assert not receiver.isEnabledFor(logging.INFO)
    assert receiver.isEnabledFor(logging.WARNING)
    assert logging.getLogger("fllc_server.jobs").isEnabledFor(logging.INFO)


def test_taskiq_receiver_speaks_at_debug() -> None:
    configure_logging("DEBUG", False)
    assert logging.getLogger("taskiq.receiver.receiver").isEnabledFor(logging.INFO)
