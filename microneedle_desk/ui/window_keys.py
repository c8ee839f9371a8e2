"""The window's needling keys: Space, F9 or the pedal act on the Needling step only, never move
to it, and leave alone a widget where Space has a use of its own (see ui/keys.py).

A layer of the main window (ui/main_window.py builds on it): the app-wide key filter is the
window itself, installed when the first session opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
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
    _watching_space: bool
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

    @contextmanager
    def app_filters_paused(self) -> Iterator[None]:
        """Build widgets with no Python filter on the application: PySide 6.11 can crash
        (in shiboken's findDerivedType) when such a filter is handed an event for a widget of a
        Python class that is still inside its constructor, as a step page is while it is built."""
        app = QApplication.instance()
        filters = [f for f in self.app_filters if f is not None] if app is not None else []
        for watcher in filters:
            app.removeEventFilter(watcher)  # type: ignore[union-attr]
        try:
            yield
        finally:
            for watcher in filters:
                app.installEventFilter(watcher)  # type: ignore[union-attr]

    @property
    def app_filters(self) -> list[QObject]:
        """The objects of this window installed as filters on the whole application now."""
        watching = [self] if getattr(self, "_watching_space", False) else []
        security = getattr(self, "security", None)
        idle = getattr(getattr(security, "idle", None), "watching", None)
        return watching + ([idle] if idle is not None else [])

    def _watch_space_key(self) -> None:
        """Space toggles the countdown only while a session is open, so the app-wide key
        filter is installed when the first one opens, not at start-up: a Python filter on the
        application sees every event of every widget, and the first sight of each widget class
        costs PySide its wrapper set-up, all before the first frame."""
        if self._watching_space:
            return
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            self._watching_space = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and self.ctx.controller.session is not None and self.isActiveWindow()):
            key = event.key()
            if (key == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier.NoModifier
                    and self.space_starts_needling()):
                event.accept()
                if not event.isAutoRepeat():  # a held Space toggles once
                    self.needling_page.toggle_needling()
                return True
            if (key not in (Qt.Key.Key_Space, Qt.Key.Key_unknown) and not self.needling_action.isEnabled()
                    and QKeySequence(event.keyCombination()) in self.needling_action.shortcuts()):
                self.say_where_needling_keys_work()  # pressed on another step: it does nothing
        return super().eventFilter(watched, event)

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
