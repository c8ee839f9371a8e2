"""Realistic demo data: made-up patients on courses of sessions, generated through the core.

Every session is run command by command through :class:`~microneedle_desk.core.session.Session`
with a :class:`~microneedle_desk.core.clock.FakeClock` that is advanced the way the treatment
room would (answers a few seconds apart, the anesthetic dwelling while the device is prepared,
alerts recorded at their deadlines, needling with pauses), so every event passes the same
rules as a live one. The finished sessions of each month are then filed with
:meth:`Store.import_finished`, which replays them once more and writes each month file in
one go: saving 50,000 sessions event by event would rewrite files millions of times.

Everything made here is obviously fake: patients are "Demo Patient 0042" with clinic IDs
"DEMO-0042" and ``demo=True``, lots and serials start with "DEMO-", and the store is marked
as demo data. :func:`generate` refuses a store that holds any real patient or session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from microneedle_desk.core.records import Patient
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.i18n import tr
from microneedle_desk.review.demo_courses import add_demo_courses
from microneedle_desk.review.demo_plan import Course
from microneedle_desk.review.demo_session import DemoGenerator
from microneedle_desk.review.demo_values import END_DATE, LAST_START_MIN, OPEN_MIN, TZ
from microneedle_desk.store.store import Store


class DemoRefused(Exception):
    """The store holds real records (or cannot be written): demo data would mix with them."""


@dataclass
class DemoResult:
    patients: int = 0
    sessions: int = 0
    signed: int = 0
    abandoned: int = 0
    first_day: date | None = None
    last_day: date | None = None


def generate(store: Store, sessions: int, seed: int = 1, end: date = END_DATE,
             progress: Callable[[int, int], None] | None = None) -> DemoResult:
    """Add ``sessions`` demo sessions (and their patients) to ``store``; see the module docstring.

    Raises DemoRefused when the store holds any real patient or session.
    """
    if sessions < 1:
        raise ValueError("sessions must be at least 1")
    if store.holds_real_records():
        raise DemoRefused(tr("This data folder holds real patients or sessions: demo data is only written to "
                             "an empty folder or one that holds demo data alone."))
    store.mark_demo()
    gen = DemoGenerator(store, seed, end)
    taken = [int(p.clinic_id[5:]) for p in store.patients()
             if p.clinic_id.startswith("DEMO-") and p.clinic_id[5:].isdigit()]
    first_number = max(taken, default=0) + 1
    visits = gen.plan(sessions, first_number)
    patients = {id(c): c.patient for _, c in visits}
    store.import_patients(sorted(patients.values(), key=lambda p: p.clinic_id))
    result = DemoResult(patients=len(patients), first_day=visits[0][0], last_day=visits[-1][0])
    by_day: dict[date, list[Course]] = {}
    for day, course in visits:
        by_day.setdefault(day, []).append(course)
    month, batch = "", list[SessionState]()
    for day in sorted(by_day):
        if day.strftime("%Y-%m") != month:
            _file(store, batch, result, progress, sessions)
            month, batch = day.strftime("%Y-%m"), []
        todays = by_day[day]
        slots = (LAST_START_MIN - OPEN_MIN) // 5
        picks = sorted(gen.rng.sample(range(slots), len(todays)) if len(todays) <= slots
                       else gen.rng.choices(range(slots), k=len(todays)))
        for course, slot in zip(todays, picks, strict=True):
            start = datetime.combine(day, time(0, 0), TZ) + timedelta(minutes=OPEN_MIN + 5 * slot,
                                                                      seconds=gen.rng.randint(0, 240))
            batch.append(gen.run_session(course, start))
            course.done += 1
    _file(store, batch, result, progress, sessions)
    seen: dict[str, tuple[Patient, list[date]]] = {}
    for day, course in visits:
        seen.setdefault(course.patient.id, (course.patient, []))[1].append(day)
    add_demo_courses(store, seen, gen.practitioners[0], TZ)
    return result


def _file(store: Store, batch: list[SessionState], result: DemoResult,
          progress: Callable[[int, int], None] | None, total: int) -> None:
    if not batch:
        return
    batch.sort(key=lambda st: datetime.fromisoformat(st.events[-1]["at"]))  # the order they finished
    result.sessions += store.import_finished(batch)
    result.signed += sum(1 for st in batch if st.status == "signed")
    result.abandoned += sum(1 for st in batch if st.status == "abandoned")
    if progress is not None:
        progress(result.sessions, total)
