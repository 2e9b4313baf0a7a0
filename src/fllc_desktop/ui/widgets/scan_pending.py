"""How many of this person's scans wait to be sent, in type large enough to read on the floor.

Every scan screen shows it beside the banner. Offline it says the truth about the scans: they are
saved on this tablet and will be sent when the connection is back.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from fllc_desktop.sync.status import Connectivity, SyncStatus

_STYLE = """
QLabel { font-size: 18pt; font-weight: 700; border-radius: 8px; padding: 6px 14px; }
QLabel[state="sent"] { background: #e6f4ea; color: #0d652d; }
QLabel[state="waiting"] { background: #fef7e0; color: #7a4100; }
QLabel[state="offline"] { background: #fce8e6; color: #a50e0e; }
"""


class PendingBadge(QLabel):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(_STYLE)
        self.setMinimumHeight(44)  # a label, not a touch target: the row stays 44 px unless a button shows
        self.show_status(SyncStatus())

    def show_status(self, status: SyncStatus) -> None:
        offline = status.connectivity is Connectivity.OFFLINE
        if offline:
            text = f"Offline · {status.pending} saved here, not sent yet" if status.pending else "Offline"
            state = "offline"
        elif status.pending:
            text, state = f"{status.pending} waiting to send", "waiting"
        else:
            text, state = "All sent", "sent"
        if text != self.text():
            self.setText(text)
        if self.property("state") != state:  # re-polishing a style sheet costs the GUI thread:
            self.setProperty("state", state)  # only when the look changes (not at every status)
            self.style().unpolish(self)
            self.style().polish(self)
