"""One patient's course: sessions in order, next due date, charts, and grading.

The table and next-due date come from :func:`microneedle_desk.review.course.patient_course`.
The charts (needle length and grade over time) are pyqtgraph, imported only when the
charts are first shown. A grade is recorded afterwards as an amendment of the session
(the same rules as during the session); for SALT a calculator fills it in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.followup import followup_text
from microneedle_desk.core.grading import SALT_REGIONS, salt_score
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import N_, tr
from microneedle_desk.printing.render import RenderError
from microneedle_desk.review.course import Course, build_course, grade_value, patient_course
from microneedle_desk.review.followup import by_session
from microneedle_desk.store.store import StoreError
from microneedle_desk.ui import charts
from microneedle_desk.ui.a11y import SecondaryWindow
from microneedle_desk.ui.amend_form import AmendmentForm, amend_signed
from microneedle_desk.ui.clinic_scope import ScopeBar, clinic_course_rows, in_room
from microneedle_desk.ui.course_panel import CourseActions
from microneedle_desk.ui.course_plan_view import PlanPanel, save_summary
from microneedle_desk.ui.dialog_buttons import Button, take_or_cancel
from microneedle_desk.ui.photo_compare import PhotoCompareWindow

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext

HEADERS = ("#", N_("Date"), N_("Interval"), N_("Needle mm"),
           N_("Grade"), N_("Side effects"), N_("Follow-ups"), N_("Adjunct"), N_("Status"), N_("Room"))


class CourseWindow(SecondaryWindow):
    def __init__(self, ctx: UiContext, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.patient_id = ctx, patient_id
        self.course: Course | None = None
        self.charts: dict[str, charts.Plot] = {}
        self.resize(1000, 720)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.next_due = QLabel()
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.grade_button = QPushButton(tr("Record &grade…"))
        self.grade_button.setToolTip(tr("Record the grade of the selected session (as an amendment)"))
        self.charts_button = QPushButton(tr("Show &charts"))
        self.save_button = QPushButton(tr("Save charts as &PNG…"))
        self.save_button.setEnabled(False)
        self.summary_button = QPushButton(tr("Save course summar&y as PDF…"))
        self.summary_button.clicked.connect(lambda _=False: self.save_summary())
        self.plan = PlanPanel(ctx, patient_id)
        self.actions_row = CourseActions(ctx, patient_id, self.refresh)
        self.grade_button.clicked.connect(self.record_grade)
        self.charts_button.clicked.connect(self.show_charts)
        self.save_button.clicked.connect(self.save_charts)
        self.photos_button = QPushButton(tr("Compare p&hotos…"))
        self.photos_button.clicked.connect(self.compare_photos)
        buttons = QHBoxLayout()
        buttons.addWidget(self.next_due, 1)
        for b in (self.grade_button, self.charts_button, self.save_button, self.summary_button, self.photos_button):
            buttons.addWidget(b)
        self.chart_row = QHBoxLayout()
        same = sorted(ctx.store.clinic_copy.aliases(patient_id))  # one person registered twice, merged
        self.scope = ScopeBar(ctx, lambda records: clinic_course_rows(records, same), self)
        self.scope.changed.connect(self.refresh)
        self.here = str(ctx.store.meta_value("device_name") or "") or tr("this laptop")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.scope)
        layout.addWidget(self.actions_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.plan)
        layout.addLayout(buttons)
        layout.addLayout(self.chart_row, 1)
        self.refresh()

    def refresh(self) -> None:
        settings = self.ctx.settings
        patient = self.ctx.store.patient(self.patient_id)
        interval = None
        if patient is not None:
            interval = int(settings.get(f"protocol/interval_days/{patient.indication}"))
        scope = getattr(self, "scope", None)  # built after the first refresh
        if scope is not None and scope.whole_clinic():
            rows, followups = scope.answer
            rows = [{**r, "patient_id": self.patient_id} for r in in_room(rows, scope.chosen_room())]
            course = self.course = build_course(rows, self.patient_id, self.ctx.protocol, interval,
                                                by_session(followups))
            if patient is not None:
                course.patient_name, course.clinic_id = patient.name, patient.clinic_id
        else:
            course = self.course = patient_course(self.ctx.store, self.patient_id, interval)
        self.setWindowTitle(tr("Course — {patient_name}").format(patient_name=course.patient_name))
        label = self.ctx.protocol.label("indications", course.indication)
        self.heading.setText(tr("{patient_name} ({clinic_id}) — {label}: {len} signed session(s)").format(
            patient_name=course.patient_name, clinic_id=course.clinic_id, label=label, len=len(course.signed)))
        due = course.next_due.isoformat() if course.next_due else "—"
        self.next_due.setText(tr("Next due: <b>{due}</b> (interval {interval_days} days)").format(
                                 due=due, interval_days=course.interval_days))
        protocol = self.ctx.protocol
        self.table.setRowCount(len(course.entries))
        for i, e in enumerate(course.entries):
            cells = (str(e.number or ""), e.started.strftime("%Y-%m-%d %H:%M"),
                     f"{e.interval_days} d" if e.interval_days is not None else "",
                     f"{e.needle_mm:.1f}" if e.needle_mm is not None else "",
                     f"{protocol.label('scales', e.scale)} {e.grade}".strip() if e.grade else "",
                     ", ".join(protocol.label("side_effects", k) for k in e.side_effects)
                     or ("none" if e.none_observed else ""),
                     "; ".join(followup_text(f, protocol) for f in e.followups),
                     protocol.label("adjuncts", e.adjunct) if e.adjunct else "", e.status,
                     e.room or getattr(self, "here", ""))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, e.session_id)
                self.table.setItem(i, col, item)
        self.table.resizeColumnsToContents()
        if hasattr(self, "plan"):  # built after the first refresh
            self.plan.refresh()
            self.actions_row.refresh()
            planned = self.plan.next_text()
            if planned:
                self.next_due.setText(planned)
        if self.charts:
            self.draw_charts()

    def compare_photos(self) -> QWidget:
        """Each session's photo of a view in a row; two of them before and after."""
        self.photo_window = PhotoCompareWindow(self.ctx, self.patient_id, self)
        self.photo_window.show()
        return self.photo_window

    # -- charts ----------------------------------------------------------------------------
    def show_charts(self) -> None:
        if not self.charts:
            self.charts["needle"] = charts.plot_widget(tr("Needle length"), "mm", "date", dates=True)
            self.charts["grade"] = charts.plot_widget("Grade", "grade", "date", dates=True)
            for w in self.charts.values():
                self.chart_row.addWidget(w)
            self.save_button.setEnabled(True)
        self.draw_charts()

    def draw_charts(self) -> None:
        lib = charts.pg()
        assert self.course is not None
        signed = self.course.signed
        xs = [e.started.timestamp() for e in signed]
        needle = self.charts["needle"]
        needle.clear()
        pts = [(x, e.needle_mm) for x, e in zip(xs, signed, strict=True) if e.needle_mm is not None]
        if pts:
            needle.plot([p[0] for p in pts], [p[1] for p in pts], pen=lib.mkPen("#3b6ea5", width=2),
                        symbol="o", symbolBrush="#3b6ea5")
        self.plan.mark_chart(needle, lib, 0.45)
        needle.setYRange(0.4, 1.6)
        grade = self.charts["grade"]
        grade.clear()
        scale = signed[-1].scale if signed else ""
        gp = [(x, grade_value(self.ctx.protocol, e.scale, e.grade)) for x, e in zip(xs, signed, strict=True)
              if e.scale == scale]
        gp2 = [(x, y) for x, y in gp if y is not None]
        if gp2:
            grade.plot([p[0] for p in gp2], [p[1] for p in gp2], pen=lib.mkPen("#a53b3b", width=2),
                       symbol="s", symbolBrush="#a53b3b")
        if scale:
            grades = self.ctx.protocol.scale(scale).grades
            grade.setTitle(tr("Grade: {label}").format(label=self.ctx.protocol.label('scales', scale)))
            if grades:
                grade.getAxis("left").setTicks([[(i + 1, g) for i, g in enumerate(grades)]])
                grade.getAxis("left").setWidth(72)  # room for "III vertex"
                grade.setYRange(0.5, len(grades) + 0.5)
            else:
                grade.setYRange(0, 100)

    def save_charts(self, folder: str | None = None) -> list[str]:
        if not self.charts:
            self.show_charts()
        written = []
        for name, widget in self.charts.items():
            path = (f"{folder}/course-{name}.png" if folder else
                    charts.ask_png(self, f"course-{name}.png"))
            if path:
                charts.save_png(widget, path)
                written.append(path)
        return written

    def save_summary(self, path: str | None = None) -> str:
        """The course summary (plans, planned against done, sessions) as a PDF."""

        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, tr("Save the course summary"), "course-summary.pdf",
                                                  tr("PDF files (*.pdf)"))
        if not path:
            return ""
        try:
            save_summary(self.ctx, self.patient_id, path)
        except (RenderError, OSError) as exc:
            QMessageBox.warning(self, tr("Course summary"), tr("The PDF was not saved: {why}").format(why=exc))
            return ""
        return path

    # -- grading ---------------------------------------------------------------------------
    def selected_session(self) -> str | None:
        item = self.table.item(self.table.currentRow(), 0) if self.table.currentRow() >= 0 else None
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def record_grade(self) -> None:
        sid = self.selected_session()
        state = self.ctx.store.session_state(sid) if sid else None
        if state is None or state.status != "signed":
            QMessageBox.information(self, tr("Record grade"), tr("Select a signed session first."))
            return
        dialog = GradeDialog(self.ctx, state.scale, state.grade, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.save_grade(str(sid), dialog.grade(), dialog.reason.text())

    def save_grade(self, session_id: str, grade: str, reason: str) -> bool:
        reason = reason or tr("Grade recorded after the session")
        try:
            if not amend_signed(self.ctx, session_id, "grade", grade, reason):
                return False
        except (ValidationError, StoreError) as exc:
            QMessageBox.warning(self, tr("Grade not saved"), str(exc))
            return False
        self.refresh()
        return True


class GradeDialog(AmendmentForm):
    """The picker for the session's scale (Norwood–Hamilton, Ludwig, Sinclair) or SALT."""

    def __init__(self, ctx: UiContext, scale: str, current: str, parent: QWidget | None = None) -> None:
        sc = ctx.protocol.scale(scale)
        super().__init__(tr("Grade — {label}").format(label=sc.label), tr("why (e.g. graded at the 3-month review)"),
                         parent)
        self.picker = QComboBox()
        self.salt = QSpinBox()
        self.salt.setRange(0, 100)
        if sc.grades:
            self.picker.addItems(list(sc.grades))
            if current in sc.grades:
                self.picker.setCurrentText(current)
            self.form.addRow(tr(sc.label), self.picker)
        else:
            self.salt.setValue(int(current) if current.isdigit() else 0)
            calc = QPushButton(tr("SALT &calculator…"))
            calc.clicked.connect(self.calculate)
            row = QHBoxLayout()
            row.addWidget(self.salt)
            row.addWidget(calc)
            self.form.addRow(tr("SALT score"), row)
        self.uses_salt = not sc.grades
        self.add_reason(tr("Reason"))

    def save(self) -> None:
        self.accept()  # the course window saves the grade once the dialog is accepted

    def grade(self) -> str:
        return str(self.salt.value()) if self.uses_salt else self.picker.currentText()

    def calculate(self) -> None:
        dialog = SaltDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_score is not None:
            self.salt.setValue(dialog.result_score)


class SaltDialog(QDialog):
    """Percent hair loss in four regions → SALT score and band, as you type."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("SALT calculator"))
        self.result_score: int | None = None
        self.boxes: dict[str, QSpinBox] = {}
        form = QFormLayout()
        for key, label, weight in SALT_REGIONS:
            box = QSpinBox()
            box.setRange(0, 100)
            box.setSuffix(" %")
            box.setAccessibleName(tr("{label} hair loss").format(label=label))
            box.valueChanged.connect(self.update_result)
            self.boxes[key] = box
            form.addRow(tr("{label} (weight {weight} %)").format(label=label, weight=weight), box)
        self.result_label = QLabel()
        self.result_label.setStyleSheet("font-size: 14pt; font-weight: bold;")
        form.addRow(tr("SALT"), self.result_label)
        buttons = take_or_cancel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Percent of hair lost in each region:")))
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.update_result()

    def update_result(self) -> None:
        try:
            res = salt_score({k: b.value() for k, b in self.boxes.items()})
        except ValidationError as exc:
            self.result_label.setText(exc.message)
            self.result_score = None
            return
        self.result_score = res.score
        self.result_label.setText(f"{res.score} — {res.band}")


class PatientPicker(QDialog):
    """Find a patient by name, clinic ID or date of birth."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(tr("Patient course — choose the patient"))
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("name, clinic ID or date of birth"))
        self.list = QListWidget()
        self.search.textChanged.connect(self.fill)
        self.list.itemActivated.connect(lambda _item: self.accept())
        buttons = take_or_cancel(self, Button.Open)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(460, 520)
        self.fill("")

    def fill(self, text: str) -> None:
        self.list.clear()
        for p in self.ctx.store.find_patients(text)[:300]:
            item = QListWidgetItem(f"{p.name} — {p.clinic_id} — born {p.dob.isoformat()}")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def patient_id(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None


