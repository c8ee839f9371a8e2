"""Records survive bad files, tampering, a second copy of the app, suspend and clock changes.

Each bad-file test shows the admin's message and that the file's bytes were not changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    PRACTITIONER,
    amend_with_pin,
    apply_anesthetic,
    clear_screening,
    make_demo_patient,
    pin_sink,
    prepare_device,
    run_complete_session,
    shipped_protocol,
    start_session,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microneedle_desk import cli, paths
from microneedle_desk.app import opening
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import load_protocol
from microneedle_desk.core.records import content_hash
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store import backup, leftovers, upgrade
from microneedle_desk.store import restore as restoring
from microneedle_desk.store.access_log import read_access_log
from microneedle_desk.store.check import check_store
from microneedle_desk.store.check_problems import Problem, StoreUnreadable
from microneedle_desk.store.lock import StoreLock
from microneedle_desk.store.store import Store

P = shipped_protocol()


def filled_store(root: Path, sessions: int = 2, clock: FakeClock | None = None) -> tuple[Store, list[str]]:
    """A store with a demo patient and ``sessions`` signed sessions."""
    clock = clock or FakeClock()
    store = Store(root, P, clock)
    patient = store.add_patient(make_demo_patient(P, clock, device=store.device))
    ids = []
    for _ in range(sessions):
        s = start_session(P, clock, patient, sink=pin_sink(store), device=store.device)
        run_complete_session(s, clock)
        ids.append(s.id)
        clock.advance(3600)
    return store, ids


def day_path(root: Path) -> Path:
    return paths.session_file(root, "2026-11-25")


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def save_by_hand(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def problems_of(root: Path) -> list[str]:
    return [str(p) for p in check_store(root, P)]


# -- a test per kind of bad file ---------------------------------------------------------
def _truncate(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _not_json(path: Path) -> None:
    path.write_bytes(b"this is not JSON { at all")


def _wrong_shape(path: Path) -> None:
    save_by_hand(path, [1, 2, 3])


def _missing_fields(path: Path) -> None:
    data = load(path)
    for doc in data["patients"].values():
        del doc["dob"]
    save_by_hand(path, data)


def _unknown_version(path: Path) -> None:
    data = load(path)
    for doc in data["patients"].values():
        doc["schema"] = 99
    save_by_hand(path, data)


def _invalid_value(path: Path) -> None:
    data = load(path)
    for doc in data["patients"].values():
        doc["grade"] = "IX"  # not a Norwood-Hamilton grade
    save_by_hand(path, data)


BAD_FILES = [
    ("truncated", "sessions", _truncate, "cut short (truncated)"),
    ("empty", "sessions", _empty, "the file is empty"),
    ("not JSON", "sessions", _not_json, "not valid JSON"),
    ("wrong top-level shape", "sessions", _wrong_shape, "wrong top-level shape"),
    ("missing fields", "patients", _missing_fields, "lacks “dob”"),
    ("unknown schema version", "patients", _unknown_version, "newer version of the app (schema 99)"),
    ("invalid value written by hand", "patients", _invalid_value, "Norwood"),
]


@pytest.mark.parametrize(("kind", "which", "spoil", "words"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_each_bad_file_is_reported_in_admin_words_and_left_byte_for_byte(
        tmp_path: Path, kind: str, which: str, spoil: Any, words: str) -> None:
    root = tmp_path / "data"
    store, _ = filled_store(root)
    store.close()
    path = day_path(root) if which == "sessions" else paths.patients_file(root)
    spoil(path)
    before = path.read_bytes()
    problems = problems_of(root)
    assert problems, kind
    assert any(words in p for p in problems), problems
    assert all(p.startswith(path.relative_to(root).as_posix()) for p in problems), problems
    with pytest.raises(opening.BadStoreError) as raised:  # the start-up check, no backup to offer
        opening.check_at_start(root, P, FakeClock(), read_only=False, interactive=False)
    assert words in str(raised.value)
    assert "Nothing was changed" in str(raised.value)
    assert path.read_bytes() == before


def test_unknown_version_message_names_the_app_version_needed(tmp_path: Path) -> None:
    root = tmp_path / "data"
    store, _ = filled_store(root, sessions=0)
    store.close()
    path = paths.patients_file(root)
    _unknown_version(path)
    meta = load(paths.meta_file(root))
    meta["meta"]["1"]["app_version"] = "3.2.0"
    save_by_hand(paths.meta_file(root), meta)
    [problem] = problems_of(root)
    assert "Install microneedle-desk 3.2.0 or later" in problem


def test_hand_edited_signed_record_is_named_and_left_as_found(tmp_path: Path) -> None:
    root = tmp_path / "data"
    store, ids = filled_store(root, sessions=3)
    store.close()
    path = day_path(root)
    data = load(path)
    victim = next(d for d in data["sessions"].values() if d["id"] == ids[1])
    for event in victim["events"]:
        if event["type"] == "needle_length_set":
            event["data"]["mm"] = 1.0  # a plausible value: only the seal can tell
    save_by_hand(path, data)
    before = path.read_bytes()
    problems = check_store(root, P)
    assert [(p.file, p.record) for p in problems] == [("sessions/2026-11-25.json", f"session {ids[1]}")]
    assert "changed after it was signed" in problems[0].what
    assert path.read_bytes() == before


def test_resealed_edit_breaks_the_link_from_the_next_record(tmp_path: Path) -> None:
    """Someone who recomputes the edited record's own hash still breaks the chain after it."""
    root = tmp_path / "data"
    store, ids = filled_store(root, sessions=3)
    store.close()
    path = day_path(root)
    data = load(path)
    victim = next(d for d in data["sessions"].values() if d["id"] == ids[0])
    victim["status"] = "abandoned"
    victim["hash"] = content_hash(victim, victim["chain"]["prev"])
    save_by_hand(path, data)
    problems = check_store(root, P)
    records = {p.record for p in problems}
    # the next record in the chain (a session or an access record) no longer links to it
    assert records - {f"session {ids[0]}"}
    assert any("does not link to the one before it" in p.what for p in problems)


