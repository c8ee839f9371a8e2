"""The window's rendering: what the clinic's events and the countdowns' beat change on screen.

An entry saved (a clinic event) shows the session's header, the step list, the countdowns and the
step shown again; the countdowns' beat (``SessionController.ticked``) touches the countdowns and
a time the step shows, nothing else. Unseen (minimised, not exposed) the window renders nothing,
and catches up when it can be seen again. A layer of the main window (ui/main_window.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPushButton

from microneedle_desk.clinic.events import EntrySaved
from microneedle_desk.core.session_state import ALERT_TEXT
from microneedle_desk.i18n import tr
from microneedle_desk.ui.a11y import announce
from microneedle_desk.ui.alert_bar import AlertBar
from microneedle_desk.ui.alerts import AlertSound
from microneedle_desk.ui.countdown_panel import CountdownPanel
from microneedle_desk.ui.pages.base import StepPage
from microneedle_desk.ui.window_keys import KeyedWindow

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from microneedle_desk.ui.course_panel import SessionPlace
    from microneedle_desk.ui.step_pages import StepList

FLASH_MS = 200  # an alert flashes its countdown box, colours swapped, this often for a moment


class SessionWindow(KeyedWindow):
    """What rendering needs of the window; the main window sets these up."""

    countdowns: CountdownPanel
    alert_bar: AlertBar
    sound: AlertSound
    steps: StepList
    who: QLabel
    back: QPushButton
    next: QPushButton
    abandon_action: QAction
    course_place: SessionPlace
    _events_seen: int
    _refusal: str
    _stale: bool
    _flash_left: int
    _flasher: QTimer
    _blink: int | None = None  # the text cursor's blink period while the window is unseen (blinking stopped)

    def current_page(self) -> StepPage:
        return self.pages[self.stack.currentIndex()]

    def on_clinic_event(self, event: object) -> None:
        """A change the clinic saved: the parts of the window it concerns are shown again (the
        session's header, steps and countdowns, and the step shown). A draft changes nothing
        shown: it is the text already in its field."""
        if isinstance(event, EntrySaved) and event.kind != "draft":
            if self.ctx.controller.shown:
                self.refresh()
            else:  # nobody can see it: shown when the window can be seen again
                self._stale = True

    def set_shown(self, shown: bool) -> None:
        """The window was minimised or covered (False), or can be seen again (True): unseen, it
        does no repaint work (the controller stops the countdowns' beat; the alerts keep theirs)."""
        self.ctx.controller.set_shown(shown)
        hints = QGuiApplication.styleHints()
        if not shown and self._blink is None:  # a text cursor nobody sees does not blink either
            self._blink = hints.cursorFlashTime()
            hints.setCursorFlashTime(0)
        elif shown and self._blink is not None:
            hints.setCursorFlashTime(self._blink)
            self._blink = None
        if shown and self._stale:
            self._stale = False
            self.refresh()

    def restore_blink(self) -> None:
        """The text cursor blinks again (the window closes: the setting is the application's)."""
        if self._blink is not None:
            QGuiApplication.styleHints().setCursorFlashTime(self._blink)
            self._blink = None

    def seen(self) -> bool:
        """Whether the window can be seen: not minimised, and exposed, as far as the platform tells
        (a window unmapped, on another virtual desktop, or occluded where the system reports it)."""
        handle = self.windowHandle()
        return not self.isMinimized() and (handle is None or not self.isVisible() or handle.isExposed())

    def show_time(self) -> None:
        """The countdowns' time moved on: their displays, and the step shown if it shows a time,
        read the clock again. Nothing else is touched."""
        session = self.ctx.controller.session
        if session is None or not self._time_visible():
            return
        self.countdowns.show_views(session.countdowns(), flash_on=self._flash_left % 2 == 1)
        self.current_page().show_time(session.state)

    def _time_visible(self) -> bool:
        central = self.centralWidget()
        return central is not None and not central.isHidden()  # (locked: the lock screen shows instead)

    def _flash_step(self) -> None:
        if self._flash_left:
            self._flash_left -= 1
        if not self._flash_left or not self.ctx.controller.shown:
            self._flash_left = 0
            self._flasher.stop()
        self.show_time()

    def refresh(self) -> None:
        session = self.ctx.controller.session
        state = session.state if session else None
        if session is not None:
            if len(session.state.events) > self._events_seen:
                # an entry was accepted: earlier refusals are out of date (a draft is no entry)
                if self._events_seen and any(e["type"] != "draft"
                                             for e in session.state.events[self._events_seen:]):
                    for built in self.pages.built_pages():
                        built.show_error("")
                    # (asked only after a refusal: statusBar() makes the bar, which takes room)
                    if self._refusal and self.statusBar().currentMessage() == self._refusal:
                        self.statusBar().clearMessage()  # the status line's copy of it too
                self._events_seen = len(session.state.events)
            self.countdowns.show_views(session.countdowns(), flash_on=self._flash_left % 2 == 1)
            snap = session.state.patient_snapshot
            place = self.course_place.text(self.ctx, session.state)
        self.abandon_action.setEnabled(session is not None)
        self.needling_action.setEnabled(self.on_needling_step())
        self.update_needling_keys()
        done_steps = state.completed_steps(self.ctx.protocol) if state else set()
        index = self.stack.currentIndex()
        # "Continue" past screening only once every question is answered and nothing blocks.
        steps = self.ctx.protocol.steps
        gated = steps[index].id == "screening" and "screening" not in done_steps
        self.back.setEnabled(index > 0)
        self.next.setEnabled(index < len(steps) - 1 and not gated)
        for i, step in enumerate(steps):
            done = step.id in done_steps
            item = self.steps.item(i)
            title = tr(step.title)
            text = ("✓ " if done else "   ") + title
            if item.text() != text:  # set only on a change: each setting is told to screen readers
                item.setText(text)
                # the tick said in words: a screen reader reads the step and whether it is done
                item.setData(Qt.ItemDataRole.AccessibleTextRole,
                             tr("{step}: done").format(step=title) if done else title)
        text = (f"{snap.get('name', '')} · {snap.get('clinic_id', '')} — "
                f"{self.ctx.store.practitioner_name(session.state.practitioner_id)}"
                + (f" — {place}" if place else "")) if session is not None else tr("No session open.")
        if self.who.text() != text:
            self.who.setText(text)
        self.current_page().refresh(state)

    def show_error(self, field: str, message: str) -> None:
        self.current_page().show_error(message)  # the page announces it
        self._refusal = message
        self.statusBar().showMessage(message, 10000)

    def on_alert(self, kind: str) -> None:
        if self.ctx.settings.get("alerts/sound"):  # first: it does not wait for the banner's new layout
            self.sound.play(int(self.ctx.settings.get("alerts/volume")))
        self.alert_bar.setText(tr("⚠ {get}   (Esc to acknowledge)").format(get=tr(ALERT_TEXT.get(kind, kind))))
        self.alert_bar.show()
        self.countdowns.flashing = {kind.split("_", 1)[0]}  # "dwell_planned_end": the dwell countdown
        announce(self, self.alert_bar.text(), assertive=True)
        if self.ctx.settings.get("alerts/flash") and self.ctx.controller.shown:
            self._flash_left = 10
            self._flasher.start()

    def acknowledge_alert(self) -> None:
        had_focus = self.alert_bar.hasFocus()
        self.alert_bar.hide()
        if had_focus:  # Qt would move it on to Back or Next: back to the step instead
            self.current_page().focus_first()
        room = getattr(self, "room_view", None)
        if room is not None:
            room.refresh()  # the room view shows the same alert: it goes there too
