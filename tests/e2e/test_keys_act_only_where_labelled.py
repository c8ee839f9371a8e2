"""The needling keys (Space, F9 / the foot pedal) act only where their labels say: on the
Needling step, and Space only when the focus is not on something that uses Space itself.

Found on a first day: Space typed into a text field, or pressed on the patient page, in the
step list or on the menu bar, recorded "needling planned" and jumped to the Needling step.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from e2e import driver

NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def needling_events(window: Any) -> list[str]:
    """The needling events the store holds for the open session (what a sheet would show)."""
    session = window.ctx.controller.session
    doc = window.ctx.store.session_doc(session.id)
    return [e["type"] for e in doc["events"] if str(e["type"]).startswith("needling")]


def press_space_and_f9(qtbot: Any, window: Any, widget: QWidget) -> None:
    """Put the focus on ``widget`` as a click would, press Space then F9, and check nothing of
    needling happened: no event recorded, no needling countdown, no move to another step."""
    step = window.stack.currentIndex()
    if not widget.hasFocus():
        widget.setFocus(Qt.FocusReason.MouseFocusReason)
    assert widget.hasFocus(), f"{widget!r} did not take the focus"
    qtbot.keyClick(widget, Qt.Key.Key_Space, NO_MODIFIER)
    qtbot.keyClick(QApplication.activePopupWidget() or widget, Qt.Key.Key_F9, NO_MODIFIER)
    leave_menus(qtbot, window)
    qtbot.wait(400)  # anything queued by the keys has its turn
    where = f"{type(widget).__name__} {widget.accessibleName()!r} on step {step}"
    assert window.stack.currentIndex() == step, f"Space/F9 in {where} moved to step {window.stack.currentIndex()}"
    assert needling_events(window) == [], f"Space/F9 in {where} recorded {needling_events(window)}"
    assert "needling" not in window.countdowns.boxes, f"Space/F9 in {where} started the needling countdown"
    assert not window.ctx.controller.session.state.needling_marks


def menu_bar_focused(qtbot: Any, window: Any) -> QWidget:
    """Alt pressed and released alone: the menu bar takes the keys (its first menu highlighted)."""
    here = QApplication.focusWidget() or window
    qtbot.keyPress(here, Qt.Key.Key_Alt, Qt.KeyboardModifier.AltModifier)
    qtbot.keyRelease(here, Qt.Key.Key_Alt, NO_MODIFIER)
    bar = window.menuBar()
    assert bar.hasFocus() and bar.activeAction() is not None, "Alt alone moves to the menu bar"
    return bar


def leave_menus(qtbot: Any, window: Any) -> None:
    """Esc until no menu is open and the menu bar gave the keys back to the window."""
    for _ in range(4):
        popup = QApplication.activePopupWidget()
        if popup is None and not window.menuBar().hasFocus():
            bring_to_front(qtbot, window)  # (the offscreen platform does not give it back by itself)
            return
        qtbot.keyClick(popup or window.menuBar(), Qt.Key.Key_Escape, NO_MODIFIER)
    raise AssertionError("a menu stayed open")


def bring_to_front(qtbot: Any, window: QWidget) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def next_step(qtbot: Any, window: Any) -> None:
    driver.click(qtbot, window.next)


# A menu opened by keys grabs the keyboard and is raised; the offscreen platform says it cannot.
@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard", "This plugin does not support raise")
def test_space_and_f9_do_nothing_off_the_needling_step_or_in_a_field_and_act_on_it(
        qtbot: Any, clinic: Any, fake_clock: Any) -> None:
    window = clinic
    driver.register_patient(qtbot, window)
    driver.start_session(qtbot, window)
    bring_to_front(qtbot, window)  # keys go to the window in front, as after the PIN prompt closes
    assert window.stack.currentIndex() == 1
    assert not window.needling_action.isEnabled(), "the menu's Start/pause needling is greyed out off its step"

    # -- the patient page: its search field, its patient list
    driver.click(qtbot, window.back)
    assert window.stack.currentIndex() == 0
    press_space_and_f9(qtbot, window, window.patient_page.search)
    press_space_and_f9(qtbot, window, window.patient_page.table)
    assert "Needling step" in window.statusBar().currentMessage(), "F9 off its step says where it works"
    next_step(qtbot, window)

    # -- screening: a text field, then answered and consented by keys (Enter confirms consent)
    screening = window.current_page()
    press_space_and_f9(qtbot, window, screening.consent_by)
    for _group, _yes, no in screening.rows.values():
        driver.click(qtbot, no)
    driver.type_into(qtbot, screening.consent_by, "Alex Demo")
    assert screening.consent_state.text().startswith("Confirmed"), "Enter in the consent field confirms it"
    next_step(qtbot, window)

    # -- anesthetic: a text field, then applied
    anesthetic = window.current_page()
    driver.type_into(qtbot, anesthetic.product, "Lidocaine 5% cream")
    press_space_and_f9(qtbot, window, anesthetic.product)
    driver.click(qtbot, anesthetic.apply_button)
    next_step(qtbot, window)

    # -- device: a text field, the step list, the menu bar
    device = window.current_page()
    driver.type_into(qtbot, device.needle, "1.2")
    driver.type_into(qtbot, device.lot, "LOT-77")
    driver.type_into(qtbot, device.expiry, "2027-06-30")
    driver.click(qtbot, device.sealed)
    driver.type_into(qtbot, device.serial, "HP-1")
    press_space_and_f9(qtbot, window, device.lot)
    press_space_and_f9(qtbot, window, window.steps)
    press_space_and_f9(qtbot, window, menu_bar_focused(qtbot, window))
    next_step(qtbot, window)

    # -- antiseptic; then the minimum dwell passes
    antiseptic = window.current_page()
    driver.click(qtbot, antiseptic.buttons["alcohol"])
    driver.pass_time(qtbot, fake_clock, 31 * 60)

    # -- the Needling step: Space still leaves a text field, the step list and the menu bar alone
    next_step(qtbot, window)
    assert window.stack.currentIndex() == 5
    assert window.needling_action.isEnabled()
    needling = window.current_page()
    for focus in (lambda: needling.early_reason, lambda: window.steps, lambda: menu_bar_focused(qtbot, window)):
        widget = focus()
        if not widget.hasFocus():
            widget.setFocus(Qt.FocusReason.MouseFocusReason)
        qtbot.keyClick(widget, Qt.Key.Key_Space, NO_MODIFIER)
        leave_menus(qtbot, window)
        assert needling_events(window) == [], f"Space in {type(widget).__name__} on the Needling step acted"
    assert window.stack.currentIndex() == 5

    # -- positive control: Space with the focus on a plain button (Next, just clicked) starts
    window.next.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.keyClick(window.next, Qt.Key.Key_Space, NO_MODIFIER)
    assert window.stack.currentIndex() == 5, "Space on the Needling step starts needling; it does not press Next"
    assert needling_events(window) == ["needling_planned", "needling_started"]
    qtbot.waitUntil(lambda: "needling" in window.countdowns.boxes)
    driver.pass_time(qtbot, fake_clock, 60)

    # -- F9 is global on this step: it pauses even with the focus in a text field
    qtbot.keyClick(needling.early_reason, Qt.Key.Key_F9, NO_MODIFIER)
    assert needling_events(window) == ["needling_planned", "needling_started", "needling_paused"]
    qtbot.waitUntil(lambda: window.countdowns.boxes["needling"].state_word.text() == "PAUSED")

    # -- and off the step again, neither key does anything
    driver.click(qtbot, window.back)
    window.next.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.keyClick(window.next, Qt.Key.Key_F9, NO_MODIFIER)
    assert needling_events(window) == ["needling_planned", "needling_started", "needling_paused"]
    assert window.stack.currentIndex() == 4
