"""The accounts in a file of their own (accounts.json): the move out of patients.json of a store
written before, safe to stop at any file operation; the check covering the new file; and a start
that lists the accounts without reading any patient."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    STRACE,
    as_accounts_in_patients_file,
    make_demo_patient,
    old_name_only_practitioner,
    pin_sink,
    run_complete_session,
    run_killed_at,
    shipped_protocol,
    start_session,
    was_killed,
)

from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.signing import new_private_key, public_hex
from microneedle_desk.store import storage
from microneedle_desk.store.accounts import AccountBook
from microneedle_desk.store.accounts_file import move_accounts, stored_accounts
from microneedle_desk.store.check import check_store
from microneedle_desk.store.leftovers import quarantine_strays
from microneedle_desk.store.store import Store

P = shipped_protocol()
ADMIN_PIN = "481516"
NURSE_PIN = "273849"


def _tables(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _accounts_by_id(root: Path) -> dict[str, Any]:
    return {doc["id"]: doc for doc in _tables(paths.accounts_file(root))["accounts"].values()}


def old_layout_store(root: Path, clock: FakeClock) -> dict[str, Any]:
    """A store as the version before accounts.json wrote it: an admin and a nurse with PINs and
    signing keys, a patient, a signed session, and an old practitioner with no account, all in
    patients.json. Returns the account documents as they were, by id."""
    store = Store(root, P, clock)
    book = AccountBook(store)
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    book.add(admin, "Nurse Two", "practitioner", NURSE_PIN, actor_pin=ADMIN_PIN)
    patient = store.add_patient(make_demo_patient(P, clock, device=store.device))
    run_complete_session(start_session(P, clock, patient, sink=pin_sink(store), device=store.device), clock)
    old_name_only_practitioner(store, "Dr Before Accounts")
    store.close()
    before = _accounts_by_id(root)
    as_accounts_in_patients_file(root)
    assert "accounts" in _tables(paths.patients_file(root)) and not paths.accounts_file(root).exists()
    return before


def test_a_store_with_its_accounts_in_patients_json_opens_with_them_moved_to_their_own_file(tmp_path: Path) -> None:
    root, clock = tmp_path / "data", FakeClock()
    before = old_layout_store(root, clock)
    patients_before = _tables(paths.patients_file(root))
    assert check_store(root, P) == [], "the store of the earlier layout checks clean as it is"
    looking = Store(root, P, clock, read_only=True)  # a read-only copy moves nothing and still sees them
    assert {a.id for a in AccountBook(looking).accounts()} == set(before)
    looking.close()
    assert not paths.accounts_file(root).exists()

    store = Store(root, P, clock)
    moved = _accounts_by_id(root)
    assert {k: moved[k] for k in before} == before, "every account moved as it was"
    practitioners = patients_before["practitioners"].values()
    old = next(p for p in practitioners if p["name"] == "Dr Before Accounts")
    assert moved[old["id"]]["pin_hash"] is None, "the old practitioner became an account, to set a PIN"
    left = _tables(paths.patients_file(root))
    assert "accounts" not in left
    assert left == {k: v for k, v in patients_before.items() if k != "accounts"}, "patients.json lost nothing else"
    assert stat.S_IMODE(paths.accounts_file(root).stat().st_mode) == 0o600
    book = AccountBook(store)
    admin = next(a for a in book.accounts() if a.is_admin)
    assert book.sign_in(admin.id, ADMIN_PIN).is_admin
    nurse = next(a for a in book.accounts() if a.name == "Nurse Two")
    book.prove(nurse.id, NURSE_PIN, "sign")  # the signing key sealed under the PIN opens
    store.close()
    assert check_store(root, P) == []
    stamp = paths.patients_file(root).stat().st_mtime_ns
    assert move_accounts(root) == 0 and paths.patients_file(root).stat().st_mtime_ns == stamp, \
        "a store already moved is not written again"


def test_where_both_files_hold_accounts_the_move_keeps_every_account_and_patients_json_wins(
        tmp_path: Path) -> None:
    root, clock = tmp_path / "data", FakeClock()
    before = old_layout_store(root, clock)
    admin_id = next(k for k, d in before.items() if d["role"] == "admin")
    nurse_id = next(k for k in before if k != admin_id)
    # accounts.json as a stopped move or a newer copy left it: the nurse with another PIN state,
    # and one account patients.json does not hold
    extra = dict(before[nurse_id], id="00000000-0000-4000-8000-0000000000ee", name="Someone Else")
    stale = dict(before[nurse_id], failures=3)
    storage.write_atomic(paths.accounts_file(root), storage.dumps({"accounts": {"1": stale, "2": extra}}))
    store = Store(root, P, clock)
    moved = _accounts_by_id(root)
    assert moved[nurse_id] == before[nurse_id], "the copy in patients.json is the one kept"
    assert moved[admin_id] == before[admin_id] and moved[extra["id"]] == extra
    assert "accounts" not in _tables(paths.patients_file(root))
    assert AccountBook(store).sign_in(admin_id, ADMIN_PIN).is_admin
    store.close()


CHILD = """
import sys
from pathlib import Path
from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import load_protocol
from microneedle_desk.store.store import Store
Store(Path(sys.argv[1]), load_protocol(paths.protocol_file()), FakeClock()).close()
print("OPENED")
"""


@pytest.mark.skipif(STRACE is None, reason="strace is not installed (tools/bootstrap.py installs it)")
@pytest.mark.parametrize("call", ["link", "rename", "fsync"])
def test_a_move_killed_at_any_file_operation_leaves_a_store_that_opens_with_every_account(
        tmp_path: Path, call: str) -> None:
    source, clock = tmp_path / "source" / "data", FakeClock()
    before = old_layout_store(source, clock)
    calls = {"link": "link,linkat", "rename": "rename,renameat,renameat2", "fsync": "fsync,fdatasync"}[call]
    nth, killed_with_both = 1, 0
    while True:
        root = tmp_path / f"{call}-{nth}" / "data"
        shutil.copytree(source, root)
        finished = not was_killed(run_killed_at(calls, nth, CHILD, str(root)), "OPENED")
        if not finished:
            assert {k: v for k, v in stored_accounts(root).items() if k in before} == before, \
                f"killed at {call} #{nth}: an account is missing or changed before the next start"
            killed_with_both += paths.accounts_file(root).exists() and "accounts" in _tables(
                paths.patients_file(root))
        # the next start: leftovers of the killed save aside, then the store opens to write
        quarantine_strays(root, clock.now())
        store = Store(root, P, clock)
        book = AccountBook(store)
        assert {k: v for k, v in _accounts_by_id(root).items() if k in before} == before, \
            f"killed at {call} #{nth}: the next start lost or changed an account"
        assert "accounts" not in _tables(paths.patients_file(root))
        admin = next(a for a in book.accounts() if a.is_admin)
        assert book.sign_in(admin.id, ADMIN_PIN).is_admin
        store.close()
        assert check_store(root, P) == [], f"killed at {call} #{nth}: the next start does not check clean"
        shutil.rmtree(root.parent)
        if finished:
            break
        nth += 1
        assert nth < 50, "the opening never ran to its end"
    assert nth > 1, f"the move makes no {call} call: the case tests nothing"
    if call == "rename":  # killed as patients.json is replaced: accounts.json is already whole
        assert killed_with_both, "no kill fell between the two files' writes"


# -- the check covers accounts.json -----------------------------------------------------------
def _new_store_with_accounts(root: Path, clock: FakeClock) -> str:
    store = Store(root, P, clock)
    book = AccountBook(store)
    admin = book.create_first_admin("Dr Admin", ADMIN_PIN)
    nurse = book.add(admin, "Nurse Two", "practitioner", NURSE_PIN, actor_pin=ADMIN_PIN)
    store.close()
    assert "accounts" not in _tables(paths.patients_file(root)) if paths.patients_file(root).exists() else True
    return nurse.id


def test_check_finds_a_signing_key_put_into_accounts_json_by_hand_also_at_start_up(tmp_path: Path) -> None:
    root, clock = tmp_path / "data", FakeClock()
    nurse_id = _new_store_with_accounts(root, clock)
    assert check_store(root, P, deep=False, use_cache=True) == [], "a clean store, and its cache written"
    data = _tables(paths.accounts_file(root))
    nurse = next(d for d in data["accounts"].values() if d["id"] == nurse_id)
    nurse["key"]["public"] = public_hex(new_private_key())  # a key no admin vouched for
    paths.accounts_file(root).write_text(json.dumps(data), encoding="utf-8")
    for problems in (check_store(root, P), check_store(root, P, deep=False, use_cache=True)):
        assert [(p.file, p.record) for p in problems] == [("accounts.json", f"account {nurse_id}")]
        assert "not vouched for" in problems[0].what and "restore accounts.json" in problems[0].what


def test_check_finds_an_account_record_damaged_in_accounts_json(tmp_path: Path) -> None:
    root, clock = tmp_path / "data", FakeClock()
    nurse_id = _new_store_with_accounts(root, clock)
    data = _tables(paths.accounts_file(root))
    nurse = next(d for d in data["accounts"].values() if d["id"] == nurse_id)
    nurse["role"] = "owner"
    data["tokens"] = {}
    paths.accounts_file(root).write_text(json.dumps(data), encoding="utf-8")
    found = {(p.file, p.record) for p in check_store(root, P)}
    assert ("accounts.json", f"account {nurse_id}") in found
    assert ("accounts.json", "") in found, "a table the app does not write is named"


def test_a_backup_holds_accounts_json_and_a_restore_brings_it_back(tmp_path: Path) -> None:
    from microneedle_desk.store import backup
    from microneedle_desk.store import restore as restoring

    root, clock = tmp_path / "data", FakeClock()
    _new_store_with_accounts(root, clock)
    wanted = paths.accounts_file(root).read_bytes()
    taken = backup.take_backup(root, clock.now(), keep=5)
    assert "accounts.json" in {str(p) for p in backup.data_files(root)}
    paths.accounts_file(root).unlink()
    restoring.restore(root, taken, P, clock.now())
    assert paths.accounts_file(root).read_bytes() == wanted


# -- the start lists the accounts without reading a patient ---------------------------------------
def test_opening_a_store_and_listing_its_accounts_reads_no_patient(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root, clock = tmp_path / "data", FakeClock()
    old_layout_store(root, clock)
    Store(root, P, clock).close()  # the first opening moves the accounts
    parsed: list[str] = []
    reading = Path.read_bytes

    def spy(path: Path) -> bytes:
        parsed.append(path.name)
        return reading(path)

    monkeypatch.setattr(Path, "read_bytes", spy)  # how the store reads every file
    store = Store(root, P, clock)
    book = AccountBook(store)
    assert store.has_accounts() and not book.needs_first_admin()
    names = [a.name for a in book.accounts(include_retired=False)]
    assert {"Dr Admin", "Dr Before Accounts", "Nurse Two"} <= set(names)
    store.close()
    assert "patients.json" not in parsed, "the start read the file of every patient"
    assert "accounts.json" in parsed
