"""Typing into every editor of every step while the real refresh timer runs: nothing typed
changes under the person's hands, and each field is saved once it is left.

Each step: the fields are typed at a person's pace (Tab between them), the last one keeps
the focus with its cursor moved back into the text, and the real event loop runs for 2 s
(ten refreshes). Then the text, the cursor and the focus are where the person left them;
Tab leaves the field; what was saved is in the store and shows again after going to
another step and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from microneedle_desk.core.session import SessionState
from microneedle_desk.ui.main_window import MainWindow

REFRESH_RUN_MS = 2000  # real event-loop time with the 200 ms refresh timer running
KEY_DELAY_MS = 15  # between keys: a fast typist, so the refresh fires while a field is half typed


@dataclass
class Typed:
    editor: str             # the page's attribute
    text: str
    saved: Any = None       # (state -> value) once left; None: kept as a draft (saved by a button)
    draft: str = ""         # the draft it is kept as until then


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
    assert editor.hasFocus()
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
        else:
            assert state.drafts.get(field.draft) == field.text, f"{field.editor} was not kept as a draft"


def go_to_step(qtbot: QtBot, win: MainWindow, step: int) -> None:
    """Click the step in the step list, as a person does."""
    item = win.steps.item(step)
    rect = win.steps.visualItemRect(item)
    qtbot.mouseClick(win.steps.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.stack.currentIndex() == step
