"""The lock screen and the idle lock.

Locked, the window hides its pages, menus and shortcuts; the lock screen shows only the
running countdowns (step name, time left, state) so a locked laptop still tells the
practitioner when dwell ends, and never a patient detail. Unlocking takes the PIN of the
signed-in account; another practitioner can unlock only by taking over the session
(recorded as a ``practitioner_changed`` event with reason ``taken_over`` and in the access
log). The window locks after ``security/idle_minutes`` without keyboard or mouse input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.accounts import PermissionDenied
from microneedle_desk.core.countdown import format_duration
from microneedle_desk.core.session import CountdownView, Session
from microneedle_desk.i18n import tr
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.pin_field import PinField
from microneedle_desk.ui.tick_label import TickLabel

if TYPE_CHECKING:
    from microneedle_desk.core.accounts import Account

STATE_WORDS = {"waiting": "waiting", "running": "running", "paused": "paused", "ready": "minimum reached",
               "due": "time is up", "overdue": "over the maximum", "done": "done"}


def lock_lines(session: Session | None) -> list[tuple[str, str]]:
    """(step name, time and state) for each running countdown, safe to show on a locked screen.

    Refused (PermissionDenied) for a session that is not running, or when any text would
    carry a patient detail: the lock screen shows countdowns and nothing else.
    """
    if session is None:
        return []
    if session.state.status != "in_progress":
        raise PermissionDenied(tr("The lock screen shows only the countdowns of the session in progress; this "
                                  "session is not running."))
    views: list[CountdownView] = [v for v in session.countdowns() if v.state != "done"]
    private = [str(v).strip().casefold() for v in session.state.patient_snapshot.values() if str(v).strip()]
    private = [p for p in private if len(p) >= 3]  # "III" grades and sex codes are not identifying
    lines = []
    for view in views:
        left = format_duration(abs(view.remaining))
        text = tr("{left} left").format(left=left) if view.remaining >= 0 else tr("{left} over").format(left=left)
        line = (view.label, f"{text} · {STATE_WORDS.get(view.state, view.state)}")
        shown = " ".join(line).casefold()
        if any(p in shown for p in private):
            raise PermissionDenied(tr("The lock screen cannot show this countdown: it would reveal patient details."))
        lines.append(line)
    return lines


class LockScreen(QWidget):
    """What a locked window shows: countdowns, who is signed in, PIN or take-over."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock_screen")
        self.setAutoFillBackground(True)
        self.title = QLabel(tr("Locked"))
        self.title.setStyleSheet("font-size: 22pt; font-weight: bold;")
        self.countdowns = TickLabel()  # changes every second: drawn without a new layout each time
        self.countdowns.setStyleSheet("font-size: 28pt;")
        self.who = QLabel()
        self.pin = PinField()
        self.pin.setAccessibleName(tr("PIN"))
        self.pin.setPlaceholderText(tr("PIN of the signed-in account"))
        self.unlock_button = QPushButton(tr("&Unlock"))
        self.take_over_account = QComboBox()
        self.take_over_account.setAccessibleName(tr("Take over as"))
        self.take_over_pin = PinField()
        self.take_over_pin.setAccessibleName(tr("PIN to take over"))
        self.take_over_button = QPushButton(tr("Take &over the session"))
        self.message = QLabel()
        self.message.setStyleSheet(error_style(bold=False))
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("PIN"), self.pin)
        form.addRow(self.unlock_button)
        other = QFormLayout()
        other.addRow(tr("Another practitioner"), self.take_over_account)
        other.addRow(tr("Their PIN"), self.take_over_pin)
        other.addRow(self.take_over_button)
        row = QHBoxLayout()
        row.addLayout(form)
        row.addSpacing(40)
        row.addLayout(other)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.countdowns)
        layout.addWidget(self.who)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addStretch(2)
        self.pin.returnPressed.connect(self.unlock_button.click)
        self.take_over_pin.returnPressed.connect(self.take_over_button.click)

    def show_countdowns(self, session: Session | None) -> None:
        """The countdowns' lines, set only when their text changed (they change once a second)."""
        try:
            lines = lock_lines(session)
        except PermissionDenied as exc:
            lines = []
            self.message.setText(exc.message)
        text = "\n".join(f"{label}: {text}" for label, text in lines) if lines else tr("No countdown running.")
        if self.countdowns.text() != text:
            self.countdowns.setText(text)

    def show_state(self, session: Session | None, signed_in: Account | None, others: list[Account]) -> None:
        self.show_countdowns(session)
        self.who.setText(tr("Signed in: {name}").format(name=signed_in.name) if signed_in
                         else tr("Nobody is signed in."))
        current = self.take_over_account.currentData()
        self.take_over_account.clear()
        for account in others:
            self.take_over_account.addItem(account.name, account.id)
        if current is not None:
            self.take_over_account.setCurrentIndex(max(0, self.take_over_account.findData(current)))
        has_session = session is not None and session.state.status == "in_progress"
        self.take_over_button.setText(tr("Take &over the session") if has_session else tr("S&ign in instead"))

    def all_text(self) -> str:
        """Every text this screen shows (used by tests and the accessibility check)."""
        parts: list[str] = []
        for widget in [self, *self.findChildren(QWidget)]:
            for getter in ("text", "currentText", "placeholderText", "accessibleName", "toolTip"):
                value = getattr(widget, getter, None)
                if callable(value):
                    parts.append(str(value()))
        return "\n".join(parts)


class IdleLock(QObject):
    """Calls ``on_idle`` after ``minutes`` without keyboard or mouse input to the app.

    Input is watched on the app's windows (each QWindow: the main window, a dialog, a PIN
    prompt, a review window, from the first time it has the focus), where every key, click,
    move, wheel and touch from the window system arrives before Qt hands it to a widget. Not on
    the application: a filter there is handed every event of every widget, each paint and each
    blink of a text cursor, and PySide wraps each one for Python, all the time the app is open."""

    INPUT = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
             QEvent.Type.Wheel, QEvent.Type.TouchBegin)

    def __init__(self, minutes: int, on_idle: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(on_idle)
        self.set_minutes(minutes)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self.watch_focus_window)
        self.watch_focus_window()

    @Slot()
    def watch_focus_window(self) -> None:
        """Watch the input of the window that has the focus now too (watching one twice keeps
        one watch). Read here, not taken from the signal: a window freed on another thread
        (by the garbage collector) would reach a queued call already gone."""
        window = QGuiApplication.focusWindow()
        if window is not None:
            window.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self.timer.setInterval(max(1, int(minutes)) * 60_000)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.INPUT:
            self.timer.start()  # restart the idle wait
        return False
