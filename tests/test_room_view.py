"""The treatment-room view and the foot-pedal key, through the real window on a fake clock."""

from __future__ import annotations

from helpers import apply_anesthetic, clear_screening, prepare_device
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from test_session_gui import register_and_start

from microneedle_desk.core.clock import FakeClock
from microneedle_desk.ui.main_window import MainWindow
from microneedle_desk.ui.room_view import ROOM_DIGITS_PT


def ready_to_needle(qtbot, win: MainWindow, clock: FakeClock) -> None:
    """A session with screening, anaesthetic and device done and the dwell minimum passed."""
    register_and_start(qtbot, win)
    session = win.ctx.controller.session
    assert session is not None
    clear_screening(session)
    apply_anesthetic(session, 30)
    prepare_device(session, clock)
    clock.advance(30 * 60)
    win.ctx.controller.poll()


def test_the_room_key_shows_and_hides_the_room_view_full_screen(qtbot, window):
    assert window.room_view.isHidden()
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.room_view.isVisible() and window.isFullScreen()
    assert window.room_view.geometry() == window.rect(), "it covers the whole window"
    window.resize(900, 600)  # e.g. the window manager refuses full screen, or the screen changes
    assert window.room_view.geometry() == window.rect() and window.width() == 900, "it follows the window"
    assert window.menuBar().isHidden()
    qtbot.keyClick(window.room_view, Qt.Key.Key_F11)
    assert window.room_view.isHidden() and not window.isFullScreen()
    assert window.menuBar().isVisible()


def test_the_room_key_is_shown_in_the_menu_and_tooltip(window):
    action = window.room_view.toggle_action
    assert action.shortcut().toString() == "F11"
    assert "F11" in action.toolTip()
    assert "F9" in window.needling_action.toolTip()


def test_room_view_shows_the_running_countdown_in_very_large_digits_and_the_step(qtbot, window, fake_clock):
    ready_to_needle(qtbot, window, fake_clock)
    window.room_view.set_room_mode(True)
    window.ctx.controller.poll()
    boxes = window.room_view.countdowns.boxes
    assert "dwell" in boxes
    assert boxes["dwell"].digits.font().pointSize() >= 120
    assert ROOM_DIGITS_PT >= 120
    assert window.room_view.step.text(), "the current step is named"
    assert window.room_view.alert.isVisible(), "the dwell alert shows in the room view too"


def test_the_pedal_key_from_the_settings_starts_and_pauses_needling_in_both_views(qtbot, window, fake_clock):
    window.ctx.settings.set("room/pedal_key", "F5")
    window.settings_actions.applied()
    assert window.needling_action.shortcut() == QKeySequence("F5")
    ready_to_needle(qtbot, window, fake_clock)
    window.go_to(5)
    state = window.ctx.controller.session.state  # type: ignore[union-attr]
    window.steps.setFocus()
    qtbot.keyClick(window.steps, Qt.Key.Key_F5)
    assert [m[0] for m in state.needling_marks] == ["started"], "the pedal starts needling in the main view"
    fake_clock.advance(60)
    window.room_view.set_room_mode(True)
    qtbot.keyClick(window.room_view, Qt.Key.Key_F5)
    state = window.ctx.controller.session.state  # type: ignore[union-attr]
    assert len(state.needling_marks) == 2, "the pedal pauses needling in the room view"
    window.ctx.controller.poll()
    assert window.room_view.countdowns.boxes["needling"].state_word.text() == "PAUSED"
    fake_clock.advance(60)
    qtbot.keyClick(window.room_view, Qt.Key.Key_F5)
    assert len(window.ctx.controller.session.state.needling_marks) == 3  # type: ignore[union-attr]
    assert window.ctx.controller.session.state.actual_needling_seconds() == 60  # type: ignore[union-attr]


def test_the_old_f9_no_longer_toggles_needling_once_the_pedal_key_changed(qtbot, window, fake_clock):
    window.ctx.settings.set("room/pedal_key", "F5")
    window.settings_actions.applied()
    ready_to_needle(qtbot, window, fake_clock)
    window.go_to(5)
    window.steps.setFocus()
    qtbot.keyClick(window.steps, Qt.Key.Key_F9)
    assert not window.ctx.controller.session.state.needling_marks  # type: ignore[union-attr]
