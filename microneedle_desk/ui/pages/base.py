"""What every step page shares: title, one-line instruction, an error line, helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.protocol import Choice

if TYPE_CHECKING:
    from microneedle_desk.core.session import SessionState
    from microneedle_desk.ui.context import UiContext


class StepPage(QWidget):
    step_id = ""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        step = next(s for s in ctx.protocol.steps if s.id == self.step_id)
        self.setObjectName(f"page_{self.step_id}")
        self.title = QLabel(step.title)
        font = QFont()
        font.setPointSize(18)
        font.setBold(True)
        self.title.setFont(font)
        self.instruction = QLabel(step.instruction)
        self.instruction.setWordWrap(True)
        big = QFont()
        big.setPointSize(13)
        self.instruction.setFont(big)
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error_label.setAccessibleName("Error message")
        self.error_label.hide()
        self.body = QVBoxLayout()
        outer = QVBoxLayout(self)
        outer.addWidget(self.title)
        outer.addWidget(self.instruction)
        outer.addWidget(self.error_label)
        outer.addLayout(self.body)
        outer.addStretch(1)  # short pages keep their fields at the top (see grow_body)

    # -- called by the main window ------------------------------------------------
    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def refresh(self, state: SessionState | None) -> None:
        """Render the session's state. Pages override."""

    def focus_first(self) -> None:
        self.focusNextChild()

    # -- helpers --------------------------------------------------------------------
    def grow_body(self) -> None:
        """Give the page's free height to its body (for a page whose list should fill it)."""
        outer = self.layout()
        assert isinstance(outer, QVBoxLayout)
        outer.setStretchFactor(self.body, 1)
        outer.setStretch(outer.count() - 1, 0)

    def do(self, command: str, *args: Any, **kwargs: Any) -> bool:
        ok = self.ctx.controller.do(command, *args, **kwargs)
        if ok:
            self.show_error("")
        return ok

    def line(self, name: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        return edit

    def bind_text(self, edit: QLineEdit, command: str, current: Callable[[], str]) -> None:
        """Save the field when editing finishes, once, if it changed."""

        def save() -> None:
            text = edit.text().strip()
            if text and text != current():
                self.do(command, text)

        edit.editingFinished.connect(save)

    def radio_row(self, name: str, choices: tuple[Choice, ...] | list[Choice],
                  on_pick: Callable[[str], object]) -> tuple[QHBoxLayout, QButtonGroup, dict[str, QRadioButton]]:
        row = QHBoxLayout()
        group = QButtonGroup(self)
        group.setExclusive(True)
        buttons: dict[str, QRadioButton] = {}
        for choice in choices:
            button = QRadioButton(choice.label)
            button.setAccessibleName(f"{name}: {choice.label}")
            group.addButton(button)
            buttons[choice.id] = button
            row.addWidget(button)
            button.clicked.connect(lambda _=False, cid=choice.id: on_pick(cid))
        row.addStretch(1)
        return row, group, buttons


def set_checked_quietly(button: QRadioButton, group: QButtonGroup, checked: bool) -> None:
    if button.isChecked() == checked:
        return
    group.setExclusive(False)
    button.blockSignals(True)
    button.setChecked(checked)
    button.blockSignals(False)
    group.setExclusive(True)


def set_text_quietly(edit: QLineEdit, text: str) -> None:
    if not edit.hasFocus() and edit.text() != text:
        edit.setText(text)


def heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont()
    font.setBold(True)
    font.setPointSize(12)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return label
