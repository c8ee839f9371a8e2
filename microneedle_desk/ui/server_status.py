"""Background sync with the clinic server, and its line in the status bar.

When a server is set, a sync runs after every sign-off (and abandonment) and every few
minutes. The network part runs in a worker thread, so a session never waits for it; what
was pulled is landed in the store back on this (the store's) thread. A server that is away
is said calmly in the status bar and tried again later, waiting longer each time. The bar
appears only when a server is set (on a small screen it takes room from the step page).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel

from microneedle_desk.i18n import tr, trn
from microneedle_desk.server.connection import ServerError, reason
from microneedle_desk.ui.background import Background


class ServerStatus(QObject):
    def __init__(self, window: Any) -> None:  # the MainWindow (not imported: no import circle)
        super().__init__(window)
        self.window = window
        self.server = window.ctx.controller.clinic.server
        self.label: QLabel | None = None
        self.running = False
        self.again = False  # a sign-off came while a sync ran: one more right after
        self.waiting: int | None = None  # records the server has not confirmed (None: not counted yet)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.VeryCoarseTimer)
        self.timer.timeout.connect(self.sync_now)
        self.background = Background(self)
        window.ctx.controller.session_closed.connect(self._session_closed)
        self.follow_settings()

    def follow_settings(self) -> None:
        """Start (or stop) syncing as the server setting now says."""
        review = getattr(self.window, "review_menu", None)  # its whole-clinic history needs a server
        if review is not None and "clinic_history" in review.actions:
            review.actions["clinic_history"].setEnabled(bool(self.server.dsn))
        if not self.server.dsn:
            self.timer.stop()
            if self.label is not None:
                self.label.hide()
            return
        if self.label is None:
            self.label = QLabel()
            self.label.setAccessibleName(tr("Clinic server"))
            self.window.statusBar().addPermanentWidget(self.label)
        self.label.show()
        self.show_status()
        self.timer.start(2000)  # soon after start-up, once the window is in place

    def _session_closed(self, status: str) -> None:
        if self.server.dsn and status in ("signed", "abandoned"):
            self.sync_now()

    def sync_now(self) -> None:
        if not self.server.dsn or self.window.ctx.store.read_only:
            return
        if self.running:
            self.again = True
            return
        self.running = True
        self.timer.stop()
        server, dsn = self.server, self.server.dsn

        def work() -> tuple[Any, str, int]:  # in the worker thread: no Qt object here
            result: Any = None
            why = ""
            try:
                result = server.exchange(dsn)
            except ServerError as exc:
                why = str(exc)
            except Exception as exc:  # whatever the network does, the app keeps working
                why = reason(exc)
            # counted here, off the window's thread: it reads the data folder's changed files
            return result, why, server.waiting()

        self.background.run(work, lambda answer, _error: self._done(*answer), "clinic-sync")

    def _done(self, result: Any, why: str, waiting: int) -> None:
        self.running = False
        self.waiting = waiting
        if result is None:
            self.server.failed(why)
        else:
            try:
                self.server.land(result)
            except (OSError, ValueError) as exc:
                self.server.failed(tr("What the clinic server sent could not be saved here: {why}").format(
                    why=getattr(exc, "strerror", None) or exc))
        self.show_status()
        if self.again:
            self.again = False
            self.sync_now()
        elif self.server.dsn:
            self.timer.start(int(self.server.next_wait_s() * 1000))

    def text(self) -> str:
        parts = []
        last = self.server.last_success
        if self.server.problem:
            parts.append(tr("Clinic server away: {why} Trying again in {minutes} min.").format(
                why=self.server.problem, minutes=max(1, round(self.server.next_wait_s() / 60))))
        elif last is not None:
            parts.append(tr("Synced with the clinic server at {time}").format(time=last.strftime("%H:%M")))
        else:
            parts.append(tr("Not synced with the clinic server yet"))
        if self.waiting is not None:
            parts.append(trn("{n} record waits", "{n} records wait", self.waiting).format(n=self.waiting))
        result = self.server.last_result
        if result is not None and result.clock_is_off():
            minutes = abs(round(result.clock_offset_s / 60))
            parts.append((tr("this laptop's clock is {minutes} min ahead of the server's: please set the time")
                          if result.clock_offset_s > 0 else
                          tr("this laptop's clock is {minutes} min behind the server's: please set the time")
                          ).format(minutes=minutes))
        if result is not None and result.to_review:
            parts.append(tr("{n} to review by an admin").format(n=result.to_review))
        return " · ".join(parts)

    def show_status(self) -> None:
        if self.label is not None:
            self.label.setText(self.text())
