"""Reviewing past sessions: history table, opening a session, follow-ups, course, grading,
dashboard, export (CSV/JSON, de-identified) and cartridge-lot recall."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import demo_amender
from PySide6.QtCore import Qt

from microneedle_desk.cli import main
from microneedle_desk.core.clock import FakeClock
from microneedle_desk.core.followup import make_followup
from microneedle_desk.core.grading import salt_band, salt_score
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.review import export, stats
from microneedle_desk.review.course import patient_course
from microneedle_desk.review.demo import generate
from microneedle_desk.review.followup import add_followup, all_followups, followups
from microneedle_desk.review.history import ROW_ROLE, HistoryFilter, HistoryModel, local_source
from microneedle_desk.store.store import Store
from microneedle_desk.ui.context import UiContext


@pytest.fixture
def store(data_dir: Path, protocol: Protocol) -> Iterator[Store]:
    s = Store(data_dir, protocol, FakeClock())
    generate(s, 60, seed=11)
    yield s
    s.close()


def _signed(store: Store) -> list[dict[str, Any]]:
    return sorted((r for r in store.summaries() if r["status"] == "signed"), key=lambda r: r["started_at"])


# -- SALT --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("losses", "score", "band"), [
    ({"right": 100, "left": 100, "top": 100, "back": 100}, 100, "very severe"),
    ({"right": 0, "left": 0, "top": 50, "back": 0}, 20, "mild"),
    ({"right": 100, "left": 0, "top": 0, "back": 0}, 18, "mild"),
    ({"right": 0, "left": 0, "top": 0, "back": 100}, 24, "moderate"),
    ({"right": 50, "left": 50, "top": 50, "back": 50}, 50, "severe"),
    ({"right": 0, "left": 0, "top": 0, "back": 0}, 0, "no hair loss"),
    ({"right": "25", "left": "25 %", "top": "10", "back": "0"}, 13, "mild"),  # 4.5 + 4.5 + 4
    ({"right": 100, "left": 100, "top": 100, "back": 80}, 95, "very severe"),   # 76 + 19.2 = 95.2
])
def test_salt_score_weights_regions_and_names_the_band(losses: dict[str, object], score: int, band: str) -> None:
    result = salt_score(losses)
    assert (result.score, result.band) == (score, band)


def test_salt_bands_edges() -> None:
    assert [salt_band(s) for s in (1, 20, 21, 49, 50, 94, 95, 100)] == [
        "mild", "mild", "moderate", "moderate", "severe", "severe", "very severe", "very severe"]


@pytest.mark.parametrize(("losses", "words"), [
    ({"right": 0, "left": 0, "top": 120, "back": 0}, "Top"),
    ({"right": 0, "left": 0, "top": "lots", "back": 0}, "not a number"),
    ({"right": 0, "left": 0, "top": 10}, "Back"),
    ({"right": 0, "left": 0, "top": 10, "back": 0, "front": 5}, "front"),
])
def test_salt_refuses_bad_input_with_a_clear_message(losses: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        salt_score(losses)


def test_salt_calculator_dialog_shows_score_and_band(qtbot: Any) -> None:
    from microneedle_desk.ui.course_view import SaltDialog

    dialog = SaltDialog()
    qtbot.addWidget(dialog)
    dialog.boxes["top"].setValue(50)
    assert dialog.result_score == 20
    assert "20 — mild" in dialog.result_label.text()


# -- history -----------------------------------------------------------------------------------
def test_history_search_filters_as_you_type(qtbot: Any, ctx: UiContext) -> None:
    from microneedle_desk.ui.history_view import HistoryWindow

    window = HistoryWindow(ctx)
    qtbot.addWidget(window)
    total = window.model.rowCount()
    assert total == len(ctx.store.summaries())
    target = _signed(ctx.store)[0]
    qtbot.keyClicks(window.search, target["clinic_id"])
    shown = [window.model.index(r, 0).data(ROW_ROLE) for r in range(window.model.rowCount())]
    assert shown and all(s["clinic_id"] == target["clinic_id"] for s in shown)
    assert len(shown) == sum(1 for r in ctx.store.summaries() if r["clinic_id"] == target["clinic_id"])
    window.search.clear()
    assert window.model.rowCount() == total


def test_history_filters_by_flags_needle_range_dates_and_practitioner(ctx: UiContext) -> None:
    model = HistoryModel(local_source(ctx.store))
    rows = ctx.store.summaries()

    def shown(f: HistoryFilter) -> list[dict[str, Any]]:
        model.set_filter(f)
        return [model.index(r, 0).data(ROW_ROLE) for r in range(model.rowCount())]

    with_se = shown(HistoryFilter(side_effects=True))
    assert len(with_se) == sum(1 for r in rows if r["side_effects"]) > 0
    assert all(r["side_effects"] for r in with_se)
    assert all(r["overrides"] for r in shown(HistoryFilter(overrides=True)))
    mid = shown(HistoryFilter(needle_min=1.0, needle_max=1.2))
    assert mid and all(1.0 <= r["needle_mm"] <= 1.2 for r in mid)
    day = sorted(r["started_at"][:10] for r in rows)[len(rows) // 2]
    late = shown(HistoryFilter(date_from=date.fromisoformat(day)))
    assert len(late) == sum(1 for r in rows if r["started_at"][:10] >= day)
    who = rows[0]["practitioner_id"]
    assert all(r["practitioner_id"] == who for r in shown(HistoryFilter(practitioner_id=who)))
    patient = rows[0]["patient_id"]
    assert {r["patient_id"] for r in shown(HistoryFilter(patient_id=patient, indication=rows[0]["indication"]))} \
        == {patient}


def test_history_sorts_by_any_column(qtbot: Any, ctx: UiContext) -> None:
    from microneedle_desk.ui.history_view import HistoryWindow

    window = HistoryWindow(ctx)
    qtbot.addWidget(window)
    window.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # needle length
    lengths = [window.model.index(r, 0).data(ROW_ROLE)["needle_mm"] or -1 for r in range(window.model.rowCount())]
    assert lengths == sorted(lengths)
    window.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # date
    starts = [window.model.index(r, 0).data(ROW_ROLE)["started_at"] for r in range(window.model.rowCount())]
    assert starts == sorted(starts, reverse=True)
    qtbot.keyClicks(window.search, "demo patient 000")  # a sorted table still filters
    window.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    names = [window.model.index(r, 1).data() for r in range(window.model.rowCount())]
    assert names and names == sorted(names, key=str.casefold)


def test_opening_a_row_shows_the_session_read_only_with_timeline_and_amendments(qtbot: Any, ctx: UiContext) -> None:
    from microneedle_desk.ui.history_view import HistoryWindow

    sid = _signed(ctx.store)[-1]["id"]
    demo_amender(ctx.store)(sid, "cartridge_lot", "LOT-CORRECTED", "Lot copied wrongly from the box")
    window = HistoryWindow(ctx)
    qtbot.addWidget(window)
    row = next(r for r in range(window.model.rowCount()) if window.model.index(r, 0).data(ROW_ROLE)["id"] == sid)
    dialog = window.open_index(window.model.index(row, 0))
    assert dialog is not None
    qtbot.addWidget(dialog)
    text = dialog.text()
    assert "Timeline" in text and "needling started" in text and "signed" in text
    assert "LOT-CORRECTED" in text and "Lot copied wrongly from the box" in text
    assert dialog.view.isReadOnly()
    assert dialog.sheet_button.isEnabled() and dialog.handout_button.isEnabled()


# -- follow-ups --------------------------------------------------------------------------------
def test_recording_a_followup_side_effect_shows_in_session_course_and_dashboard(qtbot: Any, ctx: UiContext) -> None:
    from microneedle_desk.ui.history_view import SessionDialog

    row = next(r for r in _signed(ctx.store) if not r["side_effects"])
    dialog = SessionDialog(ctx, row["id"])
    qtbot.addWidget(dialog)
    form = dialog.followup_dialog()
    qtbot.addWidget(form)
    form.what.setCurrentIndex(form.what.findData("itching"))
    form.severity.setCurrentIndex(form.severity.findData("mild"))
    form.note.setPlainText("Phone check at 48 h: itching, settling")
    record = dialog.save_followup(form.values())
    assert record is not None and record["kind"] == "followup" and record["what"] == "itching"
    assert record["at"].endswith("+01:00") and record["device"] == ctx.store.device
    assert "Itching (mild)" in dialog.text()
    assert [f["id"] for f in followups(ctx.store, row["id"])] == [record["id"]]
    course = patient_course(ctx.store, row["patient_id"])
    entry = next(e for e in course.entries if e.session_id == row["id"])
    assert [f["what"] for f in entry.followups] == ["itching"]
    signed = _signed(ctx.store)
    before = stats.compute(signed, [])
    after = stats.compute(signed, all_followups(ctx.store))
    rate = dict(zip(after.se_types, after.se_rate_by_type, strict=True))
    assert rate["itching"] > dict(zip(before.se_types, before.se_rate_by_type, strict=True)).get("itching", 0)
    # "none found" is a record too
    dialog.save_followup({"on": ctx.clock.now().date().isoformat(), "none": True, "what": "",
                          "severity": "", "note": "72 h call: all well"})
    assert "none found — 72 h call: all well" in dialog.text()


def test_followup_rules_refuse_bad_entries(store: Store) -> None:
    row = _signed(store)[0]
    state = store.session_state(row["id"])
    assert state is not None
    now = store.clock.now()
    common: dict[str, Any] = {"by": "Dr Demo", "now": now, "device": "d", "protocol": store.protocol}
    with pytest.raises(ValidationError, match="before the session"):
        make_followup(state, on="2000-01-01", none=True, **common)
    with pytest.raises(ValidationError, match="future"):
        make_followup(state, on="2099-01-01", none=True, **common)
    with pytest.raises(ValidationError, match="choose one"):
        make_followup(state, on=now.date().isoformat(), none=True, what="itching", **common)
    with pytest.raises(ValidationError, match="side effect"):
        make_followup(state, on=now.date().isoformat(), none=False, what="sunburn", severity="mild", **common)
    with pytest.raises(ValidationError, match="Choose the side effect"):
        add_followup(store, row["id"], on=now.date().isoformat(), none=False, by="Dr Demo")
    assert followups(store, row["id"]) == []


def test_store_with_followups_still_passes_check(store: Store, data_dir: Path, capsys: Any) -> None:
    row = _signed(store)[0]
    add_followup(store, row["id"], on=store.clock.now().date().isoformat(), none=True, by="Dr Demo")
    store.close()
    assert main(["check", "--data-dir", str(data_dir)]) == 0


# -- course and grading ------------------------------------------------------------------------
def test_course_numbers_sessions_with_intervals_and_next_due(store: Store) -> None:
    counts: dict[str, int] = {}
    for r in _signed(store):
        counts[r["patient_id"]] = counts.get(r["patient_id"], 0) + 1
    patient = max(counts, key=lambda p: counts[p])
    course = patient_course(store, patient, interval_days=21)
    numbers = [e.number for e in course.signed]
    assert numbers == list(range(1, counts[patient] + 1))
    assert course.signed[0].interval_days is None
    for a, b in zip(course.signed, course.signed[1:], strict=False):
        assert b.interval_days == (b.started.date() - a.started.date()).days
    last = course.signed[-1]
    booked = next(r for r in store.summaries() if r["id"] == last.session_id)["next_session"]
    assert course.next_due == date.fromisoformat(booked)


def test_course_table_says_none_for_a_session_with_no_side_effects_seen(qtbot: Any, ctx: UiContext) -> None:
    from microneedle_desk.ui.course_view import CourseWindow

    row = next(r for r in _signed(ctx.store) if r.get("none_observed") and not r.get("side_effects"))
    window = CourseWindow(ctx, row["patient_id"])
    qtbot.addWidget(window)
    assert window.course is not None
    i = next(i for i, e in enumerate(window.course.entries) if e.session_id == row["id"])
    header = [window.table.horizontalHeaderItem(c).text() for c in range(window.table.columnCount())]
    assert window.table.item(i, header.index("Side effects")).text() == "none"


def test_recording_a_grade_afterwards_is_an_amendment_and_shows_in_the_course(qtbot: Any, ctx: UiContext) -> None:
    from microneedle_desk.ui.course_view import CourseWindow, GradeDialog

    row = next(r for r in _signed(ctx.store) if r["scale"] == "norwood_hamilton")
    amend = demo_amender(ctx.store)

    class Signer:  # the accounts part of the window: corrections carry the signed-in person's PIN
        def may(self, _permission: str) -> bool:
            return True

        def amend(self, session_id: str, field: str, value: object, reason: str) -> dict[str, Any]:
            return amend(session_id, field, value, reason)

    ctx.signer = Signer()
    window = CourseWindow(ctx, row["patient_id"])
    qtbot.addWidget(window)
    new = "VII" if row["grade"] != "VII" else "VI"
    dialog = GradeDialog(ctx, "norwood_hamilton", row["grade"])
    qtbot.addWidget(dialog)
    dialog.picker.setCurrentText(new)
    assert window.save_grade(row["id"], dialog.grade(), "Graded at review")
    assert [a["new"] for a in ctx.store.amendments(row["id"])] == [new]
    entry = next(e for e in window.course.entries if e.session_id == row["id"]) if window.course else None
    assert entry is not None and entry.grade == new


def test_course_charts_and_dashboard_save_pngs(qtbot: Any, ctx: UiContext, tmp_path: Path) -> None:
    from microneedle_desk.ui.course_view import CourseWindow
    from microneedle_desk.ui.dashboard_view import CHARTS, DashboardWindow

    row = _signed(ctx.store)[0]
    course = CourseWindow(ctx, row["patient_id"])
    qtbot.addWidget(course)
    written = course.save_charts(str(tmp_path))
    dash = DashboardWindow(ctx)
    qtbot.addWidget(dash)
    assert dash.data.total == len(ctx.store.summaries())
    written += dash.save_all(str(tmp_path))
    assert len(written) == 2 + len(CHARTS)
    for path in written:
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_named_bar_charts_leave_room_for_their_names_before_the_first_paint(qtbot: Any, ctx: UiContext) -> None:
    from PySide6.QtGui import QFontMetrics

    from microneedle_desk.ui.dashboard_view import DashboardWindow

    dash = DashboardWindow(ctx)
    qtbot.addWidget(dash)
    for key in ("se_type", "overrides"):
        axis = dash.plots[key].getAxis("left")
        [ticks] = axis._tickLevels
        assert ticks, f"{key}: no names on the axis"
        metrics = QFontMetrics(axis.style.get("tickFont") or dash.plots[key].font())
        widest = max(metrics.horizontalAdvance(name) for _y, name in ticks)
        assert axis.minimumWidth() >= widest, f"{key}: names would be cut on a chart saved at once"


def test_dashboard_figures(store: Store) -> None:
    rows = store.summaries()
    data = stats.compute(rows, [], by="month")
    assert sum(data.sessions_per_period) == len(rows)
    assert sum(data.needle_counts) == sum(1 for r in rows if r["status"] == "signed" and r["needle_mm"])
    assert sum(data.override_counts) == sum(len(r["overrides"]) for r in rows)
    assert all(0 <= v <= 100 for v in data.se_rate_by_needle)


# -- export --------------------------------------------------------------------------------------
def test_export_csv_round_trips(store: Store, data_dir: Path, tmp_path: Path) -> None:
    expected = export.records(store, store.summaries())
    store.close()
    out = tmp_path / "sessions.csv"
    assert main(["export", "--format", "csv", "-o", str(out), "--data-dir", str(data_dir)]) == 0
    back = export.from_csv(out.read_text(encoding="utf-8"))
    assert len(back) == len(expected) == 60
    for got, want in zip(back, expected, strict=True):
        assert got == {k: (None if v == "" else v) for k, v in want.items()}
    assert (out.stat().st_mode & 0o777) == 0o600


def test_export_json_round_trips_and_dates_limit_it(store: Store, data_dir: Path, tmp_path: Path) -> None:
    rows = store.summaries()
    days = sorted(r["started_at"][:10] for r in rows)
    low, high = days[10], days[40]
    expected = export.records(store, export.in_range(rows, date.fromisoformat(low), date.fromisoformat(high)))
    store.close()
    out = tmp_path / "sessions.json"
    assert main(["export", "--format", "json", "--from", low, "--to", high, "-o", str(out),
                 "--data-dir", str(data_dir)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["kind"] == "session_export" and doc["deidentified"] is False
    assert doc["sessions"] == expected and doc["count"] == len(expected) < len(rows)
    assert all(low <= s["started_at"][:10] <= high for s in doc["sessions"])


def test_export_ids_are_the_ones_sheet_prints(store: Store, data_dir: Path, tmp_path: Path) -> None:
    store.close()
    out = tmp_path / "s.json"
    assert main(["export", "--format", "json", "-o", str(out), "--data-dir", str(data_dir)]) == 0
    sid = json.loads(out.read_text())["sessions"][0]["id"]
    pdf = tmp_path / "sheet.pdf"
    assert main(["sheet", "--session", sid, "-o", str(pdf), "--data-dir", str(data_dir)]) == 0
    assert pdf.read_bytes()[:4] == b"%PDF"


def test_export_refuses_bad_dates_and_missing_options(data_dir: Path, store: Store, tmp_path: Path) -> None:
    store.close()
    assert main(["export", "--format", "csv", "--from", "31/12/2026", "-o", str(tmp_path / "x"),
                 "--data-dir", str(data_dir)]) == 2
    assert main(["export", "--format", "csv", "--data-dir", str(data_dir)]) == 2
    assert main(["export", "--lot", "X", "--deidentify", "--data-dir", str(data_dir)]) == 2


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_deidentified_export_has_no_name_dob_or_clinic_id_and_stable_pseudonyms(
        store: Store, data_dir: Path, tmp_path: Path, fmt: str) -> None:
    patients = store.patients()
    store.close()
    outs = [tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"]
    for out in outs:
        assert main(["export", "--format", fmt, "--deidentify", "-o", str(out), "--data-dir", str(data_dir)]) == 0
    text = outs[0].read_text(encoding="utf-8")
    for p in patients:
        assert p.name not in text and p.clinic_id not in text and p.dob.isoformat() not in text
        assert p.id not in text
    assert "Demo Patient" not in text and "DEMO-0" not in text
    assert outs[1].read_text(encoding="utf-8").split("generated_at")[-1].count("P-") == text.split(
        "generated_at")[-1].count("P-")
    if fmt == "csv":
        recs_a = list(csv.DictReader(io.StringIO(text)))
        recs_b = list(csv.DictReader(io.StringIO(outs[1].read_text(encoding="utf-8"))))
    else:
        recs_a = json.loads(text)["sessions"]
        recs_b = json.loads(outs[1].read_text(encoding="utf-8"))["sessions"]
    assert [r["patient_id"] for r in recs_a] == [r["patient_id"] for r in recs_b]  # stable
    assert all(re.fullmatch(r"P-[0-9a-f]{12}", r["patient_id"]) for r in recs_a)
    assert len({r["patient_id"] for r in recs_a}) == len(patients)


# -- lot recall -----------------------------------------------------------------------------------
def test_lot_recall_lists_every_patient_and_session_that_got_the_lot(
        store: Store, data_dir: Path, tmp_path: Path, capsys: Any) -> None:
    lot = "LOT-RECALL-7"
    signed = _signed(store)
    picked = [signed[3], signed[20], signed[41]]
    amend = demo_amender(store)
    amend(picked[0]["id"], "cartridge_lot", lot, "Lot misread at the session")
    amend(picked[1]["id"], "cartridge_lot", " lot-recall-7 ", "Lot misread at the session")
    amend(picked[2]["id"], "cartridge_lot", "LOT-RECALL-70", "Another lot")
    rows = store.summaries()
    expected = {picked[0]["id"], picked[1]["id"]}
    store.close()
    assert main(["export", "--lot", lot, "--data-dir", str(data_dir)]) == 0
    printed = capsys.readouterr().out
    for r in rows:
        assert (r["id"] in printed) == (r["id"] in expected)
        if r["id"] in expected:
            assert r["patient_name"] in printed
    out = tmp_path / "recall.csv"
    assert main(["export", "--lot", lot, "-o", str(out), "--data-dir", str(data_dir)]) == 0
    assert {r["session_id"] for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))} == expected
    assert main(["export", "--lot", "NO-SUCH-LOT", "--data-dir", str(data_dir)]) == 0
    assert "No session used" in capsys.readouterr().out


def test_lot_recall_dialog_counts_hits(qtbot: Any, ctx: UiContext) -> None:
    from microneedle_desk.ui.review_menu import recall_dialog

    lot = ctx.store.summaries()[0]["cartridge_lot"].lower()
    dialog = recall_dialog(None, ctx, lot)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    assert dialog.property("hits") == len(export.lot_recall(ctx.store.summaries(), lot)) > 0


# -- start-up stays lean ----------------------------------------------------------------------
def test_building_the_main_window_adds_review_menu_without_importing_pyqtgraph(data_dir: Path) -> None:
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from microneedle_desk import paths\n"
        f"paths.set_data_dir({str(data_dir)!r})\n"
        "from microneedle_desk.app import build_window\n"
        "from microneedle_desk.core.clock import FakeClock\n"
        "w, lock = build_window(FakeClock(), interactive=False)\n"
        "menus = [a.text() for a in w.menuBar().actions()]\n"
        "print('REVIEW' if '&Review' in menus else 'NO-REVIEW')\n"
        "print('PYQTGRAPH' if any(m.startswith('pyqtgraph') for m in sys.modules) else 'LEAN')\n"
        "lock.release()\n"
    )
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["REVIEW", "LEAN"]
