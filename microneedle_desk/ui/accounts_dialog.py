"""The admin's accounts dialog: the list of accounts, the chosen account's PIN reset, role and
retirement, and a new account.

A thin view over :class:`microneedle_desk.store.accounts.AccountBook`: every rule (only an
admin, not the last admin, what a PIN must be) lives there and in
:mod:`microneedle_desk.core.accounts`; a refusal is shown here with the core's own message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QMessageBox, QVBoxLayout, QWidget

from microneedle_desk.core.accounts import Account, require
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.store import StoreError
from microneedle_desk.ui import pin_prompt
from microneedle_desk.ui.account_forms import ChosenAccountForm, NewAccountForm
from microneedle_desk.ui.account_list import AccountTable
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.keys import enter_submits

DONE_STYLE = "color: #1b5e20;"


class AccountsDialog(QDialog):
    """List the accounts; add, retire, reset the PIN of, and change the role of one."""

    changed = Signal()

    def __init__(self, book: AccountBook, actor: Account | None, parent: QWidget | None = None) -> None:
        require("manage_accounts", actor)
        super().__init__(parent)
        assert actor is not None
        self.book, self.actor_id = book, actor.id
        self.setWindowTitle(tr("Accounts"))
        # how a retirement is confirmed (tests replace it)
        self.confirm: Callable[[str], bool] = self._ask
        self.table = AccountTable()
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.chosen = ChosenAccountForm()
        self.chosen.reset_button.clicked.connect(self.reset_selected)
        self.chosen.role_button.clicked.connect(self.set_role_selected)
        self.chosen.retire_button.clicked.connect(self.retire_selected)
        self.adding = NewAccountForm()
        self.adding.add_button.clicked.connect(self.add_account)
        # Enter submits the part of the dialog it is pressed in
        enter_submits((self.adding.new_name, self.adding.new_role, self.adding.new_pin), self.add_account, self)
        enter_submits((self.chosen.reset_pin,), self.reset_selected, self)
        enter_submits((self.chosen.role_choice,), self.set_role_selected, self)
        self.message = QLabel()
        self.message.setAccessibleName(tr("Message"))
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        sides = QHBoxLayout()
        sides.addWidget(self.chosen, 1)
        sides.addWidget(self.adding, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(sides)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.reload()
        self.resize(860, 560)

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, tr("Accounts"), text)
        return answer == QMessageBox.StandardButton.Yes

    # -- reading -------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        select = select or self.table.selected_id()
        self.table.show_accounts(self.book.accounts())
        if select:
            self.table.select(select)
        self._selection_changed()

    def _selection_changed(self) -> None:
        account = self.book.account(self.table.selected_id() or "")
        self.chosen.set_usable(account is not None and account.active)
        if account is not None:
            self.chosen.role_choice.setCurrentIndex(max(0, self.chosen.role_choice.findData(account.role)))

    # -- acting ----------------------------------------------------------------------------
    def _actor(self) -> Account:
        # re-read: the admin's own role may have changed since the dialog opened
        return require("manage_accounts", self.book.account(self.actor_id))

    def _do(self, act: Callable[[Account], Any], done: str, select: str | None = None) -> bool:
        try:
            act(self._actor())
        except (ValidationError, StoreError, ValueError) as exc:
            self.show_message(str(getattr(exc, "message", "") or exc), error=True)
            return False
        self.reload(select)
        self.show_message(done)
        self.changed.emit()
        return True

    def _ask_own_pin(self, actor: Account) -> Callable[[], str | None]:
        """The admin's PIN, asked only once the change itself is accepted: it signs the new key."""
        return lambda: pin_prompt.ask_pin(self, actor.name, tr("vouch for this account's new signing key"))

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(error_style() if error else DONE_STYLE)
        self.message.setText(text)

    def add_account(self) -> bool:
        form = self.adding
        name, role, pin = form.new_name.text().strip(), str(form.new_role.currentData()), form.new_pin.pin()
        self.adding.new_pin.clear()
        if not pin:
            self.show_message(tr("Give the new account a temporary PIN: they choose their own at their first "
                                 "sign-in."), error=True)
            return False
        added: list[Account] = []
        ok = self._do(lambda actor: added.append(self.book.add(actor, name, role, pin,
                                                               actor_pin=self._ask_own_pin(actor))),
                      f"Added {name} as {role}: they must choose their own PIN at their first sign-in.")
        if ok:
            self.adding.new_name.clear()
            self.table.select(added[0].id)
        return ok

    def _chosen(self) -> Account | None:
        account = self.book.account(self.table.selected_id() or "")
        if account is None:
            self.show_message(tr("Choose an account in the list first."), error=True)
        return account

    def retire_selected(self) -> bool:
        account = self._chosen()
        if account is None:
            return False
        if not self.confirm(f"Retire {account.name}? They can no longer sign in or sign; their name stays "
                            "on the records they signed. This cannot be undone here."):
            return False
        return self._do(lambda actor: self.book.retire(actor, account.id),
                        f"{account.name} is retired.", account.id)

    def reset_selected(self) -> bool:
        account = self._chosen()
        pin = self.chosen.reset_pin.pin()
        self.chosen.reset_pin.clear()
        if account is None:
            return False
        if not pin:
            self.show_message(tr("Type a temporary PIN for {name} first.").format(name=account.name), error=True)
            return False
        return self._do(lambda actor: self.book.reset(actor, account.id, pin, actor_pin=self._ask_own_pin(actor)),
                        f"{account.name}'s PIN was reset: they must choose a new one at their next sign-in.",
                        account.id)

    def set_role_selected(self) -> bool:
        account = self._chosen()
        if account is None:
            return False
        role = str(self.chosen.role_choice.currentData())
        if role == account.role:
            self.show_message(tr("{name} is already {role}.").format(name=account.name, role=role))
            return True
        return self._do(lambda actor: self.book.set_role(actor, account.id, role),
                        f"{account.name} is now {role}.", account.id)
