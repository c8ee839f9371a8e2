"""One writer at a time: a QLockFile in the data folder.

A second copy of the app does not get the lock; it learns who holds it (host, process,
application) and opens the store read-only. A lock left by a killed process is stale and
is taken over (QLockFile checks that the process named in it is gone). A folder this user
cannot write in (its mode, its owner, a read-only disk) is told apart from one held by
another copy: nobody holds it, it is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile

from microneedle_desk import paths
from microneedle_desk.i18n import tr
from microneedle_desk.store.folder import is_read_only, read_only_sentence
from microneedle_desk.store.storage import make_private


@dataclass(frozen=True)
class LockHolder:
    """Who holds the data folder's lock."""

    pid: int
    hostname: str
    appname: str
    read_only: bool = False  # nobody holds it: the folder cannot be written by this user

    def describe(self) -> str:
        if not self.pid:
            return "another copy of microneedle-desk (its lock file does not say which)"
        return (f"another copy of microneedle-desk (process {self.pid} on computer "
                f"“{self.hostname or 'unknown'}”)")

    def why(self, root: Path, then: str) -> str:
        """Why ``root`` cannot be written, in one sentence, followed by ``then`` (what to do
        when another copy holds it)."""
        if self.read_only:
            return read_only_sentence(root)
        return tr("The data in {path} is open in {holder}. {then}").format(
            path=root, holder=self.describe(), then=then).strip()


class StoreLock:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._path = paths.lock_file(root)
        self._lock = QLockFile(str(self._path))
        self._lock.setStaleLockTime(0)  # stale only when the holder process is gone

    def acquire(self) -> LockHolder | None:
        """Take the lock. Returns None on success, else who holds it (``read_only`` when
        nobody does and the folder cannot be written)."""
        if is_read_only(self._root):
            return LockHolder(0, "", "", read_only=True)
        if self._lock.tryLock(100):
            make_private(self._path)
            return None
        if self._lock.error() == QLockFile.LockError.LockFailedError:
            if self._lock.removeStaleLockFile() and self._lock.tryLock(100):
                return None
            info = tuple(self._lock.getLockInfo())
            if len(info) == 4:  # some bindings return (ok, pid, host, app)
                info = info[1:] if info[0] else ()
            if len(info) == 3:
                return LockHolder(int(str(info[0])), str(info[1]), str(info[2]))
            return LockHolder(0, "", "")  # held, by a copy whose lock file cannot be read
        # Not held: the lock file could not be made (a read-only disk, a full one, no rights)
        return LockHolder(0, "", "", read_only=True)

    def release(self) -> None:
        self._lock.unlock()
