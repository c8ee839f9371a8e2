"""Where keys act: a key acts only where its label says.

Rules shared by the window, its pages and the dialogs:

- The needling keys (Space, F9 or the foot-pedal key) act on the Needling step only, and
  never move to it.
- Space belongs to the widget that has the focus whenever that widget does something with it
  (typing, ticking a box, choosing in a list, moving in a menu); only elsewhere may the
  needling key take it.
- Enter (or Return) in a field submits the form the field is in, and nothing else: a dialog's
  default button is not pressed as well.

Qt widget classes are imported where they are used: PySide sets up a class's enums when its
name is first imported, and the window imports this module as it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPlainTextEdit,
    QRadioButton,
    QTextEdit,
    QWidget,
)

from microneedle_desk.i18n import tr

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

NEEDLING_STEP = 5  # the Needling step's place among the pages: the needling keys act there only
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def needling_keys_hint() -> str:
    """What the window says when a needling key is pressed on another step."""
    return tr("Start/pause needling (Space, or the foot-pedal key) works on the Needling step only: "
              "go to that step first.")


def needling_keys_text(pedal: str) -> str:
    """The tooltip of everything that starts or pauses needling: which keys, and where."""
    return tr("Start, pause or resume the needling countdown — on the Needling step only: {pedal} or the "
              "foot pedal, or Space when no text field, list or box to tick has the focus").format(pedal=pedal)


def room_keys_text(pedal: str, view_key: str) -> str:
    """The keys line of the treatment-room view."""
    return tr("On the Needling step: {pedal} / pedal or Space starts or pauses needling   ·   "
              "Esc: acknowledge alert   ·   {view_key}: leave the room view").format(pedal=pedal, view_key=view_key)


def keeps_space(widget: QWidget | None) -> bool:
    """Whether Space pressed with the focus on ``widget`` is that widget's own key.

    Space is kept by text editors, spin boxes and date fields, combo boxes, lists, tables and
    trees (the step list among them), the menu bar and its menus, and boxes a person ticks.
    A widget inside one of them (a combo box's line edit, a list's viewport or item editor)
    counts as the one it is in.
    """
    keepers = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox, QAbstractItemView,
               QMenuBar, QMenu, QCheckBox, QRadioButton)
    while widget is not None:
        if isinstance(widget, keepers):
            return True
        if widget.isWindow():
            return False
        widget = widget.parentWidget()
    return False


class EnterSubmits(QObject):
    """Enter or Return in any of the given fields calls ``submit`` and goes no further.

    The field first handles the key as it always does (a line edit reports its editing
    finished, so what was typed is kept before the form acts on it); then the form is
    submitted and the key stops there, so that a dialog's default button is not pressed as
    well (e.g. "Add" in a list inside a dialog whose default is "Save"). A combo box with
    its list open keeps Enter to pick the highlighted entry.
    """

    def __init__(self, fields: Iterable[QWidget], submit: Callable[[], object], parent: QObject) -> None:
        super().__init__(parent)
        self.submit = submit
        for field in fields:
            field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in ENTER_KEYS
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            if not isinstance(watched, QWidget):
                return False
            if isinstance(watched, QComboBox):
                if watched.view().isVisible():
                    return False  # Enter picks in the open list first
            else:  # (a combo box would add the typed text to its list)
                watched.event(event)  # the field's own handling first (editing finished)
            event.accept()  # handled: not passed on to the parents (a dialog's default button)
            self.submit()
            return True
        return False


def enter_submits(fields: Iterable[QWidget], submit: Callable[[], object], parent: QObject) -> EnterSubmits:
    """Make Enter in each of ``fields`` submit their form (see :class:`EnterSubmits`)."""
    return EnterSubmits(fields, submit, parent)
