"""The start-up check of a store with records, run after the window is up.

The start-up check reuses what it found for files unchanged since it last passed (the check
cache), but even then it reads the cache and looks at every file: its cost grows with the
years of records, and a store opened without a cache (after a restore, on a new laptop, a
copied folder) would have every sealed file verified before the window could show. So the app
checks in the background instead, on a snapshot of hard links taken between two writes, so the
check sees one instant of the folder while sessions go on; the cache it builds is kept for the
next start, and what it finds is told to the person. A check that found a problem leaves a
mark (paths.check_failed_file): the next start checks before its window, where a bad file can
be answered with the newest good backup.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from microneedle_desk import paths
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.store.check import check_store
from microneedle_desk.store.check_problems import Problem, StoreUnreadable
from microneedle_desk.store.photos import photo_files
from microneedle_desk.store.storage import WRITE_GATE, ensure_private_dir, json_file_names, write_atomic


def _cached_stamps(root: Path) -> JsonObject:
    """The check cache's stamps as read (file -> stamp; each is checked where it is used)."""
    try:
        loaded = json.loads(paths.check_cache_file(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = loaded.get("files") if isinstance(loaded, dict) and loaded.get("version") == 1 else None
    return files if isinstance(files, dict) else {}


def unchecked_files(root: Path) -> int:
    """How many sealed files the start-up check would have to read in full (changed since, or
    not in, the check cache)."""
    cached = _cached_stamps(root)
    count = 0
    for folder in (paths.sessions_dir(root), paths.access_dir(root), paths.index_dir(root),
                   paths.index_recent_dir(root)):
        prefix = folder.relative_to(root).as_posix() + "/"
        for name in json_file_names(folder):
            hit = cached.get(prefix + name)
            if not isinstance(hit, dict):
                count += 1
                continue
            try:
                st = os.stat(folder / name)
            except OSError:
                continue
            if hit.get("stamp") != [st.st_size, st.st_mtime_ns]:
                count += 1
    return count


def should_defer(root: Path) -> bool:
    """Whether the start-up check can wait for the first frame: the store has records, and the
    last check found nothing wrong."""
    return paths.meta_file(root).exists() and not paths.check_failed_file(root).exists()


def _snapshot(root: Path) -> Path:
    """Hard links to the records and the derived files (copies where links are refused)."""
    base = paths.backups_dir(root)
    ensure_private_dir(base)
    for stale in base.glob(".check-*"):  # left by a stop during an earlier check
        shutil.rmtree(stale, ignore_errors=True)
    snap = Path(tempfile.mkdtemp(prefix=".check-", dir=base))
    names = [paths.meta_file(root).name, paths.patients_file(root).name]
    folders = [paths.active_dir(root), paths.sessions_dir(root), paths.index_dir(root),
               paths.index_recent_dir(root), paths.patient_lasts_dir(root), paths.access_dir(root)]
    with WRITE_GATE:
        rels = [Path(n) for n in names if (root / n).is_file()]
        for folder in folders:
            rels += [folder.relative_to(root) / n for n in json_file_names(folder)]
        rels += [Path(paths.photos_dir(root).name) / n for n in photo_files(root)]  # the check reads them
        for rel in rels:
            ensure_private_dir((snap / rel).parent)
            try:
                os.link(root / rel, snap / rel)
            except OSError:
                shutil.copy2(root / rel, snap / rel)
        with contextlib.suppress(OSError):
            shutil.copy2(paths.check_cache_file(root), paths.check_cache_file(snap))
    # the backups hold the chain's anchor, which the check compares with
    with contextlib.suppress(OSError):
        os.symlink(base, paths.backups_dir(snap))
    return snap


def check_in_background(root: Path, protocol: Protocol) -> list[Problem]:
    """The start-up check on a snapshot; the cache it builds is kept for the next start."""
    snap = _snapshot(root)
    try:
        try:
            problems = check_store(snap, protocol, deep=False, use_cache=True)
        except StoreUnreadable as exc:
            problems = [Problem(paths.meta_file(root).name, "", str(exc).replace(str(snap), str(root)))]
        failed = paths.check_failed_file(root)
        if problems:
            with contextlib.suppress(OSError):  # without the mark the next start checks after its frame again
                write_atomic(failed, b"")
            return problems
        failed.unlink(missing_ok=True)
        built, kept = paths.check_cache_file(snap), paths.check_cache_file(root)
        # Stamps are sizes and change times, the same through a hard link: a file changed
        # since the snapshot no longer matches and is checked again at the next start.
        with contextlib.suppress(OSError):
            fresh = built.read_bytes()
            if not kept.exists() or kept.read_bytes() != fresh:  # an unchanged store writes nothing
                write_atomic(kept, fresh)
        return problems
    finally:
        shutil.rmtree(snap, ignore_errors=True)
