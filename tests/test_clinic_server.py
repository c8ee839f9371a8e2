"""The clinic server: laptops push to and pull from one real PostgreSQL database.

A throwaway cluster (tests/pg_cluster.py, the ``cluster`` fixture of tests/conftest.py) is
started once for the test run; each test gets a fresh database in it. If the cluster cannot
start, every test here fails with the reason.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from helpers import (
    build_demo_store,
    make_demo_patient,
    pin_sink,
    run_complete_session,
    shipped_protocol,
    start_session,
)
from pg_cluster import Cluster, fresh_clinic

from microneedle_desk import paths
from microneedle_desk.clinic.clinic import Clinic
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.server import push as push_module
from microneedle_desk.server import schema
from microneedle_desk.server.connection import ServerError, Unreachable, connect, dsn_problem
from microneedle_desk.server.sync import SyncResult
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store

P = shipped_protocol()
PY = sys.executable


@pytest.fixture
def dsn(cluster: Cluster) -> str:
    return fresh_clinic(cluster)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_store(tmp_path_factory.mktemp("demo") / "data", 40, seed=3)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "microneedle_desk", *args], capture_output=True, text=True, timeout=300,
                          check=False)


def laptop(root: Path) -> Clinic:
    store = Store(root, P, FakeClock())
    return Clinic(store, P, store.clock)


def sync(root: Path, url: str) -> SyncResult:
    clinic = laptop(root)
    try:
        return clinic.server.sync_now(url)
    finally:
        clinic.store.close()


def server_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with connect(url) as conn:
        return conn.execute(sql).fetchall()


def own_session_ids(root: Path) -> set[str]:
    store = Store(root, P, FakeClock(), read_only=True)
    try:
        return {r["id"] for r in store.summaries()}
    finally:
        store.close()


def sign_session_for(root: Path, patient_id: str, practitioner: str) -> str:
    """A session signed on the laptop at ``root`` (PIN-proved, signed) for a patient it knows."""
    store = Store(root, P, FakeClock())
    try:
        patient = store.patient(patient_id)
        assert patient is not None
        s = start_session(P, store.clock, patient, sink=pin_sink(store, practitioner), device=store.device,
                          practitioner_id=practitioner)
        run_complete_session(s, store.clock)
        return s.id
    finally:
        store.close()


def new_laptop(root: Path, name: str, clinic_id: str) -> str:
    store = Store(root, P, FakeClock())
    try:
        return store.add_patient(make_demo_patient(P, store.clock, name=name, clinic_id=clinic_id,
                                                   device=store.device)).id
    finally:
        store.close()


# -- the interface -----------------------------------------------------------------------
def test_server_init_creates_the_schema_then_finds_it_current(cluster: Cluster) -> None:
    url = cluster.create_database("init_twice")
    first = cli("server", "init", "--server", url)
    assert first.returncode == 0, first.stderr
    assert "version 2" in first.stdout
    again = cli("server", "init", "--server", url)
    assert again.returncode == 0 and "current" in again.stdout


def test_server_init_upgrades_a_database_of_the_previous_version_keeping_its_records(
        cluster: Cluster, tmp_path: Path) -> None:
    url = cluster.create_database("upgrade")
    with connect(url) as conn:
        assert schema.migrate(conn, upto=1) == (0, 1)
    root = tmp_path / "l1"
    new_laptop(root, "Ann Old", "A-1")
    with connect(url) as conn, conn.transaction():  # what a laptop of the previous version pushed
        conn.execute("INSERT INTO clinic.patients (id, device, clinic_id, name, dob, created_at, doc) "
                     "VALUES (gen_random_uuid(), gen_random_uuid(), 'OLD-1', 'Old Pat', '1970-01-01', "
                     "'2026-01-01T00:00:00+00:00', '{}')")
    with pytest.raises(ServerError, match="not set up for this app"):
        sync(root, url)
    done = cli("server", "init", "--server", url)
    assert done.returncode == 0 and "from version 1 to 2" in done.stdout
    assert server_rows(url, "SELECT clinic_id FROM clinic.patients") == [("OLD-1",)]
    assert sync(root, url).pushed == 1


def test_a_schema_newer_than_the_app_knows_is_refused_untouched(dsn: str, tmp_path: Path) -> None:
    with connect(dsn) as conn, conn.transaction():
        conn.execute("UPDATE clinic.meta SET value = '99' WHERE key = 'schema_version'")
    done = cli("server", "init", "--server", dsn)
    assert done.returncode == 1 and "newer" in done.stderr
    root = tmp_path / "l1"
    new_laptop(root, "Ann", "A-1")
    refused = cli("sync", "--data-dir", str(root), "--server", dsn)
    assert refused.returncode == 2 and "newer" in refused.stderr


def test_a_server_that_cannot_be_reached_exits_2_for_init_and_sync(tmp_path: Path) -> None:
    gone = f"host={tmp_path} port=1 user=nobody dbname=none"
    assert cli("server", "init", "--server", gone).returncode == 2
    root = tmp_path / "l1"
    new_laptop(root, "Ann", "A-1")
    done = cli("sync", "--data-dir", str(root), "--server", gone)
    assert done.returncode == 2 and "cannot be reached" in done.stderr


def test_a_password_in_the_dsn_is_refused_and_never_echoed() -> None:
    problem = dsn_problem("postgresql://desk1:s3cret@clinic/db")
    assert problem is not None and "pgpass" in problem and "s3cret" not in problem
    assert dsn_problem("host=clinic password=s3cret") is not None
    assert dsn_problem("service=clinic") is None


# -- the done-when scenario -------------------------------------------------------------
def test_two_demo_laptops_meet_on_one_server_and_export_check_and_find_each_other(
        dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert cli("demo-data", "--data-dir", str(one), "--sessions", "30", "--seed", "1").returncode == 0
    first = cli("sync", "--data-dir", str(one), "--server", dsn)
    assert first.returncode == 0, first.stderr
    new_laptop(two, "Bea Later", "ROOM2-1")
    assert cli("sync", "--data-dir", str(two), "--server", dsn).returncode == 0
    # the second laptop's demo patients are numbered after the ones it pulled: no duplicate IDs
    assert cli("demo-data", "--data-dir", str(two), "--sessions", "20", "--seed", "2").returncode == 0
    done = cli("sync", "--data-dir", str(two), "--server", dsn)
    assert done.returncode == 0, done.stdout + done.stderr
    assert cli("sync", "--data-dir", str(one), "--server", dsn).returncode == 0
    again = cli("sync", "--data-dir", str(one), "--server", dsn)
    assert again.returncode == 0 and again.stdout.startswith("Pushed 0,")
    out = tmp_path / "clinic.json"
    exported = cli("export", "--server", dsn, "--format", "json", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    ids = [r["id"] for r in json.loads(out.read_text())["sessions"]]
    assert sorted(ids) == sorted(own_session_ids(one) | own_session_ids(two)) and len(ids) == len(set(ids))
    checked = cli("check", "--server", dsn)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    store = Store(one, P, FakeClock(), read_only=True)
    assert [p.name for p in store.find_patients("ROOM2-1")] == ["Bea Later"]
    store.close()
    for root in (one, two):
        assert check_store(root, P) == []


# -- rules ----------------------------------------------------------------------------------
def test_three_laptops_syncing_in_random_interleavings_hold_each_record_once_and_agree(
        dsn: str, tmp_path: Path) -> None:
    roots = [tmp_path / f"room{n}" for n in (1, 2, 3)]
    shared = new_laptop(roots[0], "Cara Shared", "S-1")
    for n, root in enumerate(roots[1:], start=2):
        new_laptop(root, f"Own Patient {n}", f"R{n}-1")
    sync(roots[0], dsn)
    practitioners = [str(uuid.UUID(int=n, version=4)) for n in (1, 2, 3)]
    rng = random.Random(17)
    for round_ in range(3):
        order = roots[:]
        rng.shuffle(order)
        for root in order:  # each laptop sees the shared patient once it has pulled it
            sync(root, dsn)
        for root, who in zip(roots, practitioners, strict=True):
            sign_session_for(root, shared, who)
        threads = [threading.Thread(target=sync, args=(root, dsn)) for root in order]
        for t in threads:  # the three push at once
            t.start()
        for t in threads:
            t.join()
        assert round_ >= 0
    for root in roots:
        sync(root, dsn)
    for root in roots:
        sync(root, dsn)  # the last ones pulled what was pushed after them
    everything = set().union(*(own_session_ids(r) for r in roots))
    on_server = server_rows(dsn, "SELECT id::text FROM clinic.records WHERE kind = 'session'")
    assert sorted(r[0] for r in on_server) == sorted(everything) and len(everything) == 9
    for root in roots:
        store = Store(root, P, FakeClock(), read_only=True)
        assert len(store.patient_summaries(shared)) == 9  # this room's and the others'
        assert {p.clinic_id for p in store.patients()} == {"S-1", "R2-1", "R3-1"}
        store.close()
        assert check_store(root, P) == []
    assert server_rows(dsn, "SELECT count(*) FROM clinic.quarantine") == [(0,)]


def test_a_push_killed_mid_batch_and_retried_leaves_exactly_one_copy(
        dsn: str, tmp_path: Path, demo_template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    root = tmp_path / "l1"
    shutil.copytree(demo_template, root)
    monkeypatch.setattr(push_module, "BATCH", 7)
    real_row, rows_made = push_module._row, []

    def killed_at_the_17th_record(*args: Any) -> Any:  # inside the third batch's transaction
        rows_made.append(1)
        if len(rows_made) == 17:
            raise ConnectionResetError("killed")
        return real_row(*args)

    monkeypatch.setattr(push_module, "_row", killed_at_the_17th_record)
    with pytest.raises(ConnectionResetError):
        sync(root, dsn)
    monkeypatch.setattr(push_module, "_row", real_row)
    assert server_rows(dsn, "SELECT count(*) FROM clinic.records") == [(14,)]  # the third batch: nothing

    real_chain, batches = push_module._push_chain, []

    def killed_after_a_commit(*args: Any) -> None:  # committed, but the cursor was never moved
        real_chain(*args)
        batches.append(1)
        raise ConnectionResetError("killed")

    monkeypatch.setattr(push_module, "_push_chain", killed_after_a_commit)
    with pytest.raises(ConnectionResetError):
        sync(root, dsn)
    monkeypatch.setattr(push_module, "_push_chain", real_chain)
    assert server_rows(dsn, "SELECT count(*) FROM clinic.records") == [(21,)]
    result = sync(root, dsn)
    assert result.quarantined == 0 and result.already == 7 and result.pushed == 40 - 21
    assert server_rows(dsn, "SELECT count(*), count(DISTINCT id) FROM clinic.records") == [(40, 40)]
    assert sync(root, dsn).pushed == 0


def test_the_same_clinic_patient_id_for_two_people_is_a_conflict_and_both_are_kept(
        dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    ann = new_laptop(one, "Ann Able", "P-100")
    bob = new_laptop(two, "Bob Baker", "p-100")
    assert sync(one, dsn).to_review == 0
    result = sync(two, dsn)
    assert result.conflicts >= 1
    assert sorted(r[0] for r in server_rows(dsn, "SELECT id::text FROM clinic.patients")) == sorted([ann, bob])
    assert server_rows(dsn, "SELECT kind FROM clinic.conflicts") == [("clinic_id",)]
    store = Store(two, P, FakeClock(), read_only=True)
    assert [p.name for p in store.patients()] == ["Bob Baker"]  # Ann is not merged in under Bob's ID
    store.close()
    checked = cli("check", "--server", dsn)
    assert checked.returncode == 0 and "To review" in checked.stdout


def test_the_same_person_registered_twice_is_offered_as_a_merge_that_is_itself_a_record(
        dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    first = new_laptop(one, "Dan Dual", "X-1")
    second = new_laptop(two, "dan dual", "Y-7")
    sign_session_for(one, first, str(uuid.UUID(int=8, version=4)))
    sync(one, dsn)
    assert sync(two, dsn).conflicts >= 1
    assert server_rows(dsn, "SELECT kind FROM clinic.conflicts") == [("same_person",)]
    admin = Clinic.open(two, P, FakeClock())
    try:
        admin.server.set_server(dsn)
        findings = admin.server.findings()
        assert [(f["kind"], {f["a"]["id"], f["b"]["id"]}) for f in findings] == [("same_person", {first, second})]
        merge_id = admin.server.merge_patients(second, first)
        with pytest.raises(ValidationError, match="merged already"):
            admin.server.merge_patients(second, first)
        with pytest.raises(ValidationError, match="can be merged"):
            admin.server.merge_patients(second, str(uuid.uuid4()))
    finally:
        admin.store.close()
    assert server_rows(dsn, "SELECT id::text, kept::text, merged::text FROM clinic.merges") == [
        (merge_id, second, first)]
    assert "To review" not in cli("check", "--server", dsn).stdout
    sync(two, dsn)
    store = Store(two, P, FakeClock(), read_only=True)
    assert len(store.patient_summaries(second)) == 1  # Dan's session in room one, under the kept registration
    assert store.last_needle_mm(second) == 1.5
    store.close()


def test_a_tampered_record_is_quarantined_reported_and_never_merged(dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "l1"
    patient = new_laptop(root, "Eve Edit", "T-1")
    first = sign_session_for(root, patient, str(uuid.UUID(int=5, version=4)))
    second = sign_session_for(root, patient, str(uuid.UUID(int=5, version=4)))
    day = next(paths.sessions_dir(root).glob("*.json"))
    data = json.loads(day.read_text())
    for doc in data["sessions"].values():
        if doc["id"] == first:
            doc["patient_id"] = str(uuid.uuid4())  # changed after it was sealed
    day.write_text(json.dumps(data))
    result = sync(root, dsn)
    assert result.quarantined == 1
    kept = {r[0] for r in server_rows(dsn, "SELECT id::text FROM clinic.records WHERE kind = 'session'")}
    assert first not in kept and second in kept
    assert server_rows(dsn, "SELECT record_id FROM clinic.quarantine") == [(first,)]
    checked = cli("check", "--server", dsn)
    assert checked.returncode == 1 and "quarantine" in checked.stdout


def test_signed_records_on_the_server_cannot_be_updated_or_deleted(dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "l1"
    sign_session_for(root, new_laptop(root, "Fay", "U-1"), str(uuid.UUID(int=6, version=4)))
    sync(root, dsn)
    with connect(dsn) as conn:
        for sql in ("UPDATE clinic.records SET status = 'abandoned'", "DELETE FROM clinic.records",
                    "DELETE FROM clinic.patients", "TRUNCATE clinic.records"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(sql)


def test_the_server_stopped_during_sync_loses_nothing_and_the_next_sync_completes(
        cluster: Cluster, dsn: str, tmp_path: Path, demo_template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    root = tmp_path / "l1"
    shutil.copytree(demo_template, root)
    monkeypatch.setattr(push_module, "BATCH", 10)
    clinic = laptop(root)

    def stop_after_first_batch(done: int, total: int) -> None:
        if done == 10:
            cluster.stop()

    try:
        with pytest.raises(Unreachable):
            clinic.server.sync_now(dsn, stop_after_first_batch)
        assert clinic.server.problem and clinic.server.next_wait_s() == 30
        with pytest.raises(Unreachable):
            clinic.server.sync_now(dsn)
        assert clinic.server.next_wait_s() == 60  # backing off
        assert check_store(root, P) == []  # the laptop keeps working on its own records
    finally:
        cluster.start()
        clinic.store.close()
    assert server_rows(dsn, "SELECT count(*) FROM clinic.records")[0][0] == 10
    assert sync(root, dsn).quarantined == 0
    assert server_rows(dsn, "SELECT count(*), count(DISTINCT id) FROM clinic.records") == [(40, 40)]


def test_a_session_from_another_room_sets_the_needle_length_of_last_time(dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    from microneedle_desk.review.course import patient_course
    from microneedle_desk.review.followup import add_followup

    patient = new_laptop(one, "Gus Go", "N-1")
    session = sign_session_for(one, patient, str(uuid.UUID(int=7, version=4)))
    store = Store(one, P, FakeClock())
    add_followup(store, session, on=store.clock.now().date().isoformat(), none=True, by="Dr Test")
    store.close()
    sync(one, dsn)
    new_laptop(two, "Other", "N-2")
    assert sync(two, dsn).pulled >= 3
    store = Store(two, P, FakeClock(), read_only=True)
    assert store.last_needle_mm(patient) == 1.5
    assert store.patient_session_count(patient) == 1
    course = patient_course(store, patient)
    assert [(e.session_id, len(e.followups)) for e in course.entries] == [(session, 1)]
    assert store.summaries() == []  # this laptop's own history holds only its own sessions
    store.close()
    assert check_store(two, P) == []


def test_only_an_admin_sets_the_server_and_never_with_a_password(tmp_path: Path) -> None:
    from microneedle_desk.core.accounts import PermissionDenied

    root = tmp_path / "l1"
    new_laptop(root, "Ann", "A-1")
    clinic = Clinic.open(root, P, FakeClock())
    try:
        with pytest.raises(ValidationError, match="pgpass"):
            clinic.server.set_server("postgresql://desk1:s3cret@clinic/db")
        assert clinic.server.dsn == ""
        pin_sink(clinic.store)  # someone has an account now: settings are an admin's
        with pytest.raises(PermissionDenied):
            clinic.server.set_server("service=clinic")
        assert clinic.server.dsn == ""
    finally:
        clinic.store.close()
    assert "s3cret" not in paths.settings_file(root).read_text()


def test_export_server_takes_the_same_options_deidentified_and_lot_recall(dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "l1"
    sign_session_for(root, new_laptop(root, "Hal Hidden", "H-1"), str(uuid.UUID(int=9, version=4)))
    sync(root, dsn)
    out = tmp_path / "anon.csv"
    done = cli("export", "--server", dsn, "--format", "csv", "--deidentify", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "Hal Hidden" not in text and "H-1" not in text and "P-" in text
    again = tmp_path / "anon2.csv"
    assert cli("export", "--server", dsn, "--format", "csv", "--deidentify", "-o", str(again)).returncode == 0
    assert again.read_text() == text  # the same pseudonym each time: the secret is kept on the server
    recall = cli("export", "--server", dsn, "--lot", "LOT-1")
    assert recall.returncode == 0 and "Hal Hidden" in recall.stdout
    assert cli("export", "--server", dsn, "--format", "csv").returncode == 2  # -o missing: a usage mistake
    gone = f"host={tmp_path} port=1 user=nobody dbname=none"
    assert cli("export", "--server", gone, "--format", "csv", "-o", str(out)).returncode == 1
    assert cli("check", "--server", gone).returncode == 2
    assert cli("check", "--quick", "--server", dsn).returncode == 0


def test_a_session_in_progress_stays_on_its_laptop(dsn: str, tmp_path: Path) -> None:
    root = tmp_path / "l1"
    patient_id = new_laptop(root, "Ida Inprogress", "I-1")
    store = Store(root, P, FakeClock())
    try:
        patient = store.patient(patient_id)
        session = start_session(P, store.clock, patient, sink=pin_sink(store, str(uuid.UUID(int=10, version=4))),
                                device=store.device, practitioner_id=str(uuid.UUID(int=10, version=4)))
    finally:
        store.close()
    result = sync(root, dsn)
    assert result.pushed >= 1  # the patient and the account travel
    assert server_rows(dsn, "SELECT count(*) FROM clinic.records WHERE kind = 'session'") == [(0,)]
    assert server_rows(dsn, f"SELECT count(*) FROM clinic.records WHERE doc::text LIKE '%{session.id}%'") == [(0,)]
    assert paths.active_file(root, session.id).exists()
    accounts = server_rows(dsn, "SELECT doc FROM clinic.accounts")
    assert accounts and all("pin_hash" not in doc and "sealed" not in json.dumps(doc) for (doc,) in accounts)


def test_a_record_resealed_after_a_change_fails_its_signature_and_is_quarantined(dsn: str, tmp_path: Path) -> None:
    from microneedle_desk.core.records import content_hash

    root = tmp_path / "l1"
    patient = new_laptop(root, "Ron Reseal", "RS-1")
    session = sign_session_for(root, patient, str(uuid.UUID(int=11, version=4)))
    day = next(paths.sessions_dir(root).glob("*.json"))
    data = json.loads(day.read_text())
    for doc in data["sessions"].values():
        if doc["id"] == session:
            needle = next(e for e in doc["events"] if e["type"] == "needle_length_set")
            needle["data"]["mm"] = 0.5  # within the rules: only the signature can tell
            doc["hash"] = content_hash(doc, doc["chain"]["prev"])  # the seal made anew: the chain still holds
    day.write_text(json.dumps(data))
    result = sync(root, dsn)
    assert result.quarantined == 1
    reason = server_rows(dsn, "SELECT reason FROM clinic.quarantine")[0][0]
    assert "signature" in reason
    assert server_rows(dsn, "SELECT count(*) FROM clinic.records WHERE kind = 'session'") == [(0,)]
