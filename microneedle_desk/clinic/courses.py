"""Course plans and patients' courses, as the Clinic changes them (no Qt).

Owned by the :class:`~microneedle_desk.clinic.clinic.Clinic` (``clinic.courses``): every change
to a course is a command here, checked for who may make it (a person who runs sessions; a
clinic's own preset: an admin), written as one course event with its UUID, device, author and
time, and told to the views as :class:`~microneedle_desk.clinic.events.CourseChanged`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Protocol

from microneedle_desk.clinic.events import ClinicEvent, CourseChanged
from microneedle_desk.core import course_events as ce
from microneedle_desk.core.accounts import Account
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.course_events import Course, current_course, make_course_event
from microneedle_desk.core.course_plan import CoursePlan, PlanError, parse_course_plan
from microneedle_desk.core.due import (
    Visit,
    course_on,
    far_outside,
    next_window,
    place_text,
    session_place,
    visits_from_rows,
)
from microneedle_desk.core.protocol import Protocol as ClinicalProtocol
from microneedle_desk.core.record_types import AccessSubject, CourseEventDoc, JsonObject
from microneedle_desk.core.records import iso, new_id
from microneedle_desk.core.session_state import SessionConfig
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.courses import CourseFile
from microneedle_desk.store.store import Store
from microneedle_desk.store.visits import patient_rows


class Owner(Protocol):
    """What the desk uses of the Clinic that owns it (named here, so the clinic module is not
    imported back)."""

    store: Store
    protocol: ClinicalProtocol
    clock: Clock

    def require(self, permission: str) -> Account | None: ...

    def record(self, action: str, subject: AccessSubject | None = None, detail: str = "") -> None: ...

    def publish(self, event: ClinicEvent) -> None: ...


class CourseDesk:
    def __init__(self, clinic: Owner) -> None:
        self.clinic = clinic
        self.file = CourseFile(clinic.store)

    # -- plans ------------------------------------------------------------------------------
    def _parse(self, raw: object, clinic: bool) -> CoursePlan:
        needle = self.clinic.protocol.bounds["needle_length_mm"]
        try:
            return parse_course_plan(raw, needle_range=(needle.min, needle.max),
                                     adjuncts=self.clinic.protocol.ids("adjuncts"), clinic=clinic)
        except PlanError as exc:
            raise ValidationError(exc.field, exc.message) from None

    def plans(self) -> list[CoursePlan]:
        """The shipped presets, then the clinic's own (a later one of the same id replaces an earlier)."""
        own: dict[str, CoursePlan] = {}
        for record in self.file.presets():
            try:
                own[str(record["plan"]["id"])] = self._parse(record["plan"], clinic=True)
            except (KeyError, TypeError, ValidationError):
                continue  # a damaged preset is not offered; courses keep their own copy of a plan
        shipped = [p for p in self.clinic.protocol.course_plans if p.id not in own]
        return shipped + list(own.values())

    def plan(self, plan_id: str) -> CoursePlan:
        for plan in self.plans():
            if plan.id == plan_id:
                return plan
        raise ValidationError("plan", tr("There is no course plan “{id}”: choose one of the list.").format(id=plan_id))

    def add_preset(self, raw: JsonObject) -> CoursePlan:
        """A clinic's own preset (admins only), checked like the shipped ones."""
        account = self.clinic.require("change_settings")
        plan = self._parse(raw, clinic=True)
        if any(p.id == plan.id and not p.clinic for p in self.clinic.protocol.course_plans):
            raise ValidationError("id", tr("“{id}” is the id of a published plan: choose another id.").format(
                id=plan.id))
        self.file.add_preset({"schema": 1, "kind": "course_plan", "id": new_id(), "plan": plan.to_doc(),
                              "by": account.id if account else "", "device": self.clinic.store.device,
                              "at": iso(self.clinic.clock.now())})
        self.clinic.record("course plan added", detail=plan.id)
        return plan

    # -- reading a patient's course ---------------------------------------------------------
    def courses(self, patient_id: str) -> list[Course]:
        return self.file.courses(patient_id)

    def current(self, patient_id: str) -> Course | None:
        return current_course(self.courses(patient_id))

    def visits(self, patient_id: str, since: date | None = None) -> list[Visit]:
        """The patient's signed sessions (from ``since`` on: a course's own months only)."""
        return visits_from_rows(patient_rows(self.clinic.store, patient_id, since))

    def place(self, patient_id: str, day: date | None = None) -> tuple[str, int, int | None] | None:
        """(phase, number, of how many) of a session on ``day`` (today by default)."""
        day = day or self.clinic.clock.now().date()
        course = self.current(patient_id)
        return session_place(course, self.visits(patient_id, course.on), day) if course else None

    def note(self, patient_id: str, day: date | None = None) -> tuple[str, tuple[date, date, date] | None] | None:
        """For a session on ``day``: its place ("Session 4 of 12") and the next one's (due, first,
        last day on time); None when the patient has no course in force then."""
        day = day or self.clinic.clock.now().date()
        course = course_on(self.courses(patient_id), day)
        if course is None:
            return None
        visits = self.visits(patient_id, course.on)
        return place_text(session_place(course, visits, day)), next_window(course, visits, day)

    def session_config(self, patient_id: str, config: SessionConfig) -> SessionConfig:
        """The settings a session starts with: the next date it suggests comes from the course plan
        where the patient has one running (the indication's interval stays the hint otherwise)."""
        course = self.current(patient_id)
        if course is None or course.status != "active":
            return config
        today = self.clinic.clock.now().date()
        window = next_window(course, self.visits(patient_id, course.on), today)
        return replace(config, interval_days=(window[0] - today).days) if window else config

    def gap(self, patient_id: str, day: date | None = None) -> tuple[date, int] | None:
        """(due day, days late) when a session on ``day`` is far past the plan's window."""
        day = day or self.clinic.clock.now().date()
        course = self.current(patient_id)
        if course is None or course.status != "active":
            return None  # no plan to be outside of: the history is not read
        return far_outside(course, self.visits(patient_id, course.on), day)

    # -- changes ----------------------------------------------------------------------------
    def _write(self, kind: str, patient_id: str, *, by: str = "", **fields: Any) -> CourseEventDoc:
        account = self.clinic.require("run_sessions")
        if self.clinic.store.patient(patient_id) is None:
            raise ValidationError("patient", tr("Pick a registered patient."))
        course = self.current(patient_id)
        if kind != ce.STARTED:
            if course is None:
                raise ValidationError("course", tr("This patient has no course yet: start one from a plan."))
            if not course.open:
                raise ValidationError("course", tr("This course has ended: start a new one."))
        elif course is not None and course.open:
            raise ValidationError("course", tr("This patient's course is still open: end it, or change its plan."))
        event = make_course_event(kind, patient_id=patient_id, course_id=course.id if course else None,
                                  by=account.id if account else (by or tr("(no accounts)")),
                                  device=self.clinic.store.device, now=self.clinic.clock.now(), **fields)
        self.file.append(event)
        self.clinic.record("course changed", {"patient_id": patient_id}, detail=kind)
        self.clinic.publish(CourseChanged(patient_id, kind))
        return event

    def start(self, patient_id: str, plan_id: str, on: object = None, by: str = "") -> CourseEventDoc:
        """Start a course from a preset; it counts the patient's sessions from ``on`` (today)."""
        return self._write(ce.STARTED, patient_id, plan=self.plan(plan_id), on=on, by=by)

    def pause(self, patient_id: str, reason: str, by: str = "") -> CourseEventDoc:
        course = self.current(patient_id)
        if course is not None and course.status == "paused":
            raise ValidationError("course", tr("The course is paused already."))
        return self._write(ce.PAUSED, patient_id, reason=reason, by=by)

    def resume(self, patient_id: str, by: str = "") -> CourseEventDoc:
        course = self.current(patient_id)
        if course is not None and course.status != "paused":
            raise ValidationError("course", tr("The course is not paused."))
        return self._write(ce.RESUMED, patient_id, by=by)

    def change_plan(self, patient_id: str, plan_id: str, reason: str, by: str = "") -> CourseEventDoc:
        """Go on under another plan (the old one stays in the course's history)."""
        plan = self.plan(plan_id)
        course = self.current(patient_id)
        if course is not None and course.plan.id == plan.id and course.plan.to_doc() == plan.to_doc():
            raise ValidationError("plan", tr("The course already follows this plan."))
        return self._write(ce.CHANGED, patient_id, plan=plan, reason=reason, by=by)

    def new_phase(self, patient_id: str, phase: str, reason: str, by: str = "") -> CourseEventDoc:
        """Count sessions again from today: a new main phase, or maintenance."""
        course = self.current(patient_id)
        if phase == "maintenance" and course is not None and course.plan.maintenance is None:
            raise ValidationError("phase", tr("This course's plan has no maintenance phase: change the plan, "
                                              "or start a new main phase."))
        return self._write(ce.PHASE, patient_id, phase=phase, reason=reason, by=by)

    def end(self, patient_id: str, outcome: str, reason: str = "", by: str = "") -> CourseEventDoc:
        """End the course: completed, or stopped early (with the reason)."""
        return self._write(ce.ENDED, patient_id, outcome=outcome, reason=reason, by=by)

    def new_course(self, patient_id: str, plan_id: str, reason: str, by: str = "") -> CourseEventDoc:
        """Stop the open course (for ``reason``) and start another from ``plan_id`` today."""
        plan = self.plan(plan_id)  # refused before anything is written
        if not str(reason or "").strip():
            raise ValidationError("reason", tr("Give the reason: it is kept with the course's history."))
        course = self.current(patient_id)
        if course is not None and course.open:
            self.end(patient_id, "stopped", reason, by=by)
        return self.start(patient_id, plan.id, by=by)