def test_removed_signed_record_is_reported_against_the_chain_head(tmp_path: Path) -> None:
    root = tmp_path / "data"
    store, ids = filled_store(root, sessions=2)
    store.close()
    path = day_path(root)
    data = load(path)
    data["sessions"] = {k: d for k, d in data["sessions"].items() if d["id"] != ids[-1]}
    save_by_hand(path, data)
    problems = check_store(root, P)
    assert any(p.file == "meta.json" and "removed or added by hand" in p.what for p in problems)
    assert any("not on file" in p.what for p in problems)  # the history still lists it


# -- check command exit codes --------------------------------------------------------------
def test_check_command_exits_0_when_all_is_well(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    filled_store(tmp_path / "data")[0].close()
    assert cli.main(["check", "--data-dir", str(tmp_path / "data")]) == 0
    assert "All well" in capsys.readouterr().out


def test_check_command_exits_1_and_lists_one_problem_per_line(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    filled_store(root)[0].close()
    _empty(day_path(root))
    _invalid_value(paths.patients_file(root))
    assert cli.main(["check", "--data-dir", str(root)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("patients.json: patient ")
    assert lines[1].startswith("sessions/2026-11-25.json: the file is empty")


def test_check_command_exits_2_when_there_is_no_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--data-dir", str(tmp_path / "nothing-here")]) == 2
    assert "Cannot check the store" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert cli.main(["check", "--data-dir", str(tmp_path / "empty")]) == 2
    with pytest.raises(StoreUnreadable):
        check_store(tmp_path / "empty", P)


def test_check_changes_nothing_in_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "data"
    filled_store(root)[0].close()
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
    check_store(root, P)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
    assert before == after


# -- backups and restore -------------------------------------------------------------------
def test_backup_restore_round_trip_keeps_the_bad_file_in_quarantine(tmp_path: Path) -> None:
    root = tmp_path / "data"
    clock = FakeClock()
    store, ids = filled_store(root, clock=clock)
    store.close()
    taken = backup.take_backup(root, clock.now(), keep=5)
    assert taken.stat().st_mode & 0o777 == 0o600
    _truncate(day_path(root))
    bad_bytes = day_path(root).read_bytes()
    clock.advance(60)
    result = restoring.restore(root, taken, P, clock.now())
    assert problems_of(root) == []
    assert result.quarantined is not None
    kept = result.quarantined / "sessions" / "2026-11-25.json"
    assert kept.read_bytes() == bad_bytes
    assert "20261125-" in result.quarantined.name
    reopened = Store(root, P, clock)
    assert {r["id"] for r in reopened.summaries()} == set(ids)
    for path in root.rglob("*.json"):
        assert path.stat().st_mode & 0o777 == 0o600


def test_restore_refuses_a_backup_that_fails_the_check(tmp_path: Path) -> None:
    root = tmp_path / "data"
    clock = FakeClock()
    filled_store(root, clock=clock)[0].close()
    _not_json(paths.patients_file(root))
    taken = backup.take_backup(root, clock.now(), keep=5)
    _empty(day_path(root))
    before = {p: p.read_bytes() for p in root.rglob("*.json")}
    with pytest.raises(backup.BackupError, match="does not pass the check"):
        restoring.restore(root, taken, P, clock.now())
    assert {p: p.read_bytes() for p in root.rglob("*.json")} == before


def test_restore_refuses_a_zip_that_is_not_a_backup(tmp_path: Path) -> None:
    root = tmp_path / "data"
    filled_store(root)[0].close()
    evil = tmp_path / "microneedle-desk-backup-20261125-090000.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../outside.json", "{}")
    with pytest.raises(backup.BackupError, match="not a microneedle-desk backup"):
        restoring.restore(root, evil, P, FakeClock().now())
    assert not (tmp_path / "outside.json").exists()


def test_daily_backup_is_taken_once_a_day_and_only_the_newest_are_kept(tmp_path: Path) -> None:
    root = tmp_path / "data"
    clock = FakeClock()
    filled_store(root, sessions=1, clock=clock)[0].close()
    assert backup.daily_backup(root, clock.now(), keep=3) is not None
    assert backup.daily_backup(root, clock.now() + timedelta(hours=2), keep=3) is None
    for day in range(1, 6):
        backup.daily_backup(root, clock.now() + timedelta(days=day), keep=3)
    names = [p.name for p in backup.backups(root)]
    assert len(names) == 3
    assert names[0].startswith("microneedle-desk-backup-20261130-")


def test_startup_offers_the_newest_good_backup_and_moves_the_bad_file_aside(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "data"
    clock = FakeClock()
    filled_store(root, clock=clock)[0].close()
    good = backup.take_backup(root, clock.now(), keep=5)
    clock.advance(86400)
    _not_json(day_path(root))
    bad_bytes = day_path(root).read_bytes()
    backup.take_backup(root, clock.now(), keep=5)  # a newer backup, of the bad file
    shown: list[str] = []
    monkeypatch.setattr(opening, "confirm_restore", lambda text: shown.append(text) or True)
    opening.check_at_start(root, P, clock, read_only=False, interactive=True)
    assert good.name in shown[0]
    assert "not valid JSON" in shown[0]
    assert problems_of(root) == []
    kept = list(paths.quarantine_dir(root).rglob("2026-11-25.json"))
    assert [k.read_bytes() for k in kept] == [bad_bytes]


def test_cli_backup_then_restore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    filled_store(root)[0].close()
    assert cli.main(["backup", "--data-dir", str(root)]) == 0
    [taken] = backup.backups(root)
    _empty(paths.patients_file(root))
    assert cli.main(["restore", str(taken), "--data-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "moved, not deleted" in out
    assert problems_of(root) == []


def test_leftover_save_temp_files_are_moved_aside_not_deleted(tmp_path: Path) -> None:
    root = tmp_path / "data"
    filled_store(root)[0].close()
    leftover = paths.sessions_dir(root) / "2026-11-25.json.aB3dE9"
    leftover.write_bytes(b'{"half": ')
    assert problems_of(root) == []  # harmless: the real file is intact
    moved = leftovers.quarantine_strays(root, FakeClock().now())
    assert not leftover.exists()
    assert [m.read_bytes() for m in moved] == [b'{"half": ']


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_files_readable_by_others_are_warned_about(tmp_path: Path) -> None:
    root = tmp_path / "data"
    filled_store(root)[0].close()
    assert opening.after_open(root, FakeClock(), keep=3) == []
    os.chmod(paths.meta_file(root), 0o644)
    [note] = opening.after_open(root, FakeClock(), keep=3)
    assert "meta.json" in note
    assert "Other users of this computer can read" in note


# -- schema upgrades -----------------------------------------------------------------------
def test_older_store_is_upgraded_step_by_step_after_a_backup(tmp_path: Path) -> None:
    root = tmp_path / "data"
    filled_store(root)[0].close()
    steps = {1: lambda d: {**d, "upgraded_to_2": True}, 2: lambda d: {**d, "upgraded_to_3": True}}
    taken: list[str] = []

    def take(reason: str) -> Path:
        taken.append(reason)
        return backup.take_backup(root, FakeClock().now(), 5, reason)

    done = upgrade.upgrade_store(root, take, current=3, steps=steps)
    assert taken == ["before-upgrade"]
    assert "from schema 1 to 3" in done[-1]
    patient = next(iter(load(paths.patients_file(root))["patients"].values()))
    assert patient["schema"] == 3 and patient["upgraded_to_2"] and patient["upgraded_to_3"]
    sealed = next(iter(load(day_path(root))["sessions"].values()))
    assert sealed["schema"] == 1  # a signed record is never rewritten
    assert upgrade.store_version(root) == 3


def test_newer_store_is_refused_naming_the_version_needed(tmp_path: Path) -> None:
    problem = upgrade.version_problem(2, written_by="0.9.0")
    assert problem is not None and "microneedle-desk 0.9.0 or later" in problem
    assert upgrade.version_problem(1) is None
    assert "not one this app knows" in str(upgrade.version_problem("one"))


# -- amendments and the hash chain ----------------------------------------------------------
def test_amendment_keeps_the_original_and_records_who_what_why(tmp_path: Path) -> None:
    root = tmp_path / "data"
    store, ids = filled_store(root, sessions=1)
    original = store.session_doc(ids[0])
    sealed = amend_with_pin(store, ids[0], "needle_mm", "1.0", "Wrong cartridge size noted")
    assert (sealed["field"], sealed["old"], sealed["new"], sealed["by"]) == ("needle_mm", 1.5, 1.0, PRACTITIONER)
    assert sealed["reason"] == "Wrong cartridge size noted" and sealed["at"].endswith("+01:00")
    assert store.session_doc(ids[0]) == original
    assert [a["id"] for a in store.amendments(ids[0])] == [sealed["id"]]
    assert store.summaries()[0]["needle_mm"] == 1.0
    store.close()
    assert problems_of(root) == []


@pytest.mark.parametrize(("field", "value", "words"), [
    ("needle_mm", "3.0", "0.5–1.5 mm"),
    ("needle_mm", "abc", "Needle length"),
    ("prp_ml", "500", "PRP volume"),
    ("adjunct", "prp", "PRP volume first"),
    ("grade", "IX", "grade"),
    ("next_session", "2020-01-01", "after the session's day"),
    ("endpoint", "lava", "Endpoint"),
    ("patient_id", "x", "cannot be amended"),
    ("cartridge_lot", "  ", "lot"),
])
def test_amendment_with_a_forbidden_value_is_refused_and_nothing_written(
        tmp_path: Path, field: str, value: str, words: str) -> None:
    root = tmp_path / "data"
    store, ids = filled_store(root, sessions=1)
    before = day_path(root).read_bytes()
    with pytest.raises(ValidationError, match=words):
        amend_with_pin(store, ids[0], field, value, "a reason")
    assert day_path(root).read_bytes() == before


def test_amendment_needs_a_reason_and_a_signed_session(tmp_path: Path) -> None:
    root = tmp_path / "data"
    clock = FakeClock()
    store, ids = filled_store(root, sessions=1, clock=clock)
    with pytest.raises(ValidationError, match="reason"):
        amend_with_pin(store, ids[0], "needle_mm", "1.0", "  ")
    live = start_session(P, clock, sink=pin_sink(store), device=store.device)
    live.abandon("patient left")
    with pytest.raises(ValidationError, match="Only a signed session"):
        amend_with_pin(store, live.id, "needle_mm", "1.0", "why")


def test_hand_edited_amendment_is_named_by_check(tmp_path: Path) -> None:
    root = tmp_path / "data"
    store, ids = filled_store(root, sessions=2)
    sealed = amend_with_pin(store, ids[0], "needle_mm", "1.0", "typo")
    store.close()
    data = load(day_path(root))
    for doc in data["amendments"].values():
        doc["new"] = 3.0
    save_by_hand(day_path(root), data)
    problems = check_store(root, P)
    assert problems[0] == Problem("sessions/2026-11-25.json", f"amendment {sealed['id']}", problems[0].what)
    assert "changed after it was signed" in problems[0].what


def test_resealed_amendment_with_a_forbidden_value_is_still_refused_by_check(tmp_path: Path) -> None:
    """Even with the hash recomputed, the rules catch a value they forbid."""
    root = tmp_path / "data"
    store, ids = filled_store(root, sessions=1)
    amend_with_pin(store, ids[0], "needle_mm", "1.0", "typo")
    store.close()
    data = load(day_path(root))
    for doc in data["amendments"].values():
        doc["new"] = 3.0
        doc["hash"] = content_hash(doc, doc["chain"]["prev"])
    save_by_hand(day_path(root), data)
    meta = load(paths.meta_file(root))
    meta["chain"]["1"]["hash"] = next(iter(data["amendments"].values()))["hash"]
    save_by_hand(paths.meta_file(root), meta)
    assert any("0.5–1.5 mm" in p for p in problems_of(root))


def test_each_sealed_entry_links_to_the_previous_hash(tmp_path: Path) -> None:
    root = tmp_path / "data"
    store, ids = filled_store(root, sessions=3)
    amend_with_pin(store, ids[1], "handpiece_serial", "HP-10", "misread serial")
    sealed = [doc for _, _, doc in store.iter_chain()] + read_access_log(store)  # PIN proofs are logged too
    entries = sorted(sealed, key=lambda d: d["chain"]["seq"])
    assert len([d for d in entries if d.get("kind") != "access"]) == 4
    assert [d["chain"]["seq"] for d in entries] == list(range(1, len(entries) + 1))
    prev = "0" * 64
    for doc in entries:
        assert doc["chain"]["prev"] == prev
        assert content_hash(doc, prev) == doc["hash"]
        prev = doc["hash"]


# -- one writer at a time ------------------------------------------------------------------
def test_second_lock_on_the_same_folder_is_refused_and_names_the_holder(tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    script = ("import sys,time; from pathlib import Path; from microneedle_desk.store.lock import StoreLock;"
              "lock=StoreLock(Path(sys.argv[1])); print(lock.acquire(), flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", script, str(root)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "None"
        who = StoreLock(root).acquire()
        assert who is not None
        assert who.pid == holder.pid
        assert f"process {holder.pid}" in who.describe()
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_stale_lock_from_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    script = ("import os,sys; from pathlib import Path; from microneedle_desk.store.lock import StoreLock;"
              "lock=StoreLock(Path(sys.argv[1])); assert lock.acquire() is None; os._exit(0)")
    subprocess.run([sys.executable, "-c", script, str(root)], check=True)
    assert paths.lock_file(root).exists()  # left behind by the dead process
    lock = StoreLock(root)
    assert lock.acquire() is None
    lock.release()


# -- time that tells the truth --------------------------------------------------------------
def _dwell(session: Any) -> Any:
    return next(v for v in session.countdowns() if v.key == "dwell")


def test_suspend_counts_as_elapsed_time_for_the_countdown(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "data", P, clock)
    s = start_session(P, clock, sink=pin_sink(store), device=store.device)
    clear_screening(s)
    apply_anesthetic(s, 30)
    clock.advance(5 * 60)
    clock.suspend(20 * 60)  # the lid is closed: the boot-time clock keeps counting
    assert _dwell(s).elapsed == pytest.approx(25 * 60)
    assert _dwell(s).remaining == pytest.approx(5 * 60)


def test_wall_clock_jump_and_time_zone_change_do_not_move_the_countdown(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "data", P, clock)
    s = start_session(P, clock, sink=pin_sink(store), device=store.device)
    clear_screening(s)
    apply_anesthetic(s, 30)
    prepare_device(s, clock)
    clock.advance(10 * 60)
    clock.jump_wall(-3 * 3600)
    clock.set_utc_offset(-5)
    assert _dwell(s).elapsed == pytest.approx(10 * 60)
    s.set_antiseptic("povidone_iodine")  # saved with the jumped wall clock and its offset
    assert store.session_doc(s.id)["events"][-1]["at"].endswith("-05:00")
    resumed = Store(tmp_path / "data", P, clock).session_state(s.id)
    assert resumed is not None and resumed.applied is not None
    assert clock.monotonic() - resumed.applied.to_mono(clock) == pytest.approx(10 * 60)


# -- property: random records and edits never get in ---------------------------------------
_FIELDS = ["needle_mm", "cartridge_lot", "handpiece_serial", "antiseptic", "endpoint", "endpoint_note",
           "antibiotic_product", "adjunct", "prp_ml", "next_session", "grade", "patient_id", "status"]
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 50), st.floats(allow_nan=True),
                    st.text(max_size=8), st.sampled_from(["1.0", "0.4", "1.55", "prp", "minoxidil", "alcohol",
                                                          "neither", "2026-12-01", "2020-01-01", "III", "IX"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(_FIELDS), _VALUES), min_size=1, max_size=6))
def test_random_amendments_never_leave_an_invalid_record(tmp_path_factory: pytest.TempPathFactory,
                                                         edits: list[tuple[str, Any]]) -> None:
    root = tmp_path_factory.mktemp("prop") / "data"
    store, ids = filled_store(root, sessions=1)
    for field, value in edits:
        with contextlib.suppress(ValidationError):
            amend_with_pin(store, ids[0], field, value, "checking")
    store.close()
    assert problems_of(root) == []  # whatever was accepted passes every rule and seal


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.one_of(st.sampled_from(["events", "0", "data", "mm", "type", "n", "at", "hash", "status",
                                                 "chain", "seq", "prev", "id"]), st.integers(0, 40)),
                     min_size=1, max_size=4),
       value=_VALUES)
def test_random_hand_edits_of_a_signed_record_are_always_caught(tmp_path_factory: pytest.TempPathFactory,
                                                                path: list[Any], value: Any) -> None:
    root = tmp_path_factory.mktemp("prop") / "data"
    filled_store(root, sessions=1)[0].close()
    data = load(day_path(root))
    doc = next(iter(data["sessions"].values()))
    target: Any = doc
    for key in path[:-1]:
        try:
            target = target[key if isinstance(target, dict) else int(key) if str(key).isdigit() else key]
        except (KeyError, IndexError, TypeError, ValueError):
            return
    last = path[-1]
    try:
        if isinstance(target, dict):
            if target.get(last, object()) == value:
                return
            target[last] = value
        elif isinstance(target, list) and str(last).isdigit() and int(last) < len(target):
            if target[int(last)] == value:
                return
            target[int(last)] = value
        else:
            return
    except TypeError:
        return
    save_by_hand(day_path(root), data)
    assert problems_of(root) != []


def test_background_daily_backup_zips_a_snapshot_that_passes_the_check(tmp_path: Path) -> None:
    """The app's daily backup hard-links the files between two writes, then zips them in a
    thread; writes made meanwhile do not leak into it and the snapshot folder is removed."""
    root = tmp_path / "data"
    store, *_ = filled_store(root)
    thread = backup.daily_backup_in_background(root, FakeClock().now(), keep=3)
    assert thread is not None
    store.add_patient(make_demo_patient(store.protocol, FakeClock(), name="Written During The Backup",
                                        clinic_id="D-DURING", device=store.device))
    thread.join(timeout=30)
    [taken] = backup.backups(root)
    assert restoring.verify_backup(taken, load_protocol(paths.protocol_file())) == []
    assert not list(paths.backups_dir(root).glob(".snapshot-*"))
    assert backup.daily_backup_in_background(root, FakeClock().now(), keep=3) is None, "once a day"
    store.close()


def test_start_up_check_reuses_findings_only_for_files_unchanged_since_a_clean_check(tmp_path: Path) -> None:
    root = tmp_path / "data"
    filled_store(root)[0].close()
    protocol = load_protocol(paths.protocol_file())
    assert check_store(root, protocol, deep=False, use_cache=True) == []
    assert paths.check_cache_file(root).exists()
    month = next(paths.sessions_dir(root).glob("*.json"))
    before = month.stat()
    tampered = month.read_text(encoding="utf-8").replace('"LOT-', '"LOT9', 1)
    month.write_text(tampered, encoding="utf-8")
    assert month.stat().st_mtime_ns != before.st_mtime_ns or month.stat().st_size != before.st_size
    problems = check_store(root, protocol, deep=False, use_cache=True)
    assert any("changed after it was signed" in p.what for p in problems), "an edited file is re-verified"


def test_start_up_check_finds_a_day_file_removed_after_a_clean_check_from_its_cached_links(
        tmp_path: Path) -> None:
    root = tmp_path / "data"
    clock = FakeClock()
    store, _ids = filled_store(root, sessions=1, clock=clock)
    clock.advance(86400)  # the next day's session goes into its own day file
    patient = store.patients()[0]
    s = start_session(P, clock, patient, sink=pin_sink(store), device=store.device)
    run_complete_session(s, clock)
    clock.advance(86400)
    s = start_session(P, clock, patient, sink=pin_sink(store), device=store.device)
    run_complete_session(s, clock)
    store.close()
    protocol = load_protocol(paths.protocol_file())
    assert check_store(root, protocol, deep=False, use_cache=True) == []
    days = sorted(paths.sessions_dir(root).glob("*.json"))
    assert len(days) == 3
    days[1].unlink()  # the middle day: the links of the other two come from the cache
    problems = check_store(root, protocol, deep=False, use_cache=True)
    # reported against the next sealed record: the last day's session, or a PIN proof logged before it
    assert any("of the record chain are missing before this one" in p.what
               and p.file in (days[2].relative_to(root).as_posix(), "access/2026-11.json")
               for p in problems), problems


def test_start_up_check_re_validates_the_patients_file_once_it_changed(tmp_path: Path) -> None:
    root = tmp_path / "data"
    filled_store(root)[0].close()
    protocol = load_protocol(paths.protocol_file())
    assert check_store(root, protocol, deep=False, use_cache=True) == []
    cached = json.loads(paths.check_cache_file(root).read_text(encoding="utf-8"))["files"]
    assert "patients.json" in cached, "a clean patients file is not validated again at the next start"
    patients = paths.patients_file(root)
    data = json.loads(patients.read_text(encoding="utf-8"))
    doc = next(iter(data["patients"].values()))
    doc["dob"] = "31/12/1980"  # not an ISO date
    patients.write_text(json.dumps(data), encoding="utf-8")
    problems = check_store(root, protocol, deep=False, use_cache=True)
    assert any(p.file == "patients.json" for p in problems), "an edited patients file is re-validated"
