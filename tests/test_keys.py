"""Keys act only where their labels say: Space and the needling keys, Enter in forms."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import WINDOW_PIN, WINDOW_PRACTITIONER
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QListWidget,
    QMenuBar,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QWidget,
)
from test_room_view import ready_to_needle
from test_session_gui import fill_in

from microneedle_desk.ui.keys import NEEDLING_STEP, keeps_space


@pytest.mark.parametrize("kind", [QLineEdit, QPlainTextEdit, QSpinBox, QDateEdit, QComboBox, QListWidget,
                                  QTableView, QMenuBar, QCheckBox])
def test_space_belongs_to_fields_lists_menus_and_tick_boxes(qtbot: Any, kind: type[QWidget]) -> None:
    widget = kind()
    qtbot.addWidget(widget)
    assert keeps_space(widget)


def test_space_does_not_belong_to_a_plain_button_or_a_page(qtbot: Any) -> None:
    page = QWidget()
    button = QPushButton("Next", page)
    qtbot.addWidget(page)
    assert not keeps_space(button) and not keeps_space(page) and not keeps_space(None)


def test_an_editable_combo_boxs_own_line_edit_keeps_space(qtbot: Any) -> None:
    combo = QComboBox()
    combo.setEditable(True)
    qtbot.addWidget(combo)
    assert keeps_space(combo.lineEdit())


def test_a_held_space_on_the_needling_step_toggles_once(qtbot: Any, window: Any, fake_clock: Any) -> None:
    ready_to_needle(qtbot, window, fake_clock)
    window.go_to(NEEDLING_STEP)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.next.setFocus()
    for repeat in (False, True, True, True):  # the key goes down, then the keyboard repeats it
        QApplication.sendEvent(window.next, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Space,
                                                      Qt.KeyboardModifier.NoModifier, " ", repeat))
    state = window.ctx.controller.session.state
    assert [m[0] for m in state.needling_marks] == ["started"]
    assert window.stack.currentIndex() == NEEDLING_STEP, "Space on the Needling step does not press Next"


def test_space_does_nothing_on_a_locked_window(qtbot: Any, window: Any, fake_clock: Any) -> None:
    ready_to_needle(qtbot, window, fake_clock)
    window.go_to(NEEDLING_STEP)
    window.security.locking.lock()  # (the window fixture's account is signed in)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    button = window.security.locking.lock_screen.take_over_button
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert not window.ctx.controller.session.state.needling_marks


def test_the_needling_menu_entry_works_on_its_step_only_and_says_so(qtbot: Any, window: Any,
                                                                    fake_clock: Any) -> None:
    ready_to_needle(qtbot, window, fake_clock)
    action = window.needling_action
    assert "Needling step" in action.toolTip() and "Needling step" in window.room_view.hint.text()
    assert not action.isEnabled(), "greyed out off the Needling step"
    window.toggle_needling()  # e.g. the room view's pedal, reached some other way
    assert not window.ctx.controller.session.state.needling_marks
    assert window.stack.currentIndex() != NEEDLING_STEP, "it never moves to the Needling step"
    assert "Needling step" in window.statusBar().currentMessage()
    window.go_to(NEEDLING_STEP)
    assert action.isEnabled()
    assert "Needling step" in window.needling_page.toggle.toolTip()
    action.trigger()
    assert [m[0] for m in window.ctx.controller.session.state.needling_marks] == ["started"]


# -- Enter submits the form it is pressed in ----------------------------------------------------
def test_enter_in_any_field_of_the_register_form_registers_the_patient(qtbot: Any, window: Any) -> None:
    page = window.patient_page
    page.grade.setCurrentText("III")
    page.sex.setCurrentIndex(page.sex.findData("male"))
    fill_in(qtbot, page.name, "Alex Demo")
    fill_in(qtbot, page.clinic_id, "DEMO-1")
    fill_in(qtbot, page.dob, "1980-02-29")
    page.name.setFocus()
    qtbot.keyClick(page.name, Qt.Key.Key_Return)
    assert [p.name for p in window.ctx.store.patients()] == ["Alex Demo"]
    assert page.selected is not None and page.selected.name == "Alex Demo"
    fill_in(qtbot, page.name, "Sam Demo")
    page.sex.setFocus()
    qtbot.keyClick(page.sex, Qt.Key.Key_Return)  # a half-filled form: says what is missing, and goes there
    assert "birth" in page.error_label.text().lower()
    assert page.dob.hasFocus()
    assert [p.name for p in window.ctx.store.patients()] == ["Alex Demo"]


def test_enter_in_the_patient_search_chooses_the_first_patient_listed(qtbot: Any, window: Any) -> None:
    page = window.patient_page
    page.grade.setCurrentText("III")
    for name, clinic_id in (("Alex Demo", "DEMO-1"), ("Sam Demo", "DEMO-2")):
        page.sex.setCurrentIndex(page.sex.findData("male"))
        fill_in(qtbot, page.name, name)
        fill_in(qtbot, page.dob, "1980-02-29")
        fill_in(qtbot, page.clinic_id, clinic_id)
        qtbot.keyClick(page.clinic_id, Qt.Key.Key_Return)
    page.table.clearSelection()
    fill_in(qtbot, page.search, "sam")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.selected is not None and page.selected.name == "Sam Demo"


def test_enter_in_the_new_account_fields_adds_the_account(qtbot: Any, window: Any) -> None:
    from microneedle_desk.ui.accounts_dialog import AccountsDialog

    dialog = AccountsDialog(window.security.book, window.security.current, window)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_in(qtbot, dialog.adding.new_name, "Dr Second")
    fill_in(qtbot, dialog.adding.new_pin, "135792")
    qtbot.keyClick(dialog.adding.new_pin, Qt.Key.Key_Return)
    assert "Dr Second" in [a.name for a in window.security.book.accounts()]
    assert dialog.isVisible()


def test_enter_in_the_sign_in_pin_field_signs_in(qtbot: Any, window: Any) -> None:
    from microneedle_desk.ui.sign_in_dialog import SignInDialog

    dialog = SignInDialog(window.security.clinic, window)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_in(qtbot, dialog.pin, WINDOW_PIN)
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert dialog.result() == 1 and dialog.account is not None and dialog.account.name == WINDOW_PRACTITIONER


def test_enter_in_the_consent_field_confirms_consent(qtbot: Any, window: Any) -> None:
    from test_session_gui import register_and_start

    register_and_start(qtbot, window)
    screening = window.pages[1]
    fill_in(qtbot, screening.consent_by, "Alex Demo")
    qtbot.keyClick(screening.consent_by, Qt.Key.Key_Return)
    assert window.ctx.controller.session.state.consent_by == "Alex Demo"


def test_enter_in_the_side_effect_note_adds_the_side_effect(qtbot: Any, window: Any) -> None:
    from test_session_gui import register_and_start

    register_and_start(qtbot, window)
    window.go_to(9)
    page = window.pages[9]
    fill_in(qtbot, page.note, "settled in minutes")
    qtbot.keyClick(page.note, Qt.Key.Key_Return)
    effects = list(window.ctx.controller.session.state.side_effects.values())
    assert [e.note for e in effects] == ["settled in minutes"]
