"""The history index in two parts (store/index_parts.py): a month's file and the rows filed since
it was written whole. Filing stays right through sign-offs, amendments and the folding of the
parts; a sign-off killed at any file operation leaves a store that opens with nothing signed
lost and the index as the records say; the check finds a damaged or missing part and the start
derives it again; a store written before the parts (and before the 256 last-visit files) opens
with its history and presets as they were.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    REPO,
    STRACE,
    amend_with_pin,
    make_demo_patient,
    pin_sink,
    run_complete_session,
    run_killed_at,
    shipped_protocol,
    start_session,
    was_killed,
)

from microneedle_desk import paths
from microneedle_desk.app.opening import check_at_start
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.records import iso
from microneedle_desk.store import index_parts
from microneedle_desk.store.check import check_store
from microneedle_desk.store.derived import file_digest, month_from_records, relative
from microneedle_desk.store.storage import AtomicCachedStorage, dumps
from microneedle_desk.store.store import Store

P = shipped_protocol()


def sign_one(store: Store, clock: FakeClock, n: int, patient_id: str | None = None) -> tuple[str, str]:
    """A complete signed session of a new patient (or ``patient_id``'s); (session id, patient id)."""
    patient = (store.patient(patient_id) if patient_id else
               store.add_patient(make_demo_patient(P, clock, name=f"Alex Demo {n}", clinic_id=f"D-{n}",
                                                   device=store.device)))
    assert patient is not None
    session = start_session(P, clock, patient, sink=pin_sink(store), device=store.device)
    run_complete_session(session, clock)
    clock.advance(600)
    return session.id, patient.id


def rows_by_id(store: Store) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): dict(r) for r in store.summaries()}


def derived_rows(root: Path, month: str) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in month_from_records(root, month, P)["summaries"].values()}


def test_sign_offs_and_amendments_keep_the_month_index_right_while_its_parts_are_folded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_parts, "RECENT_ROWS", 3)
    root, clock = tmp_path / "data", FakeClock()
    store = Store(root, P, clock)
    signed: list[str] = []
    for n in range(7):
        signed.append(sign_one(store, clock, n)[0])
        assert sorted(rows_by_id(store)) == sorted(signed), f"after sign-off {n + 1}"
        recent = paths.index_recent_file(root, "2026-11")
        held = json.loads(recent.read_text())["summaries"] if recent.exists() else {}
        assert len(held) < 3, "the recent part is folded into the month file once it is full"
    assert paths.index_file(root, "2026-11").exists() and paths.index_recent_file(root, "2026-11").exists()
    first = signed[0]  # its row is in the month file now: the amended row goes to the recent part
    amend_with_pin(store, first, "cartridge_lot", "LOT-AMENDED", "typo on the box")
    assert store.summary(first)["amended"] == 1
    shown = rows_by_id(store)
    assert [r for r in store.summaries() if r["id"] == first] == [shown[first]], "one row per session"
    store.close()
    assert check_store(root, P) == [], "deep check: every row as the records derive it, digests as noted"
    reopened = Store(root, P, FakeClock(), read_only=True)
    assert rows_by_id(reopened) == shown
    expected = derived_rows(root, "2026-11")
    for sid, row in shown.items():
        assert {k: v for k, v in row.items() if k not in ("hash", "file", "amended")} == {
            k: v for k, v in expected[sid].items() if k not in ("hash", "file", "amended")}
    assert list(reopened.month_keys().months_of_session(first)) == ["2026-11"]
    assert list(reopened.month_keys().months_of_session(signed[-1])) == ["2026-11"]


def test_a_month_first_filed_after_its_file_exists_only_in_the_recent_part_is_listed(tmp_path: Path) -> None:
    root, clock = tmp_path / "data", FakeClock()
    store = Store(root, P, clock)
    sid, pid = sign_one(store, clock, 1)
    assert not paths.index_file(root, "2026-11").exists(), "a sign-off writes the small part only"
    assert store.index_months() == ["2026-11"]
    assert store.patient_summaries(pid)[0]["id"] == sid
    assert store.last_needle_mm(pid) is not None
    store.close()


@pytest.mark.parametrize("damage", ["edited", "removed", "emptied"])
def test_check_finds_a_damaged_or_missing_recent_part_and_the_start_derives_it_again(
        tmp_path: Path, damage: str) -> None:
    root, clock = tmp_path / "data", FakeClock()
    store = Store(root, P, clock)
    sid, pid = sign_one(store, clock, 1)
    row = store.summary(sid)
    store.close()
    recent = paths.index_recent_file(root, "2026-11")
    if damage == "edited":
        data = json.loads(recent.read_text())
        for r in data["summaries"].values():
            r["needle_mm"] = 0.5
        recent.write_text(json.dumps(data))
    elif damage == "removed":
        recent.unlink()
    else:
        recent.write_text("")
    problems = check_store(root, P)
    assert problems and all(p.derived for p in problems), problems
    assert any(p.file == relative(root, recent) for p in problems)
    notes = check_at_start(root, P, FakeClock(), read_only=False, interactive=False)
    assert any("derived again" in n for n in notes), notes
    assert check_store(root, P) == []
    store = Store(root, P, FakeClock())
    assert store.summary(sid) == row
    assert store.last_needle_mm(pid) == row["needle_mm"]
    store.close()


