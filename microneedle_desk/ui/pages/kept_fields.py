"""A step page's kept editors: one field (or a group of widgets holding one value) with what
the page last wrote into it, so a refresh never writes over what the person typed and has
not saved yet; and a plain-text editor that says when it is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState


DRAFT_DELAY_MS = 1000  # a draft is saved this long after the last key


@dataclass(eq=False)
class KeptField:
    """One editor (or a group of widgets holding one value) and how it is shown and saved."""

    widgets: tuple[QWidget, ...]
    read: Callable[[], str]
    write: Callable[[str], None]
    saved: Callable[[SessionState], str]          # the value the record holds ("" when none)
    default: Callable[[SessionState], str] | None  # shown while nothing is saved
    save: Callable[[str], object] | None          # saves the text; truthy when accepted
    draft: str | None                             # its DRAFT_FIELDS name, for text being typed
    shown: str | None = None                      # what the page last wrote into it
    session: str = ""                             # the session it was last written for
    touched: bool = False                         # typed in since the page last wrote it
    marked: bool = False                          # shown as not recorded (StepPage._mark_unrecorded)
    tips: dict[int, str] = field(default_factory=dict)  # the widgets' own tooltips while marked

    def focused(self) -> bool:
        return any(w.hasFocus() for w in self.widgets)

    def target(self, state: SessionState) -> str:
        """What the field shows when nobody is editing it: the draft, else the saved value,
        else the default."""
        if self.draft is not None and self.draft in state.drafts:
            return state.drafts[self.draft]
        value = self.saved(state)
        if not value and self.default is not None:
            return self.default(state)
        return value

    def show(self, text: str) -> None:
        for widget in self.widgets:
            widget.blockSignals(True)
        try:
            self.write(text)
        finally:
            for widget in self.widgets:
                widget.blockSignals(False)
        self.shown = text
        self.touched = False

    def edited(self) -> bool:
        """True when it holds what the person typed or picked and the page did not write
        (retyping the very text shown counts: the person confirmed it)."""
        return self.shown is not None and (self.touched or self.read() != self.shown)


class PlainTextField(QPlainTextEdit):
    """A plain-text editor that says when it is left (a QPlainTextEdit has no editingFinished).

    Told by its own focus-out event rather than by the application's focusChanged signal:
    PySide hands that signal's slot the widget that lost the focus, and a dialog's widget
    deleted just before (a closed PIN prompt) crashed the process when it was wrapped.
    """

    left = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.left.emit()
