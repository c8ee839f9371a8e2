"""The Due list at clinic scale: the Due page opening and ``recall`` on 50,000 sessions.

    .venv/bin/python bench/bench_due.py [--sessions 50000] [--rounds 5]     # or: make bench-due

Builds (once) a demo store of ``--sessions`` sessions in bench/.work/due-N (about 6,300 demo
patients at 50,000, with courses in every state), then measures, each in a fresh process:

1. the Due page opening: from building the window to its first painted frame with every row
   in its model, in the real window with the app's context (the derived visit days present,
   as after the app's first use), median of ``--rounds``;
2. the same once after the derived visit days were removed (their first derivation);
3. ``microneedle-desk recall --format csv -o FILE``: the whole command, process start to exit,
   median of ``--rounds``.

Targets: Due page ≤ 300 ms; recall ≤ 2 s. Writes bench/results/due.json and due.md.
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
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
TARGETS = {"due_page_ms": 300.0, "recall_ms": 2000.0}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(ROOT)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app caches its bytecode
    if not env.get("XDG_RUNTIME_DIR"):
        runtime = Path(tempfile.gettempdir()) / f"microneedle-bench-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


def build(sessions: int) -> tuple[Path, dict[str, Any]]:
    store = WORK / f"due-{sessions}"
    marker = store / ".complete"
    if not marker.exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "microneedle_desk", "demo-data", "--sessions", str(sessions),
                        "--seed", "2", "--data-dir", str(store)], env=_env(), check=True)
        marker.write_text(json.dumps({"build_s": round(time.perf_counter() - t0, 1)}))
    info = json.loads((store / "patients.json").read_text())
    return store, {"sessions": sessions, "patients": len(info.get("patients", {}))}


def child(store: str, as_of: str) -> None:
    """One Due page opening in this fresh process; prints its figures as JSON."""
    from PySide6.QtWidgets import QApplication

    from microneedle_desk import paths
    from microneedle_desk.core.clock import SystemClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.settings import Settings
    from microneedle_desk.store.store import Store
    from microneedle_desk.ui.context import UiContext
    from microneedle_desk.ui.controller import SessionController

    app = QApplication([])
    protocol = load_protocol(paths.protocol_file())
    clock = SystemClock()
    records = Store(Path(store), protocol, clock)
    settings = Settings(protocol, Path(tempfile.mkdtemp()) / "settings.ini")
    ctx = UiContext(protocol, clock, records, settings, SessionController(protocol, clock, records))
    from datetime import date

    from microneedle_desk.ui.due_view import DueWindow

    t0, c0 = time.perf_counter(), time.process_time()
    window = DueWindow(ctx, as_of=date.fromisoformat(as_of))
    window.resize(1300, 700)
    window.show()
    window.repaint()
    app.processEvents()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    states: dict[str, int] = {}
    for row in window.model.rows:
        states[row.state] = states.get(row.state, 0) + 1
    print(json.dumps({"ms": round(elapsed * 1000, 1), "cpu_ms": round(cpu * 1000, 1),
                      "rows": window.model.rowCount(), "states": states}))


def _median(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1),
            "max": round(max(values), 1), "n": len(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    store, info = build(args.sessions)
    last = max(name for name in os.listdir(store / "sessions") if name.endswith(".json"))[:10]
    as_of = last  # the day after the history ends would do as well; any day reads every record

    def page() -> dict[str, Any]:
        out = subprocess.run([sys.executable, __file__, "--child", str(store), as_of], env=_env(), check=True,
                             capture_output=True, text=True).stdout
        return dict(json.loads(out.strip().splitlines()[-1]))

    def recall(output: Path) -> tuple[float, float]:
        t0 = time.perf_counter()
        before = os.times()
        subprocess.run([sys.executable, "-m", "microneedle_desk", "--data-dir", str(store), "recall", "--as-of",
                        as_of, "--format", "csv", "-o", str(output)], env=_env(), check=True, capture_output=True)
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        return (time.perf_counter() - t0) * 1000, cpu * 1000

    from microneedle_desk import paths

    for derived in (paths.visits_index_file(store), paths.due_courses_file(store)):
        derived.unlink(missing_ok=True)
    first = page()  # derives the visit days (read-write store): the first opening ever
    pages = [page() for _ in range(args.rounds)]
    with tempfile.TemporaryDirectory() as tmp:
        timed = [recall(Path(tmp) / f"due-{i}.csv") for i in range(args.rounds)]
        with open(Path(tmp) / "due-0.csv", encoding="utf-8") as f:
            recall_rows = sum(1 for _ in f) - 1
    due_ms = _median([p["ms"] for p in pages])
    due_cpu = _median([p["cpu_ms"] for p in pages])
    recall_ms = _median([t[0] for t in timed])
    recall_cpu = _median([t[1] for t in timed])
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "machine": platform.platform(),
        "python": platform.python_version(), "cpus": os.cpu_count(), "load_avg": os.getloadavg(),
        "store": info, "as_of": as_of, "rows": pages[0]["rows"], "states": pages[0]["states"],
        "due_page_ms": due_ms, "due_page_cpu_ms": due_cpu, "due_page_first_derivation_ms": first["ms"],
        "recall_ms": recall_ms, "recall_cpu_ms": recall_cpu,
        "recall_rows": recall_rows, "targets": TARGETS,
        "within_targets": {"due_page_wall": due_ms["median"] <= TARGETS["due_page_ms"],
                           "due_page_cpu": due_cpu["median"] <= TARGETS["due_page_ms"],
                           "recall_wall": recall_ms["median"] <= TARGETS["recall_ms"],
                           "recall_cpu": recall_cpu["median"] <= TARGETS["recall_ms"]},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "due.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Due list benchmark", "",
        f"{info['sessions']:,} sessions, {info['patients']:,} patients (demo data, courses in every state); "
        f"as of {as_of}; {result['machine']}, Python {result['python']}, {result['cpus']} CPUs, "
        f"load average {', '.join(f'{x:.1f}' for x in result['load_avg'])}.", "",
        "Wall time is what a person waits; on a machine other work shares, the process's own CPU time",
        "shows what the code costs without that wait.", "",
        "| measure | wall median | wall min | wall max | CPU median | target |", "|---|---|---|---|---|---|",
        f"| Due page opens (first frame, {pages[0]['rows']:,} rows) | {due_ms['median']} ms | {due_ms['min']} ms "
        f"| {due_ms['max']} ms | {due_cpu['median']} ms | ≤ {TARGETS['due_page_ms']:.0f} ms |",
        f"| Due page, first opening ever (visit days and courses derived) | {first['ms']} ms | | | "
        f"{first['cpu_ms']} ms | |",
        f"| `recall --format csv -o FILE`, whole command | {recall_ms['median']} ms | {recall_ms['min']} ms "
        f"| {recall_ms['max']} ms | {recall_cpu['median']} ms | ≤ {TARGETS['recall_ms']:.0f} ms |", "",
        "States: " + ", ".join(f"{k} {v}" for k, v in sorted(pages[0]["states"].items())), "",
    ]
    (RESULTS / "due.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
