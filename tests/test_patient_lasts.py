"""Each patient's newest session kept per patient (store/lasts.py): a session start reads
that, not every month of the history; older and restored stores derive it once; a start
sent again for a filed session is still refused; check reports a session id filed twice."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import demo_amender

from microneedle_desk import paths
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store


@pytest.fixture
def store(demo_template: Callable[[int, int], Path], store_copy: Callable[[Path], Store]) -> Store:
    return store_copy(demo_template(300, 3))


def _expected(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Each patient's newest needle length, from the whole index (as it was looked up before)."""
    out: dict[str, tuple[str, float]] = {}
    for r in rows:
        if r.get("needle_mm") is not None:
            pid, at = str(r["patient_id"]), str(r["started_at"])
            if pid not in out or at >= out[pid][0]:
                out[pid] = (at, float(r["needle_mm"]))
    return {pid: v for pid, (_at, v) in out.items()}


def _no_whole_index(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_self: Store) -> None:
        raise AssertionError("read the whole history index")

    for reading_every_month in ("summaries", "shared_summaries", "month_keys"):
        monkeypatch.setattr(Store, reading_every_month, refuse)


def test_last_needle_length_is_read_from_the_patients_record_not_the_whole_history(
        store: Store, protocol: Protocol, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _expected(store.summaries())
    newest = {str(r["patient_id"]): str(r["started_at"]) for r in
              sorted(store.summaries(), key=lambda r: str(r["started_at"]))}
    store.close()
    fresh = Store(data_dir, protocol, FakeClock())
    _no_whole_index(monkeypatch)
    for pid in list(expected)[:40]:
        assert fresh.last_needle_mm(pid) == expected[pid]
        assert fresh.last_session_started(pid) == newest[pid]
    assert fresh.last_needle_mm("no-such-patient") is None
    fresh.close()


def test_an_amended_needle_length_becomes_the_patients_last(store: Store, protocol: Protocol,
                                                             data_dir: Path) -> None:
    newest = max((r for r in store.summaries() if r["status"] == "signed"), key=lambda r: r["started_at"])
    pid = str(newest["patient_id"])
    wanted = 0.5 if newest["needle_mm"] != 0.5 else 0.75
    demo_amender(store)(newest["id"], "needle_mm", str(wanted), "wrote the wrong cartridge length")
    assert store.last_needle_mm(pid) == wanted
    store.close()
    assert Store(data_dir, protocol, FakeClock()).last_needle_mm(pid) == wanted


def test_a_store_from_before_the_records_derives_them_once(store: Store, protocol: Protocol,
                                                          data_dir: Path) -> None:
    expected = _expected(store.summaries())
    store.close()
    shutil.rmtree(paths.patient_lasts_dir(data_dir))
    read_only = Store(data_dir, protocol, FakeClock(), read_only=True)  # reads the index, writes nothing
    pid = next(iter(expected))
    assert read_only.last_needle_mm(pid) == expected[pid]
    assert not paths.patient_lasts_dir(data_dir).exists()
    upgraded = Store(data_dir, protocol, FakeClock())
    assert (paths.patient_lasts_dir(data_dir) / "complete.json").exists()
    assert all(upgraded.last_needle_mm(p) == v for p, v in expected.items())
    upgraded.close()


def test_a_record_that_disagrees_with_the_history_is_derived_again(store: Store, protocol: Protocol,
                                                                   data_dir: Path) -> None:
    """As after a backup restored over newer files: the record names a session not on file."""
    expected = _expected(store.summaries())
    pid = next(iter(expected))
    store.close()
    path = paths.patient_lasts_file(data_dir, pid)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["lasts"][pid]["needle"].update(id="00000000-0000-4000-8000-000000000000", needle_mm=9.9)
    path.write_text(json.dumps(data), encoding="utf-8")
    reopened = Store(data_dir, protocol, FakeClock())
    assert reopened.last_needle_mm(pid) == expected[pid]
    assert json.loads(path.read_text(encoding="utf-8"))["lasts"][pid]["needle"]["needle_mm"] == expected[pid]
    reopened.close()


def test_records_live_outside_what_backups_and_the_check_read(store: Store, protocol: Protocol) -> None:
    from microneedle_desk.store.backup import data_files

    assert paths.patient_lasts_dir(store.root).is_dir()
    assert not any("patients/" in str(p) and str(p).startswith("index") for p in data_files(store.root))
    assert check_store(store.root, protocol) == []


def test_check_reports_a_session_id_filed_twice(store: Store, protocol: Protocol, data_dir: Path) -> None:
    row = sorted(store.summaries(), key=lambda r: r["started_at"])[0]
    store.close()
    source = paths.session_file(data_dir, str(row["file"]))
    sessions = json.loads(source.read_text(encoding="utf-8"))["sessions"]
    doc = next(d for d in sessions.values() if d["id"] == row["id"])
    other = paths.session_file(data_dir, "2001-01-01")
    other.write_text(json.dumps({"sessions": {"1": doc}}), encoding="utf-8")
    found = [p.what for p in check_store(data_dir, protocol)]
    assert "another record on file has the same session id." in found


def test_a_session_starts_without_reading_the_whole_history(store: Store, protocol: Protocol,
                                                             data_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import pin_sink, start_session

    store.close()
    clock = FakeClock()
    fresh = Store(data_dir, protocol, clock)
    _no_whole_index(monkeypatch)
    session = start_session(protocol, clock, sink=pin_sink(fresh), device=fresh.device)
    assert paths.active_file(data_dir, session.id).exists()
    assert fresh.last_needle_mm(session.state.patient_id) is None
    fresh.close()


def test_reading_patients_last_sessions_keeps_no_patients_records(store: Store) -> None:
    import gc

    patients = sorted({str(r["patient_id"]) for r in store.summaries()})
    for pid in patients:
        assert store.last_session_started(pid)
    gc.collect()
    kept = [o for o in gc.get_objects() if isinstance(o, dict) and set(o) == {"last", "needle"}
            and all(isinstance(entry, dict) for entry in o.values())]  # a record, not its type's annotations
    assert len(patients) > 20 and kept == []
