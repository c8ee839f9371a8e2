"""Rolling backups of the data folder, and restoring one.

A backup is a manifest in ``backups/`` naming the data folder's JSON files (meta, patients,
sessions in progress, finished sessions, the history index, the access log) and the session photos, each stored
once across all backups under its content hash (store/backup_repo.py), readable only by the
user. One is taken at the first start of each day and before every upgrade; the newest
``store/backups_kept`` are kept. Zips written by earlier versions are still restored.

Restoring never deletes anything: the backup is first verified with the same checker as
``microneedle-desk check`` (on a temporary extraction), then the current files are moved
aside into ``quarantine/<timestamp>/`` and the backup's files are put in their place.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.i18n import tr
from microneedle_desk.store import backup_repo as repo
from microneedle_desk.store.check import check_store
from microneedle_desk.store.check_chain import ANCHOR_MEMBER
from microneedle_desk.store.check_problems import Problem, StoreUnreadable
from microneedle_desk.store.photos import photo_files as photo_file_names
from microneedle_desk.store.restore_access import carry_over_access_log
from microneedle_desk.store.storage import WRITE_GATE, ensure_private_dir, json_file_names, write_atomic

PREFIX = "microneedle-desk-backup-"
_NAME = re.compile(r"^microneedle-desk-backup-(\d{8}-\d{6})(-[a-z-]+)?\.(zip|json)$")
_MEMBER = re.compile(r"^(anchor\.json|meta\.json|patients\.json|courses\.json|active/[0-9a-f-]{36}\.json"
                     r"|sessions/\d{4}-\d{2}-\d{2}\.json|index/\d{4}-\d{2}\.json|access/\d{4}-\d{2}\.json"
                     r"|photos/[0-9a-f-]{36}(\.thumb)?\.jpg)$")


_SAVE_TEMP = re.compile(r"^.+\.(json|zip)\.[A-Za-z0-9]{6}$")


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


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did."""

    backup: str
    quarantined: Path | None   # where the files that were replaced now are
    files: int


def data_files(root: Path) -> list[Path]:
    """The data folder's JSON files, as a backup holds them (relative paths)."""
    found = [Path(name) for name in (paths.meta_file(root).name, paths.patients_file(root).name,
                                     paths.courses_file(root).name,
                                     paths.backup_keys_file(root).name)
             if (root / name).is_file()]
    for folder in (paths.active_dir(root), paths.sessions_dir(root), paths.index_dir(root),
                   paths.access_dir(root)):
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
    return sorted((p for p in folder.iterdir() if _NAME.match(p.name)), key=lambda p: p.name, reverse=True)


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


def _chain_head(root: Path) -> dict[str, Any] | None:
    """The record chain's head (seq and hash) as meta.json holds it, None when unreadable."""
    try:
        chain = json.loads(paths.meta_file(root).read_bytes()).get("chain", {})
        head = next(iter(chain.values()))
        return {"seq": int(head["seq"]), "hash": str(head["hash"])}
    except (OSError, ValueError, AttributeError, StopIteration, KeyError, TypeError):
        return None


def backed_up_today(root: Path, now: datetime) -> bool:
    today = now.strftime("%Y%m%d")
    return any(_NAME.match(p.name) and p.name[len(PREFIX):len(PREFIX) + 8] == today for p in backups(root))


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


Backup = Path | repo.Source  # a backup in the data folder (manifest or older zip), or an encrypted copy


def _source(backup: Backup) -> repo.Source | None:
    """The manifest behind ``backup``; None for a zip of an earlier version."""
    if not isinstance(backup, Path):
        return backup
    if backup.suffix != ".json":
        return None
    try:
        return repo.LocalSource(backup)
    except repo.ManifestError as exc:
        raise BackupError(str(exc)) from None


def verify_backup(backup: Backup, protocol: Protocol) -> list[Problem]:
    """Check a backup without touching the data folder; problems as ``check`` reports them:
    first every file against the hash the backup recorded, then the records as ``check`` does."""
    source = _source(backup)
    with tempfile.TemporaryDirectory(prefix="microneedle-desk-verify-") as tmp:
        if source is None:
            _extract_zip(Path(str(backup)), Path(tmp))
        else:
            damaged = hash_problems(source, Path(tmp))
            if damaged:
                return damaged
        try:
            # The history index inside is derived again from the records after a restore.
            return [p for p in check_store(Path(tmp), protocol) if not p.derived]
        except StoreUnreadable as exc:
            return [Problem(backup.name, "", str(exc).replace(tmp, "the backup"))]


def hash_problems(source: repo.Source, into: Path | None = None) -> list[Problem]:
    """The backup's files that are missing or differ from their recorded hash, by name."""
    return [Problem(entry.path, "", f"in the backup {source.name}: {why}")
            for entry, why in repo.damaged(source, into)]


def _extract(backup: Backup, into: Path) -> int:
    source = _source(backup)
    if source is None:
        return _extract_zip(Path(str(backup)), into)
    damaged = hash_problems(source, into)
    if damaged:
        raise BackupError(f"{source.name} does not pass the check, so it was not restored:\n"
                          + "\n".join(str(p) for p in damaged))
    return len(source.entries())


