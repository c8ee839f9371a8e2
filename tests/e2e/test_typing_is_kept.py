"""Typing into every editor of every step while the real refresh timer runs: nothing typed
changes under the person's hands, and each field is saved once it is left.

Each step: the fields are typed at a person's pace (Tab between them), the last one keeps
the focus with its cursor moved back into the text, and the real event loop runs for 2 s
(ten refreshes). Then the text, the cursor and the focus are where the person left them;
Tab leaves the field; what was saved is in the store and shows again after going to
another step and back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from e2e import driver
from e2e.driver import click
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.ui.main_window import MainWindow

REFRESH_RUN_MS = 2000  # real event-loop time with the 200 ms refresh timer running
KEY_DELAY_MS = 15  # between keys: a fast typist, so the refresh fires while a field is half typed


@dataclass
class Typed:
    """A field typed into: ``saved`` reads its value from the record once the field is left;
    a field without one is recorded by its button, so until then it is kept as ``draft``
    (or only on screen: the patient page's forms, which its own buttons save)."""

    editor: str
    text: str
    saved: Callable[[SessionState], object] | None = None
    draft: str = ""


def _state(win: MainWindow) -> SessionState:
    session = win.ctx.controller.session
    assert session is not None
    stored = win.ctx.store.session_state(session.id)  # what is in the store, not only on screen
    assert stored is not None
    return stored


def _editor(win: MainWindow, step: int, name: str) -> QLineEdit | QPlainTextEdit:
    editor = getattr(win.pages[step], name)
    assert isinstance(editor, (QLineEdit, QPlainTextEdit))
    return editor


def _text(editor: QWidget) -> str:
    return editor.text() if isinstance(editor, QLineEdit) else editor.toPlainText()  # type: ignore[attr-defined]


def _cursor(editor: QWidget) -> int:
    if isinstance(editor, QLineEdit):
        return editor.cursorPosition()
    assert isinstance(editor, QPlainTextEdit)
    return editor.textCursor().position()


def _select_all_and_type(qtbot: QtBot, editor: QWidget, text: str) -> None:
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton)
    assert editor.hasFocus(), f"a click did not put the focus in {editor.accessibleName()}"
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text, delay=KEY_DELAY_MS)


def type_step_while_refreshing(qtbot: QtBot, win: MainWindow, step: int, fields: list[Typed]) -> None:
    """Type every field of ``step`` (the last one is left focused), run the refresh for 2 s,
    check nothing moved, leave the last field, check what was saved."""
    go_to_step(qtbot, win, step)
    editors = [_editor(win, step, f.editor) for f in fields]
    for i, (field, editor) in enumerate(zip(fields, editors, strict=True)):
        _select_all_and_type(qtbot, editor, field.text)
        if i < len(fields) - 1:
            qtbot.keyClick(editor, Qt.Key.Key_Tab)
    last = editors[-1]
    for _ in range(2):  # the cursor back inside the text, as when correcting a letter
        qtbot.keyClick(last, Qt.Key.Key_Left)
    cursor = _cursor(last)
    assert cursor == len(fields[-1].text) - 2

    qtbot.wait(REFRESH_RUN_MS)

    for field, editor in zip(fields, editors, strict=True):
        assert _text(editor) == field.text, f"{field.editor} changed while the refresh ran"
    assert last.hasFocus(), f"{fields[-1].editor} lost the focus while the refresh ran"
    assert _cursor(last) == cursor, f"the cursor in {fields[-1].editor} moved"
    qtbot.keyClick(last, Qt.Key.Key_Tab)
    check_kept(win, fields)
    go_to_step(qtbot, win, step + 1 if step < len(win.pages) - 1 else step - 1)
    go_to_step(qtbot, win, step)
    for field, editor in zip(fields, editors, strict=True):
        assert _text(editor) == field.text, f"{field.editor} lost its text after going away and back"
    check_kept(win, fields)


def check_kept(win: MainWindow, fields: list[Typed]) -> None:
    state = _state(win)
    for field in fields:
        if field.saved is not None:
            assert str(field.saved(state)) == field.text, f"{field.editor} was not saved when left"
            assert field.draft not in state.drafts
        elif field.draft:
            assert state.drafts.get(field.draft) == field.text, f"{field.editor} was not kept as a draft"


