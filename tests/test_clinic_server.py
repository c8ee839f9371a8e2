"""The clinic server: laptops push to and pull from one real PostgreSQL database — the interface,
idempotent pushes, interleaved laptops, a server that goes away, schema versions.

A throwaway cluster (tests/pg_cluster.py, the ``cluster`` fixture of tests/conftest.py) is
started once for the test run; each test gets a fresh database in it (``dsn``). If the cluster
cannot start, every test here fails with the reason.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    build_demo_store,
    pin_sink,
    start_session,
)
from pg_cluster import Cluster
from server_laptops import (
    P,
    cli,
    laptop,
    new_laptop,
    own_session_ids,
    server_rows,
    sign_session_for,
    sync,
)

from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.server import push as push_module
from microneedle_desk.server import schema
from microneedle_desk.server.connection import ServerError, Unreachable, connect, dsn_problem
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_store(tmp_path_factory.mktemp("demo") / "data", 40, seed=3)


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
