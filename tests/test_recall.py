"""``microneedle-desk recall`` and what the Due list reads: the list as text or CSV, usage
mistakes refused with exit 2, the derived list of visit days checked against the history and
derived again when it is not as the store wrote it, course records checked and backed up."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from microneedle_desk import cli, paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.review.demo import generate
from microneedle_desk.review.due import StoreSource, due_list
from microneedle_desk.store.backup import take_backup
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store
from microneedle_desk.store.visits import visit_rows
from tests.helpers import TEST_PIN, _quick_hash


@pytest.fixture
def demo(data_dir: Path, protocol: Protocol) -> Iterator[tuple[Path, str]]:
    store = Store(data_dir, protocol, FakeClock())
    result = generate(store, 180, seed=5)
    store.close()
    assert result.last_day is not None
    yield data_dir, (result.last_day + timedelta(days=1)).isoformat()


def recall(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["recall", *args])
    return code, out.getvalue(), err.getvalue()


def test_recall_prints_every_patient_by_state_as_of_the_day_given(demo: tuple[Path, str]) -> None:
    root, as_of = demo
    code, text, _ = recall("--data-dir", str(root), "--as-of", as_of)
    assert code == 0
    assert f"Due list as of {as_of}" in text
    for heading in ("Overdue:", "Paused:", "Course complete:", "No plan:", "Stopped early:"):
        assert heading in text, heading
    assert "DEMO-0001" in text


def test_recall_csv_has_one_row_per_entry_with_the_due_columns(demo: tuple[Path, str], tmp_path: Path) -> None:
    root, as_of = demo
    out = tmp_path / "due.csv"
    code, said, _ = recall("--data-dir", str(root), "--as-of", as_of, "--format", "csv", "-o", str(out))
    assert code == 0 and "Wrote" in said
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and {"state_id", "clinic_id", "last_session", "next_due", "session", "days_overdue"} <= set(rows[0])
    if os.name == "posix":
        assert (out.stat().st_mode & 0o777) == 0o600, "a list of patients is private"
    overdue = [r for r in rows if r["state_id"] == "overdue"]
    assert overdue and all(int(r["days_overdue"]) > 0 for r in overdue)


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "01/02/2026"])
def test_a_date_that_is_not_yyyy_mm_dd_is_a_usage_mistake(demo: tuple[Path, str], bad: str) -> None:
    root, _ = demo
    code, text, err = recall("--data-dir", str(root), "--as-of", bad)
    assert code == 2 and text == ""
    assert "YYYY-MM-DD" in err and "Traceback" not in err


def test_without_as_of_the_list_is_for_today_in_the_clinics_time_zone(demo: tuple[Path, str]) -> None:
    root, _ = demo
    from microneedle_desk.review.due import clinic_today

    class Zone:
        def get(self, key: str) -> str:
            return "Pacific/Kiritimati" if key == "clinic/time_zone" else ""

    late = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # already 2 March at UTC+14
    assert clinic_today(Zone(), late).isoformat() == "2026-03-02"
    code, text, _ = recall("--data-dir", str(root))
    assert code == 0 and "Due list as of" in text


def test_the_visit_days_are_derived_again_when_the_history_or_the_derived_file_changed(
        demo: tuple[Path, str], protocol: Protocol) -> None:
    root, as_of = demo
    store = Store(root, protocol, FakeClock())
    months = len(store.index_months())
    first, derived = visit_rows(store)
    assert derived == months, "the first read derives every month"
    again, derived = visit_rows(store)
    assert derived == 0 and again == first, "an unchanged history is read as derived"
    cache = paths.visits_index_file(root)
    doc = json.loads(cache.read_text())
    someone = next(iter(doc["patients"]))
    doc["patients"][someone] = []  # someone edits the derived file: it is not trusted
    cache.write_text(json.dumps(doc))
    repaired, derived = visit_rows(store)
    assert derived == months and repaired == first
    month = store.index_months()[0]
    os.utime(paths.index_file(root, month), ns=(1, 1))  # a month file changed since it was derived
    again, derived = visit_rows(store)
    assert derived == 1 and again == first, "only that month is derived again, to the same visits"
    before = due_list(StoreSource(store), datetime.fromisoformat(as_of).date(), lambda i: 14)
    store.close()
    assert check_store(root, protocol) == [], "the derived file is one the check knows"
    assert before


def test_course_records_are_checked_and_kept_in_backups(demo: tuple[Path, str], protocol: Protocol) -> None:
    root, _ = demo
    backup = take_backup(root, datetime(2026, 11, 1, 9, 0, tzinfo=UTC), keep=3)
    manifest = json.loads(backup.read_text(encoding="utf-8"))
    assert "courses.json" in json.dumps(manifest), "the course records are in the backup's list of files"
    courses = paths.courses_file(root)
    data = json.loads(courses.read_text())
    first = next(iter(data["events"]))
    data["events"][first]["type"] = "course_vanished"
    courses.write_text(json.dumps(data))
    problems = check_store(root, protocol)
    assert any(p.file == "courses.json" and "course_vanished" in p.what for p in problems)


def test_the_due_list_follows_a_course_change_made_after_it_was_read(demo: tuple[Path, str],
                                                                      protocol: Protocol) -> None:
    from microneedle_desk.clinic import Clinic

    root, as_of = demo
    store = Store(root, protocol, FakeClock())
    clinic = Clinic(store, protocol, store.clock)
    day = datetime.fromisoformat(as_of).date()
    rows = due_list(StoreSource(store, clinic.courses.file), day, lambda i: 14)
    running = next(r for r in rows if r.state in ("overdue", "due", "not_booked", "booked"))
    book = clinic.accounts  # the demo data's accounts exist: a course change needs someone signed in
    admin = book._save(replace(book._new("Dr Check", "admin", None, must_change=False),
                               pin_hash=_quick_hash(TEST_PIN)))
    clinic.sign_in_as(admin)
    clinic.courses.pause(running.patient_id, "Travelling")
    after = due_list(StoreSource(store, clinic.courses.file), day, lambda i: 14)
    assert next(r for r in after if r.patient_id == running.patient_id).state == "paused"
    store.close()


def test_the_lists_compact_reading_gives_the_rows_the_visit_by_visit_rules_give(
        demo: tuple[Path, str], protocol: Protocol) -> None:
    from microneedle_desk.core.due import due_row, to_visits

    root, as_of = demo
    store = Store(root, protocol, FakeClock())
    source = StoreSource(store)
    visits, courses = source.visits(), source.current_courses()
    for day in (datetime.fromisoformat(as_of).date() - timedelta(days=d) for d in (0, 20, 90)):
        listed = {r.patient_id: r for r in due_list(source, day, lambda i: 14) if r.state != "followup"}
        for pid, name, clinic_id, _ in source.patients():
            slow = due_row(pid, name, clinic_id, to_visits(visits.get(pid, [])), courses.get(pid), day, 14)
            assert (slow is None) == (pid not in listed)
            if slow is not None:
                fast = listed[pid]
                assert (fast.state, fast.next_due, fast.done, fast.total, fast.days_overdue, fast.last_session,
                        fast.booked) == (slow.state, slow.next_due, slow.done, slow.total, slow.days_overdue,
                                         slow.last_session, slow.booked), clinic_id
    store.close()
