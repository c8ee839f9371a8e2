"""Settings → Course plans: the presets a course can start from, and a form to add the clinic's own.

A preset typed here goes to the Clinic (``courses.add_preset``), which checks it as the shipped
plans are checked; a refusal is shown under the form, naming the field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.i18n import N_, tr
from microneedle_desk.ui.colours import error_style

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext

FIELDS = (("id", N_("&Id (letters, digits, _ - .)")), ("label", N_("&Label")), ("source", N_("S&ource")),
          ("sessions", N_("&Sessions")), ("interval_days", N_("&Interval (days)")),
          ("window_days", N_("&Window ± (days)")), ("needle_mm", N_("&Needle (mm, optional)")),
          ("maint_interval", N_("&Maintenance interval (days, optional)")),
          ("maint_window", N_("Maintenance wi&ndow ± (days)")),
          ("maint_sessions", N_("Maintenance sessions (optional)")))


class CoursePresetDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(tr("Course plans"))
        self.list = QListWidget()
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for key, label in FIELDS:
            edit = QLineEdit()
            edit.setAccessibleName(tr(label).replace("&", ""))
            self.edits[key] = edit
            form.addRow(tr(label), edit)
        self.adjunct = QComboBox()
        for choice in ctx.protocol.adjuncts:
            self.adjunct.addItem(choice.label, choice.id)
        form.addRow(tr("&Adjunct"), self.adjunct)
        self.error = QLabel()
        self.error.setStyleSheet(error_style())
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.add_button = buttons.addButton(tr("A&dd plan"), QDialogButtonBox.ButtonRole.ActionRole)
        self.add_button.clicked.connect(self.add)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Plans a course can start from:")))
        layout.addWidget(self.list, 1)
        layout.addWidget(QLabel(tr("Add the clinic's own plan:")))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(620, 640)
        self.fill()

    def fill(self) -> None:
        self.list.clear()
        for plan in self.ctx.controller.clinic.courses.plans():
            own = tr(" (this clinic's)") if plan.clinic else ""
            self.list.addItem(f"{plan.label} — {plan.source}{own}: {plan.describe()}")

    def raw(self) -> JsonObject:
        """The plan as typed, for the Clinic to check (CoursePlanDoc once it holds)."""
        v = {k: e.text().strip() for k, e in self.edits.items()}
        raw: JsonObject = {k: v[k] for k in ("id", "label", "source", "sessions", "interval_days", "window_days")}
        raw["needle_mm"] = v["needle_mm"] or None
        raw["adjunct"] = self.adjunct.currentData()
        if v["maint_interval"]:
            raw["maintenance"] = {"interval_days": v["maint_interval"], "window_days": v["maint_window"] or "0",
                                  "sessions": v["maint_sessions"] or None}
        return raw

    def add(self) -> bool:
        raw = self.raw()
        problem = self.ctx.controller.course_command(lambda c: c.courses.add_preset(raw))
        if problem is not None:
            self.error.setText(problem)
            return False
        self.error.setText("")
        for edit in self.edits.values():
            edit.clear()
        self.fill()
        return True
