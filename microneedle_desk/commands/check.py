"""``microneedle-desk check``: verify the store without changing anything.

Exit 0 when all is well, 1 when problems are found (one per line: file, record, what is
wrong), 2 when the store cannot be read at all.
"""

from __future__ import annotations

import argparse
import sys

from microneedle_desk import paths
from microneedle_desk.core.protocol import ProtocolError, load_protocol
from microneedle_desk.i18n import tr
from microneedle_desk.store.check import StoreUnreadable, check_store


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help=tr("skip replaying sealed sessions (their hashes are still checked)"))


def run(args: argparse.Namespace) -> int:
    root = paths.data_dir()
    try:
        protocol = load_protocol(paths.protocol_file())
        problems = check_store(root, protocol, deep=not getattr(args, "quick", False))
    except (StoreUnreadable, ProtocolError) as exc:
        print(tr("Cannot check the store: {exc}").format(exc=exc), file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder inside that this user may not read
        from microneedle_desk.store.folder import file_unreadable_sentence

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
