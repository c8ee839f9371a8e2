"""The bridge between the Qt event loop and the clinic (the application layer).

It owns no rule: every command goes to :class:`~microneedle_desk.clinic.Clinic`, which
checks who may do it; the controller turns the core's ValidationError (and so
PermissionDenied) into an ``error`` signal with the core's own message, and schedules
refreshes. Countdown alerts are scheduled as single-shot timers at the exact deadline
the core computes (plus a short refresh tick for the display); a timer that fires late
or an event loop that stalled changes nothing, because the time shown is always
recomputed from the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from microneedle_desk.clinic import Cancelled, Clinic
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import Patient
from microneedle_desk.core.session import Session
from microneedle_desk.core.session_state import SessionConfig
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.store import Store, StoreError

REFRESH_MS = 200


class SessionController(QObject):
    changed = Signal()          # the session's state changed (or time moved on)
    alert = Signal(str)         # alert kind from the core, e.g. "dwell_planned_end"
    error = Signal(str, str)    # field, message
    session_opened = Signal()
    session_closed = Signal(str)  # final status
    clinic_event = Signal(object)  # each of the clinic's typed events (microneedle_desk.clinic.events)

    def __init__(self, protocol: Protocol, clock: Clock, store: Store,
                 parent: QObject | None = None, clinic: Clinic | None = None) -> None:
        super().__init__(parent)
        self.protocol, self.clock, self.store = protocol, clock, store
        self.clinic = clinic if clinic is not None else Clinic(store, protocol, clock)
        self.clinic.subscribe(self.clinic_event.emit)
        self._tick = QTimer(self)
        self._tick.setInterval(REFRESH_MS)
        self._tick.timeout.connect(self.poll)
        self._shown = True
        self._alarm = QTimer(self)
        self._alarm.setSingleShot(True)
        self._alarm.setTimerType(Qt.TimerType.PreciseTimer)
        self._alarm.timeout.connect(self.poll)

    @property
    def session(self) -> Session | None:
        """The clinic's open session (None when none is open)."""
        return self.clinic.session

    # -- lifecycle ------------------------------------------------------------------
    def start(self, patient: Patient, practitioner_id: str, config: SessionConfig) -> bool:
        """Start a session (the clinic asks the practitioner's PIN); False when refused or cancelled."""
        ok = self._call(lambda: self.clinic.start_session(patient, practitioner_id, config))
        if ok:
            self._opened()
        return ok

    def resume(self, events: list[dict[str, Any]]) -> Session:
        session = self.clinic.resume_session(events)
        self._opened()
        return session

    def _opened(self) -> None:
        if self._shown:
            self._tick.start()
        self.session_opened.emit()
        self.poll()

    def set_shown(self, shown: bool) -> None:
        """The window was minimised (False) or shown again (True). Minimised, the display is not
        refreshed at all, so the app does no repaint work; every alert still fires at its
        deadline from its own timer (see poll), and the countdowns are right again on return,
        being read from the clock."""
        self._shown = shown
        if self.session is None:
            return
        if shown:
            self._tick.start()
            self.poll()
        else:
            self._tick.stop()

    def close(self) -> None:
        self._tick.stop()
        self._alarm.stop()
        status = self.session.state.status if self.session else ""
        self.clinic.close_session()
        self.session_closed.emit(status)

    # -- commands -------------------------------------------------------------------
    def act(self, command: Callable[[Clinic], object]) -> bool:
        """Run one of the clinic's typed commands on the open session; True when it was accepted
        and saved. A signed or abandoned session is closed."""
        session = self.session
        if session is None:
            self.error.emit("session", tr("No session is open."))
            return False
        ok = self._call(lambda: command(self.clinic))
        if ok:
            if session.state.status in ("signed", "abandoned"):
                self.changed.emit()
                self.close()
                return True
            self.poll()
        return ok

    def _call(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except Cancelled:  # the person cancelled a PIN prompt: nothing done, nothing to say
            return False
        except ValidationError as exc:
            self.error.emit(exc.field, exc.message)
            return False
        except (StoreError, OSError) as exc:
            self.error.emit("store", tr("The record could not be saved: {exc}").format(exc=exc))
            return False
        return True

    def course_command(self, command: Callable[[Clinic], object]) -> str | None:
        """Run a clinic command on a patient's course (no session needed): None when it was
        accepted, else what the person is told ("" when they cancelled a prompt)."""
        try:
            command(self.clinic)
        except Cancelled:
            return ""
        except ValidationError as exc:
            return exc.message
        except (StoreError, OSError) as exc:
            return tr("The record could not be saved: {why}").format(why=exc)
        return None

    # -- time -----------------------------------------------------------------------
    def poll(self) -> None:
        session = self.session
        if session is None:
            return
        try:
            fired = session.poll()
        except (StoreError, OSError, ValidationError) as exc:
            self.error.emit("store", tr("An alert could not be recorded: {exc}").format(exc=exc))
            fired = []
        for kind in fired:
            self.alert.emit(kind)
        wait = session.seconds_to_next_alert()
        if wait is not None:
            self._alarm.start(max(0, int(wait * 1000) + 1))
        else:
            self._alarm.stop()
        self.changed.emit()
