"""Shared by every desktop test folder (desktop_core, desktop_ui, scanning, scanning_ui, durability)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any test module imports Qt

from fllc_desktop.qt.pyside_compat import protect_singletons_from_refcount_bugs


@pytest.fixture(scope="session", autouse=True)
def pyside_refcount_workaround() -> None:
    """PySide6 6.12 on Python 3.11 drops references to True/None on every emit and void Qt call
    (pinned in pyproject.toml; desktop_core/test_pyside_compat.py fails once a release stops);
    ``build_app`` protects the app, but many tests use Qt without it (filters, screens, the sync
    controller), and a long run would end in "Fatal Python error: bool_dealloc". Once, before any test."""
    protect_singletons_from_refcount_bugs()
