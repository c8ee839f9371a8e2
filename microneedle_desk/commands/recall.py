"""``microneedle-desk recall``: who is due, overdue, not booked, paused or done, as the Due page lists them.

    microneedle-desk recall [--data-dir DIR | --server DSN] [--as-of YYYY-MM-DD] [--format {text,csv}] [-o FILE]

The list is :func:`microneedle_desk.review.due.due_list` over a
:class:`~microneedle_desk.review.due.DueSource`: the data folder's records
(:func:`folder_source`), or with ``--server`` the whole clinic's on its server
(:class:`microneedle_desk.server.due_source.ServerSource`).
Exit codes: 0 listed (or written); 1 the records cannot be read (a data folder that cannot be
used, a server that cannot be reached or read, as for ``export``) or the file not written; 2 a usage mistake (a date
that is not YYYY-MM-DD, or both --data-dir and --server).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

from microneedle_desk import paths
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.i18n import tr
from microneedle_desk.review.due import (
    DueSource,
    StoreSource,
    clinic_today,
    due_list,
    fallback_interval,
    to_csv,
    to_text,
)
from microneedle_desk.review.export import write_private
from microneedle_desk.server import schema
from microneedle_desk.server.connection import ServerError, connect, reason
from microneedle_desk.server.due_source import ServerSource
from microneedle_desk.settings import Settings
from microneedle_desk.store.folder import output_problem
from microneedle_desk.store.lock import StoreLock
from microneedle_desk.store.storage import BadFileError
from microneedle_desk.store.store import Store, StoreError

if TYPE_CHECKING:
    from microneedle_desk.core.protocol import Protocol

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                        help="the day the list is for (default: today in the clinic's time zone)")
    parser.add_argument("--format", choices=("text", "csv"), default="text", help="text (default) or csv")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the list to FILE instead of the screen")
    parser.add_argument("--server", metavar="DSN",
                        help=tr("list the whole clinic from its server (libpq string or URI) instead of this laptop; "
                                "a server that cannot be reached or read exits 1, as a data folder that cannot "
                                "be read does"))


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"microneedle-desk recall: {message}", file=sys.stderr)
    return code


@contextmanager
def folder_source() -> Iterator[object]:
    """The data folder's records as a DueSource: written through (its derived list of visit days
    kept up to date) when no copy of the app holds the folder, else read as they are."""
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
    server = getattr(args, "server", None)
    if server and getattr(args, "data_dir", None) is not None:
        return _fail(tr("give --data-dir or --server, not both."), EXIT_USAGE)
    as_of: date | None = None
    if args.as_of:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            return _fail(f"--as-of “{args.as_of}” is not a date; write it as YYYY-MM-DD, e.g. 2026-11-25.",
                         EXIT_USAGE)
    if args.output:
        unsafe = output_problem(args.output)
        if unsafe is not None:
            return _fail(str(unsafe))

    try:
        protocol = load_protocol(paths.protocol_file())
    except ProtocolError as exc:
        return _fail(str(exc))
    settings = Settings(protocol, paths.settings_file(paths.data_dir()))
    day = as_of or clinic_today(settings)
    if server:
        return _from_server(server, protocol, day, fallback_interval(settings), args)
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


def _from_server(dsn: str, protocol: Protocol, day: date, fallback_days: Callable[[str], int],
                 args: argparse.Namespace) -> int:
    """The same list over the whole clinic, read from its server; exit 1 when it cannot be read."""
    import psycopg  # noqa: PLC0415 (optional dependency, loaded when used)

    try:
        with connect(dsn) as conn:
            schema.require_current(conn)
            count = write_list(ServerSource(conn, protocol), day, fallback_days, args.format, args.output)
    except ServerError as exc:
        return _fail(tr("the clinic's records cannot be read: {why}").format(why=exc))
    except psycopg.Error as exc:  # the connection lost while reading, or a role that may not read
        return _fail(tr("the clinic's records cannot be read: {why}").format(why=reason(exc)))
    except OSError as exc:
        return _fail(f"the file could not be written: {exc.strerror or exc}")
    if args.output:
        print(f"Wrote {count} entries as of {day.isoformat()} to {args.output}")
    return EXIT_OK
