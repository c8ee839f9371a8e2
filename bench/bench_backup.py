"""The backup benchmark: results written to bench/results/backup.{json,md}.

    .venv/bin/python bench/bench_backup.py                 # 10,000, 50,000 and 150,000 sessions (make bench)
    .venv/bin/python bench/bench_backup.py --sizes 10000   # one size (the others keep their last figures)

The 150,000-session store (ten years) takes the better part of an hour to build; a store built
already can stand in: bench/.work/store-150000 may be a link to it (it is only hard-link copied).

For each demo store (built once under bench/.work/ by ``demo-data``):

1. a first backup, then 13 next-day backups, each after 20 new sessions (``demo-data``'s
   generator, dated after the store's last day), each with its encrypted copy to a second
   location: bytes written in the data folder's ``backups/`` and in the second location,
   seconds, and the process's peak memory above its memory just before the backup (VmHWM
   reset through /proc/self/clear_refs; a fresh process per backup, as a start of the day is);
2. the 14 backups' size against the store's (everything in the data folder but backups);
3. the first frame of the app on that store with no check cache (a first opening: cold) and
   with one (warm), fresh processes (bench/startup_child.py), median of 5.

Baselines beside each figure: the previous backup (one full zip per backup, built in memory),
whose size is measured here by zipping the same files; its peak memory and the cold first
frame are the figures measured before this work (the issue's).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from run import RESULTS, WORK, _build_store, _env, _link_copy, _run_child  # noqa: E402

# The figures measured before this work (zip in memory, full copies), by size.
BEFORE_PEAK_MB = {10000: {"first": 125, "next": 85}, 50000: {"first": 321, "next": 125}}
BEFORE_COLD_S = {10000: "2.3-3.1", 50000: "12.7-16"}
DAYS = 14
NEW_PER_DAY = 20


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child_backup(data: str, usb: str, stamp: str) -> int:
    """One day's backup and its encrypted copy, in this process; prints one JSON line."""
    from PySide6.QtCore import QSaveFile  # noqa: F401 - loaded in the app long before a backup

    from microneedle_desk.store import backup, backup_repo, offsite  # noqa: F401

    root = Path(data)
    now = datetime.fromisoformat(stamp)
    idle_kb = _status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")  # VmHWM := VmRSS
    t0 = time.perf_counter()
    taken = backup.take_backup(root, now, DAYS, "daily")
    t1 = time.perf_counter()
    offsite.copy_backup(root, taken, Path(usb), DAYS)
    t2 = time.perf_counter()
    peak_kb = _status_kb("VmHWM")
    print(json.dumps({"backup_s": round(t1 - t0, 2), "copy_s": round(t2 - t1, 2),
                      "peak_above_idle_mb": round((peak_kb - idle_kb) / 1024, 1), "idle_mb": round(idle_kb / 1024, 1)}))
    return 0


def child_add(data: str, day: int) -> int:
    """A clinic day: twenty new demo sessions, all on the ``day``-th day after the store's last
    (the demo generator's courses, every visit put on that one day, as a day's work is)."""
    from datetime import time as clock_time
    from datetime import timedelta

    from microneedle_desk import paths
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.review import demo_values
    from microneedle_desk.review.demo_session import DemoGenerator
    from microneedle_desk.store.store import Store

    store = Store(Path(data), load_protocol(paths.protocol_file()), FakeClock())
    when = demo_values.END_DATE + timedelta(days=day)
    gen = DemoGenerator(store, 1000 + day, when)
    taken = [int(p.clinic_id[5:]) for p in store.patients()
             if p.clinic_id.startswith("DEMO-") and p.clinic_id[5:].isdigit()]
    visits = gen.plan(NEW_PER_DAY, max(taken, default=0) + 1)
    store.import_patients(sorted({id(c): c.patient for _, c in visits}.values(), key=lambda p: p.clinic_id))
    batch = []
    for n, (_day, course) in enumerate(visits):
        start = datetime.combine(when, clock_time(8, 0), demo_values.TZ) + timedelta(minutes=25 * n)
        batch.append(gen.run_session(course, start))
        course.done += 1
    store.import_finished(batch)
    store.close()
    return 0


