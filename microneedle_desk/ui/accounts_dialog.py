"""The admin's screens: manage accounts, and read (filter, export) the access log.

Both are thin views over :class:`microneedle_desk.store.accounts.AccountBook`: every rule
(only an admin, not the last admin, what a PIN must be) lives there and in
:mod:`microneedle_desk.core.accounts`; a refusal is shown here with the core's own message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.accounts import ACCESS_ACTIONS, ROLES, Account, require
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import N_, tr
from microneedle_desk.store.access_log import filter_entries
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.store import StoreError
from microneedle_desk.ui.colours import error_style
from microneedle_desk.ui.keys import enter_submits
from microneedle_desk.ui.language import role_name
from microneedle_desk.ui.pin_field import PinField

DONE_STYLE = "color: #1b5e20;"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ROLE_TEXT = {"practitioner": "Practitioner", "admin": "Admin (may also practise)"}


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", "") or exc)


def _pin_state(account: Account) -> str:
    if account.pin_hash is None:
        return "No PIN yet: sets one at first sign-in"
    if account.must_change_pin:
        return "Must choose a new PIN at next sign-in"
    return "Set"


# == accounts ===========================================================================
class AccountsDialog(QDialog):
    """List the accounts; add, retire, reset the PIN of, and change the role of one."""

    COLUMNS = (N_("Name"), N_("Role"), N_("Status"), N_("PIN"))
    changed = Signal()

    def __init__(self, book: AccountBook, actor: Account | None, parent: QWidget | None = None) -> None:
        require("manage_accounts", actor)
        super().__init__(parent)
        assert actor is not None
        self.book, self.actor_id = book, actor.id
        self.setWindowTitle(tr("Accounts"))
        # how a retirement is confirmed (tests replace it)
        self.confirm: Callable[[str], bool] = self._ask
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        self.table.setAccessibleName(tr("Accounts"))
        self.table.setHorizontalHeaderLabels([tr(c) for c in self.COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(self.COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        # -- the chosen account ----------------------------------------------------------
        chosen = QGroupBox(tr("Chosen account"))
        self.reset_pin = self._pin_edit("Temporary PIN for a reset")
        self.reset_button = QPushButton(tr("&Reset PIN"))
        self.reset_button.setToolTip(tr("Give a temporary PIN; they must choose a new one at their next sign-in"))
        self.reset_button.clicked.connect(self.reset_selected)
        self.role_choice = self._role_combo("New role")
        self.role_button = QPushButton(tr("Change r&ole"))
        self.role_button.clicked.connect(self.set_role_selected)
        self.retire_button = QPushButton(tr("Re&tire…"))
        self.retire_button.setToolTip(tr("A retired account stays on its old records and can no longer sign in"))
        self.retire_button.clicked.connect(self.retire_selected)
        reset_row = QHBoxLayout()
        reset_row.addWidget(self.reset_pin, 1)
        reset_row.addWidget(self.reset_button)
        role_row = QHBoxLayout()
        role_row.addWidget(self.role_choice, 1)
        role_row.addWidget(self.role_button)
        chosen_form = QFormLayout(chosen)
        chosen_form.addRow(tr("Temporary PIN:"), reset_row)
        chosen_form.addRow(tr("Role:"), role_row)
        chosen_form.addRow("", self.retire_button)

        # -- a new account -----------------------------------------------------------------
        adding = QGroupBox(tr("New account"))
        self.new_name = QLineEdit()
        self.new_name.setAccessibleName(tr("New account's name"))
        self.new_name.setPlaceholderText(tr("Name, e.g. Dr A. Example"))
        self.new_role = self._role_combo("New account's role")
        self.new_pin = self._pin_edit("New account's temporary PIN")
        self.add_button = QPushButton(tr("&Add account"))
        self.add_button.clicked.connect(self.add_account)
        add_form = QFormLayout(adding)
        add_form.addRow(tr("Name:"), self.new_name)
        add_form.addRow(tr("Role:"), self.new_role)
        add_form.addRow(tr("Temporary PIN:"), self.new_pin)
        add_form.addRow("", self.add_button)
        add_form.addRow(QLabel(tr("A PIN has 6+ digits (not one digit repeated) or is a passphrase of 12+ "
                                  "characters. Tell the person their temporary PIN: they choose their own at "
                                  "their first sign-in.")))
        for label in adding.findChildren(QLabel):
            label.setWordWrap(True)

        # Enter submits the part of the dialog it is pressed in
        enter_submits((self.new_name, self.new_role, self.new_pin), self.add_account, self)
        enter_submits((self.reset_pin,), self.reset_selected, self)
        enter_submits((self.role_choice,), self.set_role_selected, self)
        self.message = QLabel()
        self.message.setAccessibleName(tr("Message"))
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        sides = QHBoxLayout()
        sides.addWidget(chosen, 1)
        sides.addWidget(adding, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(sides)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.reload()
        self.resize(860, 560)

    @staticmethod
    def _pin_edit(name: str) -> PinField:
        edit = PinField()
        edit.setAccessibleName(name)
        return edit

    @staticmethod
    def _role_combo(name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for role in ROLES:
            combo.addItem(ROLE_TEXT.get(role, role), role)
        return combo

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, tr("Accounts"), text)
        return answer == QMessageBox.StandardButton.Yes

    # -- reading -------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        select = select or self.selected_id()
        accounts = self.book.accounts()
        self.table.setRowCount(len(accounts))
        for row, account in enumerate(accounts):
            cells = (account.name, role_name(account.role).capitalize(),
                     tr("Active") if account.active else tr("Retired"), _pin_state(account))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, account.id)
                if not account.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(row, col, item)
        if select:
            self.select(select)
        self._selection_changed()

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def select(self, account_id: str) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == account_id:
                self.table.selectRow(row)
                return

    def _selection_changed(self) -> None:
        account = self.book.account(self.selected_id() or "")
        for widget in (self.reset_pin, self.reset_button, self.role_choice, self.role_button, self.retire_button):
            widget.setEnabled(account is not None and account.active)
        if account is not None:
            self.role_choice.setCurrentIndex(max(0, self.role_choice.findData(account.role)))

    # -- acting ----------------------------------------------------------------------------
    def _actor(self) -> Account:
        # re-read: the admin's own role may have changed since the dialog opened
        return require("manage_accounts", self.book.account(self.actor_id))

    def _do(self, act: Callable[[Account], Any], done: str, select: str | None = None) -> bool:
        try:
            act(self._actor())
        except (ValidationError, StoreError, ValueError) as exc:
            self.show_message(_message(exc), error=True)
            return False
        self.reload(select)
        self.show_message(done)
        self.changed.emit()
        return True

    def _ask_own_pin(self, actor: Account) -> Callable[[], str | None]:
        """The admin's PIN, asked only once the change itself is accepted: it signs the new key."""
        from microneedle_desk.ui import pin_prompt

        return lambda: pin_prompt.ask_pin(self, actor.name, tr("vouch for this account's new signing key"))

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(error_style() if error else DONE_STYLE)
        self.message.setText(text)

    def add_account(self) -> bool:
        name, role, pin = self.new_name.text().strip(), str(self.new_role.currentData()), self.new_pin.pin()
        self.new_pin.clear()
        if not pin:
            self.show_message(tr("Give the new account a temporary PIN: they choose their own at their first "
                                 "sign-in."), error=True)
            return False
        added: list[Account] = []
        ok = self._do(lambda actor: added.append(self.book.add(actor, name, role, pin,
                                                               actor_pin=self._ask_own_pin(actor))),
                      f"Added {name} as {role}: they must choose their own PIN at their first sign-in.")
        if ok:
            self.new_name.clear()
            self.select(added[0].id)
        return ok

    def _chosen(self) -> Account | None:
        account = self.book.account(self.selected_id() or "")
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
        pin = self.reset_pin.pin()
        self.reset_pin.clear()
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
        role = str(self.role_choice.currentData())
        if role == account.role:
            self.show_message(tr("{name} is already {role}.").format(name=account.name, role=role))
            return True
        return self._do(lambda actor: self.book.set_role(actor, account.id, role),
                        f"{account.name} is now {role}.", account.id)


