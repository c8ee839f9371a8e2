"""Section 3 of the session benchmark on its own: step saves and sign-offs against the history's
size, with a baseline (another checkout's code, e.g. main's) measured in the same run.

    .venv/bin/python bench/run.py --store-only [--sizes 10000,50000,150000] [--rounds 2]
                                  [--baseline DIR] [--write]

Each measurement is a child process running that checkout's ``bench/run.py`` ``measure_store`` on a
hard-link copy of the same demo store, on the same day; the checkouts alternate in each round, so
both meet the same load. ``--baseline DIR`` is a checkout (``git worktree`` or ``git archive``) of
the code to compare with; without it only this checkout is measured.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent

# Runs in a child with ``root`` (a checkout) first on the path. An older checkout's measure_store
# takes the day from demo_values.END_DATE, so the day is set there too.
_CHILD = """
import json, sys
from datetime import date
from pathlib import Path
root, size, sessions, day = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), date.fromisoformat(sys.argv[4])
sys.path[0:0] = [str(root), str(root / "bench")]
import microneedle_desk.review.demo_values as demo_values
demo_values.END_DATE = day
import run
try:
    result = run.measure_store(size, sessions, day=day)
except TypeError:  # a checkout whose measure_store has no day
    result = run.measure_store(size, sessions)
print("RESULT " + json.dumps(result))
"""


def fullest_day(store_dir: Path) -> date:
    """The busiest day of the month with the largest history index: where a sign-off wrote the
    most before the index was split (the worst realistic case, not the last, sparse day)."""
    index = store_dir / "index"
    months = sorted(index.glob("*.json"), key=lambda p: p.stat().st_size)
    if not months:
        return date(2026, 10, 30)  # an empty store: the demo history's last day
    days = sorted((store_dir / "sessions").glob(f"{months[-1].stem}-*.json"), key=lambda p: p.stat().st_size)
    return date.fromisoformat(days[-1].stem) if days else date.fromisoformat(months[-1].stem + "-15")


def day_facts(store_dir: Path, day: date) -> dict[str, Any]:
    """How full that day and its month are in the store as built."""
    day_file = store_dir / "sessions" / f"{day.isoformat()}.json"
    month_file = store_dir / "index" / f"{day.strftime('%Y-%m')}.json"
    rows = 0
    if month_file.exists():
        rows = len(json.loads(month_file.read_text(encoding="utf-8")).get("summaries", {}))
    return {"day": day.isoformat(), "day_file_kb": round(day_file.stat().st_size / 1024) if day_file.exists() else 0,
            "month_rows": rows}


def bare_save(path: Path, size: int) -> float:
    """One atomic QSaveFile write of ``size`` bytes, as a step save's file write alone (the floor)."""
    from PySide6.QtCore import QIODevice, QSaveFile

    t = time.perf_counter()
    f = QSaveFile(str(path))
    f.open(QIODevice.OpenModeFlag.WriteOnly)
    f.write(b"x" * size)
    f.commit()
    return time.perf_counter() - t


def _run_child(code: Path, size: int, sessions: int, day: date, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(code), str(size), str(sessions), day.isoformat()],
                         cwd=code, env=env, capture_output=True, text=True, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"the store measurement in {code} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


def _merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs of one size as one row: the median of each figure's per-run medians."""
    row = dict(runs[-1])
    row["runs"] = len(runs)
    for key, value in runs[-1].items():
        if isinstance(value, dict) and "median" in value:
            row[key] = dict(value) | {k: round(statistics.median(r[key][k] for r in runs), 2)
                                      for k in ("median", "p90", "max", "min") if k in value}
            row[key]["n"] = sum(r[key].get("n", 0) for r in runs)
    for key in ("first_sign_off_ms", "open_and_recover_ms"):
        if key in row:
            row[key] = round(statistics.median(r[key] for r in runs), 1)
    return row


