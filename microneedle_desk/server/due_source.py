"""The Due list's records read from the clinic server: every room's patients, signed sessions,
course events and follow-ups (``microneedle-desk recall --server``).

:class:`ServerSource` answers the four questions the Due list asks a data folder
(:class:`microneedle_desk.review.due.DueSource`), so the list, its states and its "session n
of N" come from the same rules whichever place the records are read from. Sessions are taken
as :class:`~microneedle_desk.server.reading.ClinicRecords` gives them (amendments applied);
quarantined records are never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from microneedle_desk.core.course_events import Course, current_course, fold_courses
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import CourseEventDoc
from microneedle_desk.server.reading import ClinicRecords


def _day(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text or "")[:10])
    except ValueError:
        return None


class ServerSource:
    """The Due list's records from an open connection to the clinic server."""

    def __init__(self, conn: Any, protocol: Protocol) -> None:
        self.conn = conn
        self.records = ClinicRecords(conn, protocol)
        self._signed: list[tuple[str, str, date, date | None]] | None = None

    def _sessions(self) -> list[tuple[str, str, date, date | None]]:
        """(patient id, session id, day, booked next day) of every signed session, read once."""
        if self._signed is None:
            out = []
            for row in self.records.summaries():
                day = _day(row.get("started_at"))
                if row.get("status") == "signed" and day is not None:
                    out.append((str(row.get("patient_id")), str(row.get("id")), day, _day(row.get("next_session"))))
            out.sort(key=lambda s: s[2])
            self._signed = out
        return self._signed

    def patients(self) -> list[tuple[str, str, str, str]]:
        rows = self.conn.execute(
            "SELECT id::text, name, clinic_id, coalesce(doc->>'indication', '') FROM clinic.patients "
            "WHERE doc ? 'dob' ORDER BY received_at, id").fetchall()
        self.conn.rollback()
        return [(str(pid), str(name), str(clinic_id), str(indication)) for pid, name, clinic_id, indication in rows]

    def visits(self) -> Mapping[str, list[list[int]]]:
        out: dict[str, list[list[int]]] = {}
        for pid, _sid, day, booked in self._sessions():
            out.setdefault(pid, []).append([day.toordinal(), booked.toordinal() if booked else 0, 0])
        return out

    def current_courses(self) -> dict[str, Course]:
        events: dict[str, list[CourseEventDoc]] = {}
        for (doc,) in self.conn.execute("SELECT doc FROM clinic.course_events ORDER BY xid, id"):
            events.setdefault(str(doc.get("patient_id")), []).append(cast(CourseEventDoc, dict(doc)))
        self.conn.rollback()
        courses = {}
        for pid, mine in events.items():
            course = current_course(fold_courses(mine))
            if course is not None:
                courses[pid] = course
        return courses

    def recent_sessions(self, since: date, before: date) -> list[tuple[str, str, date]]:
        return [(pid, sid, day) for pid, sid, day, _booked in self._sessions() if since <= day < before]

    def followed_up(self, sessions: list[tuple[str, date]]) -> set[str]:
        rows = self.conn.execute("SELECT DISTINCT session_id::text FROM clinic.followups "
                                 "WHERE session_id = ANY(%s::uuid[])", ([sid for sid, _ in sessions],)).fetchall()
        self.conn.rollback()
        return {str(sid) for (sid,) in rows}
