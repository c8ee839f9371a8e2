"""The session benchmark (issue 2, section 7): one command, results written to bench/results/.

    .venv/bin/python bench/run.py            # or: make bench
    .venv/bin/python bench/run.py --quick    # a smoke run: 1,000 sessions, few trials
    .venv/bin/python bench/run.py --startup-only [--big] [--rounds N]   # part 1 alone

Measures, in one run:

1. start-up to the first painted frame, against a bare PySide6 ``QMainWindow`` shown the
   same way (separate processes running bench/startup_child.py, offscreen platform, median
   of 7): from just before the process is spawned to the end of the window's first painted
   frame. Also checks that pyqtgraph was not imported at start-up.
2. how late the countdown alert fires while another process keeps the other core busy,
   through the real window, ``SessionController`` and ``SystemClock`` (the session's events
   are written with their anchor shifted so the 15-minute alert is 2 s away); and whether
   the time shown is right immediately after the event loop stalls for 2 s.
3. the time to save one session step and to sign a session off with 1,000, 10,000 and
   50,000 past sessions in the store (demo data, built once under bench/.work/).

Writes bench/results/session.json and bench/results/session.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

ALERT_LEAD_S = 2.0
DWELL_MIN_S = 15 * 60


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    # An installed app caches its bytecode; this workplace's environment turns that off,
    # which would make every start recompile the app's modules.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not env.get("XDG_RUNTIME_DIR"):
        runtime = Path(tempfile.gettempdir()) / f"microneedle-bench-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


os.environ.update({k: v for k, v in _env().items() if k in ("QT_QPA_PLATFORM", "XDG_RUNTIME_DIR")})


def _rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux: kB


def _stats(values: list[float], unit: float = 1000.0) -> dict[str, float]:
    ms = sorted(v * unit for v in values)
    return {"n": len(ms), "median": round(statistics.median(ms), 2), "min": round(ms[0], 2),
            "max": round(ms[-1], 2), "p90": round(ms[int(0.9 * (len(ms) - 1))], 2)}


# -- start-up: one fresh process per sample (bench/startup_child.py) -------------------
CHILD = Path(__file__).resolve().parent / "startup_child.py"
MINIMAL = "minimal real window"  # bare + Qt namespace, text label, line edit, one menu (a floor)


def _run_child(kind: str, data: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CHILD), kind, data or "-"],
                          capture_output=True, text=True, env=_env(), timeout=900, check=False)


def measure_startup(rounds: int, stores: dict[str, Path]) -> dict[str, Any]:
    kinds = ({"bare QMainWindow": ("bare", ""), MINIMAL: ("minimal", "")}
             | {f"app, {label}": ("app", str(p)) for label, p in stores.items()})
    painted: dict[str, list[float]] = {k: [] for k in kinds}
    ready: dict[str, list[float]] = {k: [] for k in kinds}
    parts: dict[str, list[float]] = {}  # the app: its menus' parts attached, right after the first frame
    extra: dict[str, dict[str, Any]] = {}
    for kind, data in kinds.values():  # one untimed start each: bytecode cached, files in cache
        _run_child(kind, data)
    for _ in range(rounds):
        for label, (kind, data) in kinds.items():
            t0 = time.monotonic()
            out = _run_child(kind, data)
            if out.returncode != 0:
                raise RuntimeError(f"start-up child failed ({label}): {out.stderr[-2000:]}")
            info = json.loads(out.stdout.strip().splitlines()[-1])
            painted[label].append(info["painted"] - t0)
            ready[label].append(info["ready"] - t0)
            if "parts" in info:
                parts.setdefault(label, []).append(info["parts"] - t0)
            extra[label] = {"pyqtgraph_imported": info["pyqtgraph"], "rss_mb": info["rss_mb"]}
    bare = statistics.median(painted["bare QMainWindow"])
    minimal = statistics.median(painted[MINIMAL])
    bare_ready = statistics.median(ready["bare QMainWindow"])
    out_rows = {}
    for label, values in painted.items():
        out_rows[label] = _stats(values) | extra[label] | {
            "ratio_to_bare": round(statistics.median(values) / bare, 2),
            "ratio_to_minimal": round(statistics.median(values) / minimal, 2),
            "event_loop_ready_ms": _stats(ready[label]),
            "event_loop_ready_ratio": round(statistics.median(ready[label]) / bare_ready, 2)}
        if label in parts:
            out_rows[label]["parts_attached_ms"] = _stats(parts[label])
            out_rows[label]["parts_attached_ratio"] = round(statistics.median(parts[label]) / bare, 2)
            out_rows[label]["parts_attached_ratio_to_minimal"] = round(statistics.median(parts[label]) / minimal, 2)
    namespace = [json.loads(_run_child("qt-namespace", "").stdout.strip().splitlines()[-1]) for _ in range(rounds)]
    qt_ms = [n["qt_namespace_ms"] / 1000 for n in namespace]
    floor = {"qt_namespace_ms": _stats(qt_ms), "qt_namespace_enums": namespace[0]["enums"],
             "qt_namespace_ratio_to_bare": round(statistics.median(qt_ms) / bare, 3)}
    return {"rounds": rounds, "target_ratio": 1.5, "measured_to": "first painted frame", "variants": out_rows,
            "floor": floor}


def startup_table(su: dict[str, Any]) -> list[str]:
    lines = ["| variant | first frame median ms | min | max | × bare | × minimal | menus' parts in ms "
             "| × bare (first frame) | × minimal (first frame) "
             "| event loop reached ms | × bare | pyqtgraph imported | peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for label, r in su["variants"].items():
        pg = "**yes**" if r["pyqtgraph_imported"] else "no"
        if not label.startswith("app"):
            pg = "n/a"
        parts = r["parts_attached_ms"]["median"] if "parts_attached_ms" in r else "n/a"
        parts_ratio = r.get("parts_attached_ratio", "n/a")
        parts_min = r.get("parts_attached_ratio_to_minimal", "n/a")
        lines.append(f"| {label} | {r['median']} | {r['min']} | {r['max']} | {r['ratio_to_bare']} "
                     f"| {r.get('ratio_to_minimal', 'n/a')} | {parts} | {parts_ratio} | {parts_min} "
                     f"| {r['event_loop_ready_ms']['median']} | {r['event_loop_ready_ratio']} "
                     f"| {pg} | {r['rss_mb']} |")
    return lines


# -- the alert and the stall, in this process -------------------------------------------
def _busy_other_core() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


BENCH_PIN = "246810"  # the PIN of demo_practitioner's account


def demo_practitioner(store: Any) -> str:
    """The benchmark's practitioner: an account, as every practitioner is (the bench stores are demo
    data; the first account is made as on a first start when the store has none)."""
    from microneedle_desk.store.accounts import AccountBook

    book = AccountBook(store)
    known = [a for a in book.accounts() if a.name == "Demo Practitioner A"]
    if known:
        return known[0].id
    return book.create_first_admin("Demo Practitioner A", BENCH_PIN).id


def _open_session_with_dwell_anchor(window: Any, seconds_ago: float, planned_min: int) -> tuple[Any, float]:
    """Write a session whose anesthetic was applied ``seconds_ago`` and open it in the window."""
    from microneedle_desk.core.clock import FakeClock, SystemClock
    from microneedle_desk.core.records import make_patient
    from microneedle_desk.core.session import Session
    from microneedle_desk.core.session_state import SessionConfig

    ctx = window.ctx
    real: SystemClock = ctx.clock
    shifted = FakeClock(start=real.now() - timedelta(seconds=seconds_ago),
                        monotonic_start=real.monotonic() - seconds_ago, boot=real.boot_id())
    patient = make_patient(ctx.protocol, name="Demo Patient 9999", dob="1980-01-01", clinic_id="DEMO-9999",
                           sex="male", indication="aga_male", scale="norwood_hamilton", grade="III",
                           device=ctx.store.device, now=shifted.now(), demo=True)
    practitioner = demo_practitioner(ctx.store)
    book = ctx.controller.clinic.accounts  # a start is saved as in the app: the practitioner's PIN proved
    if book.account(practitioner).pin_hash is None:  # a demo account
        book.change_pin(practitioner, None, BENCH_PIN)
    s = Session.start(ctx.protocol, shifted, ctx.store.device, patient, practitioner, SessionConfig(),
                      sink=book.pin_sink(BENCH_PIN))
    for item in ctx.protocol.contraindications:
        if item.id not in s.state.not_applicable:  # not asked of a male patient
            s.answer(item.id, False)
    s.confirm_consent("Demo Patient 9999")
    s.set_anesthetic_product("EMLA 5% cream")
    s.apply_anesthetic(planned_min)
    assert s.state.applied is not None
    applied = s.state.applied.mono
    ctx.controller.resume(s.state.events)
    return ctx.controller.session, applied


def measure_alerts(trials: int) -> dict[str, Any]:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from microneedle_desk import paths
    from microneedle_desk.app import build_window, make_app
    from microneedle_desk.core.clock import SystemClock

    data = WORK / "alerts"
    shutil.rmtree(data, ignore_errors=True)
    paths.set_data_dir(data)
    make_app()
    clock = SystemClock()
    window, lock = build_window(clock=clock, interactive=False)
    window.show()
    ctx = window.ctx
    busy = _busy_other_core()
    lateness: list[float] = []
    try:
        for _ in range(trials):
            arrived: list[float] = []
            loop = QEventLoop()

            def on_alert(kind: str, arrived: list[float] = arrived, loop: QEventLoop = loop) -> None:
                if kind == "dwell_min_reached" and not arrived:
                    arrived.append(clock.monotonic())
                    loop.quit()

            ctx.controller.alert.connect(on_alert)
            _, applied = _open_session_with_dwell_anchor(window, DWELL_MIN_S - ALERT_LEAD_S, 30)
            QTimer.singleShot(int((ALERT_LEAD_S + 5) * 1000), loop.quit)
            loop.exec()
            ctx.controller.alert.disconnect(on_alert)
            if not arrived:
                raise RuntimeError("the alert did not fire within 5 s of its deadline")
            lateness.append(arrived[0] - (applied + DWELL_MIN_S))
            ctx.controller.act(lambda c: c.abandon("Benchmark trial: alert timing only."))
        stall = _measure_stall(window, clock)
    finally:
        busy.kill()
        busy.wait()
        window.close()
        lock.release()
        QApplication.processEvents()
    late = _stats(lateness)
    return {"trials": trials, "busy_process_on_other_core": True, "lateness_ms": late,
            "early_count": sum(1 for v in lateness if v < 0), "target_ms": 50,
            "within_target": late["max"] <= 50 and all(v >= 0 for v in lateness), "stall": stall}


def _measure_stall(window: Any, clock: Any) -> dict[str, Any]:
    """Block the event loop 2 s, then compare the first countdown shown with the truth."""
    from PySide6.QtCore import QEventLoop, QTimer

    planned_min = 30
    session, applied = _open_session_with_dwell_anchor(window, 120.0, planned_min)
    panel = window.countdowns
    original = panel.show_views
    shown: list[tuple[float, float, str]] = []

    def recording(views: list[Any], flash_on: bool = False) -> None:
        original(views, flash_on)
        now = clock.monotonic()
        for v in views:
            if v.key == "dwell":
                shown.append((now, v.remaining, panel.boxes["dwell"].digits.text()))

    panel.show_views = recording
    stall_end: list[float] = []
    loop = QEventLoop()

    def stall() -> None:
        time.sleep(2.0)
        stall_end.append(clock.monotonic())

    QTimer.singleShot(300, stall)
    QTimer.singleShot(3000, loop.quit)
    loop.exec()
    panel.show_views = original
    after = [s for s in shown if s[0] >= stall_end[0]]
    if not after:
        raise RuntimeError("no countdown was shown after the stall")
    t, remaining, digits = after[0]
    truth = planned_min * 60 - (t - applied)
    mm, ss = digits.split(":")
    window.ctx.controller.act(lambda c: c.abandon("Benchmark trial: stall check only."))
    del session
    return {"stall_s": 2.0, "first_refresh_after_stall_ms": round((t - stall_end[0]) * 1000, 1),
            "shown_remaining_error_ms": round((remaining - truth) * 1000, 3),
            "digits_shown": digits, "digits_error_s": round(int(mm) * 60 + int(ss) - truth, 3),
            "target_ms": 50, "within_target": abs(remaining - truth) <= 0.05}


# -- step and sign-off times against the history's size -------------------------------
def _build_store(size: int) -> Path:
    store_dir = WORK / f"store-{size}"
    marker = store_dir / ".complete"
    if marker.exists():
        return store_dir
    shutil.rmtree(store_dir, ignore_errors=True)
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "microneedle_desk", "demo-data", "--sessions", str(size),
                              "--seed", "2", "--data-dir", str(store_dir)], env=_env())
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"demo-data failed for {size} sessions")
    marker.write_text(json.dumps({"sessions": size, "build_s": round(time.perf_counter() - t0, 1),
                                  "build_peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}))
    return store_dir


def _link_copy(src: Path, dst: Path) -> None:
    """A copy that costs nothing: the store replaces files by rename, never writes in place."""
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, copy_function=os.link, ignore=shutil.ignore_patterns("store.lock", ".complete"))


def measure_store(size: int, sessions: int) -> dict[str, Any]:
    # In the app PySide is loaded long before any save; storage imports QSaveFile on its first
    # write, which must not put PySide's own import (~200 ms) into the first figure timed here.
    from PySide6.QtCore import QSaveFile  # noqa: F401

    from microneedle_desk import paths
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.fold_common import is_override
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.core.records import make_patient
    from microneedle_desk.core.script import run_complete_session
    from microneedle_desk.core.session import Session
    from microneedle_desk.core.session_state import SessionConfig
    from microneedle_desk.review.demo_values import END_DATE, TZ
    from microneedle_desk.store.accounts import AccountBook
    from microneedle_desk.store.store import Store

    built = _build_store(size)
    build_info = json.loads((built / ".complete").read_text())
    run_dir = WORK / f"run-{size}"
    _link_copy(built, run_dir)
    protocol = load_protocol(paths.protocol_file())
    # Sessions are run on the last day of the demo history, so each sign-off lands in the
    # fullest day file and month index there is: the worst realistic case.
    clock = FakeClock(start=datetime(END_DATE.year, END_DATE.month, END_DATE.day, 18, 30, tzinfo=TZ))
    t0 = time.perf_counter()
    store = Store(run_dir, protocol, clock)
    store.recover()
    open_s = time.perf_counter() - t0
    count = len(store.summaries())
    starts: list[float] = []
    steps: list[float] = []
    signs: list[float] = []
    current: list[float] = []

    # Starts and sign-offs are saved as in the app: through the accounts' guarded sink, after a
    # PIN proof. The proof (a deliberately slow scrypt check) is left out of the timed save.
    book = AccountBook(store)
    practitioner = demo_practitioner(store)
    if book.account(practitioner).pin_hash is None:  # type: ignore[union-attr]  # a demo account
        book.change_pin(practitioner, None, BENCH_PIN)
    guarded = book.guarded_sink()

    def sink(event: dict[str, Any], state: Any) -> None:
        purpose = "override" if is_override(event) else {"session_started": "start", "signed": "sign"}.get(
            str(event["type"]))
        if purpose is not None:
            book.prove(practitioner, BENCH_PIN, purpose)
        t = time.perf_counter()
        guarded(event, state)
        current.append(time.perf_counter() - t)

    for i in range(sessions):
        patient = make_patient(protocol, name=f"Demo Patient B{i:03d}", dob="1980-01-01",
                               clinic_id=f"DEMO-B{i:03d}", sex="male", indication="aga_male",
                               scale="norwood_hamilton", grade="III", device=store.device,
                               now=clock.now(), demo=True)
        current.clear()
        s = Session.start(protocol, clock, store.device, patient, practitioner, SessionConfig(), sink=sink)
        starts.append(current[0])
        current.clear()
        run_complete_session(s, clock.advance, sign=False, consent_by="Demo Patient", dwell_minutes=20,
                             anesthetic="EMLA 5% cream", needle_mm="1.2", lot="DEMO-LOT-1",
                             expiry="2028-01-01", handpiece="DEMO-HP-01", zones=("vertex",), passes=3,
                             antibiotic="Fucidin cream", adjunct="none")
        steps.extend(current)
        current.clear()
        s.sign()
        signs.append(current[0])
        clock.advance(60)
    store.close()
    shutil.rmtree(run_dir, ignore_errors=True)
    return {"past_sessions": count, "store_build_s": build_info.get("build_s"),
            "store_build_peak_rss_mb": build_info.get("build_peak_rss_mb"),
            "store_size_mb": round(sum(f.stat().st_size for f in built.rglob("*.json")) / 2**20, 1),
            "open_and_recover_ms": round(open_s * 1000, 1),
            "session_start_ms": _stats(starts), "step_save_ms": _stats(steps),
            "sign_off_ms": _stats(signs), "first_sign_off_ms": round(signs[0] * 1000, 1),
            "rss_after_mb": _rss_mb()}


# -- report ---------------------------------------------------------------------------
# Start-up before/after (an interleaved comparison on this machine, empty store), shown under section 1.
STARTUP_HISTORY = [
    "**Start-up work of 2026-11-26 (02:00 UTC), before/after.** The two cores were shared with other "
    "benchmarks (load average 1.2-2.1), so single runs of this table swing by ±20% (medians of the app "
    "from 316 to 418 ms with the same code); the fair comparison is interleaved: 15 rounds alternating "
    "the code before (commit 6e0d449 with its own child) and after, each against its own bare window: "
    "before, first frame 482.6 ms median / 339.4 min against bare 252.6 / 168.4 (**1.91×**), menus' "
    "parts in 511.4 / 360.1 (**2.02×**); after, first frame 429.4 / 315.9 against bare 247.0 / 166.5 "
    "(**1.74×**), parts in 457.7 / 343.9 (**1.85×**). The 1.5× target is not met.",
    "",
    "What changed: the dataclasses' eq/hash/repr written once (core/record_base.py) instead of compiled "
    "per class, and docstrings on them (no inspect.signature): dataclass set-up 31 -> 14.5 ms; Qt "
    "classes used only by dialogs, the Space filter, file writes and the chime imported where used "
    "(PySide sets up a class's enums on its first import: ~8 ms); the check cache rewritten only when "
    "it changed (no fsync at each start: 3.4-6.6 -> 0.7 ms); the cyclic collector off from the entry "
    "point until the parts are in, then start-up's ~44,000 objects frozen (56 collections, 11-15 ms, "
    "avoided; on the 50,000-session store the start went from ~2.2 s to 1.57-1.95 s in three loaded runs); "
    "no Python event "
    "filter on the main window (each event class handed to Python cost PySide set-up). Measurement "
    "changes: the child sees the first paint from the window's paintEvent instead of a Python event "
    "filter on the window (both variants), and the app variant turns the collector off as `cli.main` "
    "does. Section 3's store is opened with PySide already loaded, as in the app (storage now imports "
    "QSaveFile on its first write). Under this load section 3's open+recover is higher than in the "
    "previous run (10,000: 668 vs 500 ms; 50,000: 3488 vs 1737 ms); opened alone, alternating the code "
    "before and after, it took 495-789 vs 504-733 ms (10,000) and 2856 vs 2163 ms (50,000): no change "
    "from this work.",
    "",
    "What was left then (in-process timers, ms; the parts are updated below): "
    "PySide's import ~122 (the bare pays it too); our imports "
    "~89, of which the `Qt` namespace's 93 enums ~25-30 (first needed by the OS colour-scheme check "
    "before the first frame, and by the room view and settings parts), other Qt classes' enums ~20, "
    "PySide's import hook reading the source of every module imported after it ~15, dataclasses ~14; "
    "building the window ~36 (the patient page ~20, of which the font set-up ~8.5); the first frame "
    "~11; the parts ~28 (their imports ~15: printing's dialogs ~8; the accounts part ~7, which also "
    "puts a Python event filter on the window).",
    "",
    "**Start-up work of 2026-11-26 (02:40 UTC): the menus' parts, and the floor.** The lock screen and "
    "the room view put their resize filter on the window only while shown (no Python event filter on "
    "the window at start-up), and the dialogs' Qt classes are imported where the printing, accounts, "
    "Review and Tools parts use them (moving them out of printing alone only moved their enum set-up "
    "to the next part's import). Attaching all the parts, in-process, median of 15 alternating starts: "
    "32.5 -> 19.8 ms (accounts part 7.6 -> 4.3, printing's import 8.6 -> 1.4). The first frame is "
    "unchanged by this (the parts come after it). Whole processes, 25 rounds interleaving the code "
    "before and after with the bare and minimal windows (load 0.6-0.8): menus' parts in 477.6 -> 471.9 "
    "ms median, 351.9 -> 337.6 min (1.96× -> 1.93× bare); the ~10 ms gained is within this machine's "
    "run-to-run swing of ±50 ms, so the table above moves with load more than with this work "
    "(three runs the same hour: app first frame 1.61×, 1.82×, 1.99× bare; minimal window 1.25×, "
    "1.28×, 1.37×).",
    "",
    "**Is 1.5× reachable?** The minimal real window costs 1.25-1.37× the bare one: 55-80 ms of "
    "PySide work (the `Qt` namespace's enums, the label, line edit and menu classes' set-up, text "
    "layout and font loading) that any window showing text pays. Against 1.5×, that leaves the app "
    "0.13-0.25× bare (~30-55 ms) for everything of its own: importing ~90 ms of its modules, reading "
    "and validating the protocol, opening and checking the store and building the window (~36 ms) "
    "already cost 80-140 ms over the minimal window (app ÷ minimal: 1.45× at the first frame, "
    "1.52× with the parts, in the table above). Reaching 1.5× would need the app's own start-up cut "
    "by half to four fifths, i.e. a different start (e.g. a pre-built window state, or a frozen, "
    "byte-compiled bundle with lazy pages and no start-up check), not more removal of single "
    "imports: this work does not meet the target and no remaining single cut listed above would.",
    "",
    "**Start-up work of 2026-11-26 (03:15 UTC): the large store.** On the 50,000-session store the start "
    "spent ~0.8 s before the window in file bookkeeping done with Path objects: the start-up check built "
    "an object per hash-chain link from its cache (~53,000) and sorted and relativised ~3,000 Path objects; "
    "the privacy walk (`exposed_files`) used `Path.rglob` and sorted every path (~190 ms); the leftover "
    "scan stat'ed every file before looking at its name; and the first start of a day took the backup's "
    "snapshot before the window (~390 ms: a Path glob of the data files and a mkdir before each of ~3,000 "
    "links). Now the links are plain tuples, the walks use `os.scandir` with string names, and the "
    "snapshot (still under the write gate) is taken in the backup thread. In-process on that store: "
    "check 328 -> 180-260 ms, privacy walk 193 -> 41 ms, leftover scan 37 -> 8 ms, after-open 408 -> "
    "28 ms. Whole processes, 9 rounds interleaving the code before (01ebdc9) and after, each on its own "
    "link copy of the store (every start here is a first start of the day: the child quits before the "
    "backup's zip is written): first frame 1473 -> 765 ms median (1062 -> 654 min), menus' parts in "
    "1512 -> 789 ms; bare window 257 ms in the same rounds. The empty store's start is unchanged by this.",
    "",
    "**The 1.5× target is not met; this report says why instead of trimming further.** The "
    "\"minimal real window\" row and the `Qt` namespace figure are measured in every run. A window with "
    "one label, one line edit and one menu already costs 1.04-1.37× the bare one (depending on load), "
    "and the app's own work (its imports, the protocol, opening and checking the store, building the "
    "window) costs 1.38-1.52× that minimal window. Across runs on 2026-11-26 the app's first frame "
    "measured 1.44× bare once (11 rounds at a quiet moment); runs of 15 or more rounds measured "
    "1.74-1.99× (the full run of 03:20 UTC: 1.82×). Meeting 1.5× reliably would need the app's own "
    "start-up work cut by half to three quarters. No change to this app's code can do that while keeping "
    "the start-up check and a first window that can be used, on Python 3.11 and PySide 6.11. The app's "
    "median first frame is 0.34-0.46 s on an empty store and 0.77-0.87 s on 50,000 sessions. Keeping the "
    "ratio or restating the target (for "
    "example as an absolute time on a clinic laptop) is the product owner's decision.",
]


MINIMAL_NOTE = [
    "**The floor: a minimal real window.** \"minimal real window\" is the bare `QMainWindow` plus what any "
    "window that shows text and uses Qt's enums pays, shown the same way and at the app's size "
    "(1280×720): `from PySide6.QtCore import Qt` (PySide sets up the namespace's ~90 enums on that "
    "import), a `QLabel` with text and an alignment flag, a `QLineEdit`, a menu bar with one menu and "
    "action (text layout, fonts, the style's menu code). Its × bare is what no real window can get under: "
    "the target's 1.5× leaves the app (1.5 − that ratio) × the bare window for everything of its own "
    "(its imports, protocol, store, check, the window's build). \"× minimal\" is the app against this "
    "floor instead of the empty window.",
]


def floor_lines(su: dict[str, Any]) -> list[str]:
    """The `Qt` namespace's set-up alone, measured in its own processes (older results lack it)."""
    if "floor" not in su:
        return []
    fl = su["floor"]
    enums, members = fl["qt_namespace_enums"]
    return ["", f"Of that floor, `from PySide6.QtCore import Qt` alone (timed in {su['rounds']} processes of "
                f"its own, after QtWidgets and the QApplication): median {fl['qt_namespace_ms']['median']} ms, "
                f"min {fl['qt_namespace_ms']['min']}, i.e. {fl['qt_namespace_ratio_to_bare']}× the bare "
                f"window's whole start. PySide turns the namespace's {enums} enums ({members} members) into "
                "Python `enum` classes on that first import; the bare window never imports it, and no window "
                "with an alignment, a key, a focus policy or a Python item model can avoid it."]


