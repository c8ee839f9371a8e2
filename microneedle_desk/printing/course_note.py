"""A session's place in the patient's course, for its sheet and handout: "Session 4 of 12" and
the days the next session is on time, from the course plan (read from the store, Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microneedle_desk.core.due import course_on, next_window, place_text, session_place, visits_from_rows
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.store.courses import CourseFile
from microneedle_desk.store.store import Store
from microneedle_desk.store.visits import patient_rows


@dataclass(frozen=True)
class CourseNote:
    place: str                                   # "Session 4 of 12"
    plan: str                                    # the plan's label
    next_window: tuple[date, date, date] | None  # due, first and last day on time


def course_note(store: Store, state: SessionState) -> CourseNote | None:
    """None when the session belongs to no course (no plan: the sheet shows its number alone)."""
    if state.started is None:
        return None
    book = CourseFile(store)
    try:
        course = course_on(book.courses(state.patient_id), state.started.wall.date())
    finally:
        book.close()
    if course is None:
        return None
    day = state.started.wall.date()
    visits = visits_from_rows(patient_rows(store, state.patient_id, course.on))
    return CourseNote(place_text(session_place(course, visits, day)), course.plan.label,
                      next_window(course, visits, day))
