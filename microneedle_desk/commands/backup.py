"""``microneedle-desk backup``: take a backup of the data folder now."""

from __future__ import annotations

import argparse
import sys

from microneedle_desk import paths
from microneedle_desk.commands.restore import backups_kept, hold_lock
from microneedle_desk.core.clock import SystemClock


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep", type=int, default=None,
                        help="how many backups to keep (default: the setting “Backups kept”)")


def run(args: argparse.Namespace) -> int:
    from microneedle_desk.store.backup import take_backup

    root = paths.data_dir()
    if not paths.meta_file(root).exists():
        print(f"There are no records in {root} to back up.", file=sys.stderr)
        return 2
    with hold_lock(root) as refusal:
        if refusal:
            print(refusal, file=sys.stderr)
            return 1
        keep = args.keep if args.keep else backups_kept(root)
        target = take_backup(root, SystemClock().now(), keep, "manual")
    print(f"Backup written: {target}")
    return 0
