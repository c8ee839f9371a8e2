"""A person at the keyboard: keys and clicks on what the window shows, nothing else.

The end-to-end tests start the app as ``microneedle-desk`` does (fixtures in conftest.py)
and use these helpers to act on it. A helper only types, clicks or answers the dialog a
person would see; it never calls into the session or the store to set something up.

A dialog shown with ``exec()`` blocks the caller until it closes, so the answer to the
next dialog is arranged *before* the action that opens it::

    answer_next_dialog(qtbot, enter_pin(PIN))
    click(qtbot, window.patient_page.start_button)     # returns once the PIN prompt closed
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

CLINIC = "Demo Dermatology Clinic (sample)"
NAME = "Dr Demo"
PIN = "246810"

Handler = Callable[[QDialog], None]


# -- keys and clicks ---------------------------------------------------------------------
def type_into(qtbot: Any, edit: QLineEdit, text: str, *, enter: bool = True) -> None:
    """Focus the field as a click would, select what is in it, type over it, then Enter."""
    edit.setFocus(Qt.FocusReason.MouseFocusReason)
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
    if enter:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def click(qtbot: Any, widget: QWidget) -> None:
    """Click where a person would: on the box of a check box or radio button, else the middle."""
    assert widget.isVisible(), f"{widget!r} is not on screen"
    assert widget.isEnabled(), f"{widget!r} is greyed out"
    if isinstance(widget, (QCheckBox, QRadioButton)):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def choose(qtbot: Any, combo: QComboBox, text: str) -> None:
    """Pick the entry whose text is ``text`` by keys: focus the box, then arrow down to it."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered; offered: {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setFocus(Qt.FocusReason.TabFocusReason)
    key = Qt.Key.Key_Down if index > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != index:
        qtbot.keyClick(combo, key)


def button(parent: QWidget, text: str) -> QAbstractButton:
    """The visible button whose text (without its mnemonic '&') contains ``text``."""
    found = [b for b in parent.findChildren(QAbstractButton) if text in b.text().replace("&", "")
             and b.isVisible()]
    assert found, f"no visible button reading {text!r}"
    return found[0]


# -- modal dialogs ----------------------------------------------------------------------------
def answer_next_dialog(qtbot: Any, handle: Handler, timeout_s: float = 10.0) -> list[QDialog]:
    """Run ``handle(dialog)`` on the next modal dialog that opens (another than the one open now).

    Returns a list that holds the dialog once it was handled. If ``handle`` fails, the dialog
    is closed (so the blocked ``exec()`` returns) and the error reaches the test through
    pytest-qt's capture of exceptions raised in Qt callbacks."""
    before = QApplication.activeModalWidget()
    deadline = time.monotonic() + timeout_s
    seen: list[QDialog] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog) and dialog is not before and dialog.isVisible():
            seen.append(dialog)
            try:
                handle(dialog)
            except BaseException:
                dialog.reject()
                raise
            return
        if time.monotonic() < deadline:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen


def fields(dialog: QWidget) -> list[QLineEdit]:
    """The dialog's text fields that a person can type in, top to bottom."""
    edits = [e for e in dialog.findChildren(QLineEdit) if e.isVisible() and e.isEnabled() and not e.isReadOnly()]
    return sorted(edits, key=lambda e: e.mapTo(dialog, QPoint(0, 0)).y())


def enter_pin(pin: str) -> Handler:
    """Answer a PIN prompt: type the PIN into its field and press Enter."""

    def handle(dialog: QDialog) -> None:
        edit = fields(dialog)[0]
        edit.setFocus()
        QTest_keyClicks(edit, pin)
        QTest_keyClick(edit, Qt.Key.Key_Return)

    return handle


def press(label: str) -> Handler:
    """Answer a dialog by clicking its button reading ``label``."""

    def handle(dialog: QDialog) -> None:
        button(dialog, label).click()

    return handle


def first_start(clinic: str = CLINIC, name: str = NAME, pin: str = PIN, again: str | None = None) -> Handler:
    """Fill the first-start screen by keys (clinic, your name, PIN twice) and press Enter."""

    def handle(dialog: QDialog) -> None:
        clinic_edit, name_edit, pin_edit, again_edit = fields(dialog)[:4]
        for edit, text in ((clinic_edit, clinic), (name_edit, name), (pin_edit, pin),
                           (again_edit, pin if again is None else again)):
            edit.setFocus()
            QTest_keyClicks(edit, text)
        QTest_keyClick(again_edit, Qt.Key.Key_Return)

    return handle


def save_file_as(path: str) -> Handler:
    """Answer a save-file dialog with ``path``. Qt's own file dialog (not the app's) follows
    typed paths with directory look-ups of its own, so the name is chosen through its API."""

    def handle(dialog: QDialog) -> None:
        assert isinstance(dialog, QFileDialog), f"expected a file dialog, got {dialog!r}"
        dialog.selectFile(path)
        dialog.accept()

    return handle