# == access log =========================================================================
class AccessModel(QAbstractTableModel):
    COLUMNS = (N_("When"), N_("Who"), N_("Action"), N_("Patient"), N_("Session"), N_("Detail"))

    def __init__(self, book: AccountBook, patient_label: Callable[[str], str]) -> None:
        super().__init__()
        self.book, self.patient_label = book, patient_label
        self.rows: list[dict[str, Any]] = []
        self._names: dict[str, str] = {}

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(self.COLUMNS[section])
        return None

    def who(self, entry: dict[str, Any]) -> str:
        key = str(entry.get("account_id") or "") or f"os:{entry.get('os_user')}"
        if key not in self._names:
            self._names[key] = self.book.who(entry)
        return self._names[key]

    def text(self, row: int, col: int) -> str:
        e = self.rows[row]
        subject = e.get("subject") or {}
        if col == 0:
            return str(e.get("at", ""))[:19].replace("T", " ")
        if col == 1:
            return self.who(e)
        if col == 2:
            return str(e.get("action", ""))
        if col == 3:
            return self.patient_label(str(subject.get("patient_id", "")))
        if col == 4:
            return str(subject.get("session_id", ""))[:8]
        return UUID_RE.sub(lambda m: self._account_name(m.group(0)), str(e.get("detail", "")))

    def _account_name(self, account_id: str) -> str:
        """An account named in a detail ("retired account <uuid>") is shown by its name."""
        key = f"account:{account_id}"
        if key not in self._names:
            account = self.book.account(account_id)
            self._names[key] = account.name if account is not None else account_id
        return self._names[key]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4:
            return str((self.rows[index.row()].get("subject") or {}).get("session_id", ""))
        return None


