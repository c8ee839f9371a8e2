"""Course plans and patients' courses: the presets, the events that change a course, where a
session stands in it and who is due (core/course_plan.py, core/course_events.py, core/due.py,
clinic/courses.py)."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from microneedle_desk.clinic import Clinic
from microneedle_desk.core import course_events as ce
from microneedle_desk.core.accounts import PermissionDenied
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.course_events import fold_courses, make_course_event
from microneedle_desk.core.course_schedule import schedule
from microneedle_desk.core.due import Visit, due_row, far_outside, followup_rows, session_place
from microneedle_desk.core.protocol import ProtocolError, parse_protocol
from microneedle_desk.core.records import new_id
from microneedle_desk.core.session import SessionConfig
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store.store import Store
from tests.helpers import (
    PROTOCOL_FILE,
    TEST_PIN,
    _quick_hash,
    make_demo_patient,
    run_complete_session,
    shipped_protocol,
)

TZ = timezone(timedelta(hours=1))
PID = new_id()


def plan(plan_id: str) -> Any:
    return next(p for p in shipped_protocol().course_plans if p.id == plan_id)


def event(kind: str, on: date, course_id: str | None = None, **fields: Any) -> dict[str, Any]:
    return make_course_event(kind, patient_id=PID, course_id=course_id, by="Dr Test", device="dev",
                             now=datetime.combine(on, datetime.min.time(), TZ) + timedelta(hours=18), on=on, **fields)


def course_from(*events: dict[str, Any]) -> Any:
    return fold_courses(list(events))[-1]


def weekly(on: date = date(2026, 1, 5)) -> tuple[Any, dict[str, Any]]:
    started = event(ce.STARTED, on, plan=plan("weekly_12"))
    return course_from(started), started


def visits(*days: date) -> list[Visit]:
    return [Visit(d, new_id(), d + timedelta(days=7)) for d in days]


# -- presets ---------------------------------------------------------------------------------
def test_the_shipped_presets_are_the_published_plans_and_a_clinic_defined_one() -> None:
    plans = {p.id: p for p in shipped_protocol().course_plans}
    dhurat = plans["weekly_12"]
    assert (dhurat.sessions, dhurat.main.interval_days, dhurat.main.window_days) == (12, 7, 2)
    assert str(dhurat.needle_mm) == "1.5" and dhurat.adjunct == "minoxidil" and "Dhurat 2013" in dhurat.source
    assert (plans["biweekly_6"].sessions, plans["biweekly_6"].main.interval_days) == (6, 14)
    assert (plans["three_weekly_3"].sessions, plans["three_weekly_3"].main.interval_days) == (3, 21)
    assert plans["monthly_6_prp"].adjunct == "prp" and plans["monthly_6_prp"].sessions == 6
    assert dhurat.maintenance is not None and dhurat.maintenance.interval_days == 90
    assert any(p.clinic for p in plans.values())


def test_a_broken_preset_in_the_protocol_file_is_refused_naming_the_field() -> None:
    raw = json.loads(PROTOCOL_FILE.read_text(encoding="utf-8"), parse_float=Decimal)
    broken = copy.deepcopy(raw)
    broken["course_plans"][0]["window_days"] = 4  # a weekly plan's window must stay under half a week
    with pytest.raises(ProtocolError, match="window_days"):
        parse_protocol(broken)
    broken = copy.deepcopy(raw)
    broken["course_plans"][1]["sessions"] = 0
    with pytest.raises(ProtocolError, match="sessions"):
        parse_protocol(broken)


def open_clinic(root: Path, clock: FakeClock) -> Clinic:
    return Clinic(Store(root, shipped_protocol(), clock), shipped_protocol(), clock)


def with_doctor(clinic: Clinic) -> str:
    """A practitioner with an account, signed in; their id."""
    book = clinic.accounts
    doctor = book._save(replace(book._new("Dr Test", "practitioner", None, must_change=False),
                                pin_hash=_quick_hash(TEST_PIN)))
    clinic.sign_in_as(doctor)
    return doctor.id


def signed_session(clinic: Clinic, who: Any, doctor: str, clock: FakeClock) -> None:
    run_complete_session(clinic.start_session(who, doctor, SessionConfig(), pin=TEST_PIN), clock, sign=False)
    clinic.sign(acknowledge=True, pin=TEST_PIN)
    clinic.close_session()


GOOD = {"id": "our_8", "label": "Our 8 fortnightly", "source": "Clinic", "sessions": "8",
        "interval_days": "14", "window_days": "3", "needle_mm": "1.2", "adjunct": "minoxidil"}


def test_a_clinic_preset_is_checked_like_the_shipped_ones_and_offered_once_accepted(tmp_path: Path) -> None:
    clinic = open_clinic(tmp_path, FakeClock())
    for field, value in (("interval_days", "0"), ("needle_mm", "2.0"), ("adjunct", "laser"), ("label", ""),
                         ("window_days", "7")):
        with pytest.raises(ValidationError) as refused:
            clinic.courses.add_preset({**GOOD, field: value})
        assert refused.value.field == field and field in refused.value.message
    assert "our_8" not in [p.id for p in clinic.courses.plans()]
    clinic.courses.add_preset(GOOD)
    assert clinic.courses.plan("our_8").sessions == 8


def test_only_an_admin_adds_a_preset_and_only_someone_who_runs_sessions_starts_a_course(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    book = clinic.accounts
    nurse = book._save(replace(book._new("Nurse", "practitioner", None, must_change=False),
                               pin_hash=_quick_hash(TEST_PIN)))
    who = clinic.store.add_patient(make_demo_patient(clinic.protocol, clock, device=clinic.store.device))
    with pytest.raises(PermissionDenied):
        clinic.courses.start(who.id, "weekly_12")  # nobody signed in
    clinic.sign_in_as(nurse)
    with pytest.raises(PermissionDenied, match="admin"):
        clinic.courses.add_preset(GOOD)
    clinic.courses.start(who.id, "weekly_12")
    assert clinic.courses.current(who.id) is not None


# -- the course's events ---------------------------------------------------------------------
def test_every_change_is_an_event_with_its_author_device_time_and_reason(tmp_path: Path) -> None:
    clock = FakeClock()
    clinic = open_clinic(tmp_path, clock)
    who = clinic.store.add_patient(make_demo_patient(clinic.protocol, clock, device=clinic.store.device))
    clinic.courses.start(who.id, "weekly_12", by="Dr Test")
    with pytest.raises(ValidationError, match="reason"):
        clinic.courses.pause(who.id, "  ")
    clinic.courses.pause(who.id, "Holiday")
    clinic.courses.resume(who.id)
    clinic.courses.change_plan(who.id, "biweekly_6", "Cannot come weekly")
    with pytest.raises(ValidationError, match="reason"):
        clinic.courses.end(who.id, "stopped")
    clinic.courses.end(who.id, "stopped", "Moved away")
    events = clinic.courses.file.events()
    assert [e["type"] for e in events] == [ce.STARTED, ce.PAUSED, ce.RESUMED, ce.CHANGED, ce.ENDED]
    assert events[0]["by"] == "Dr Test"
    for e in events:
        assert e["device"] == clinic.store.device and e["by"] and len(e["id"]) == 36
        assert datetime.fromisoformat(e["at"]).utcoffset() is not None
    course = clinic.courses.current(who.id)
    assert course is not None and course.status == "stopped" and course.reason == "Moved away"
    assert [p.id for _, p, _ in course.plans] == ["weekly_12", "biweekly_6"]  # the old plan is kept
    with pytest.raises(ValidationError, match="ended"):
        clinic.courses.pause(who.id, "again")


def test_a_session_counts_as_n_of_the_plan_and_two_on_one_day_are_one_visit() -> None:
    course, _ = weekly()
    days = [date(2026, 1, 5) + timedelta(days=7 * i) for i in range(3)]
    assert session_place(course, visits(*days), days[-1] + timedelta(days=7)) == ("main", 4, 12)
    same_day = visits(*days) + visits(days[-1])
    assert session_place(course, same_day, days[-1]) == ("main", 3, 12)
    row = due_row(PID, "A", "C-1", same_day, course, days[-1] + timedelta(days=1), 14)
    assert row is not None and row.of_text == "3 of 12"


def test_a_plan_changed_mid_course_counts_on_under_the_new_plan() -> None:
    course, started = weekly()
    days = [date(2026, 1, 5) + timedelta(days=7 * i) for i in range(4)]
    changed = event(ce.CHANGED, days[-1], started["course_id"], plan=plan("biweekly_6"), reason="Fewer visits")
    course = course_from(started, changed)
    assert session_place(course, visits(*days), days[-1] + timedelta(days=14)) == ("main", 5, 6)
    row = due_row(PID, "A", "C-1", visits(*days), course, days[-1] + timedelta(days=12), 14)
    assert row is not None and row.next_due == days[-1] + timedelta(days=14) and row.state == "due"


@pytest.mark.parametrize(("as_of", "state", "overdue"), [
    (date(2026, 1, 12), "due", None),          # due on the 19th: this week
    (date(2026, 1, 21), "due", None),          # inside the ± 2 day window
    (date(2026, 1, 22), "overdue", 3),         # past the window
])
def test_the_due_state_follows_the_plans_interval_and_window(as_of: date, state: str, overdue: int | None) -> None:
    course, _ = weekly()
    row = due_row(PID, "A", "C-1", [Visit(date(2026, 1, 5), "s", date(2026, 1, 12)),
                                    Visit(date(2026, 1, 12), "s2", date(2026, 1, 19))], course, as_of, 14)
    assert row is not None and (row.state, row.days_overdue) == (state, overdue)
    assert row.next_due == date(2026, 1, 19)


def test_a_next_date_outside_the_window_or_missed_is_not_booked() -> None:
    _course, started = weekly()
    monthly = course_from(started, event(ce.CHANGED, date(2026, 1, 5), started["course_id"],
                                         plan=plan("monthly_6_prp"), reason="monthly"))
    row = due_row(PID, "A", "C-1", [Visit(date(2026, 1, 5), "s", date(2026, 1, 12))], monthly,
                  date(2026, 1, 7), 14)
    assert row is not None and row.state == "not_booked"  # booked in a week; the plan says a month
    biweekly = course_from(event(ce.STARTED, date(2026, 1, 5), plan=plan("biweekly_6")))
    booked = due_row(PID, "A", "C-1", [Visit(date(2026, 1, 5), "s", date(2026, 1, 19))], biweekly,
                     date(2026, 1, 6), 14)
    assert booked is not None and booked.state == "booked"
    missed = due_row(PID, "A", "C-1", [Visit(date(2026, 1, 5), "s", date(2026, 1, 8))], biweekly,
                     date(2026, 1, 9), 14)
    assert missed is not None and missed.state == "not_booked"  # the booked day went by


def test_paused_completed_stopped_and_no_plan_states() -> None:
    _course, started = weekly()
    first = visits(date(2026, 1, 5))
    paused = course_from(started, event(ce.PAUSED, date(2026, 1, 6), started["course_id"], reason="Travel"))
    assert due_row(PID, "A", "C", first, paused, date(2026, 3, 1), 14).state == "paused"  # type: ignore[union-attr]
    ended = course_from(started, event(ce.ENDED, date(2026, 1, 6), started["course_id"], outcome="completed"))
    assert due_row(PID, "A", "C", first, ended, date(2026, 3, 1), 14).state == "complete"  # type: ignore[union-attr]
    three = course_from(event(ce.STARTED, date(2026, 1, 5), plan=plan("three_weekly_3")))
    done = visits(date(2026, 1, 5), date(2026, 1, 26), date(2026, 2, 16))
    assert due_row(PID, "A", "C", done, three, date(2026, 3, 1), 14).state == "complete"  # type: ignore[union-attr]
    old = due_row(PID, "A", "C", visits(date(2025, 1, 1), date(2025, 1, 22)), None, date(2026, 3, 1), 14)
    assert old is not None and old.state == "no_plan" and "21 days" in old.note
    assert old.next_due == date(2025, 2, 12)
    assert due_row(PID, "A", "C", [], None, date(2026, 3, 1), 14) is None


def test_after_the_main_phase_the_maintenance_interval_applies() -> None:
    course, _ = weekly()
    days = [date(2026, 1, 5) + timedelta(days=7 * i) for i in range(12)]
    row = due_row(PID, "A", "C", visits(*days), course, days[-1] + timedelta(days=10), 14)
    assert row is not None and row.of_text == "12 of 12" and row.next_due == days[-1] + timedelta(days=90)
    later = [*days, days[-1] + timedelta(days=90)]
    assert session_place(course, visits(*later), later[-1]) == ("maintenance", 1, None)


def back_after_five_months(tmp_path: Path) -> tuple[Clinic, Any, str, FakeClock]:
    """A weekly-12 course with one signed session, and the clock five months on."""
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=TZ))
    clinic = open_clinic(tmp_path, clock)
    doctor = with_doctor(clinic)
    who = clinic.store.add_patient(make_demo_patient(clinic.protocol, clock, device=clinic.store.device))
    clinic.courses.start(who.id, "weekly_12")
    signed_session(clinic, who, doctor, clock)
    clock.advance(150 * 86400)
    return clinic, who, doctor, clock


def test_a_session_far_outside_the_window_is_never_counted_silently(tmp_path: Path) -> None:
    clinic, who, doctor, clock = back_after_five_months(tmp_path)
    assert far_outside(clinic.courses.current(who.id), clinic.courses.visits(who.id), clock.now().date())
    with pytest.raises(ValidationError, match="new phase or a new course") as refused:
        clinic.start_session(who, doctor, SessionConfig(), pin=TEST_PIN)
    assert refused.value.field == "course" and clinic.session is None
    clinic.courses.new_phase(who.id, "main", "Back after five months")
    session = clinic.start_session(who, doctor, SessionConfig(), pin=TEST_PIN)
    assert clinic.courses.place(who.id) == ("main", 1, 12)
    assert session.state.config.interval_days == 7  # the aftercare suggestion follows the plan
    clinic.close_session()


def test_a_long_gap_may_start_a_new_course_instead(tmp_path: Path) -> None:
    clinic, who, doctor, _ = back_after_five_months(tmp_path)
    clinic.courses.new_course(who.id, "monthly_6_prp", "Back after five months: monthly with PRP")
    courses = clinic.courses.courses(who.id)
    assert [c.status for c in courses] == ["stopped", "active"] and courses[-1].plan.id == "monthly_6_prp"
    clinic.start_session(who, doctor, SessionConfig(), pin=TEST_PIN)
    assert clinic.courses.place(who.id) == ("main", 1, 6)


def test_follow_up_calls_show_24_to_72_hours_after_a_session_until_one_is_recorded() -> None:
    day = date(2026, 1, 5)
    sessions = [(PID, "A", "C", "s1", day)]
    assert [r.state for r in followup_rows(sessions, set(), day + timedelta(days=1))] == ["followup"]
    assert followup_rows(sessions, set(), day) == []
    assert followup_rows(sessions, set(), day + timedelta(days=4)) == []
    assert followup_rows(sessions, {"s1"}, day + timedelta(days=2)) == []


def test_the_schedule_marks_late_and_early_visits_against_the_window() -> None:
    course, _ = weekly()
    points = schedule(course, visits(date(2026, 1, 5), date(2026, 1, 16), date(2026, 1, 20)))
    assert [(p.came is not None, p.late, p.early) for p in points[:3]] == [
        (True, False, False), (True, True, False), (True, False, True)]
    assert len(points) == 12 + 1  # the rest of the main phase, then the next maintenance visit
