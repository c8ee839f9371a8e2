"""The app's own PIN field, and the PIN prompt built on it.

Qt's line edit in password mode shows bullets but tells assistive technology each change
with the clear text (its accessibility text events carry what was typed), so any program
listening on the desktop's accessibility bus could read a PIN. :class:`PinField` keeps the
PIN to itself and lets the line edit underneath hold only bullets: its name, value and
every event it sends say how many characters were typed, never which.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from microneedle_desk.i18n import tr
from microneedle_desk.ui.dialog_buttons import take_or_cancel

BULLET = "•"
# Keys the field passes on to the line edit: they edit nothing (Enter confirms, Esc cancels).
_PASSED_ON = {Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backtab}


class PinField(QLineEdit):
    """A PIN or passphrase field: typed characters are appended, Backspace takes the last one
    back, Ctrl+Backspace or Delete clears it; nothing can be pasted, copied or dragged out.
    :meth:`pin` returns what was typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._secret = ""
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setAcceptDrops(False)
        self.setDragEnabled(False)
        self.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhSensitiveData
                                 | Qt.InputMethodHint.ImhNoPredictiveText | Qt.InputMethodHint.ImhNoAutoUppercase)

    def pin(self) -> str:
        return self._secret

    def setText(self, text: str | None) -> None:
        """Put ``text`` in as the PIN (the field itself shows and reports bullets only)."""
        self._secret = text or ""
        super().setText(BULLET * len(self._secret))

    def clear(self) -> None:
        self.setText("")

    def _change(self, secret: str) -> None:
        self._secret = secret
        bullets = BULLET * len(secret)
        super().setText(bullets)
        self.textEdited.emit(bullets)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier))
        if key in _PASSED_ON:
            super().keyPressEvent(event)
            return
        if key == Qt.Key.Key_Backspace:
            self._change("" if ctrl else self._secret[:-1])
        elif key == Qt.Key.Key_Delete:
            self._change("")
        elif not ctrl and not mods & Qt.KeyboardModifier.AltModifier and event.text() and event.text().isprintable():
            self._change(self._secret + event.text())
        else:
            event.ignore()  # a shortcut of the window's, or an editing key with no use here
            return
        event.accept()

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        if event.commitString():
            self._change(self._secret + event.commitString())
        event.accept()


class PinDialog(QDialog):
    """Asks for one PIN: a prompt, the field, OK and Cancel (Esc)."""

    def __init__(self, parent: QWidget | None, title: str, prompt: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        label = QLabel(prompt)
        label.setWordWrap(True)
        self.field = PinField()
        self.field.setAccessibleName(tr("PIN"))
        label.setBuddy(self.field)
        buttons = take_or_cancel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(buttons)
        self.field.setFocus()


def ask_secret(parent: QWidget | None, title: str, prompt: str) -> str | None:
    """The PIN typed into a :class:`PinDialog`; None when cancelled."""
    dialog = PinDialog(parent, title, prompt)
    try:
        return dialog.field.pin() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.field.clear()
        dialog.deleteLater()
