"""A patient's course on screen: its state, the buttons that change it, and the choice a late
session needs. Every change is a Clinic command (clinic/courses.py) run through the controller;
nothing here decides what is allowed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, TypedDict

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.due import place_text, progress
from microneedle_desk.i18n import tr
from microneedle_desk.ui.dialog_buttons import take_or_cancel

if TYPE_CHECKING:
    from microneedle_desk.clinic import Clinic
    from microneedle_desk.core.records import Patient
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


def run(parent: QWidget, ctx: UiContext, title: str, command: Callable[[Clinic], object]) -> bool:
    """Run a course command; a refusal is shown with the clinic's own message."""
    problem = ctx.controller.course_command(command)
    if problem:
        QMessageBox.warning(parent, title, problem)
    return problem is None


def status_text(ctx: UiContext, patient_id: str) -> str:
    """"Weekly × 12 (Dhurat 2013): session 4 of 12, active" or "No course plan"."""
    courses = ctx.controller.clinic.courses
    course = courses.current(patient_id)
    if course is None:
        return tr("No course plan: the next date is suggested from the last interval.")
    p = progress(course, courses.visits(patient_id))
    state = {"active": tr("running"), "paused": tr("paused"), "completed": tr("completed"),
             "stopped": tr("stopped early")}.get(course.status, course.status)
    done = place_text((p.kind, p.done, p.total)) if p.done or p.kind == "main" else tr("main phase done")
    text = tr("{plan} ({source}): {place} done, {state}").format(
        plan=course.plan.label, source=course.plan.source, place=done, state=state)
    return text + (f" — {course.reason}" if course.reason else "")


class CourseChoice(TypedDict):
    """What :class:`CourseDialog` asks for; a command reads the ones its change needs."""

    plan: str  # the chosen plan's id
    on: str  # the day sessions count from, as typed (the Clinic checks it)
    phase: str  # main or maintenance
    outcome: str  # completed or stopped
    reason: str


