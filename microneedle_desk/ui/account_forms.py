"""The two forms of the admin's accounts dialog: what can be done to the chosen account (a
temporary PIN, a new role, retirement) and a new account (name, role, temporary PIN). They
only hold the fields; the dialog acts on them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton

from microneedle_desk.core.accounts import ROLES
from microneedle_desk.i18n import tr
from microneedle_desk.ui.pin_field import PinField

ROLE_TEXT = {"practitioner": "Practitioner", "admin": "Admin (may also practise)"}


def pin_edit(name: str) -> PinField:
    edit = PinField()
    edit.setAccessibleName(name)
    return edit


def role_combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for role in ROLES:
        combo.addItem(ROLE_TEXT.get(role, role), role)
    return combo


class ChosenAccountForm(QGroupBox):
    """Reset the PIN of, change the role of, or retire the account chosen in the list."""

    def __init__(self) -> None:
        super().__init__(tr("Chosen account"))
        self.reset_pin = pin_edit("Temporary PIN for a reset")
        self.reset_button = QPushButton(tr("&Reset PIN"))
        self.reset_button.setToolTip(tr("Give a temporary PIN; they must choose a new one at their next sign-in"))
        self.role_choice = role_combo("New role")
        self.role_button = QPushButton(tr("Change r&ole"))
        self.retire_button = QPushButton(tr("Re&tire…"))
        self.retire_button.setToolTip(tr("A retired account stays on its old records and can no longer sign in"))
        reset_row = QHBoxLayout()
        reset_row.addWidget(self.reset_pin, 1)
        reset_row.addWidget(self.reset_button)
        role_row = QHBoxLayout()
        role_row.addWidget(self.role_choice, 1)
        role_row.addWidget(self.role_button)
        form = QFormLayout(self)
        form.addRow(tr("Temporary PIN:"), reset_row)
        form.addRow(tr("Role:"), role_row)
        form.addRow("", self.retire_button)

    def set_usable(self, usable: bool) -> None:
        for widget in (self.reset_pin, self.reset_button, self.role_choice, self.role_button, self.retire_button):
            widget.setEnabled(usable)


class NewAccountForm(QGroupBox):
    """A new account: its name, its role and the temporary PIN its person replaces at first sign-in."""

    def __init__(self) -> None:
        super().__init__(tr("New account"))
        self.new_name = QLineEdit()
        self.new_name.setAccessibleName(tr("New account's name"))
        self.new_name.setPlaceholderText(tr("Name, e.g. Dr A. Example"))
        self.new_role = role_combo("New account's role")
        self.new_pin = pin_edit("New account's temporary PIN")
        self.add_button = QPushButton(tr("&Add account"))
        form = QFormLayout(self)
        form.addRow(tr("Name:"), self.new_name)
        form.addRow(tr("Role:"), self.new_role)
        form.addRow(tr("Temporary PIN:"), self.new_pin)
        form.addRow("", self.add_button)
        form.addRow(QLabel(tr("A PIN has 6+ digits (not one digit repeated) or is a passphrase of 12+ "
                              "characters. Tell the person their temporary PIN: they choose their own at "
                              "their first sign-in.")))
        for label in self.findChildren(QLabel):
            label.setWordWrap(True)
