"""The main window: a frame that composes the countdown strip, the step list and pages.

No clinical rule lives here: it routes keys to the current page or the controller and
renders what the core says (the rendering and the keys are layers of their own, below).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QEventLoop, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.i18n import tr
from microneedle_desk.ui.a11y import announce
from microneedle_desk.ui.alert_bar import AlertBar
from microneedle_desk.ui.alerts import AlertSound
from microneedle_desk.ui.context import UiContext
from microneedle_desk.ui.countdown_panel import CountdownPanel
from microneedle_desk.ui.course_panel import SessionPlace, settle_gap
from microneedle_desk.ui.exposure import ExposureWatch
from microneedle_desk.ui.pages.patient import PatientPage
from microneedle_desk.ui.step_pages import CurrentPageStack, LazyPages, StepList
from microneedle_desk.ui.window_view import FLASH_MS, SessionWindow

if TYPE_CHECKING:
    pass

# Classes used only once the window is in use (Space filter, abandon and close questions)
# are imported there: PySide sets up a Qt class's enums when its name is first imported.
# The window's layers: its needling keys (ui/window_keys.py), its rendering (ui/window_view.py);
# the step pages it holds are in ui/step_pages.py.


class MainWindow(SessionWindow):
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
        self._flasher = QTimer(self)  # runs only while an alert flashes its countdown
        self._flasher.setInterval(FLASH_MS)
        self._flasher.timeout.connect(self._flash_step)
        # -- countdowns, and the alert banner (it lies over the page, below) --------------
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
        self.pages = LazyPages(ctx, self.stack)
        for step in ctx.protocol.steps:
            self.steps.addItem(QListWidgetItem(tr(step.title)))
        self.steps.currentRowChanged.connect(self.go_to)
        self.patient_page: PatientPage = self.pages[0]  # type: ignore[assignment]
        self.patient_page.start_requested.connect(self.start_session)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a frame around the page, not a stop of its own
        scroll.setWidget(self.stack)
        self.alert_bar.float_over(scroll.viewport())  # over the page's top: showing it moves nothing
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
        layout.addWidget(self.countdowns)
        layout.addLayout(middle, 1)
        self.setCentralWidget(central)
        self._build_menus()
        self.watch_needling_keys()
        QWidget.setTabOrder(self.next, self.alert_bar)  # read before the page it lies over
        self._parts_attached = False
        self._parts_timer = QTimer(self)  # attaches the parts right after the first frame
        self._parts_timer.setSingleShot(True)
        self._parts_timer.timeout.connect(self.attach_parts)
        self._parts_after_paint = parts_after_first_frame
        if not parts_after_first_frame:
            self.attach_parts()
        # -- wiring ---------------------------------------------------------------------
        c = ctx.controller
        c.clinic_event.connect(self.on_clinic_event)
        c.ticked.connect(self.show_time)
        c.error.connect(self.show_error)
        c.alert.connect(self.on_alert)
        c.session_closed.connect(self.on_session_closed)
        c.session_opened.connect(self.on_session_opened)
        self._events_seen = 0  # the open session's events when the window last rendered it
        self._stale = False  # an entry was saved while the window could not be seen

        self.course_place = SessionPlace()  # "Session 4 of 12" in the header, read once per session
        self._refusal = ""  # the last refusal put on the status line
        # No event filter on the window itself: a Python filter sees every event the window
        # gets, and PySide sets up each event class the first time one is handed to Python,
        # all before the first frame. The first paint is caught in paintEvent.
        self._painted = False
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

    # -- size and frames ------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # The countdown figure takes its share of the height: full size on a tall window,
        # smaller on a short or scaled screen, so the step below keeps room for its fields.
        self.countdowns.set_digits_pt(max(20, min(44, self.height() // 16)))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self._exposure = ExposureWatch(self, lambda: self.set_shown(self.seen()))
            if self._parts_after_paint:
                self._parts_after_paint = False
                self._parts_timer.start(0)  # after this frame is drawn
            self.first_frame.emit()

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
            self.set_shown(self.seen())
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
        self.restore_blink()
        super().closeEvent(event)