def write_markdown(results: dict[str, Any], path: Path) -> None:
    su, al, st = results["startup"], results["alerts"], results["store"]
    lines = [
        "# Session benchmark", "",
        f"Run {results['when']} on {results['machine']['cpus']} CPU(s), {results['machine']['platform']}, "
        f"Python {results['machine']['python']}, Qt platform offscreen. Command: `.venv/bin/python bench/run.py`"
        f"{' --quick' if results['quick'] else ''}. Raw figures: `session.json`.", "",
        "## 1. Start-up to the first painted frame", "",
        f"From just before the process is spawned (`bench/startup_child.py`, which imports nothing of the "
        f"benchmark's) to the end of the window's first painted frame (a zero-timer queued from the "
        f"window's first paintEvent); median of {su['rounds']} separate processes each, bytecode cached. "
        f"Target: ≤ {su['target_ratio']}× the bare window. \"Event loop reached\" is the earlier definition (a "
        "zero-timer queued right after `show()`, which can run before anything is painted; until "
        "2026-11-26 the child also imported the benchmark's own modules), kept for comparison. The app "
        "starts as `cli.main`/`run_app()` do (collector off from the first import, icon, colours), and "
        "attaches its menus' parts (accounts, printing, review, room view, settings, notifications) right "
        "after the first frame: \"menus' parts in\" is when they are all there, the first point at which "
        "the whole window can be used; its × bare is against the bare window's first frame.", "",
        *([f"This part was rerun alone at {su['when']} (`{su['command']}`, load average at the end "
             f"{su['load_avg_at_end']}); the other parts are from the run above.", ""] if "when" in su else []),
        *startup_table(su),
        "",
        *MINIMAL_NOTE,
        *floor_lines(su),
        "",
        *STARTUP_HISTORY,
    ]
    late = al["lateness_ms"]
    stall = al["stall"]
    lines += [
        "", "## 2. Countdown alert with the other core busy", "",
        f"{al['trials']} trials through the real window, `SessionController` and `SystemClock`; a separate "
        "process spins on the other core. Lateness = when the `alert` signal reached a slot connected after "
        "the window's own (banner shown, sound started) minus the exact deadline (anesthetic applied + 15 min, "
        "on the monotonic clock). Target ≤ 50 ms, never early.", "",
        "| median ms | p90 ms | max ms | min ms | early | within target |", "|---:|---:|---:|---:|---:|---|",
        f"| {late['median']} | {late['p90']} | {late['max']} | {late['min']} | {al['early_count']} | "
        f"{'yes' if al['within_target'] else '**no**'} |", "",
        f"After a {stall['stall_s']} s stall of the event loop (a slot sleeping), the first countdown refresh came "
        f"{stall['first_refresh_after_stall_ms']} ms after the stall ended; the remaining time it showed differed "
        f"from planned − true elapsed by {stall['shown_remaining_error_ms']} ms (target ≤ 50 ms: "
        f"{'yes' if stall['within_target'] else '**no**'}); the digits read {stall['digits_shown']} "
        f"({stall['digits_error_s']} s from the exact value; the display rounds remaining time up to the second).",
        "", "## 3. Saving a step and signing off against the history's size", "",
        f"Demo stores made by `microneedle-desk demo-data` (bench/.work/, not committed). {results['store_sessions']} "
        "complete sessions run through `Session` with `Store.append_event` as the sink, on the last day of the "
        "demo history (so each sign-off goes into the fullest day file and month index). Times are "
        "`Store.append_event` alone, each save atomic (QSaveFile: temporary file, fsync, rename). "
        "Targets at 50,000: step ≤ 20 ms, sign-off ≤ 200 ms.", "",
        "| past sessions | step median ms | step p90 | step max | sign-off median ms | sign-off max "
        "| first sign-off ms | session start median ms | open+recover ms | store MB | RSS after MB "
        "| demo-data build s | build peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in st:
        lines.append(f"| {r['past_sessions']:,} | {r['step_save_ms']['median']} | {r['step_save_ms']['p90']} | "
                     f"{r['step_save_ms']['max']} | {r['sign_off_ms']['median']} | {r['sign_off_ms']['max']} | "
                     f"{r['first_sign_off_ms']} | {r['session_start_ms']['median']} | {r['open_and_recover_ms']} | "
                     f"{r['store_size_mb']} | {r['rss_after_mb']} | {r['store_build_s']} | "
                     f"{r['store_build_peak_rss_mb']} |")
    lines += ["", "## Memory", "",
              f"Peak RSS of the benchmark process: {results['peak_rss_mb']} MB (it holds the open stores and "
              "the alert window). Start-up children report their own peak (VmHWM) in section 1; demo-data "
              "builds in section 3 (build figures are from when the store was first built).", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def startup_only(rounds: int, big: bool, write: bool = False) -> int:
    empty = WORK / "startup-empty"
    shutil.rmtree(empty, ignore_errors=True)  # the untimed first run makes it: a first start
    stores = {"empty store": empty}
    if big:
        demo_copy = WORK / "startup-50000"
        _link_copy(_build_store(50_000), demo_copy)
        stores["50,000 sessions"] = demo_copy
    su = measure_startup(rounds, stores)
    if big:
        shutil.rmtree(WORK / "startup-50000", ignore_errors=True)
    print("\n".join(startup_table(su)))
    print(f"load average: {os.getloadavg()}")
    if write:  # replace the start-up part of the last full run's results, keep the rest
        results = json.loads((RESULTS / "session.json").read_text(encoding="utf-8"))
        results["startup"] = su | {
            "when": datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": (f".venv/bin/python bench/run.py --startup-only{' --big' if big else ''} "
                        f"--rounds {rounds} --write"),
            "load_avg_at_end": [round(x, 2) for x in os.getloadavg()]}
        (RESULTS / "session.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        write_markdown(results, RESULTS / "session.md")
        print(f"written: {RESULTS / 'session.json'} and {RESULTS / 'session.md'} (start-up part)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 sessions, few trials")
    parser.add_argument("--startup-only", action="store_true",
                        help="only the start-up part (empty store; with --big also the 50,000 store); "
                             "prints the table, writes nothing under bench/results unless --write")
    parser.add_argument("--write", action="store_true",
                        help="with --startup-only: put this start-up part into bench/results/session.json/md "
                             "in place of the last full run's (the other parts are kept)")
    parser.add_argument("--big", action="store_true", help="with --startup-only: also start on the 50,000 store")
    parser.add_argument("--rounds", type=int, default=None, help="start-up samples per variant")
    args = parser.parse_args()
    if args.startup_only:
        return startup_only(args.rounds or 7, args.big, args.write)
    sizes = [1000] if args.quick else [1000, 10_000, 50_000]
    sessions = 5 if args.quick else 21
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    print("store benchmarks (builds demo stores once under bench/.work/)...", flush=True)
    store_rows = [measure_store(size, sessions) for size in sizes]
    print("start-up...", flush=True)
    empty = WORK / "startup-empty"
    shutil.rmtree(empty, ignore_errors=True)
    big = sizes[-1]
    demo_copy = WORK / f"startup-{big}"
    _link_copy(WORK / f"store-{big}", demo_copy)
    startup = measure_startup(args.rounds or (3 if args.quick else 7),
                              {"empty store": empty, f"{big:,} sessions": demo_copy})
    shutil.rmtree(demo_copy, ignore_errors=True)
    print("alerts...", flush=True)
    alerts = measure_alerts(3 if args.quick else 20)
    results = {
        "when": datetime.now().astimezone().isoformat(timespec="seconds"), "quick": args.quick,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_avg_at_end": [round(x, 2) for x in os.getloadavg()]},
        "startup": startup, "alerts": alerts, "store": store_rows, "store_sessions": sessions,
        "peak_rss_mb": _rss_mb(), "peak_rss_children_mb": _rss_mb(resource.RUSAGE_CHILDREN),
    }
    out = WORK if args.quick else RESULTS  # a smoke run's figures are not the deliverable
    (out / "session.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    write_markdown(results, out / "session.md")
    print((out / "session.md").read_text(encoding="utf-8"))
    print(f"written: {out / 'session.json'} and {out / 'session.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
