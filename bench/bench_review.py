"""Review at scale (issue 5): history, filter keystroke, patient course, dashboard, CSV export.

    .venv/bin/python bench/bench_review.py [--sizes 10000 50000]

Uses the demo stores bench/run.py builds in bench/.work/store-N (opened read-only, never
changed). Each size runs in its own child process (a cold Store, its own memory figures);
the dashboard is timed in a further fresh child so the pyqtgraph import is counted.
Writes bench/results/review.json and review.md.

Targets: history first rows ≤ 300 ms at 10,000; filter keystroke ≤ 50 ms; patient course
≤ 100 ms; dashboard incl. pyqtgraph import ≤ 1 s; CSV export of 10,000 ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / ".work"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGETS = {"history_first_rows_ms": 300.0, "keystroke_max_ms": 50.0, "course_ms": 100.0,
           "dashboard_ms": 1000.0, "csv_export_ms": 2000.0}
TYPED = "demo patient 0042"


def _mem() -> dict[str, float]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            out[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    return out


def _ctx(root: Path) -> Any:
    from microneedle_desk import paths
    from microneedle_desk.core.clock import SystemClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.settings import Settings
    from microneedle_desk.store.store import Store
    from microneedle_desk.ui.context import UiContext
    from microneedle_desk.ui.controller import SessionController

    protocol = load_protocol(paths.protocol_file())
    clock = SystemClock()
    store = Store(root, protocol, clock, read_only=True)
    settings = Settings(protocol, Path(tempfile.mkdtemp()) / "settings.ini")
    return UiContext(protocol, clock, store, settings, SessionController(protocol, clock, store))


def child_main(root: Path) -> dict[str, Any]:
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    out: dict[str, Any] = {"mem_start": _mem()}
    t0 = time.perf_counter()
    ctx = _ctx(root)
    from microneedle_desk.review import history
    from microneedle_desk.ui.history_view import HistoryWindow

    t_import = time.perf_counter()
    summaries = ctx.store.summaries()
    out["summaries_ms"] = round((time.perf_counter() - t_import) * 1000, 1)
    ctx.store.close()  # a cold store again for the window
    ctx = _ctx(root)
    painted: list[float] = []

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
            return False

    spy = FirstPaint()
    t1 = time.perf_counter()
    window = HistoryWindow(ctx)
    window.table.viewport().installEventFilter(spy)
    window.show()
    app.processEvents()  # the first paint
    t2 = painted[0] if painted else time.perf_counter()
    out["first_rows_shown"] = window.model.rowCount()
    out["history_first_rows_ms"] = round((t2 - t1) * 1000, 1)
    out["store_open_ms"] = round((t1 - t0) * 1000, 1)
    # older months fill in between events (search text and sort keys made as they come);
    # the paint of the last batch included
    gaps: list[float] = []
    while window.loading:
        g0 = time.perf_counter()
        app.processEvents()
        gaps.append((time.perf_counter() - g0) * 1000)
        if window.loading:
            time.sleep(0.001)
    app.processEvents()
    out["sessions"] = window.model.rowCount()
    out["prepare_rows_ms"] = round((time.perf_counter() - t2) * 1000, 1)  # first paint -> all rows in
    out["fill_turn_max_ms"] = round(max(gaps, default=0.0), 1)
    out["mem_history"] = _mem()
    # keystrokes into the search box, each followed by the repaint
    times = []
    window.search.setFocus()
    for ch in TYPED:
        k0 = time.perf_counter()
        QTest.keyClicks(window.search, ch)
        app.processEvents()
        times.append((time.perf_counter() - k0) * 1000)
    out["keystroke_ms"] = [round(t, 1) for t in times]
    out["keystroke_median_ms"] = round(statistics.median(times), 1)
    out["keystroke_max_ms"] = round(max(times), 1)
    out["rows_after_typing"] = window.model.rowCount()
    window.search.clear()
    app.processEvents()
    s0 = time.perf_counter()
    window.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    app.processEvents()
    out["sort_by_patient_ms"] = round((time.perf_counter() - s0) * 1000, 1)
    flags = []
    for box in (window.with_effects, window.with_effects):
        f0 = time.perf_counter()
        box.toggle()
        app.processEvents()
        flags.append((time.perf_counter() - f0) * 1000)
    out["flag_toggle_ms"] = [round(t, 1) for t in flags]
    # patient course: the patient with the most sessions
    from microneedle_desk.review.course import patient_course

    counts: dict[str, int] = {}
    for r in summaries:
        counts[str(r["patient_id"])] = counts.get(str(r["patient_id"]), 0) + 1
    pid = max(counts, key=lambda p: counts[p])
    runs = []
    for _ in range(5):
        c0 = time.perf_counter()
        course = patient_course(ctx.store, pid)
        runs.append((time.perf_counter() - c0) * 1000)
    out["course_sessions"] = len(course.entries)
    out["course_first_ms"] = round(runs[0], 1)
    out["course_ms"] = round(statistics.median(runs), 1)
    from microneedle_desk.ui.course_view import CourseWindow

    w0 = time.perf_counter()
    cw = CourseWindow(ctx, pid)
    cw.show()
    app.processEvents()
    out["course_window_ms"] = round((time.perf_counter() - w0) * 1000, 1)
    # CSV export of the newest 10,000 sessions (and of all)
    from microneedle_desk.review import export

    newest = sorted(summaries, key=lambda r: str(r["started_at"]))[-10000:]
    for label, rows in (("csv_export_ms", newest), ("csv_export_all_ms", summaries)):
        e0 = time.perf_counter()
        recs = export.records(ctx.store, rows)
        text = export.to_csv(recs)
        with tempfile.TemporaryDirectory() as tmp:
            export.write_private(Path(tmp) / "s.csv", text)
        out[label] = round((time.perf_counter() - e0) * 1000, 1)
    out["csv_export_rows"] = len(newest)
    out["mem_end"] = _mem()
    _ = history
    return out


def dashboard_child(root: Path) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    ctx = _ctx(root)
    ctx.store.summaries()  # the dashboard is opened from a running app: the index is read
    assert "pyqtgraph" not in sys.modules
    d0 = time.perf_counter()
    import pyqtgraph  # the dashboard imports it on opening; timed apart inside the total

    import_ms = (time.perf_counter() - d0) * 1000
    _ = pyqtgraph
    from microneedle_desk.ui.dashboard_view import DashboardWindow

    dash = DashboardWindow(ctx)
    dash.show()
    app.processEvents()
    total = (time.perf_counter() - d0) * 1000
    r0 = time.perf_counter()
    dash.period.setCurrentIndex(1)
    app.processEvents()
    redraw = (time.perf_counter() - r0) * 1000
    return {"dashboard_ms": round(total, 1), "pyqtgraph_import_ms": round(import_ms, 1),
            "dashboard_redraw_ms": round(redraw, 1),
            "dashboard_sessions_in_range": dash.data.total, "mem_dashboard": _mem()}


def run_child(kind: str, root: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, f"--{kind}", str(root)], capture_output=True,
                          text=True, check=False, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ok(value: float | None, key: str) -> str:
    return "yes" if value is not None and value <= TARGETS[key] else "no"


def write_md(doc: dict[str, Any]) -> None:
    lines = ["# Review benchmark", "",
             f"Run {doc['when']} on {doc['cpus']} CPU(s), {doc['platform']}, Python {doc['python']}, "
             "Qt platform offscreen. Command: `.venv/bin/python bench/bench_review.py`. "
             "Raw figures: `review.json`. Demo stores from `bench/run.py` (bench/.work/store-N), read-only.",
             "", "| sessions | history first rows ms | all rows in ms (longest turn) | keystroke median / max ms "
             "| sort ms | course ms (first) | dashboard ms | CSV 10k ms | CSV all ms | RSS history MB | peak RSS MB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in doc["sizes"]:
        lines.append(
            f"| {r['sessions']:,} | {r['history_first_rows_ms']} | {r['prepare_rows_ms']} ({r['fill_turn_max_ms']}) | "
            f"{r['keystroke_median_ms']} / {r['keystroke_max_ms']} | {r['sort_by_patient_ms']} | "
            f"{r['course_ms']} ({r['course_first_ms']}) | {r['dashboard_ms']} | {r['csv_export_ms']} | "
            f"{r['csv_export_all_ms']} | {r['mem_history'].get('VmRSS')} | {r['mem_end'].get('VmHWM')} |")
    lines += ["", "Targets: history first rows ≤ 300 ms at 10,000; keystroke ≤ 50 ms; course ≤ 100 ms; "
              "dashboard (incl. pyqtgraph import) ≤ 1 s; CSV export of 10,000 ≤ 2 s.", ""]
    for r in doc["sizes"]:
        ok = {k: _ok(r[k], k) for k in TARGETS}
        lines.append(f"- {r['sessions']:,}: within target — first rows {ok['history_first_rows_ms']}, "
                     f"keystroke {ok['keystroke_max_ms']}, course {ok['course_ms']}, "
                     f"dashboard {ok['dashboard_ms']}, CSV {ok['csv_export_ms']}. "
                     f"First paint showed {r['first_rows_shown']:,} real rows (the newest month); a cold "
                     f"`Store.summaries()` of every month takes {r['summaries_ms']} ms. pyqtgraph import "
                     f"{r['pyqtgraph_import_ms']} ms of the dashboard's {r['dashboard_ms']} ms.")
    lines += ["", "History first rows = building the window (the sessions in progress and the newest month's "
              "index rows, one light row object each, model, table) to the first painted frame of those real "
              "rows. All rows in = from that paint until every older month is read, its rows made, prepared "
              "(search text, sort keys) and added to the table, in turns of ~25 ms between events; the longest "
              "turn in brackets (how long a keystroke could wait while it fills). Keystroke (after all rows are "
              "in) = one character typed into the search "
              "box (filter over all rows, model reset, repaint), for each character of "
              f"“{TYPED}”. Course = `patient_course` for the patient with most sessions (median of 5; first run in "
              "brackets). Dashboard = import of pyqtgraph and the dashboard module, building six charts, first "
              "paint, in a fresh process. CSV = records, CSV text and the file written.", ""]
    (RESULTS / "review.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="*", type=int, default=[10000, 50000])
    parser.add_argument("--child", type=Path)
    parser.add_argument("--dashboard", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_main(args.child)))
        return 0
    if args.dashboard:
        print(json.dumps(dashboard_child(args.dashboard)))
        return 0
    sizes = []
    for n in args.sizes:
        root = WORK / f"store-{n}"
        if not (root / "meta.json").exists():
            print(f"missing {root}: run bench/run.py first (it builds the demo stores)", file=sys.stderr)
            return 1
        result = run_child("child", root)
        result.update(run_child("dashboard", root))
        result["store"] = str(root.relative_to(ROOT))
        sizes.append(result)
        print(json.dumps({k: v for k, v in result.items() if not isinstance(v, (list, dict))}))
    doc = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(), "platform": platform.platform(),
           "python": platform.python_version(), "targets": TARGETS, "sizes": sizes}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "review.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    write_md(doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