def _to_earlier_layout(root: Path) -> None:
    """Rewrite a store's derived files as the version before the parts left them: every month
    in its month file, the patients' last sessions in 16 files by the first hex digit."""
    for recent in sorted(paths.index_recent_dir(root).glob("*.json")):
        index_parts.compact(root, recent.stem)
    paths.index_recent_dir(root).rmdir()
    lasts = paths.patient_lasts_dir(root)
    by_digit: dict[str, dict[str, Any]] = defaultdict(dict)
    for path in sorted(lasts.glob("??.json")):
        for pid, record in json.loads(path.read_text())["lasts"].items():
            by_digit[pid[0]][pid] = record
        path.unlink()
    for digit, records in by_digit.items():
        (lasts / f"{digit}.json").write_text(json.dumps({"lasts": records}))
    meta = json.loads(paths.meta_file(root).read_text())
    files = {relative(root, p): file_digest(p) for p in (
        *paths.index_dir(root).glob("*.json"), *lasts.glob("*.json"))}
    [doc] = meta["derived"].values()
    doc["files"] = files
    paths.meta_file(root).write_text(json.dumps(meta))


def test_a_store_in_the_layout_before_the_parts_opens_with_its_history_and_presets(tmp_path: Path) -> None:
    root, clock = tmp_path / "data", FakeClock()
    store = Store(root, P, clock)
    made = [sign_one(store, clock, n) for n in range(4)]
    shown = rows_by_id(store)
    needles = {pid: store.last_needle_mm(pid) for _, pid in made}
    store.close()
    _to_earlier_layout(root)
    assert not list(paths.patient_lasts_dir(root).glob("??.json"))
    assert check_store(root, P) == [], "the earlier layout checks clean as it is"

    store = Store(root, P, clock)
    assert rows_by_id(store) == shown
    assert {pid: store.last_needle_mm(pid) for _, pid in made} == needles, "presets read from the 16 files"
    again, pid = sign_one(store, clock, 9, patient_id=made[0][1])  # the record moves to the 256 files
    assert store.last_session_started(pid) == store.summary(again)["started_at"]
    store.close()
    assert paths.patient_lasts_file(root, pid).exists()
    assert not list(paths.patient_lasts_dir(root).glob("?.json")), "the first filing moved the 16 files' records"
    assert check_store(root, P) == []
    reopened = Store(root, P, FakeClock(), read_only=True)
    assert reopened.last_session_started(pid) == reopened.summary(again)["started_at"]
    assert {p: reopened.last_needle_mm(p) for _, p in made} == needles


