"""The clinic server's findings for the admin: one patient ID used for two people, one person
registered twice. A pair of the second kind can be merged here (a record of its own on the
server, made by the Clinic, which checks that an admin asks); both registrations stay as they were.
The server is asked in a worker thread, so a server that is away never freezes the window.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.server.conflicts import Finding, FindingPatient
from microneedle_desk.server.connection import reason
from microneedle_desk.ui.background import Background


def kind_text(kind: str) -> str:
    return (tr("same clinic patient ID, different people") if kind == "clinic_id"
            else tr("same name and date of birth: one person twice?"))


def patient_text(p: FindingPatient) -> str:
    return tr("{name} · born {dob} · ID {clinic_id} · {room}").format(
        name=p["name"], dob=p["dob"], clinic_id=p["clinic_id"], room=p["room"] or tr("unknown room"))


class FindingsDialog(QDialog):
    def __init__(self, server: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = server  # the Clinic's ServerSync
        self.findings: list[Finding] = []
        self.done_note = ""  # what the last merge did, said again once the list is read anew
        self.setWindowTitle(tr("Clinic server: findings to review"))
        self.resize(980, 420)
        self.table = QTableWidget(0, 3)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        self.table.setHorizontalHeaderLabels([tr("Finding"), tr("First registration"), tr("Second registration")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName(tr("Findings"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.keep_first = QPushButton(tr("Merge, keeping the &first"))
        self.keep_second = QPushButton(tr("Merge, keeping the &second"))
        self.keep_first.clicked.connect(lambda: self.merge(keep_first=True))
        self.keep_second.clicked.connect(lambda: self.merge(keep_first=False))
        close = QPushButton(tr("&Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for b in (self.keep_first, self.keep_second, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        note = QLabel(tr("Both registrations of a finding are kept as they were registered. Two people with one "
                         "clinic patient ID are sorted out with them (one gets a new registration); one person "
                         "registered twice can be merged: their sessions then show under the registration kept."))
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._selection)
        self.background = Background(self)
        self._selection()
        self.reload()

    def reload(self) -> None:
        self.status.setText(tr("Asking the clinic server…"))
        self.background.run(self.server.findings, self._answer, "clinic-findings")

    def _answer(self, findings: Any, error: BaseException | None) -> None:
        if error is not None:
            why = error.message if isinstance(error, ValidationError) else reason(error)
            self.status.setText(tr("The clinic server cannot be read now: {why}").format(why=why))
            return
        self.findings = list(findings)
        self.table.setRowCount(len(self.findings))
        for row, f in enumerate(self.findings):
            for col, text in enumerate((kind_text(f["kind"]), patient_text(f["a"]), patient_text(f["b"]))):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.status.setText(self.done_note or (tr("Nothing to review.") if not self.findings else ""))
        self._selection()

    def selected(self) -> Finding | None:
        rows = self.table.selectionModel().selectedRows()
        return self.findings[rows[0].row()] if rows else None

    def _selection(self) -> None:
        chosen = self.selected()
        mergeable = chosen is not None and chosen["kind"] == "same_person"
        self.keep_first.setEnabled(mergeable)
        self.keep_second.setEnabled(mergeable)

    def merge(self, keep_first: bool) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        kept, merged = (chosen["a"], chosen["b"]) if keep_first else (chosen["b"], chosen["a"])
        try:
            self.server.merge_patients(kept["id"], merged["id"])
        except ValidationError as exc:
            self.status.setText(exc.message)
            return
        self.done_note = tr("Merged: the laptops show both registrations' sessions under the one kept after "
                            "their next sync.")
        self.reload()
