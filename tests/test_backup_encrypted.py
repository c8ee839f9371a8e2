"""Incremental backups (each file stored once, a manifest per backup) and their encrypted copy
in a second location (age, to the clinic's backup key)."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import (
    STRACE,
    make_demo_patient,
    pin_sink,
    run_complete_session,
    run_killed_at,
    shipped_protocol,
    start_session,
    was_killed,
)

from microneedle_desk import paths
from microneedle_desk.cli import main
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.store import backup, backup_repo, offsite
from microneedle_desk.store import restore as restoring
from microneedle_desk.store.backup_keys import BackupKeyError, make_key, read_identities
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store

P = shipped_protocol()
NAME, CLINIC_ID = "Quentin Zebulon-Unique", "ZQ-98765"
AGE = shutil.which("age")


def records(root: Path) -> tuple[list[str], list[str]]:
    store = Store(root, P, FakeClock(), read_only=True)
    try:
        return sorted(p.id for p in store.patients()), sorted(r["id"] for r in store.summaries())
    finally:
        store.close()


_N = itertools.count()


def add_session(root: Path, clock: FakeClock, name: str = NAME, clinic_id: str = CLINIC_ID) -> None:
    """A new patient (clinic ID made unique by a number) and a signed session."""
    clinic_id = f"{clinic_id}-{next(_N)}"
    store = Store(root, P, clock)
    patient = store.add_patient(make_demo_patient(P, clock, name=name, clinic_id=clinic_id, device=store.device))
    run_complete_session(start_session(P, clock, patient, sink=pin_sink(store), device=store.device), clock)
    store.close()


def filled(root: Path, days: int = 3) -> FakeClock:
    clock = FakeClock()
    for day in range(days):
        add_session(root, clock, clinic_id=f"{CLINIC_ID}-{day}")
        clock.advance(86400)
    return clock


def objects(root: Path) -> set[Path]:
    return set(backup_repo.objects_dir(paths.backups_dir(root)).glob("*/*.gz"))


def test_a_next_day_backup_stores_only_the_files_that_changed_and_each_backup_restores_alone(tmp_path: Path) -> None:
    root = tmp_path / "data"
    clock = filled(root)
    first = backup.take_backup(root, clock.now(), keep=5)
    first_records = records(root)
    stored = objects(root)
    clock.advance(86400)
    add_session(root, clock, clinic_id="D-new")
    second = backup.take_backup(root, clock.now(), keep=5)
    added = objects(root) - stored
    # meta, patients, the new day, the month's index and access log: never the old days again
    assert 0 < len(added) <= 6, sorted(p.name for p in added)
    assert len(objects(root)) < 2 * len(stored)
    later_records = records(root)
    for taken, expected in ((first, first_records), (second, later_records)):
        fresh = tmp_path / f"fresh-{taken.stem}"
        restoring.restore(fresh, taken, P, clock.now())
        assert records(fresh) == expected
        assert check_store(fresh, P) == []


def test_pruning_removes_only_the_files_no_remaining_backup_names(tmp_path: Path) -> None:
    root = tmp_path / "data"
    clock = filled(root)
    for _ in range(4):
        clock.advance(86400)
        add_session(root, clock, clinic_id="D-more")
        backup.take_backup(root, clock.now(), keep=2)
    kept = backup.backups(root)
    assert len(kept) == 2
    named = backup_repo.referenced(paths.backups_dir(root), kept)
    assert named is not None
    assert {p.name.removesuffix(".gz") for p in objects(root)} == named
    for taken in kept:
        assert restoring.verify_backup(taken, P) == []


def damage_a_shared_file(root: Path) -> tuple[str, list[Path]]:
    """Two backups sharing a finished day's file; that file's stored copy damaged."""
    clock = filled(root)
    backup.take_backup(root, clock.now(), keep=5)
    clock.advance(86400)
    add_session(root, clock, clinic_id="D-new")
    backup.take_backup(root, clock.now(), keep=5)
    taken = backup.backups(root)
    shared = next(e for e in backup_repo.LocalSource(taken[0]).entries() if e.path.startswith("sessions/"))
    obj = backup_repo.object_path(paths.backups_dir(root), shared.sha256)
    raw = bytearray(obj.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    obj.write_bytes(bytes(raw))
    return shared.path, taken


def test_a_damaged_shared_file_is_refused_by_check_and_by_restore_naming_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    damaged, taken = damage_a_shared_file(root)
    assert main(["--data-dir", str(root), "check"]) == 1
    said = capsys.readouterr().out
    assert all(f"{t.name}: {damaged}" in said for t in taken), said
    fresh = tmp_path / "fresh"
    for each in taken:
        with pytest.raises(backup.BackupError, match=damaged):
            restoring.restore(fresh, each, P, FakeClock().now())
    assert not fresh.exists() or not any(fresh.rglob("*.json"))
    assert main(["--data-dir", str(tmp_path / "other"), "restore", str(taken[0])]) == 1
    assert damaged in capsys.readouterr().err


# -- the encrypted copy ------------------------------------------------------------------------
@pytest.fixture()
def encrypted(tmp_path: Path) -> tuple[Path, Path, Path, tuple[list[str], list[str]]]:
    """A data folder with a backup key, two days' encrypted copies in a second location, and
    the recovery key file."""
    root = tmp_path / "data"
    clock = filled(root)
    _key, identity = make_key(root, clock.now(), "device")
    key_file = tmp_path / "key.txt"
    key_file.write_text(identity)
    usb = tmp_path / "usb"
    usb.mkdir()
    for _ in range(2):
        clock.advance(86400)
        add_session(root, clock, clinic_id="D-later")
        offsite.copy_backup(root, backup.take_backup(root, clock.now(), keep=5), usb, keep=5)
    return root, usb, key_file, records(root)


def test_the_encrypted_copy_holds_no_patient_name_or_clinic_id_in_any_byte(
        encrypted: tuple[Path, Path, Path, tuple]) -> None:
    root, usb, _key, _records = encrypted
    assert NAME.encode() in paths.patients_file(root).read_bytes()  # the test can fail
    files = [p for p in usb.rglob("*") if p.is_file()]
    assert len(files) > 5
    for path in files:
        for secret in (NAME, CLINIC_ID, *NAME.split()):
            assert secret.encode() not in path.read_bytes(), path
            assert secret not in str(path.relative_to(usb)), path


def test_an_encrypted_backup_restores_with_the_recovery_key_on_a_fresh_laptop(
        encrypted: tuple[Path, Path, Path, tuple], tmp_path: Path) -> None:
    _root, usb, key_file, expected = encrypted
    fresh = tmp_path / "fresh-laptop"
    assert main(["--data-dir", str(fresh), "restore", "--identity", str(key_file), str(usb)]) == 0
    assert records(fresh) == expected
    assert check_store(fresh, P) == []


def test_an_encrypted_backup_is_refused_with_a_wrong_recovery_key_and_nothing_changes(
        encrypted: tuple[Path, Path, Path, tuple], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, usb, _key, _expected = encrypted
    other = tmp_path / "other"
    filled(other, days=1)
    _unused, wrong = make_key(other, FakeClock().now(), "device")
    wrong_file = tmp_path / "wrong.txt"
    wrong_file.write_text(wrong)
    def kept() -> dict[Path, bytes]:  # the records (the access log notes the command's use)
        return {p: p.read_bytes() for p in [paths.patients_file(root), *paths.sessions_dir(root).glob("*.json")]}

    before = kept()
    assert main(["--data-dir", str(root), "restore", "--identity", str(wrong_file), str(usb)]) == 1
    assert "does not open" in capsys.readouterr().err
    assert kept() == before
    assert not paths.restore_staging_dir(root).exists()


@pytest.mark.skipif(AGE is None, reason="the age tool is not installed (tools/bootstrap.py installs it)")
def test_the_age_tool_decrypts_every_file_of_the_encrypted_copy(encrypted: tuple[Path, Path, Path, tuple]) -> None:
    root, usb, key_file, _expected = encrypted
    [manifest, *_older] = offsite.manifests(usb)
    plain = subprocess.run([str(AGE), "-d", "-i", str(key_file), str(manifest)], capture_output=True, check=True)
    listed = json.loads(plain.stdout)
    patients = next(sha for path, sha, _size in listed["files"] if path == "patients.json")
    [sealed] = usb.glob(f"objects/*/*/{patients}.gz.age")
    unsealed = subprocess.run([str(AGE), "-d", "-i", str(key_file), str(sealed)], capture_output=True, check=True)
    import gzip

    assert gzip.decompress(unsealed.stdout) == paths.patients_file(root).read_bytes()


def test_a_replaced_backup_key_leaves_older_copies_readable_with_the_old_recovery_key(
        encrypted: tuple[Path, Path, Path, tuple], tmp_path: Path) -> None:
    root, usb, old_key, expected = encrypted
    with pytest.raises(BackupKeyError):
        make_key(root, FakeClock().now(), "device")
    out = tmp_path / "new-key.txt"
    assert main(["--data-dir", str(root), "backup-key", "-o", str(out)]) == 1
    assert not out.exists()
    assert main(["--data-dir", str(root), "backup-key", "--replace", "-o", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert main(["--data-dir", str(root), "backup", "--to", str(usb)]) == 0
    newest, older = offsite.manifests(usb)[0], offsite.manifests(usb)[1]
    assert newest.parent.name != older.parent.name, "the manifest's folder names the key it is encrypted to"
    assert offsite.open_encrypted(usb, read_identities(out.read_text())).name == newest.name
    old = offsite.open_encrypted(usb, read_identities(old_key.read_text()))
    assert old.name == older.name, "the old recovery key opens the newest backup made with its key"
    fresh = tmp_path / "fresh"
    restoring.restore(fresh, old, P, FakeClock().now())
    assert records(fresh) == expected
    with pytest.raises(BackupKeyError):
        offsite.EncryptedSource(newest, read_identities(old_key.read_text()))


def test_backup_to_a_second_location_refuses_without_a_key_and_says_when_it_cannot_write(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    filled(root, days=1)
    assert main(["--data-dir", str(root), "backup", "--to", str(tmp_path / "usb")]) == 1
    assert "backup-key" in capsys.readouterr().err
    assert main(["--data-dir", str(root), "backup-key", "-o", str(tmp_path / "k.txt")]) == 0
    assert main(["--data-dir", str(root), "backup", "--to", str(tmp_path / "not-plugged" / "drive")]) == 2
    assert "not there" in capsys.readouterr().err
    assert backup.backups(root), "the backup in the data folder is written all the same"
    assert main(["--data-dir", str(root), "backup", "--keep", "0"]) == 1


COPY_CHILD = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from microneedle_desk.store import backup, offsite
root, usb = Path(sys.argv[1]), Path(sys.argv[2])
taken = backup.take_backup(root, datetime(2026, 12, 9, 9, 0, tzinfo=timezone.utc), 1, "daily")
offsite.copy_backup(root, taken, usb, 1)
print("DONE")
"""


