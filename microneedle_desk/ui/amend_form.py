"""What every correction of a signed session shares: the rows that give the new value, a reason,
Save or Cancel, and a line for a refusal (what was typed stays, to be corrected); and the one
way such a correction is saved, signed with the PIN of the person making it once accounts exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from microneedle_desk.i18n import tr
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.context import who_is_working
from microneedle_desk.ui.dialog_buttons import Button, take_or_cancel

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext


class AmendmentForm(QDialog):
    """A dialog for one amendment: subclasses add their rows to ``form``, then ``add_reason()``,
    and implement ``save`` (Save calls it; a refusal goes to ``refuse``)."""

    def __init__(self, title: str, reason_hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.reason = QLineEdit()
        self.reason.setAccessibleName(tr("Reason for the amendment"))
        self.reason.setPlaceholderText(reason_hint)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setAccessibleName(tr("Error"))
        self.error.setStyleSheet(error_style())
        self.error.hide()
        buttons = take_or_cancel(self, Button.Save, self.save)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def add_reason(self, label: str | None = None) -> None:
        """The reason's row, after the rows of the new value."""
        self.form.addRow(tr("&Reason") if label is None else label, self.reason)

    def save(self) -> object:
        raise NotImplementedError

    def refuse(self, message: str) -> None:
        """Show why nothing was saved ("" when the person cancelled the PIN: nothing to say)."""
        self.error.setText(message)
        self.error.setVisible(bool(message))


def amend_signed(ctx: UiContext, session_id: str, field: str, value: object, reason: str) -> bool:
    """Record one amendment through the clinic: signed by the signed-in person's PIN when the
    window has a signer (False when they cancel it), else stamped with the practitioner working.
    ValidationError or StoreError when it is refused."""
    if ctx.signer is not None:
        return ctx.signer.amend(session_id, field, value, reason) is not None
    ctx.controller.clinic.amend(session_id, field, value, reason, by=who_is_working(ctx))
    return True
