"""The admin's view of the access log: filter by action, account, days and the chosen patient,
and export what is shown as CSV. Reading the log is refused to anyone but an admin by
:class:`microneedle_desk.store.accounts.AccountBook`, with the core's message.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.accounts import ACCESS_ACTIONS, Account
from microneedle_desk.core.record_types import AccessDoc
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.review.export import write_private
from microneedle_desk.store.access_log import filter_entries
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.ui.access_log_model import AccessModel


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

    def shown(self) -> list[AccessDoc]:
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
        path = self.ask_path()
        if not path:
            return None
        try:
            write_private(path, self.book.export_csv(self.actor, self.model.rows))
        except (ValidationError, OSError) as exc:
            QMessageBox.warning(self, tr("Access log"), tr("The access log was not exported: {message}").format(
                                                       message=str(getattr(exc, "message", "") or exc)))
            return None
        self.book.log("exported", self.actor.id if self.actor else None,
                      detail=f"access log, {len(self.model.rows)} record(s)")
        self.count.setText(tr("Exported {len:,} record(s) to {path}.").format(
                              len=len(self.model.rows), path=path))
        return path
