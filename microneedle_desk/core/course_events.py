"""A patient's courses as events: started, paused, resumed, plan changed, new phase, ended (Qt-free).

Every change to a course is one event record (UUID, device, author, time with its UTC offset,
the reason where one is needed); nothing is overwritten, so a changed plan keeps the old one in
the history. :func:`fold_courses` turns a patient's events into their courses as they stand.

Which sessions belong to a course is read from the dates: a course (and each phase of it)
counts the patient's signed sessions from the day it starts (``on``), until it ends. A course's
plan counts visits, so two sessions on one day are one visit of the plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from microneedle_desk.core.course_plan import CoursePlan, Phase, plan_from_doc
from microneedle_desk.core.record_types import CourseEventDoc
from microneedle_desk.core.records import SCHEMA_VERSION, is_uuid, iso, new_id, parse_iso
from microneedle_desk.core.validation import ValidationError, parse_date, require_text
from microneedle_desk.i18n import tr

STARTED, PAUSED, RESUMED, CHANGED, PHASE, ENDED = (
    "course_started", "course_paused", "course_resumed", "plan_changed", "phase_started", "course_ended")
TYPES = (STARTED, PAUSED, RESUMED, CHANGED, PHASE, ENDED)
OUTCOMES = ("completed", "stopped")
PHASES = ("main", "maintenance")
REASON_MAX = 500


@dataclass
class PhaseRun:
    """One run of sessions under a course: its kind and the day it starts counting."""

    kind: str       # "main" | "maintenance"
    on: date
    reason: str = ""


@dataclass
class Course:
    """One course of a patient, as its events leave it."""

    id: str
    patient_id: str
    plan: CoursePlan
    on: date                                    # the day it counts sessions from
    status: str = "active"                      # active | paused | completed | stopped
    reason: str = ""                            # why paused / stopped
    ended_on: date | None = None
    plans: list[tuple[date, CoursePlan, str]] = field(default_factory=list)  # (from, plan, reason)
    phases: list[PhaseRun] = field(default_factory=list)
    events: list[CourseEventDoc] = field(default_factory=list)

    @property
    def phase(self) -> PhaseRun:
        return self.phases[-1]

    def phase_rule(self) -> Phase:
        """The interval, window and count of the phase in force."""
        if self.phase.kind == "maintenance" and self.plan.maintenance is not None:
            return self.plan.maintenance
        return self.plan.main

    @property
    def open(self) -> bool:
        return self.status in ("active", "paused")


def make_course_event(kind: str, *, patient_id: str, course_id: str | None, by: str, device: str,
                      now: datetime, on: object = None, plan: CoursePlan | None = None, reason: object = "",
                      outcome: str = "", phase: str = "") -> CourseEventDoc:
    """A checked course event; ValidationError names the field and what is allowed."""
    if kind not in TYPES:
        raise ValidationError("type", tr("Unknown course change “{kind}”.").format(kind=kind))
    if not is_uuid(patient_id):
        raise ValidationError("patient_id", tr("A course belongs to a registered patient."))
    day = parse_date(on, "on", tr("The day")) if on not in (None, "") else now.date()
    if day > now.date():
        raise ValidationError("on", tr("The day a course change takes effect cannot be in the future."))
    reason_t = str(reason or "").strip()
    if len(reason_t) > REASON_MAX:
        raise ValidationError("reason", tr("The reason is limited to {n} characters.").format(n=REASON_MAX))
    needs_reason = kind in (PAUSED, CHANGED, PHASE) or (kind == ENDED and outcome == "stopped")
    if needs_reason and not reason_t:
        raise ValidationError("reason", tr("Give the reason: it is kept with the course's history."))
    if kind in (STARTED, CHANGED) and plan is None:
        raise ValidationError("plan", tr("Choose a course plan."))
    if kind == ENDED and outcome not in OUTCOMES:
        raise ValidationError("outcome", tr("A course ends as completed or stopped early."))
    if kind == PHASE and phase not in PHASES:
        raise ValidationError("phase", tr("A new phase is a main phase or maintenance."))
    doc: CourseEventDoc = {
        "schema": SCHEMA_VERSION, "kind": "course_event", "type": kind, "id": new_id(),
        "patient_id": patient_id, "course_id": str(course_id) if kind != STARTED else new_id(),
        "on": day.isoformat(), "reason": reason_t,
        "by": require_text(by, "by", tr("Who made the change"), 200),
        "device": require_text(device, "device", tr("The device"), 200), "at": iso(now),
    }
    if kind != STARTED and not is_uuid(course_id):
        raise ValidationError("course_id", tr("This patient has no course to change."))
    if plan is not None:
        doc["plan"] = plan.to_doc()
    if outcome:
        doc["outcome"] = outcome
    if phase:
        doc["phase"] = phase
    return doc


def validate_course_event(doc: object) -> CourseEventDoc:
    """A stored course event, checked for its shape; ValidationError otherwise."""
    if not isinstance(doc, dict) or doc.get("kind") != "course_event":
        raise ValidationError("course_event", tr("A course event must be a JSON object of kind course_event."))
    for key in ("id", "patient_id", "course_id", "type", "on", "by", "device", "at"):
        if key not in doc:
            raise ValidationError(key, tr("The course event lacks “{key}”.").format(key=key))
    if not (is_uuid(doc["id"]) and is_uuid(doc["patient_id"]) and is_uuid(doc["course_id"])):
        raise ValidationError("id", tr("A course event's ids must be UUIDs."))
    if doc["type"] not in TYPES:
        raise ValidationError("type", tr("Unknown course change “{kind}”.").format(kind=doc["type"]))
    parse_iso(doc["at"], "at")
    parse_date(doc["on"], "on", tr("The day"))
    if doc["type"] in (STARTED, CHANGED):
        try:
            plan_from_doc(doc["plan"])
        except (KeyError, TypeError, ValueError, ArithmeticError):
            raise ValidationError("plan", tr("The course event's plan is damaged.")) from None
    return cast(CourseEventDoc, doc)


def fold_courses(events: Sequence[Mapping[str, Any]]) -> list[Course]:
    """One patient's courses, oldest first, from their events (in the order they were made):
    stored events, each checked by :func:`validate_course_event` when it was written."""
    courses: dict[str, Course] = {}
    for ev in sorted(events, key=lambda e: str(e.get("at"))):
        kind, day = ev["type"], date.fromisoformat(str(ev["on"]))
        if kind == STARTED:
            plan = plan_from_doc(ev["plan"])
            courses[ev["course_id"]] = Course(ev["course_id"], ev["patient_id"], plan, day,
                                              plans=[(day, plan, "")], phases=[PhaseRun("main", day)],
                                              events=[cast(CourseEventDoc, ev)])
            continue
        course = courses.get(ev["course_id"])
        if course is None:
            continue  # an event of a course this copy never saw start: nothing to fold it into
        course.events.append(cast(CourseEventDoc, ev))
        if kind == PAUSED:
            course.status, course.reason = "paused", str(ev.get("reason", ""))
        elif kind == RESUMED:
            course.status, course.reason = "active", ""
        elif kind == CHANGED:
            course.plan = plan_from_doc(ev["plan"])
            course.plans.append((day, course.plan, str(ev.get("reason", ""))))
        elif kind == PHASE:
            course.phases.append(PhaseRun(str(ev.get("phase", "main")), day, str(ev.get("reason", ""))))
            course.status = "active"
        elif kind == ENDED:
            course.status = "completed" if ev.get("outcome") == "completed" else "stopped"
            course.reason, course.ended_on = str(ev.get("reason", "")), day
    return sorted(courses.values(), key=lambda c: (c.on, str(c.events[0].get("at"))))


def current_course(courses: list[Course]) -> Course | None:
    """The course in force: the newest one (an ended one is shown as ended until a new one starts)."""
    return courses[-1] if courses else None
