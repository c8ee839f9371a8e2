"""`microneedle-desk demo-data`: realistic demo sessions made through the core, never mixed with real records."""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from microneedle_desk.cli import main
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.fold import replay
from microneedle_desk.core.fold_common import EventError
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import content_hash, make_patient
from microneedle_desk.core.summary import summarize
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.review.demo import generate
from microneedle_desk.store.store import Store, StoreError

VOLATILE = {"id", "hash", "patient_id", "practitioner_id", "signed_by", "device"}


def _store(root: Path, protocol: Protocol) -> Store:
    return Store(root, protocol, FakeClock())


def _generate(root: Path, sessions: int, seed: int = 7) -> int:
    return main(["demo-data", "--sessions", str(sessions), "--seed", str(seed), "--data-dir", str(root)])


def _stable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Summary rows without the random UUIDs and hashes, in a fixed order."""
    out = [{k: v for k, v in r.items() if k not in VOLATILE} for r in rows]
    return sorted(out, key=lambda r: (r["started_at"], r["clinic_id"]))


def test_every_generated_session_replays_and_matches_its_summary_row(tmp_path: Path, protocol: Protocol) -> None:
    root = tmp_path / "data"
    assert _generate(root, 60) == 0
    store = _store(root, protocol)
    rows = {r["id"]: r for r in store.summaries()}
    assert len(rows) == 60
    for session_id, row in rows.items():
        doc = store.session_doc(session_id, row["file"])
        assert doc is not None and doc["status"] == row["status"]
        state = replay(doc["events"], protocol)
        expected = summarize(state, protocol)
        expected.update(hash=doc["hash"], file=row["file"])
        assert row == expected
    assert store.is_demo()


def test_the_hash_chain_of_imported_sessions_is_whole_and_in_order(tmp_path: Path, protocol: Protocol) -> None:
    """Each run's sessions, then its access record (the OS user who ran demo-data), in one chain."""
    from microneedle_desk.store.access_log import read_access_log
    from microneedle_desk.store.folder import os_user

    root = tmp_path / "data"
    assert _generate(root, 40) == 0
    assert _generate(root, 25, seed=8) == 0  # a second batch continues the same chain
    store = _store(root, protocol)
    sessions = [d for _, _, d in store.iter_chain()]
    access = read_access_log(store)
    assert len(sessions) == 65
    assert [(e["action"], e["os_user"], e["account_id"]) for e in access] == [("demo-data", os_user(), None)] * 2
    assert [e["chain"]["seq"] for e in access] == [41, 67], "logged after each run's sessions"
    docs = sorted(sessions + access, key=lambda d: d["chain"]["seq"])
    assert [d["chain"]["seq"] for d in docs] == list(range(1, 68))
    prev = "0" * 64
    for doc in docs:
        assert doc["chain"]["prev"] == prev
        assert content_hash(doc, prev) == doc["hash"]
        prev = doc["hash"]
    assert store._chain_head()["hash"] == prev
    assert len({p.clinic_id for p in store.patients()}) == len(store.patients())


def test_demo_patients_are_obviously_fake_and_marked(tmp_path: Path, protocol: Protocol) -> None:
    root = tmp_path / "data"
    assert _generate(root, 30) == 0
    patients = _store(root, protocol).patients()
    assert patients
    for p in patients:
        assert p.demo
        assert p.name.startswith("Demo Patient ")
        assert p.clinic_id.startswith("DEMO-")


