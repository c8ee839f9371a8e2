"""The sign-in dialog: pick an account and give its PIN, choose a new PIN on a first sign-in or
after a reset, or, on a first start, create the first admin. The clinic checks every PIN.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from microneedle_desk.clinic import Clinic
from microneedle_desk.core.accounts import Account
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.dialog_buttons import Button, take_or_cancel
from microneedle_desk.ui.pin_field import PinField


class SignInDialog(QDialog):
    """Pick an account, give its PIN; an account without a PIN (or after a reset) sets a new one."""

    def __init__(self, clinic: Clinic, parent: QWidget | None = None, first_admin: bool = False) -> None:
        super().__init__(parent)
        self.clinic, self.first_admin = clinic, first_admin
        book = clinic.accounts
        self.account: Account | None = None
        self.setWindowTitle(tr("Create the first admin") if first_admin else tr("Sign in"))
        self.who = QComboBox()
        self.who.setAccessibleName(tr("Account"))
        self.name = QLineEdit()
        self.name.setAccessibleName(tr("Name"))
        self.pin = PinField()
        self.pin.setAccessibleName(tr("PIN"))
        self.new_pin = PinField()
        self.new_pin.setAccessibleName(tr("New PIN"))
        self.again = PinField()
        self.again.setAccessibleName(tr("New PIN again"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(error_style(bold=False))
        form = QFormLayout()
        if first_admin:
            form.addRow(QLabel(tr("No admin yet: the first admin manages accounts and settings.")))
            form.addRow(tr("Your name"), self.name)
            form.addRow(tr("PIN (6+ digits) or passphrase (12+ characters)"), self.new_pin)
            form.addRow(tr("Again"), self.again)
        else:
            for account in book.accounts(include_retired=False):
                self.who.addItem(account.name, account.id)
            form.addRow(tr("Who are you"), self.who)
            form.addRow(tr("PIN"), self.pin)
            form.addRow(tr("New PIN (first sign-in or after a reset)"), self.new_pin)
            form.addRow(tr("New PIN again"), self.again)
        buttons = take_or_cancel(self, Button.Ok, self.try_accept)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setDefault(True)  # Enter in any field signs in
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def try_accept(self) -> None:
        try:
            self.account = self._attempt()
        except ValidationError as exc:
            self.message.setText(exc.message)
            for edit in (self.pin, self.new_pin, self.again):
                edit.clear()
            return
        if self.account is not None:
            self.accept()

    def _attempt(self) -> Account | None:
        if self.new_pin.pin() != self.again.pin():  # a typing check: the clinic sees one new PIN
            raise ValidationError("pin", tr("The two new PINs differ."))
        if self.first_admin:
            return self.clinic.create_first_admin(self.name.text(), self.new_pin.pin())
        return self.clinic.sign_in(str(self.who.currentData() or ""), self.pin.pin(), self.new_pin.pin())
