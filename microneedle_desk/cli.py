"""The ``microneedle-desk`` command: with no subcommand it opens the app.

Each subcommand lives in ``microneedle_desk/commands/<name>.py`` with ``add_parser`` and
``run``; it is imported only when named, so the app's start-up pays for none of them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from microneedle_desk import __version__, paths
from microneedle_desk.app import run_app
from microneedle_desk.commands.use_log import log_cli_use, print_note
from microneedle_desk.i18n import N_, tr
from microneedle_desk.selfcheck import run as self_check
from microneedle_desk.store.folder import name_problem, read_problem

if TYPE_CHECKING:
    from microneedle_desk.store.folder import FolderError

# name -> one-line help. Modules: microneedle_desk/commands/<name with - as _>.py
COMMANDS: dict[str, str] = {
    "sheet": N_("Print session sheets, a day's sheets, blank sheets or aftercare handouts to PDF."),
    "check": N_("Verify the records without changing anything (exit 0 all well, 1 problems, 2 unreadable)."),
    "backup": N_("Take a backup of the data folder now (and an encrypted copy with --to DIR)."),
    "backup-key": N_("Make the clinic's backup key pair; the private key goes to FILE only."),
    "restore": N_("Put a backup (a file, or a folder of encrypted ones) back in place; the current files are "
                  "moved aside, never deleted."),
    "export": N_("Export sessions as CSV or JSON (optionally de-identified), or list who got a cartridge lot."),
    "recall": N_("List who is due, overdue or not booked in their course, as the Due page does (text or CSV)."),
    "photo": N_("Attach a standard scalp photo to a session (photo add), or list a session's photos (photo list)."),
    "demo-data": N_("Fill the data folder with realistic demo sessions (refused if it holds real records)."),
    "server": N_("Set up the clinic server's schema (server init --server DSN; exit 0 done, 1 refused, "
                 "2 unreachable)."),
    "sync": N_("Push to and pull from the clinic server (exit 0 done, 1 conflicts to review, 2 unreachable "
               "or refused)."),
}


FOLDER_FAILURE_EXIT = {"export": 1, "recall": 1, "sheet": 1, "photo": 1}
"""Commands whose documented code for "the records cannot be read" is not 2 (their 2 is a
usage mistake); the other commands answer an unusable data folder with 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microneedle-desk",
        description=tr("Treatment-room companion for scalp microneedling. With no command it opens the app."),
    )
    parser.add_argument("--version", action="version", version=f"microneedle-desk {__version__}")
    parser.add_argument("--self-check", action="store_true",
                        help=tr("check this installation without a display (protocol, store, PDF) and exit 0 if sound"))
    parser.add_argument("--data-dir", metavar="DIR",
                        help=tr("data folder (default: ${DATA_DIR_ENV}, else the user's data folder)").format(
                            DATA_DIR_ENV=paths.DATA_DIR_ENV))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        module = _command_module(name)
        command_parser = sub.add_parser(name, help=tr(help_text), description=tr(help_text))
        command_parser.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                                    help=tr("data folder (overrides the one given before the command)"))
        module.add_parser(command_parser)
    return parser


def _command_module(name: str) -> Any:
    return importlib.import_module(f"microneedle_desk.commands.{name.replace('-', '_')}")


def main(argv: Sequence[str] | None = None) -> int:
    # Health data: whatever this process makes (records, locks, backups, exports, PDFs) is its
    # owner's alone, also files made by libraries that choose no mode of their own.
    os.umask(0o077)
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not any(a in COMMANDS for a in args_list if not a.startswith("-")):
        # The app itself: parse only the global options, keep start-up lean.
        parser = argparse.ArgumentParser(prog="microneedle-desk", add_help=False)
        parser.add_argument("--data-dir")
        parser.add_argument("--screenshot", help=argparse.SUPPRESS)
        parser.add_argument("--self-check", action="store_true")
        known, rest = parser.parse_known_args(args_list)
        if rest:  # --help, --version or a mistake: the full parser explains and exits
            build_parser().parse_args(args_list)
            return 2
        if known.self_check:
            return self_check()
        problem = _data_dir_problem(known.data_dir, None)
        if problem is not None:
            return _refuse(problem, None)
        return run_app()
    args = build_parser().parse_args(args_list)
    problem = _data_dir_problem(getattr(args, "data_dir", None), args.command)
    if problem is not None:
        return _refuse(problem, args.command)
    module = _command_module(args.command)
    code = int(module.run(args))
    print_note(log_cli_use(args.command, code))
    return code


def _data_dir_problem(option: str | None, command: str | None) -> FolderError | None:
    """Set the data folder from ``--data-dir`` (or the default) if it can be used; else what
    is wrong, in one sentence. For the app (``command`` None) only the name is looked at
    here: the app checks the folder itself, to show the sentence in a window."""
    problem = name_problem(option) if option is not None else None
    if problem is not None:
        return problem
    paths.set_data_dir(option)
    root = paths.data_dir()
    problem = name_problem(str(root))
    if problem is None and command is not None:
        problem = read_problem(root)
    return problem


def _refuse(problem: FolderError, command: str | None) -> int:
    """Say ``problem`` on stderr; the exit code is 2 for a usage mistake, else the command's
    documented code for records that cannot be read."""
    print(tr("microneedle-desk: {problem}").format(problem=problem), file=sys.stderr)
    if problem.usage or command is None:
        return 2
    return FOLDER_FAILURE_EXIT.get(command, 2)
