"""Rolling backups of the data folder (restoring one: store/restore.py).

A backup is a manifest in ``backups/`` naming the data folder's JSON files (meta, patients,
sessions in progress, finished sessions, the history index, the access log) and the session photos, each stored
once across all backups under its content hash (store/backup_repo.py), readable only by the
user. One is taken at the first start of each day and before every upgrade; the newest
``store/backups_kept`` are kept. Zips written by earlier versions are still restored.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from datetime import datetime
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.core.record_types import ChainPoint
from microneedle_desk.i18n import tr
from microneedle_desk.store import backup_repo as repo
from microneedle_desk.store.photos import photo_files as photo_file_names
from microneedle_desk.store.storage import WRITE_GATE, ensure_private_dir, json_file_names

PREFIX = "microneedle-desk-backup-"
BACKUP_NAME = re.compile(r"^microneedle-desk-backup-(\d{8}-\d{6})(-[a-z-]+)?\.(zip|json)$")


class BackupError(Exception):
    pass


class BackupPlaceError(BackupError, OSError):
    """Where backups go cannot take one (``backups`` is a file; the backup's own name is taken
    by a link, pipe or device). An OSError too, so every caller that survives a full disk
    survives this; ``str()`` is one sentence for a person."""


def _backups_folder(root: Path) -> Path:
    """``backups/``, made private if missing; BackupPlaceError when the name is taken by a file."""

    folder = paths.backups_dir(root)
    if folder.exists() and not folder.is_dir():
        raise BackupPlaceError(tr("{path} is a file, so no backup can be written there: move or rename that "
                                  "file, and the backups folder is made again.").format(path=folder))
    ensure_private_dir(folder)
    return folder


def data_files(root: Path) -> list[Path]:
    """The data folder's JSON files, as a backup holds them (relative paths)."""
    found = [Path(name) for name in (paths.meta_file(root).name, paths.patients_file(root).name,
                                     paths.courses_file(root).name,
                                     paths.backup_keys_file(root).name)
             if (root / name).is_file()]
    for folder in (paths.active_dir(root), paths.sessions_dir(root), paths.index_dir(root),
                   paths.index_recent_dir(root), paths.access_dir(root)):
        sub = folder.relative_to(root)
        found += [sub / name for name in json_file_names(folder)]
    # photos are sealed files named by their UUID (their SHA-256 is in the records)
    found += [Path(paths.photos_dir(root).name) / name for name in photo_file_names(root)]
    return found


def backups(root: Path) -> list[Path]:
    """Backups in ``backups/``, newest first."""
    folder = paths.backups_dir(root)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if BACKUP_NAME.match(p.name)), key=lambda p: p.name, reverse=True)


def snapshot(root: Path) -> Path:
    """Hard links to every data file, taken between two writes (see ``WRITE_GATE``).

    Every store write replaces its file by a rename, so the links keep the versions of this
    instant however long the zipping takes. Falls back to copies where links are refused.
    """
    folder = _backups_folder(root)
    repo.drop_leftovers(folder)
    snap = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=folder))
    with WRITE_GATE:
        made: set[Path] = set()
        for rel in data_files(root):
            if rel.parent not in made:  # a few folders for thousands of files
                ensure_private_dir((snap / rel).parent)
                made.add(rel.parent)
            try:
                os.link(root / rel, snap / rel)
            except OSError:
                shutil.copy2(root / rel, snap / rel)
    return snap


def take_backup(root: Path, now: datetime, keep: int, reason: str = "", source: Path | None = None,
                progress: repo.Progress | None = None) -> Path:
    """Store the data files (of ``source``, a snapshot, if given) not yet stored and write the
    backup's manifest in ``backups/``; then keep only the newest ``keep`` backups."""
    src = source or root
    suffix = f"-{reason}" if reason else ""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    folder = _backups_folder(root)
    target = folder / f"{PREFIX}{stamp}{suffix}.json"
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise BackupPlaceError(tr("{path} is not an ordinary file and is left as it is: move it away and "
                                  "take the backup again.").format(path=target))
    repo.write_manifest(folder, src, data_files(src), target, now, reason, _chain_head(src), progress)
    prune(root, keep, target)
    return target


def prune(root: Path, keep: int, newest: Path | None = None) -> None:
    """Keep the newest ``keep`` backups: older manifests go first, then the stored files no
    remaining manifest names (a stop in between leaves only unnamed files)."""
    for old in backups(root)[max(1, keep):]:
        if old != newest:
            old.unlink()
    folder = paths.backups_dir(root)
    named = repo.referenced(folder, [p for p in backups(root) if p.suffix == ".json"])
    if named is not None:
        repo.prune_objects(folder, named)


def _chain_head(root: Path) -> ChainPoint | None:
    """The record chain's head (seq and hash) as meta.json holds it, None when unreadable."""
    try:
        chain = json.loads(paths.meta_file(root).read_bytes()).get("chain", {})
        head = next(iter(chain.values()))
        return {"seq": int(head["seq"]), "hash": str(head["hash"])}
    except (OSError, ValueError, AttributeError, StopIteration, KeyError, TypeError):
        return None


def backed_up_today(root: Path, now: datetime) -> bool:
    today = now.strftime("%Y%m%d")
    return any(BACKUP_NAME.match(p.name) and p.name[len(PREFIX):len(PREFIX) + 8] == today for p in backups(root))


def daily_backup(root: Path, now: datetime, keep: int) -> Path | None:
    """Take today's backup unless one was already taken today."""
    if backed_up_today(root, now):
        return None
    return take_backup(root, now, keep, "daily")


def daily_backup_in_background(root: Path, now: datetime, keep: int, second: Path | None = None,
                               progress: repo.Progress | None = None) -> threading.Thread | None:
    """Today's backup without making the practitioner wait: snapshot and store in a thread,
    then the encrypted copy to the ``second`` location when one is set and reachable.

    The snapshot holds ``WRITE_GATE`` while it links the files (once a day), so it still
    falls between two writes; a step saved in that instant waits for it. A stop before the
    manifest is written leaves no backup for today, so the next start takes it. A second
    location missing, full or unwritable is noted (offsite.last_copy) and never raises.
    """
    from microneedle_desk.store import offsite  # noqa: PLC0415 (kept off the start-up path until first used)

    local_due = not backed_up_today(root, now)
    copy_due = second is not None and not offsite.copied_today(root, now, second)
    if not local_due and not copy_due:
        return None

    def work() -> None:
        snap: Path | None = None
        try:
            if local_due:
                snap = snapshot(root)
                take_backup(root, now, keep, "daily", source=snap, progress=progress)
        except OSError:
            return  # retried at the next start: no backup for today exists
        finally:
            if snap is not None:
                shutil.rmtree(snap, ignore_errors=True)
        newest = next((p for p in backups(root) if p.suffix == ".json"), None)
        if second is not None and copy_due and newest is not None:
            offsite.copy_and_note(root, now, newest, second, keep, progress)

    thread = threading.Thread(target=work, name="daily-backup", daemon=True)
    thread.start()
    return thread
