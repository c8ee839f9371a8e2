"""What every step page shares: title, one-line instruction, an error line, helpers.

Editors are kept through :meth:`StepPage.keep_text` and :meth:`StepPage.keep_value`: a
refresh (after an entry is saved) writes a field only when the record's value (or the session) changed since the
page last wrote it, never while the field has the focus, and never over what the person typed
and has not saved yet. A field is saved when it is left (Tab, Enter, a click elsewhere), when
the step is left and when the window closes; text being typed is kept as a ``draft`` event
a moment after the last key, so a crash loses nothing either.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.clinic import Clinic
from microneedle_desk.core.protocol import Choice
from microneedle_desk.i18n import tr
from microneedle_desk.ui.a11y import announce
from microneedle_desk.ui.colours import error_colour, error_style
from microneedle_desk.ui.pages.kept_fields import DRAFT_DELAY_MS, KeptField, PlainTextField

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


class StepPage(QWidget):
    step_id = ""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        step = next(s for s in ctx.protocol.steps if s.id == self.step_id)
        self.setObjectName(f"page_{self.step_id}")
        self.title = QLabel(tr(step.title))
        font = QFont()
        font.setPointSize(18)
        font.setBold(True)
        self.title.setFont(font)
        self.instruction = QLabel(tr(step.instruction))
        self.instruction.setWordWrap(True)
        big = QFont()
        big.setPointSize(13)
        self.instruction.setFont(big)
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(error_style())
        self.error_label.hide()
        self.body = QVBoxLayout()
        # The step's main actions (start the countdown, record, sign): under the part that
        # scrolls, so that they stay in view on a small or scaled screen.
        self.action_row = QHBoxLayout()
        content = QWidget()
        self._content = QVBoxLayout(content)
        self._content.setContentsMargins(0, 0, 0, 0)
        self._content.addLayout(self.body)
        self._content.addStretch(1)  # short pages keep their fields at the top (see grow_body)
        self.step_scroll = QScrollArea()
        self.step_scroll.setObjectName("step_scroll")
        self.step_scroll.setWidgetResizable(True)
        self.step_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.step_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # its fields are Tab stops, it is none itself
        self.step_scroll.setWidget(content)
        # It takes the height there is (its content scrolls) rather than asking for its content's:
        # a page asking for more would be scrolled as a whole, its actions with it.
        self.step_scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.step_scroll.setMinimumHeight(self.fontMetrics().height() * 4)
        outer = QVBoxLayout(self)
        outer.addWidget(self.title)
        outer.addWidget(self.instruction)
        outer.addWidget(self.error_label)
        outer.addWidget(self.step_scroll, 1)
        outer.addLayout(self.action_row)
        self.kept: list[KeptField] = []
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_drafts)

    # -- called by the main window ------------------------------------------------
    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        announce(self, message, assertive=True)  # said once, without moving the focus

    def refresh(self, state: SessionState | None) -> None:
        """Render the session's state (after an entry is saved, and when the step is shown).
        Pages override."""

    def show_time(self, state: SessionState) -> None:
        """The countdowns' time moved on: a page that shows a time of its own reads the clock
        again here (once a second while a countdown runs). Nothing else on a page changes with
        time alone."""

    def focus_first(self) -> None:
        """Focus the step's first field (in Tab order) that can take the focus now."""
        widget = self.nextInFocusChain()
        while widget is not None and widget is not self:
            if (self.isAncestorOf(widget) and widget.isVisible() and widget.isEnabled()
                    and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
                widget.setFocus(Qt.FocusReason.TabFocusReason)
                return
            widget = widget.nextInFocusChain()

    def leave(self) -> None:
        """The person leaves the step (or closes the window): save every field they changed.
        A suggestion shown in a field nobody touched (a preset needle length, a planned time)
        is not recorded by walking past it: only by the person confirming it in the field."""
        for kept in self.kept:
            if kept.edited():
                self._save_field(kept)
        self.save_drafts()

    # -- kept editors ---------------------------------------------------------------
    def keep_text(self, edit: QLineEdit | PlainTextField, saved: Callable[[SessionState], str],
                  save: Callable[[str], object] | None = None, draft: str | None = None,
                  default: Callable[[SessionState], str] | None = None) -> KeptField:
        """Show the record's value in ``edit`` without ever writing over typing; save the text
        with ``save`` when the field is left (if it differs from the saved value and is not
        empty); keep text being typed as the draft ``draft``."""
        if isinstance(edit, QLineEdit):
            kept = KeptField((edit,), edit.text, edit.setText, saved, default, save, draft)
            edit.textEdited.connect(lambda _text: setattr(kept, "touched", True))
            edit.editingFinished.connect(lambda: self._left(kept))
            # Enter confirms what the field shows, a suggestion included; only leaving it does not
            edit.returnPressed.connect(lambda: self._save_field(kept))
            edit.textEdited.connect(self._typed)
        else:
            kept = KeptField((edit,), edit.toPlainText, edit.setPlainText, saved, default, save, draft)
            edit.textChanged.connect(self._typed)  # signals are blocked while the page writes
            edit.left.connect(lambda: self._left(kept))
        self.kept.append(kept)
        return kept

    def keep_value(self, widgets: Sequence[QWidget], read: Callable[[], str], write: Callable[[str], None],
                   saved: Callable[[SessionState], str],
                   default: Callable[[SessionState], str] | None = None) -> KeptField:
        """The same for a value held by other widgets (a spin box, a set of check boxes) that
        their own signals save: the refresh writes it only when the saved value changed."""
        kept = KeptField(tuple(widgets), read, write, saved, default, None, None)
        self.kept.append(kept)
        return kept

    def render_fields(self, state: SessionState) -> None:
        """Bring the kept fields up to the record, leaving alone any being edited."""
        for kept in self.kept:
            self._render_field(kept, state)
            self._mark_unrecorded(kept, state)

    def _render_field(self, kept: KeptField, state: SessionState) -> None:
        target = kept.target(state)
        if kept.session != state.id:  # another session: nothing of the last one stays
            kept.session = state.id
            kept.show(target)
            return
        if kept.focused():
            return
        if kept.edited():
            if kept.read() == target:
                kept.shown = target
                kept.touched = False
            return
        if target != kept.shown:
            kept.show(target)

    def _mark_unrecorded(self, kept: KeptField, state: SessionState) -> None:
        """A field whose text is not what the record holds (refused, or a draft kept from
        before a stop) says so, so that the screen never passes for the record."""
        if kept.save is None:
            return
        text, saved = kept.read().strip(), kept.saved(state).strip()
        suggested = kept.default(state).strip() if kept.default is not None else None
        unrecorded = bool(text) and text not in (saved, suggested)
        if unrecorded == kept.marked or (unrecorded and kept.focused()):  # marked once it is left
            return
        kept.marked = unrecorded
        note = tr("Not recorded: the record holds {saved}. Correct the value and leave the field, "
                  "or clear it.").format(saved=saved or tr("nothing yet")) if unrecorded else ""
        for widget in kept.widgets:
            if unrecorded:
                kept.tips.setdefault(id(widget), widget.toolTip())
            widget.setStyleSheet(f"border: 2px solid {error_colour()};" if unrecorded else "")
            widget.setToolTip(note or kept.tips.get(id(widget), ""))
            widget.setAccessibleDescription(note)

    def _state(self) -> SessionState | None:
        session = self.ctx.controller.session
        return session.state if session is not None and session.state.status == "in_progress" else None

    def _save_field(self, kept: KeptField) -> None:
        state = self._state()
        if kept.save is None or state is None or kept.session != state.id:
            return
        text = kept.read()
        if text.strip() and text.strip() != kept.saved(state) and kept.save(text.strip()):
            kept.shown = text  # saved as typed: the refresh may now show the record's spelling
            kept.touched = False
        state = self._state()
        if state is not None:  # refused (no entry, so no refresh): the field says it is not the record
            self._mark_unrecorded(kept, state)

    def _left(self, kept: KeptField) -> None:
        if kept.edited():
            self._save_field(kept)
        self.save_drafts()

    def _typed(self) -> None:
        self._draft_timer.start()  # restarts: the draft is saved once the keys pause

    def save_drafts(self) -> None:
        """Record, as a draft event, the text of each field whose typing is not saved yet."""
        self._draft_timer.stop()
        state = self._state()
        if state is None:
            return
        for kept in self.kept:
            if kept.draft is None or kept.session != state.id:
                continue
            text = kept.read()
            if text.strip() == kept.target(state).strip():
                continue
            if not self.ctx.controller.act(partial(Clinic.save_draft, field=kept.draft, text=text)):
                return
            state = self._state()
            if state is None:
                return

    # -- helpers --------------------------------------------------------------------
    def grow_body(self) -> None:
        """Give the page's free height to its body (for a page whose list should fill it)."""
        self._content.setStretchFactor(self.body, 1)
        self._content.setStretch(self._content.count() - 1, 0)

    def settle_tab_order(self) -> None:
        """Tab goes through the step as it reads: its fields top to bottom, then its main
        actions at the foot (added to the page's layout earlier or later, as it was built)."""
        def focusable(widgets: list[QWidget]) -> list[QWidget]:
            return [w for w in widgets if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None]

        chain: list[QWidget] = []
        widget = self.nextInFocusChain()
        while widget is not None and widget is not self and len(chain) < 2000:
            if self.isAncestorOf(widget):
                chain.append(widget)
            widget = widget.nextInFocusChain()
        items = [self.action_row.itemAt(i) for i in range(self.action_row.count())]
        footer = [w for w in (item.widget() for item in items if item is not None) if w is not None]
        feet = [w for w in chain if any(w is f or f.isAncestorOf(w) for f in footer)]
        ordered = focusable([w for w in chain if w not in feet]) + focusable(feet)
        # Qt leaves a pair alone when only widgets without focus stand between them, and on a
        # page not yet in the window that includes going round the page's own chain: an action
        # made before the fields (so first in the chain) then stayed ahead of them. While the
        # page itself takes Tab, it marks where the chain starts.
        policy = self.focusPolicy()
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        for first, second in itertools.pairwise(ordered):
            QWidget.setTabOrder(first, second)
        self.setFocusPolicy(policy)
        # Enter presses the focused button: on the Needling step Space is the needling key
        # wherever Space has no use of its own, buttons included.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(True)

    def act(self, command: Callable[[Clinic], object]) -> bool:
        """Send one of the clinic's typed commands (``lambda c: c.answer(item, yes)``); True when it
        was accepted and saved, and then the page's error line is cleared."""
        focus = QApplication.focusWidget()
        here = focus is not None and self.isAncestorOf(focus)
        ok = self.ctx.controller.act(command)
        if ok:
            self.show_error("")
            focus = QApplication.focusWidget()
            if here and focus is not None and not self.isAncestorOf(focus) and self.isVisible():
                # the button pressed is greyed out now and Qt moved the focus on, off the step
                self.focus_first()
        return ok

    def line(self, name: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        return edit

    def bind_text(self, edit: QLineEdit, command: Callable[[Clinic, str], object], current: Callable[[], str],
                  draft: str | None = None) -> KeptField:
        """Keep ``edit`` (see keep_text), saved with ``command`` (e.g. ``Clinic.set_antiseptic``) when
        left if it changed."""
        return self.keep_text(edit, lambda _state: current(), lambda text: self.act(lambda c: command(c, text)),
                              draft)

    def radio_row(self, name: str, choices: tuple[Choice, ...] | list[Choice],
                  on_pick: Callable[[str], object]) -> tuple[QHBoxLayout, QButtonGroup, dict[str, QRadioButton]]:
        row = QHBoxLayout()
        group = QButtonGroup(self)
        group.setExclusive(True)
        buttons: dict[str, QRadioButton] = {}
        for choice in choices:
            button = QRadioButton(tr(choice.label))
            button.setAccessibleName(f"{name}: {tr(choice.label)}")
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
