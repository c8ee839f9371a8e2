"""What a running countdown costs the laptop: the process's own CPU time and its wake-ups.

    .venv/bin/python bench/bench_countdown.py [--runs 3] [--seconds 20] [--trace-seconds 10]
                                              [--offscreen] [--no-alerts]

Three processes are measured, interleaved, ``--runs`` times each, under Xvfb at 1366x768 when
Xvfb is installed (else the offscreen platform, and the results say so):

(a) ``baseline``: a minimal PySide6 window that sets one label's text once a second, the focus
    in a QLineEdit (its cursor blinks, as the app's does);
(b) ``visible``: the app with a running dwell countdown, on the Device step with the focus in
    the cartridge lot field;
(c) ``minimised``: the same app, minimised.

Each child is left to settle, then measured from outside over ``--seconds``: CPU time (its
threads' run time from /proc/PID/task/*/schedstat, nanoseconds) and context switches (voluntary
and involuntary, summed over the process's threads from /proc/PID/task/*/status); then, over
``--trace-seconds``, its system calls with ``strace -f -c`` (poll, ppoll, eventfd2, read,
write, ... per second): an event-loop wake-up is one poll/ppoll return. The countdown alert's
lateness is measured again by bench/run.py's own trial (in a child, offscreen, another process
keeping the other core busy).

Writes bench/results/countdown.json and bench/results/countdown.md, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MODES = ("baseline", "visible", "minimised")
TRACED = "poll,ppoll,epoll_wait,select,pselect6,eventfd2,read,write,writev,recvmsg,sendmsg,futex"
SIZE = (1366, 768)
sys.path.insert(0, str(ROOT))  # this checkout's app, not an installed one


# -- the measured children --------------------------------------------------------------------
def child_baseline() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMainWindow, QVBoxLayout, QWidget

    app = QApplication(sys.argv)
    window = QMainWindow()
    central = QWidget()
    layout = QVBoxLayout(central)
    label = QLabel("--:--:--")
    edit = QLineEdit()
    layout.addWidget(label)
    layout.addWidget(edit)
    window.setCentralWidget(central)
    window.resize(*SIZE)
    timer = QTimer()
    timer.timeout.connect(lambda: label.setText(time.strftime("%H:%M:%S")))
    timer.start(1000)
    window.show()
    window.activateWindow()
    edit.setFocus()
    print("ready", flush=True)
    return app.exec()


def child_app(minimised: bool) -> int:
    sys.path.insert(0, str(ROOT / "bench"))
    from PySide6.QtWidgets import QApplication

    from microneedle_desk import paths
    from microneedle_desk.app import build_window, make_app
    from microneedle_desk.core.clock import SystemClock

    tmp = tempfile.mkdtemp(prefix="bench-countdown-")
    os.environ["XDG_CONFIG_HOME"] = tmp  # the user's settings stay out of it
    paths.set_data_dir(Path(tmp) / "data")
    app = make_app()
    window, _lock = build_window(SystemClock(), interactive=False)
    window.ctx.settings.set("alerts/sound", False)
    window.resize(*SIZE)
    window.show()
    from run import _open_session_with_dwell_anchor  # bench/run.py: a session whose dwell began now

    _open_session_with_dwell_anchor(window, 0.0, 30)
    window.go_to(3)
    page = window.current_page()
    window.activateWindow()
    page.lot.setFocus()
    if minimised:
        window.showMinimized()
    for _ in range(20):
        app.processEvents()
    assert window.ctx.controller.shown != minimised, "the window's seen state follows the minimising"
    print("ready", flush=True)
    return QApplication.exec()


def child_alerts(trials: int, root: Path = ROOT) -> int:
    sys.path[:0] = [str(root / "bench"), str(root)]
    for name in [m for m in sys.modules if m == "microneedle_desk" or m.startswith("microneedle_desk.")]:
        del sys.modules[name]  # the checkout asked for, not this one
    from run import measure_alerts

    print(json.dumps(measure_alerts(trials)), flush=True)
    return 0


# -- measuring from outside --------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """The process's CPU time: its threads' run time in nanoseconds (/proc/PID/task/*/schedstat),
    where the kernel keeps it; else utime + stime in clock ticks (/proc/PID/stat, 10 ms steps)."""
    total, found = 0, False
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
            found = True
        except (OSError, IndexError, ValueError):
            continue
    if found:
        return total / 1e9
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def cpu_by_thread(pid: int) -> dict[str, float]:
    """Each thread's run time in seconds (/proc/PID/task/*/schedstat), summed by thread name."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            ns = int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended meanwhile
        out[name] = out.get(name, 0.0) + ns / 1e9
    return out


