"""Each patient's course as their events leave it, for the Due list: ``index/due/courses.json``.

Folding every patient's course events means reading every event with its copy of the plan; the
Due list needs only each course's state. This file keeps that, derived from ``courses.json``
with the inode, size and time of the ``courses.json`` it was derived from; it is used only
when its bytes are those the store noted when it wrote it and ``courses.json`` is unchanged
since, else derived again (and written again, unless the copy is read-only).
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import suppress
from datetime import date
from decimal import Decimal
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core.course_events import Course, PhaseRun, current_course, fold_courses
from microneedle_desk.core.course_plan import CoursePlan, Phase
from microneedle_desk.store.courses import CourseFile
from microneedle_desk.store.derived import relative
from microneedle_desk.store.storage import dumps, write_atomic
from microneedle_desk.store.store import Store

VERSION = 2
_PLANS: dict[tuple[Any, ...], CoursePlan] = {}


def _plan_row(p: CoursePlan) -> list[Any]:
    m = p.maintenance
    return [p.id, p.label, p.source, p.main.sessions, p.main.interval_days, p.main.window_days,
            m.interval_days if m else None, m.window_days if m else None, m.sessions if m else None,
            str(p.needle_mm) if p.needle_mm is not None else None, p.adjunct, p.clinic]


def _plan(row: list[Any]) -> CoursePlan:
    key = tuple(row)
    plan = _PLANS.get(key)
    if plan is None:
        maintenance = Phase(row[6], row[7], row[8]) if row[6] is not None else None
        plan = _PLANS[key] = CoursePlan(row[0], row[1], row[2], Phase(row[4], row[5], row[3]),
                                        Decimal(row[9]) if row[9] is not None else None, row[10], maintenance,
                                        bool(row[11]))
    return plan


def _compact(course: Course, plan_index: int) -> list[Any]:
    return [plan_index, course.id, course.status, course.reason, course.on.toordinal(), course.phase.kind,
            course.phase.on.toordinal(), course.ended_on.toordinal() if course.ended_on else 0]


def _expand(patient_id: str, row: list[Any], plans: list[CoursePlan]) -> Course:
    plan = plans[row[0]]
    on, phase_on = date.fromordinal(row[4]), date.fromordinal(row[6])
    return Course(row[1], patient_id, plan, on, row[2], row[3], date.fromordinal(row[7]) if row[7] else None,
                  plans=[(on, plan, "")], phases=[PhaseRun(row[5], phase_on)])


def current_courses(store: Store, book: CourseFile) -> dict[str, Course]:
    """Each patient's current course (only the state the Due list reads: no event history)."""
    target, source_path = paths.due_courses_file(store.root), paths.courses_file(store.root)
    try:  # the records are replaced whole (a new file renamed over the old): a new inode each write
        st = os.stat(source_path)
        source = [st.st_ino, st.st_size, st.st_mtime_ns]
    except FileNotFoundError:
        source = [0, 0, 0]
    noted = store.derived_digests().get(relative(store.root, target))
    with suppress(OSError, ValueError, TypeError, IndexError):
        raw = target.read_bytes() if noted else b""
        if raw and hashlib.sha256(raw).hexdigest() == noted:
            data = json.loads(raw)
            if data.get("version") == VERSION and data.get("source") == source:
                plans = [_plan(row) for row in data["plans"]]
                return {pid: _expand(pid, row, plans) for pid, row in data["patients"].items()}
    courses: dict[str, Course] = {}
    for pid, events in book.by_patient().items():
        course = current_course(fold_courses(events))
        if course is not None:
            courses[pid] = course
    if not store.read_only:
        with suppress(OSError):  # only a speed-up: the next read derives again
            plan_rows: list[list[Any]] = []
            index: dict[tuple[Any, ...], int] = {}
            compact = {}
            for pid, course in courses.items():
                row = _plan_row(course.plan)
                at = index.setdefault(tuple(row), len(plan_rows))
                if at == len(plan_rows):
                    plan_rows.append(row)
                compact[pid] = _compact(course, at)
            write_atomic(target, dumps({"version": VERSION, "source": source, "plans": plan_rows,
                                        "patients": compact}))
            store.note_derived(target)
    return courses
