"""``microneedle-desk backup``: take a backup of the data folder now.

Exit 0 written; 1 not written (the app holds the data, the folder is read-only, the
backups folder cannot take it); 2 there are no records to back up.
"""

from __future__ import annotations

import argparse
import sys

from microneedle_desk import paths
from microneedle_desk.commands.restore import backups_kept, hold_lock
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.i18n import tr


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep", type=int, default=None,
                        help=tr("how many backups to keep (default: the setting “Backups kept”)"))


def run(args: argparse.Namespace) -> int:
    from microneedle_desk.i18n import tr
    from microneedle_desk.store.backup import BackupPlaceError, take_backup

    root = paths.data_dir()
    if not paths.meta_file(root).exists():
        print(tr("There are no records in {root} to back up.").format(root=root), file=sys.stderr)
        return 2
    with hold_lock(root) as refusal:
        if refusal:
            print(refusal, file=sys.stderr)
            return 1
        keep = args.keep if args.keep else backups_kept(root)
        try:
            target = take_backup(root, SystemClock().now(), keep, "manual")
        except BackupPlaceError as exc:
            print(tr("No backup was taken: {why}").format(why=exc), file=sys.stderr)
            return 1
        except OSError as exc:
            print(tr("No backup was taken: {path} could not be written ({why}).").format(
                path=paths.backups_dir(root), why=exc.strerror or exc), file=sys.stderr)
            return 1
    print(tr("Backup written: {target}").format(target=target))
    return 0
