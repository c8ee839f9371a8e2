"""The day's backup in the app: started after the first frame, followed in the status bar.

The backup and its encrypted copy run in a thread (clinic/backups.py); this part only
starts it, shows its progress and, once a second location is set, when the copy last
reached it. Every few minutes it tries again, so a drive plugged in later still gets the
day's copy; a missing or full location is only said here, never in a session's way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from microneedle_desk.i18n import tr
from microneedle_desk.ui.first_check import SETTLE_MS

if TYPE_CHECKING:
    from microneedle_desk.clinic import Clinic
    from microneedle_desk.ui.main_window import MainWindow

RETRY_MS = 10 * 60 * 1000  # a drive plugged in later gets the day's copy within this
WATCH_MS = 1000  # how often the progress is read while a backup runs


class BackupStatus(QObject):
    def __init__(self, window: MainWindow, clinic: Clinic, keep: int, start_now: bool = False) -> None:
        super().__init__(window)
        self.window, self.clinic, self.keep = window, clinic, keep
        self.label: QLabel | None = None
        self.watch = QTimer(self)
        self.watch.setInterval(WATCH_MS)
        self.watch.timeout.connect(self.show)
        self.retry = QTimer(self)
        self.retry.setInterval(RETRY_MS)
        self.retry.timeout.connect(self.start)
        self.retry.start()
        if start_now:
            self.start()
        else:
            window.parts_attached.connect(lambda: QTimer.singleShot(SETTLE_MS, self.start))

    def start(self) -> None:
        """Start today's backup (and copy) if one is due; follow it while it runs."""
        try:
            self.clinic.backups.start_daily(self.clinic.clock.now(), self.keep)
        except OSError as exc:  # the backups folder itself: said, the session goes on
            self.window.statusBar().showMessage(
                tr("Today's backup could not be started: {why}").format(why=exc.strerror or exc), 30000)
            return
        if self.clinic.backups.running():
            self.watch.start()
        self.show()

    def show(self) -> None:
        text = self.clinic.backups.status()
        if not self.clinic.backups.running():
            self.watch.stop()
        if not text and self.label is None:
            return  # no second location and nothing running: the status bar is not made for it
        if self.label is None:
            self.label = QLabel()
            self.label.setObjectName("backup_status")
            self.label.setAccessibleName(tr("Backup status"))
            self.window.statusBar().addPermanentWidget(self.label)
        if self.label.text() != text:
            self.label.setText(text)
