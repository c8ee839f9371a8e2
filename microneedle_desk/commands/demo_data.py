"""``microneedle-desk demo-data --sessions N [--seed S]``: fill a store with demo sessions.

Exit 0 when done, 2 when refused (the folder holds real records, is open in the app, or
cannot be read) or when N is not a positive number. Nothing about any real patient is
printed.
"""

from __future__ import annotations

import argparse
import sys
import time

from microneedle_desk import paths
from microneedle_desk.clinic import Clinic
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.i18n import tr
from microneedle_desk.review.demo import DemoRefused
from microneedle_desk.store.folder import writing_problem
from microneedle_desk.store.lock import StoreLock
from microneedle_desk.store.storage import BadFileError
from microneedle_desk.store.store import StoreError


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("“{text}” is not a whole number of sessions").format(text=text)) from None
    if not 1 <= value <= 500_000:
        raise argparse.ArgumentTypeError(tr("the number of sessions must be 1–500,000"))
    return value


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions", type=_positive, required=True, metavar="N",
                        help=tr("how many sessions to generate (courses of 4–12 per demo patient)"))
    parser.add_argument("--seed", type=int, default=1, metavar="S",
                        help=tr("random seed: the same seed gives the same demo data (default 1)"))


def run(args: argparse.Namespace) -> int:
    root = paths.data_dir()
    try:
        protocol = load_protocol(paths.protocol_file())
    except ProtocolError as exc:
        print(tr("Cannot generate demo data: {exc}").format(exc=exc), file=sys.stderr)
        return 2
    problem = writing_problem(root)
    if problem is not None:
        print(tr("Cannot generate demo data: {why}").format(why=problem), file=sys.stderr)
        return 2
    lock = StoreLock(root)
    holder = lock.acquire()
    if holder is not None:
        print(tr("Cannot generate demo data: {why}").format(why=holder.why(root, tr("Close it first."))),
              file=sys.stderr)
        return 2
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print("\r" + tr("  {done:,} of {total:,} sessions").format(done=done, total=total), end="",
                  file=sys.stderr, flush=True)

    try:
        clinic = Clinic.open(root, protocol, SystemClock())
        try:
            result = clinic.maintenance.fill_demo(args.sessions, seed=args.seed, progress=progress)
        finally:
            clinic.store.close()
    except DemoRefused as exc:
        print(tr("Refused: {exc} ({root})").format(exc=exc, root=root), file=sys.stderr)
        return 2
    except (StoreError, BadFileError, OSError) as exc:
        print(tr("Cannot generate demo data: {exc}").format(exc=exc), file=sys.stderr)
        return 2
    finally:
        lock.release()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(tr("Added {sessions:,} demo sessions ({signed:,} signed, {abandoned:,} abandoned) for {patients:,} demo "
             "patients, {first_day} to {last_day}, in {root} ({value:.1f} s). The store is marked as demo "
             "data.").format(
                 sessions=result.sessions, signed=result.signed, abandoned=result.abandoned, patients=result.patients,
                 first_day=result.first_day, last_day=result.last_day, root=root,
                 value=time.perf_counter() - started))
    return 0
