"""Courses for the demo patients, in every state the Due list knows.

Made after the demo sessions, from each patient's visit days: some patients keep no plan (as
records from before course plans), others follow a preset and are left running, paused,
stopped early, completed, given another plan mid-course, or past their main phase into
maintenance. Every course event is made by the core's checks, dated on the visit it belongs to.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from microneedle_desk.core.course_events import CHANGED, ENDED, PAUSED, STARTED, make_course_event
from microneedle_desk.core.course_plan import CoursePlan
from microneedle_desk.core.record_types import CourseEventDoc
from microneedle_desk.core.records import Patient
from microneedle_desk.store.courses import CourseFile
from microneedle_desk.store.store import Store

KINDS = ("no_plan", "running", "paused", "stopped", "changed", "completed")
PAUSE_REASON = "Demo: patient travelling for a month; resumes on return."
STOP_REASON = "Demo: patient chose to stop after a scalp infection settled; will rethink in spring."
CHANGE_REASON = "Demo: patient can only come monthly; same needle length."


def _plan(store: Store, plan_id: str) -> CoursePlan:
    return next(p for p in store.protocol.course_plans if p.id == plan_id)


def add_demo_courses(store: Store, visits: dict[str, tuple[Patient, list[date]]], by: str,
                     tz: Any) -> int:
    """Course events for the demo patients (by clinic ID order, a state each in turn); how many."""
    book = CourseFile(store)
    made = 0
    written: list[CourseEventDoc] = []
    for number, (patient, seen) in enumerate(sorted(visits.values(), key=lambda v: v[0].clinic_id)):
        kind = KINDS[number % len(KINDS)]
        days = sorted(set(seen))
        if kind == "no_plan" or not days:
            continue
        plan = _plan(store, "biweekly_6" if patient.indication != "other" else "monthly_6_prp")
        if kind == "completed":
            plan = _plan(store, "three_weekly_3" if len(days) < 6 else "biweekly_6")
        elif kind == "running":  # a course started at a later visit: its last visits are its first
            days = days[-min(len(days), plan.sessions - 2):]

        def event(kind_: str, day: date, course_id: str | None, who: Patient = patient,
                  **fields: Any) -> CourseEventDoc:
            moment = datetime.combine(day, time(18, 0), tz)
            written.append(make_course_event(kind_, patient_id=who.id, course_id=course_id, by=by,
                                             device=store.device, now=moment, on=day, **fields))
            return written[-1]

        started = event(STARTED, days[0], None, plan=plan)
        course_id = started["course_id"]
        made += 1
        if kind == "paused" and len(days) >= 2:
            event(PAUSED, days[1], course_id, reason=PAUSE_REASON)
        elif kind == "stopped" and len(days) >= 3:
            event(ENDED, days[2], course_id, outcome="stopped", reason=STOP_REASON)
        elif kind == "changed" and len(days) >= 3:
            event(CHANGED, days[2], course_id, plan=_plan(store, "monthly_6_prp"), reason=CHANGE_REASON)
        elif kind == "completed" and len(days) >= plan.sessions:
            event(ENDED, days[plan.sessions - 1], course_id, outcome="completed")
    book.append_many(written)
    book.close()
    return made
