"""A session's place in the patient's course, for its sheet and handout: "Session 4 of 12" and
the days the next session is on time, from the course plan (read from the store, Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microneedle_desk.core.due import Visit, course_on, next_window, place_text, session_place
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.store.courses import CourseFile
from microneedle_desk.store.store import Store


@dataclass(frozen=True)
class CourseNote:
    place: str                                   # "Session 4 of 12"
    plan: str                                    # the plan's label
    next_window: tuple[date, date, date] | None  # due, first and last day on time


def patient_visits(store: Store, patient_id: str) -> list[Visit]:
    out = []
    for row in store.patient_summaries(patient_id):
        if row.get("status") == "signed":
            booked = str(row.get("next_session") or "")
            out.append(Visit(date.fromisoformat(str(row["started_at"])[:10]), str(row["id"]),
                             date.fromisoformat(booked) if booked else None))
    return out


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
    visits = patient_visits(store, state.patient_id)
    return CourseNote(place_text(session_place(course, visits, day)), course.plan.label,
                      next_window(course, visits, day))
