"""Step 1: find or register the patient, pick the practitioner, start the session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from microneedle_desk.core.records import Patient, make_patient
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.ui.pages.base import StepPage

if TYPE_CHECKING:
    from microneedle_desk.core.session import SessionState
    from microneedle_desk.ui.context import UiContext

COLUMNS = ("Name", "Clinic ID", "Date of birth", "Indication")


class PatientFilter(QSortFilterProxyModel):
    """Rows whose name, clinic ID or date of birth contain every typed word."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.words: list[str] = []

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.words = text.casefold().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: object) -> bool:
        model = self.sourceModel()
        hay = " ".join(str(model.index(row, col).data() or "") for col in range(3)).casefold()
        return all(word in hay for word in self.words)


class PatientPage(StepPage):
    step_id = "patient"
    start_requested = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        p = ctx.protocol
        # -- find ---------------------------------------------------------------------
        self.search = self.line("Search patients", "Type a name, clinic ID or date of birth (YYYY-MM-DD)")
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.proxy = PatientFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Patients")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(120)
        self.search.textChanged.connect(self.proxy.set_text)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        find = QGroupBox("Find a patient")
        find_layout = QFormLayout(find)
        find_layout.addRow(self.search)
        find_layout.addRow(self.table)
        # -- register -----------------------------------------------------------------
        self.name = self.line("Name")
        self.dob = self.line("Date of birth", "YYYY-MM-DD")
        self.clinic_id = self.line("Clinic patient ID")
        self.sex = self._combo("Sex", [(c.id, c.label) for c in p.sexes])
        self.indication = self._combo("Indication", [(i.id, i.label) for i in p.indications])
        self.scale = self._combo("Grading scale", [])
        self.grade = QComboBox()
        self.grade.setEditable(True)
        self.grade.setAccessibleName("Grade")
        self.indication.currentIndexChanged.connect(self._fill_scales)
        self.scale.currentIndexChanged.connect(self._fill_grades)
        self._fill_scales()
        register_button = QPushButton("&Register patient")
        register_button.setAccessibleName("Register patient")
        register_button.clicked.connect(self.register)
        reg = QGroupBox("Or register a new patient")
        form = QFormLayout(reg)
        form.addRow("Name", self.name)
        form.addRow("Date of birth", self.dob)
        form.addRow("Clinic patient ID", self.clinic_id)
        form.addRow("Sex", self.sex)
        form.addRow("Indication", self.indication)
        form.addRow("Grading scale", self.scale)
        form.addRow("Grade", self.grade)
        form.addRow(register_button)
        top = QHBoxLayout()
        top.addWidget(find, 3)
        top.addWidget(reg, 2)
        self.body.addLayout(top)
        # -- practitioner and start ---------------------------------------------------
        self.practitioner = QComboBox()
        self.practitioner.setEditable(True)
        self.practitioner.setAccessibleName("Practitioner")
        self.practitioner.setToolTip("Pick from the list, or type a new name to add it")
        self.chosen = QLabel("No patient chosen yet.")
        self.chosen.setAccessibleName("Chosen patient")
        self.start_button = QPushButton("&Start session")
        self.start_button.setAccessibleName("Start session")
        self.start_button.setToolTip("Start the session for the chosen patient (Alt+S)")
        self.start_button.clicked.connect(self.start_requested.emit)
        row = QHBoxLayout()
        row.addWidget(QLabel("Practitioner"))
        row.addWidget(self.practitioner, 2)
        row.addWidget(self.chosen, 3)
        row.addWidget(self.start_button)
        self.body.addLayout(row)
        self.selected: Patient | None = None
        self.reload()

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for item_id, label in items:
            combo.addItem(label, item_id)
        return combo

    def _fill_scales(self) -> None:
        ind = self.ctx.protocol.indication(str(self.indication.currentData()))
        self.scale.blockSignals(True)
        self.scale.clear()
        for scale_id in ind.scales:
            self.scale.addItem(self.ctx.protocol.scale(scale_id).label, scale_id)
        self.scale.blockSignals(False)
        self._fill_grades()

    def _fill_grades(self) -> None:
        self.grade.clear()
        scale_id = self.scale.currentData()
        if scale_id is None:
            return
        scale = self.ctx.protocol.scale(str(scale_id))
        self.grade.addItems(list(scale.grades))
        self.grade.setEditable(not scale.grades)
        self.grade.setToolTip("SALT score: a whole number 0–100" if not scale.grades else "")
        if not scale.grades:
            self.grade.setEditText("")

    # -- data -----------------------------------------------------------------------
    def reload(self) -> None:
        self.model.removeRows(0, self.model.rowCount())
        labels = {i.id: i.label for i in self.ctx.protocol.indications}
        for patient in self.ctx.store.patients():
            cells = [patient.name, patient.clinic_id, patient.dob.isoformat(),
                     labels.get(patient.indication, patient.indication)]
            items = [QStandardItem(c) for c in cells]
            items[0].setData(patient.id, Qt.ItemDataRole.UserRole)
            self.model.appendRow(items)
        self.model.sort(0)
        current = self.practitioner.currentText()
        self.practitioner.clear()
        for person in self.ctx.store.practitioners():
            self.practitioner.addItem(person.name, person.id)
        last = current or str(self.ctx.settings.get("ui/last_practitioner"))
        if last:
            self.practitioner.setCurrentText(last)

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        patient_id = self.proxy.index(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        self.select(self.ctx.store.patient(str(patient_id)))

    def select(self, patient: Patient | None) -> None:
        self.selected = patient
        if patient is None:
            self.chosen.setText("No patient chosen yet.")
            return
        self.chosen.setText(f"Chosen: {patient.name} · {patient.clinic_id} · born {patient.dob.isoformat()}")

    def register(self) -> None:
        store = self.ctx.store
        try:
            patient = make_patient(
                self.ctx.protocol, name=self.name.text(), dob=self.dob.text(),
                clinic_id=self.clinic_id.text(), sex=self.sex.currentData(),
                indication=self.indication.currentData(), scale=self.scale.currentData(),
                grade=self.grade.currentText(), device=store.device, now=self.ctx.clock.now())
            store.add_patient(patient)
        except ValidationError as exc:
            self.show_error(exc.message)
            return
        self.show_error("")
        for edit in (self.name, self.dob, self.clinic_id):
            edit.clear()
        self.reload()
        self.search.setText(patient.clinic_id)
        self.select(patient)

    def practitioner_id(self) -> str | None:
        """The picked practitioner, adding a newly typed name to the remembered list."""
        name = self.practitioner.currentText().strip()
        if not name:
            self.show_error("Pick the practitioner, or type a name to add one.")
            return None
        try:
            person = self.ctx.store.add_practitioner(name)
        except ValidationError as exc:
            self.show_error(exc.message)
            return None
        self.ctx.settings.set("ui/last_practitioner", person.name)
        return person.id

    def refresh(self, state: SessionState | None) -> None:
        running = state is not None and state.status == "in_progress"
        self.start_button.setEnabled(not running)
        if running and state is not None:
            snap = state.patient_snapshot
            self.chosen.setText(f"In session: {snap.get('name')} · {snap.get('clinic_id')}")
