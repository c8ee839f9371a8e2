"""Fault injection: kill a process that is saving records, at random moments, and check everything.

A child process saves session steps and completed sessions in a loop through the real
store, printing an acknowledgement after each save returns ("saved <session> <n>", and
"signed <session>" when the signature is saved). The parent SIGKILLs it at a random
moment, restarts the store (lock takeover and recovery, as the app does), and checks:

* every file in the data folder reads and passes ``check`` (0 unreadable files, 0 problems);
* no stray temporary files are left;
* every session acknowledged as signed is on file, signed (0 lost signed sessions);
* every acknowledged step of the interrupted session is recoverable.

    python tools/fault_injection.py --kills 200 --data-dir DIR

Demo data only: the patients are made up.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

EXPECTED = {".json", ".lock", ".zip", ".ini"}


# -- the child: saves, and says so ----------------------------------------------------
CHILD_PIN = "731902"


def child(data_dir: Path, seed: int) -> int:
    from datetime import datetime

    from microneedle_desk import paths
    from microneedle_desk.core import script
    from microneedle_desk.core.clock import FakeClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.core.records import make_patient
    from microneedle_desk.core.session import Session
    from microneedle_desk.core.session_state import SessionConfig
    from microneedle_desk.store.accounts import AccountBook
    from microneedle_desk.store.leftovers import quarantine_strays
    from microneedle_desk.store.lock import StoreLock
    from microneedle_desk.store.store import Store

    rng = random.Random(seed)
    protocol = load_protocol(paths.protocol_file())
    lock = StoreLock(data_dir)
    if lock.acquire() is not None:
        print("locked", flush=True)
        return 3
    clock = FakeClock(start=datetime.now().astimezone(), boot=f"child-{seed}")
    store = Store(data_dir, protocol, clock)
    store.recover()
    quarantine_strays(data_dir, clock.now())  # as the app's start-up does
    book = AccountBook(store)
    if book.needs_first_admin():  # the sessions are started and signed with a PIN, as in the app
        book.create_first_admin("Fault Injection", CHILD_PIN)
    practitioner = next(a.id for a in book.accounts() if a.is_admin)
    for active in store.active_sessions():  # left by a kill, already checked by the parent
        Session.resume(protocol, clock, store.device, active.events, sink=store.append_event).abandon(
            "fault-injection restart")
    print("ready", flush=True)

    sink = book.pin_sink(CHILD_PIN, lambda event: print(f"saved {event['session']} {event['n']}", flush=True))

    n = 0
    while True:
        n += 1
        patient = make_patient(protocol, name=f"Demo Patient {seed}-{n}", dob="1980-01-02",
                               clinic_id=f"FI-{seed}-{n}", sex="male", indication="aga_male",
                               scale="norwood_hamilton", grade="III", device=store.device,
                               now=clock.now(), demo=True)
        s = Session.start(protocol, clock, store.device, patient, practitioner, SessionConfig(), sink=sink)
        script.clear_screening(s, consent_by="Demo Patient")
        script.apply_anesthetic(s, dwell_minutes=30, product="EMLA 5%")
        script.prepare_device(s, needle_mm=rng.choice(["0.5", "1.0", "1.5"]), lot=f"LOT-{n}", handpiece="HP-1")
        script.wait_dwell(s, clock.advance)
        script.do_needling(s, clock.advance, zones=("vertex",), directions=("longitudinal",))
        script.close_out(s, antibiotic="Fucidin", next_session=clock.now().date() + timedelta(days=14))
        s.sign()
        print(f"signed {s.id}", flush=True)
        clock.advance(60)


# -- the parent: kills and checks -----------------------------------------------------
class Tally:
    def __init__(self) -> None:
        self.kills = 0
        self.files_checked = 0
        self.unreadable = 0
        self.problems: list[str] = []
        self.stray: list[str] = []
        self.signed_acked: set[str] = set()
        self.lost_signed: list[str] = []
        self.steps_acked = 0
        self.in_progress_checked = 0
        self.in_progress_short: list[str] = []
        self.locked_out = 0
        self.leftovers = 0

    def ok(self) -> bool:
        return not (self.unreadable or self.problems or self.stray or self.lost_signed or self.in_progress_short
                    or self.locked_out)

    def report(self) -> str:
        return "\n".join([
            f"kills: {self.kills}",
            f"files checked (summed over restarts): {self.files_checked}",
            f"unreadable files: {self.unreadable}",
            f"check problems: {len(self.problems)}",
            f"QSaveFile leftovers found after a kill (moved to quarantine at restart): {self.leftovers}",
            f"other stray files: {len(self.stray)}",
            f"steps acknowledged as saved: {self.steps_acked}",
            f"signed sessions acknowledged: {len(self.signed_acked)}",
            f"signed sessions lost: {len(self.lost_signed)}",
            f"interrupted sessions checked: {self.in_progress_checked}",
            f"interrupted sessions missing acknowledged steps: {len(self.in_progress_short)}",
            f"restarts refused by a stale lock: {self.locked_out}",
        ])


def _read(proc: subprocess.Popen[str], lines: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.strip())


def run_once(data_dir: Path, seed: int, delay: float, tally: Tally, from_ready: bool = False) -> None:
    """One child killed ``delay`` seconds after it starts, or, ``from_ready``, after it says it
    has opened the store and begins saving (a slow start must not leave only kills during it)."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", "--data-dir", str(data_dir), "--seed", str(seed)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=_read, args=(proc, lines), daemon=True)
    reader.start()
    if from_ready:
        waited = 0.0
        while "ready" not in lines and proc.poll() is None and waited < 60:
            time.sleep(0.01)
            waited += 0.01
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        tally.kills += 1
    proc.wait()
    reader.join(timeout=5)
    if proc.returncode not in (-signal.SIGKILL, None):
        err = proc.stderr.read() if proc.stderr else ""
        if "locked" in lines:
            tally.locked_out += 1
        else:
            raise RuntimeError(f"the child failed on its own (exit {proc.returncode}):\n{err[-3000:]}")
    if proc.stderr:
        proc.stderr.close()
    last: dict[str, int] = {}
    for line in lines:
        parts = line.split()
        if parts[:1] == ["saved"] and len(parts) == 3:
            last[parts[1]] = int(parts[2])
            tally.steps_acked += 1
        elif parts[:1] == ["signed"] and len(parts) == 2:
            tally.signed_acked.add(parts[1])
    verify(data_dir, last, tally)