def go_to_step(qtbot: QtBot, win: MainWindow, step: int) -> None:
    """Click the step in the step list, as a person does."""
    item = win.steps.item(step)
    rect = win.steps.visualItemRect(item)
    qtbot.mouseClick(win.steps.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.stack.currentIndex() == step


def _iso(day: object) -> str:
    return day.isoformat() if day is not None else ""  # type: ignore[attr-defined]


def test_typing_into_every_editor_of_every_step_while_the_refresh_runs_keeps_the_text_and_saves_it_when_left(
        qtbot: QtBot, clinic: MainWindow, fake_clock: FakeClock) -> None:
    win = clinic
    driver.register_patient(qtbot, win)
    driver.start_session(qtbot, win)
    driver.focus_window(qtbot, win)
    assert win.stack.currentIndex() == 1
    screening = win.pages[1]
    for item, (_group, yes, no) in screening.rows.items():  # type: ignore[attr-defined]
        click(qtbot, yes if item == "blood_thinners" else no)  # blocked: the justification box shows
    type_step_while_refreshing(qtbot, win, 1, [
        Typed("last_dose", "2025-01-15", lambda s: _iso(s.isotretinoin_last_dose)),
        Typed("consent_by", "Alex Demo (patient)", draft="consent_by"),
        Typed("justification", "Warfarin stopped five days ago on the cardiologist's advice",
              draft="override_justification"),
    ])
    click(qtbot, screening.rows["blood_thinners"][2])  # type: ignore[attr-defined]
    click(qtbot, screening.consent_button)  # type: ignore[attr-defined]
    assert _state(win).consent_by == "Alex Demo (patient)"

    type_step_while_refreshing(qtbot, win, 2, [
        Typed("product", "Lidocaine 5% cream", lambda s: s.anesthetic_product),
        Typed("planned", "35", draft="dwell_planned"),  # recorded by "Applied now"
    ])
    click(qtbot, win.pages[2].apply_button)  # type: ignore[attr-defined]
    assert _state(win).dwell_planned_min == 35

    type_step_while_refreshing(qtbot, win, 3, [
        Typed("needle", "1.2", lambda s: s.needle_mm),
        Typed("lot", "LOT-2026-0457", lambda s: s.cartridge_lot),
        Typed("expiry", "2027-06-30", lambda s: _iso(s.cartridge_expiry)),
        Typed("serial", "HP-88213", lambda s: s.handpiece_serial),
        Typed("cartridge_reason", "Only if the box were damaged", draft="cartridge_reason"),
    ])
    click(qtbot, win.pages[3].sealed)  # type: ignore[attr-defined]
    go_to_step(qtbot, win, 4)
    click(qtbot, win.pages[4].buttons["alcohol"])  # type: ignore[attr-defined]

    type_step_while_refreshing(qtbot, win, 5, [
        Typed("planned", "16", lambda s: s.needling_planned_min),
        Typed("early_reason", "Only if it had to start early", draft="early_start_reason"),
        Typed("finish_reason", "Patient asked to stop early", draft="finish_reason"),
    ])
    needling = win.pages[5]
    driver.pass_time(qtbot, fake_clock, 36 * 60)
    click(qtbot, needling.toggle)  # type: ignore[attr-defined]
    passes = needling.passes  # type: ignore[attr-defined]
    passes.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(passes, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(passes, "5", delay=KEY_DELAY_MS)
    qtbot.wait(REFRESH_RUN_MS // 2)
    assert passes.value() == 5 and passes.hasFocus(), "the number of passes stays as typed"
    click(qtbot, needling.direction_boxes["longitudinal"])  # type: ignore[attr-defined]
    assert (_state(win).passes, _state(win).directions) == (5, ("longitudinal",))
    driver.pass_time(qtbot, fake_clock, 16 * 60)
    for zone in ("frontal", "vertex"):
        click(qtbot, needling.zone_boxes[zone])  # type: ignore[attr-defined]
    click(qtbot, needling.finish)  # type: ignore[attr-defined]

    type_step_while_refreshing(qtbot, win, 6, [
        Typed("note", "Even pinpoint bleeding over the crown", lambda s: s.endpoint_note),
    ])
    type_step_while_refreshing(qtbot, win, 7, [
        Typed("product", "Fusidic acid 2% cream", lambda s: s.antibiotic_product),
    ])
    type_step_while_refreshing(qtbot, win, 8, [
        Typed("prp", "3.5", draft="prp_ml"),  # recorded with the choice of PRP
    ])
    type_step_while_refreshing(qtbot, win, 9, [
        Typed("note", "Mild redness at the hairline", draft="side_effect_note"),  # recorded by "Add"
    ])
    type_step_while_refreshing(qtbot, win, 10, [
        Typed("next_date", "2026-12-23", lambda s: _iso(s.next_session)),
    ])
    type_step_while_refreshing(qtbot, win, 0, [
        Typed("search", "Alex"),
        Typed("name", "Robin Sample"),
        Typed("dob", "1975-06-01"),
        Typed("clinic_id", "DEMO-2"),
    ])
    assert [p.name for p in win.ctx.store.patients()] == ["Alex Demo"], "registering needs its button"


def test_a_cartridge_lot_typed_alone_is_kept_after_leaving_the_field_and_the_step(
        qtbot: QtBot, clinic: MainWindow) -> None:
    win = clinic
    driver.register_patient(qtbot, win)
    driver.start_session(qtbot, win)
    driver.focus_window(qtbot, win)
    go_to_step(qtbot, win, 3)
    lot = win.pages[3].lot  # type: ignore[attr-defined]
    _select_all_and_type(qtbot, lot, "LOT-42")
    qtbot.keyClick(lot, Qt.Key.Key_Tab)
    qtbot.wait(REFRESH_RUN_MS + 500)
    assert lot.text() == "LOT-42", "the lot is still there after leaving the field"
    assert _state(win).cartridge_lot == "LOT-42", "the lot is saved on its own, without the expiry"
    go_to_step(qtbot, win, 4)
    qtbot.wait(500)
    go_to_step(qtbot, win, 3)
    assert win.pages[3].lot.text() == "LOT-42"  # type: ignore[attr-defined]
    assert "Device: cartridge lot and expiry" in _state(win).missing(win.ctx.protocol), \
        "the step still needs the expiry"
