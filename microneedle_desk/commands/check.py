"""``microneedle-desk check``: verify the store without changing anything.

The records, and every backup in the data folder's ``backups/``: each file a backup names is
read and compared with the hash recorded when the backup was taken (a file shared by
several backups is read once). ``--no-backups`` checks the records only.

Exit 0 when all is well, 1 when problems are found (one per line: file, record, what is
wrong), 2 when the store cannot be read at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.i18n import tr
from microneedle_desk.server import schema
from microneedle_desk.server.clinic_check import check_server
from microneedle_desk.server.connection import ServerError, connect, reason
from microneedle_desk.store import backup_repo
from microneedle_desk.store.backup import backups
from microneedle_desk.store.check import check_store
from microneedle_desk.store.check_problems import Problem, StoreUnreadable
from microneedle_desk.store.folder import file_unreadable_sentence


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help=tr("skip replaying sealed sessions (their hashes are still checked)"))
    parser.add_argument("--server", metavar="DSN",
                        help=tr("check the whole clinic on its server (libpq string or URI) instead of this laptop; "
                                "a server that cannot be reached or read exits 2, as a data folder that cannot "
                                "be read does"))
    parser.add_argument("--no-backups", action="store_true",
                        help=tr("do not read the backups in the data folder against their hashes"))


def backup_problems(root: Path) -> list[Problem]:
    """Every file of the data folder's backups that is missing or differs from its hash."""
    folder = paths.backups_dir(root)
    return [Problem(f"{folder.name}/{manifest}", file, what)
            for manifest, file, what in backup_repo.check_manifests(
                folder, [p for p in backups(root) if p.suffix == ".json"])]


def run(args: argparse.Namespace) -> int:
    if getattr(args, "server", None):
        return _check_server(args.server)
    root = paths.data_dir()
    try:
        protocol = load_protocol(paths.protocol_file())
        problems = check_store(root, protocol, deep=not getattr(args, "quick", False))
        if not getattr(args, "no_backups", False):
            problems += backup_problems(root)
    except (StoreUnreadable, ProtocolError) as exc:
        print(tr("Cannot check the store: {exc}").format(exc=exc), file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder inside that this user may not read
        what = (file_unreadable_sentence(exc.filename) if isinstance(exc, PermissionError) and exc.filename
                else tr("{path} cannot be read: {why}.").format(path=exc.filename or "", why=exc.strerror or exc))
        print(tr("Cannot check the store: {why}").format(why=what), file=sys.stderr)
        return 2
    if not problems:
        print(tr("All well: every file in {root} reads, every record passes the rules, the record chain is "
                 "whole.").format(
            root=root))
        return 0
    for problem in problems:
        print(problem)
    files = len({p.file for p in problems})
    print(tr("{len} problem(s) in {files} file(s). Nothing was changed. To go back to a good copy: "
             "microneedle-desk restore FILE (see the backups folder).").format(
                 len=len(problems), files=files), file=sys.stderr)
    return 1


def _check_server(dsn: str) -> int:
    """The clinic's records on its server, with the codes of a data folder's check: exit 0 all
    well, 1 problems, 2 cannot be read (the server unreachable, refusing, or lost while reading)."""
    import psycopg  # noqa: PLC0415 (optional dependency, loaded when used)

    try:
        protocol = load_protocol(paths.protocol_file())
        with connect(dsn) as conn:
            schema.require_current(conn)
            problems, notes = check_server(conn, protocol)
    except (ServerError, ProtocolError) as exc:
        print(tr("Cannot check the clinic server: {why}").format(why=exc), file=sys.stderr)
        return 2
    except psycopg.Error as exc:  # the connection lost while reading, or a role that may not read
        print(tr("Cannot check the clinic server: {why}").format(why=reason(exc)), file=sys.stderr)
        return 2
    for note in notes:
        print(tr("To review: {what}").format(what=note))
    if not problems:
        print(tr("All well: every record on the clinic server passes the rules, and every laptop's record chain "
                 "there is whole."))
        return 0
    for problem in problems:
        print(problem)
    print(tr("{n} problem(s) on the clinic server. Nothing was changed.").format(n=len(problems)), file=sys.stderr)
    return 1
