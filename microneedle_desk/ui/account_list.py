"""The list of accounts in the admin's accounts dialog: name, role, whether active, and the
state of the PIN; each row carries its account's id.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from microneedle_desk.core.accounts import Account
from microneedle_desk.i18n import N_, tr
from microneedle_desk.ui.language import role_name


def pin_state(account: Account) -> str:
    if account.pin_hash is None:
        return "No PIN yet: sets one at first sign-in"
    if account.must_change_pin:
        return "Must choose a new PIN at next sign-in"
    return "Set"


class AccountTable(QTableWidget):
    """One row per account, one selected at a time; Tab leaves the table, the arrow keys move in it."""

    COLUMNS = (N_("Name"), N_("Role"), N_("Status"), N_("PIN"))

    def __init__(self) -> None:
        super().__init__(0, len(self.COLUMNS))
        self.setTabKeyNavigation(False)
        self.setAccessibleName(tr("Accounts"))
        self.setHorizontalHeaderLabels([tr(c) for c in self.COLUMNS])
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(self.COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

    def show_accounts(self, accounts: list[Account]) -> None:
        self.setRowCount(len(accounts))
        for row, account in enumerate(accounts):
            cells = (account.name, role_name(account.role).capitalize(),
                     tr("Active") if account.active else tr("Retired"), pin_state(account))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, account.id)
                if not account.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.setItem(row, col, item)

    def selected_id(self) -> str | None:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        if not rows:
            return None
        item = self.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def select(self, account_id: str) -> None:
        for row in range(self.rowCount()):
            item = self.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == account_id:
                self.selectRow(row)
                return
