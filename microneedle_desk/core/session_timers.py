"""What a running session's countdowns show and which alerts are due: the numbing (dwell) and
needling countdowns read from the session's clock, and the alert events recorded when their
moment comes (a mixin of :class:`~microneedle_desk.core.session.Session`).
"""

from __future__ import annotations

from dataclasses import dataclass

from microneedle_desk.core.clock import Clock
from microneedle_desk.core.event_types import EventData, SessionEvent
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session_state import ALERT_TEXT, SessionState
from microneedle_desk.i18n import tr


@dataclass(frozen=True)
class CountdownView:
    """What a countdown shows now (for the views)."""

    key: str           # "dwell" or "needling"
    label: str
    state: str         # waiting | running | paused | ready | due | overdue | done
    elapsed: float
    remaining: float
    planned: float
    message: str


class Timers:
    """The countdowns and alerts of a session being run."""

    protocol: Protocol
    clock: Clock
    state: SessionState

    def _emit(self, kind: str, data: EventData, session_id: str | None = None) -> SessionEvent:
        raise NotImplementedError

    def countdowns(self) -> list[CountdownView]:
        s, now = self.state, self.clock.monotonic()
        views: list[CountdownView] = []
        dmin = float(self.protocol.bounds["dwell_minutes"].min) * 60
        dmax = float(self.protocol.bounds["dwell_minutes"].max) * 60
        if s.applied is not None:
            planned = float((s.dwell_planned_min or 0) * 60)
            start = s.needling_started_at()
            end = start.to_mono(self.clock) if start else now
            elapsed = max(0.0, end - s.applied.to_mono(self.clock))
            if start:
                state, msg = "done", tr("Numbing time closed when needling started.")
            elif elapsed >= dmax:
                state, msg = "overdue", tr(ALERT_TEXT["dwell_over_max"])
            elif elapsed >= planned:
                state, msg = "due", tr(ALERT_TEXT["dwell_planned_end"])
            elif elapsed >= dmin:
                state, msg = "ready", tr(ALERT_TEXT["dwell_min_reached"])
            else:
                state, msg = "running", tr("Numbing: needling allowed after {minutes} min.").format(
                    minutes=int(dmin // 60))
            views.append(CountdownView("dwell", tr("Numbing (dwell)"), state, elapsed,
                                       planned - elapsed, planned, msg))
        if s.needling_marks:
            cd = s.needling_countdown(self.clock)
            elapsed = cd.elapsed(now)
            nmin = float(self.protocol.bounds["needling_minutes"].min) * 60
            if cd.finished:
                state, msg = "done", tr("Needling finished.")
            elif cd.paused:
                state, msg = "paused", tr("Needling paused: press Space to resume.")
            elif elapsed >= cd.planned:
                state, msg = "due", tr(ALERT_TEXT["needling_planned_end"])
            elif elapsed >= nmin:
                state, msg = "ready", tr(ALERT_TEXT["needling_min_reached"])
            else:
                state, msg = "running", tr("Needling: glide in several directions.")
            views.append(CountdownView("needling", tr("Needling"), state, elapsed,
                                       cd.planned - elapsed, cd.planned, msg))
        return views

    def _thresholds(self, now: float | None = None) -> list[tuple[str, float, float]]:
        """(alert, target elapsed seconds, elapsed at ``now``, default the clock's now) for
        countdowns that are running."""
        s = self.state
        now = self.clock.monotonic() if now is None else now
        out: list[tuple[str, float, float]] = []
        if s.status != "in_progress":  # a signed or abandoned session takes no alert events
            return out
        if s.applied is not None and not s.needling_marks:
            elapsed = now - s.applied.to_mono(self.clock)
            out += [("dwell_min_reached", float(self.protocol.bounds["dwell_minutes"].min) * 60, elapsed),
                    ("dwell_planned_end", float((s.dwell_planned_min or 0) * 60), elapsed),
                    ("dwell_over_max", float(self.protocol.bounds["dwell_minutes"].max) * 60, elapsed)]
        cd = s.needling_countdown(self.clock)
        if cd.running:
            elapsed = cd.elapsed(now)
            out += [("needling_min_reached", float(self.protocol.bounds["needling_minutes"].min) * 60, elapsed),
                    ("needling_planned_end", cd.planned, elapsed)]
        return [t for t in out if t[0] not in s.alerts]

    def poll(self) -> list[str]:
        """Record every alert whose moment has come; returns the new ones."""
        return self.record_alerts(self.due_alerts())

    def due_alerts(self) -> list[str]:
        """The alerts whose moment has come and that are not recorded yet (nothing is written:
        an alert can be told before its entry is saved, see :meth:`record_alerts`)."""
        return [name for name, target, elapsed in self._thresholds() if elapsed >= target]

    def record_alerts(self, kinds: list[str]) -> list[str]:
        """Record each of these alerts not recorded yet; returns those recorded now."""
        if self.state.status != "in_progress":  # signed or abandoned meanwhile: no alert entry
            return []
        fired = [name for name in kinds if name not in self.state.alerts]
        for name in fired:
            self._emit("alert", {"kind": name})
        return fired

    def next_alert_at(self) -> float | None:
        """When the next alert falls due, as a reading of ``clock.monotonic()`` (None: none
        pending). A deadline already passed is returned as it is (the alert is due now)."""
        now = self.clock.monotonic()
        waits = [target - elapsed for _, target, elapsed in self._thresholds(now)]
        return now + min(waits) if waits else None

    def seconds_to_next_alert(self) -> float | None:
        waits = [target - elapsed for _, target, elapsed in self._thresholds()]
        return max(0.0, min(waits)) if waits else None
