"""Course events travel both ways: a course started, paused or changed in one room is in every
other room's course view and Due list after their syncs, with its own device and author."""

from __future__ import annotations

from pathlib import Path

from server_laptops import P, laptop, new_laptop, sync

from microneedle_desk.clinic.events import CourseChanged
from microneedle_desk.review.due import StoreSource, due_list
from microneedle_desk.store.check import check_store


def _due_plan(root: Path, patient_id: str) -> tuple[str, str] | None:
    clinic = laptop(root)
    try:
        today = clinic.clock.now().date()
        rows = [r for r in due_list(StoreSource(clinic.store, clinic.courses.file), today, lambda _i: 28)
                if r.patient_id == patient_id]
        return (rows[0].state, rows[0].plan) if rows else None
    finally:
        clinic.store.close()


def test_a_course_started_in_one_room_is_in_the_other_rooms_course_view_and_due_list(
        dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "room1", tmp_path / "room2"
    patient = new_laptop(one, "Cora Course", "CRS-1")
    new_laptop(two, "Dan Elsewhere", "CRS-2")
    sync(one, dsn)
    sync(two, dsn)  # room 2 knows the patient now, and no course of hers
    assert _due_plan(two, patient) is None
    clinic = laptop(one)
    try:
        started = clinic.courses.start(patient, "weekly_12", by="Dr One")
        device_one = clinic.store.device
    finally:
        clinic.store.close()
    assert sync(one, dsn).pushed == 1
    clinic = laptop(two)
    heard: list[object] = []
    clinic.subscribe(heard.append)
    try:
        pulled = clinic.server.sync_now(dsn)
        assert pulled.pulled == 1 and pulled.pushed == 0
        assert heard == [CourseChanged(patient, "course_started")]
        course = clinic.courses.current(patient)
        assert course is not None and course.plan.id == "weekly_12" and course.status == "active"
        kept = [e for e in clinic.courses.file.events() if e["id"] == started["id"]]
        assert [(e["device"], e["by"]) for e in kept] == [(device_one, started["by"])]
        # room 2 pauses the course: room 1 sees the pause after its sync
        clinic.courses.pause(patient, "Holiday", by="Dr Two")
    finally:
        clinic.store.close()
    assert _due_plan(two, patient) is not None
    assert sync(two, dsn).pushed == 1  # the pause only: the pulled start is not sent back
    assert sync(one, dsn).pulled == 1
    clinic = laptop(one)
    try:
        course = clinic.courses.current(patient)
        assert course is not None and course.status == "paused" and course.reason == "Holiday"
    finally:
        clinic.store.close()
    state_one, state_two = _due_plan(one, patient), _due_plan(two, patient)
    assert state_one == state_two and state_one is not None and state_one[0] == "paused"
    for root in (one, two):  # nothing more to send either way, and each folder checks clean
        again = sync(root, dsn)
        assert (again.pushed, again.pulled) == (0, 0)
        assert check_store(root, P) == []


def test_a_course_event_pulled_twice_is_kept_once(dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "room1", tmp_path / "room2"
    patient = new_laptop(one, "Eve Once", "ONC-1")
    clinic = laptop(one)
    try:
        clinic.courses.start(patient, "weekly_12")
    finally:
        clinic.store.close()
    sync(one, dsn)
    new_laptop(two, "Fay Other", "ONC-2")
    sync(two, dsn)
    from microneedle_desk.server import outbox

    state = outbox.load_state(two)
    state["pulled_xmin"] = "0"  # the cursor lost: the next sync brings everything again
    outbox.save_state(two, state)
    sync(two, dsn)
    clinic = laptop(two)
    try:
        assert len([e for e in clinic.courses.file.events() if e["patient_id"] == patient]) == 1
    finally:
        clinic.store.close()


def test_a_session_in_another_room_counts_in_the_course_here(dsn: str, tmp_path: Path) -> None:
    from datetime import timedelta

    from server_laptops import sign_session_for

    one, two = tmp_path / "room1", tmp_path / "room2"
    patient = new_laptop(one, "Mia Moves", "MOV-1")
    clinic = laptop(one)
    try:
        clinic.courses.start(patient, "weekly_12")
        today = clinic.clock.now().date()
    finally:
        clinic.store.close()
    sign_session_for(one, patient, "00000000-0000-4000-8000-0000000000cc")
    sync(one, dsn)
    new_laptop(two, "Ned Here", "MOV-2")
    sync(two, dsn)
    clinic = laptop(two)
    try:
        # the patient's next visit, a week on, is in room 2: the session of room 1 is visit 1
        assert clinic.courses.place(patient, today + timedelta(days=7)) == ("main", 2, 12)
    finally:
        clinic.store.close()
