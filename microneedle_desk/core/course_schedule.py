"""A course's plan against what happened: each planned session's due day and window beside the
visit that came (or not yet), for the Course view and the course summary (Qt-free).

A session is due one interval after the visit before it (the first on the day the course or
phase starts counting); it is late when it came after the window closed, early before it opened.
The sessions still to come are planned one interval apart from the last visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from microneedle_desk.core.course_events import Course
from microneedle_desk.core.due import Visit, in_course


@dataclass(frozen=True)
class PlanPoint:
    number: int               # the session's number in its phase
    phase: str                # "main" | "maintenance"
    due: date
    low: date
    high: date
    came: date | None         # the visit day; None: still to come

    @property
    def late(self) -> bool:
        return self.came is not None and self.came > self.high

    @property
    def early(self) -> bool:
        return self.came is not None and self.came < self.low

    @property
    def days_off(self) -> int | None:
        return (self.came - self.due).days if self.came is not None else None


def schedule(course: Course, visits: list[Visit]) -> list[PlanPoint]:
    """Every planned session of the course's current phase, came or to come (maintenance without a
    count: the next one only)."""
    plan = course.plan
    days = [v.day for v in in_course(course, visits)]
    points: list[PlanPoint] = []
    phases = ([("maintenance", plan.maintenance)] if course.phase.kind == "maintenance" and plan.maintenance
              else [("main", plan.main)] + ([("maintenance", plan.maintenance)] if plan.maintenance else []))
    previous: date | None = None
    i = 0
    for kind, rule in phases:
        count = rule.sessions
        n = 0
        while count is None or n < count:
            n += 1
            due = course.phase.on if previous is None else previous + timedelta(days=rule.interval_days)
            came = days[i] if i < len(days) else None
            low, high = rule.window(due)
            points.append(PlanPoint(n, kind, due, low, high, came))
            i += 1
            previous = came or due
            if came is None and (count is None or not course.open):
                break  # open-ended maintenance, or an ended course: only the next one is planned
        if i > len(days) and not course.open:
            break
    return points


def summary(course: Course, visits: list[Visit]) -> dict[str, int]:
    """Counts for the course summary: sessions done, on time, late, early, still planned."""
    points = schedule(course, visits)
    came = [p for p in points if p.came is not None]
    return {"done": len(came), "on_time": sum(1 for p in came if not p.late and not p.early),
            "late": sum(1 for p in came if p.late), "early": sum(1 for p in came if p.early),
            "planned": sum(1 for p in points if p.came is None)}
