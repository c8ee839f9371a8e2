"""Who is due: a patient's place in their course and the state the Due list shows (Qt-free).

Reads a patient's signed sessions (as :class:`Visit` days) and their courses
(:mod:`microneedle_desk.core.course_events`) on an "as of" day and gives one :class:`DueRow`:
due this week, overdue (past the plan's window), not booked, booked, course complete, stopped
early, paused, or no plan (with the last interval as a hint). Follow-up calls planned 24–72 h
after a session are rows of their own (:func:`followup_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import NamedTuple

from microneedle_desk.core.course_events import Course
from microneedle_desk.core.course_plan import Phase
from microneedle_desk.i18n import tr

WEEK_DAYS = 7
# Display order: what needs doing first.
STATES = ("overdue", "due", "followup", "not_booked", "booked", "paused", "no_plan", "complete", "stopped")
FOLLOWUP_FIRST_DAY, FOLLOWUP_LAST_DAY = 1, 3  # a call 24–72 h after the session


def state_label(state: str) -> str:
    return {
        "overdue": tr("Overdue"), "due": tr("Due this week"), "followup": tr("Follow-up call"),
        "not_booked": tr("Not booked"), "booked": tr("Booked"), "paused": tr("Paused"),
        "no_plan": tr("No plan"), "complete": tr("Course complete"), "stopped": tr("Stopped early"),
    }.get(state, state)


class Visit(NamedTuple):
    """One signed session as the course counts it (a tuple: the Due list makes tens of thousands)."""

    day: date
    session_id: str = ""
    booked: date | None = None     # the next session date set at aftercare


@dataclass(frozen=True)
class Progress:
    """Where a course stands: the phase in force, visits done in it and how many it has."""

    kind: str                      # "main" | "maintenance"
    done: int
    total: int | None              # None: open-ended maintenance
    rule: Phase
    last: Visit | None
    finished: bool                 # every planned session of the course is done


@dataclass
class DueRow:
    patient_id: str
    name: str
    clinic_id: str
    state: str
    last_session: date | None = None
    next_due: date | None = None
    booked: date | None = None
    done: int | None = None
    total: int | None = None
    phase: str = ""
    days_overdue: int | None = None
    plan: str = ""
    note: str = ""
    session_id: str = ""           # a follow-up row's session

    @property
    def of_text(self) -> str:
        """"4 of 12", "maintenance 2", or empty."""
        if self.done is None:
            return ""
        if self.phase == "maintenance":
            return (tr("maintenance {n} of {total}").format(n=self.done, total=self.total) if self.total
                    else tr("maintenance {n}").format(n=self.done))
        return tr("{n} of {total}").format(n=self.done, total=self.total) if self.total else str(self.done)


Pairs = Sequence[Sequence[int]]
"""A patient's signed sessions in their compact form, oldest first: (day, booked next day or 0, ...),
each as a date ordinal. The Due list reads tens of thousands; most need only their last two."""


def to_visits(pairs: Pairs) -> list[Visit]:
    ordinal = date.fromordinal
    return [Visit(ordinal(p[0]), "", ordinal(p[1]) if p[1] else None) for p in pairs]


def last_visits(pairs: Pairs, as_of: date) -> tuple[list[Visit], int]:
    """The last two visit days up to ``as_of`` (a day's last session each) and how many days in all."""
    end = as_of.toordinal()
    kept = pairs if not pairs or pairs[-1][0] <= end else [p for p in pairs if p[0] <= end]
    tail: list[Sequence[int]] = []
    for pair in reversed(kept):
        if not tail or pair[0] != tail[-1][0]:
            tail.append(pair)
            if len(tail) == 2:
                break
    return to_visits(tail[::-1]), len({p[0] for p in kept})


def visits_from_rows(rows: Iterable[Mapping[str, object]]) -> list[Visit]:
    """The signed sessions among a patient's history rows (``started_at``, ``next_session``), as visits."""
    out = []
    for row in rows:
        if row.get("status") == "signed":
            booked = str(row.get("next_session") or "")
            out.append(Visit(date.fromisoformat(str(row["started_at"])[:10]), str(row["id"]),
                             date.fromisoformat(booked) if booked else None))
    return out


def visit_days(visits: Iterable[Visit]) -> list[Visit]:
    """One visit per day (the day's last session), oldest first: two sessions on one day are one visit."""
    ordered = sorted(visits)
    if all(a.day < b.day for a, b in pairwise(ordered)):
        return ordered
    by_day: dict[date, Visit] = {}
    for v in ordered:
        by_day[v.day] = v
    return list(by_day.values())


def in_course(course: Course, visits: list[Visit], until: date | None = None) -> list[Visit]:
    """The visit days of ``course``'s current phase (up to ``until`` when given)."""
    start, end = course.phase.on, course.ended_on
    return [v for v in visit_days(visits)
            if v.day >= start and (end is None or v.day <= end) and (until is None or v.day <= until)]


def progress(course: Course, visits: list[Visit], until: date | None = None) -> Progress:
    """The course's place: a main phase whose sessions are all done moves into maintenance when
    the plan has one (visits past the main count are maintenance visits)."""
    days = in_course(course, visits, until)
    return standing(course, len(days), days[-1] if days else None)


def standing(course: Course, count: int, last: Visit | None) -> Progress:
    """:func:`progress` from the number of visit days in the phase and the last of them."""
    plan = course.plan
    if course.phase.kind == "maintenance" and plan.maintenance is not None:
        rule = plan.maintenance
        total = rule.sessions
        return Progress("maintenance", count, total, rule, last, total is not None and count >= total)
    n = plan.sessions
    if count > n and plan.maintenance is not None:
        rule = plan.maintenance
        done = count - n
        return Progress("maintenance", done, rule.sessions, rule, last,
                        rule.sessions is not None and done >= rule.sessions)
    finished = count >= n and plan.maintenance is None
    if count >= n and plan.maintenance is not None:  # main phase done: maintenance is next
        return Progress("maintenance", 0, plan.maintenance.sessions, plan.maintenance, last, False)
    return Progress("main", count, n, plan.main, last, finished)


def phase_pairs(course: Course, pairs: Pairs, as_of: date) -> tuple[int, Visit | None]:
    """From a patient's compact visits: how many visit days the course's phase has up to ``as_of``,
    and the last of them (the Due list's reading: no visit list is built)."""
    start = course.phase.on.toordinal()
    stop = min(as_of.toordinal(), course.ended_on.toordinal() if course.ended_on else as_of.toordinal())
    days = [p for p in pairs if start <= p[0] <= stop]
    if not days:
        return 0, None
    last = days[-1]
    return len({p[0] for p in days}), Visit(date.fromordinal(last[0]), "",
                                              date.fromordinal(last[1]) if last[1] else None)


def session_place(course: Course | None, visits: list[Visit], day: date) -> tuple[str, int, int | None] | None:
    """A session on ``day``: (phase, its number, of how many) in the course; None without a course.

    The session itself need not be among ``visits`` yet (one in progress): it is counted as the
    day's visit either way.
    """
    if course is None or (not course.open and course.ended_on is not None and day > course.ended_on):
        return None
    if day < course.phase.on:
        return None
    here = [v for v in visits if v.day != day] + [Visit(day)]
    p = progress(course, here, until=day)
    if p.kind == "maintenance" and p.done == 0:
        return ("main", course.plan.sessions, course.plan.sessions)
    return (p.kind, p.done, p.total)


def no_plan_hint(visits: list[Visit], fallback_days: int) -> int:
    """The interval to suggest without a plan: the last one kept, else ``fallback_days``."""
    days = visit_days(visits)
    if len(days) >= 2:
        return max(1, (days[-1].day - days[-2].day).days)
    return fallback_days


def due_row(patient_id: str, name: str, clinic_id: str, visits: list[Visit], course: Course | None,
            as_of: date, fallback_days: int) -> DueRow | None:
    """The patient's row on the Due list, or None (no course and no sessions: nothing to recall)."""
    row = DueRow(patient_id, name, clinic_id, "no_plan")
    days = visit_days(visits)
    if days and days[-1].day > as_of:  # a list as of a past day: what came later is not known yet
        days = [v for v in days if v.day <= as_of]
    if days:
        row.last_session = days[-1].day
    if course is None:
        return no_plan_row(row, days, len(days), fallback_days)
    p = progress(course, days)
    return course_row(row, course, p, as_of)


def course_row(row: DueRow, course: Course, p: Progress, as_of: date) -> DueRow:
    """A patient's row from their course and its standing (``p``) on ``as_of``."""
    row.plan = course.plan.label
    row.phase, row.done, row.total = p.kind, p.done, p.total
    if p.kind == "maintenance" and p.done == 0:  # the main phase just done: "6 of 6" until maintenance starts
        row.phase, row.done, row.total = "main", course.plan.sessions, course.plan.sessions
    if course.status in ("completed", "stopped", "paused"):
        row.state = {"completed": "complete"}.get(course.status, course.status)
        row.note = course.reason
        return row
    if p.finished:
        row.state, row.note = "complete", tr("every planned session is done")
        return row
    last = p.last
    row.booked = last.booked if last else None
    due = last.day + timedelta(days=p.rule.interval_days) if last else course.phase.on
    row.next_due = due
    low, high = p.rule.window(due)
    if as_of > high:
        row.state, row.days_overdue = "overdue", (as_of - due).days
    elif low <= as_of + timedelta(days=WEEK_DAYS - 1):
        row.state = "due"
    elif row.booked is None or row.booked < as_of or not low <= row.booked <= high:
        row.state = "not_booked"  # no next date, one already missed, or one outside the plan's window
    else:
        row.state = "booked"
    return row


def no_plan_row(row: DueRow, days: list[Visit], count: int, fallback_days: int) -> DueRow | None:
    """A patient with sessions and no course: "no plan", the last interval kept as the hint.
    ``days`` needs only the last two visit days; ``count`` is how many there were."""
    if not days:
        return None
    hint = no_plan_hint(days, fallback_days)
    row.state, row.last_session = "no_plan", days[-1].day
    row.next_due = days[-1].day + timedelta(days=hint)
    row.booked = days[-1].booked
    row.done = count
    row.note = tr("no plan: last interval {n} days").format(n=hint)
    return row


def far_outside(course: Course | None, visits: list[Visit], day: date) -> tuple[date, int] | None:
    """For a session on ``day``: (the day it was due, days late) when it is so far past the plan's
    window (more than a whole interval beyond it) that the practitioner must choose how it counts."""
    if course is None or course.status != "active":
        return None
    p = progress(course, [v for v in visits if v.day < day])
    if p.last is None or p.finished:
        return None
    due = p.last.day + timedelta(days=p.rule.interval_days)
    _, high = p.rule.window(due)
    if (day - high).days > p.rule.interval_days:
        return due, (day - due).days
    return None


def followup_rows(sessions: Iterable[tuple[str, str, str, str, date]], followed_up: set[str],
                  as_of: date) -> list[DueRow]:
    """Follow-up calls due on ``as_of``: (patient id, name, clinic id, session id, day) of signed
    sessions whose 24–72 h call falls today and has no follow-up recorded."""
    rows = []
    for patient_id, name, clinic_id, session_id, day in sessions:
        first, last = day + timedelta(days=FOLLOWUP_FIRST_DAY), day + timedelta(days=FOLLOWUP_LAST_DAY)
        if first <= as_of <= last and session_id not in followed_up:
            rows.append(DueRow(patient_id, name, clinic_id, "followup", last_session=day, next_due=first,
                               session_id=session_id,
                               note=tr("call 24–72 h after the session, by {day}").format(day=last.isoformat())))
    return rows


def sort_key(row: DueRow) -> tuple[int, int, str, str]:
    return (STATES.index(row.state) if row.state in STATES else len(STATES), -(row.days_overdue or 0),
            row.next_due.isoformat() if row.next_due else "9999", row.clinic_id)


def course_on(courses: list[Course], day: date) -> Course | None:
    """The course a session on ``day`` belongs to: the newest one started by then and not ended before."""
    for course in reversed(courses):
        if course.on <= day and (course.ended_on is None or day <= course.ended_on):
            return course
    return None


def next_window(course: Course, visits: list[Visit], day: date) -> tuple[date, date, date] | None:
    """After a session on ``day``: (the next session's due day, first and last day on time), from
    the plan (the maintenance interval once the main phase is done); None when nothing is planned."""
    here = [v for v in visits if v.day != day] + [Visit(day)]
    p = progress(course, here, until=day)
    if p.finished or not course.open:
        return None
    due = day + timedelta(days=p.rule.interval_days)
    low, high = p.rule.window(due)
    return due, low, high


def place_text(place: tuple[str, int, int | None] | None) -> str:
    """"Session 4 of 12", "Maintenance session 2 of 4", "Maintenance session 3"; empty without a course."""
    if place is None:
        return ""
    kind, n, total = place
    if kind == "maintenance":
        return (tr("Maintenance session {n} of {total}").format(n=n, total=total) if total
                else tr("Maintenance session {n}").format(n=n))
    return tr("Session {n} of {total}").format(n=n, total=total)
