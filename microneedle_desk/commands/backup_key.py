"""``microneedle-desk backup-key -o FILE``: make the clinic's backup key pair.

The public key is kept in the data folder, so backups can be encrypted to it unattended;
the private key (an age identity) is written to FILE (0600) for the admin to print or keep
away from the laptop, and is kept nowhere else. Exit 0 made; 1 refused (a key exists and
``--replace`` was not given, or FILE exists); 2 FILE or the data folder cannot be written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.commands.restore import hold_lock
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.i18n import tr
from microneedle_desk.store.backup_keys import BackupKeyError, current_key, make_key
from microneedle_desk.store.backup_repo import device_of


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--replace", action="store_true",
                        help="replace the existing key (backups made before stay readable with the old key)")
    parser.add_argument("-o", "--output", metavar="FILE", required=True,
                        help="where to write the private key (recovery key); keep it off the laptop")


def run(args: argparse.Namespace) -> int:
    root = paths.data_dir()
    out = Path(args.output).expanduser()
    if not paths.meta_file(root).exists():
        print(tr("There are no records in {root}: open the app there first.").format(root=root), file=sys.stderr)
        return 1
    if out.exists() or out.is_symlink():
        print(tr("{path} exists and is left as it is: name a new file for the recovery key.").format(path=out),
              file=sys.stderr)
        return 1
    with hold_lock(root) as refusal:
        if refusal:
            print(refusal, file=sys.stderr)
            return 1
        if current_key(root) is not None and not args.replace:
            print(tr("A backup key already exists; nothing was changed. To make a new one give --replace "
                     "(backups made before stay readable with the old recovery key)."), file=sys.stderr)
            return 1
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            print(tr("{path} cannot be written ({why}); no key was made.").format(
                path=out, why=exc.strerror or exc), file=sys.stderr)
            return 2
        try:
            key, text = make_key(root, SystemClock().now(), device_of(root), replace=args.replace)
        except (BackupKeyError, OSError) as exc:
            os.close(fd)
            out.unlink()
            print(tr("No key was made: {why}").format(why=exc), file=sys.stderr)
            return 2 if isinstance(exc, OSError) else 1
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    print(tr("Backup key {key} made. Its public key is kept in {root}; the recovery key is in {path}: "
             "print it or copy it off the laptop, then delete it here. Without it no encrypted backup "
             "can be opened.").format(key=key.key_id, root=root, path=out))
    return 0
