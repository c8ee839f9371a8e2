"""The window's needling keys: Space, F9 or the pedal act on the Needling step only, never move
to it, and leave alone a widget where Space has a use of its own (see ui/keys.py).

A layer of the main window (ui/main_window.py builds on it): the keys are shortcuts of the
window, switched on and off as the focus, the step and the needling action change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget

from microneedle_desk.ui.context import UiContext
from microneedle_desk.ui.keys import NEEDLING_STEP, keeps_space, needling_keys_hint

if TYPE_CHECKING:
    from microneedle_desk.ui.pages.needling import NeedlingPage
    from microneedle_desk.ui.step_pages import LazyPages


class KeyedWindow(QMainWindow):
    """What the needling keys need of the window; the main window sets these up."""

    ctx: UiContext
    stack: QStackedWidget
    pages: LazyPages
    needling_action: QAction
    room_view: Any

    @property
    def needling_page(self) -> NeedlingPage:
        from microneedle_desk.ui.pages.needling import NeedlingPage  # noqa: PLC0415 (kept off the start-up path until first used)

        page = self.pages[NEEDLING_STEP]
        assert isinstance(page, NeedlingPage)
        return page

    def on_needling_step(self) -> bool:
        """Whether the needling keys act now: a session is open and its Needling step is shown."""
        return self.ctx.controller.session is not None and self.stack.currentIndex() == NEEDLING_STEP

    def toggle_needling(self) -> None:
        """Start, pause or resume needling: on the Needling step only, and never moving to it."""
        if not self.on_needling_step():
            self.say_where_needling_keys_work()
            return
        self.needling_page.toggle_needling()

    def watch_needling_keys(self) -> None:
        """Space, and the needling action's own keys where that action is off, as shortcuts of
        this window. A shortcut is looked up by Qt when a key is pressed; an event filter on the
        application would be handed every event of every widget (each paint, each blink of a
        text cursor), and PySide wraps each for Python: that was most of the window's processor
        time while a countdown ran. Which of them are on is worked out again when the focus, the
        step or the action changes (``update_needling_keys``)."""
        self.space_key = QShortcut(QKeySequence(Qt.Key.Key_Space), self)
        self.space_key.setAutoRepeat(False)  # a held Space toggles once
        self.space_key.activated.connect(self._space_pressed)
        # the needling action's keys pressed on another step: said where they work, nothing done
        self.needling_hint_keys = QShortcut(self)
        self.needling_hint_keys.setAutoRepeat(False)
        self.needling_hint_keys.activated.connect(self.say_where_needling_keys_work)
        self.needling_action.changed.connect(self.update_needling_keys)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            # to the slot without arguments: the widgets the signal names are never handed to
            # Python, so a widget destroyed before a queued call arrives (one freed by the
            # garbage collector on another thread) cannot crash the app
            app.focusChanged.connect(self.update_needling_keys)
        self.update_needling_keys()

    @Slot()
    def update_needling_keys(self) -> None:
        self.space_key.setEnabled(self.space_starts_needling())
        space = QKeySequence(Qt.Key.Key_Space)
        keys = [k for k in self.needling_action.shortcuts() if not k.isEmpty() and k != space]
        if self.needling_hint_keys.keys() != keys:
            self.needling_hint_keys.setKeys(keys)
        self.needling_hint_keys.setEnabled(self.ctx.controller.session is not None
                                           and not self.needling_action.isEnabled())

    def _space_pressed(self) -> None:
        if self.space_starts_needling():  # the focus may have moved since the keys were set
            self.needling_page.toggle_needling()

    def say_where_needling_keys_work(self) -> None:
        self.statusBar().showMessage(needling_keys_hint(), 8000)
        room = getattr(self, "room_view", None)
        if room is not None and room.isVisible():  # the status bar is hidden there
            room.note.setText(needling_keys_hint())

    def space_starts_needling(self) -> bool:
        """Space is the needling key on the Needling step, unless the focus is where Space
        has a use of its own: a text field, spin box, combo box, list (the step list among
        them), the menu bar or a menu, a box to tick (see keys.keeps_space)."""
        if not self.on_needling_step() or QApplication.activePopupWidget() is not None:
            return False
        central = self.centralWidget()
        if central is None or central.isHidden():  # locked: the lock screen shows instead
            return False
        if self._menu_bar_active():
            return False
        return not keeps_space(QApplication.focusWidget())

    def _menu_bar_active(self) -> bool:
        bar = self.menuBar()
        return bar.hasFocus() or bar.activeAction() is not None
