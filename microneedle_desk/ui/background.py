"""Run slow work (the clinic server) in a worker thread; take its result on the window's thread.

The worker touches no Qt object: it leaves its result in a plain list that a timer of the
owning object empties on the window's thread. So a window closed (and its objects deleted)
while the network is still answering is never reached from the worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer

POLL_MS = 50


class Background(QObject):
    """Runs ``work`` in a thread and calls ``then(result, error)`` on this object's thread."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._done: list[tuple[Callable[[Any, BaseException | None], None], Any, BaseException | None]] = []
        self._running = 0
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.setTimerType(Qt.TimerType.CoarseTimer)
        self.timer.timeout.connect(self._deliver)

    @property
    def busy(self) -> bool:
        return self._running > 0

    def run(self, work: Callable[[], Any], then: Callable[[Any, BaseException | None], None], name: str) -> None:
        done = self._done  # the worker reaches this list only, never the Qt object

        def target() -> None:
            try:
                result, error = work(), None
            except Exception as exc:  # handed to ``then``, which says it
                result, error = None, exc
            done.append((then, result, error))

        self._running += 1
        threading.Thread(target=target, name=name, daemon=True).start()
        self.timer.start()

    def _deliver(self) -> None:
        while self._done:
            then, result, error = self._done.pop(0)
            self._running -= 1
            then(result, error)
        if not self._running:
            self.timer.stop()
