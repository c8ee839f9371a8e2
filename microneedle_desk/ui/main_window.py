"""The main window: a frame that composes the countdown strip, the step list and pages.

No clinical rule lives here: it routes keys to the current page or the controller and
renders what the core says.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QEventLoop, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.session_state import ALERT_TEXT
from microneedle_desk.i18n import tr
from microneedle_desk.ui.a11y import announce
from microneedle_desk.ui.alert_bar import AlertBar
from microneedle_desk.ui.alerts import AlertSound
from microneedle_desk.ui.context import UiContext
from microneedle_desk.ui.countdown_panel import CountdownPanel
from microneedle_desk.ui.course_panel import SessionPlace, settle_gap
from microneedle_desk.ui.keys import NEEDLING_STEP, keeps_space, needling_keys_hint
from microneedle_desk.ui.pages.base import StepPage
from microneedle_desk.ui.pages.patient import PatientPage

if TYPE_CHECKING:
    from microneedle_desk.ui.pages.needling import NeedlingPage

# Classes used only once the window is in use (Space filter, abandon and close questions)
# are imported there: PySide sets up a Qt class's enums when its name is first imported.

# The step pages in protocol order, as (module under ui.pages, class). Each module is
# imported when its page is first built, so start-up imports only the patient page's.
PAGE_CLASSES: tuple[tuple[str, str], ...] = (
    ("patient", "PatientPage"), ("screening", "ScreeningPage"), ("preparation", "AnestheticPage"),
    ("preparation", "DevicePage"), ("preparation", "AntisepticPage"), ("needling", "NeedlingPage"),
    ("closing", "EndpointPage"), ("closing", "CleanupPage"), ("closing", "AdjunctPage"),
    ("closing", "SideEffectsPage"), ("closing", "AftercarePage"), ("closing", "SignoffPage"),
)


def page_class(index: int) -> type[StepPage]:
    module, name = PAGE_CLASSES[index]
    cls = getattr(importlib.import_module(f"microneedle_desk.ui.pages.{module}"), name)
    assert isinstance(cls, type) and issubclass(cls, StepPage)
    return cls


class MainWindow(QMainWindow):
    parts_attached = Signal()  # the menus' parts (see attach_parts) are in place
    first_frame = Signal()  # the window's first paint is under way (its frame follows at once)

    # The parts attached to the frame by the assembly's ``attach`` (see ui/parts.py, which
    # types them): the window imports none of them, so each may know the window.
    print_actions: Any
    security: Any
    review_menu: Any
    room_view: Any
    heartbeat: Any
    settings_actions: Any
    notifier: Any
    server_status: Any

    def __init__(self, ctx: UiContext, parts_after_first_frame: bool = False,
                 attach: Callable[[MainWindow], None] | None = None) -> None:
        """``attach`` adds the parts (accounts, printing, review, room view, settings,
        notifications); ``parts_after_first_frame``: attach them right after the window's first
        painted frame instead of now; the app starts this way and waits for them
        (wait_for_parts) before anything can be done in the window."""
        super().__init__()
        self._attach = attach
        self.ctx = ctx
        self.setWindowTitle(tr("microneedle-desk — scalp microneedling session"))
        self.sound = AlertSound(self)
        self.confirm_close = False  # the real app asks before closing mid-session
        self._flash_left = 0
        # -- countdowns and alert banner -------------------------------------------
        self.countdowns = CountdownPanel(compact=True)
        self.alert_bar = AlertBar()
        # its name is the warning it shows; what pressing it does is its description
        self.alert_bar.setToolTip(tr("Acknowledge the alert (Esc)"))
        self.alert_bar.setAccessibleDescription(tr("Press to acknowledge the alert (Esc)"))
        self.alert_bar.clicked.connect(self.acknowledge_alert)
        self.alert_bar.hide()
        # -- steps and pages ----------------------------------------------------------
        self.steps = StepList()
        self.steps.setAccessibleName(tr("Steps"))
        self.steps.setMaximumWidth(200)
        self.steps.setStyleSheet("QListWidget { font-size: 13pt; }")
        self.stack = CurrentPageStack()
        self.pages = LazyPages(ctx, self.stack, self.app_filters_paused)
        for step in ctx.protocol.steps:
            self.steps.addItem(QListWidgetItem(tr(step.title)))
        self.steps.currentRowChanged.connect(self.go_to)
        self.patient_page: PatientPage = self.pages[0]  # type: ignore[assignment]
        self.patient_page.start_requested.connect(self.start_session)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a frame around the page, not a stop of its own
        scroll.setWidget(self.stack)
        self.back = QPushButton(tr("◀ &Back"))
        self.back.setToolTip(tr("Previous step (Ctrl+PgUp)"))
        self.next = QPushButton(tr("&Next ▶"))
        self.next.setToolTip(tr("Next step (Ctrl+PgDown)"))
        self.back.clicked.connect(lambda: self.go_to(self.stack.currentIndex() - 1))
        self.next.clicked.connect(lambda: self.go_to(self.stack.currentIndex() + 1))
        self.who = QLabel()
        self.who.setWordWrap(True)  # a long name wraps rather than widening the window
        nav = QHBoxLayout()
        nav.addWidget(self.who, 1)
        nav.addWidget(self.back)
        nav.addWidget(self.next)
        right = QVBoxLayout()
        right.addWidget(scroll, 1)
        right.addLayout(nav)
        middle = QHBoxLayout()
        middle.addWidget(self.steps)
        middle.addLayout(right, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.alert_bar)
        layout.addWidget(self.countdowns)
        layout.addLayout(middle, 1)
        self.setCentralWidget(central)
        self._build_menus()
        self._parts_attached = False
        self._parts_timer = QTimer(self)  # attaches the parts right after the first frame
        self._parts_timer.setSingleShot(True)
        self._parts_timer.timeout.connect(self.attach_parts)
        self._parts_after_paint = parts_after_first_frame
        if not parts_after_first_frame:
            self.attach_parts()
        # -- wiring ---------------------------------------------------------------------
        c = ctx.controller
        c.changed.connect(self.refresh)
        c.error.connect(self.show_error)
        c.alert.connect(self.on_alert)
        c.session_closed.connect(self.on_session_closed)
        c.session_opened.connect(self.on_session_opened)
        c.session_opened.connect(self._watch_space_key)
        self._events_seen = 0  # the open session's events when the window last rendered it
        self.course_place = SessionPlace()  # "Session 4 of 12" in the header, read once per session
        self._refusal = ""  # the last refusal put on the status line
        # No event filter on the window itself: a Python filter sees every event the window
        # gets, and PySide sets up each event class the first time one is handed to Python
        # (~3 ms before the first frame). The first paint is caught in paintEvent.
        self._painted = False
        self._watching_space = False
        if c.session is not None:
            self._watch_space_key()
        self.resize(1280, 720)
        self.go_to(0)  # renders the window (go_to ends with refresh)

    def attach_parts(self) -> None:
        """The parts attached to the frame, each adding its menu and actions. Idempotent."""
        if self._parts_attached:
            return
        self._parts_attached = True
        self._parts_timer.stop()
        if self._attach is not None:
            self._attach(self)
        self.parts_attached.emit()

    def wait_for_parts(self, timeout_ms: int = 3000) -> None:
        """Run the event loop until the parts are attached after the first frame (at most
        ``timeout_ms``, e.g. when nothing is painted), then make sure they are."""
        if not self._parts_attached:
            loop = QEventLoop()
            limit = QTimer(loop)
            limit.setSingleShot(True)
            limit.timeout.connect(loop.quit)
            self.parts_attached.connect(loop.quit)
            limit.start(timeout_ms)
            loop.exec()
            self.parts_attached.disconnect(loop.quit)
        self.attach_parts()

    def _build_menus(self) -> None:
        session_menu = self.menuBar().addMenu(tr("&Session"))
        self.new_action = self._action(session_menu, tr("&New session"), QKeySequence.StandardKey.New,
                                       lambda: self.go_to(0))
        self.abandon_action = self._action(session_menu, tr("&Abandon session…"), "Ctrl+Shift+A", self.abandon)
        session_menu.addSeparator()
        self._action(session_menu, tr("&Quit"), "Ctrl+Q", self.close)  # StandardKey.Quit is empty on some platforms
        go_menu = self.menuBar().addMenu(tr("&Go"))
        self._action(go_menu, tr("&Next step"), "Ctrl+PgDown", lambda: self.go_to(self.stack.currentIndex() + 1))
        self._action(go_menu, tr("&Previous step"), "Ctrl+PgUp", lambda: self.go_to(self.stack.currentIndex() - 1))
        # Works on the Needling step only (disabled elsewhere, see refresh); a held key or
        # pedal does not repeat it.
        self.needling_action = self._action(go_menu, tr("&Start/pause needling"), "F9", self.toggle_needling)
        self.needling_action.setAutoRepeat(False)
        self.needling_action.setEnabled(False)
        self._action(go_menu, tr("&Acknowledge alert"), "Esc", self.acknowledge_alert)
        for i, step in enumerate(self.ctx.protocol.steps[:9]):
            self._action(go_menu, tr(step.title), f"Alt+{i + 1}", lambda _=False, n=i: self.go_to(n))

    def _action(self, menu: object, text: str, shortcut: object, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))  # type: ignore[call-overload]
        action.setToolTip(f"{text.replace('&', '')} ({QKeySequence(shortcut).toString()})")  # type: ignore[call-overload]
        action.triggered.connect(slot)
        menu.addAction(action)  # type: ignore[attr-defined]
        self.addAction(action)
        return action

    # -- navigation -----------------------------------------------------------------
    def go_to(self, index: int) -> None:
        index = max(0, min(len(self.pages) - 1, index))
        if self.ctx.controller.session is None and index > 0:
            self.patient_page.show_error(tr("Start a session first: choose a patient and press Start session."))
            index = 0
        self.pages[index]  # built on first visit
        opened = self.stack.currentIndex() != index
        if opened:
            left = self.pages.built(self.stack.currentIndex())
            if left is not None:
                left.leave()  # what was typed on the step is saved as it is left
            self.stack.setCurrentIndex(index)
        if self.steps.currentRow() != index:
            self.steps.blockSignals(True)
            self.steps.setCurrentRow(index)
            self.steps.blockSignals(False)
        self.refresh()
        if opened:
            self._step_opened(index)

    def _step_opened(self, index: int) -> None:
        """Say which step opened, and put the focus on its first field, unless the person is
        moving through the step list (arrow keys there go on moving through it)."""

        steps = self.ctx.protocol.steps
        announce(self, tr("Step {n} of {total}: {title}").format(n=index + 1, total=len(steps),
                                                                   title=steps[index].title))
        if QApplication.focusWidget() is not self.steps:  # (in a window not active yet: its focus on return)
            self.current_page().focus_first()

    @property
    def needling_page(self) -> NeedlingPage:
        from microneedle_desk.ui.pages.needling import NeedlingPage  # noqa: PLC0415 (kept off the start-up path until first used)

        page = self.pages[NEEDLING_STEP]
        assert isinstance(page, NeedlingPage)
        return page

    def current_page(self) -> StepPage:
        return self.pages[self.stack.currentIndex()]

    # -- session --------------------------------------------------------------------
    def start_session(self) -> None:
        page = self.patient_page
        if self.ctx.store.read_only:
            page.show_error(tr("This copy is read-only: another copy of the app holds the data."))
            return
        patient = page.selected
        if patient is None:
            page.show_error(tr("Choose a patient from the list, or register one, before starting."))
            return
        practitioner = page.practitioner_id()
        if practitioner is None:
            return
        if not settle_gap(self, self.ctx, patient):
            return
        config = self.ctx.settings.session_config(patient.indication)
        if self.ctx.controller.start(patient, practitioner, config):
            from microneedle_desk.ui.pages.preparation import DevicePage  # noqa: PLC0415 (kept off the start-up path until first used)

            last = self.ctx.store.last_needle_mm(patient.id)
            device_page = self.pages[3]
            assert isinstance(device_page, DevicePage)
            device_page.preset_needle(last if last is not None else self.ctx.settings.default_needle(
                patient.indication))
            page.reload()
            self.go_to(1)

    def abandon(self) -> None:
        if self.ctx.controller.session is None:
            return
        reason, ok = QInputDialog.getText(self, tr("Abandon session"),
                                          tr("Why is the session abandoned? (kept in the record)"))
        if ok:
            self.ctx.controller.act(lambda c: c.abandon(reason))

    def on_session_opened(self) -> None:
        """A new or resumed session: every step page starts anew, built from this session alone."""
        self.pages.forget_steps()
        self.patient_page.show_error("")
        self._events_seen = 0
        self.refresh()

    def on_session_closed(self, status: str) -> None:
        # What belonged to the session (answers, lots, notes, messages) leaves the screen with it.
        self.pages.forget_steps()
        self.alert_bar.hide()
        self.countdowns.show_views([])
        self.patient_page.reload()
        self.go_to(0)
        word = "signed and saved" if status == "signed" else "abandoned and kept"
        self.statusBar().showMessage(tr("The session was {word}.").format(word=word), 15000)

    def on_needling_step(self) -> bool:
        """Whether the needling keys act now: a session is open and its Needling step is shown."""
        return self.ctx.controller.session is not None and self.stack.currentIndex() == NEEDLING_STEP

    def toggle_needling(self) -> None:
        """Start, pause or resume needling: on the Needling step only, and never moving to it."""
        if not self.on_needling_step():
            self.say_where_needling_keys_work()
            return
        self.needling_page.toggle_needling()

    # -- rendering --------------------------------------------------------------------
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
            if self._flash_left:
                self._flash_left -= 1
            snap = session.state.patient_snapshot
            place = self.course_place.text(self.ctx, session.state)
            self.who.setText(f"{snap.get('name', '')} · {snap.get('clinic_id', '')} — "
                             f"{self.ctx.store.practitioner_name(session.state.practitioner_id)}"
                             + (f" — {place}" if place else ""))
        else:
            self.who.setText(tr("No session open."))
        self.abandon_action.setEnabled(session is not None)
        self.needling_action.setEnabled(self.on_needling_step())
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
        self.current_page().refresh(state)

    def show_error(self, field: str, message: str) -> None:
        self.current_page().show_error(message)  # the page announces it
        self._refusal = message
        self.statusBar().showMessage(message, 10000)

    def on_alert(self, kind: str) -> None:
        self.alert_bar.setText(tr("⚠ {get}   (Esc to acknowledge)").format(get=tr(ALERT_TEXT.get(kind, kind))))
        self.alert_bar.show()
        announce(self, self.alert_bar.text(), assertive=True)
        if self.ctx.settings.get("alerts/flash"):
            self._flash_left = 10
        if self.ctx.settings.get("alerts/sound"):
            self.sound.play(int(self.ctx.settings.get("alerts/volume")))

    def acknowledge_alert(self) -> None:
        self.alert_bar.hide()

    # -- keys -------------------------------------------------------------------------
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
        costs PySide its wrapper set-up (measured ~70 ms before the first frame)."""
        if self._watching_space:
            return
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            self._watching_space = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # The countdown figure takes its share of the height: full size on a tall window,
        # smaller on a short or scaled screen, so the step below keeps room for its fields.
        self.countdowns.set_digits_pt(max(20, min(44, self.height() // 16)))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            if self._parts_after_paint:
                self._parts_after_paint = False
                self._parts_timer.start(0)  # after this frame is drawn
            self.first_frame.emit()

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

    # -- size and place -----------------------------------------------------------------
    SMALL_SCREEN = (1600, 1000)  # below this (e.g. a 1366x768 laptop) the window opens maximized

    def show_placed(self) -> None:
        """Show the window where it was last closed; the first time, maximized on a small screen."""
        saved = str(self.ctx.settings.get("ui/geometry"))
        if saved and self.restoreGeometry(QByteArray.fromBase64(saved.encode("ascii"))):
            self.show()
            return
        screen = self.screen().availableGeometry()
        if screen.width() < self.SMALL_SCREEN[0] or screen.height() < self.SMALL_SCREEN[1]:
            self.showMaximized()
        else:
            self.show()

    def remember_place(self) -> None:
        self.ctx.settings.set("ui/geometry", bytes(self.saveGeometry().toBase64().data()).decode("ascii"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.WindowStateChange:
            self.ctx.controller.set_shown(not self.isMinimized())
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        for index in range(len(self.pages)):  # nothing typed is lost on closing
            page = self.pages.built(index)
            if page is not None:
                page.leave()
        session = self.ctx.controller.session
        if self.confirm_close and session is not None and session.state.status == "in_progress":
            answer = QMessageBox.question(
                self, tr("Session in progress"),
                tr("A session is in progress. Everything entered is already saved; it will be offered for "
                   "resuming at the next start. Close the app?"))
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self.confirm_close:  # the real app (not a test's or a tool's window) remembers its place
            self.remember_place()
        super().closeEvent(event)


class CurrentPageStack(QStackedWidget):
    """The step pages, asking for the room the page shown needs (a stack asks for its largest
    page's): a short step is not given the height of the tallest one, which would push its
    actions out of view and bring a scroll bar."""

    def __init__(self) -> None:
        super().__init__()
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()


class StepList(QListWidget):
    """The step list. Space in it moves nowhere: a list's type-to-find would take Space as
    the start of a step's name (the names are indented to line up with the ticked ones)."""

    def keyboardSearch(self, search: str) -> None:
        if search.strip():
            super().keyboardSearch(search)


class LazyPages:
    """The step pages, each built the first time it is needed (start-up builds only the first).

    A placeholder holds each page's place in the stack until then, so indexes never move.
    """

    def __init__(self, ctx: UiContext, stack: QStackedWidget,
                 building: Callable[[], AbstractContextManager[None]] = nullcontext) -> None:
        self.ctx, self.stack = ctx, stack
        self._building = building
        self._pages: list[StepPage | None] = [None] * len(PAGE_CLASSES)
        self._placeholders = [QWidget() for _ in PAGE_CLASSES]
        for placeholder in self._placeholders:
            stack.addWidget(placeholder)

    def __len__(self) -> int:
        return len(self._pages)

    def __getitem__(self, index: int) -> StepPage:
        page = self._pages[index]
        if page is None:
            with self._building():
                page = self._pages[index] = page_class(index)(self.ctx)
            page.settle_tab_order()
            current = self.stack.currentIndex()
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(self._placeholders[index])
            self._placeholders[index].deleteLater()
            self.stack.setCurrentIndex(current)
            session = self.ctx.controller.session
            page.refresh(session.state if session else None)
        return page

    def built(self, index: int) -> StepPage | None:
        return self._pages[index]

    def built_pages(self) -> list[StepPage]:
        return [page for page in self._pages if page is not None]

    def forget_steps(self) -> None:
        """Drop every built step page after the patient page: each is built anew, from the session
        open then, on its next visit, so nothing typed or shown for one session reaches the next."""
        current = self.stack.currentIndex()
        for index in range(1, len(self._pages)):
            page = self._pages[index]
            if page is None:
                continue
            placeholder = QWidget()
            self._placeholders[index] = placeholder
            self.stack.insertWidget(index, placeholder)
            self.stack.removeWidget(page)
            self._pages[index] = None
            page.hide()
            page.deleteLater()
        self.stack.setCurrentIndex(current)

    def __iter__(self) -> Iterator[StepPage]:
        return (self[i] for i in range(len(self)))