@pytest.mark.skipif(STRACE is None, reason="strace is not installed (tools/bootstrap.py installs it)")
@pytest.mark.parametrize("call", ["rename", "unlink"])
def test_a_backup_and_its_encrypted_copy_killed_at_any_file_operation_leave_the_previous_ones_whole(
        encrypted: tuple[Path, Path, Path, tuple], tmp_path: Path, call: str) -> None:
    """Keeping one backup, so the run also removes the earlier ones: killed anywhere, the
    newest backup listed (the new one or the one before) restores whole, here and there."""

    source, usb_source, key_file, _expected = encrypted
    identities = read_identities(key_file.read_text())
    calls = {"rename": "rename,renameat,renameat2", "unlink": "unlink,unlinkat,rmdir"}[call]
    nth = 1
    while True:
        case = tmp_path / f"{call}-{nth}"
        root, usb = case / "data", case / "usb"
        shutil.copytree(source, root)
        shutil.copytree(usb_source, usb)
        finished = not was_killed(run_killed_at(calls, nth, COPY_CHILD, str(root), str(usb)), "DONE")
        assert backup.backups(root), f"killed at {call} #{nth}: no backup is left"
        for taken in backup.backups(root):
            assert restoring.verify_backup(taken, P) == [], f"killed at {call} #{nth}: {taken.name} is not whole"
        assert offsite.manifests(usb), f"killed at {call} #{nth}: no encrypted backup is left"
        for sealed in offsite.manifests(usb):
            assert restoring.hash_problems(offsite.EncryptedSource(sealed, identities)) == [], (call, nth, sealed.name)
        shutil.rmtree(case)
        if finished:
            break
        nth += 1
        assert nth < 500, "the backup never ran to its end"
    assert nth > 1, f"a backup makes no {call} call: the case tests nothing"


