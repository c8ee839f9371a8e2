"""``microneedle-desk recall``: who is due, overdue, not booked, paused or done, as the Due page lists them.

    microneedle-desk recall [--data-dir DIR] [--as-of YYYY-MM-DD] [--format {text,csv}] [-o FILE]

The list is :func:`microneedle_desk.review.due.due_list` over a
:class:`~microneedle_desk.review.due.DueSource`: here the data folder's records
(:func:`folder_source`); :func:`write_list` takes any other source the same way.
Exit codes: 0 listed (or written); 1 the records cannot be read or the file not written;
2 a usage mistake (a date that is not YYYY-MM-DD).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from microneedle_desk import paths

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                        help="the day the list is for (default: today in the clinic's time zone)")
    parser.add_argument("--format", choices=("text", "csv"), default="text", help="text (default) or csv")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the list to FILE instead of the screen")


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"microneedle-desk recall: {message}", file=sys.stderr)
    return code


@contextmanager
def folder_source() -> Iterator[object]:
    """The data folder's records as a DueSource: written through (its derived list of visit days
    kept up to date) when no copy of the app holds the folder, else read as they are."""
    from microneedle_desk.core.clock import SystemClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.review.due import StoreSource
    from microneedle_desk.store.lock import StoreLock
    from microneedle_desk.store.store import Store, StoreError

    root = paths.data_dir()
    if not paths.meta_file(root).exists():
        raise StoreError(f"there is no store in {root}.")
    protocol = load_protocol(paths.protocol_file())
    lock = StoreLock(root)
    writable = lock.acquire() is None
    try:
        store = Store(root, protocol, SystemClock(), read_only=not writable)
        try:
            yield StoreSource(store)
        finally:
            store.close()
    finally:
        if writable:
            lock.release()


def write_list(source: object, as_of: date, fallback_days: Callable[[str], int], fmt: str,
               output: str | None) -> int:
    """List ``source``'s patients as of ``as_of`` on stdout or into ``output``; the rows' count."""
    from microneedle_desk.review.due import DueSource, due_list, to_csv, to_text
    from microneedle_desk.review.export import write_private

    if not isinstance(source, DueSource):
        raise TypeError("the records must come from a DueSource")
    rows = due_list(source, as_of, fallback_days)
    text = to_csv(rows) if fmt == "csv" else to_text(rows, as_of)
    if output:
        write_private(output, text)
    else:
        sys.stdout.write(text)
    return len(rows)


def run(args: argparse.Namespace) -> int:
    as_of: date | None = None
    if args.as_of:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            return _fail(f"--as-of “{args.as_of}” is not a date; write it as YYYY-MM-DD, e.g. 2026-11-25.",
                         EXIT_USAGE)
    if args.output:
        from microneedle_desk.store.folder import output_problem

        unsafe = output_problem(args.output)
        if unsafe is not None:
            return _fail(str(unsafe))

    from microneedle_desk.core.protocol import ProtocolError, load_protocol
    from microneedle_desk.review.due import clinic_today, fallback_interval
    from microneedle_desk.settings import Settings
    from microneedle_desk.store.storage import BadFileError
    from microneedle_desk.store.store import StoreError

    try:
        protocol = load_protocol(paths.protocol_file())
    except ProtocolError as exc:
        return _fail(str(exc))
    settings = Settings(protocol, paths.settings_file(paths.data_dir()))
    day = as_of or clinic_today(settings)
    try:
        with folder_source() as source:
            count = write_list(source, day, fallback_interval(settings), args.format, args.output)
    except (StoreError, BadFileError) as exc:
        return _fail(f"the records cannot be read: {exc}")
    except OSError as exc:
        return _fail(f"the file could not be written: {exc.strerror or exc}")
    if args.output:
        print(f"Wrote {count} entries as of {day.isoformat()} to {args.output}")
    return EXIT_OK
