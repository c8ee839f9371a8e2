"""The clinic server's "done when", end to end: two demo laptops meet on one fresh server, one
through the command line, the other through the app's own path (the Clinic's server service the
Settings dialog sets and tests, then the background sync's exchange and landing); the clinic's
export lists each session of both once, a second sync pushes nothing, ``check --server`` is clean,
and a patient registered on either laptop is found on the other after its sync."""

from __future__ import annotations

import json
from pathlib import Path

from server_laptops import P, cli, own_session_ids

from microneedle_desk import paths
from microneedle_desk.clinic.clinic import Clinic
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.server.sync import SyncResult
from microneedle_desk.store.check import check_store

PIN = "583920"


def _app_clinic(root: Path) -> Clinic:
    """The laptop as the app opens it, with an admin signed in (Settings is theirs to change)."""
    clinic = Clinic.open(root, P, SystemClock())
    if clinic.enforcing:  # the demo data's admin (who chooses a PIN at their first sign-in)
        admin = next(a for a in clinic.accounts.accounts() if a.is_admin and a.active)
        clinic.sign_in(admin.id, PIN, new_pin="" if admin.pin_hash else PIN)
    return clinic


def _app_sync(root: Path) -> SyncResult:
    """One background sync as ui/server_status.py runs it: the exchange (a worker thread there),
    then landing what came, on the store's thread. It needs nobody signed in."""
    clinic = Clinic.open(root, P, SystemClock())
    try:
        return clinic.server.land(clinic.server.exchange())
    finally:
        clinic.store.close()


def _register(root: Path, name: str, clinic_id: str) -> None:
    clinic = _app_clinic(root)
    try:
        clinic.register_patient(name=name, dob="1980-04-02", clinic_id=clinic_id, sex="male",
                                indication="aga_male", scale="norwood_hamilton", grade="III")
    finally:
        clinic.store.close()


def _found(root: Path, text: str) -> list[str]:
    clinic = Clinic.open(root, P, SystemClock(), read_only=True)
    try:
        return [p.name for p in clinic.store.find_patients(text)]
    finally:
        clinic.store.close()


def test_two_demo_laptops_meet_on_a_fresh_server_by_the_command_line_and_by_the_apps_settings(
        dsn: str, tmp_path: Path) -> None:
    one, two = tmp_path / "room1", tmp_path / "room2"
    assert cli("demo-data", "--data-dir", str(one), "--sessions", "25", "--seed", "4").returncode == 0
    first = cli("sync", "--data-dir", str(one), "--server", dsn)
    assert first.returncode == 0, first.stdout + first.stderr
    # Room 2 joins as the app does (the server set and tested in Settings, then a background sync);
    # its demo patients, made after that, are numbered after the clinic's: no clinic ID is used twice
    clinic = _app_clinic(two)
    try:
        assert "set up for this app" in clinic.server.test_connection(dsn)
        clinic.server.set_server(dsn)
        assert clinic.settings is not None and clinic.settings.get("server/dsn") == dsn
    finally:
        clinic.store.close()
    joined = _app_sync(two)
    assert joined.pulled > 0 and joined.to_review == 0, joined
    assert cli("demo-data", "--data-dir", str(two), "--sessions", "20", "--seed", "6").returncode == 0
    done = _app_sync(two)
    assert done.pushed > 0 and done.to_review == 0
    pulled = cli("sync", "--data-dir", str(one), "--server", dsn)  # room 1 takes room 2's news
    assert pulled.returncode == 0 and ", pulled 0," not in pulled.stdout, pulled.stdout
    # a second sync pushes nothing, on each path
    second = cli("sync", "--data-dir", str(one), "--server", dsn)
    assert second.returncode == 0 and second.stdout.startswith("Pushed 0, pulled 0,"), second.stdout
    idle = _app_sync(two)
    assert (idle.pushed, idle.pulled, idle.to_review) == (0, 0, 0)
    # the clinic's export lists both laptops' sessions, each exactly once
    out = tmp_path / "clinic.json"
    exported = cli("export", "--server", dsn, "--format", "json", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    ids = [r["id"] for r in json.loads(out.read_text())["sessions"]]
    mine_one, mine_two = own_session_ids(one), own_session_ids(two)
    assert len(mine_one) == 25 and len(mine_two) == 20
    assert sorted(ids) == sorted(mine_one | mine_two) and len(ids) == len(set(ids)) == 45
    checked = cli("check", "--server", dsn)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # a patient registered on one laptop is found on the other after its sync, both ways
    _register(one, "Ida Roomone", "DONE-1")
    _register(two, "Jo Roomtwo", "DONE-2")
    assert cli("sync", "--data-dir", str(one), "--server", dsn).returncode == 0
    _app_sync(two)
    assert cli("sync", "--data-dir", str(one), "--server", dsn).returncode == 0
    assert _found(two, "DONE-1") == ["Ida Roomone"]
    assert _found(one, "DONE-2") == ["Jo Roomtwo"]
    for root in (one, two):
        assert check_store(root, P) == []
        assert paths.meta_file(root).exists()
