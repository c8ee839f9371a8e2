"""Countdown arithmetic: a countdown is a set of running segments and a planned length.

Nothing here counts timer ticks. ``elapsed`` is computed from the clock readings at which
segments started and stopped, so a late or early timer, or an event loop that stalled,
never shifts the time shown. All readings are seconds on the clock's monotonic source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from microneedle_desk.i18n import tr


@dataclass
class Countdown:
    """A countdown that can be paused: its planned length and running segments."""

    planned: float
    segments: list[tuple[float, float | None]] = field(default_factory=list)
    finished: bool = False

    @property
    def started(self) -> bool:
        return bool(self.segments)

    @property
    def running(self) -> bool:
        return bool(self.segments) and self.segments[-1][1] is None and not self.finished

    @property
    def paused(self) -> bool:
        return bool(self.segments) and not self.running and not self.finished

    def start(self, now: float) -> None:
        if self.segments or self.finished:
            raise RuntimeError("countdown already started or finished")
        self.segments.append((now, None))

    def pause(self, now: float) -> None:
        if not self.running:
            raise RuntimeError("countdown is not running")
        start, _ = self.segments[-1]
        self.segments[-1] = (start, max(now, start))

    def resume(self, now: float) -> None:
        if not self.paused:
            raise RuntimeError("countdown is not paused")
        self.segments.append((now, None))

    def finish(self, now: float) -> None:
        if self.running:
            self.pause(now)
        self.finished = True

    def elapsed(self, now: float) -> float:
        total = 0.0
        for start, end in self.segments:
            stop = now if end is None else end
            total += max(0.0, stop - start)
        return total

    def remaining(self, now: float) -> float:
        """Seconds left; negative once the planned time is over."""
        return self.planned - self.elapsed(now)

    def pauses(self) -> list[tuple[float, float]]:
        """(paused at, resumed at) for each pause between segments."""
        return [(self.segments[i][1] or 0.0, self.segments[i + 1][0])
                for i in range(len(self.segments) - 1)]

    def time_until_elapsed(self, target: float, now: float) -> float | None:
        """Seconds from ``now`` until ``elapsed`` reaches ``target``; None if not running."""
        if not self.running:
            return None
        return max(0.0, target - self.elapsed(now))


def reading(state: str, elapsed: float, remaining: float) -> tuple[str, str]:
    """What a countdown's digits show and the words that say which it is: the time left, how far
    past the planned end, or, once done, the total. (``format_clock`` of the figure, caption)"""

    if state == "done":
        return format_clock(elapsed), tr("took")
    if remaining < 0:
        return format_clock(-remaining), tr("over by")
    return format_clock(remaining), tr("left")


def format_clock(seconds: float) -> str:
    """``mm:ss`` for a countdown display; over an hour ``h:mm:ss``; negative with a plus sign.

    Remaining time is rounded up, so ``00:00`` appears only when the time is really up.
    """
    overrun = seconds < 0
    whole = math.floor(-seconds) if overrun else math.ceil(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
    return f"+{text}" if overrun else text


def format_duration(seconds: float) -> str:
    """A human duration such as ``17 min 05 s``."""
    whole = round(seconds)
    m, s = divmod(whole, 60)
    h, m = divmod(m, 60)
    if h:
        return tr("{h} h {m:02d} min").format(h=h, m=m)
    return tr("{m} min {s:02d} s").format(m=m, s=s)


TICKING_STATES = frozenset({"running", "ready", "due", "overdue"})  # a paused or finished figure stands still


def seconds_to_next_figure(state: str, remaining: float) -> float | None:
    """Seconds until a countdown's shown figure (see :func:`reading`) next changes, or None when it
    stands still (paused, done, waiting). The display is refreshed then, aligned to the figure's
    own second, rather than on a fixed beat: ``format_clock`` rounds the time left up and the time
    over up too, so the figure changes when the remaining time reaches a whole second (left), or
    just after it passes one (over)."""
    if state not in TICKING_STATES:
        return None
    if remaining > 0:
        fraction = remaining - math.floor(remaining)
        return fraction if fraction > 0 else 1.0
    over = -remaining
    return (math.ceil(over) - over) if over != math.ceil(over) else 0.0
