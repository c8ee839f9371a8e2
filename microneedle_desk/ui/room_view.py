"""The treatment-room view: the running countdown(s) and the current step, legible from 2–3 m.

A part attached to the main window (like the print actions): an overlay that covers the
whole window, which goes full screen while it shows. The main window's actions stay live
underneath, so the foot-pedal key, Space and Esc work in both views (the needling keys, as
in the main view, on the Needling step only). The same part makes the needling action's
shortcut follow the ``room/pedal_key`` setting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from microneedle_desk.i18n import tr
from microneedle_desk.ui.countdown_panel import CountdownPanel
from microneedle_desk.ui.keys import NEEDLING_STEP, needling_keys_text, room_keys_text

if TYPE_CHECKING:
    from microneedle_desk.ui.main_window import MainWindow

ROOM_DIGITS_PT = 150  # about 5 cm tall on a 24" screen: readable from 3 m
ROOM_LABEL_PT = 30
BACKGROUND, FOREGROUND = "#101418", "#f5f5f5"  # explicit: the same in light and dark mode


def _big(point_size: int, bold: bool = True) -> QFont:
    font = QFont()
    font.setPointSize(point_size)
    font.setBold(bold)
    return font


class RoomView(QWidget):
    """Covers the main window while shown; toggled by the ``room/view_key`` key (F11)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("room_view")
        self.setAccessibleName(tr("Treatment-room view"))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"QWidget#room_view {{ background: {BACKGROUND}; }}"
                           f" QLabel#room_step, QLabel#room_hint, QLabel#room_note {{ color: {FOREGROUND}; }}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.step = QLabel()
        self.step.setObjectName("room_step")
        self.step.setFont(_big(40))
        self.step.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.step.setAccessibleName(tr("Current step"))
        self.alert = QLabel()
        self.alert.setObjectName("room_alert")
        self.alert.setFont(_big(36))
        self.alert.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.alert.setWordWrap(True)
        self.alert.setStyleSheet("QLabel#room_alert { background: #e0a100; color: #1a1a1a; padding: 12px;"
                                 " border-radius: 8px; }")
        self.alert.hide()
        self.countdowns = CountdownPanel(ROOM_DIGITS_PT)
        self.countdowns.setAccessibleName(tr("Countdowns"))
        self.note = QLabel()
        self.note.setObjectName("room_note")
        self.note.setFont(_big(28))
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.note.setAccessibleName(tr("Message"))
        self.hint = QLabel()
        self.hint.setObjectName("room_hint")
        self.hint.setFont(_big(14, bold=False))
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setAccessibleName(tr("Keys"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(self.step)
        layout.addWidget(self.alert)
        layout.addWidget(self.countdowns, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.hint)
        self.hide()
        self._was_maximized = False
        self._was_fullscreen = False
        # -- the part's actions: a View menu entry with its key, shown in menu and tooltip
        self.toggle_action = QAction(tr("&Treatment-room view"), window)
        self.toggle_action.setCheckable(True)
        self.toggle_action.triggered.connect(self.set_room_mode)
        view_menu = window.menuBar().addMenu(tr("&View"))
        view_menu.addAction(self.toggle_action)
        window.addAction(self.toggle_action)
        self.apply_keys()
        c = window.ctx.controller
        c.clinic_event.connect(lambda _event: self.refresh())  # the step, the alert, which countdowns
        c.ticked.connect(self.show_time)
        c.session_opened.connect(self.refresh)
        c.session_closed.connect(lambda _status: self.refresh())
        c.error.connect(lambda _field, message: self.note.setText(message) if self.isVisible() else None)
        # The view follows the window's size through an event filter on the window that is
        # installed only while the view is shown: a Python filter sees every event the window
        # gets, and PySide sets up each event class the first time one is handed to Python.

    # -- keys ---------------------------------------------------------------------------
    def apply_keys(self) -> None:
        """The room-view key and the pedal key from the settings, on both actions."""
        settings = self.window_.ctx.settings
        view_key = QKeySequence(str(settings.get("room/view_key")))
        self.toggle_action.setShortcut(view_key)
        self.toggle_action.setToolTip(tr("Full-screen treatment-room view ({toString})").format(
                                         toString=view_key.toString()))
        pedal = QKeySequence(str(settings.get("room/pedal_key")))
        needling = self.window_.needling_action
        needling.setShortcut(pedal)
        needling.setToolTip(needling_keys_text(pedal.toString()))
        toggle = getattr(self.window_.pages.built(NEEDLING_STEP), "toggle", None)  # the page's own button
        if toggle is not None:
            toggle.setToolTip(needling_keys_text(pedal.toString()))
        self.hint.setText(room_keys_text(pedal.toString(), view_key.toString()))

    # -- showing --------------------------------------------------------------------------
    def set_room_mode(self, on: bool) -> None:
        window = self.window_
        self.toggle_action.setChecked(on)
        if on == self.isVisible():
            return
        if on:
            self._was_maximized, self._was_fullscreen = window.isMaximized(), window.isFullScreen()
            window.menuBar().hide()
            window.statusBar().hide()
            self.setGeometry(window.rect())
            window.installEventFilter(self)  # keeps the view on the whole window while shown
            self.show()
            self.raise_()
            self.setFocus()
            self.note.clear()
            window.showFullScreen()
            self.refresh()
        else:
            self.hide()
            window.removeEventFilter(self)
            window.menuBar().show()
            window.statusBar().show()
            if not self._was_fullscreen:
                window.showMaximized() if self._was_maximized else window.showNormal()

    def toggle(self) -> None:
        self.set_room_mode(not self.isVisible())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window_ and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.window_.rect())
        return super().eventFilter(watched, event)

    # -- rendering ------------------------------------------------------------------------
    def show_time(self) -> None:
        """The countdowns alone, read from the clock again (each box's words set once, when made)."""
        session = self.window_.ctx.controller.session
        if not self.isVisible() or session is None:
            return
        views = session.countdowns()
        live = [v for v in views if v.state != "done"]  # a finished countdown gives way to the running one
        self.countdowns.show_views(live or views)
        for box in self.countdowns.boxes.values():
            if box.title.font().pointSize() != ROOM_LABEL_PT:  # a box just made: the room's sizes
                for label in (box.title, box.state_word):
                    label.setFont(_big(ROOM_LABEL_PT))
                box.message.setFont(_big(ROOM_LABEL_PT - 6, bold=False))

    def refresh(self) -> None:
        if not self.isVisible():
            return
        window = self.window_
        session = window.ctx.controller.session
        if session is None:
            self.step.setText(tr("No session open"))
            self.countdowns.show_views([])
        else:
            page = window.current_page()
            if self.step.text() != page.title.text():
                self.step.setText(page.title.text())
            self.show_time()
        alert_on = not window.alert_bar.isHidden()
        self.alert.setVisible(alert_on)
        if alert_on:
            self.alert.setText(window.alert_bar.text())
