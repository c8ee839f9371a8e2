"""The alert banner by keys: Esc takes the alert off every view that shows it, and a banner
reached with Tab is pressed with Enter like the step's own buttons, the focus going back to the step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from e2e import driver


def _on_the_needling_step(qtbot: Any, window: Any, clock: Any) -> Any:
    """A session ready to needle, on the Needling step, the window active."""
    driver.open_session_with_dwell(qtbot, window)
    driver.focus_window(qtbot, window)
    driver.click(qtbot, window.next)
    page = window.current_page()
    driver.type_into(qtbot, page.needle, "1.2")
    driver.type_into(qtbot, page.lot, "LOT-1")
    driver.type_into(qtbot, page.expiry, (clock.now().date() + timedelta(days=400)).isoformat())
    driver.click(qtbot, page.sealed)
    driver.type_into(qtbot, page.serial, "HP-1")
    driver.click(qtbot, window.next)
    driver.click(qtbot, window.current_page().buttons["alcohol"])
    driver.click(qtbot, window.next)
    driver.pass_time(qtbot, clock, 31 * 60)
    driver.click(qtbot, window.current_page().toggle)
    return window.current_page()


def test_esc_in_the_room_view_takes_the_alert_off_the_room_view_too(qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    _on_the_needling_step(qtbot, clinic, fake_clock)
    room = clinic.room_view
    room.set_room_mode(True)
    driver.pass_time(qtbot, fake_clock, 15 * 60 + 1)  # the needling's minimum: its alert
    assert room.alert.isVisible(), "the alert shows in the room view"
    QTest.keyClick(clinic.windowHandle(), Qt.Key.Key_Escape)  # the room view's keys line: "Esc: acknowledge alert"
    assert clinic.alert_bar.isHidden()
    assert room.alert.isHidden(), "acknowledged in the room view, the alert leaves the room view at once"


def test_enter_on_the_banner_reached_by_tab_acknowledges_it_and_the_focus_goes_back_to_the_step(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    page = _on_the_needling_step(qtbot, clinic, fake_clock)
    driver.pass_time(qtbot, fake_clock, 15 * 60 + 1)
    bar = clinic.alert_bar
    assert bar.isVisible()
    driver.tab_to(qtbot, bar)
    marks = list(clinic.ctx.controller.session.state.needling_marks)
    QTest.keyClick(clinic.windowHandle(), Qt.Key.Key_Return)
    assert bar.isHidden(), "Enter presses the focused banner, as it presses the step's buttons"
    assert clinic.ctx.controller.session.state.needling_marks == marks, "and needling goes on"
    focus = QApplication.focusWidget()
    assert focus is not None and page.isAncestorOf(focus), "the focus is back on the step, not on Back or Next"


def test_the_banner_is_the_tab_stop_just_before_the_page_it_lies_over(qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    page = _on_the_needling_step(qtbot, clinic, fake_clock)
    driver.pass_time(qtbot, fake_clock, 15 * 60 + 1)
    bar = clinic.alert_bar
    for index in (5, 3, 10):  # pages built early and late
        clinic.go_to(index)
        page = clinic.current_page()
        page.focus_first()
        first = QApplication.focusWidget()
        assert first is not None and page.isAncestorOf(first)
        driver.key(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
        assert QApplication.focusWidget() is bar, "Shift+Tab from the page's first field reaches the banner above it"
        driver.key(qtbot, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is first, "and Tab from the banner goes into the page"


def test_the_banner_shows_the_focus_mark_when_tab_reaches_it(qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    from microneedle_desk.ui.focus_style import mark_colour

    _on_the_needling_step(qtbot, clinic, fake_clock)
    driver.pass_time(qtbot, fake_clock, 15 * 60 + 1)
    bar = clinic.alert_bar
    mark = mark_colour(clinic.palette()).rgb()  # the colour the rest of the window marks the focus in
    edge = (bar.width() // 2, 1)  # on the banner's top border
    assert bar.grab().toImage().pixel(*edge) != mark
    driver.tab_to(qtbot, bar)
    assert bar.grab().toImage().pixel(*edge) == mark, "the focused banner wears the app's focus mark"
