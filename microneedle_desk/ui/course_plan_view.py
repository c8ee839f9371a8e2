"""The Course view's plan part: the planned sessions against the visits, marks on the charts, and
the course summary saved as PDF. The schedule is the core's (core/course_schedule.py)."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from microneedle_desk.core.course_schedule import PlanPoint, schedule, summary
from microneedle_desk.i18n import N_, tr
from microneedle_desk.printing import jobs
from microneedle_desk.printing.lists import course_summary_doc
from microneedle_desk.printing.render import write_pdf
from microneedle_desk.ui.context import who_is_working

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext


def _x(day: Any) -> float:
    return datetime.combine(day, time(12, 0)).timestamp()


class PlanPanel(QWidget):
    """The current course's planned sessions: due day, on-time window, the visit, late or early."""

    HEADERS = ("#", N_("Phase"), N_("Due"), N_("On time"), N_("Came"), "")

    def __init__(self, ctx: UiContext, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.patient_id = ctx, patient_id
        self.points: list[PlanPoint] = []
        self.summary = QLabel()
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        self.table.setHorizontalHeaderLabels([tr(h) if h not in ("#", "") else h for h in self.HEADERS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setMaximumHeight(170)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        self.refresh()

    def refresh(self) -> None:
        courses = self.ctx.controller.clinic.courses
        course = courses.current(self.patient_id)
        if course is None:
            self.points = []
            self.summary.setText(tr("No course plan: the table above shows the intervals kept."))
            self.table.setVisible(False)
            return
        visits = courses.visits(self.patient_id)
        self.points = schedule(course, visits)
        counts = summary(course, visits)
        self.summary.setText(tr("Plan against what happened: {done} done ({on_time} on time, {late} late, "
                                "{early} early), {planned} still planned.").format(**counts))
        self.table.setVisible(True)
        self.table.setRowCount(len(self.points))
        for i, p in enumerate(self.points):
            mark = tr("late") if p.late else tr("early") if p.early else (tr("on time") if p.came else "")
            values = (str(p.number), tr("maintenance") if p.phase == "maintenance" else tr("main"),
                      p.due.isoformat(), f"{p.low.isoformat()} – {p.high.isoformat()}",
                      p.came.isoformat() if p.came else "", mark)
            for col, text in enumerate(values):
                self.table.setItem(i, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def next_text(self) -> str:
        """The plan's next session: its day and the days it is on time (empty: no plan, or none left)."""
        course = self.ctx.controller.clinic.courses.current(self.patient_id)
        upcoming = next((p for p in self.points if p.came is None), None)
        if upcoming is None or course is None or course.status != "active":
            return ""
        return tr("Next due by the course plan: <b>{due}</b> (on time {low} – {high})").format(
            due=upcoming.due.isoformat(), low=upcoming.low.isoformat(), high=upcoming.high.isoformat())

    def mark_chart(self, chart: Any, lib: Any, low: float) -> None:
        """Planned due days as ticks along the bottom of ``chart``; late visits marked with a cross."""
        if not self.points:
            return
        ticks = [_x(p.due) for p in self.points]
        chart.plot(ticks, [low] * len(ticks), pen=None, symbol="t1", symbolSize=12, symbolBrush="#777",
                   name=tr("planned"))
        late = [_x(p.came) for p in self.points if p.late and p.came is not None]
        if late:
            chart.plot(late, [low] * len(late), pen=None, symbol="x", symbolSize=14, symbolBrush="#c00",
                       symbolPen="#c00", name=tr("late"))


def save_summary(ctx: UiContext, patient_id: str, path: str) -> int:
    """The patient's course summary as a PDF at ``path``; the pages written."""
    courses = ctx.controller.clinic.courses
    patient = ctx.store.patient(patient_id)
    sessions = [(str(r.get("started_at", ""))[:10], f"{r['needle_mm']:.1f}" if r.get("needle_mm") is not None else "",
                 str(r.get("grade") or ""), str(r.get("status") or ""))
                for r in ctx.store.patient_summaries(patient_id)]
    doc = course_summary_doc(patient.name if patient else "", patient.clinic_id if patient else "",
                             courses.courses(patient_id), courses.visits(patient_id), sessions,
                             jobs.clinic_info(ctx.settings), who_is_working(ctx), ctx.clock.now())
    return write_pdf([doc], path, jobs.default_paper(ctx.settings))
