"""Printed lists: the Due list, and a patient's course summary (plan against what happened)."""

from __future__ import annotations

from datetime import date, datetime

from microneedle_desk.core.course_events import Course
from microneedle_desk.core.course_schedule import schedule, summary
from microneedle_desk.core.due import DueRow, Visit, state_label
from microneedle_desk.i18n import tr
from microneedle_desk.printing.content import ClinicInfo, Field, Footer, PrintDoc, Section, Table
from microneedle_desk.printing.formats import fmt_dt


def _printed(by: str, at: datetime) -> str:
    return tr("Printed by {who} on {when}").format(who=by, when=fmt_dt(at)) if by else \
        tr("Printed on {when}").format(when=fmt_dt(at))


def due_list_doc(rows: list[DueRow], headers: tuple[str, ...], cells: list[tuple[str, ...]], as_of: date,
                 clinic: ClinicInfo, by: str, now: datetime, filter_text: str = "") -> PrintDoc:
    """The Due list as shown (its filter applied), grouped by nothing: one table, in the list's order."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    overview = Section(tr("In this list"), fields=[Field(state_label(s), str(n)) for s, n in counts.items()])
    if filter_text:
        overview.fields.append(Field(tr("Filter"), filter_text))
    keep = (0, 1, 2, 3, 4, 5, 6)  # state, clinic ID, patient, last, next due, n of N, days overdue
    table = Table(tuple(headers[i] for i in keep), [tuple(c[i] for i in keep) for c in cells])
    return PrintDoc("list", clinic, tr("Due list as of {day}").format(day=as_of.isoformat()),
                    [(tr("As of"), as_of.isoformat()), (tr("Entries"), str(len(rows)))],
                    [overview, Section(tr("Patients"), columns=1, table=table)],
                    Footer(signature=False, printed=_printed(by, now)))


def course_summary_doc(name: str, clinic_id: str, courses: list[Course], visits: list[Visit],
                       sessions: list[tuple[str, str, str, str]], clinic: ClinicInfo, by: str,
                       now: datetime) -> PrintDoc:
    """A patient's courses: each plan with its history (changes, pauses, end), the planned sessions
    against the visits, and the sessions with needle length and grade."""
    sections: list[Section] = []
    for course in courses:
        counts = summary(course, visits)
        status = {"active": tr("running"), "paused": tr("paused"), "completed": tr("completed"),
                  "stopped": tr("stopped early")}.get(course.status, course.status)
        sec = Section(tr("Course from {day}: {plan}").format(day=course.on.isoformat(), plan=course.plan.label),
                      fields=[Field(tr("Plan"), f"{course.plan.source} — {course.plan.describe()}"),
                              Field(tr("State"), status + (f" ({course.reason})" if course.reason else "")),
                              Field(tr("Sessions done"), str(counts["done"])),
                              Field(tr("On time / late / early"),
                                    f"{counts['on_time']} / {counts['late']} / {counts['early']}"),
                              Field(tr("Still planned"), str(counts["planned"]))])
        history = [f"{ev['on']}: {ev['type'].replace('_', ' ')}" + (f" — {ev['reason']}" if ev.get("reason") else "")
                   + (f" ({ev['plan']['label']})" if ev.get("plan") else "") for ev in course.events]
        sec.bullets = history
        sections.append(sec)
        rows: list[tuple[str, ...]] = [(f"{p.number}" + (" M" if p.phase == "maintenance" else ""), p.due.isoformat(),
                 f"{p.low.isoformat()} – {p.high.isoformat()}", p.came.isoformat() if p.came else "",
                 tr("late") if p.late else tr("early") if p.early else ("" if p.came is None else tr("on time")))
                for p in schedule(course, visits)]
        sections.append(Section(tr("Planned against what happened"), columns=1, table=Table(
            ("#", tr("Due"), tr("On time"), tr("Came"), ""), rows)))
    sections.append(Section(tr("Sessions"), columns=1, table=Table(
        (tr("Date"), tr("Needle mm"), tr("Grade"), tr("Status")), [tuple(s) for s in sessions])))
    if not courses:
        sections.insert(0, Section(tr("Course plan"), paragraphs=[tr("No course plan: sessions are listed "
                                                                     "with the intervals kept.")]))
    return PrintDoc("course", clinic, tr("Course summary"), [(tr("Patient"), name), (tr("Clinic ID"), clinic_id)],
                    sections, Footer(signature=False, printed=_printed(by, now)))