def test_a_day_backup_in_the_background_reaches_the_second_location_and_notes_when(tmp_path: Path) -> None:
    root = tmp_path / "data"
    clock = filled(root, days=1)
    make_key(root, clock.now(), "device")
    usb = tmp_path / "usb"
    usb.mkdir()
    thread = backup.daily_backup_in_background(root, clock.now() + timedelta(days=1), keep=3, second=usb)
    assert thread is not None
    thread.join(timeout=60)
    assert offsite.manifests(usb)
    status = offsite.last_copy(root)
    assert status is not None and status["ok"] and status["dest"] == str(usb)


def test_a_store_with_course_plans_is_backed_up_copied_and_restored_with_them(tmp_path: Path) -> None:
    from helpers import build_demo_store

    root = build_demo_store(tmp_path / "data", 40, seed=3)
    assert paths.courses_file(root).exists()
    taken = backup.take_backup(root, FakeClock().now(), keep=5)
    source = backup_repo.LocalSource(taken)  # what the copy to a second location reads
    assert "courses.json" in [entry[0] for entry in source.manifest["files"]]
    fresh = tmp_path / "fresh"
    restoring.restore(fresh, taken, P, FakeClock().now())
    assert paths.courses_file(fresh).read_bytes() == paths.courses_file(root).read_bytes()
