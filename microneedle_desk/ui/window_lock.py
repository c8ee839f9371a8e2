"""The window's lock: locked when idle or on "Lock now", it hides everything of a patient behind
the lock screen and turns off every shortcut; the signed-in person unlocks with their PIN, or
another practitioner takes the session over with theirs (recorded). The clinic holds the lock's
state and refuses entries while it is locked; this part only shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from microneedle_desk.core.accounts import Account
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.ui.lock_screen import IdleLock, LockScreen

if TYPE_CHECKING:
    from microneedle_desk.ui.main_window import MainWindow


class WindowLock(QObject):
    """Locks ``window``; ``unlocked(account)`` is told who is at the keyboard once it opens again."""

    def __init__(self, window: MainWindow, unlocked: Callable[[Account], None]) -> None:
        super().__init__(window)
        self.window, self._unlocked = window, unlocked
        ctx = window.ctx
        self.clinic = ctx.controller.clinic
        self.book = self.clinic.accounts
        self._shortcuts: list[tuple[QAction, list[QKeySequence]]] = []
        self._focus_before: QWidget | None = None
        self.lock_screen = LockScreen(window)
        self.lock_screen.hide()
        self.lock_screen.unlock_button.clicked.connect(self.unlock)
        self.lock_screen.take_over_button.clicked.connect(self.take_over)
        ctx.controller.clinic_event.connect(lambda _event: self._refresh_lock())
        ctx.controller.ticked.connect(self._lock_time)
        self.idle = IdleLock(int(ctx.settings.get("security/idle_minutes")), self._idle, self)
        # The lock screen follows the window's size through an event filter on the window that
        # is installed only while locked: a Python filter sees every event the window gets, and
        # PySide sets up each event class the first time one is handed to Python.

    def _idle(self) -> None:
        if self.clinic.enforcing and self.clinic.current is not None:
            self.lock()

    def lock(self) -> None:
        if not self.clinic.lock():
            return
        w = self.window
        self._focus_before = QApplication.focusWidget()  # given back on unlocking
        central = w.centralWidget()
        if central is not None:
            central.hide()
        w.menuBar().setEnabled(False)
        # no shortcut works while locked (views re-enable actions as they refresh, so clear the keys)
        self._shortcuts = [(a, a.shortcuts()) for a in w.actions() if a.shortcuts()]
        for action, _keys in self._shortcuts:
            action.setShortcuts([])
        self.lock_screen.setGeometry(w.rect())
        w.installEventFilter(self)  # keeps the lock screen on the whole window while locked
        self.lock_screen.show()
        self.lock_screen.raise_()
        self.lock_screen.pin.setFocus()
        self._refresh_lock()

    def _end_lock(self, account: Account) -> None:
        w = self.window
        w.removeEventFilter(self)
        self.lock_screen.hide()
        for widget in (self.lock_screen.pin, self.lock_screen.take_over_pin):
            widget.clear()
        self.lock_screen.message.clear()
        central = w.centralWidget()
        if central is not None:
            central.show()
        w.menuBar().setEnabled(True)
        for action, keys in self._shortcuts:
            action.setShortcuts(keys)
        self._shortcuts = []
        self._unlocked(account)
        self.follow_settings()
        w.refresh()
        self._give_focus_back()

    def _give_focus_back(self) -> None:
        """The focus where it was before the lock, or on the step's first field: Qt leaves it in
        the hidden PIN field, where typing would go nowhere and Space would not be the needling key."""
        before, self._focus_before = self._focus_before, None
        if before is not None and shiboken6.isValid(before) and before.isVisible() and before.isEnabled():
            before.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.window.current_page().focus_first()

    def follow_settings(self) -> None:
        """The idle time from the settings, counted from now (saved in Settings, or on unlocking)."""
        self.idle.set_minutes(int(self.window.ctx.settings.get("security/idle_minutes")))

    def _refresh_lock(self) -> None:
        if self.clinic.locked:
            others = [a for a in self.book.accounts(include_retired=False)
                      if self.clinic.current is None or a.id != self.clinic.current.id]
            self.lock_screen.show_state(self.window.ctx.controller.session, self.clinic.current, others)

    def _lock_time(self) -> None:
        """Locked, the lock screen's countdowns are the ones that tick."""
        if self.clinic.locked:
            self.lock_screen.show_countdowns(self.window.ctx.controller.session)

    def unlock(self) -> None:
        if self.clinic.current is None:
            return
        try:
            account = self.clinic.unlock(self.lock_screen.pin.pin())
        except ValidationError as exc:
            self.lock_screen.pin.clear()
            self.lock_screen.message.setText(exc.message)
            return
        self._end_lock(account)

    def take_over(self) -> None:
        """Another practitioner unlocks only by taking over the session (recorded)."""
        account_id = str(self.lock_screen.take_over_account.currentData() or "")
        pin = self.lock_screen.take_over_pin.pin()
        try:
            account = self.clinic.take_over(account_id, pin)
        except ValidationError as exc:
            self.lock_screen.take_over_pin.clear()
            self.lock_screen.message.setText(exc.message)
            return
        self._end_lock(account)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Resize and self.clinic.locked:
            self.lock_screen.setGeometry(self.window.rect())
        return False