def _size(folder: Path, skip: str = "") -> int:
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        if skip and Path(dirpath) == folder and skip in dirnames:
            dirnames.remove(skip)
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in filenames)
    return total


def _zip_size(root: Path) -> int:
    """What one backup of the previous kind (a full zip of the data files) takes."""
    from microneedle_desk.store.backup import data_files

    target = WORK / "baseline.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in data_files(root):
            zf.write(root / rel, rel.as_posix())
    size = target.stat().st_size
    target.unlink()
    return size


def _run(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=_env(),
                         timeout=3600, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {out.stderr[-2000:]}")
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def _first_frame(data: Path, cold: bool, rounds: int) -> dict[str, Any]:
    from microneedle_desk import paths

    values = []
    for n in range(rounds + 1):
        if cold:
            paths.check_cache_file(data).unlink(missing_ok=True)
        t0 = time.monotonic()
        out = _run_child("app", str(data))
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-2000:])
        info = json.loads(out.stdout.strip().splitlines()[-1])
        if n:  # the first is untimed: bytecode cached, files in the page cache
            values.append(info["painted"] - t0)
    return {"median_ms": round(statistics.median(values) * 1000), "min_ms": round(min(values) * 1000),
            "max_ms": round(max(values) * 1000), "n": len(values)}


def measure(size: int, rounds: int) -> dict[str, Any]:
    from microneedle_desk import paths
    from microneedle_desk.core.clock import SystemClock
    from microneedle_desk.store.backup_keys import make_key
    from microneedle_desk.store.check import check_store

    print(f"{size:,} sessions: building the store (once)...", flush=True)
    data = WORK / f"backup-{size}"
    _link_copy(_build_store(size), data)
    usb = WORK / f"backup-{size}-usb"
    import shutil

    shutil.rmtree(usb, ignore_errors=True)
    usb.mkdir()
    make_key(data, SystemClock().now(), "bench")
    zip_size = _zip_size(data)
    days = []
    for day in range(DAYS):
        if day:
            _run(["--child-add", str(data), str(day)])
        before_local, before_usb = _size(paths.backups_dir(data)), _size(usb)
        stamp = f"2027-01-{day + 1:02d}T09:00:00+00:00"
        info = _run(["--child-backup", str(data), str(usb), stamp])
        info |= {"written_mb": round((_size(paths.backups_dir(data)) - before_local) / 1e6, 2),
                 "written_usb_mb": round((_size(usb) - before_usb) / 1e6, 2)}
        days.append(info)
        print(f"  day {day + 1}: {info}", flush=True)
    store_mb = _size(data, skip="backups") / 1e6
    backups_mb = _size(paths.backups_dir(data)) / 1e6
    print("  first frame, cold and warm...", flush=True)
    cold = _first_frame(data, cold=True, rounds=rounds)
    from microneedle_desk.core.protocol import load_protocol

    check_store(data, load_protocol(paths.protocol_file()), deep=False, use_cache=True)  # the cache: warm
    warm = _first_frame(data, cold=False, rounds=rounds)
    nexts = days[1:]
    result = {
        "sessions": size, "store_mb": round(store_mb, 1),
        "first": days[0], "next_day_median": {k: round(statistics.median(d[k] for d in nexts), 2)
                                               for k in ("written_mb", "written_usb_mb", "peak_above_idle_mb",
                                                         "backup_s", "copy_s")},
        "next_day_max_written_mb": max(d["written_mb"] for d in nexts),
        "next_day_max_peak_mb": max(d["peak_above_idle_mb"] for d in nexts),
        "backups_14_mb": round(backups_mb, 1), "backups_14_ratio": round(backups_mb / store_mb, 3),
        "usb_14_mb": round(_size(usb) / 1e6, 1),
        "baseline_zip_mb": round(zip_size / 1e6, 1), "baseline_14_mb": round(DAYS * zip_size / 1e6, 1),
        "baseline_14_ratio": round(DAYS * zip_size / 1e6 / store_mb, 2),
        "baseline_peak_mb": BEFORE_PEAK_MB.get(size), "baseline_cold_s": BEFORE_COLD_S.get(size),
        "first_frame_cold": cold, "first_frame_warm": warm,
        "cold_to_warm": round(cold["median_ms"] / warm["median_ms"], 2), "days": days,
    }
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(usb, ignore_errors=True)
    return result


