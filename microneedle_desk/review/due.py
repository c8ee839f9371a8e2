"""The Due list: every patient's place in their course on a day, and the follow-up calls.

The records come from a :class:`DueSource`: :class:`StoreSource` reads a data folder (the
app, and ``microneedle-desk recall --data-dir``); another source (a clinic server) gives the
same four things. The rules are the core's (:mod:`microneedle_desk.core.due`). The same
:func:`due_list` fills the Due page, its print and CSV, and the ``recall`` command.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from microneedle_desk.core.course_events import Course
from microneedle_desk.core.due import (
    FOLLOWUP_LAST_DAY,
    DueRow,
    Pairs,
    course_row,
    followup_rows,
    last_visits,
    no_plan_row,
    phase_pairs,
    sort_key,
    standing,
    state_label,
)
from microneedle_desk.i18n import tr
from microneedle_desk.store.course_index import current_courses
from microneedle_desk.store.courses import CourseFile
from microneedle_desk.store.store import Store
from microneedle_desk.store.visits import visit_rows


def clinic_today(settings: Any, now: datetime | None = None) -> date:
    """Today in the clinic's time zone (the setting; empty or unknown: this computer's)."""
    moment = now or datetime.now().astimezone()
    name = str(settings.get("clinic/time_zone") or "").strip()
    if name:
        try:
            return moment.astimezone(ZoneInfo(name)).date()
        except (ValueError, KeyError, OSError):
            pass  # an unknown zone name: the settings dialog says so; the computer's zone is used
    return moment.date()


def fallback_interval(settings: Any) -> Callable[[str], int]:
    """The interval hinted for a patient without a plan: the settings' one for their indication."""
    def days(indication: str) -> int:
        try:
            return int(settings.get(f"protocol/interval_days/{indication}"))
        except KeyError:
            return 28
    return days


@runtime_checkable
class DueSource(Protocol):
    """What the Due list reads, wherever the records are kept."""

    def patients(self) -> list[tuple[str, str, str, str]]:
        """(id, name, clinic patient ID, indication) of every patient."""
        ...

    def visits(self) -> Mapping[str, Pairs]:
        """Each patient's signed sessions, oldest first (see :data:`~microneedle_desk.core.due.Pairs`)."""
        ...

    def current_courses(self) -> dict[str, Course]:
        """Each patient's current course, folded from their course events."""
        ...

    def recent_sessions(self, since: date, before: date) -> list[tuple[str, str, date]]:
        """(patient id, session id, day) of the signed sessions from ``since`` to before ``before``."""
        ...

    def followed_up(self, sessions: list[tuple[str, date]]) -> set[str]:
        """Which of these (session id, day) sessions have a follow-up recorded."""
        ...


class StoreSource:
    """The Due list's records from a data folder."""

    def __init__(self, store: Store, courses: CourseFile | None = None) -> None:
        self.store = store
        self.courses = courses or CourseFile(store)

    def patients(self) -> list[tuple[str, str, str, str]]:
        return [(pid, name, clinic_id, indication) for pid, name, clinic_id, _dob, indication
                in self.store.patient_list()]

    def visits(self) -> Mapping[str, Pairs]:
        """Each patient's signed sessions as [day, booked, ...]: this laptop's, and other rooms'
        as last pulled from the clinic server (so the list is the same in every room)."""
        patients, _ = visit_rows(self.store)
        pulled: dict[str, list[list[int]]] = {}
        for pid, _sid, day, booked in self._pulled():
            pulled.setdefault(pid, []).append([day.toordinal(), booked.toordinal() if booked else 0, -1])
        if not pulled:
            return patients  # [day, booked, month]: read as (day, booked, ...)
        merged = dict(patients)
        for pid, visits in pulled.items():
            merged[pid] = sorted([*patients.get(pid, []), *visits])
        return merged

    def _pulled(self) -> list[tuple[str, str, date, date | None]]:
        """(patient, session, day, booked next day) of other rooms' signed sessions, as pulled."""
        out = []
        for r in self.store.clinic_copy.rows():
            if r.get("status") == "signed":
                try:
                    day = date.fromisoformat(str(r.get("started_at") or "")[:10])
                    booked = date.fromisoformat(str(r["next_session"])[:10]) if r.get("next_session") else None
                except ValueError:
                    continue
                out.append((str(r.get("patient_id")), str(r.get("id")), day, booked))
        return out

    def recent_sessions(self, since: date, before: date) -> list[tuple[str, str, date]]:
        out = []
        month = since.replace(day=1)
        while month <= before:
            for r in self.store.month_rows(month.strftime("%Y-%m")):
                day = str(r.get("started_at") or "")[:10]
                if r.get("status") == "signed" and since.isoformat() <= day < before.isoformat():
                    out.append((str(r.get("patient_id")), str(r.get("id")), date.fromisoformat(day)))
            month = (month + timedelta(days=32)).replace(day=1)
        out += [(pid, sid, day) for pid, sid, day, _booked in self._pulled() if since <= day < before]
        return out

    def current_courses(self) -> dict[str, Course]:
        return current_courses(self.store, self.courses)

    def followed_up(self, sessions: list[tuple[str, date]]) -> set[str]:
        months = {day.strftime("%Y-%m") for _, day in sessions}
        found: set[str] = set()
        for month in months:
            found.update(str(r.get("session_id")) for r in self.store.month_rows(month, "followups"))
        found.update(str(f.get("session_id")) for f in self.store.clinic_copy.followups())  # other rooms'
        return found


