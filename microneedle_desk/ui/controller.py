"""The bridge between the Qt event loop and the clinic (the application layer).

It owns no rule: every command goes to :class:`~microneedle_desk.clinic.Clinic`, which
checks who may do it; the controller turns the core's ValidationError (and so
PermissionDenied) into an ``error`` signal with the core's own message, and hands the
clinic's typed events on to the views (``clinic_event``), each once the command that made it
has finished, so a view reads the state the command left. Nothing re-renders on a timer:
countdown alerts are single-shot timers at the exact deadline the core computes, and the
countdown displays alone are woken (``ticked``) when their figure changes (ui/ticker.py), and
not at all while the window cannot be seen. A timer that fires late or an event loop that
stalled changes nothing, because the time shown is always recomputed from the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QObject, Signal

from microneedle_desk.clinic import Cancelled, Clinic, ClinicEvent
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import Patient
from microneedle_desk.core.session import CountdownView, Session
from microneedle_desk.core.session_state import SessionConfig
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.store import Store, StoreError
from microneedle_desk.ui.alarm import DeadlineAlarm
from microneedle_desk.ui.ticker import CountdownTicker


class SessionController(QObject):
    ticked = Signal()           # the countdowns' time moved on: their displays read the clock again
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
        self._busy = 0  # commands under way: their events wait for the end (see _heard)
        self._heard_events: list[ClinicEvent] = []
        self.clinic.subscribe(self._heard)
        self.ticker = CountdownTicker(self._countdowns, self)
        self.ticker.beat.connect(lambda: self.poll(after_beat=True))
        self._shown = True
        self._alarm = DeadlineAlarm(clock, self)  # the next alert's own deadline (ui/alarm.py)
        self._alarm.rang.connect(self.poll)

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

    def resume(self, events: Sequence[Mapping[str, object]]) -> Session:
        session = self.clinic.resume_session(events)
        self._opened()
        return session

    def _opened(self) -> None:
        self.session_opened.emit()
        self.poll()

    def _countdowns(self) -> list[CountdownView]:
        session = self.session
        return session.countdowns() if session is not None and self._shown else []

    @property
    def shown(self) -> bool:
        """Whether the window can be seen (see set_shown): the countdown displays tick only then."""
        return self._shown

    def set_shown(self, shown: bool) -> None:
        """The window was minimised or covered (False: not exposed) or can be seen again (True).
        Unseen, the countdown displays are not woken at all, so the app does no repaint work;
        every alert still fires at its deadline from its own timer (see poll), and the
        countdowns are right again on return, being read from the clock."""
        if shown == self._shown:
            return
        self._shown = shown
        if self.session is None:
            return
        if shown:
            self.poll()
        else:
            self.ticker.stop()

    def close(self) -> None:
        self.ticker.stop()
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
                self.close()
                return True
            self.poll(tell_displays=False)  # the command's events have shown what it changed
        return ok

    def _heard(self, event: ClinicEvent) -> None:
        """An event of the clinic: told to the views now, or, during a command, once it has
        finished (the views then read the state the whole command left, and never mid-way)."""
        if self._busy:
            self._heard_events.append(event)
        else:
            self.clinic_event.emit(event)

    def _call(self, action: Callable[[], object]) -> bool:
        self._busy += 1
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
        finally:
            self._busy -= 1
            self._tell_heard()
        return True

    def _tell_heard(self) -> None:
        while not self._busy and self._heard_events:
            self.clinic_event.emit(self._heard_events.pop(0))

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
    def poll(self, after_beat: bool = False, tell_displays: bool = True) -> None:
        """Time moved on: tell the alerts now due (``alert``), then record them, set the alarm
        for the next alert's deadline and the displays' next beat, and wake the countdown
        displays (when they can be seen, and ``tell_displays``). An alert is told before its
        entry is written: the banner and the sound never wait for the disk; an entry that cannot
        be written is said right after."""
        session = self.session
        if session is None:
            return
        due = session.due_alerts()
        for kind in due:
            self.alert.emit(kind)
        if self.session is not session:  # a slot closed the session
            return
        self._busy += 1
        try:
            session.record_alerts(due)
        except (StoreError, OSError, ValidationError) as exc:
            self.error.emit("store", tr("An alert could not be recorded: {exc}").format(exc=exc))
        finally:
            self._busy -= 1
        self._tell_heard()
        if self.session is not session:
            return
        deadline = session.next_alert_at()
        if deadline is not None:  # woken early (or by a beat): the same deadline, set again
            self._alarm.set_for(deadline)
        else:
            self._alarm.stop()
        if self._shown:
            if tell_displays:
                self.ticked.emit()
            self.ticker.arm(after_beat)
