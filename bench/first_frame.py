"""Start-up against the history's size, warm and cold, and the bundle against the source.

Used by bench/run.py (section 1). Every sample is a fresh process (bench/startup_child.py, or the
app's own entry point for the source/bundle comparison); the variants are interleaved in rounds so
that the shared machine's load falls on all of them alike. Each sample records wall time from
just before the spawn and the process's own CPU time (user + system, all its threads).

Variants:

- ``bare QMainWindow`` and ``minimal real window``: the floors (see startup_child.py);
- ``app, empty store``: a data folder with one account and no sessions; measured to the first
  usable frame: the window painted, its menus' parts in, and the sign-in dialog painted;
- ``app, N sessions, warm``: a hard-link copy of the demo store of N sessions whose check cache
  was built beforehand (a store this laptop has opened before);
- ``app, N sessions, cold``: the same with no check cache (after a restore, on a new laptop, after
  a sync pull): removed before every start;
- ``from source`` / ``bundle``: ``python -m microneedle_desk`` against the PyInstaller bundle's
  binary, both run to the end of start-up and exiting there (MICRONEEDLE_DESK_EXIT_AFTER_START),
  on the empty store: whole processes, wall and CPU time.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "startup_child.py"
SHARED_STORES = Path("/work/benchstores")
BUNDLE_BINARY = ROOT / "bench" / ".work" / "dist" / "microneedle-desk" / "microneedle-desk"
MINIMAL = "minimal real window"
EMPTY = "app, empty store"


def _spawn(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str, int, str]:
    """Run ``cmd``; return its start time, its end time, its stdout, exit code and stderr."""
    t0 = time.monotonic()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out, err = child.communicate(timeout=900)
    end = time.monotonic()
    return t0, end, out, child.returncode, err


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _stats(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    return {"n": len(ms), "median": round(statistics.median(ms), 1), "min": round(ms[0], 1),
            "max": round(ms[-1], 1)}


def store_source(size: int, work: Path) -> Path | None:
    """The finished demo store of ``size`` sessions (shared, else the benchmark's own), or None."""
    for folder in (SHARED_STORES / f"store-{size}", work / f"store-{size}"):
        if (folder / ".complete").exists():
            return folder
    return None


def link_copy(src: Path, dst: Path) -> None:
    """A copy that costs nothing: the store replaces files by rename, never writes in place."""
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, copy_function=os.link,
                    ignore=shutil.ignore_patterns("store.lock", ".complete", "check-cache.json", "backups"))


_PREPARE = """
import sys
from microneedle_desk import paths
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import load_protocol
from microneedle_desk.store.check import check_store
root = paths.Path(sys.argv[1])
protocol = load_protocol(paths.protocol_file())
if sys.argv[2] == "account":
    from microneedle_desk.store.accounts import AccountBook
    from microneedle_desk.store.store import Store
    store = Store(root, protocol, SystemClock())
    book = AccountBook(store)
    if book.needs_first_admin():
        book.create_first_admin("Demo Practitioner A", "246810")
    store.close()
else:  # a store this laptop opened before: its one-time upgrades done, its check cache written
    from microneedle_desk.store.store import Store
    Store(root, protocol, SystemClock()).close()
    problems = check_store(root, protocol, deep=False, use_cache=True)
    assert not problems, problems[:3]
    assert paths.check_cache_file(root).exists()
"""


def _prepare(root: Path, what: str, env: dict[str, str], code: Path = ROOT) -> None:
    """Make ``root`` ready with the app's code in the folder ``code`` (each version its own)."""
    subprocess.run([sys.executable, "-c", _PREPARE, str(root), what], cwd=code, env=env, check=True,
                   capture_output=True, text=True)


def _cold(root: Path) -> None:
    """As a store copied here: no check cache, no leftovers of an earlier start's background work."""
    (root / "check-cache.json").unlink(missing_ok=True)
    shutil.rmtree(root / "backups", ignore_errors=True)