def _extract_zip(backup: Path, into: Path) -> int:
    try:
        with zipfile.ZipFile(backup) as zf:
            names = zf.namelist()
            bad = [n for n in names if not _MEMBER.match(n)]
            if bad:
                raise BackupError(tr("{name} holds files a backup never holds ({value}); it is not a "
                                     "microneedle-desk backup.").format(name=backup.name, value=bad[0]))
            names = [n for n in names if n != ANCHOR_MEMBER]  # not a data file: it stays in the zip
            for name in names:
                write_atomic(into / name, zf.read(name))
            return len(names)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(tr("{name} cannot be read as a backup ({exc}).").format(name=backup.name, exc=exc)) from None


def newest_good_backup(root: Path, protocol: Protocol) -> Path | None:
    for candidate in backups(root):
        try:
            if not verify_backup(candidate, protocol):
                return candidate
        except BackupError:
            continue
    return None


def restore(root: Path, backup: Backup, protocol: Protocol, now: datetime) -> RestoreResult:
    """Put a verified backup in place; the current files go to ``quarantine/<timestamp>/``.

    All or nothing, whenever the process is stopped: the backup is unpacked beside the live
    files first, then a journal naming every move is written in one atomic step, then the
    files are switched. Stopped before the journal exists, the live files were never touched
    (the unpacked copy is dropped at the next start); stopped after, the next start completes
    the switch from the journal (:func:`finish_interrupted_restore`).

    The access log is never rolled back: its entries made after the backup are sealed again
    into the restored chain (same ids, marked as carried over), and the restore itself is logged.

    Raises BackupError (naming the problems) when the backup does not pass the check.
    """
    problems = verify_backup(backup, protocol)
    if problems:
        raise BackupError(f"{backup.name} does not pass the check, so it was not restored:\n"
                          + "\n".join(str(p) for p in problems))
    ensure_private_dir(root)
    finish_interrupted_restore(root)
    staging = paths.restore_staging_dir(root)
    shutil.rmtree(staging, ignore_errors=True)
    count = _extract(backup, staging)
    new = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.suffix in (".json", ".jpg"))
    # The patients' last sessions are derived and not in a backup: those of the replaced
    # records go aside with them, and the next opening derives them from the restored ones.
    lasts = paths.patient_lasts_dir(root)
    old = data_files(root) + [(lasts / name).relative_to(root) for name in json_file_names(lasts)]
    aside = paths.quarantine_dir(root) / f"{now.strftime('%Y%m%d-%H%M%S')}-before-restore"
    n = 1
    while aside.exists():
        n += 1
        aside = aside.with_name(f"{now.strftime('%Y%m%d-%H%M%S')}-before-restore-{n}")
    journal = {"version": 1, "backup": backup.name, "aside": aside.relative_to(root).as_posix(),
               "old": [rel.as_posix() for rel in old], "new": [rel.as_posix() for rel in new]}
    write_atomic(paths.restore_journal_file(root), json.dumps(journal).encode("utf-8"))
    _switch(root, journal)
    return RestoreResult(backup.name, aside if old else None, count)


def _switch(root: Path, journal: dict[str, Any]) -> None:
    """Carry out a restore journal. Each step is a rename that is skipped once done, so a
    switch stopped anywhere is finished by running it again."""
    aside = root / str(journal["aside"])
    for rel in journal["old"]:
        live, moved = root / rel, aside / rel
        # Once every old file is aside the new ones move in, so an old name still live with
        # nothing aside under it has not been moved yet.
        if live.exists() and not moved.exists():
            ensure_private_dir(moved.parent)
            live.replace(moved)
    staging = paths.restore_staging_dir(root)
    for rel in journal["new"]:
        unpacked = staging / rel
        if unpacked.exists():
            ensure_private_dir((root / rel).parent)
            unpacked.replace(root / rel)
    carry_over_access_log(root, aside, str(journal.get("backup", "")))
    # The unpacked copy goes before the journal: a copy left without a journal then always
    # means a restore stopped before it changed anything.
    shutil.rmtree(staging, ignore_errors=True)
    paths.restore_journal_file(root).unlink()


def finish_interrupted_restore(root: Path) -> str | None:
    """Complete or drop a restore that was stopped part-way; what happened in a sentence, or None.

    Called by whoever opens the folder to write (the app's start, the backup and restore
    commands) before anything else reads or writes the records."""
    journal_path = paths.restore_journal_file(root)
    staging = paths.restore_staging_dir(root)
    if journal_path.exists():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BackupError(tr("An interrupted restore left {name}, which cannot be read ({exc}). Nothing "
                                 "was changed; keep the folder as it is and ask your IT support.").format(
                                 name=journal_path.name, exc=exc)) from None
        _switch(root, journal)
        return (f"A restore of {journal.get('backup', 'a backup')} was interrupted; it has now been completed. "
                f"The records are those of the backup; the files it replaced are in {journal.get('aside')}.")
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
        return ("A restore was interrupted before it changed anything; the records are as they were "
                "before it. Run it again if it is still wanted.")
    return None


def stray_temp_files(root: Path) -> list[Path]:
    """Leftovers of a save that was killed mid-way.

    QSaveFile writes an unnamed temporary file and, to replace an existing file, first
    links it under a temporary name (``<file>.XXXXXX``) and then renames it over the
    original. A kill between the two leaves that name behind. The original is intact
    (the save never completed, so it was never acknowledged).
    """
    folders = [root, paths.active_dir(root), paths.sessions_dir(root), paths.index_dir(root), paths.backups_dir(root)]
    # The name first: a stat per file (~3,000 day files at 50,000 sessions) cost ~30 ms a start.
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
