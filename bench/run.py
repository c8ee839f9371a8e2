"""The session benchmark: one command, results written to bench/results/.

    .venv/bin/python bench/run.py            # or: make bench
    .venv/bin/python bench/run.py --quick    # a smoke run: 1,000 sessions, few trials
    .venv/bin/python bench/run.py --startup-only [--sizes 10000,50000] [--rounds N] [--write]
    .venv/bin/python bench/run.py --alerts-only [--trials N] [--write]    # section 2 alone
    .venv/bin/python bench/run.py --store-only [--sizes ...] [--rounds N] [--baseline DIR] [--write]

Measures, in one run:

1. start-up (bench/first_frame.py): the app's first usable frame against a minimal real window,
   the start with 10,000, 50,000 and 150,000 past sessions (warm and cold) against the empty
   store's, and the PyInstaller bundle against the app from source; separate processes,
   interleaved in rounds, wall and CPU time.
2. how late the countdown alert fires while another process keeps the other core busy,
   through the real window, ``SessionController`` and ``SystemClock`` (the session's events
   are written with their anchor shifted so the 15-minute alert is 2 s away); and whether
   the time shown is right immediately after the event loop stalls for 2 s.
3. the time to save one session step and to sign a session off with 10,000, 50,000 and
   150,000 past sessions in the store (the shared demo stores in /work/benchstores when they
   are there, else built once under bench/.work/).

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
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_signoff  # noqa: E402  (bench/ is not a package)
import first_frame  # noqa: E402
from bench_signoff import bare_save, fullest_day, store_section  # noqa: E402
from first_frame import startup_section  # noqa: E402
from startup_notes import ALERT_NOTES, STORE_NOTES  # noqa: E402

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
            "lateness_each_ms": [round(v * 1000, 3) for v in lateness],
            "early_count": sum(1 for v in lateness if v < 0), "target_ms": 5,
            "within_target": late["max"] <= 5 and all(v >= 0 for v in lateness), "stall": stall}


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
    shared = first_frame.store_source(size, WORK)  # the shared demo stores, else one built here
    if shared is not None:
        return shared
    store_dir = WORK / f"store-{size}"
    marker = store_dir / ".complete"
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


def measure_store(size: int, sessions: int, day: date | None = None) -> dict[str, Any]:
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
    from microneedle_desk.review.demo_values import TZ
    from microneedle_desk.store.accounts import AccountBook
    from microneedle_desk.store.store import Store

    built = _build_store(size)
    build_info = json.loads((built / ".complete").read_text())
    run_dir = WORK / f"run-{size}"
    _link_copy(built, run_dir)
    protocol = load_protocol(paths.protocol_file())
    # Sessions are run on the busiest day of the fullest month of the demo history, so each
    # sign-off lands in the fullest day file and month index there is: the worst realistic case.
    day = day or fullest_day(built)
    clock = FakeClock(start=datetime(day.year, day.month, day.day, 18, 30, tzinfo=TZ))
    t0 = time.perf_counter()
    store = Store(run_dir, protocol, clock)
    store.recover()
    open_s = time.perf_counter() - t0
    count = len(store.summaries())
    starts: list[float] = []
    steps: list[float] = []
    signs: list[float] = []
    step_cpu: list[float] = []
    sign_cpu: list[float] = []
    current: list[float] = []
    cpu: list[float] = []
    floor: list[float] = []  # a bare QSaveFile write of the step's file size, right after each step
    scratch = run_dir / "bare-save.bin"

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
        t, c = time.perf_counter(), time.process_time()
        guarded(event, state)
        current.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        active = paths.active_file(run_dir, str(event["session"]))
        if purpose is None and active.exists():
            floor.append(bare_save(scratch, active.stat().st_size))

    for i in range(sessions):
        patient = make_patient(protocol, name=f"Demo Patient B{i:03d}", dob="1980-01-01",
                               clinic_id=f"DEMO-B{i:03d}", sex="male", indication="aga_male",
                               scale="norwood_hamilton", grade="III", device=store.device,
                               now=clock.now(), demo=True)
        current.clear()
        s = Session.start(protocol, clock, store.device, patient, practitioner, SessionConfig(), sink=sink)
        starts.append(current[0])
        current.clear()
        cpu.clear()
        run_complete_session(s, clock.advance, sign=False, consent_by="Demo Patient", dwell_minutes=20,
                             anesthetic="EMLA 5% cream", needle_mm="1.2", lot="DEMO-LOT-1",
                             expiry="2028-01-01", handpiece="DEMO-HP-01", zones=("vertex",), passes=3,
                             antibiotic="Fucidin cream", adjunct="none")
        steps.extend(current)
        step_cpu.extend(cpu)
        current.clear()
        cpu.clear()
        s.sign()
        signs.append(current[0])
        sign_cpu.append(cpu[0])
        clock.advance(60)
    store.close()
    shutil.rmtree(run_dir, ignore_errors=True)
    return {"past_sessions": count, "store_build_s": build_info.get("build_s"),
            "store_build_peak_rss_mb": build_info.get("build_peak_rss_mb"),
            "store_size_mb": round(sum(f.stat().st_size for f in built.rglob("*.json")) / 2**20, 1),
            "open_and_recover_ms": round(open_s * 1000, 1),
            "session_start_ms": _stats(starts), "step_save_ms": _stats(steps),
            "sign_off_ms": _stats(signs), "first_sign_off_ms": round(signs[0] * 1000, 1),
            "step_save_cpu_ms": _stats(step_cpu), "sign_off_cpu_ms": _stats(sign_cpu),
            "bare_save_floor_ms": _stats(floor), "rss_after_mb": _rss_mb()}


# -- report ---------------------------------------------------------------------------
def write_markdown(results: dict[str, Any], path: Path) -> None:
    su, al, st = results["startup"], results["alerts"], results["store"]
    lines = [
        "# Session benchmark", "",
        f"Run {results['when']} on {results['machine']['cpus']} CPU(s), {results['machine']['platform']}, "
        f"Python {results['machine']['python']}, Qt platform offscreen. Command: `.venv/bin/python bench/run.py`"
        f"{' --quick' if results['quick'] else ''}. Raw figures: `session.json`.", "",
        *startup_section(su),
    ]
    late = al["lateness_ms"]
    stall = al["stall"]
    lines += [
        "", "## 2. Countdown alert with the other core busy", "",
        f"{al['trials']} trials through the real window, `SessionController` and `SystemClock`; a separate "
        "process spins on the other core. Lateness = when the `alert` signal reached a slot connected after "
        "the window's own (banner shown, sound started) minus the exact deadline (anesthetic applied + 15 min, "
        "on the monotonic clock). Target: never early and ≤ 5 ms late." + (
            f" This part was run at {al['when']} (`{al['command']}`), load average before "
            f"{al['load_average']['before']}, after {al['load_average']['after']}." if "when" in al else ""), "",
        "| median ms | p90 ms | max ms | min ms | early | within target |", "|---:|---:|---:|---:|---:|---|",
        f"| {late['median']} | {late['p90']} | {late['max']} | {late['min']} | {al['early_count']} | "
        f"{'yes' if al['within_target'] else '**no**'} |", "",
        f"After a {stall['stall_s']} s stall of the event loop (a slot sleeping), the first countdown refresh came "
        f"{stall['first_refresh_after_stall_ms']} ms after the stall ended; the remaining time it showed differed "
        f"from planned − true elapsed by {stall['shown_remaining_error_ms']} ms (target ≤ 50 ms: "
        f"{'yes' if stall['within_target'] else '**no**'}); the digits read {stall['digits_shown']} "
        f"({stall['digits_error_s']} s from the exact value; the display rounds remaining time up to the second).",
        "", *ALERT_NOTES,
        *store_section(results),
    ]
    big = max(st, key=lambda r: r["past_sessions"])
    step_ok, sign_ok = big["step_save_ms"]["median"] <= 5, big["sign_off_ms"]["median"] <= 50
    lines += ["", f"At {big['past_sessions']:,} past sessions: step save median {big['step_save_ms']['median']} ms "
              f"(≤ 5: {'**met**' if step_ok else '**not met**'}), sign-off median {big['sign_off_ms']['median']} ms "
              f"(≤ 50: {'**met**' if sign_ok else '**not met**'}).", "", *STORE_NOTES]
    lines += ["", "## Memory", "",
              f"Peak RSS of the benchmark process: {results['peak_rss_mb']} MB (it holds the open stores and "
              "the alert window). Start-up children report their own peak (VmHWM) in section 1; demo-data "
              "builds in section 3 (build figures are from when the store was first built).", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def startup_only(rounds: int, sizes: list[int], write: bool = False) -> int:
    su = first_frame.measure(rounds, WORK, sizes, _env())
    print("\n".join(first_frame.table(su)))
    print(json.dumps(su["targets"]), f"load average: {os.getloadavg()}")
    if write:  # replace the start-up part of the last full run's results, keep the rest
        results = json.loads((RESULTS / "session.json").read_text(encoding="utf-8"))
        results["startup"] = su | {
            "when": datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": (f".venv/bin/python bench/run.py --startup-only --sizes {','.join(map(str, sizes))} "
                        f"--rounds {rounds} --write")}
        (RESULTS / "session.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        write_markdown(results, RESULTS / "session.md")
        print(f"written: {RESULTS / 'session.json'} and {RESULTS / 'session.md'} (start-up part)")
    return 0


def alerts_only(trials: int, write: bool = False) -> int:
    """Section 2 alone: the alert's lateness (and the stall check), the load average beside it."""
    load_before = os.getloadavg()
    alerts = measure_alerts(trials)
    alerts["load_average"] = {"before": [round(x, 2) for x in load_before],
                              "after": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(alerts, indent=2))
    if write:  # replace the alert part of the last full run's results, keep the rest
        results = json.loads((RESULTS / "session.json").read_text(encoding="utf-8"))
        results["alerts"] = alerts | {
            "when": datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": f".venv/bin/python bench/run.py --alerts-only --trials {trials} --write"}
        (RESULTS / "session.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        write_markdown(results, RESULTS / "session.md")
        print(f"written: {RESULTS / 'session.json'} and {RESULTS / 'session.md'} (alert part)")
    return 0


def store_only(rounds: int, sizes: list[int], sessions: int, baseline: Path | None, write: bool) -> int:
    WORK.mkdir(parents=True, exist_ok=True)
    part = bench_signoff.measure(sizes, sessions, rounds, baseline, _env(), first_frame.store_source, WORK)
    part |= {"store_sessions": sessions, "store_when": datetime.now().astimezone().isoformat(timespec="seconds")}
    print("\n".join(store_section(part)))
    if write:  # replace section 3 of the last full run's results, keep the rest
        results = json.loads((RESULTS / "session.json").read_text(encoding="utf-8"))
        results |= part
        (RESULTS / "session.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        write_markdown(results, RESULTS / "session.md")
        print(f"written: {RESULTS / 'session.json'} and {RESULTS / 'session.md'} (section 3)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 sessions, few trials")
    parser.add_argument("--startup-only", action="store_true",
                        help="only the start-up part; prints the table, writes nothing under bench/results "
                             "unless --write")
    parser.add_argument("--write", action="store_true",
                        help="with --startup-only, --alerts-only or --store-only: put this part into "
                             "bench/results/session.json/md in place of the last full run's (the other parts "
                             "are kept)")
    parser.add_argument("--alerts-only", action="store_true",
                        help="only section 2 (the alert's lateness); writes nothing under bench/results unless "
                             "--write")
    parser.add_argument("--trials", type=int, default=20, help="with --alerts-only: alert trials")
    parser.add_argument("--sizes", default="10000,50000,150000",
                        help="the demo stores' sizes (sessions) for the start-up and store parts")
    parser.add_argument("--rounds", type=int, default=None,
                        help="start-up samples per variant; with --store-only, runs per size")
    parser.add_argument("--store-only", action="store_true",
                        help="only the step-save and sign-off part (section 3), each size in child processes; "
                             "prints the table, writes nothing under bench/results unless --write")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="with --store-only: a copy of other code (e.g. `git archive main | tar -x -C DIR`) "
                             "measured alternately in the same run")
    args = parser.parse_args()
    if args.alerts_only:
        return alerts_only(args.trials, args.write)
    sizes = [1000] if args.quick else [int(n) for n in args.sizes.split(",")]
    missing = [n for n in sizes if n > 50_000 and first_frame.store_source(n, WORK) is None]
    if missing:  # building 150,000 sessions takes most of an hour: not as a side effect of a run
        print(f"no finished demo store of {missing} sessions: left out", flush=True)
        sizes = [n for n in sizes if n not in missing]
    if args.startup_only:
        return startup_only(args.rounds or 11, sizes, args.write)
    if args.store_only:
        return store_only(args.rounds or 2, sizes, 5 if args.quick else 21, args.baseline, args.write)
    sessions = 5 if args.quick else 21
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    print("store benchmarks (builds demo stores once under bench/.work/)...", flush=True)
    store_rows = [measure_store(size, sessions) for size in sizes]
    print("start-up...", flush=True)
    startup = first_frame.measure(args.rounds or (3 if args.quick else 11), WORK, sizes, _env())
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
