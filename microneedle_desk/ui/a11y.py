"""What a screen reader is told beyond what widgets say of themselves.

:func:`announce` sends a sentence once, as Qt's accessibility announcement (screen readers
speak it without moving the focus); :func:`labelled` ties a visible label to the control it
names (Qt names a combo box by its current entry on Linux, so only its label says what it
is); :func:`spoken_duration` puts a countdown's time into words.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QKeyEvent
from PySide6.QtWidgets import QDateEdit, QDialog, QLabel, QWidget

from microneedle_desk.i18n import trn


def announce(source: QObject, message: str, assertive: bool = False) -> None:
    """Have assistive technology say ``message`` once (nothing when none listens)."""
    if not message or not QAccessible.isActive():
        return
    event = QAccessibleAnnouncementEvent(source, message)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive if assertive
                        else QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)


def labelled(widget: QWidget, text: str) -> QLabel:
    """A label showing ``text`` whose buddy is ``widget`` (its mnemonic, if any, focuses it)."""
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def spoken_duration(seconds: float) -> str:
    """``seconds`` in words: "29 minutes 58 seconds", "1 hour 2 minutes", "45 seconds"."""
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(trn("{n} hour", "{n} hours", hours).format(n=hours))
    if minutes:
        parts.append(trn("{n} minute", "{n} minutes", minutes).format(n=minutes))
    if secs or not parts:
        parts.append(trn("{n} second", "{n} seconds", secs).format(n=secs))
    return " ".join(parts)


class DateField(QDateEdit):
    """A date box that Tab leaves: Qt's date edit spends Tab on moving between its day, month
    and year, which holds the keyboard in the field (the arrow keys move between them here)."""

    def focusNextPrevChild(self, next_child: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next_child)


class SecondaryWindow(QDialog):
    """A window of its own beside the main one (History, the dashboard, a patient's course):
    a window to assistive technology (a plain widget reads as a pane), closed by Esc. It is no
    question to answer: Enter presses no button of its own accord, as a dialog's would (Enter in
    its table opens the row; a dialog would also press the default button of a dialog it opened)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.close()
            return
        QWidget.keyPressEvent(self, event)