def variants(work: Path, sizes: list[int], env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Set up the folders; return label -> how to start it."""
    empty = work / "startup-empty"
    shutil.rmtree(empty, ignore_errors=True)
    out: dict[str, dict[str, Any]] = {
        "bare QMainWindow": {"cmd": [sys.executable, str(CHILD), "bare", "-"]},
        MINIMAL: {"cmd": [sys.executable, str(CHILD), "minimal", "-"]},
        EMPTY: {"cmd": [sys.executable, str(CHILD), "usable", str(empty)]},
    }
    subprocess.run(out[EMPTY]["cmd"], env=env, capture_output=True, check=False)  # makes the store
    _prepare(empty, "account", env)
    for size in sizes:
        src = store_source(size, work)
        if src is None:
            print(f"no finished store of {size:,} sessions: left out", flush=True)
            continue
        warm, cold = work / f"startup-{size}-warm", work / f"startup-{size}-cold"
        link_copy(src, warm)
        link_copy(src, cold)
        _prepare(warm, "cache", env)
        out[f"app, {size:,} sessions, warm"] = {"cmd": [sys.executable, str(CHILD), "usable", str(warm)],
                                                 "size": size, "warm": True}
        out[f"app, {size:,} sessions, cold"] = {"cmd": [sys.executable, str(CHILD), "usable", str(cold)],
                                                 "size": size, "warm": False, "before": lambda c=cold: _cold(c)}
    exit_env = env | {"MICRONEEDLE_DESK_EXIT_AFTER_START": "1"}
    out["from source, to the end of start-up"] = {
        "cmd": [sys.executable, "-m", "microneedle_desk", "--data-dir", str(empty)], "env": exit_env,
        "whole": True}
    if BUNDLE_BINARY.exists():
        out["bundle, to the end of start-up"] = {"cmd": [str(BUNDLE_BINARY), "--data-dir", str(empty)],
                                                 "env": exit_env, "whole": True}
    return out


def measure(rounds: int, work: Path, sizes: list[int], env: dict[str, str]) -> dict[str, Any]:
    kinds = variants(work, sizes, env)
    samples: dict[str, dict[str, list[float]]] = {k: {} for k in kinds}
    facts: dict[str, dict[str, Any]] = {k: {} for k in kinds}
    loads = [os.getloadavg()[0]]
    for spec in kinds.values():  # one untimed start each: bytecode cached, files in the page cache
        if "before" in spec:
            spec["before"]()
        subprocess.run(spec["cmd"], env=spec.get("env", env), capture_output=True, check=False, cwd=ROOT)
    for _ in range(rounds):
        for label, spec in kinds.items():
            if "before" in spec:
                spec["before"]()
            cpu_before = _children_cpu()
            t0, end, out, code, err = _spawn(spec["cmd"], spec.get("env", env))
            cpu = _children_cpu() - cpu_before
            if code != 0:
                raise RuntimeError(f"start-up of {label} failed ({code}): {err[-2000:]}")
            got = samples[label]
            got.setdefault("process_wall", []).append(end - t0)
            got.setdefault("process_cpu", []).append(cpu)
            if spec.get("whole"):
                continue
            info = json.loads(out.strip().splitlines()[-1])
            got.setdefault("first_frame", []).append(info["painted"] - t0)
            point = info.get("usable", info["painted"])  # the floors: their first frame is all there is
            got.setdefault("usable", []).append(point - t0)
            got.setdefault("cpu_at_usable", []).append(info["cpu"])
            if "parts" in info:
                got.setdefault("parts", []).append(info["parts"] - t0)
            facts[label] = {"rss_mb": info["rss_mb"], "pyqtgraph_imported": info["pyqtgraph"],
                            "dialog": info.get("dialog_kind"), "check_after_first_frame": info.get("deferred_check")}
        loads.append(os.getloadavg()[0])
    rows = {label: {name: _stats(values) for name, values in got.items()} | facts[label]
            for label, got in samples.items()}
    median = {label: {name: statistics.median(v) for name, v in got.items()} for label, got in samples.items()}
    minimal = median[MINIMAL]["usable"]
    empty = median[EMPTY]["usable"]
    empty_cpu = median[EMPTY]["cpu_at_usable"]
    for label, row in rows.items():
        if "usable" in median[label]:
            row["usable_x_minimal"] = round(median[label]["usable"] / minimal, 2)
            row["usable_x_empty"] = round(median[label]["usable"] / empty, 2)
            row["cpu_x_empty"] = round(median[label]["cpu_at_usable"] / empty_cpu, 2)
    targets: dict[str, Any] = {
        "usable_x_minimal": {"target": 1.2, "measured": rows[EMPTY]["usable_x_minimal"]},
        "history_x_empty": {"target": 1.1, "measured": {label: row["usable_x_empty"] for label, row in rows.items()
                                                         if "sessions" in label}},
    }
    source, bundle = "from source, to the end of start-up", "bundle, to the end of start-up"
    if bundle in median:
        targets["bundle_x_source"] = {"target": 1.0, "measured": round(
            median[bundle]["process_wall"] / median[source]["process_wall"], 2), "cpu": round(
            median[bundle]["process_cpu"] / median[source]["process_cpu"], 2)}
    else:
        targets["bundle_x_source"] = {"target": 1.0, "measured": None,
                                      "why": f"no bundle at {BUNDLE_BINARY.relative_to(ROOT)} (packaging/build.py)"}
    for size in sizes:
        for temp in ("warm", "cold"):
            shutil.rmtree(work / f"startup-{size}-{temp}", ignore_errors=True)
    return {"rounds": rounds, "variants": rows, "targets": targets,
            "load_avg_1min": {"min": round(min(loads), 2), "max": round(max(loads), 2),
                              "median": round(statistics.median(loads), 2)}}


def table(su: dict[str, Any]) -> list[str]:
    lines = ["| variant | usable median ms | min | × minimal | × empty store | CPU at usable median ms | min "
             "| CPU × empty | window's first frame ms | process wall ms | process CPU ms | check after first frame "
             "| peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for label, r in su["variants"].items():
        if "usable" not in r:
            lines.append(f"| {label} | | | | | | | | | {r['process_wall']['median']} (min "
                         f"{r['process_wall']['min']}) | {r['process_cpu']['median']} (min {r['process_cpu']['min']}) "
                         "| | |")
            continue
        check = {True: "yes", False: "no", None: "n/a"}[r.get("check_after_first_frame")]
        lines.append(f"| {label} | {r['usable']['median']} | {r['usable']['min']} | {r['usable_x_minimal']} "
                     f"| {r['usable_x_empty']} | {r['cpu_at_usable']['median']} | {r['cpu_at_usable']['min']} "
                     f"| {r['cpu_x_empty']} | {r['first_frame']['median']} | {r['process_wall']['median']} "
                     f"| {r['process_cpu']['median']} | {check} | {r['rss_mb']} |")
    return lines


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def startup_section(su: dict[str, Any]) -> list[str]:
    from startup_notes import STARTUP_HISTORY, STARTUP_NOTES

    t = su["targets"]
    history = t["history_x_empty"]["measured"]
    worst = max(history.values()) if history else None
    bundle = t["bundle_x_source"]
    load = su["load_avg_1min"]
    lines = [
        "## 1. Start-up: the first usable frame, against history, and the bundle", "",
        f"{su['rounds']} rounds, every variant once a round in a fresh process, interleaved (load average over the "
        f"rounds: {load['min']}-{load['max']}, median {load['median']}, on this 2-core machine shared with other "
        "engineers' work). \"usable\" is from just before the spawn to the first usable frame: for the app, its "
        "window painted, its menus' parts in and the sign-in dialog painted (as `run_app()` starts; "
        "bench/startup_child.py `usable`); for the floors, their first frame. \"CPU at usable\" is the process's own "
        "CPU time at that point (all threads: a check running in the background counts). \"window's first frame\" is "
        "the main window's first paint, before its parts and the dialog. The empty store has one account and no "
        "sessions; the demo stores hold their demo accounts (and every patient's records). Warm: the store's "
        "check cache is there (a store this laptop opened before); cold: none (after a "
        "restore, on a new laptop, after a sync pull), removed before every start. \"from source\"/\"bundle\": "
        "`python -m microneedle_desk` against the PyInstaller bundle, each to the end of its start-up "
        "(MICRONEEDLE_DESK_EXIT_AFTER_START), whole process.", "",
        *([f"This part was run at {su['when']} (`{su['command']}`)."] if "when" in su else []), "",
        *table(su), "",
        f"- First usable frame ≤ 1.2× the minimal real window: {t['usable_x_minimal']['measured']}× → "
        f"{_verdict(t['usable_x_minimal']['measured'] <= 1.2)}.",
        f"- Start-up with history ≤ 1.1× the empty store's (warm and cold): worst {worst}× → "
        f"{_verdict(worst is not None and worst <= 1.1)} "
        f"({', '.join(f'{k[5:]}: {v}×' for k, v in history.items())}).",
        (f"- Bundle no slower than from source: {bundle['measured']}× wall, {bundle['cpu']}× CPU → "
         f"{_verdict(bundle['measured'] <= 1.0)}." if bundle["measured"] is not None else
         f"- Bundle no slower than from source: not measured: {bundle['why']}."),
        "",
        *STARTUP_NOTES,
        "", "### Earlier start-up work (against the earlier target, ≤ 1.5× a bare window)", "",
        *STARTUP_HISTORY,
    ]
    return lines
