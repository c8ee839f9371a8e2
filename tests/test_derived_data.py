"""Derived data is never trusted blindly: a history index or a patient's last session that
differs from the sealed records is caught by check and derived again at the next start."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import make_demo_patient, pin_sink, run_complete_session, shipped_protocol, start_session

from microneedle_desk import cli, paths
from microneedle_desk.app.opening import check_at_start
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.store.check import check_store
from microneedle_desk.store.store import Store

P = shipped_protocol()


def made_store(root: Path) -> tuple[str, str]:
    clock = FakeClock()
    store = Store(root, P, clock)
    patient = store.add_patient(make_demo_patient(P, clock, device=store.device))
    session = start_session(P, clock, patient, sink=pin_sink(store), device=store.device)
    run_complete_session(session, clock)
    store.close()
    return patient.id, session.id


def edit_index_row(root: Path, field: str, value: object) -> Path:
    # the session's row, in its month's index file or its recent part (store/index_parts.py)
    [month] = [p for folder in (paths.index_dir(root), paths.index_recent_dir(root))
               for p in sorted(folder.glob("*.json"))]
    data = json.loads(month.read_text(encoding="utf-8"))
    for row in data["summaries"].values():
        row[field] = value
    month.write_text(json.dumps(data), encoding="utf-8")
    return month


def test_a_needle_length_changed_in_the_history_index_is_caught_by_check_and_rebuilt_at_start(
        tmp_path: Path, capsys) -> None:
    root = tmp_path / "data"
    patient_id, session_id = made_store(root)
    recorded = Store(root, P, FakeClock(), read_only=True).summary(session_id)
    assert recorded is not None and recorded["needle_mm"] != 0.5
    edit_index_row(root, "needle_mm", 0.5)

    problems = check_store(root, P)
    assert problems and all(p.derived for p in problems), problems
    assert cli.main(["check", "--data-dir", str(root)]) == 1
    assert "history" in capsys.readouterr().out

    notes = check_at_start(root, P, FakeClock(), read_only=False, interactive=False)
    assert any("derived again" in n or "rebuilt" in n for n in notes), notes
    store = Store(root, P, FakeClock())
    assert store.summary(session_id)["needle_mm"] == recorded["needle_mm"]
    assert store.last_needle_mm(patient_id) == recorded["needle_mm"], "the next session's preset is the record's"
    store.close()
    assert check_store(root, P) == []


def test_an_emptied_or_removed_patients_file_is_caught(tmp_path: Path) -> None:
    root = tmp_path / "data"
    made_store(root)
    [lasts] = [p for p in paths.patient_lasts_dir(root).glob("??.json")]
    lasts.write_text('{"lasts": {}}', encoding="utf-8")
    assert any(p.derived and p.file.startswith("index/patients/") for p in check_store(root, P))
    lasts.unlink()
    assert any(p.derived and "missing" in p.what for p in check_store(root, P))
    check_at_start(root, P, FakeClock(), read_only=False, interactive=False)
    assert check_store(root, P) == []


def test_a_store_from_before_the_digests_takes_them_once_and_checks_clean(tmp_path: Path) -> None:
    root = tmp_path / "data"
    made_store(root)
    meta = paths.meta_file(root)
    data = json.loads(meta.read_text(encoding="utf-8"))
    data.pop("derived")
    meta.write_text(json.dumps(data), encoding="utf-8")
    assert check_store(root, P) == []
    Store(root, P, FakeClock()).close()
    assert "derived" in json.loads(meta.read_text(encoding="utf-8"))
    assert check_store(root, P) == []
