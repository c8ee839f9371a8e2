"""Leftovers of a save that was killed mid-way, moved aside at start-up (never deleted)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.store.storage import ensure_private_dir

_SAVE_TEMP = re.compile(r"^.+\.(json|zip)\.[A-Za-z0-9]{6}$")


def stray_temp_files(root: Path) -> list[Path]:
    """Leftovers of a save that was killed mid-way.

    QSaveFile writes an unnamed temporary file and, to replace an existing file, first
    links it under a temporary name (``<file>.XXXXXX``) and then renames it over the
    original. A kill between the two leaves that name behind. The original is intact
    (the save never completed, so it was never acknowledged).
    """
    folders = [root, paths.active_dir(root), paths.sessions_dir(root), paths.index_dir(root),
               paths.index_recent_dir(root), paths.patient_lasts_dir(root), paths.backups_dir(root)]
    # The name first: a stat per file of a large store is a cost at every start.
    return sorted(p for folder in folders if folder.is_dir() for p in folder.iterdir()
                  if _SAVE_TEMP.match(p.name) and p.is_file())


def quarantine_strays(root: Path, now: datetime) -> list[Path]:
    """Move leftover temporary files into ``quarantine/<timestamp>-leftovers/`` (never deleted)."""
    strays = stray_temp_files(root)
    if not strays:
        return []
    aside = paths.quarantine_dir(root) / f"{now.strftime('%Y%m%d-%H%M%S')}-leftovers"
    ensure_private_dir(paths.quarantine_dir(root))
    moved = []
    for path in strays:
        rel = path.relative_to(root)
        ensure_private_dir((aside / rel).parent)
        path.replace(aside / rel)
        moved.append(aside / rel)
    return moved
