"""Run slow work (the clinic server) in a worker thread; take its result on the window's thread.

The worker touches no Qt object: it leaves its result in a plain list that a timer of the
owning object empties on the window's thread. So a window closed (and its objects deleted)
while the network is still answering is never reached from the worker.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer

POLL_MS = 50
EXIT_WAIT_S = 10.0  # at exit, how long a worker still talking to the server is waited for

_workers: set[threading.Thread] = set()


def _wait_for_workers() -> None:
    """At exit, let workers finish (a sync ends its batch) before the interpreter tears down the
    libraries they are inside: a daemon thread stopped mid-call in a C library can crash the exit."""
    deadline = time.monotonic() + EXIT_WAIT_S
    for thread in list(_workers):
        thread.join(timeout=max(0.0, deadline - time.monotonic()))


atexit.register(_wait_for_workers)


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
            _workers.discard(threading.current_thread())

        self._running += 1
        thread = threading.Thread(target=target, name=name, daemon=True)
        _workers.add(thread)
        thread.start()
        self.timer.start()

    def _deliver(self) -> None:
        while self._done:
            then, result, error = self._done.pop(0)
            self._running -= 1
            then(result, error)
        if not self._running:
            self.timer.stop()
