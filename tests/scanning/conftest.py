"""Scanning tests: Qt runs offscreen (set before any Qt import)."""

from __future__ import annotations

import os
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class PtyScanner:
    """A scanner on a pseudo-terminal, reachable through a stable device link (like /dev/serial/by-id)."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master: int | None = None

    def plug_in(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        device = os.ttyname(slave)
        os.close(slave)
        self.master = master
        self.link.symlink_to(device)

    def unplug(self) -> None:
        assert self.master is not None
        os.close(self.master)
        self.master = None
        self.link.unlink()

    def send(self, data: bytes) -> None:
        assert self.master is not None
        os.write(self.master, data)


@pytest.fixture
def scanner_device(tmp_path: Path) -> Iterator[PtyScanner]:
    device = PtyScanner(tmp_path / "scanner")
    yield device
    if device.master is not None:
        device.unplug()
