"""A first day by keyboard alone: first start, patient, the twelve steps, signing, the sheet as
PDF, an export, History and back. Every key goes to the widget that has the focus (Tab, Space,
Enter, arrows, shortcuts); nothing is clicked and no field is focused by the test."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from e2e import driver
from e2e.driver import (
    CLINIC,
    NAME,
    PIN,
    answer_next_dialog,
    fill,
    focused,
    key,
    pass_time,
    pick_by_keys,
    press_by_keys,
    radio_by_keys,
    tab_to,
    type_pin_by_keys,
)

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def first_start_by_keys(dialog: QDialog) -> None:
    """The first-start screen opens with the clinic's name focused; Tab goes down its fields."""
    activate(dialog)
    for text in (CLINIC, NAME, PIN, PIN):
        widget = QApplication.focusWidget()
        assert widget is not None and dialog.isAncestorOf(widget)
        driver.QTest_keyClicks(widget, text)
        driver.QTest_keyClick(widget, Qt.Key.Key_Tab)
    driver.QTest_keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # type: ignore[arg-type]


def activate(dialog: QDialog) -> None:
    """What the window manager does for a dialog that opens (offscreen Qt leaves it inactive)."""
    dialog.activateWindow()
    for _ in range(50):
        QApplication.processEvents()
        if QApplication.activeWindow() is dialog:
            return
    raise AssertionError("the dialog never became the active window")


