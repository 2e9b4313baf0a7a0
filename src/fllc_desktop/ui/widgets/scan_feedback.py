"""Every scan's immediate answer: a big colour flash with a sentence, and a sound where there is audio.

:class:`ScanFeedback` is a large banner whose ``tone`` (``ok``, ``warning``, ``error``, ``idle``)
colours it; the flash fades back to a calm colour after a moment but the sentence stays, so a person
who looked away still reads what happened. ``expired`` (goods past their expiry date) has its own
colour and sound, unlike any other answer. Each scan's answer is stamped with the scan's number in the
session and the time (``stamp``), so two "Saved" banners in a row are visibly two answers.
:class:`ScanSounds` plays ``resources/sounds/scan_*.wav``
through QtMultimedia's ``QSoundEffect``; when QtMultimedia cannot load (no audio libraries) or the
machine has no audio output, it stays silent instead of failing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from enum import StrEnum
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from fllc_desktop.ui.theme import resources_dir

log = logging.getLogger(__name__)

FLASH_MS = 900
NO_SOUND_ENV = "FLLC_NO_SOUND"


class Tone(StrEnum):
    IDLE = "idle"
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"
    EXPIRED = "expired"


# Sizes live here, not in setFont: the app's style sheet (QWidget { font-size: 10pt }) would win over
# a font set in code, and this text is read from a metre away.
TITLE_PT = 34
LONG_TITLE_PT = 26  # a title past LONG_TITLE characters (a long product name): two lines, not three
LONG_TITLE = 36
DETAIL_PT = 16
STAMP_PT = 13
_STYLE = f"""
ScanFeedback {{ border-radius: 10px; background: #eef1f5; }}
ScanFeedback QLabel {{ color: #1d2330; background: transparent; }}
ScanFeedback QLabel[part="title"] {{ font-size: {TITLE_PT}pt; font-weight: 700; }}
ScanFeedback QLabel[part="title"][long="true"] {{ font-size: {LONG_TITLE_PT}pt; }}
ScanFeedback QLabel[part="detail"] {{ font-size: {DETAIL_PT}pt; }}
ScanFeedback QLabel[part="stamp"] {{ font-size: {STAMP_PT}pt; font-weight: 700; }}
ScanFeedback[tone="ok"][flash="true"] {{ background: #188038; }}
ScanFeedback[tone="warning"][flash="true"] {{ background: #e37400; }}
ScanFeedback[tone="error"][flash="true"] {{ background: #c5221f; }}
ScanFeedback[tone="expired"][flash="true"] {{ background: #6a1b9a; }}
ScanFeedback[flash="true"] QLabel {{ color: white; }}
ScanFeedback[tone="ok"][flash="false"] {{ background: #e6f4ea; }}
ScanFeedback[tone="ok"][flash="false"] QLabel {{ color: #0d652d; }}
ScanFeedback[tone="warning"][flash="false"] {{ background: #fef7e0; }}
ScanFeedback[tone="warning"][flash="false"] QLabel {{ color: #7a4100; }}
ScanFeedback[tone="error"][flash="false"] {{ background: #fce8e6; }}
ScanFeedback[tone="error"][flash="false"] QLabel {{ color: #a50e0e; }}
ScanFeedback[tone="expired"][flash="false"] {{ background: #f3e5f5; border: 3px solid #6a1b9a; }}
ScanFeedback[tone="expired"][flash="false"] QLabel {{ color: #4a148c; }}
"""


class ScanSounds:
    """One short sound per tone; silent where QtMultimedia or an audio output is missing."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._effects: dict[Tone, Any] = {}
        self.available = False
        if enabled and not os.environ.get(NO_SOUND_ENV):
            self._load()

    def _load(self) -> None:
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError as exc:  # e.g. libpulse missing: the app works, silently
            log.info("no sound: QtMultimedia cannot load (%s)", exc)
            return
        if not QMediaDevices.audioOutputs():
            log.info("no sound: this machine has no audio output")
            return
        for tone in (Tone.OK, Tone.WARNING, Tone.ERROR, Tone.EXPIRED):
            path = resources_dir() / "sounds" / f"scan_{tone.value}.wav"
            if path.is_file():
                effect = QSoundEffect()
                effect.setSource(QUrl.fromLocalFile(str(path)))
                self._effects[tone] = effect
        self.available = bool(self._effects)

    def play(self, tone: Tone) -> None:
        effect = self._effects.get(tone)
        if effect is not None:
            effect.play()


class ScanFeedback(QFrame):
    def __init__(self, name: str, sounds: ScanSounds | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(_STYLE)
        self._sounds = sounds
        self.tone = Tone.IDLE
        self.answers = 0
        """How many answers (flashes) this banner has shown: each scan's is a new one."""
        self._stamp = QLabel(self)
        self._stamp.setObjectName(f"{name}_stamp")
        self._stamp.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._stamp.setProperty("part", "stamp")
        self._title = QLabel(self)
        self._title.setObjectName(f"{name}_title")
        self._title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._title.setWordWrap(True)
        self._title.setProperty("part", "title")
        self._detail = QLabel(self)
        self._detail.setObjectName(f"{name}_detail")
        self._detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._detail.setWordWrap(True)
        self._detail.setProperty("part", "detail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 6, 16, 12)
        layout.setSpacing(2)
        layout.addWidget(self._stamp)
        layout.addWidget(self._title)
        layout.addWidget(self._detail)
        self.setMinimumHeight(110)
        self._calm = QTimer(self)
        self._calm.setSingleShot(True)
        self._calm.setInterval(FLASH_MS)
        self._calm.timeout.connect(self.on_calm_timeout)
        self._restyle(Tone.IDLE, flash=False)
        self.show_idle("Ready to scan")

    @property
    def title(self) -> str:
        return self._title.text()

    @property
    def detail(self) -> str:
        return self._detail.text()

    @property
    def stamp_text(self) -> str:
        return self._stamp.text()

    def stamp(self, number: int, when: dt.datetime | None = None) -> None:
        """Mark the answer on show as scan ``number``'s, made at ``when`` (now)."""
        moment = when or dt.datetime.now()
        self._stamp.setText(f"Scan {number} · {moment.strftime('%H:%M:%S')}")

    def show_idle(self, title: str, detail: str = "") -> None:
        self._set(Tone.IDLE, title, detail, flash=False)

    def show_ok(self, title: str, detail: str = "") -> None:
        self._set(Tone.OK, title, detail, flash=True)

    def show_warning(self, title: str, detail: str = "") -> None:
        self._set(Tone.WARNING, title, detail, flash=True)

    def show_error(self, title: str, detail: str = "") -> None:
        self._set(Tone.ERROR, title, detail, flash=True)

    def show_expired(self, title: str, detail: str = "") -> None:
        self._set(Tone.EXPIRED, title, detail, flash=True)

    def on_calm_timeout(self) -> None:
        self._restyle(self.tone, flash=False)

    def _set(self, tone: Tone, title: str, detail: str, *, flash: bool) -> None:
        self.tone = tone
        self._title.setText(title)
        self._title.setProperty("long", "true" if len(title) > LONG_TITLE else "false")
        self._detail.setText(detail)
        self._detail.setVisible(bool(detail))
        self._restyle(tone, flash=flash)
        if flash:
            self.answers += 1
            self._calm.start()
            if self._sounds is not None:
                self._sounds.play(tone)

    def _restyle(self, tone: Tone, *, flash: bool) -> None:
        self.setProperty("tone", tone.value)
        self.setProperty("flash", "true" if flash else "false")
        for widget in (self, self._stamp, self._title, self._detail):
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.update()  # painted when the scan's handling returns to the event loop, not twice