def context_switches(pid: int) -> tuple[int, int]:
    voluntary = involuntary = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "status").read_text()
        except OSError:
            continue  # a thread that ended meanwhile
        for line in text.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                voluntary += int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                involuntary += int(line.split()[1])
    return voluntary, involuntary


def trace(pid: int, seconds: float) -> dict[str, int] | None:
    """System calls of every thread of ``pid`` over ``seconds`` (strace -c), by name."""
    if shutil.which("strace") is None:
        return None
    out = Path(tempfile.mkstemp(prefix="bench-strace-")[1])
    proc = subprocess.Popen(["strace", "-f", "-c", "-e", f"trace={TRACED}", "-o", str(out), "-p", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    calls: dict[str, int] = {}
    for line in out.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0].replace(".", "").isdigit() and parts[-1] != "total":
            calls[parts[-1]] = int(parts[3])
    out.unlink()
    return calls


def run_one(mode: str, env: dict[str, str], seconds: float, trace_s: float, settle_s: float) -> dict[str, Any]:
    args = [sys.executable, str(Path(__file__).resolve()), "--child", mode]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"{mode} did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(settle_s)
        threads0 = cpu_by_thread(proc.pid)
        cpu0, (vol0, inv0), t0 = cpu_seconds(proc.pid), context_switches(proc.pid), time.monotonic()
        time.sleep(seconds)
        cpu1, (vol1, inv1), t1 = cpu_seconds(proc.pid), context_switches(proc.pid), time.monotonic()
        threads1 = cpu_by_thread(proc.pid)
        calls = trace(proc.pid, trace_s)
    finally:
        proc.kill()
        proc.wait()
    wall = t1 - t0
    polls = sum((calls or {}).get(name, 0) for name in ("poll", "ppoll", "epoll_wait", "select", "pselect6"))
    return {"mode": mode, "wall_s": round(wall, 2), "cpu_s": round(cpu1 - cpu0, 3),
            "cpu_percent_of_core": round(100 * (cpu1 - cpu0) / wall, 3),
            "voluntary_switches_per_s": round((vol1 - vol0) / wall, 2),
            "involuntary_switches_per_s": round((inv1 - inv0) / wall, 2),
            "cpu_percent_by_thread": {name: round(100 * (t - threads0.get(name, 0.0)) / wall, 4)
                                      for name, t in sorted(threads1.items())},
            "traced_s": trace_s,
            "syscalls_per_s": None if calls is None else {k: round(v / trace_s, 2) for k, v in sorted(calls.items())},
            "wakeups_per_s": None if calls is None else round(polls / trace_s, 2)}


def start_xvfb() -> tuple[subprocess.Popen[bytes] | None, str]:
    if shutil.which("Xvfb") is None:
        return None, ""
    for number in range(90, 120):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                return proc, f":{number}"
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
    return None, ""


def summary(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
    values = [r[key] for r in rows if r[key] is not None]
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)} if values else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", choices=(*MODES, "alerts"), help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0, help="CPU and context switches measured over this")
    parser.add_argument("--trace-seconds", type=float, default=10.0, help="system calls counted over this")
    # The app runs its start-up check and the day's first backup in a thread a moment after its
    # window is up: the settling time lets them finish, so what is measured is a countdown running.
    parser.add_argument("--settle", type=float, default=15.0, help="seconds left to the child before measuring")
    parser.add_argument("--offscreen", action="store_true", help="the offscreen platform even if Xvfb is there")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="the processes measured, of " + ", ".join(MODES) + " (all by default)")
    parser.add_argument("--alert-trials", type=int, default=10)
    parser.add_argument("--alert-baseline", type=Path, default=None,
                        help="another checkout (e.g. `git archive` of main) whose alert lateness is measured "
                             "in the same run, interleaved with this one's")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "baseline":
        return child_baseline()
    if args.child in ("visible", "minimised"):
        return child_app(args.child == "minimised")
    if args.child == "alerts":
        return child_alerts(args.alert_trials, args.root)

    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app caches its bytecode
    xvfb, display = (None, "") if args.offscreen else start_xvfb()
    if xvfb is not None:
        env.update(QT_QPA_PLATFORM="xcb", DISPLAY=display)
        env.pop("WAYLAND_DISPLAY", None)
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    load_before = os.getloadavg()
    rows: list[dict[str, Any]] = []
    try:
        for run in range(args.runs):
            # interleaved: the load of the moment falls on every mode alike
            for mode in [m for m in MODES if m in args.modes.split(",")]:
                row = run_one(mode, env, args.seconds, args.trace_seconds, args.settle)
                row["run"] = run + 1
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        if xvfb is not None:
            xvfb.kill()
            xvfb.wait()
    alerts: dict[str, Any] = {}
    alert_rounds: list[dict[str, Any]] = []
    if args.alert_trials:
        alert_env = dict(env, QT_QPA_PLATFORM="offscreen")

        def lateness(root: Path, trials: int) -> dict[str, Any]:
            out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "alerts",
                                  "--alert-trials", str(trials), "--root", str(root)], env=alert_env,
                                 capture_output=True, text=True, check=True, cwd=root)
            return dict(json.loads(out.stdout.strip().splitlines()[-1]))

        alerts = lateness(ROOT, args.alert_trials)
        if args.alert_baseline is not None:
            for _ in range(2):  # interleaved: the machine's load falls on both alike
                for name, root in (("baseline", args.alert_baseline), ("this", ROOT)):
                    late = lateness(root, 5)["lateness_ms"]
                    alert_rounds.append({"code": name, **late, "load": round(os.getloadavg()[0], 2)})
    load_after = os.getloadavg()
    by_mode = {m: [r for r in rows if r["mode"] == m] for m in MODES}
    figures = {m: {k: summary(by_mode[m], k) for k in ("cpu_percent_of_core", "voluntary_switches_per_s",
                                                        "involuntary_switches_per_s", "wakeups_per_s")}
               for m in MODES}

    def ratio(key: str) -> float | None:
        base, app = figures["baseline"][key].get("median"), figures["visible"][key].get("median")
        return round(app / base, 2) if base and app is not None else None

    targets = {
        "visible_cpu_vs_baseline": {"ratio": ratio("cpu_percent_of_core"), "target": 1.5},
        "visible_wakeups_vs_baseline": {"ratio": ratio("wakeups_per_s"), "target": 1.5},
        "visible_switches_vs_baseline": {"ratio": ratio("voluntary_switches_per_s"), "target": 1.5},
        "minimised_cpu_percent": {"value": figures["minimised"]["cpu_percent_of_core"].get("median"),
                                  "target": 0.1},
    }
    for target in targets.values():
        figure = target.get("ratio", target.get("value"))
        target["met"] = figure is not None and figure <= target["target"]
    result = {
        "platform": "xcb under Xvfb 1366x768" if xvfb is not None else "offscreen (Xvfb not installed)",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in load_after],
        "runs": args.runs, "settle_seconds": args.settle, "seconds": args.seconds,
        "trace_seconds": args.trace_seconds, "figures": figures, "targets": targets, "rows": rows, "alerts": alerts,
        "alert_baseline": str(args.alert_baseline) if args.alert_baseline else None, "alert_rounds": alert_rounds,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "countdown.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "countdown.md").write_text(markdown(result))
    print((RESULTS / "countdown.md").read_text())
    return 0