def QTest_keyClicks(widget: QWidget, text: str) -> None:
    from PySide6.QtTest import QTest

    QTest.keyClicks(widget, text)


def QTest_keyClick(widget: QWidget, key: Qt.Key) -> None:
    from PySide6.QtTest import QTest

    QTest.keyClick(widget, key)


# -- a person's errands -----------------------------------------------------------------------
def register_patient(qtbot: Any, window: Any, name: str = "Alex Demo", dob: str = "1980-02-29",
                     clinic_id: str = "DEMO-1", indication: str = "Male-pattern androgenetic alopecia",
                     grade: str = "III", sex: str = "Female") -> None:
    """Type a new patient into the register form and press Register; the patient is then chosen."""
    page = window.patient_page
    type_into(qtbot, page.name, name, enter=False)
    type_into(qtbot, page.dob, dob, enter=False)
    type_into(qtbot, page.clinic_id, clinic_id, enter=False)
    choose(qtbot, page.sex, sex)
    if page.indication.currentText() != indication:
        choose(qtbot, page.indication, indication)
    if page.grade.isEditable():
        type_into(qtbot, page.grade.lineEdit(), grade, enter=False)
    else:
        choose(qtbot, page.grade, grade)
    click(qtbot, button(page, "Register"))
    assert page.error_label.isHidden(), page.error_label.text()


def start_session(qtbot: Any, window: Any, pin: str = PIN) -> None:
    """Press Start session for the chosen patient and answer the PIN prompt."""
    answer_next_dialog(qtbot, enter_pin(pin))
    click(qtbot, window.patient_page.start_button)


def sign(qtbot: Any, window: Any, pin: str = PIN) -> None:
    """On the Sign-off step: press Sign and answer the PIN prompt."""
    page = window.current_page()
    answer_next_dialog(qtbot, enter_pin(pin))
    click(qtbot, page.sign)


def pass_time(qtbot: Any, clock: Any, seconds: float) -> None:
    """Let ``seconds`` pass on the fake clock, then let the window's own countdown timer show it
    (and fire the alerts now due): its next beat, within a second, while a countdown runs."""
    clock.advance(seconds)
    controllers = {id(c): c for w in QApplication.topLevelWidgets()
                   if (c := getattr(getattr(w, "ctx", None), "controller", None)) is not None}
    for controller in controllers.values():
        if controller.ticker.isActive():
            with qtbot.waitSignal(controller.ticked, timeout=3000):
                pass
    qtbot.wait(20)