def write_markdown(results: dict[str, Any], path: Path) -> None:
    lines = ["# Backup benchmark", "",
             f"Run {results['when']} on {results['machine']['cpus']} CPU(s), {results['machine']['platform']}, "
             f"Python {results['machine']['python']}. Command: `{results['command']}`. Raw figures: `backup.json`.",
             "", "Targets: 14 daily backups of a 50,000-session store ≤ 1.2× the store; a day's backup after 20 new "
             "sessions writes ≤ 2 MB; peak memory ≤ 30 MB above idle; a first opening's first frame as a warm "
             "start's. Baselines: the previous backups (a full zip each, built in memory), their size measured here "
             "by zipping the same files, their peak memory and the cold start as measured before this work.", "",
             "| sessions (run at, load average 1/5/15 min) "
             "| store MB | first backup MB (baseline zip) | next-day backup MB, median / max "
             "(baseline) | encrypted copy MB, first / next-day | 14 backups MB, × store (baseline) "
             "| peak above idle MB, first / next-day max (baseline) | backup s, first / next | "
             "first frame ms cold / warm, × (baseline cold) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["sizes"]:
        base_peak = r["baseline_peak_mb"] or {}
        lines.append(
            f"| {r['sessions']:,} ({r.get('when', results['when'])}, "
            f"{' / '.join(str(x) for x in r.get('load_average_1_5_15', ['n/a']))}) "
            f"| {r['store_mb']} | {r['first']['written_mb']} ({r['baseline_zip_mb']}) | "
            f"{r['next_day_median']['written_mb']} / {r['next_day_max_written_mb']} ({r['baseline_zip_mb']}) | "
            f"{r['first']['written_usb_mb']} / {r['next_day_median']['written_usb_mb']} | "
            f"{r['backups_14_mb']}, {r['backups_14_ratio']}× ({r['baseline_14_mb']}, {r['baseline_14_ratio']}×) | "
            f"{r['first']['peak_above_idle_mb']} / {r['next_day_max_peak_mb']} "
            f"({base_peak.get('first', 'n/a')} / {base_peak.get('next', 'n/a')}) | "
            f"{r['first']['backup_s']} / {r['next_day_median']['backup_s']} | "
            f"{r['first_frame_cold']['median_ms']} / {r['first_frame_warm']['median_ms']}, {r['cold_to_warm']}× "
            f"({r['baseline_cold_s'] or 'n/a'} s) |")
    notes = ""
    if path.exists():  # the notes written under the table stay
        text = path.read_text(encoding="utf-8")
        notes = text[text.index("## Notes"):] if "## Notes" in text else ""
    path.write_text("\n".join(lines) + "\n" + ("\n" + notes if notes else ""), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,50000,150000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child-backup", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-add", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_backup:
        return child_backup(*args.child_backup)
    if args.child_add:
        return child_add(args.child_add[0], int(args.child_add[1]))
    WORK.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {"when": datetime.now().astimezone().isoformat(timespec="seconds"),
               "command": " ".join([".venv/bin/python bench/bench_backup.py", *sys.argv[1:]]),
               "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                           "python": platform.python_version()},
               "sizes": []}
    for size in sizes:
        load = os.getloadavg()
        result = measure(size, args.rounds)
        result["when"] = datetime.now().astimezone().isoformat(timespec="seconds")
        # the machine's load average, the mean of before and after this size's run
        result["load_average_1_5_15"] = [round((a + b) / 2, 2) for a, b in zip(load, os.getloadavg(), strict=True)]
        results["sizes"].append(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    earlier = RESULTS / "backup.json"
    if earlier.exists():  # sizes not run this time keep their figures (each row says when it was run)
        before = json.loads(earlier.read_text(encoding="utf-8"))
        kept = [r for r in before.get("sizes", []) if r["sessions"] not in sizes]
        for r in kept:
            r.setdefault("when", before.get("when"))
        results["sizes"] = sorted(kept + results["sizes"], key=lambda r: r["sessions"])
    (RESULTS / "backup.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    write_markdown(results, RESULTS / "backup.md")
    print((RESULTS / "backup.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
