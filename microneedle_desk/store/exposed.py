"""Which of the data folder's files other users could read: the app writes each 0600 in a 0700
folder, and the start-up check names any that are not (a copy restored by hand, a changed umask).
"""

from __future__ import annotations

import os
from pathlib import Path


def exposed_files(root: Path) -> list[str]:
    """The data folder, data files and backups that other users can read (POSIX only)."""
    if os.name != "posix" or not root.is_dir():
        return []
    first = ["the data folder itself"] if root.stat().st_mode & 0o077 else []
    found: list[str] = []
    folders = [(str(root), "")]
    while folders:  # os.scandir, not Path.rglob: a large store holds thousands of files
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except FileNotFoundError:  # removed meanwhile (a backup's snapshot): nothing to say
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, prefix + entry.name + "/"))
                elif entry.name.endswith((".json", ".zip", ".ini", ".jpg")) and entry.is_file() \
                        and entry.stat().st_mode & 0o077:
                    found.append(prefix + entry.name)
            except FileNotFoundError:
                continue
    return first + sorted(found)


def exposed_note(root: Path, exposed: list[str]) -> str:
    """What to tell the person about ``exposed`` (from exposed_files; not empty)."""
    shown = ", ".join(exposed[:5]) + (" …" if len(exposed) > 5 else "")
    return (f"Other users of this computer can read the records in {root} ({shown}). "
            f"Make the folder private, e.g. chmod -R go-rwx \"{root}\".")
