"""Course plans: how many sessions, how far apart, and what follows (Qt-free).

A plan is data: the protocol file ships the published ones (``course_plans`` in
``microneedle_desk/resources/protocol.json``) and a clinic adds its own. Both are read by
:func:`parse_course_plan`, which refuses a broken plan with a :class:`PlanError` naming the
field, so a preset typed in the settings is held to the same rules as the shipped ones.

A plan is copied whole into the course event that starts or changes a course: a course keeps
the plan it was given even when a preset is later changed or removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from microneedle_desk.core.record_types import CoursePlanDoc, JsonObject
from microneedle_desk.i18n import tr

MAX_SESSIONS = 60
MAX_INTERVAL_DAYS = 365


class PlanError(ValueError):
    """A course plan that cannot be used: ``field`` names what is wrong, ``message`` says what is
    allowed. (Not the core's ValidationError: the protocol reads plans, and validation reads the
    protocol.)"""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Phase:
    """A run of sessions at one interval; ``sessions`` None: open-ended (maintenance)."""

    interval_days: int
    window_days: int
    sessions: int | None

    def window(self, due: date) -> tuple[date, date]:
        """The first and last day a session counts as on time for a session due on ``due``."""
        return due - timedelta(days=self.window_days), due + timedelta(days=self.window_days)


@dataclass(frozen=True)
class CoursePlan:
    """One course plan (a preset, or the copy a course keeps)."""

    id: str
    label: str
    source: str
    main: Phase
    needle_mm: Decimal | None = None
    adjunct: str = "none"
    maintenance: Phase | None = None
    clinic: bool = False          # defined by the clinic, not shipped with the app

    @property
    def sessions(self) -> int:
        assert self.main.sessions is not None
        return self.main.sessions

    def describe(self) -> str:
        """One line for lists: "12 sessions, every 7 days (± 2)"."""
        text = tr("{n} sessions, every {days} days (± {window})").format(
            n=self.sessions, days=self.main.interval_days, window=self.main.window_days)
        if self.maintenance is not None:
            text += tr("; then maintenance every {days} days (± {window})").format(
                days=self.maintenance.interval_days, window=self.maintenance.window_days)
        return text

    def to_doc(self) -> CoursePlanDoc:
        doc: CoursePlanDoc = {
            "id": self.id, "label": self.label, "source": self.source, "sessions": self.sessions,
            "interval_days": self.main.interval_days, "window_days": self.main.window_days,
            "needle_mm": str(self.needle_mm) if self.needle_mm is not None else None,
            "adjunct": self.adjunct, "clinic": self.clinic,
        }
        if self.maintenance is not None:
            doc["maintenance"] = {"interval_days": self.maintenance.interval_days,
                                  "window_days": self.maintenance.window_days,
                                  "sessions": self.maintenance.sessions}
        return doc


def _int(raw: JsonObject, key: str, where: str, low: int, high: int, optional: bool = False) -> int | None:
    value = raw.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise PlanError(key, tr("{where}: “{field}” must be a whole number from {low} to {high}.").format(
            where=where, field=key, low=low, high=high))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number != number.to_integral_value() or not low <= number <= high:
        raise PlanError(key, tr("{where}: “{field}” must be a whole number from {low} to {high}; "
                                      "found “{value}”.").format(where=where, field=key, low=low, high=high,
                                                                 value=value))
    return int(number)


def _phase(raw: JsonObject, where: str, sessions_optional: bool) -> Phase:
    interval = _int(raw, "interval_days", where, 1, MAX_INTERVAL_DAYS)
    assert interval is not None
    window = _int(raw, "window_days", where, 0, MAX_INTERVAL_DAYS)
    assert window is not None
    if window * 2 >= interval:
        raise PlanError("window_days", tr(
            "{where}: “window_days” ({window}) must be less than half the interval ({interval} days), "
            "so that one session's window ends before the next one's opens.").format(
                where=where, window=window, interval=interval))
    sessions = _int(raw, "sessions", where, 1, MAX_SESSIONS, optional=sessions_optional)
    return Phase(interval, window, sessions)


def parse_course_plan(raw: object, *, needle_range: tuple[Decimal, Decimal], adjuncts: tuple[str, ...],
                      clinic: bool = False) -> CoursePlan:
    """A checked plan from its JSON form; PlanError names the field and what is allowed."""
    if not isinstance(raw, dict):
        raise PlanError("course_plan", tr("A course plan must be a JSON object."))
    plan_id = raw.get("id")
    if not isinstance(plan_id, str) or not plan_id.strip() or not all(
            c.isalnum() or c in "_-." for c in plan_id):
        raise PlanError("id", tr("A course plan needs an “id”: letters, digits, “_”, “-” or “.”, "
                                       "no spaces."))
    where = tr("Course plan “{id}”").format(id=plan_id)
    texts = {}
    for key in ("label", "source"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise PlanError(key, tr("{where}: “{field}” must be a text of 1–200 characters.").format(
                where=where, field=key))
        texts[key] = value.strip()
    main = _phase(raw, where, sessions_optional=False)
    needle = raw.get("needle_mm")
    needle_mm: Decimal | None = None
    if needle not in (None, ""):
        try:
            needle_mm = Decimal(str(needle).strip())
        except InvalidOperation:
            needle_mm = None
        low, high = needle_range
        if needle_mm is None or not needle_mm.is_finite() or not low <= needle_mm <= high:
            raise PlanError("needle_mm", tr("{where}: “needle_mm” must be {low}–{high} mm, or left out; "
                                                  "found “{value}”.").format(where=where, low=low, high=high,
                                                                            value=needle))
    adjunct = raw.get("adjunct", "none")
    if adjunct not in adjuncts:
        raise PlanError("adjunct", tr("{where}: “adjunct” must be one of {choices}; found “{value}”.").format(
            where=where, choices=", ".join(adjuncts), value=adjunct))
    maintenance = None
    if raw.get("maintenance") is not None:
        if not isinstance(raw["maintenance"], dict):
            raise PlanError("maintenance", tr("{where}: “maintenance” must be a JSON object with "
                                                    "“interval_days” and “window_days”.").format(where=where))
        maintenance = _phase(raw["maintenance"], tr("{where}, maintenance").format(where=where),
                             sessions_optional=True)
    return CoursePlan(plan_id, texts["label"], texts["source"], main, needle_mm, str(adjunct), maintenance,
                      bool(raw.get("clinic", clinic)) or clinic)


_READ: dict[tuple[Any, ...], CoursePlan] = {}


def plan_from_doc(doc: Mapping[str, Any]) -> CoursePlan:
    """A plan as a course event keeps it (checked when the event was made: read as written).

    Thousands of events hold copies of a handful of plans: each distinct copy is built once."""
    maint_doc = doc.get("maintenance")
    key = (doc.get("id"), doc.get("label"), doc.get("source"), doc.get("sessions"), doc.get("interval_days"),
           doc.get("window_days"), doc.get("needle_mm"), doc.get("adjunct"), doc.get("clinic"),
           tuple(sorted(maint_doc.items())) if isinstance(maint_doc, dict) else None)
    plan = _READ.get(key)
    if plan is None:
        plan = _READ[key] = _plan_from_doc(doc)
    return plan


def _plan_from_doc(doc: Mapping[str, Any]) -> CoursePlan:
    main = Phase(int(doc["interval_days"]), int(doc["window_days"]), int(doc["sessions"]))
    maint = doc.get("maintenance")
    maintenance = (Phase(int(maint["interval_days"]), int(maint["window_days"]),
                         int(maint["sessions"]) if maint.get("sessions") is not None else None)
                   if isinstance(maint, dict) else None)
    needle = doc.get("needle_mm")
    return CoursePlan(str(doc["id"]), str(doc["label"]), str(doc.get("source", "")), main,
                      Decimal(str(needle)) if needle not in (None, "") else None, str(doc.get("adjunct", "none")),
                      maintenance, bool(doc.get("clinic", False)))
