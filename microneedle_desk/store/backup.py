"""Rolling backups of the data folder, and restoring one.

A backup is a zip of the data folder's JSON files (meta, patients, sessions in progress,
finished sessions, the history index) and the session photos in ``backups/``, written atomically and readable
only by the user. One is taken at the first start of each day and before every upgrade;
the newest ``store/backups_kept`` are kept.

Restoring never deletes anything: the backup is first verified with the same checker as
``microneedle-desk check`` (on a temporary extraction), then the current files are moved
aside into ``quarantine/<timestamp>/`` and the backup's files are put in their place.
"""

from __future__ import annotations

import io
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
from microneedle_desk.core.record_base import FrozenRecord
from microneedle_desk.store.check import ANCHOR_MEMBER, RESTORED, Problem, StoreUnreadable, check_store
from microneedle_desk.store.photos import photo_files as photo_file_names
from microneedle_desk.store.storage import WRITE_GATE, ensure_private_dir, json_file_names, write_atomic

PREFIX = "microneedle-desk-backup-"
_NAME = re.compile(r"^microneedle-desk-backup-(\d{8}-\d{6})(-[a-z-]+)?\.zip$")
_MEMBER = re.compile(r"^(anchor\.json|meta\.json|patients\.json|active/[0-9a-f-]{36}\.json"
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
    from microneedle_desk.i18n import tr

    folder = paths.backups_dir(root)
    if folder.exists() and not folder.is_dir():
        raise BackupPlaceError(tr("{path} is a file, so no backup can be written there: move or rename that "
                                  "file, and the backups folder is made again.").format(path=folder))
    ensure_private_dir(folder)
    return folder


@dataclass(frozen=True, eq=False, repr=False)
class RestoreResult(FrozenRecord):
    """What a restore did."""

    backup: Path
    quarantined: Path | None   # where the files that were replaced now are
    files: int


def data_files(root: Path) -> list[Path]:
    """The data folder's JSON files, as a backup holds them (relative paths)."""
    found = [Path(name) for name in (paths.meta_file(root).name, paths.patients_file(root).name)
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
    for stale in folder.glob(".snapshot-*"):  # left by a stop during an earlier backup
        shutil.rmtree(stale, ignore_errors=True)
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


def take_backup(root: Path, now: datetime, keep: int, reason: str = "", source: Path | None = None) -> Path:
    """Zip the data files (of ``source``, a snapshot, if given) into ``backups/``; then keep only
    the newest ``keep`` backups."""
    buffer = io.BytesIO()
    src = source or root
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in data_files(src):
            zf.writestr(rel.as_posix(), (src / rel).read_bytes())
        anchor = _chain_head(src)
        if anchor is not None:  # the head, kept outside the folder: `check` compares with it
            zf.writestr(ANCHOR_MEMBER, json.dumps(anchor))
    suffix = f"-{reason}" if reason else ""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = _backups_folder(root) / f"{PREFIX}{stamp}{suffix}.zip"
    if target.is_symlink() or (target.exists() and not target.is_file()):
        from microneedle_desk.i18n import tr

        raise BackupPlaceError(tr("{path} is not an ordinary file and is left as it is: move it away and "
                                  "take the backup again.").format(path=target))
    write_atomic(target, buffer.getvalue())
    for old in backups(root)[max(1, keep):]:
        if old != target:
            old.unlink()
    return target


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


def daily_backup_in_background(root: Path, now: datetime, keep: int) -> threading.Thread | None:
    """Today's backup without making the practitioner wait: snapshot and zip in a thread.

    The snapshot holds ``WRITE_GATE`` while it links the files (~0.1 s for ~3,000 files at
    50,000 sessions, once a day), so it still falls between two writes; a step saved in
    that instant waits for it. With years of records the zip takes seconds. A stop before
    the zip is written leaves no backup for today, so the next start takes it.
    """
    if backed_up_today(root, now):
        return None

    def work() -> None:
        snap: Path | None = None
        try:
            snap = snapshot(root)
            take_backup(root, now, keep, "daily", source=snap)
        except OSError:
            pass  # retried at the next start: no backup for today exists
        finally:
            if snap is not None:
                shutil.rmtree(snap, ignore_errors=True)

    thread = threading.Thread(target=work, name="daily-backup", daemon=True)
    thread.start()
    return thread


def verify_backup(backup: Path, protocol: Protocol) -> list[Problem]:
    """Check a backup without touching the data folder; problems as ``check`` reports them."""
    with tempfile.TemporaryDirectory(prefix="microneedle-desk-verify-") as tmp:
        _extract(backup, Path(tmp))
        try:
            # The history index inside is derived again from the records after a restore.
            return [p for p in check_store(Path(tmp), protocol) if not p.derived]
        except StoreUnreadable as exc:
            return [Problem(backup.name, "", str(exc).replace(tmp, "the backup"))]


def _extract(backup: Path, into: Path) -> int:
    try:
        with zipfile.ZipFile(backup) as zf:
            names = zf.namelist()
            bad = [n for n in names if not _MEMBER.match(n)]
            if bad:
                raise BackupError(f"{backup.name} holds files a backup never holds ({bad[0]}); "
                                  "it is not a microneedle-desk backup.")
            names = [n for n in names if n != ANCHOR_MEMBER]  # not a data file: it stays in the zip
            for name in names:
                write_atomic(into / name, zf.read(name))
            return len(names)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{backup.name} cannot be read as a backup ({exc}).") from None


def newest_good_backup(root: Path, protocol: Protocol) -> Path | None:
    for candidate in backups(root):
        try:
            if not verify_backup(candidate, protocol):
                return candidate
        except BackupError:
            continue
    return None


def restore(root: Path, backup: Path, protocol: Protocol, now: datetime) -> RestoreResult:
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
    return RestoreResult(backup, aside if old else None, count)


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
    _carry_over_access_log(root, aside, str(journal.get("backup", "")))
    # The unpacked copy goes before the journal: a copy left without a journal then always
    # means a restore stopped before it changed anything.
    shutil.rmtree(staging, ignore_errors=True)
    paths.restore_journal_file(root).unlink()


def _access_docs(folder: Path) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for name in json_file_names(folder):
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # an unreadable old file stays in quarantine as it is, for inspection
        table = data.get("access", {}) if isinstance(data, dict) else {}
        docs.extend(d for d in table.values() if isinstance(d, dict))
    return docs


CARRIED = " (carried over at the restore of {backup})"


def _carry_over_access_log(root: Path, aside: Path, backup_name: str) -> None:
    """Seal the access entries made after the backup into the restored chain, then log the
    restore. Entries are matched by id, so running it again adds nothing twice."""
    from microneedle_desk.core.clock import SystemClock
    from microneedle_desk.core.protocol import load_protocol
    from microneedle_desk.store.accounts import AccountBook
    from microneedle_desk.store.store import Store

    access = paths.access_dir(root).name
    present = _access_docs(root / access)
    known = {d.get("id") for d in present}
    later = sorted((d for d in _access_docs(aside / access) if d.get("id") not in known),
                   key=lambda d: (d.get("chain", {}).get("seq", 0), str(d.get("at", ""))))
    note = CARRIED.format(backup=backup_name)
    logged = any(d.get("action") == "restore" and note in str(d.get("detail", "")) for d in present)
    if not later and logged:
        return
    store = Store(root, load_protocol(paths.protocol_file()), SystemClock())
    try:
        store.recover()
        # The backups taken between this one and now hold a history given up on purpose: `check`
        # compares the chain with the backups outside that span only.
        store.set_meta_value(RESTORED, {"backup": backup_name, "at": aside.name[:15]})
        for doc in later:
            carried = {k: v for k, v in doc.items() if k not in ("chain", "hash")}
            carried["detail"] = str(carried.get("detail", "")) + note
            month = str(doc.get("at", ""))[:7]
            store._chain_append(carried, store._db_for(paths.access_file(root, month)).table("access"))
        if not logged:
            AccountBook(store).log("restore", None, detail=f"restored {backup_name}{note}")
    finally:
        store.close()


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
            raise BackupError(f"An interrupted restore left {journal_path.name}, which cannot be read ({exc}). "
                              "Nothing was changed; keep the folder as it is and ask your IT support.") from None
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