def due_list(source: DueSource, as_of: date, fallback_days: Callable[[str], int]) -> list[DueRow]:
    """Every patient with a course or a session, in the order the Due page shows them, and the
    follow-up calls due ``as_of``. ``fallback_days(indication)`` is the interval hinted for a
    patient with one session and no plan."""
    visits = source.visits()
    courses = source.current_courses()
    rows: list[DueRow] = []
    people = {}
    hints: dict[str, int] = {}
    for pid, name, clinic_id, indication in source.patients():
        people[pid] = (name, clinic_id)
        mine = visits.get(pid, [])
        course = courses.get(pid)
        if not mine and course is None:
            continue
        if indication not in hints:
            hints[indication] = fallback_days(indication)
        if course is None:  # most patients: only their last two visit days are needed
            last, count = last_visits(mine, as_of)
            row = no_plan_row(DueRow(pid, name, clinic_id, "no_plan"), last, count, hints[indication])
        else:  # the course's phase read from the compact visits: no visit list is built
            last, _ = last_visits(mine, as_of)
            count, last_in_phase = phase_pairs(course, mine, as_of)
            row = DueRow(pid, name, clinic_id, "no_plan", last_session=last[-1].day if last else None)
            row = course_row(row, course, standing(course, count, last_in_phase), as_of)
        if row is not None:
            rows.append(row)
    recent = [(pid, *people[pid], sid, day)
              for pid, sid, day in source.recent_sessions(as_of - timedelta(days=FOLLOWUP_LAST_DAY), as_of)
              if pid in people]
    done = source.followed_up([(sid, day) for *_, sid, day in recent]) if recent else set()
    rows += followup_rows(recent, done, as_of)
    rows.sort(key=sort_key)
    return rows


COLUMNS = ("state", "clinic_id", "name", "last_session", "next_due", "session", "days_overdue", "booked",
           "plan", "note")


def headers() -> tuple[str, ...]:
    return (tr("State"), tr("Clinic ID"), tr("Patient"), tr("Last session"), tr("Next due"),
            tr("Session n of N"), tr("Days overdue"), tr("Booked"), tr("Plan"), tr("Note"))


def cells(row: DueRow) -> tuple[str, ...]:
    """One row's values as shown, printed and exported."""
    return (state_label(row.state), row.clinic_id, row.name,
            row.last_session.isoformat() if row.last_session else "",
            row.next_due.isoformat() if row.next_due else "", row.of_text,
            str(row.days_overdue) if row.days_overdue is not None else "",
            row.booked.isoformat() if row.booked else "", row.plan, row.note)


def to_csv(rows: list[DueRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["state_id", *COLUMNS])
    for row in rows:
        writer.writerow([row.state, *cells(row)])
    return out.getvalue()


def to_text(rows: list[DueRow], as_of: date) -> str:
    """A plain table for the terminal, grouped by state."""
    lines = [tr("Due list as of {day}: {n} entries").format(day=as_of.isoformat(), n=len(rows))]
    heads = headers()[1:7]
    data = [cells(r)[1:7] for r in rows]
    widths = [max([len(h)] + [len(d[i]) for d in data]) for i, h in enumerate(heads)]
    state = None
    for row, values in zip(rows, data, strict=True):
        if row.state != state:
            state = row.state
            lines += ["", f"{state_label(state)}:", "  " + "  ".join(h.ljust(w) for h, w in zip(heads, widths,
                                                                                                  strict=True))]
        lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"
