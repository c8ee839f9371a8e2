"""Content-addressed backups: each file stored once, each backup a manifest naming them.

``backups/objects/ab/<sha256>.gz`` holds a data file's bytes, gzip-compressed and named by
the SHA-256 of the uncompressed bytes; a backup is a manifest
``backups/microneedle-desk-backup-<YYYYmmdd-HHMMSS>[-reason].json`` listing every file it needs
(path, hash, size) and the record chain's head when it was taken. A finished day's file never
changes, so every backup after the first adds only the files that changed since: the day's
sessions, the patients, the month's index and access log, meta.

Writing order makes a backup whole or absent, whenever the process is stopped: objects are
written under a temporary name, synced and renamed into place, and the manifest comes last
(atomically). Pruning removes manifests first, then the objects no remaining manifest names;
a stop in between leaves unnamed objects, removed at the next prune.

Files are streamed in chunks: a backup never holds more than one chunk of a file in memory.
Which files changed is known from their size, change time and inode (every store write
replaces its file by a rename, so a changed file is a new inode), as restic does; a file
whose stamp is new is read and hashed again.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from microneedle_desk.core.record_types import ChainPoint, JsonObject
from microneedle_desk.store.storage import FILE_MODE, ensure_private_dir, write_atomic

CHUNK = 1 << 16
FORMAT = "microneedle-desk-backup"
VERSION = 2
_SHA = re.compile(r"^[0-9a-f]{64}$")
# The only paths a backup may hold (a manifest naming another is refused, never followed).
MEMBER = re.compile(r"^(meta\.json|patients\.json|courses\.json|backup-keys\.json|active/[0-9a-f-]{36}\.json"
                    r"|sessions/\d{4}-\d{2}-\d{2}\.json|index/(recent/)?\d{4}-\d{2}\.json|access/\d{4}-\d{2}\.json"
                    r"|photos/[0-9a-f-]{36}(\.thumb)?\.jpg)$")
Progress = Callable[[int, int], None]


class ManifestError(Exception):
    """A manifest that cannot be read or names what a backup never holds."""


@dataclass(frozen=True)
class Entry:
    path: str     # relative to the data folder, e.g. "sessions/2026-12-01.json"
    sha256: str   # of the file's bytes
    size: int


class Source(Protocol):
    """Somewhere a backup's files can be read from: a local manifest, an encrypted copy."""

    name: str

    def entries(self) -> list[Entry]: ...

    def open_entry(self, entry: Entry) -> IO[bytes]: ...

    def where(self, entry: Entry) -> str: ...


def objects_dir(backups: Path) -> Path:
    return backups / "objects"


def object_path(backups: Path, sha: str) -> Path:
    return objects_dir(backups) / sha[:2] / f"{sha}.gz"


def _fsync_replace(tmp: Path, final: Path) -> None:
    ensure_private_dir(final.parent)
    os.replace(tmp, final)