def verify(data_dir: Path, last_saved: dict[str, int], tally: Tally) -> None:
    from microneedle_desk import paths
    from microneedle_desk.core.clock import SystemClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.store.check import check_store
    from microneedle_desk.store.index_parts import month_of
    from microneedle_desk.store.leftovers import stray_temp_files
    from microneedle_desk.store.lock import StoreLock
    from microneedle_desk.store.store import Store

    protocol = load_protocol(paths.protocol_file())
    leftovers = {p.relative_to(data_dir).as_posix() for p in stray_temp_files(data_dir)}
    tally.leftovers += len(leftovers)
    for path in data_dir.rglob("*"):
        rel = path.relative_to(data_dir).as_posix()
        if path.is_file() and not rel.startswith("quarantine/"):
            tally.files_checked += 1
            if (path.suffix not in EXPECTED or path.name.startswith(".")) and rel not in leftovers:
                tally.stray.append(rel)
    if not paths.meta_file(data_dir).exists():
        return  # killed before the store was created
    problems = check_store(data_dir, protocol)
    # A kill between an index write and the note of its digest leaves derived data the store
    # did not note: the app's start derives it again from the records (app.check_at_start), so
    # it is done below as the app does and the folder checked again; the records must be clean.
    derived = [p for p in problems if p.derived]
    problems = [p for p in problems if not p.derived]
    tally.unreadable += len({p.file for p in problems if not p.record})
    tally.problems += [str(p) for p in problems]
    lock = StoreLock(data_dir)
    if lock.acquire() is not None:  # the killed child's lock must be taken over as stale
        tally.locked_out += 1
        return
    try:
        store = Store(data_dir, protocol, SystemClock())
        store.recover()
        if derived:
            store.rebuild_derived(sorted({month for p in derived if (month := month_of(p.file)) is not None}))
            tally.problems += [str(p) for p in check_store(data_dir, protocol)]
        for session_id in tally.signed_acked:
            doc = store.session_doc(session_id)
            if doc is None or doc.get("status") != "signed":
                tally.lost_signed.append(session_id)
        for session_id, n in last_saved.items():
            if session_id in tally.signed_acked:
                continue
            tally.in_progress_checked += 1
            doc = store.session_doc(session_id)
            if doc is None or len(doc["events"]) < n + 1:
                tally.in_progress_short.append(session_id)
        store.close()
    finally:
        lock.release()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--min-delay", type=float, default=0.05)
    parser.add_argument("--max-delay", type=float, default=1.5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.data_dir, args.seed or 0)
    rng = random.Random(args.seed)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    started = time.monotonic()
    round_no = 0
    while tally.kills < args.kills:
        round_no += 1
        run_once(args.data_dir, rng.randrange(1, 10**9), rng.uniform(args.min_delay, args.max_delay), tally,
                 from_ready=tally.kills % 2 == 1)
    print(tally.report())
    print(f"run time: {time.monotonic() - started:.0f} s over {round_no} restarts")
    for line in (tally.problems + tally.stray + tally.lost_signed + tally.in_progress_short)[:20]:
        print("  ", line)
    return 0 if tally.ok() else 1


if __name__ == "__main__":
    raise SystemExit(main())
