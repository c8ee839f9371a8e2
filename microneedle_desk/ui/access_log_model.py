"""The access log as a table: when, who, what, which patient and session, and the detail with
any account named in it shown by its name (the log itself stores ids only).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from microneedle_desk.core.record_types import AccessDoc
from microneedle_desk.i18n import N_, tr
from microneedle_desk.store.accounts import AccountBook

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class AccessModel(QAbstractTableModel):
    COLUMNS = (N_("When"), N_("Who"), N_("Action"), N_("Patient"), N_("Session"), N_("Detail"))

    def __init__(self, book: AccountBook, patient_label: Callable[[str], str]) -> None:
        super().__init__()
        self.book, self.patient_label = book, patient_label
        self.rows: list[AccessDoc] = []
        self._names: dict[str, str] = {}

    def set_rows(self, rows: list[AccessDoc]) -> None:
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

    def who(self, entry: AccessDoc) -> str:
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
