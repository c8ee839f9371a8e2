"""A desktop notification for an alert when the app is not in front (system tray).

The banner, flash and sound in the window stay the main signal; this only reaches a
practitioner who switched to another program. Where there is no system tray (some
desktops, the offscreen platform) nothing is shown and nothing fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from microneedle_desk.core.session_state import ALERT_TEXT
from microneedle_desk.i18n import tr

if TYPE_CHECKING:
    from microneedle_desk.ui.main_window import MainWindow

SHOWN_MS = 15000


class AlertNotifier(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.tray: QSystemTrayIcon | None = None
        self.sent: list[str] = []  # what was notified, for tests and the record of this run
        window.ctx.controller.alert.connect(self.on_alert)

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def _tray(self) -> QSystemTrayIcon | None:
        if self.tray is None and self.available():
            app = QApplication.instance()
            icon = app.windowIcon() if isinstance(app, QApplication) else self.window.windowIcon()
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip("microneedle-desk")
            self.tray.messageClicked.connect(self.bring_to_front)
            self.tray.activated.connect(lambda _reason: self.bring_to_front())
            self.tray.show()
        return self.tray

    def on_alert(self, kind: str) -> None:
        if self.window.isActiveWindow():
            return
        text = tr(ALERT_TEXT.get(kind, kind))
        tray = self._tray()
        if tray is None:
            return
        tray.showMessage(tr("microneedle-desk: alert"), text, QSystemTrayIcon.MessageIcon.Warning, SHOWN_MS)
        self.sent.append(text)

    def bring_to_front(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