def test_refuses_a_store_that_holds_a_real_patient(tmp_path: Path, protocol: Protocol,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    store = _store(root, protocol)
    clock = FakeClock()
    store.add_patient(make_patient(protocol, name="Real Person", dob="1970-05-06", clinic_id="C-77",
                                   sex="female", indication="aga_female", scale="ludwig", grade="II",
                                   device=store.device, now=clock.now()))
    store.close()
    assert _generate(root, 10) == 2
    err = capsys.readouterr().err
    assert "real patients or sessions" in err
    assert "Real Person" not in err and "C-77" not in err
    again = _store(root, protocol)
    assert again.summaries() == []
    assert not again.is_demo()
    assert [p.name for p in again.patients()] == ["Real Person"]


def test_same_seed_gives_the_same_data_and_another_seed_other_data(tmp_path: Path) -> None:
    from microneedle_desk import paths
    from microneedle_desk.core.protocol import load_protocol

    protocol = load_protocol(paths.protocol_file())
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        assert _generate(tmp_path / name, 50, seed) == 0
    a, b, c = (_stable(_store(tmp_path / n, protocol).summaries()) for n in "abc")
    assert a == b
    assert a != c


def test_bad_session_count_is_refused_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _generate(tmp_path / "data", 0)
    assert exc.value.code == 2
    assert "1–500,000" in capsys.readouterr().err


def test_demo_history_looks_like_a_clinic(tmp_path: Path, protocol: Protocol) -> None:
    store = _store(tmp_path / "data", protocol)
    result = generate(store, 600, seed=11)
    rows = store.summaries()
    assert result.sessions == len(rows) == 600
    signed = [r for r in rows if r["status"] == "signed"]
    assert len({r["indication"] for r in rows}) >= 3
    assert {r["adjunct"] for r in signed} == {"none", "minoxidil", "prp"}
    assert all(0.5 <= r["needle_mm"] <= 1.5 for r in signed)
    assert all(15 <= r["dwell_planned_min"] <= 45 and 15 <= r["needling_planned_min"] <= 20 for r in signed)
    assert 0.05 <= sum(1 for r in signed if r["side_effects"]) / len(signed) <= 0.3
    assert any(r["overrides"] for r in rows)
    per_day = Counter(r["started_at"][:10] for r in rows)
    assert max(per_day.values()) <= 40
    for r in rows:
        start = datetime.fromisoformat(r["started_at"])
        assert start.weekday() < 5 and 8 <= start.hour < 18
    by_patient: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(rows, key=lambda r: r["started_at"]):
        by_patient.setdefault(r["patient_id"], []).append(r)
    courses = [len(v) for v in by_patient.values()]
    assert max(courses) >= 4 and max(courses) <= 12
    for visits in by_patient.values():
        for before, after in itertools.pairwise(visits):
            gap = (datetime.fromisoformat(after["started_at"]) - datetime.fromisoformat(before["started_at"])).days
            assert gap >= protocol.indication(before["indication"]).interval_days - 2


def test_bulk_import_replays_each_session_and_refuses_a_broken_one(tmp_path: Path, protocol: Protocol) -> None:
    source = _store(tmp_path / "source", protocol)
    generate(source, 5, seed=1)
    row = next(r for r in source.summaries() if r["status"] == "signed")
    doc = source.session_doc(row["id"], row["file"])
    assert doc is not None
    state = replay(doc["events"], protocol)
    broken = copy.deepcopy(state)
    needle = next(e for e in broken.events if e["type"] == "needle_length_set")
    needle["data"]["mm"] = 2.0
    target = _store(tmp_path / "target", protocol)
    with pytest.raises(StoreError, match="demo store"):  # real sessions are signed with a PIN
        target.import_finished([state])
    target.mark_demo()
    with pytest.raises(ValidationError, match="Needle length"):
        target.import_finished([broken])
    unfinished = replay(doc["events"][:-1], protocol)
    with pytest.raises(EventError):
        target.import_finished([unfinished])
    assert target.summaries() == []


def test_n_sessions_come_in_courses_of_4_to_12_visits(tmp_path: Path, protocol: Protocol) -> None:
    root = tmp_path / "data"
    assert _generate(root, 30) == 0
    rows = _store(root, protocol).summaries()
    assert len(rows) == 30
    courses = Counter(r["patient_id"] for r in rows)
    assert all(4 <= n <= 12 for n in courses.values()), sorted(courses.values())


def test_a_ten_year_clinic_is_planned_without_a_patient_born_after_their_first_visit(
        tmp_path: Path, protocol: Protocol) -> None:
    """150,000 sessions are planned (not run: that takes minutes) over at most ten years."""
    from microneedle_desk.review.demo_plan import DemoPlanner
    from microneedle_desk.review.demo_values import END_DATE

    store = _store(tmp_path / "data", protocol)
    store.mark_demo()
    visits = DemoPlanner(store, 5, END_DATE).plan(150_000, 1)
    assert len(visits) == 150_000
    assert (END_DATE - visits[0][0]).days <= 10 * 366
    courses = Counter(id(course) for _, course in visits)
    assert all(4 <= n <= 12 for n in courses.values())
    firsts = {id(course): (day, course.patient) for day, course in reversed(visits)}
    assert all(patient.dob < day for day, patient in firsts.values())


def test_sessions_far_back_in_time_are_generated_without_a_future_birth_date(
        tmp_path: Path, protocol: Protocol) -> None:
    store = _store(tmp_path / "data", protocol)
    result = generate(store, 12, seed=2, end=date(1988, 6, 30))
    assert result.sessions == 12
    assert all(p.dob < date(1971, 1, 1) for p in store.patients())