NOTES = [
    "**Visible (run of 2026-12-07 04:35-04:50 UTC, load 0.4-1.5).** 1.01× the minimal window's CPU time "
    "(the app 0.388-0.646 % of a core, the minimal window 0.339-0.592 %); the previous runs of this "
    "benchmark measured 1.5-2.02×. What changed: the app had two Python event filters on the whole "
    "application (the idle lock, and the Space key of the Needling step). A filter there is handed every "
    "event of every widget (each paint, each blink of the text cursor, each timer) and PySide wraps each "
    "one for Python, making a wrapper for every object Python never held (shiboken's findDerivedType and "
    "dynamic casts). A profile of the visible window (perf, 20 s, DWARF call graphs) put 39 % of the "
    "process's samples under those filters. Space and the needling keys are now shortcuts of the window, "
    "switched on and off when the focus, the step or the needling action changes (ui/window_keys.py), "
    "and the idle lock watches the app's windows (QWindow), where the window system's input arrives, "
    "instead of the application (ui/lock_screen.py). A check before this run, the three processes side by "
    "side for 40 s, 3 rounds: minimal window 0.265-0.312 %, the app 0.318-0.383 % (1.21×), the code "
    "before the change 0.477-0.597 % (1.8×). Per second the app now does one beat (the controller's "
    "poll, the countdown's texts, its figure drawn by its own paintEvent) and the text cursor's two "
    "blinks, as the minimal window does its label and its blinks.",
    "",
    "**Alerts.** The banner no longer takes a row of the window's layout: showing a widget a layout holds "
    "makes Qt lay out every layout up to the window at once, inside the alert's slot, and that was most "
    "of an alert's lateness (the banner's show() took 1.6-21.6 ms). It now lies over the top of the "
    "step's page, in the page's scrolling viewport, which has no layout (ui/alert_bar.py). The window's "
    "alert slot takes 0.1-0.2 ms (0.6 ms the first time), and a probe of 10 trials with the other core "
    "busy put the kernel timer's ring 0.2-0.6 ms after the deadline (once 2.2 ms), the alert told 0.3 ms "
    "later, the window's slot done 0.4-1 ms after that. What is left above that is the scheduler under "
    "load (the one trial over 5 ms above).",
    "",
    "**Minimised.** 0.012-0.034 % of a core. Nothing is drawn and no beat runs; what is left is the "
    "session's heartbeat (ui/heartbeat.py: every 20 s the open session's `.alive` note, written "
    "atomically, so that a crash's gap is known to within 20 s) and one timer inside Qt every 20 s. The "
    "alert's alarm sleeps in the kernel until its deadline.",
]


