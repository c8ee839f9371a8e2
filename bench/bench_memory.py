"""The memory benchmark: results written to bench/results/memory.{json,md}.

    .venv/bin/python bench/bench_memory.py                          # 10,000 / 50,000 / 150,000 (make bench)
    .venv/bin/python bench/bench_memory.py --sizes 10000 --no-baseline

1. **Review windows.** In a fresh process per store size (Qt offscreen, a read-only store, the app's
   own main window shown as the parent, as a clinic has it when it opens a review window: its frame,
   menus, step list and patient page with the list of patients, its parts not attached;
   ``BENCH_PLAIN_PARENT=1``: an empty QMainWindow instead, as this benchmark had before; a checkout
   whose window cannot be made so gets the empty one too, and each result says which it had): the
   process's memory before, with History open
   (every month read in), after closing it; then the same for a patient's Course and for the
   Dashboard (the patient list read first, as the app's patient page does). Each figure is the
   resident set (VmRSS from /proc/self/status) twice: as it is ("raw"), and after ``gc.collect()``
   and glibc's ``malloc_trim(0)`` ("trimmed": what the process holds, not what the allocator has yet
   to hand back to the system). The targets are read on the trimmed figures: ≤ 60 MB more with a
   window open, ≤ 5 MB left after closing it. The modules the windows need (numpy, pyqtgraph) are
   imported before the first figure: their code stays loaded for the process's life, as any module's
   does; their import cost is given apart.
2. **A day of 60 sessions** in one process on a hard-link copy of the 10,000-session store,
   driving the application layer (``Clinic``: register, start with the PIN, every step, sign
   with the PIN, close) with a fake clock: trimmed memory and the count of objects the
   collector tracks, after 5 sessions (caches warm) and after 60 more.
3. **The same day through the main window** (bench/memory_window_day.py): the window as the app
   builds it, each session by keys and clicks with the end-to-end driver of the code measured.
   ``--sizes ""`` runs the two days only.

The baseline beside each figure is the code before this work (the commit named in the results,
exported under bench/.work/), measured in the same run, alternating with this code.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
WORK = BENCH / ".work"
STORES = Path(os.environ.get("MICRONEEDLE_BENCH_STORES", "/work/benchstores"))
BASE_COMMIT = "6d957e3"  # main before the history was paged and the store let go of its months
DAY_SESSIONS = 60
WARM_SESSIONS = 5
CYCLES = 2  # each review window opened and closed twice
WINDOWS = ("history", "course", "dashboard")


# -- in the child ----------------------------------------------------------------------------
def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _figures() -> dict[str, float]:
    import ctypes
    import gc

    raw = _rss_mb()
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    # the trimmed figure's two parts: memory of the process's own (anonymous) and pages of files
    # it maps (libraries' code and fonts as first used: shared, clean, the kernel's to reclaim)
    return {"raw_mb": round(raw, 1), "trimmed_mb": round(_rss_mb(), 1), "anon_mb": round(_rss_mb("RssAnon"), 1),
            "file_mb": round(_rss_mb("RssFile"), 1)}


def child_windows(store_dir: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    start = _figures()
    import numpy  # noqa: F401 - loaded before the first figure: see the module's docstring
    import pyqtgraph  # noqa: F401
    from PySide6.QtCore import QCoreApplication, QEvent, Qt
    from PySide6.QtWidgets import QApplication, QMainWindow

    from microneedle_desk import paths
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.settings import Settings
    from microneedle_desk.store.store import Store
    from microneedle_desk.ui import review_menu
    from microneedle_desk.ui.context import UiContext
    from microneedle_desk.ui.controller import SessionController
    from microneedle_desk.ui.course_view import CourseWindow
    from microneedle_desk.ui.dashboard_view import DashboardWindow
    from microneedle_desk.ui.history_view import HistoryWindow

    # the code measured deletes a closed review window when its review menu opens it so (the
    # baseline did not): the windows here are made as that menu makes them
    delete_on_close = "WA_DeleteOnClose" in inspect.getsource(review_menu)
    app = QApplication([])
    modules = _figures()
    root = Path(store_dir)
    paths.set_data_dir(root)
    protocol = load_protocol(paths.protocol_file())
    clock = FakeClock()
    store = Store(root, protocol, clock, read_only=True)
    settings = Settings(protocol, paths.settings_file(root))
    ctx = UiContext(protocol, clock, store, settings, SessionController(protocol, clock, store))
    main: QMainWindow
    parent = "plain"
    if not os.environ.get("BENCH_PLAIN_PARENT"):
        try:  # the app's own main window (its frame and patient page, the parts not attached)
            from microneedle_desk.ui.main_window import MainWindow

            main, parent = MainWindow(ctx), "app"
        except Exception as exc:  # a checkout whose window takes other arguments
            print(f"the app's main window could not be made ({exc!r}): a plain one instead", file=sys.stderr)
    if parent == "plain":
        main = QMainWindow()
    main.resize(1366, 768)
    main.show()

    def settle(rounds: int = 20) -> None:
        for _ in range(rounds):
            app.processEvents()
            time.sleep(0.005)

    # what the app has read before any review window opens: the patient page's list of patients
    # (the store keeps the parsed patient file) and the practitioners
    store.patient_list()
    store.practitioners(include_inactive=True)
    patient_id = str(store.month_rows_once(store.index_months()[0])[0]["patient_id"])
    settle()
    out: dict[str, Any] = {"start": start, "modules": modules, "idle": _figures(), "parent": parent}
    for name, make in (("history", lambda: HistoryWindow(ctx, main)),
                       ("course", lambda: CourseWindow(ctx, patient_id, main)),
                       ("dashboard", lambda: DashboardWindow(ctx, main))):
        cycles = []
        for _cycle in range(CYCLES):  # the first open also pays Qt's one-time set-up of its classes
            before = _figures()
            t0 = time.perf_counter()
            window = make()
            if delete_on_close:
                window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.show()
            settle()
            while getattr(window, "loading", False):
                app.processEvents()
                time.sleep(0.002)
            settle()
            opened_s = time.perf_counter() - t0
            opened = _figures()
            window.close()
            if delete_on_close:
                del window  # the review menu keeps no reference to a closed window, only a weak one
            settle()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            closed = _figures()
            if not delete_on_close:
                window.deleteLater()  # the baseline's review menu: a closed window went when the next one opened
                del window
            settle()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            deleted = _figures()
            cycles.append({"before": before, "open": opened, "closed": closed, "deleted": deleted,
                           "open_s": round(opened_s, 2),
                           "open_above_before_mb": round(opened["trimmed_mb"] - before["trimmed_mb"], 1),
                           "left_after_close_mb": round(closed["trimmed_mb"] - before["trimmed_mb"], 1),
                           "left_after_delete_mb": round(deleted["trimmed_mb"] - before["trimmed_mb"], 1)})
        out[name] = cycles
    out["cpu_s"] = round(time.process_time(), 1)
    out["code"] = str(Path(sys.modules["microneedle_desk"].__file__ or "").parent.parent)
    print(json.dumps(out))
    return 0


def child_day(store_dir: str) -> int:
    import gc

    import microneedle_desk  # noqa: F401 - the code measured (PYTHONPATH), bound before bench/run.py puts this tree first

    sys.path.insert(0, str(BENCH))
    from run import BENCH_PIN, demo_practitioner

    from microneedle_desk import paths
    from microneedle_desk.clinic.clinic import Clinic
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.core.script import run_complete_session
    from microneedle_desk.core.session_state import SessionConfig
    from microneedle_desk.review.demo import END_DATE, TZ

    root = Path(store_dir)
    paths.set_data_dir(root)
    protocol = load_protocol(paths.protocol_file())
    clock = FakeClock(start=datetime(END_DATE.year, END_DATE.month, END_DATE.day, 7, 0, tzinfo=TZ))
    clinic = Clinic.open(root, protocol, clock)
    who = demo_practitioner(clinic.store)
    account = clinic.accounts.account(who)
    if account is not None and account.pin_hash is None:
        clinic.accounts.change_pin(who, None, BENCH_PIN)
    clinic.sign_in(who, BENCH_PIN)

    def one(i: int) -> None:
        patient = clinic.register_patient(name=f"Demo Patient M{i:03d}", dob="1980-01-01",
                                          clinic_id=f"DEMO-M{i:03d}", sex="male", indication="aga_male",
                                          scale="norwood_hamilton", grade="III")
        session = clinic.start_session(patient, who, SessionConfig(), pin=BENCH_PIN)
        run_complete_session(session, clock.advance, sign=False, consent_by="Demo Patient", dwell_minutes=20,
                             anesthetic="EMLA 5% cream", needle_mm="1.2", lot="DEMO-LOT-1", expiry="2028-01-01",
                             handpiece="DEMO-HP-01", zones=("vertex",), passes=3, antibiotic="Fucidin cream",
                             adjunct="none")
        clinic.sign(acknowledge=True, pin=BENCH_PIN)
        clinic.close_session()
        clock.advance(120)

    for i in range(WARM_SESSIONS):
        one(i)
    warm, objects = _figures(), len(gc.get_objects())
    curve = []
    for i in range(WARM_SESSIONS, WARM_SESSIONS + DAY_SESSIONS):
        one(i)
        if (i - WARM_SESSIONS + 1) % 10 == 0:
            now = _figures()
            curve.append({"sessions": i - WARM_SESSIONS + 1, "trimmed_above_mb": round(now["trimmed_mb"] -
                                                                                      warm["trimmed_mb"], 2),
                          "objects_above": len(gc.get_objects()) - objects})
    end = _figures()
    print(json.dumps({"warm": warm, "end": end, "grew_mb": round(end["trimmed_mb"] - warm["trimmed_mb"], 2),
                      "grew_raw_mb": round(end["raw_mb"] - warm["raw_mb"], 2),
                      "objects_per_session": round((len(gc.get_objects()) - objects) / DAY_SESSIONS, 1),
                      "curve": curve, "cpu_s": round(time.process_time(), 1)}))
    return 0


# -- in the parent ---------------------------------------------------------------------------
def _baseline_code() -> Path:
    """The code before this work, exported once from git (never a checkout of another tree)."""
    target = WORK / f"code-{BASE_COMMIT}"
    if not (target / "microneedle_desk").is_dir() or not (target / "tests" / "e2e").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        # the end-to-end driver too: the day through the window is driven by the code's own
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASE_COMMIT, "microneedle_desk", "tests/e2e"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _link_copy(src: Path, dst: Path) -> None:
    sys.path.insert(0, str(BENCH))
    from run import _link_copy as link

    link(src, dst)


def _child(code: Path, args: list[str]) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(code), QT_QPA_PLATFORM="offscreen")
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], env=env, cwd=str(code),
                          capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    info: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    info["wall_s"] = round(time.perf_counter() - t0, 1)
    return info


def _store(size: int) -> Path:
    shared = STORES / f"store-{size}"
    if (shared / ".complete").exists():
        return shared
    sys.path.insert(0, str(BENCH))
    from run import _build_store

    return _build_store(size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,50000,150000")
    parser.add_argument("--no-baseline", action="store_true", help="this code only")
    parser.add_argument("--no-day", action="store_true", help="skip the 60-session day")
    parser.add_argument("--child-windows", help=argparse.SUPPRESS)
    parser.add_argument("--no-window-day", action="store_true", help="skip the 60-session day through the main window")
    parser.add_argument("--child-day", help=argparse.SUPPRESS)
    parser.add_argument("--child-window-day", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_windows:
        return child_windows(args.child_windows)
    if args.child_day:
        return child_day(args.child_day)
    if args.child_window_day:
        from memory_window_day import run as window_day

        print(json.dumps(window_day(args.child_window_day, Path.cwd(), DAY_SESSIONS, WARM_SESSIONS, _figures)))
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    variants = [("after", ROOT)] + ([] if args.no_baseline else [("before", _baseline_code())])
    results: dict[str, Any] = {
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python bench/bench_memory.py", *sys.argv[1:]]),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "baseline_commit": BASE_COMMIT, "figures": "VmRSS from /proc/self/status; trimmed = after gc.collect() "
        "and malloc_trim(0)", "windows": [], "day": {}}
    for size in [int(s) for s in args.sizes.split(",") if s]:  # --sizes "": the days only
        store = _store(size)
        row: dict[str, Any] = {"sessions": size, "when": datetime.now().astimezone().isoformat(timespec="seconds")}
        for name, code in variants:  # alternating, one after the other, per size
            load = os.getloadavg()
            print(f"{size:,} sessions, {name}: review windows...", flush=True)
            row[name] = _child(code, ["--child-windows", str(store)])
            row[name]["load_average_1_5_15"] = [round(x, 2) for x in load]
            opened = {k: [c["open_above_before_mb"] for c in row[name][k]] for k in WINDOWS}
            print(f"  opened, MB above before: {json.dumps(opened)}", flush=True)
        results["windows"].append(row)
    if not args.no_day:
        results["day_when"] = datetime.now().astimezone().isoformat(timespec="seconds")
        for name, code in variants:
            copy = WORK / f"memory-day-{name}"
            _link_copy(_store(10000), copy)
            load = os.getloadavg()
            print(f"60-session day, {name}...", flush=True)
            results["day"][name] = _child(code, ["--child-day", str(copy)])
            results["day"][name]["load_average_1_5_15"] = [round(x, 2) for x in load]
            print(f"  {json.dumps(results['day'][name])}", flush=True)
            import shutil

            shutil.rmtree(copy, ignore_errors=True)
    if not args.no_window_day:
        results["window_day_when"] = datetime.now().astimezone().isoformat(timespec="seconds")
        results["window_day"] = {}
        for name, code in variants:
            copy = WORK / f"memory-window-day-{name}"
            _link_copy(_store(10000), copy)
            load = os.getloadavg()
            print(f"60-session day through the main window, {name}...", flush=True)
            try:
                results["window_day"][name] = _child(code, ["--child-window-day", str(copy)])
            except RuntimeError as exc:  # the baseline's window or driver may not take these steps
                print(f"  not measured: {str(exc)[-600:]}", flush=True)
                continue
            finally:
                import shutil

                shutil.rmtree(copy, ignore_errors=True)
            results["window_day"][name]["load_average_1_5_15"] = [round(x, 2) for x in load]
            print(f"  {json.dumps(results['window_day'][name])}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    earlier = RESULTS / "memory.json"
    if earlier.exists():  # what was not rerun keeps its figures (each says when it was run)
        before = json.loads(earlier.read_text(encoding="utf-8"))
        rerun = {row["sessions"] for row in results["windows"]}
        kept = [row for row in before.get("windows", []) if row["sessions"] not in rerun]
        for row in kept:
            row.setdefault("when", before.get("when"))
        results["windows"] = sorted(kept + results["windows"], key=lambda row: row["sessions"])
        if not results["day"] and before.get("day"):
            results["day"] = before["day"]
            results["day_when"] = before.get("day_when", before.get("when"))
        if not results.get("window_day") and before.get("window_day"):
            results["window_day"] = before["window_day"]
            results["window_day_when"] = before.get("window_day_when", before.get("when"))
    (RESULTS / "memory.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    write_markdown(results, RESULTS / "memory.md")
    print((RESULTS / "memory.md").read_text(encoding="utf-8"))
    return 0


def _parts(cycle: dict[str, Any]) -> str:
    before, closed = cycle["before"], cycle["deleted"]
    if "anon_mb" not in before:
        return "n/a"
    return f"{round(closed['anon_mb'] - before['anon_mb'], 1)} / {round(closed['file_mb'] - before['file_mb'], 1)}"


def write_markdown(results: dict[str, Any], path: Path) -> None:
    lines = ["# Memory benchmark", "",
             f"Run {results['when']} on {results['machine']['cpus']} CPU(s), {results['machine']['platform']}, "
             f"Python {results['machine']['python']}. Command: `{results['command']}`. Raw figures: `memory.json`.",
             "", f"Figures: {results['figures']}; MB = 2^20 bytes. Baseline: commit {results['baseline_commit']} "
             "(before this work), in the same run. Targets: a review window open ≤ 60 MB above the figure "
             "before it, ≤ 5 MB left after closing it; a 60-session day grows ≤ 5 MB.", "",
             "## Review windows (trimmed MB above the figure just before opening)", "",
             "| sessions | window | open: this code (baseline) | left after close (baseline) "
             "| left after the window is deleted (baseline) | of what is left: anonymous / file pages "
             "| open s (baseline) | load average 1/5/15 |",
             "|---:|---|---:|---:|---:|---|---:|---|"]
    for row in results["windows"]:
        after, before = row["after"], row.get("before", {})
        for window in ("history", "course", "dashboard"):
            for cycle, a in enumerate(after[window]):
                b = before[window][cycle] if window in before else {}
                lines.append(
                    f"| {row['sessions']:,} ({row.get('when', results['when'])}) "
                    f"| {window}, {('first', 'second', 'third')[cycle]} open "
                    f"| {a['open_above_before_mb']} ({b.get('open_above_before_mb', 'n/a')}) "
                    f"| {a['left_after_close_mb']} ({b.get('left_after_close_mb', 'n/a')}) "
                    f"| {a['left_after_delete_mb']} ({b.get('left_after_delete_mb', 'n/a')}) "
                    f"| {_parts(a)} "
                    f"| {a['open_s']} ({b.get('open_s', 'n/a')}) "
                    f"| {' / '.join(map(str, after['load_average_1_5_15']))} |")
    lines += ["", "Process figures (raw / trimmed MB): before the modules, with them (numpy, pyqtgraph, PySide6, "
              "the app) imported, idle with the store open and the main window shown:", ""]
    for row in results["windows"]:
        for name in ("after", "before"):
            if name in row:
                r = row[name]
                parent = {"app": "the app's main window", "plain": "an empty window"}.get(r.get("parent", "plain"))
                code = "this code" if name == "after" else "baseline"
                lines.append(f"- {row['sessions']:,}, {code} (parent: {parent}): "
                             f"{r['start']['raw_mb']} / {r['start']['trimmed_mb']} → {r['modules']['raw_mb']} / "
                             f"{r['modules']['trimmed_mb']} → idle {r['idle']['raw_mb']} / {r['idle']['trimmed_mb']}; "
                             f"process CPU {r['cpu_s']} s, wall {r['wall_s']} s")
    if results["day"]:
        lines += ["", "## A day of 60 sessions in one process (10,000-session store, the Clinic driven directly, "
                  f"run {results.get('day_when', results['when'])})", "",
                  "| code | grew, trimmed MB | grew, raw MB | objects kept per session | CPU s / wall s "
                  "| load average 1/5/15 |", "|---|---:|---:|---:|---:|---|"]
        for name, r in results["day"].items():
            lines.append(f"| {'this code' if name == 'after' else 'baseline'} | {r['grew_mb']} | {r['grew_raw_mb']} "
                         f"| {r['objects_per_session']} | {r['cpu_s']} / {r['wall_s']} "
                         f"| {' / '.join(map(str, r['load_average_1_5_15']))} |")
    if results.get("window_day"):
        lines += ["", "## A day of 60 sessions through the main window (10,000-session store, by keys and clicks "
                  f"with the end-to-end driver, fake clock, run {results.get('window_day_when', results['when'])})",
                  "", "| code | grew, trimmed MB | grew, raw MB | objects kept per session | kinds grown most (count) "
                  "| day's CPU s / wall s | load average 1/5/15 |", "|---|---:|---:|---:|---|---:|---|"]
        for name, r in results["window_day"].items():
            kinds = ", ".join(f"{k} {v}" for k, v in r["types_grown"][:5])
            lines.append(f"| {'this code' if name == 'after' else 'baseline'} | {r['grew_mb']} | {r['grew_raw_mb']} "
                         f"| {r['objects_per_session']} | {kinds} | {r['day_cpu_s']} / {r['day_wall_s']} "
                         f"| {' / '.join(map(str, r['load_average_1_5_15']))} |")
    notes = ""
    if path.exists():  # the notes written under the tables stay
        text = path.read_text(encoding="utf-8")
        notes = text[text.index("## Notes"):] if "## Notes" in text else ""
    path.write_text("\n".join(lines) + "\n" + ("\n" + notes if notes else ""), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