def open_app(qtbot: Any, clock: Any) -> tuple[Any, Any]:
    """The app as ``microneedle-desk`` opens it on the current data folder (the window shown,
    its parts attached after the first frame, sound off); returns the window and its lock."""
    from microneedle_desk.app import build_window

    window, lock = build_window(clock, interactive=False, parts_after_first_frame=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.wait_for_parts()
    window.ctx.settings.set("alerts/sound", False)
    return window, lock


def screen(qtbot: Any, window: Any, consent_by: str = "Alex Demo") -> None:
    """On the Screening step: every question asked answered No, consent confirmed, on to the next step."""
    page = window.current_page()
    for _group, _yes, no in page.rows.values():
        if no.isEnabled():
            click(qtbot, no)
    type_into(qtbot, page.consent_by, consent_by)
    click(qtbot, page.consent_button)
    click(qtbot, window.next)


def walk_session(qtbot: Any, window: Any, clock: Any, *, consent_by: str = "Alex Demo",
                 anesthetic: str = "Lidocaine 5% cream", lot: str = "LOT-77", serial: str = "HP-1",
                 cleanup_product: str = "Fusidic acid cream") -> None:
    """Walk an open session from Screening to the Sign-off step by keys and clicks, inside the
    protocol (no deviation): every answer No, 30 min dwell, 1.2 mm, 15 min of needling."""
    screen(qtbot, window, consent_by)

    page = window.current_page()
    type_into(qtbot, page.product, anesthetic)
    type_into(qtbot, page.planned, "30")
    click(qtbot, page.apply_button)
    click(qtbot, window.next)

    page = window.current_page()
    type_into(qtbot, page.needle, "1.2")
    type_into(qtbot, page.lot, lot)
    type_into(qtbot, page.expiry, (clock.now().date() + timedelta(days=400)).isoformat())
    click(qtbot, page.sealed)
    type_into(qtbot, page.serial, serial)
    click(qtbot, window.next)

    click(qtbot, window.current_page().buttons["alcohol"])
    click(qtbot, window.next)

    pass_time(qtbot, clock, 31 * 60)
    page = window.current_page()
    click(qtbot, page.toggle)
    pass_time(qtbot, clock, 15 * 60)
    for zone in ("frontal", "mid_scalp", "vertex"):
        click(qtbot, page.zone_boxes[zone])
    click(qtbot, page.direction_boxes["longitudinal"])
    page.passes.setFocus()
    page.passes.selectAll()
    qtbot.keyClicks(page.passes, "4")
    click(qtbot, button(page, "passes"))
    click(qtbot, page.finish)
    click(qtbot, window.next)
    close_out(qtbot, window, clock, cleanup_product=cleanup_product)


def close_out(qtbot: Any, window: Any, clock: Any, *, cleanup_product: str = "Fusidic acid cream") -> None:
    """From the Endpoint step to the Sign-off step, inside the protocol: pinpoint bleeding, blood
    washed and a cream, minoxidil 5 % foam, no side effects, aftercare given, no home roller."""
    click(qtbot, window.current_page().boxes["pinpoint_bleeding"])
    click(qtbot, window.next)
    page = window.current_page()
    click(qtbot, page.washed)
    type_into(qtbot, page.product, cleanup_product)
    click(qtbot, window.next)
    page = window.current_page()
    type_into(qtbot, page.mx_product, "Regaine Extra Strength")
    choose(qtbot, page.mx_form, "Foam")
    choose(qtbot, page.mx_strength, "5 %")
    click(qtbot, page.buttons["minoxidil"])
    click(qtbot, window.next)
    click(qtbot, window.current_page().none)
    click(qtbot, window.next)
    page = window.current_page()
    click(qtbot, page.given)
    click(qtbot, page.roller_no)
    type_into(qtbot, page.next_date, (clock.now().date() + timedelta(days=28)).isoformat())
    click(qtbot, window.next)


def focus_window(qtbot: Any, window: QWidget) -> None:
    """Make ``window`` the active one again, as a click on it does once a dialog has closed
    (offscreen, closing a modal dialog leaves no window active, so no field can have the focus)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


# -- keys alone (no clicks, no setFocus): what a keyboard-only person does ---------------------
def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def key(qtbot: Any, k: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """Press ``k`` where the focus is (a menu shortcut too: the window acts on it from there)."""
    qtbot.keyClick(focused(), k, modifier)


def keys(qtbot: Any, text: str) -> None:
    """Type ``text`` into the focused widget."""
    qtbot.keyClicks(focused(), text)


def tab_to(qtbot: Any, target: QWidget, limit: int = 80) -> None:
    """Press Tab until ``target`` (or the part of it that takes the focus) has it; fails when
    it is not reached within ``limit`` presses, as when Tab is held in a trap."""
    seen = []
    for _ in range(limit):
        now = QApplication.focusWidget()
        if now is not None and (now is target or target.isAncestorOf(now) or now.focusProxy() is target
                                or target.focusProxy() is now):
            return
        seen.append(type(now).__name__ if now is None else (now.accessibleName() or now.objectName()
                                                            or type(now).__name__))
        key(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target!r}; it went through {seen[-20:]}")


def fill(qtbot: Any, target: QLineEdit, text: str, *, enter: bool = False) -> None:
    """Tab to a text field, select what is in it by keys, type ``text`` over it."""
    tab_to(qtbot, target)
    key(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    keys(qtbot, text)
    if enter:
        key(qtbot, Qt.Key.Key_Return)


def press_by_keys(qtbot: Any, target: QWidget) -> None:
    """Tab to a push button and press Enter, or to a box to tick and press Space."""
    tab_to(qtbot, target)
    key(qtbot, Qt.Key.Key_Return if isinstance(target, QPushButton) else Qt.Key.Key_Space)


def pick_by_keys(qtbot: Any, combo: QComboBox, text: str) -> None:
    """Tab to a combo box and arrow to the entry reading ``text``."""
    tab_to(qtbot, combo)
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered"
    while combo.currentIndex() != index:
        key(qtbot, Qt.Key.Key_Down if index > combo.currentIndex() else Qt.Key.Key_Up)


def type_pin_by_keys(pin: str) -> Handler:
    """Answer a PIN prompt by keys: type where its focus is, then Enter."""

    def handle(dialog: QDialog) -> None:
        dialog.activateWindow()  # as the window manager does (offscreen Qt leaves a new dialog inactive)
        deadline = time.monotonic() + 2
        while QApplication.activeWindow() is not dialog and time.monotonic() < deadline:
            QApplication.processEvents()
        widget = QApplication.focusWidget()
        assert widget is not None and dialog.isAncestorOf(widget), "the PIN prompt opens with its field focused"
        QTest_keyClicks(widget, pin)
        QTest_keyClick(widget, Qt.Key.Key_Return)

    return handle


def radio_by_keys(qtbot: Any, target: QRadioButton, limit: int = 80) -> None:
    """Tab to a set of radio buttons (Tab stops once in a set), arrow to ``target``, tick it with Space."""
    group = target.group()
    members = group.buttons() if group is not None else [target]
    for _ in range(limit):
        if QApplication.focusWidget() in members:
            break
        key(qtbot, Qt.Key.Key_Tab)
    else:
        raise AssertionError(f"Tab never reached the set of {target.text()!r}")
    for _ in range(len(members)):
        if QApplication.focusWidget() is target:
            break
        key(qtbot, Qt.Key.Key_Right)
    assert QApplication.focusWidget() is target, "the arrow keys move through the set"
    if not target.isChecked():
        key(qtbot, Qt.Key.Key_Space)


def open_course_window(qtbot: Any, window: Any) -> Any:
    """Review → Patient course… by its keys, with the chosen patient opened in the picker; the window."""
    answer_next_dialog(qtbot, press("Open"))
    focus_window(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    from microneedle_desk.ui.course_view import CourseWindow

    qtbot.waitUntil(lambda: any(isinstance(w, CourseWindow) and w.isVisible() for w in window.review_menu.windows))
    return next(w for w in window.review_menu.windows if isinstance(w, CourseWindow))


def start_course(qtbot: Any, course_window: Any, plan_label: str) -> None:
    """In the Course window: Start course…, choose the plan whose label starts with ``plan_label``, OK."""

    def handle(dialog: QDialog) -> None:
        combo = dialog.plan  # type: ignore[attr-defined]
        index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(plan_label))
        combo.setCurrentIndex(index)
        button(dialog, "OK").click()

    answer_next_dialog(qtbot, handle)
    click(qtbot, course_window.actions_row.buttons["start"])


def open_due_list(qtbot: Any, window: Any) -> Any:
    """Review → Due list… by its keys; the Due window."""
    focus_window(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    from microneedle_desk.ui.due_view import DueWindow

    qtbot.waitUntil(lambda: any(isinstance(w, DueWindow) and w.isVisible() for w in window.review_menu.windows))
    return next(w for w in window.review_menu.windows if isinstance(w, DueWindow))


def set_clinic_server(qtbot: Any, window: Any, dsn: str) -> list[str]:
    """Settings (Ctrl+,) → Clinic server: type the address, press Test connection, then Save.
    Returns what the test said."""
    said: list[str] = []

    def handle(dialog: QDialog) -> None:
        dialog.tabs.setCurrentIndex(dialog.tabs.count() - 1)
        edit = dialog.dsn
        edit.setFocus()
        edit.selectAll()
        QTest_keyClicks(edit, dsn)
        button(dialog, "Test connection").click()
        said.append(dialog.server_answer.text())
        button(dialog, "Save").click()

    answer_next_dialog(qtbot, handle)
    focus_window(qtbot, window)
    QTest_keyClick_combo(window, "Ctrl+,")
    return said


def QTest_keyClick_combo(widget: QWidget, sequence: str) -> None:
    """Press a shortcut such as "Ctrl+," on ``widget``."""
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest

    combo = QKeySequence(sequence)[0]
    QTest.keyClick(widget, combo.key(), combo.keyboardModifiers())


def export_sessions(qtbot: Any, window: Any, fmt: str, path: str, *, deidentify: bool = False) -> list[str]:
    """Review › Export sessions… by its shortcut (Ctrl+Shift+E): pick the format ``fmt`` by keys, tick
    de-identify when asked, Save, name the file ``path`` and read the message that follows.
    Returns the message's text (in a list, filled once it was shown)."""
    said: list[str] = []

    def read_message(dialog: QDialog) -> None:
        from PySide6.QtWidgets import QMessageBox

        assert isinstance(dialog, QMessageBox), f"expected the export's message, got {dialog!r}"
        said.append(dialog.text())
        dialog.accept()

    def name_file(dialog: QDialog) -> None:
        answer_next_dialog(qtbot, read_message)
        save_file_as(path)(dialog)

    def fill(dialog: QDialog) -> None:
        choose(qtbot, dialog.findChild(QComboBox), fmt)
        if deidentify:
            click(qtbot, dialog.findChild(QCheckBox))
        answer_next_dialog(qtbot, name_file)
        click(qtbot, button(dialog, "Save"))

    answer_next_dialog(qtbot, fill)
    focus_window(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    return said


def open_session_with_dwell(qtbot: Any, window: Any, minutes: str = "30") -> None:
    """A new patient's session, screened, the anesthetic applied: its dwell countdown is running."""
    register_patient(qtbot, window)
    start_session(qtbot, window)
    screen(qtbot, window)
    page = window.current_page()
    type_into(qtbot, page.product, "Lidocaine 5% cream")
    type_into(qtbot, page.planned, minutes)
    click(qtbot, page.apply_button)
