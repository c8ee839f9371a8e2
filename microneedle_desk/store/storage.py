"""A TinyDB storage that writes atomically and keeps what it read.

TinyDB's ``JSONStorage`` rewrites its file in place, so a kill mid-write leaves invalid
JSON, and it re-reads and re-parses the whole file for every operation. This storage:

* writes through ``QSaveFile`` (a temporary file, synced, renamed over the old one: after a
  crash the file is the old version or the new one, never a mix). On Linux the temporary
  file is unnamed until the last moment, but a kill between naming and renaming can leave
  ``<name>.<random>`` beside the intact file; start-up moves such leftovers to quarantine;
* keeps the parsed content in memory, which is safe because only one process writes the
  data folder (see :mod:`microneedle_desk.store.lock`);
* never repairs a file it cannot read: it raises :class:`BadFileError` and leaves the
  bytes as they are.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QIODevice, QSaveFile
from tinydb.storages import Storage

from microneedle_desk.core.record_types import JsonObject

FILE_MODE = 0o600
DIR_MODE = 0o700

# Held by every store write. A backup holds it for the instant it takes to hard-link the
# data files, so a snapshot always falls between two writes, like a crash would.
WRITE_GATE = threading.RLock()


class BadFileError(Exception):
    """A store file that cannot be used as it is. ``problem`` is said in an admin's words."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def ensure_private_dir(path: Path) -> None:
    """``path`` and every folder made on the way to it are 0700 (``mkdir(parents=True)`` alone
    would leave the folders between at the process's default, e.g. 0755)."""
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        for made in (path, *missing):
            os.chmod(made, DIR_MODE)


def make_private(path: Path) -> None:
    """A file the app made through another library (a lock, a PDF): readable by its owner only."""
    if os.name == "posix" and path.exists() and (path.stat().st_mode & 0o777) != FILE_MODE:
        os.chmod(path, FILE_MODE)


def json_file_names(folder: Path) -> list[str]:
    """The names of the data files (``*.json``, not hidden) in ``folder``, sorted; [] if none.

    os.scandir and string names: the check, the backup and its snapshot list every day file
    of years of records, where sorting and relativising a Path object for each one adds up.
    """
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries
                          if e.name.endswith(".json") and not e.name.startswith(".") and e.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []


def write_atomic(path: Path, data: bytes, sync: bool = True) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one.

    ``sync=False`` for derived data only (checked against its noted digest and derived again
    from the records when it differs): the file is replaced as atomically, which is all a
    killed process needs, but not synced to the disk first, so a power cut may cost the new
    content, never a record."""
    ensure_private_dir(path.parent)
    if not sync:
        _replace_unsynced(path, data)
        return
    f = QSaveFile(str(path))
    if not f.open(QIODevice.OpenModeFlag.WriteOnly):
        raise OSError(f"cannot open {path} for writing: {f.errorString()}")
    written = f.write(data)
    if written != len(data):
        f.cancelWriting()
        f.commit()
        raise OSError(f"could not write {path}: {f.errorString()}")
    if not f.commit():
        raise OSError(f"could not save {path}: {f.errorString()}")
    if os.name == "posix":
        os.chmod(path, FILE_MODE)


def _replace_unsynced(path: Path, data: bytes) -> None:
    # named as QSaveFile names its temporary file, so a leftover is found the same way (leftovers.py)
    temp = path.with_name(f"{path.name}.{secrets.token_hex(3)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def read_json_file(path: Path) -> Any:
    """Parse a store file; every way it can be unusable becomes a BadFileError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadFileError(path, f"it cannot be read ({exc.strerror}).") from None
    if not raw.strip():
        raise BadFileError(path, "the file is empty (it may have been cut short by a crash "
                                 "of an older version, or emptied by hand).")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadFileError(path, "the file is not text (its bytes are not UTF-8).") from None
    except json.JSONDecodeError as exc:
        if exc.pos >= len(raw.rstrip()) - 1:
            raise BadFileError(path, "the file ends in the middle of a record: it was cut short "
                                     "(truncated).") from None
        raise BadFileError(path, f"the file is not valid JSON (line {exc.lineno}, column "
                                 f"{exc.colno}: {exc.msg}).") from None


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class AtomicCachedStorage(Storage):
    """TinyDB storage: atomic writes via QSaveFile, parsed content cached in memory."""

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._cache: dict[str, JsonObject] | None = None  # table name -> table, as read
        self.on_write: Callable[[], None] | None = None  # told after every successful write
        self.sync = True  # False for derived data only: see write_atomic
        # Tables whose records are only ever inserted, never changed in place (sealed records):
        # each record's text is kept once made, so a save encodes only the records new since.
        self.sealed: frozenset[str] = frozenset()
        self._encoded: dict[tuple[str, str], tuple[object, bytes]] = {}
        self._held = self._dirty = False  # see held()

    def read(self) -> dict[str, JsonObject] | None:
        if self._cache is None:
            if not self.path.exists():
                return None
            data = read_json_file(self.path)
            if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
                raise BadFileError(self.path, "the file is JSON but not shaped as a table of "
                                              "records (wrong top-level shape).")
            self._cache = data
        return self._cache

    @contextmanager
    def held(self) -> Iterator[None]:
        """Writes inside the block change the content in memory only; the block's end writes
        it once. A block that fails writes nothing (the disk keeps what it had)."""
        if self._held:
            yield
            return
        self._held, self._dirty = True, False
        try:
            yield
        except BaseException:
            if self._dirty:
                self._cache = None  # changed in memory, never written: the disk is the truth again
            raise
        finally:
            self._held, dirty, self._dirty = False, self._dirty, False
        if dirty and self._cache is not None:
            self.write(self._cache)

    def write(self, data: dict[str, JsonObject]) -> None:
        if self.read_only:
            raise PermissionError("the store is open read-only: another copy of the app holds it")
        if self._held:
            self._cache, self._dirty = data, True
            return
        try:
            with WRITE_GATE:
                write_atomic(self.path, self._encode(data), self.sync)
        except BaseException:
            self._cache = None  # TinyDB changed it in place; the disk is the truth again
            self._encoded.clear()
            raise
        finally:
            if self.on_write is not None:
                self.on_write()
        self._cache = data

    def _encode(self, data: dict[str, JsonObject]) -> bytes:
        """``dumps(data)``, byte for byte, reusing the text of sealed records already encoded
        (the same record object: a record read again from the disk is encoded again)."""
        if not self.sealed:
            return dumps(data)
        tables = []
        for name, records in data.items():
            if name not in self.sealed:
                tables.append(dumps(name) + b":" + dumps(records))
                continue
            items = []
            for doc_id, record in records.items():
                known = self._encoded.get((name, doc_id))
                if known is None or known[0] is not record:
                    known = self._encoded[(name, doc_id)] = (record, dumps(record))
                items.append(dumps(doc_id) + b":" + known[1])
            tables.append(dumps(name) + b":{" + b",".join(items) + b"}")
        return b"{" + b",".join(tables) + b"}"

    def close(self) -> None:
        self._cache = None
        self._encoded.clear()
