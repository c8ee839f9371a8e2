"""``microneedle-desk restore FILE_OR_DIR``: put a backup back in place.

FILE_OR_DIR is a backup in the data folder's ``backups/`` (a manifest, or a zip of an
earlier version), an encrypted backup (``*.json.age``), or a second location's folder (its
newest backup). An encrypted one needs the recovery key: ``--identity FILE``, else it is
asked for on the terminal. The backup is verified first (every file against its hash, then
the records as ``check`` does); the current files are moved aside into the quarantine
folder (renamed with a timestamp), never deleted.

Exit 0 restored; 1 refused (the backup fails the check, the key does not open it, the app
holds the data); 2 the backup or the key cannot be read.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.i18n import tr
from microneedle_desk.settings import Settings
from microneedle_desk.store import backup_repo, offsite
from microneedle_desk.store.backup import BackupError
from microneedle_desk.store.backup_keys import BackupKeyError, read_identities
from microneedle_desk.store.folder import file_unreadable_sentence, writing_problem
from microneedle_desk.store.lock import StoreLock
from microneedle_desk.store.restore import finish_interrupted_restore, restore


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--identity", metavar="FILE", default=None,
                        help=tr("the recovery key (age identity file) of an encrypted backup"))
    parser.add_argument("file", metavar="FILE_OR_DIR",
                        help=tr("a backup (see the backups folder in the data folder), an encrypted backup "
                                "(*.json.age) or a folder of encrypted backups (its newest is restored)"))


def progress_line(what: str) -> Callable[[int, int], None] | None:
    """A progress line on a terminal (none when the output is a file or pipe)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            end = "\n" if done == total else ""
            print(f"\r{what}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


@contextmanager
def hold_lock(root: Path) -> Iterator[str]:
    """Hold the data folder's lock; yields "" or why it cannot be had (the app is open)."""
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
    settings_file = getattr(paths, "settings_file", None)
    protocol = load_protocol(paths.protocol_file())
    settings = Settings(protocol, settings_file(root)) if settings_file else Settings(protocol)
    return int(settings.get("store/backups_kept"))


def _recovery_key(args: argparse.Namespace) -> tuple[list[object] | None, str]:
    """The age identities from --identity or the terminal; (None, why) when there are none."""

    if args.identity:
        try:
            text = Path(args.identity).expanduser().read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return None, tr("The recovery key file {path} cannot be read ({why}).").format(
                path=args.identity, why=exc.strerror or exc)
    elif sys.stdin.isatty():
        text = getpass.getpass(tr("This backup is encrypted. Type or paste the recovery key "
                                  "(AGE-SECRET-KEY-1…), then Enter: "))
    else:
        return None, tr("This backup is encrypted: give the recovery key with --identity FILE.")
    try:
        return list(read_identities(text)), ""
    except BackupKeyError as exc:
        return None, str(exc)


def run(args: argparse.Namespace) -> int:
    root = paths.data_dir()
    backup: Path | backup_repo.Source = Path(args.file).expanduser()
    assert isinstance(backup, Path)
    if not backup.exists():
        print(tr("There is no backup file {backup}.").format(backup=backup), file=sys.stderr)
        return 2
    if not os.access(backup, os.R_OK):
        print(file_unreadable_sentence(backup), file=sys.stderr)
        return 2
    if offsite.is_encrypted(backup):
        identities, why = _recovery_key(args)
        if identities is None:
            print(why, file=sys.stderr)
            return 2 if args.identity else 1
        try:
            backup = offsite.open_encrypted(backup, identities)
        except BackupKeyError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        except backup_repo.ManifestError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    elif backup.is_dir():
        print(f"{backup} is a folder but holds no encrypted backups; name a backup file.", file=sys.stderr)
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
    print(tr("Restored {files} file(s) from {name}.").format(files=result.files, name=result.backup))
    if result.quarantined:
        print(tr("The files it replaced were moved, not deleted, to {quarantined}.").format(
            quarantined=result.quarantined))
    return 0
