"""The signed-in part of the window: navigation built from the registry and the user's grants,
the banners, and the stack of screens."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fllc_desktop.domain.permissions import Role
from fllc_desktop.qt.config import touch_layout_preference
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenRegistry, ScreenSpec
from fllc_desktop.ui.theme import TOUCH_TARGET_PX, icon
from fllc_desktop.ui.widgets.banner import Banner

SMALL_SCREEN = QSize(1366, 800)
"""A screen this size or smaller (available area) is a tablet's: the touch layout by default."""


def wants_touch_layout(role: str, screen: QSize | None, preference: bool | None) -> bool:
    """The touch layout (targets and rows of 44 px at least) when the setting says so; without a
    setting, for staff (who work on tablets) and on a small screen such as a 1280 x 800 tablet."""
    if preference is not None:
        return preference
    if role == Role.STAFF.value:
        return True
    return screen is not None and (
        screen.width() <= SMALL_SCREEN.width() and screen.height() <= SMALL_SCREEN.height()
    )


def _available_screen() -> QSize | None:
    screen = QGuiApplication.primaryScreen()
    return None if screen is None else screen.availableGeometry().size()


def _make_touch_friendly(root: QWidget) -> None:
    """What the stylesheet cannot reach: table rows of at least 44 px."""
    for view in root.findChildren(QAbstractItemView):
        if isinstance(view, QTableView):
            view.verticalHeader().setDefaultSectionSize(TOUCH_TARGET_PX)


def _repolish(root: QWidget) -> None:
    """Re-apply the stylesheet to a tree after a property its rules depend on has changed."""
    for widget in [root, *root.findChildren(QWidget)]:
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class Shell(QWidget):
    sig_sign_out_requested = Signal()

    def __init__(
        self, registry: ScreenRegistry, context: ScreenContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shell")
        if wants_touch_layout(context.user.role, _available_screen(), touch_layout_preference()):
            self.setProperty("touch", "true")  # every target 44 px (set before the screens are built)
        self.specs: list[ScreenSpec] = registry.visible_for(context.grants)
        self.screens: dict[str, QWidget] = {}
        self.nav_buttons: dict[str, QToolButton] = {}
        self.offline_banner = Banner("banner_offline", "offline", closable=False, parent=self)
        self.notice_banner = Banner("banner_notice", "error", parent=self)
        self.keyring_banner = Banner("banner_keyring", "info", parent=self)
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("screen_stack")
        self.nav = self._build_nav(context)
        self._lay_out()
        if self.property("touch") == "true":
            _make_touch_friendly(self)
        self._fit_nav_width()
        if self.specs:
            self.show_screen(self.specs[0].key)

    def _build_nav(self, context: ScreenContext) -> QFrame:
        """The screens' buttons scroll when there are more than the window's height holds (a
        manager's list is taller than a 1280 x 800 tablet: the window must not grow past it);
        Sign out stays at the bottom."""
        nav = QFrame(self)
        nav.setObjectName("nav")
        outer = QVBoxLayout(nav)
        outer.setContentsMargins(0, 12, 0, 12)
        outer.setSpacing(4)
        scroll = QScrollArea(nav)
        scroll.setObjectName("nav_scroll")
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # a bar beside the buttons when they overflow (a finger on a tablet needs something to
        # drag; the wheel scrolls too), and the chosen screen's button is scrolled into view
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setWidgetResizable(True)
        buttons = QWidget(scroll)
        buttons.setObjectName("nav_buttons")
        layout = QVBoxLayout(buttons)
        layout.setContentsMargins(6, 0, 2, 0)
        layout.setSpacing(4)
        group = QButtonGroup(nav)
        for number, spec in enumerate(self.specs, start=1):
            button = self._nav_button(buttons, spec.nav_name, spec.title, spec.icon)
            group.addButton(button)
            button.clicked.connect(lambda _checked=False, key=spec.key: self.show_screen(key))
            self._make_screen(spec, context)
            if number <= 9:
                shortcut = QKeySequence(f"Ctrl+{number}")
                QShortcut(shortcut, self, lambda key=spec.key: self.show_screen(key))
                keys = shortcut.toString(QKeySequence.SequenceFormat.NativeText)
                button.setToolTip(f"{spec.title} ({keys})")
            layout.addWidget(button)
            self.nav_buttons[spec.key] = button
        if not self.specs:
            empty = QLabel("Your role has no screens\nin this version.", buttons)
            empty.setObjectName("nav_empty")
            layout.addWidget(empty)
        layout.addStretch(1)
        scroll.setWidget(buttons)
        outer.addWidget(scroll, 1)
        self._nav_scroll = scroll
        sign_out = self._nav_button(nav, "nav_sign_out", "Sign out", "sign_out", checkable=False)
        sign_out.setToolTip("Sign out (Ctrl+Shift+L)")
        sign_out.clicked.connect(self.sig_sign_out_requested)
        QShortcut(QKeySequence("Ctrl+Shift+L"), self, self.sig_sign_out_requested.emit)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(6, 0, 6, 0)
        bottom.addWidget(sign_out)
        outer.addLayout(bottom)
        self._nav_buttons_panel = buttons
        return nav

    def _fit_nav_width(self) -> None:
        """A scroll area asks for none of its contents' width: give it the buttons' (after polish, so
        the touch style's sizes count) and room for its bar, and the nav that much (and its border)."""
        self._nav_buttons_panel.ensurePolished()
        bar = self._nav_scroll.verticalScrollBar().sizeHint().width()
        self._nav_scroll.setMinimumWidth(self._nav_buttons_panel.sizeHint().width() + bar)
        self.nav.setMinimumWidth(self._nav_scroll.minimumWidth() + 1)

    def _nav_button(
        self, parent: QWidget, name: str, text: str, icon_name: str, *, checkable: bool = True
    ) -> QToolButton:
        button = QToolButton(parent)
        button.setObjectName(name)
        button.setText(text)
        button.setIcon(icon(icon_name))
        button.setIconSize(QSize(24, 24))
        button.setCheckable(checkable)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return button

    def _make_screen(self, spec: ScreenSpec, context: ScreenContext) -> None:
        screen = spec.factory(context)
        screen.setObjectName(spec.object_name)
        if spec.touch:
            screen.setProperty("touch", "true")
            _make_touch_friendly(screen)
            _repolish(screen)
        self.stack.addWidget(screen)
        self.screens[spec.key] = screen

    def _lay_out(self) -> None:
        right = QVBoxLayout()
        right.setContentsMargins(6, 8, 6, 8)  # with the nav's scroll bar a 1280 px tablet still fits
        for banner in (self.offline_banner, self.notice_banner, self.keyring_banner):
            right.addWidget(banner)
        right.addWidget(self.stack, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addLayout(right, 1)

    @property
    def current_key(self) -> str | None:
        for key, screen in self.screens.items():
            if screen is self.stack.currentWidget():
                return key
        return None

    def show_screen(self, key: str) -> None:
        self.stack.setCurrentWidget(self.screens[key])
        self.nav_buttons[key].setChecked(True)
        self._nav_scroll.ensureWidgetVisible(self.nav_buttons[key], 0, 24)
        self._nav_scroll.horizontalScrollBar().setValue(0)
