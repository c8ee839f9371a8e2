"""``microneedle-desk restore FILE``: put a backup back in place.

The backup is verified first; the current files are moved aside into the quarantine
folder (renamed with a timestamp), never deleted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.i18n import tr


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help=tr("a backup zip (see the backups folder in the data folder)"))


@contextmanager
def hold_lock(root: Path) -> Iterator[str]:
    """Hold the data folder's lock; yields "" or why it cannot be had (the app is open)."""
    from microneedle_desk.i18n import tr
    from microneedle_desk.store.folder import writing_problem
    from microneedle_desk.store.lock import StoreLock

    problem = writing_problem(root)
    if problem is not None:
        yield problem
        return
    lock = StoreLock(root)
    holder = lock.acquire()
    if holder is not None:
        yield holder.why(root, tr("Close the app first."))
        return
    try:
        from microneedle_desk.store.backup import BackupError, finish_interrupted_restore

        try:
            finished = finish_interrupted_restore(root)
        except BackupError as exc:
            yield str(exc)
            return
        if finished:
            print(finished)
        yield ""
    finally:
        lock.release()


def backups_kept(root: Path) -> int:
    from microneedle_desk.settings import Settings

    settings_file = getattr(paths, "settings_file", None)
    protocol = load_protocol(paths.protocol_file())
    settings = Settings(protocol, settings_file(root)) if settings_file else Settings(protocol)
    return int(settings.get("store/backups_kept"))


def run(args: argparse.Namespace) -> int:
    from microneedle_desk.store.backup import BackupError, restore

    root = paths.data_dir()
    backup = Path(args.file).expanduser()
    if not backup.is_file():
        print(tr("There is no backup file {backup}.").format(backup=backup), file=sys.stderr)
        return 2
    if not os.access(backup, os.R_OK):
        from microneedle_desk.store.folder import file_unreadable_sentence

        print(file_unreadable_sentence(backup), file=sys.stderr)
        return 2
    try:
        protocol = load_protocol(paths.protocol_file())
    except ProtocolError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    with hold_lock(root) as refusal:
        if refusal:
            print(refusal, file=sys.stderr)
            return 1
        try:
            result = restore(root, backup, protocol, SystemClock().now())
        except BackupError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(tr("Restored {files} file(s) from {name}.").format(files=result.files, name=backup.name))
    if result.quarantined:
        print(tr("The files it replaced were moved, not deleted, to {quarantined}.").format(
            quarantined=result.quarantined))
    return 0
