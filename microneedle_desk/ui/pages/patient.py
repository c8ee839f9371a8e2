"""Step 1: find or register the patient, pick the practitioner, start the session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
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
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.records import Patient
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import LANGUAGE_NAMES, N_, available_languages, tr
from microneedle_desk.store.accounts import session_people
from microneedle_desk.ui.a11y import labelled
from microneedle_desk.ui.keys import enter_submits
from microneedle_desk.ui.language import shown_date, typed_date
from microneedle_desk.ui.pages.base import StepPage

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent

    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext

COLUMNS = (N_("Name"), N_("Clinic ID"), N_("Date of birth"), N_("Indication"))
_TOP = QModelIndex()  # the table's root: its rows have no children


class PatientRow(NamedTuple):
    """One line of the patient list: the shown cells, the id, and the text the search looks in."""

    cells: tuple[str, str, str, str]
    patient_id: str
    hay: str  # name, clinic ID and date of birth, casefolded

    @classmethod
    def of(cls, patient_id: str, name: str, clinic_id: str, dob: str, indication: str) -> PatientRow:
        return cls((name, clinic_id, dob, indication), patient_id, f"{name} {clinic_id} {dob}".casefold())


def _name_order(row: PatientRow) -> bytes:
    # Qt's string order (UTF-16 code units, case-sensitive), as the item model's sort had
    return row.cells[0].encode("utf-16-be")


class PatientTable(QAbstractTableModel):
    """The patients whose name, clinic ID or date of birth contain every typed word, by name.

    A plain list of rows, sorted once when loaded and filtered in Python in one pass per
    keystroke: nothing is called per row by Qt, so the list costs about the same with
    thousands of patients as with a few. A filter change keeps the selection and the
    current row on the same patients (as a sort-filter proxy does), through Qt's layout
    change and persistent indexes.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.words: list[str] = []
        self.rows: list[PatientRow] = []  # every patient, sorted by name
        self.shown: list[PatientRow] = []  # the rows the words let through

    # -- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _TOP) -> int:
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _TOP) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.shown[index.row()].cells[index.column()]
        if role == Qt.ItemDataRole.UserRole and index.column() == 0:
            return self.shown[index.row()].patient_id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(COLUMNS[section])
        return super().headerData(section, orientation, role)

    # -- loading and filtering --------------------------------------------------------
    def load(self, rows: list[PatientRow]) -> None:
        self.beginResetModel()
        self.rows = sorted(rows, key=_name_order)
        self.shown = self._matching(self.words)
        self.endResetModel()

    def patient_id(self, row: int) -> str:
        return self.shown[row].patient_id

    def set_text(self, text: str) -> None:
        words = text.casefold().split()
        if words == self.words:
            return
        self.words = words
        self._show(self._matching(words))

    def _matching(self, words: list[str]) -> list[PatientRow]:
        if not words:
            return list(self.rows)
        if len(words) == 1:
            word = words[0]
            return [r for r in self.rows if word in r.hay]
        return [r for r in self.rows if all(w in r.hay for w in words)]

    def _show(self, shown: list[PatientRow]) -> None:
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        if before:
            where = {row.patient_id: i for i, row in enumerate(shown)}
            after = []
            for index in before:
                row = where.get(self.shown[index.row()].patient_id) if index.isValid() else None
                after.append(QModelIndex() if row is None else self.createIndex(row, index.column()))
            self.changePersistentIndexList(before, after)
        self.shown = shown
        self.layoutChanged.emit()


