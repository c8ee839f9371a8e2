"""One patient's course: their sessions in order, with what changed from one to the next.

Built from the store's history rows (``Store.patient_summaries``) and the follow-up
index, so a course of a dozen sessions costs no session-file reads. Qt-free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.review.followup import by_session, patient_followups
from microneedle_desk.store.store import Store


@dataclass(frozen=True)
class CourseEntry:
    number: int | None          # place among the signed sessions; None if abandoned
    session_id: str
    started: datetime
    status: str
    interval_days: int | None   # since the previous signed session
    needle_mm: float | None
    scale: str
    grade: str
    side_effects: tuple[str, ...]
    none_observed: bool         # the practitioner recorded "no side effects seen" explicitly
    followups: tuple[Mapping[str, Any], ...]
    adjunct: str
    cartridge_lot: str
    practitioner_id: str
    room: str = ""              # the laptop it was made on, for another room's session ("" here)


@dataclass
class Course:
    patient_id: str
    patient_name: str
    clinic_id: str
    indication: str
    entries: list[CourseEntry] = field(default_factory=list)
    next_due: date | None = None
    interval_days: int = 14

    @property
    def signed(self) -> list[CourseEntry]:
        return [e for e in self.entries if e.status == "signed"]


def grade_value(protocol: Protocol, scale: str, grade: str) -> float | None:
    """A grade as a number for charts: its position on an ordinal scale, or the SALT score."""
    try:
        grades = protocol.scale(scale).grades
    except KeyError:
        return None
    if not grades:
        return float(grade) if grade.strip().isdigit() else None
    return float(grades.index(grade) + 1) if grade in grades else None


def build_course(rows: Sequence[Mapping[str, Any]], patient_id: str, protocol: Protocol,
                 interval_days: int | None = None,
                 followups: Mapping[str, Sequence[Mapping[str, Any]]] | None = None) -> Course:
    """The course of ``patient_id`` from summary rows (any order, any patients).

    ``interval_days`` (the settings' interval for the indication) sets the next due date
    when the last signed session did not record one; by default the protocol's interval.
    """
    mine = sorted((r for r in rows if r.get("patient_id") == patient_id),
                  key=lambda r: str(r.get("started_at")))
    first = mine[-1] if mine else {}
    indication = str(first.get("indication", ""))
    if interval_days is None:
        try:
            interval_days = protocol.indication(indication).interval_days
        except KeyError:
            interval_days = 14
    course = Course(patient_id, str(first.get("patient_name", "")), str(first.get("clinic_id", "")),
                    indication, interval_days=interval_days)
    number, previous = 0, None
    fups = followups or {}
    for row in mine:
        started = datetime.fromisoformat(str(row["started_at"]))
        signed = row.get("status") == "signed"
        gap = (started.date() - previous).days if signed and previous is not None else None
        if signed:
            number += 1
            previous = started.date()
        course.entries.append(CourseEntry(
            number=number if signed else None, session_id=str(row["id"]), started=started,
            status=str(row.get("status")), interval_days=gap,
            needle_mm=row.get("needle_mm"), scale=str(row.get("scale") or ""),
            grade=str(row.get("grade") or ""), side_effects=tuple(row.get("side_effects") or ()),
            none_observed=bool(row.get("none_observed")),
            followups=tuple(fups.get(str(row["id"]), ())), adjunct=str(row.get("adjunct") or ""),
            cartridge_lot=str(row.get("cartridge_lot") or ""),
            practitioner_id=str(row.get("practitioner_id") or ""), room=str(row.get("room") or ""),
        ))
    signed_rows = [r for r in mine if r.get("status") == "signed"]
    if signed_rows:
        last = signed_rows[-1]
        booked = str(last.get("next_session") or "")
        course.next_due = (date.fromisoformat(booked) if booked else
                           datetime.fromisoformat(str(last["started_at"])).date() + timedelta(days=interval_days))
    return course


def patient_course(store: Store, patient_id: str, interval_days: int | None = None) -> Course:
    """The course of one patient, with their follow-ups."""
    rows = store.patient_summaries(patient_id)
    same = store.clinic_copy.aliases(patient_id)  # and other rooms' follow-ups (pulled from the clinic server)
    fups = by_session([*patient_followups(store, set(same)),
                       *(f for f in store.clinic_copy.followups() if f.get("patient_id") in same)])
    course = build_course(rows, patient_id, store.protocol, interval_days, fups)
    if not course.patient_name:
        patient = store.patient(patient_id)
        if patient is not None:
            course.patient_name, course.clinic_id = patient.name, patient.clinic_id
            course.indication = patient.indication
    return course
