"""Every command-line use is written to the access log, through the clinic, with the OS user's
name (except ``check``, which leaves the folder exactly as it found it).
"""

from __future__ import annotations

import sys

from microneedle_desk import paths
from microneedle_desk.clinic.clinic import Clinic
from microneedle_desk.core.clock import SystemClock
from microneedle_desk.core.protocol import load_protocol
from microneedle_desk.i18n import tr
from microneedle_desk.store.access_log import CLI_ACTIONS
from microneedle_desk.store.lock import StoreLock


def log_cli_use(command: str, code: int) -> str:
    """Log one use of a command-line tool with the OS user's name; returns a note ("" when logged).

    The tools run as the OS user who owns the data folder. When the app holds the data
    (its lock), or there is no store, nothing is written and the note says so.
    """
    action = CLI_ACTIONS.get(command)
    if action is None:
        return ""
    root = paths.data_dir()
    if not paths.meta_file(root).is_file():
        return ""
    lock = StoreLock(root)
    holder = lock.acquire()
    if holder is not None:
        if holder.read_only:  # a command refused for it has said so already
            return "" if code else tr("Note: the data folder is read-only, so this use was not written to the "
                                      "access log.")
        return "Note: the app holds the data, so this use was not written to the access log."
    try:
        clinic = Clinic.open(root, load_protocol(paths.protocol_file()), SystemClock())
        try:
            clinic.maintenance.record_command_line_use(action, command, code)
        finally:
            clinic.store.close()
    except Exception as exc:  # logging must not turn a finished command into a failure
        return f"Note: this use could not be written to the access log ({type(exc).__name__})."
    finally:
        lock.release()
    return ""


def print_note(note: str) -> None:
    if note:
        print(note, file=sys.stderr)