class PatientPage(StepPage):
    step_id = "patient"
    start_requested = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        p = ctx.protocol
        # -- find ---------------------------------------------------------------------
        self.search = self.line(tr("Search patients"), tr("Type a name, clinic ID or date of birth (YYYY-MM-DD)"))
        self.model = PatientTable(self)
        self.proxy = self.model  # the rows shown (the former filter proxy's name)
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Patients"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(120)
        self.search.textChanged.connect(self.model.set_text)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        find = QGroupBox(tr("Find a patient"))
        find_layout = QVBoxLayout(find)  # the list takes the page's free height (6,000 patients)
        find_layout.addWidget(self.search)
        # the chosen patient's language: their aftercare handout prints in it
        self.chosen_language = self._language_combo()
        self.chosen_language.setAccessibleName(tr("Handout language of the chosen patient"))
        self.chosen_language.setEnabled(False)
        self.chosen_language.activated.connect(self._language_chosen)
        language_row = QHBoxLayout()
        language_label = QLabel(tr("Handout language"))
        language_label.setBuddy(self.chosen_language)
        language_row.addWidget(language_label)
        language_row.addWidget(self.chosen_language, 1)
        find_layout.addLayout(language_row)
        find_layout.addWidget(self.table, 1)
        # -- register -----------------------------------------------------------------
        self.name = self.line(tr("Name"))
        self.dob = self.line(tr("Date of birth"), tr("YYYY-MM-DD"))
        self.clinic_id = self.line(tr("Clinic patient ID"))
        # No sex is chosen until the person chooses one: it decides which questions are asked.
        self.sex = self._combo(tr("Sex"), [("", tr("— choose —")), *((c.id, tr(c.label)) for c in p.sexes)])
        self.indication = self._combo(tr("Indication"), [(i.id, tr(i.label)) for i in p.indications])
        self.scale = self._combo(tr("Grading scale"), [])
        self.grade = QComboBox()
        self.grade.setEditable(True)
        self.grade.setAccessibleName(tr("Grade"))
        self.language = self._language_combo()
        self.indication.currentIndexChanged.connect(self._fill_scales)
        self.scale.currentIndexChanged.connect(self._fill_grades)
        self._fill_scales()
        register_button = QPushButton(tr("Register &patient"))
        register_button.setAccessibleName(tr("Register patient"))
        register_button.clicked.connect(self.register)
        reg = QGroupBox(tr("Or register a new patient"))
        form = QFormLayout(reg)
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("Date of birth"), self.dob)
        form.addRow(tr("Clinic patient ID"), self.clinic_id)
        form.addRow(tr("Sex"), self.sex)
        form.addRow(tr("Indication"), self.indication)
        form.addRow(tr("Grading scale"), self.scale)
        form.addRow(tr("Grade"), self.grade)
        form.addRow(tr("Handout language"), self.language)
        form.addRow(register_button)
        enter_submits((self.name, self.dob, self.clinic_id, self.sex, self.indication, self.scale, self.grade),
                      self.register, self)
        enter_submits((self.search,), self._choose_first_shown, self)
        top = QHBoxLayout()
        top.addWidget(find, 3)
        top.addWidget(reg, 2, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(top, 1)
        # -- practitioner and start ---------------------------------------------------
        self.practitioner = QComboBox()
        self.practitioner.setAccessibleName(tr("Practitioner"))
        self.practitioner.setToolTip(tr("Who does and signs this session. Each person has their own account "
                                        "and PIN; an admin adds people in Account › Manage accounts."))
        self.chosen = QLabel(tr("No patient chosen yet."))
        self.start_button = QPushButton(tr("Start sess&ion"))
        self.start_button.setAccessibleName(tr("Start session"))
        self.start_button.setToolTip(tr("Start the session for the chosen patient (Alt+I)"))
        self.start_button.clicked.connect(self.start_requested.emit)
        self.chosen.setWordWrap(True)
        row = self.action_row  # always in view, under the list and the form
        row.addWidget(labelled(self.practitioner, tr("Practitioner")))
        row.addWidget(self.practitioner, 2)
        row.addWidget(self.chosen, 3)
        row.addWidget(self.start_button)
        self.grow_body()
        self.selected: Patient | None = None
        # The rows and the people who may run sessions are read when the page is first shown:
        # behind the sign-in nobody sees them, and reading the patients' file (which holds the
        # accounts too) grows with the years of records: it would hold up the first frame.
        self.rows_loaded = False

    @staticmethod
    def _narrow(combo: QComboBox) -> QComboBox:
        """As wide as there is room for, not as its longest entry (a long indication or the
        handout language would widen the page past a scaled laptop screen)."""
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(10)
        return combo

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = self._narrow(QComboBox())
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
        labels = {i.id: tr(i.label) for i in self.ctx.protocol.indications}
        self.model.load([PatientRow.of(pid, name, clinic_id, dob, labels.get(ind, ind))
                         for pid, name, clinic_id, dob, ind in self.ctx.store.patient_list()])
        self.rows_loaded = True
        self.reload_people()

    def showEvent(self, event: QShowEvent) -> None:
        if not self.rows_loaded:  # before the page is painted: it never shows a list still empty
            self.reload()
        super().showEvent(event)

    def reload_people(self) -> None:
        """The people who may run sessions, with the one signed in (or the one picked before) chosen."""
        picked = self.practitioner.currentData()
        signer = getattr(self.ctx.signer, "current", None)
        self.practitioner.blockSignals(True)
        self.practitioner.clear()
        for person in session_people(self.ctx.store):
            self.practitioner.addItem(person.name, person.id)
        for wanted in (getattr(signer, "id", None), picked):
            index = self.practitioner.findData(wanted) if wanted else -1
            if index >= 0:
                self.practitioner.setCurrentIndex(index)
                break
        else:
            last = self.practitioner.findText(str(self.ctx.settings.get("ui/last_practitioner")))
            self.practitioner.setCurrentIndex(max(0, last))
        self.practitioner.blockSignals(False)

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        self.select(self.ctx.store.patient(self.model.patient_id(rows[0].row())))

    def select(self, patient: Patient | None) -> None:
        self.selected = patient
        self.chosen_language.setEnabled(patient is not None)
        if patient is None:
            self.chosen.setText(tr("No patient chosen yet."))
            return
        self.chosen_language.setCurrentIndex(max(0, self.chosen_language.findData(patient.language)))
        self.show_error("")  # a refusal shown before was about the choice the person just changed
        self.chosen.setText(tr("Chosen: {name} · {clinic_id} · born {isoformat}").format(
                               name=patient.name, clinic_id=patient.clinic_id, isoformat=shown_date(patient.dob)))

    def _language_combo(self) -> QComboBox:
        combo = self._narrow(QComboBox())
        combo.addItem(tr("The clinic's language"), "")
        for code in available_languages():
            combo.addItem(LANGUAGE_NAMES[code], code)
        combo.setAccessibleName(tr("Handout language"))
        return combo

    def _language_chosen(self) -> None:
        """The chosen patient reads another language: recorded on the patient at once."""
        patient = self.selected
        if patient is None:
            return
        language = str(self.chosen_language.currentData() or "")
        try:
            self.selected = self.ctx.controller.clinic.set_patient_language(patient.id, language)
        except ValidationError as exc:
            self.show_error(exc.message)
            self.chosen_language.setCurrentIndex(max(0, self.chosen_language.findData(patient.language)))

    def _choose_first_shown(self) -> None:
        """Enter in the search box chooses the first patient listed."""
        if self.model.rowCount():
            self.table.selectRow(0)

    def register(self) -> None:
        try:
            patient = self.ctx.controller.clinic.register_patient(
                name=self.name.text(), dob=typed_date(self.dob.text()), clinic_id=self.clinic_id.text(),
                sex=str(self.sex.currentData() or ""), indication=str(self.indication.currentData() or ""),
                scale=str(self.scale.currentData() or ""), grade=self.grade.currentText(),
                language=str(self.language.currentData() or ""))
        except ValidationError as exc:
            self.show_error(exc.message)
            field = {"name": self.name, "dob": self.dob, "clinic_id": self.clinic_id, "sex": self.sex,
                     "indication": self.indication, "scale": self.scale, "grade": self.grade}.get(exc.field)
            if field is not None:  # on to what needs fixing (Enter in a half-filled form lands there)
                field.setFocus()
            return
        self.show_error("")
        for edit in (self.name, self.dob, self.clinic_id):
            edit.clear()
        self.sex.setCurrentIndex(0)
        self.indication.setCurrentIndex(0)  # the next patient's form carries nothing of this one
        self.language.setCurrentIndex(0)
        self._fill_scales()
        self.reload()
        self.search.setText(patient.clinic_id)
        self.select(patient)

    def practitioner_id(self) -> str | None:
        """The picked practitioner's account id (None, with a message, when nobody can be picked)."""
        if self.practitioner.count() == 0:
            self.show_error(tr("Nobody can run a session yet: each practitioner needs an account with a PIN. "
                               "The first one is made on the first-start screen; an admin adds more in Account "
                               "› Manage accounts."))
            return None
        account_id = self.practitioner.currentData()
        if not account_id:
            self.show_error(tr("Pick the practitioner who does this session."))
            return None
        self.ctx.settings.set("ui/last_practitioner", self.practitioner.currentText())
        return str(account_id)

    def refresh(self, state: SessionState | None) -> None:
        running = state is not None and state.status == "in_progress"
        self.start_button.setEnabled(not running)
        if running and state is not None:
            snap = state.patient_snapshot
            self.chosen.setText(tr("In session: {get} · {get2}").format(
                                   get=snap.get('name'), get2=snap.get('clinic_id')))
        else:
            self.select(self.selected)  # the chosen patient again once the session is over
