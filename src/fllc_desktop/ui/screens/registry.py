"""The screen registry: every screen declares the permission it needs and how to build it.

The navigation shows the registered screens the signed-in user may use, in ``order``; a screen that
is not registered (not built yet) is simply not there. The composition root (``app.py``) registers
every screen, each factory closing over exactly the services its screen uses::

    registry.register(ScreenSpec(
        key="settings", title="Settings", permission=Permission.SYSTEM_CONFIGURE,
        factory=lambda context: SettingsScreen(settings_service),
        icon="settings", order=90,
    ))

``key`` names the widgets: the screen's ``objectName`` is ``screen_<key>`` and its navigation button
``nav_<key>``. ``touch=True`` marks a screen used on tablets: the window gives it 44 px targets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from fllc_desktop.api import CurrentUser
from fllc_desktop.domain.permissions import Grants, Permission


@dataclass(frozen=True, slots=True)
class ScreenContext:
    """What a screen factory gets at sign-in: the signed-in user (the services it closes over)."""

    user: CurrentUser

    @property
    def grants(self) -> Grants:
        return self.user.grants


ScreenFactory = Callable[[ScreenContext], QWidget]


@dataclass(frozen=True, slots=True)
class ScreenSpec:
    key: str
    title: str
    permission: Permission
    factory: ScreenFactory
    icon: str = ""
    order: int = 100
    touch: bool = False
    shortcut_hint: str = ""

    @property
    def object_name(self) -> str:
        return f"screen_{self.key}"

    @property
    def nav_name(self) -> str:
        return f"nav_{self.key}"


class ScreenRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, ScreenSpec] = {}

    def register(self, spec: ScreenSpec) -> None:
        if spec.key in self._specs:
            raise ValueError(f"a screen with key {spec.key!r} is already registered")
        self._specs[spec.key] = spec

    def specs(self) -> list[ScreenSpec]:
        return sorted(self._specs.values(), key=lambda s: (s.order, s.key))

    def visible_for(self, grants: Grants) -> list[ScreenSpec]:
        return [spec for spec in self.specs() if grants.allows(spec.permission)]