def measure(sizes: list[int], sessions: int, rounds: int, baseline: Path | None, env: dict[str, str],
            store_source: Any, work: Path) -> dict[str, Any]:
    mine: list[dict[str, Any]] = []
    base: list[dict[str, Any]] = []
    loads: list[list[float]] = []
    for size in sizes:
        src = store_source(size, work)
        if src is None:
            print(f"no finished demo store of {size:,} sessions: left out", flush=True)
            continue
        day = fullest_day(src)
        runs: dict[str, list[dict[str, Any]]] = {"this": [], "baseline": []}
        for r in range(rounds):
            order = [("this", HERE), ("baseline", baseline.resolve() if baseline else None)]
            if r % 2:
                order.reverse()
            for label, code in order:
                if code is None:
                    continue
                print(f"  {size:,} sessions, {label}, round {r + 1}...", flush=True)
                runs[label].append(_run_child(code, size, sessions, day, env) | day_facts(src, day))
                loads.append([round(x, 2) for x in os.getloadavg()])
        mine.append(_merge(runs["this"]))
        if runs["baseline"]:
            base.append(_merge(runs["baseline"]))
    return {"store": mine, "store_baseline": base, "store_rounds": rounds, "store_loads": loads,
            "store_baseline_code": str(baseline) if baseline else None}


def _store_table(rows: list[dict[str, Any]]) -> list[str]:
    def cpu(r: dict[str, Any], key: str) -> str:
        return str(r[key]["median"]) if key in r else "–"

    lines = ["| past sessions | day (day file KB, month rows) | step median ms | step CPU ms | bare save ms "
             "| step p90 | step max | sign-off median ms | sign-off CPU ms | sign-off max | first sign-off ms "
             "| session start median ms | open+recover ms | store MB | RSS after MB | demo-data build s "
             "| build peak RSS MB |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        day = f"{r['day']} ({r['day_file_kb']}, {r['month_rows']:,})" if "day" in r else "last day"
        lines.append(f"| {r['past_sessions']:,} | {day} | {r['step_save_ms']['median']} | "
                     f"{cpu(r, 'step_save_cpu_ms')} | {cpu(r, 'bare_save_floor_ms')} | {r['step_save_ms']['p90']} | "
                     f"{r['step_save_ms']['max']} | {r['sign_off_ms']['median']} | {cpu(r, 'sign_off_cpu_ms')} | "
                     f"{r['sign_off_ms']['max']} | {r['first_sign_off_ms']} | {r['session_start_ms']['median']} | "
                     f"{r['open_and_recover_ms']} | {r['store_size_mb']} | {r['rss_after_mb']} | "
                     f"{r['store_build_s']} | {r['store_build_peak_rss_mb']} |")
    return lines


def store_section(results: dict[str, Any]) -> list[str]:
    rounds = results.get("store_rounds")
    lines = [
        "", "## 3. Saving a step and signing off against the history's size", "",
        f"Demo stores made by `microneedle-desk demo-data` (bench/.work/, not committed). {results['store_sessions']} "
        "complete sessions run through `Session` with the accounts' guarded sink into `Store`, on the busiest day "
        "of the month with the largest history index (so each sign-off goes into the fullest day file and month "
        "there is). Times are the sink alone (wall; CPU = this process's own CPU time), each save atomic. "
        "\"bare save\" is a QSaveFile write (temporary file, fsync, rename) of the step's file size right after "
        "each step: what the disk alone costs. Targets at 150,000: step ≤ 5 ms, sign-off ≤ 50 ms (median).", "",
    ]
    if rounds:
        baseline = results.get("store_baseline_code")
        lines += [f"Command: `.venv/bin/python bench/run.py --store-only --rounds {rounds}"
                  f"{' --baseline ' + str(baseline) if baseline else ''}`"
                  f" ({results.get('store_when', '')}): each size measured {rounds} times in child processes, "
                  "alternating with the baseline; each figure is the median of the runs' figures. Load average "
                  f"(1, 5, 15 min) after each run: {', '.join(str(tuple(x)) for x in results.get('store_loads', []))}.",
                  ""]
    lines += _store_table(results["store"])
    if results.get("store_baseline"):
        lines += ["", "Baseline in the same run (the code before this change, same stores, same day):", "",
                  *_store_table(results["store_baseline"])]
    return lines