# -- killed mid-sign-off ----------------------------------------------------------------------
CHILD = """
import json, sys
from datetime import datetime
from pathlib import Path
from helpers import pin_sink, shipped_protocol
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.session import Session
from microneedle_desk.store import index_parts
from microneedle_desk.store.store import Store
index_parts.RECENT_ROWS = 3  # this sign-off fills the recent part: the month is folded too
root, when = Path(sys.argv[1]), json.loads(sys.argv[2])
P = shipped_protocol()
clock = FakeClock(start=datetime.fromisoformat(when["at"]), monotonic_start=when["mono"], boot=when["boot"])
store = Store(root, P, clock)
[active] = store.active_sessions()
session = Session.resume(P, clock, store.device, active.events, sink=pin_sink(store))
session.sign()
print("SIGNED", flush=True)
"""


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A store with a month file, a recent part of two rows, and one session waiting to be signed."""
    root = tmp_path_factory.mktemp("sign-kill") / "data"
    clock = FakeClock()
    store = Store(root, P, clock)
    full = index_parts.RECENT_ROWS
    index_parts.RECENT_ROWS = 2  # the second sign-off folds the two into the month file
    try:
        earlier = [sign_one(store, clock, n)[0] for n in range(2)]
    finally:
        index_parts.RECENT_ROWS = full
    assert not paths.index_recent_file(root, "2026-11").exists()
    earlier += [sign_one(store, clock, n)[0] for n in range(2, 4)]
    patient = store.add_patient(make_demo_patient(P, clock, name="Sam Waiting", clinic_id="D-W",
                                                  device=store.device))
    session = start_session(P, clock, patient, sink=pin_sink(store), device=store.device)
    run_complete_session(session, clock, sign=False)
    store.close()
    clock.advance(60)
    return {"root": root, "session": session.id, "patient": patient.id, "earlier": earlier,
            "when": {"at": iso(clock.now()), "mono": clock.monotonic(), "boot": clock.boot_id()}}


def sign_killed(root: Path, when: dict[str, Any], calls: str, nth: int) -> bool:
    """Sign in a child killed at the ``nth`` of ``calls``; True when it was killed first."""
    env = {"PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'tests'}", "QT_QPA_PLATFORM": "offscreen"}
    return was_killed(run_killed_at(calls, nth, CHILD, str(root), json.dumps(when), timeout=180, env=env), "SIGNED")


@pytest.mark.skipif(STRACE is None, reason="strace is not installed (tools/bootstrap.py installs it)")
@pytest.mark.parametrize("call", ["rename", "link", "unlink", "fsync"])
def test_a_sign_off_killed_at_any_file_operation_leaves_a_store_that_opens_with_the_index_right(
        tmp_path: Path, unsigned: dict[str, Any], call: str) -> None:
    source, sid, earlier, when = unsigned["root"], unsigned["session"], unsigned["earlier"], unsigned["when"]
    calls = {"rename": "rename,renameat,renameat2", "link": "link,linkat", "unlink": "unlink,unlinkat,rmdir",
             "fsync": "fsync,fdatasync"}[call]
    nth = 1
    while True:
        root = tmp_path / f"{call}-{nth}" / "data"
        shutil.copytree(source, root)
        if not sign_killed(root, when, calls, nth):
            break
        # the next start, as the app does it: the check (deriving the index again where it is not
        # as noted), then the store's recovery
        check_at_start(root, P, FakeClock(), read_only=False, interactive=False)
        store = Store(root, P, FakeClock())
        store.recover()
        doc = store.session_doc(sid)
        assert doc is not None, f"killed at {call} #{nth}: the session is gone"
        signed = doc["status"] == "signed"
        rows = rows_by_id(store)
        assert sorted(rows) == sorted(earlier + ([sid] if signed else [])), f"killed at {call} #{nth}"
        last = store.last_session_started(unsigned["patient"])
        assert last == (rows[sid]["started_at"] if signed else None), f"killed at {call} #{nth}: the preset"
        store.close()
        assert check_store(root, P) == [], f"killed at {call} #{nth}: the store does not check clean"
        shutil.rmtree(root.parent)
        nth += 1
        assert nth < 200, "the sign-off never ran to its end"
    assert nth > 1, f"a sign-off makes no {call} call: the case tests nothing"
    store = Store(root, P, FakeClock(), read_only=True)
    assert rows_by_id(store)[sid]["status"] == "signed"
    assert sorted(rows_by_id(store)) == sorted([*earlier, sid])


def test_a_day_file_is_saved_byte_for_byte_as_a_full_encoding_while_its_sealed_records_text_is_kept(
        tmp_path: Path) -> None:
    root, clock = tmp_path / "data", FakeClock()
    store = Store(root, P, clock)
    first = sign_one(store, clock, 1)[0]
    sign_one(store, clock, 2)
    amend_with_pin(store, first, "cartridge_lot", "LOT-AMENDED", "typo on the box")
    store.close()
    [day] = sorted(paths.sessions_dir(root).glob("*.json"))
    raw = day.read_bytes()
    assert raw == dumps(json.loads(raw))

    storage = AtomicCachedStorage(tmp_path / "sealed.json")
    storage.sealed = frozenset({"sessions"})
    data = {"sessions": {"1": {"id": "a", "n": 1}}, "other": {"1": {"v": 1}}}
    storage.write(data)
    data["sessions"]["1"] = {"id": "a", "n": 2}  # another record object (read again, say): encoded again
    data["other"]["1"]["v"] = 2  # a table not sealed is encoded whole every time
    storage.write(data)
    assert json.loads((tmp_path / "sealed.json").read_bytes()) == data


def test_a_failed_index_write_still_moves_the_chain_head_to_the_filed_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, clock = tmp_path / "data", FakeClock()
    store = Store(root, P, clock)
    patient = store.add_patient(make_demo_patient(P, clock, device=store.device))
    session = start_session(P, clock, patient, sink=pin_sink(store), device=store.device)
    run_complete_session(session, clock, sign=False)

    def disk_full(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("no space left on the device")

    monkeypatch.setattr(store, "_index_upsert", disk_full)
    with pytest.raises(OSError):
        session.sign()
    monkeypatch.undo()
    sign_one(store, clock, 2)  # the next record goes after it in the chain, not in its place
    store.close()
    reopened = Store(root, P, FakeClock())
    reopened.recover()
    assert reopened.summary(session.id)["status"] == "signed"
    reopened.close()
    problems = check_store(root, P)
    assert not [p for p in problems if not p.derived], problems
    check_at_start(root, P, FakeClock(), read_only=False, interactive=False)
    assert check_store(root, P) == [], "the chain holds the record once, in its place"