class AccessLogDialog(QDialog):
    """The access log for an admin: filter by action, account, days and the chosen patient; export CSV."""

    def __init__(self, book: AccountBook, actor: Account | None, parent: QWidget | None = None,
                 patient_id: str | None = None) -> None:
        self.all = book.entries(actor)  # refuses anyone but an admin, with the core's message
        super().__init__(parent)
        self.book, self.actor, self.patient_id = book, actor, patient_id
        self.setWindowTitle(tr("Access log"))
        # where the CSV goes (tests replace it)
        self.ask_path: Callable[[], str] = self._ask_path
        clinic_ids = {p.id: p.clinic_id for p in book.store.patients()}
        self.model = AccessModel(book, lambda pid: clinic_ids.get(pid, pid[:8]) if pid else "")

        self.action = QComboBox()
        self.action.setAccessibleName(tr("Action"))
        self.action.addItem(tr("Any action"), None)
        for name in ACCESS_ACTIONS:
            self.action.addItem(name, name)
        self.account = QComboBox()
        self.account.setAccessibleName(tr("Account"))
        self.account.addItem(tr("Anyone"), None)
        for person in book.accounts():
            self.account.addItem(person.name + ("" if person.active else " (retired)"), person.id)
        days = sorted(str(e.get("at", ""))[:10] for e in self.all) or [book.clock.now().date().isoformat()]
        self.use_days = QCheckBox(tr("Only from"))
        self.use_days.setAccessibleName(tr("Only between two days"))
        self.since, self.until = self._day_edit(days[0], "From"), self._day_edit(days[-1], "To")
        self.only_patient = QCheckBox("Only the chosen patient" + (
            f" ({clinic_ids.get(patient_id, '')})" if patient_id else " (choose one in the patient list)"))
        self.only_patient.setAccessibleName(tr("Only the chosen patient"))
        self.only_patient.setEnabled(patient_id is not None)
        self.only_patient.setChecked(patient_id is not None)
        for combo in (self.action, self.account):
            combo.currentIndexChanged.connect(self.apply)
        for box in (self.use_days, self.only_patient):
            box.toggled.connect(self.apply)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self.apply)

        filters = QHBoxLayout()
        filters.addWidget(QLabel(tr("Action:")))
        filters.addWidget(self.action)
        filters.addWidget(QLabel(tr("Who:")))
        filters.addWidget(self.account)
        filters.addWidget(self.use_days)
        filters.addWidget(self.since)
        filters.addWidget(QLabel("to"))
        filters.addWidget(self.until)
        filters.addStretch(1)
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        self.table.setAccessibleName(tr("Access records"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in enumerate((150, 150, 150, 110, 80)):
            header.resizeSection(col, width)
        self.count = QLabel()
        self.count.setAccessibleName(tr("How many records"))
        self.export_button = QPushButton(tr("&Export CSV…"))
        self.export_button.setToolTip(tr("The records shown, as CSV (patients and sessions by UUID, never by "
                                         "name)"))
        self.export_button.clicked.connect(self.export)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.only_patient)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)
        self.resize(1000, 560)
        self.apply()

    def _day_edit(self, day: str, name: str) -> QDateEdit:
        edit = QDateEdit(QDate.fromString(day, "yyyy-MM-dd"))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setAccessibleName(name)
        return edit

    def shown(self) -> list[dict[str, Any]]:
        """The records that pass the filters, newest first."""
        days = self.use_days.isChecked()
        rows = filter_entries(
            self.all, action=self.action.currentData(), account_id=self.account.currentData(),
            patient_id=self.patient_id if self.only_patient.isChecked() else None,
            since=self.since.date().toString("yyyy-MM-dd") if days else None,
            until=self.until.date().toString("yyyy-MM-dd") if days else None)
        return rows[::-1]

    def apply(self) -> None:
        for edit in (self.since, self.until):
            edit.setEnabled(self.use_days.isChecked())
        rows = self.shown()
        self.model.set_rows(rows)
        self.count.setText(tr("{len:,} of {len2:,} record(s), newest first.").format(
                              len=len(rows), len2=len(self.all)))

    def _ask_path(self) -> str:
        day = self.book.clock.now().date().isoformat()
        path, _ = QFileDialog.getSaveFileName(self, "Export the access log", f"access-log-{day}.csv",
                                              "CSV files (*.csv)")
        return path

    def export(self) -> str | None:
        """Write the records shown as CSV (the export is itself logged). Returns the path."""
        from microneedle_desk.review.export import write_private

        path = self.ask_path()
        if not path:
            return None
        try:
            write_private(path, self.book.export_csv(self.actor, self.model.rows))
        except (ValidationError, OSError) as exc:
            QMessageBox.warning(self, tr("Access log"), tr("The access log was not exported: {message}").format(
                                                       message=_message(exc)))
            return None
        self.book.log("exported", self.actor.id if self.actor else None,
                      detail=f"access log, {len(self.model.rows)} record(s)")
        self.count.setText(tr("Exported {len:,} record(s) to {path}.").format(
                              len=len(self.model.rows), path=path))
        return path
