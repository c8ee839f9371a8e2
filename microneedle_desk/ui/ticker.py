"""The countdown displays' beat: one wake-up when a shown figure changes, and none otherwise.

A countdown's figure changes once a second, at a moment its remaining time fixes (see
:func:`~microneedle_desk.core.countdown.seconds_to_next_figure`); the ticker sleeps until the
first such moment among the running countdowns, so the displays change on their second and the
app wakes once a second instead of on a fixed fast beat. Paused or finished countdowns, no
session, or a window nobody can see (see :meth:`SessionController.set_shown`): no timer at all.
The ticker only wakes the displays; what they show is read from the clock then.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from microneedle_desk.core.countdown import reading, seconds_to_next_figure
from microneedle_desk.core.session import CountdownView

LATE_MS = 2  # woken this much after the change: a timer rounded to the millisecond never lands before it


class CountdownTicker(QObject):
    beat = Signal()  # a running countdown's figure has changed (or may have)

    def __init__(self, views: Callable[[], list[CountdownView]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._views = views
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.beat.emit)
        self._last: tuple[tuple[str, str], ...] = ()

    def isActive(self) -> bool:
        return self._timer.isActive()

    def interval_ms(self) -> int:
        """How far away the next beat was set (for tests and the benchmark)."""
        return self._timer.interval()

    def stop(self) -> None:
        self._timer.stop()

    def arm(self, after_beat: bool = False) -> None:
        """Set the next beat for when the first running countdown's figure changes; none when
        nothing runs. ``after_beat``: a beat that found every figure as it was (a clock that did
        not move, as a test's fake one) waits a whole second, so a standing clock never makes a
        busy loop."""
        views = self._views()
        waits = [w for v in views if (w := seconds_to_next_figure(v.state, v.remaining)) is not None]
        if not waits:
            self._timer.stop()
            self._last = ()
            return
        shown = tuple(reading(v.state, v.elapsed, v.remaining) for v in views)
        wait = max(min(waits), 1.0) if after_beat and shown == self._last else min(waits)
        self._last = shown
        self._timer.start(int(wait * 1000) + LATE_MS)
