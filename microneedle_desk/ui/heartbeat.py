"""While a session is open, note now and then that the app is still running (Store.note_alive),
so that after a crash the interruption is counted from the last moment the app was alive."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer

if TYPE_CHECKING:
    from microneedle_desk.ui.main_window import MainWindow

BEAT_MS = 20_000  # how stale the last sign of life may be: a crash's gap is known to within this


class Heartbeat(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.ctx = window.ctx
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.VeryCoarseTimer)  # a laptop on battery: no exact wake-ups
        self.timer.setInterval(BEAT_MS)
        self.timer.timeout.connect(self.beat)
        controller = self.ctx.controller
        controller.session_opened.connect(self._opened)
        controller.session_closed.connect(lambda _status: self.timer.stop())
        if controller.session is not None:
            self._opened()

    def _opened(self) -> None:
        self.beat()
        self.timer.start()

    def beat(self) -> None:
        session = self.ctx.controller.session
        if session is None or session.state.status != "in_progress" or self.ctx.store.read_only:
            return
        with contextlib.suppress(OSError):  # only a better estimate of a crash's gap: the last entry still marks one
            self.ctx.store.note_alive(session.id)