def store_object(backups: Path, source: Path) -> tuple[str, int]:
    """Copy ``source`` into the object store (compressed, streamed); its hash and size."""
    folder = objects_dir(backups)
    ensure_private_dir(folder)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out, \
                open(source, "rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())
        sha = digest.hexdigest()
        final = object_path(backups, sha)
        if final.exists():
            tmp.unlink()
        else:
            os.chmod(tmp, FILE_MODE)
            _fsync_replace(tmp, final)
        return sha, size
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _load_stamps(path: Path) -> dict[str, list[Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_manifest(backups: Path, root: Path, rels: Iterable[Path], target: Path, now: datetime,
                   reason: str, head: ChainPoint | None, progress: Progress | None = None) -> Path:
    """Store every file of ``rels`` (relative to ``root``) not stored yet, then the manifest."""
    stamps_file = backups / "stamps.json"  # path -> [size, mtime_ns, inode, sha]: speed only
    stamps = _load_stamps(stamps_file)
    new_stamps: dict[str, list[Any]] = {}
    files: list[list[Any]] = []
    rel_list = list(rels)
    for n, rel in enumerate(rel_list):
        key = rel.as_posix()
        st = os.stat(root / rel)
        known = stamps.get(key)
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        if isinstance(known, list) and known[:3] == stamp and isinstance(known[3], str) \
                and _SHA.match(known[3]) and object_path(backups, known[3]).exists():
            sha, size = known[3], st.st_size
        else:
            sha, size = store_object(backups, root / rel)
        new_stamps[key] = [*stamp, sha]
        files.append([key, sha, size])
        if progress is not None:
            progress(n + 1, len(rel_list))
    manifest = {"format": FORMAT, "version": VERSION, "id": str(uuid.uuid4()), "device": device_of(root),
                "taken": now.isoformat(), "reason": reason, "anchor": head, "files": files}
    write_atomic(target, json.dumps(manifest, separators=(",", ":")).encode("utf-8"))
    with contextlib.suppress(OSError):  # only a speed-up: missing, every file is read again
        write_atomic(stamps_file, json.dumps(new_stamps, separators=(",", ":")).encode("utf-8"))
    return target


def device_of(root: Path) -> str:
    """This data folder's device id, as meta.json holds it ("" when unreadable)."""
    with contextlib.suppress(OSError, ValueError, AttributeError, StopIteration, KeyError, TypeError):
        meta = json.loads((root / "meta.json").read_bytes()).get("meta", {})
        return str(next(iter(meta.values())).get("device", ""))
    return ""


def parse_manifest(raw: bytes, name: str) -> JsonObject:
    """A manifest's content, its entries checked (the rest as read: only the entries are used,
    and an encrypted copy carries the manifest whole); ManifestError naming what is wrong."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ManifestError(f"{name} cannot be read as a backup manifest (it is not JSON).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), list):
        raise ManifestError(f"{name} is not a microneedle-desk backup manifest.")
    for item in data["files"]:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str) and MEMBER.match(item[0])
                and isinstance(item[1], str) and _SHA.match(item[1]) and isinstance(item[2], int)):
            raise ManifestError(f"{name} names files a backup never holds ({str(item)[:80]}); "
                                "it is not a microneedle-desk backup.")
    return data


def entries_of(manifest: JsonObject) -> list[Entry]:
    return [Entry(p, s, n) for p, s, n in manifest["files"]]


class LocalSource:
    """A manifest in a data folder's ``backups/`` and the objects beside it."""

    def __init__(self, manifest: Path) -> None:
        self.path = manifest
        self.name = manifest.name
        self.backups = manifest.parent
        try:
            raw = manifest.read_bytes()
        except OSError as exc:
            raise ManifestError(f"{manifest.name} cannot be read ({exc.strerror or exc}).") from None
        self.manifest = parse_manifest(raw, manifest.name)

    def entries(self) -> list[Entry]:
        return entries_of(self.manifest)

    def open_entry(self, entry: Entry) -> IO[bytes]:
        return gzip.open(object_path(self.backups, entry.sha256), "rb")  # type: ignore[return-value]

    def where(self, entry: Entry) -> str:
        return f"backups/objects/{entry.sha256[:2]}/{entry.sha256}.gz"


def copy_entry(source: Source, entry: Entry, into: Path | None) -> str | None:
    """Stream one file out of a backup (into ``into`` when given), checking hash and size;
    None when it is whole, else what is wrong in one sentence."""
    digest = hashlib.sha256()
    size = 0
    out: IO[bytes] | None = None
    try:
        if into is not None:
            ensure_private_dir(into.parent)
            out = open(into, "wb")  # noqa: SIM115 - closed in finally
            os.chmod(into, FILE_MODE)
        with source.open_entry(entry) as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if out is not None:
                    out.write(chunk)
    except FileNotFoundError:
        return f"its stored copy ({source.where(entry)}) is missing from the backup."
    except (OSError, EOFError, gzip.BadGzipFile, ValueError, zlib.error) as exc:
        return f"its stored copy ({source.where(entry)}) cannot be read ({exc})."
    finally:
        if out is not None:
            out.close()
    if digest.hexdigest() != entry.sha256 or size != entry.size:
        return (f"its stored copy ({source.where(entry)}) does not match the hash the backup "
                "recorded: it was damaged or changed after the backup was taken.")
    return None


def damaged(source: Source, into: Path | None = None) -> Iterator[tuple[Entry, str]]:
    """Every file of the backup that is missing or does not match its hash (extracted into
    ``into`` on the way, when given)."""
    for entry in source.entries():
        wrong = copy_entry(source, entry, into / entry.path if into is not None else None)
        if wrong is not None:
            yield entry, wrong


def referenced(backups: Path, manifests: Iterable[Path]) -> set[str] | None:
    """The hashes the manifests name; None when one cannot be read (then nothing is pruned)."""
    names: set[str] = set()
    for path in manifests:
        try:
            names.update(e.sha256 for e in LocalSource(path).entries())
        except ManifestError:
            return None
    return names


def prune_objects(backups: Path, keep: set[str]) -> int:
    """Remove the objects (and leftover temporary files) not in ``keep``; how many went."""
    folder = objects_dir(backups)
    gone = 0
    if not folder.is_dir():
        return 0
    for sub in sorted(folder.iterdir()):
        if sub.is_file() and sub.name.startswith(".tmp-"):
            sub.unlink()
            continue
        if not sub.is_dir():
            continue
        for obj in sorted(sub.iterdir()):
            if obj.name.startswith(".tmp-") or obj.name.removesuffix(".gz") not in keep:
                obj.unlink()
                gone += 1
        with contextlib.suppress(OSError):
            sub.rmdir()  # only when empty
    return gone


def drop_leftovers(folder: Path) -> None:
    """Snapshot folders left by a stop during an earlier backup."""
    for stale in folder.glob(".snapshot-*"):
        shutil.rmtree(stale, ignore_errors=True)


def check_manifests(backups: Path, manifests: Iterable[Path]) -> list[tuple[str, str, str]]:
    """(backup, file, what is wrong) for every file of every backup that is missing or does not
    match its hash; a file shared by several backups is read once."""
    found: list[tuple[str, str, str]] = []
    verdict: dict[str, str | None] = {}
    for path in manifests:
        try:
            source = LocalSource(path)
        except ManifestError as exc:
            found.append((path.name, "", str(exc)))
            continue
        for entry in source.entries():
            if entry.sha256 not in verdict:
                verdict[entry.sha256] = copy_entry(source, entry, None)
            why = verdict[entry.sha256]
            if why is not None:
                found.append((path.name, entry.path, why))
    return found