def markdown(r: dict[str, Any]) -> str:
    f, t = r["figures"], r["targets"]

    def cell(mode: str, key: str) -> str:
        s = f[mode][key]
        return f"{s['median']} ({s['min']}–{s['max']})" if s else "—"

    lines = [
        "# Countdown cost: CPU time and wake-ups",
        "",
        f"Platform: {r['platform']}; {r['machine']}. Load average before {r['load_average_before']}, "
        f"after {r['load_average_after']} (a 2-core machine shared with other work: figures swing with it).",
        f"{r['runs']} runs of each process, interleaved, each measured after {r.get('settle_seconds', 4.0)} s of "
        f"settling; CPU and context switches over {r['seconds']} s, "
        f"system calls (strace -f -c) over {r['trace_seconds']} s. Median (min–max).",
        "",
        "| process | CPU, % of a core | wake-ups/s (poll returns) | voluntary switches/s | involuntary/s |",
        "|---|---|---|---|---|",
    ]
    names = {"baseline": "(a) minimal window, one label set each second, focus in a line edit",
             "visible": "(b) the app, dwell countdown running, visible, focus in a line edit",
             "minimised": "(c) the app, dwell countdown running, minimised"}
    for mode in MODES:
        lines.append(f"| {names[mode]} | {cell(mode, 'cpu_percent_of_core')} | {cell(mode, 'wakeups_per_s')} | "
                     f"{cell(mode, 'voluntary_switches_per_s')} | {cell(mode, 'involuntary_switches_per_s')} |")
    lines += ["", "| target | figure | target | met |", "|---|---|---|---|"]
    for name, target in t.items():
        figure = target.get("ratio", target.get("value"))
        unit = "×" if "ratio" in target else " % of a core"
        lines.append(f"| {name} | {figure}{unit} | ≤ {target['target']}{unit} | {'yes' if target['met'] else 'NO'} |")
    al = r.get("alerts") or {}
    if al:
        late = al["lateness_ms"]
        lines += ["", f"Alert lateness (bench/run.py's trial, offscreen, {al['trials']} trials, another process "
                      f"busy on the other core): median {late['median']} ms, max {late['max']} ms, "
                      f"min {late['min']} ms, early {al['early_count']} (target: never early, ≤ 5 ms late)."]
    if r.get("alert_rounds"):
        lines += ["", f"Alert lateness interleaved with the code before this change ({r['alert_baseline']}), "
                      "5 trials per round, same conditions:", "",
                  "| code | median ms | max ms | min ms | load average (1 min) |", "|---|---|---|---|---|"]
        lines += [f"| {a['code']} | {a['median']} | {a['max']} | {a['min']} | {a['load']} |" for a in r["alert_rounds"]]
    lines += ["", *NOTES]
    lines += ["", "CPU by thread (% of a core over the same seconds; threads of one name summed), per run:", ""]
    for row in r["rows"]:
        threads = row.get("cpu_percent_by_thread") or {}
        lines.append(f"- run {row['run']} {row['mode']}: " + ", ".join(f"{k} {v}" for k, v in threads.items()))
    lines += ["", "System calls per second, per run:", ""]
    for row in r["rows"]:
        per_s = row["syscalls_per_s"]
        calls = ("(strace not available)" if per_s is None
                 else ", ".join(f"{k} {v}" for k, v in per_s.items()) or "none of the traced calls")
        lines.append(f"- run {row['run']} {row['mode']}: {calls}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
