"""``microneedle-desk backup``: take a backup of the data folder now.

Only the files that changed since the last backup are stored again; the backup is a
manifest naming every file it needs. ``--to DIR`` also writes it, encrypted to the clinic's
backup key, into DIR (a USB drive, a network folder).

Exit 0 written; 1 refused with a message (no records, the app holds the data, no backup
key for ``--to``); 2 cannot write (the backups folder or DIR cannot take it).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.commands.restore import backups_kept, hold_lock, progress_line
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.i18n import tr
from microneedle_desk.store.backup import BackupPlaceError, take_backup
from microneedle_desk.store.backup_keys import BackupKeyError, current_key
from microneedle_desk.store.offsite import copy_backup


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep", type=int, default=None,
                        help=tr("how many backups to keep (default: the setting “Backups kept”)"))
    parser.add_argument("--to", metavar="DIR", default=None,
                        help=tr("also write the backup, encrypted to the clinic's backup key, into DIR"))


def run(args: argparse.Namespace) -> int:
    root = paths.data_dir()
    if not paths.meta_file(root).exists():
        print(tr("There are no records in {root} to back up.").format(root=root), file=sys.stderr)
        return 1
    if args.keep is not None and args.keep < 1:
        print(tr("--keep must be 1 or more (how many backups to keep)."), file=sys.stderr)
        return 1
    dest = Path(args.to).expanduser() if args.to else None
    with hold_lock(root) as refusal:
        if refusal:
            print(refusal, file=sys.stderr)
            return 1
        try:
            if dest is not None and current_key(root) is None:
                print(tr("No backup was taken: there is no backup key to encrypt it to. Make one first: "
                         "microneedle-desk backup-key -o FILE"), file=sys.stderr)
                return 1
        except BackupKeyError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        keep = args.keep if args.keep else backups_kept(root)
        try:
            target = take_backup(root, SystemClock().now(), keep, "manual", progress=progress_line(tr("Backup")))
        except BackupPlaceError as exc:
            print(tr("No backup was taken: {why}").format(why=exc), file=sys.stderr)
            return 2
        except OSError as exc:
            print(tr("No backup was taken: {path} could not be written ({why}).").format(
                path=paths.backups_dir(root), why=exc.strerror or exc), file=sys.stderr)
            return 2
        print(tr("Backup written: {path}").format(path=target))
        if dest is None:
            return 0
        if not dest.exists() and dest.parent.is_dir():
            with contextlib.suppress(OSError):  # said below, as the copy fails
                dest.mkdir()
        try:
            written = copy_backup(root, target, dest, keep, progress=progress_line(tr("Encrypted copy")))
        except BackupKeyError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        except OSError as exc:
            print(tr("The encrypted copy was not written to {dest}: {why} The backup in the data folder is "
                     "whole; copies made there before are unchanged.").format(
                dest=dest, why=exc.strerror or exc), file=sys.stderr)
            return 2
    print(tr("Encrypted copy written: {path}").format(path=written))
    return 0
