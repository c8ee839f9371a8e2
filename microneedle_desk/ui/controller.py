"""The bridge between the Qt event loop and a core Session.

It owns no clinical rule: it forwards commands to the Session, turns the core's
ValidationError into an ``error`` signal with the core's own message, and schedules
refreshes. Countdown alerts are scheduled as single-shot timers at the exact deadline
the core computes (plus a short refresh tick for the display); a timer that fires late
or an event loop that stalled changes nothing, because the time shown is always
recomputed from the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from microneedle_desk.core.clock import Clock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import Patient
from microneedle_desk.core.session import Session, SessionConfig
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store.store import Store, StoreError

REFRESH_MS = 200


class SessionController(QObject):
    changed = Signal()          # the session's state changed (or time moved on)
    alert = Signal(str)         # alert kind from the core, e.g. "dwell_planned_end"
    error = Signal(str, str)    # field, message
    session_opened = Signal()
    session_closed = Signal(str)  # final status

    def __init__(self, protocol: Protocol, clock: Clock, store: Store,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.protocol, self.clock, self.store = protocol, clock, store
        self.session: Session | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(REFRESH_MS)
        self._tick.timeout.connect(self.poll)
        self._alarm = QTimer(self)
        self._alarm.setSingleShot(True)
        self._alarm.setTimerType(Qt.TimerType.PreciseTimer)
        self._alarm.timeout.connect(self.poll)
        # accounts issue (ui/sign_in.py Security sets these): the sink that saves events, and a
        # gate asked before a start or a sign-off, (command, practitioner id) -> go ahead?
        self.sink: Callable[[dict[str, Any], Any], None] = store.append_event
        self.gate: Callable[[str, str], bool] | None = None
        # asked before an override is saved, (purpose, practitioner id); raises ValidationError
        # with the reason when the practitioner did not confirm it with their PIN
        self.confirm: Callable[[str, str], None] | None = None

    # -- lifecycle ------------------------------------------------------------------
    def start(self, patient: Patient, practitioner_id: str, config: SessionConfig) -> bool:
        if self.gate is not None and not self.gate("start", practitioner_id):
            return False
        return self._call(lambda: self._open(Session.start(
            self.protocol, self.clock, self.store.device, patient, practitioner_id, config,
            sink=self.sink)))

    def resume(self, events: list[dict[str, Any]]) -> Session:
        session = Session.resume(self.protocol, self.clock, self.store.device, events,
                                 sink=self.sink)
        self._open(session)
        return session

    def _open(self, session: Session) -> None:
        self.session = session
        session.confirm_override = self._confirm_override
        self._tick.start()
        self.session_opened.emit()
        self.poll()

    def close(self) -> None:
        self._tick.stop()
        self._alarm.stop()
        status = self.session.state.status if self.session else ""
        self.session = None
        self.session_closed.emit(status)

    # -- commands -------------------------------------------------------------------
    def do(self, command: str, *args: Any, **kwargs: Any) -> bool:
        """Run ``Session.<command>(*args)``; True when it was accepted and saved."""
        session = self.session
        if session is None:
            self.error.emit("session", "No session is open.")
            return False
        if command == "sign" and self.gate is not None and not self.gate("sign", session.state.practitioner_id):
            return False
        ok = self._call(lambda: getattr(session, command)(*args, **kwargs))
        if ok:
            if session.state.status in ("signed", "abandoned"):
                self.changed.emit()
                self.close()
                return True
            self.poll()
        return ok

    def _confirm_override(self, event: dict[str, Any]) -> None:
        if self.confirm is not None:
            self.confirm("override", str(event.get("by", "")))

    def _call(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except ValidationError as exc:
            self.error.emit(exc.field, exc.message)
            return False
        except (StoreError, OSError) as exc:
            self.error.emit("store", f"The record could not be saved: {exc}")
            return False
        return True

    # -- time -----------------------------------------------------------------------
    def poll(self) -> None:
        session = self.session
        if session is None:
            return
        try:
            fired = session.poll()
        except (StoreError, OSError, ValidationError) as exc:
            self.error.emit("store", f"An alert could not be recorded: {exc}")
            fired = []
        for kind in fired:
            self.alert.emit(kind)
        wait = session.seconds_to_next_alert()
        if wait is not None:
            self._alarm.start(max(0, int(wait * 1000) + 1))
        else:
            self._alarm.stop()
        self.changed.emit()