class CourseDialog(QDialog):
    """The values one course change needs: a plan, a day, a phase, an outcome, a reason."""

    def __init__(self, ctx: UiContext, title: str, parent: QWidget | None = None, *, plans: bool = False,
                 on: bool = False, phase: bool = False, outcome: bool = False, reason: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout()
        self.plan = QComboBox()
        for plan in ctx.controller.clinic.courses.plans() if plans else []:
            self.plan.addItem(f"{plan.label} — {plan.source} — {plan.describe()}", plan.id)
        if plans:
            self.plan.setAccessibleName(tr("Course plan"))
            form.addRow(tr("&Plan"), self.plan)
        self.on = QLineEdit(ctx.clock.now().date().isoformat())
        if on:
            self.on.setToolTip(tr("Sessions from this day on count in the course (YYYY-MM-DD)"))
            form.addRow(tr("Counts sessions &from"), self.on)
        self.phase = QComboBox()
        self.phase.addItem(tr("A new main phase (count from session 1 again)"), "main")
        self.phase.addItem(tr("Maintenance"), "maintenance")
        if phase:
            form.addRow(tr("P&hase"), self.phase)
        self.outcome = QComboBox()
        self.outcome.addItem(tr("Completed"), "completed")
        self.outcome.addItem(tr("Stopped early"), "stopped")
        if outcome:
            form.addRow(tr("&Outcome"), self.outcome)
        self.reason = QLineEdit()
        if reason:
            self.reason.setPlaceholderText(tr("why (kept with the course's history)"))
            form.addRow(tr("&Reason"), self.reason)
        buttons = take_or_cancel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> CourseChoice:
        return {"plan": self.plan.currentData(), "on": self.on.text().strip(), "phase": self.phase.currentData(),
                "outcome": self.outcome.currentData(), "reason": self.reason.text()}


class CourseActions(QWidget):
    """The course's state line and the buttons that start, pause, resume, change or end it."""

    def __init__(self, ctx: UiContext, patient_id: str, on_change: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.patient_id, self.on_change = ctx, patient_id, on_change
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 1)
        self.buttons: dict[str, QPushButton] = {}
        for key, text in (("start", tr("&Start course…")), ("pause", tr("P&ause…")), ("resume", tr("Res&ume")),
                          ("change", tr("Change p&lan…")), ("phase", tr("Ne&w phase…")),
                          ("end", tr("&End course…"))):
            b = QPushButton(text)
            b.clicked.connect(lambda _=False, k=key: self.act(k))
            row.addWidget(b)
            self.buttons[key] = b
        self.refresh()

    def refresh(self) -> None:
        self.status.setText(status_text(self.ctx, self.patient_id))
        course = self.ctx.controller.clinic.courses.current(self.patient_id)
        may = self.ctx.may("run_sessions") and not self.ctx.store.read_only
        open_ = course is not None and course.open
        shown = {"start": not open_, "pause": open_ and course is not None and course.status == "active",
                 "resume": open_ and course is not None and course.status == "paused",
                 "change": open_, "phase": open_, "end": open_}
        for key, b in self.buttons.items():
            b.setVisible(may and shown[key])

    def act(self, key: str) -> None:
        pid = self.patient_id
        titles = {"start": tr("Start a course"), "pause": tr("Pause the course"), "resume": tr("Resume the course"),
                  "change": tr("Change the course plan"), "phase": tr("Start a new phase"),
                  "end": tr("End the course")}
        title = titles[key]
        if key == "resume":
            if run(self, self.ctx, title, lambda c: c.courses.resume(pid)):
                self.changed()
            return
        dialog = CourseDialog(self.ctx, title, self, plans=key in ("start", "change"), on=key == "start",
                              phase=key == "phase", outcome=key == "end", reason=key != "start")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        v = dialog.values()
        commands: dict[str, Callable[[Clinic], object]] = {
            "start": lambda c: c.courses.start(pid, v["plan"], on=v["on"]),
            "pause": lambda c: c.courses.pause(pid, v["reason"]),
            "change": lambda c: c.courses.change_plan(pid, v["plan"], v["reason"]),
            "phase": lambda c: c.courses.new_phase(pid, v["phase"], v["reason"]),
            "end": lambda c: c.courses.end(pid, v["outcome"], v["reason"]),
        }
        if run(self, self.ctx, title, commands[key]):
            self.changed()

    def changed(self) -> None:
        self.refresh()
        self.on_change()


class GapDialog(CourseDialog):
    """A session far past the plan's window: the practitioner chooses a new phase or a new course."""

    def __init__(self, ctx: UiContext, due: str, days: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, tr("Far outside the course plan"), parent, plans=True, phase=True, reason=True)
        intro = QLabel(tr("This session was due on {due}: it is {days} days late, far outside the plan's "
                          "window. Choose how it counts: the plan below is for a new course.").format(
                              due=due, days=days))
        intro.setWordWrap(True)
        self.new_phase = QRadioButton(tr("Start a new &phase of this course"))
        self.new_course = QRadioButton(tr("Start a new &course"))
        self.new_phase.setChecked(True)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        for i, w in enumerate((intro, self.new_phase, self.new_course)):
            layout.insertWidget(i, w)


def _gap_command(pid: str, v: CourseChoice, phase: bool) -> Callable[[Clinic], object]:
    if phase:
        return lambda c: c.courses.new_phase(pid, v["phase"], v["reason"])
    return lambda c: c.courses.new_course(pid, v["plan"], v["reason"])


def settle_gap(parent: QWidget, ctx: UiContext, patient: Patient) -> bool:
    """Before a session starts: when it is far past the course plan's window, ask the practitioner
    how it counts and record that; False when they cancel (the session is not started)."""
    courses = ctx.controller.clinic.courses
    gap = courses.gap(patient.id)
    if gap is None:
        return True
    dialog = GapDialog(ctx, gap[0].isoformat(), gap[1], parent)
    while dialog.exec() == QDialog.DialogCode.Accepted:
        if run(dialog, ctx, dialog.windowTitle(), _gap_command(patient.id, dialog.values(),
                                                               dialog.new_phase.isChecked())):
            return True
    return False


class SessionPlace:
    """A session's place in its course ("Session 4 of 12") and the next session's on-time days,
    read once per session (the screens refresh many times a second)."""

    def __init__(self) -> None:
        self._for: str | None = None
        self._note: tuple[str, tuple[date, date, date] | None] | None = None

    def note(self, ctx: UiContext, state: SessionState) -> tuple[str, tuple[date, date, date] | None] | None:
        if state.id != self._for:
            self._for = state.id
            day = state.started.wall.date() if state.started else None
            self._note = ctx.controller.clinic.courses.note(state.patient_id, day)
        return self._note

    def text(self, ctx: UiContext, state: SessionState) -> str:
        note = self.note(ctx, state)
        return note[0] if note else ""

    def forget(self) -> None:
        self._for = None


def suggestion_text(ctx: UiContext, place: SessionPlace, state: SessionState, suggested: date) -> str:
    """Where the aftercare step's suggested next date comes from: the course plan, or the interval."""
    note = place.note(ctx, state)
    if note is not None and note[1] is not None:
        _, first, last = note[1]
        return tr("Suggested from the course plan ({place}): {day}; on time from {first} to {last} "
                  "(press Enter in the field to keep it).").format(
                      place=note[0], day=suggested.isoformat(), first=first.isoformat(), last=last.isoformat())
    return tr("Suggested from the interval of {n} days (no course plan): {day} (press Enter in the field to "
              "keep it).").format(n=state.config.interval_days, day=suggested.isoformat())
