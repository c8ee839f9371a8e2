"""``microneedle-desk sync [--data-dir DIR] --server DSN``: meet the clinic server once.

Pushes what this laptop has that the server lacks, pulls the clinic's patients and other
rooms' sessions, and prints the counts. Exit 0 done, 1 done with conflicts to review
(duplicate clinic patient IDs, the same person twice, records the server quarantined),
2 the server cannot be reached or refuses (nothing here is changed then). Each use is written
to the access log (commands/use_log.py); those lines travel with the next sync, uncounted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from microneedle_desk import paths
from microneedle_desk.clinic.clinic import Clinic
from microneedle_desk.commands.restore import hold_lock
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import load_protocol
from microneedle_desk.i18n import tr
from microneedle_desk.server.connection import ServerError

EXIT_DONE, EXIT_CONFLICTS, EXIT_FAILED = 0, 1, 2


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="DSN", required=True,
                        help="libpq connection string or URI (postgresql://role@host/db, service=clinic); "
                             "the password comes from ~/.pgpass or the service file, never from here")


def run(args: argparse.Namespace) -> int:
    root = paths.data_dir()
    if not paths.meta_file(root).exists():
        print(tr("microneedle-desk sync: there are no records in {path} to sync.").format(path=root), file=sys.stderr)
        return EXIT_FAILED
    with hold_lock(root) as refusal:
        if refusal:
            print(refusal, file=sys.stderr)
            return EXIT_FAILED
        clinic = Clinic.open(root, load_protocol(paths.protocol_file()), SystemClock())
        try:
            result = clinic.server.sync_now(args.server, _progress() if sys.stderr.isatty() else None)
        except ServerError as exc:
            print(tr("microneedle-desk sync: {why} Nothing here was changed; sync again later.").format(why=exc),
                  file=sys.stderr)
            return EXIT_FAILED
        finally:
            clinic.store.close()
    print(tr("Pushed {pushed}, pulled {pulled}, already there {already}, conflicts {conflicts}.").format(
        pushed=result.pushed, pulled=result.pulled, already=result.already, conflicts=result.to_review))
    if result.quarantined:
        print(tr("{n} record(s) of this laptop failed the server's check and were quarantined there: "
                 "`microneedle-desk check --server DSN` lists them.").format(n=result.quarantined), file=sys.stderr)
    for name in result.unreadable:
        print(tr("{file} cannot be read and was not sent: `microneedle-desk check` says why.").format(file=name),
              file=sys.stderr)
    if result.clock_is_off():
        print(tr("This laptop's clock is {minutes} minutes off the server's: set the time (records keep the "
                 "laptop's time).").format(minutes=abs(round(result.clock_offset_s / 60))), file=sys.stderr)
    return EXIT_CONFLICTS if result.to_review else EXIT_DONE


def _progress() -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\rsent {done}/{total} records", end=end, file=sys.stderr, flush=True)
    return show