def next_step(qtbot: Any, window: Any) -> None:
    before = window.stack.currentIndex()
    key(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert window.stack.currentIndex() == before + 1, window.current_page().error_label.text()
    assert window.current_page().isAncestorOf(focused()), "the focus lands on the opened step"


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen has no window stack
def test_a_whole_first_day_is_done_by_keyboard_alone(qtbot: Any, app: Any, fake_clock: Any,
                                                      tmp_path: Path) -> None:
    from microneedle_desk.app import greet

    answer_next_dialog(qtbot, first_start_by_keys)
    assert greet(app), "the first start was completed by keys"
    driver.focus_window(qtbot, app)
    page = app.patient_page

    # -- a new patient and the session's start ---------------------------------------------
    fill(qtbot, page.name, "Alex Demo")
    fill(qtbot, page.dob, "1980-02-29")
    fill(qtbot, page.clinic_id, "DEMO-1")
    pick_by_keys(qtbot, page.sex, "Female")
    pick_by_keys(qtbot, page.indication, "Male-pattern androgenetic alopecia")
    if page.grade.isEditable():
        fill(qtbot, page.grade.lineEdit(), "III")
    else:
        pick_by_keys(qtbot, page.grade, "III")
    press_by_keys(qtbot, driver.button(page, "Register"))
    assert page.error_label.isHidden(), page.error_label.text()
    answer_next_dialog(qtbot, type_pin_by_keys(PIN))
    press_by_keys(qtbot, page.start_button)
    driver.focus_window(qtbot, app)  # the window manager gives the window back once the prompt closed
    assert app.stack.currentIndex() == 1, page.error_label.text()
    assert app.current_page().isAncestorOf(focused()), "the focus lands on the Screening step"

    # -- Screening -----------------------------------------------------------------------------
    screening = app.current_page()
    for _group, _yes, no in screening.rows.values():
        if no.isEnabled():
            radio_by_keys(qtbot, no)
    fill(qtbot, screening.consent_by, "Alex Demo", enter=True)
    press_by_keys(qtbot, screening.consent_button)
    next_step(qtbot, app)

    # -- Anesthetic, device, antiseptic ------------------------------------------------------
    anesthetic = app.current_page()
    fill(qtbot, anesthetic.product, "Lidocaine 5% cream", enter=True)
    fill(qtbot, anesthetic.planned, "30", enter=True)
    press_by_keys(qtbot, anesthetic.apply_button)
    assert "dwell" in app.countdowns.boxes
    next_step(qtbot, app)
    device = app.current_page()
    fill(qtbot, device.needle, "1.2", enter=True)
    fill(qtbot, device.lot, "LOT-77", enter=True)
    fill(qtbot, device.expiry, (fake_clock.now().date() + timedelta(days=400)).isoformat(), enter=True)
    press_by_keys(qtbot, device.sealed)
    fill(qtbot, device.serial, "HP-1", enter=True)
    next_step(qtbot, app)
    radio_by_keys(qtbot, app.current_page().buttons["alcohol"])
    next_step(qtbot, app)

    # -- Needling: F9 starts it, the boxes and buttons by Tab and Space ------------------------
    pass_time(qtbot, fake_clock, 31 * 60)
    key(qtbot, Qt.Key.Key_Escape)  # acknowledges the dwell's alert
    needling = app.current_page()
    key(qtbot, Qt.Key.Key_F9)
    assert needling.error_label.isHidden(), needling.error_label.text()
    pass_time(qtbot, fake_clock, 15 * 60)
    key(qtbot, Qt.Key.Key_Escape)
    for zone in ("frontal", "mid_scalp", "vertex"):
        press_by_keys(qtbot, needling.zone_boxes[zone])
    press_by_keys(qtbot, needling.direction_boxes["longitudinal"])
    press_by_keys(qtbot, needling.record)
    press_by_keys(qtbot, needling.finish)
    assert needling.error_label.isHidden(), needling.error_label.text()
    next_step(qtbot, app)

    # -- Endpoint to aftercare -------------------------------------------------------------------
    press_by_keys(qtbot, app.current_page().boxes["pinpoint_bleeding"])
    next_step(qtbot, app)
    cleanup = app.current_page()
    press_by_keys(qtbot, cleanup.washed)
    fill(qtbot, cleanup.product, "Fusidic acid cream", enter=True)
    next_step(qtbot, app)
    adjunct = app.current_page()
    radio_by_keys(qtbot, adjunct.buttons["minoxidil"])
    fill(qtbot, adjunct.mx_product, "Regaine Extra Strength", enter=True)
    pick_by_keys(qtbot, adjunct.mx_form, "Foam")
    pick_by_keys(qtbot, adjunct.mx_strength, "5 %")
    next_step(qtbot, app)
    press_by_keys(qtbot, app.current_page().none)
    next_step(qtbot, app)
    aftercare = app.current_page()
    press_by_keys(qtbot, aftercare.given)
    radio_by_keys(qtbot, aftercare.roller_no)
    fill(qtbot, aftercare.next_date, (fake_clock.now().date() + timedelta(days=28)).isoformat(), enter=True)
    next_step(qtbot, app)

    # -- Sign-off --------------------------------------------------------------------------------
    signoff = app.current_page()
    assert signoff.readiness.text() == "Ready to sign.", signoff.missing.text()
    answer_next_dialog(qtbot, type_pin_by_keys(PIN))
    press_by_keys(qtbot, signoff.sign)
    driver.focus_window(qtbot, app)
    assert app.ctx.controller.session is None, "the session was signed by keys"

    # -- The sheet on paper: File › Save as PDF by its shortcut; the file dialog is answered
    # with the name a person would type there ---------------------------------------------------
    sheet = tmp_path / "sheet.pdf"
    answer_next_dialog(qtbot, driver.save_file_as(str(sheet)))
    key(qtbot, Qt.Key.Key_D, CTRL | SHIFT)
    qtbot.waitUntil(sheet.exists)
    assert sheet.read_bytes().startswith(b"%PDF"), "the signed session's sheet was saved by keys"

    # -- Export: Review › Export sessions by its shortcut, the format chosen by arrow keys, Save by
    # Enter, and the message that follows closed by Enter ---------------------------------------
    export = tmp_path / "sessions.csv"
    said: list[str] = []

    def close_message(dialog: QDialog) -> None:
        activate(dialog)
        said.append(dialog.text())  # type: ignore[attr-defined]
        key(qtbot, Qt.Key.Key_Return)

    def name_file(dialog: QDialog) -> None:
        answer_next_dialog(qtbot, close_message)
        driver.save_file_as(str(export))(dialog)

    def export_by_keys(dialog: QDialog) -> None:
        from PySide6.QtWidgets import QComboBox

        activate(dialog)
        combo = dialog.findChild(QComboBox)
        assert combo is not None
        pick_by_keys(qtbot, combo, combo.itemText(combo.findText("CSV", Qt.MatchFlag.MatchStartsWith)))
        answer_next_dialog(qtbot, name_file)
        key(qtbot, Qt.Key.Key_Return)  # the dialog's default button: Save

    answer_next_dialog(qtbot, export_by_keys)
    driver.focus_window(qtbot, app)
    key(qtbot, Qt.Key.Key_E, CTRL | SHIFT)
    qtbot.waitUntil(lambda: bool(said))
    assert export.exists() and export.read_text(encoding="utf-8").count("\n") >= 2, said
    driver.focus_window(qtbot, app)

    # -- History: Tab goes round it without a trap, Esc closes it --------------------------------
    key(qtbot, Qt.Key.Key_H, CTRL | SHIFT)
    history = app.review_menu.windows[-1]
    qtbot.waitExposed(history)
    history.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is history)
    qtbot.waitUntil(lambda: history.model.rowCount() == 1)
    tab_to(qtbot, history.date_from)
    tab_to(qtbot, history.table)  # out of the date fields and on, by Tab alone
    tab_to(qtbot, history.search)  # and round again
    key(qtbot, Qt.Key.Key_Escape)
    assert not history.isVisible(), "Esc closes History"
