"""Verifying a backup and restoring one.

Restoring never deletes anything: the backup is first verified with the same checker as
``microneedle-desk check`` (on a temporary extraction), then the current files are moved
aside into ``quarantine/<timestamp>/`` and the backup's files are put in their place, all or
nothing through a journal, however the process is stopped.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.i18n import tr
from microneedle_desk.store import backup_repo as repo
from microneedle_desk.store.backup import BackupError, backups, data_files
from microneedle_desk.store.check import check_store
from microneedle_desk.store.check_chain import ANCHOR_MEMBER
from microneedle_desk.store.check_problems import Problem, StoreUnreadable
from microneedle_desk.store.restore_access import carry_over_access_log
from microneedle_desk.store.storage import ensure_private_dir, json_file_names, write_atomic

_MEMBER = re.compile(r"^(anchor\.json|meta\.json|patients\.json|courses\.json|active/[0-9a-f-]{36}\.json"
                     r"|sessions/\d{4}-\d{2}-\d{2}\.json|index/(recent/)?\d{4}-\d{2}\.json|access/\d{4}-\d{2}\.json"
                     r"|photos/[0-9a-f-]{36}(\.thumb)?\.jpg)$")


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did."""

    backup: str
    quarantined: Path | None   # where the files that were replaced now are
    files: int


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


def _switch(root: Path, journal: JsonObject) -> None:
    """Carry out a restore journal (as written, or as read back after a stop). Each step is a
    rename that is skipped once done, so a switch stopped anywhere is finished by running it
    again."""
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
