"""Each patient's newest session, kept per patient, so a session start reads one small file.

A session start presets the needle length of the patient's last session. Found from the
history index, that read every month of it, longer with every year of records. Here each
patient has a record, updated whenever the store files or amends a
history row (:meth:`PatientLasts.note`), in ``index/patients/<00-ff>.json`` (256 files by the
first two hex digits of the patient id, so a filing rewrites ~1/256 of the patients' records)::

    {"lasts": {"<patient id>": {"last": {"id", "started_at", "month"},
                                 "needle": {"id", "started_at", "month", "needle_mm"}}}}

It is derived data, like the index: not sealed, not in backups. A store without the
``complete.json`` marker file (written last) derives every record from the index once
(:meth:`PatientLasts.rebuild`, the upgrade step of older stores and of a restored copy); a
record whose session is not in the index as recorded (a backup restored over newer files)
makes the store derive them all again.

A store written before the 256 files kept 16 (``<0-f>.json``, by the first hex digit): its first
filing moves their records into the 256 files and removes them (:meth:`PatientLasts.note`);
until then they are read as they are (a read-only copy reads them so).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol, TypedDict

from microneedle_desk import paths
from microneedle_desk.core.summary import SessionRow
from microneedle_desk.store.storage import BadFileError, dumps, read_json_file, write_atomic


class HistoryIndex(Protocol):
    """What the lasts index reads from the store that keeps it (the store's history index), so
    that this module does not import the store back."""

    @property
    def root(self) -> Path: ...

    def index_months(self) -> list[str]: ...

    def month_rows(self, month: str) -> list[SessionRow]: ...

    def note_derived(self, path: Path) -> None: ...

    def note_derived_files(self, written: list[Path]) -> None: ...


class _Entry(TypedDict):
    """A patient's session: which, when it started, and where its history row is."""

    id: str
    started_at: str
    month: str  # the month file of the history index that holds the session's row


class LastEntry(_Entry, total=False):
    """A patient's newest session, or newest with a needle length (then with it)."""

    needle_mm: float


class Record(TypedDict, total=False):
    """A patient's record; none of its entries when they have no finished session."""

    last: LastEntry
    needle: LastEntry


def entries(record: Record) -> list[LastEntry]:
    return [e for e in (record.get("last"), record.get("needle")) if e is not None]


MARKER = "complete.json"  # written last by a rebuild: every patient's record is there


def _newer(row: Mapping[str, Any], month: str, current: LastEntry | None) -> LastEntry | None:
    """The entry for ``row`` when it is the same session as ``current`` or a later one."""
    started = str(row.get("started_at") or "")
    if current is None or current.get("id") == row.get("id") or started >= str(current.get("started_at")):
        return {"id": str(row.get("id")), "started_at": started, "month": month}
    return None


def merge(record: Record, row: Mapping[str, Any], month: str) -> bool:
    """Fold one history row into a patient's record; True when the record changed."""
    changed = False
    last = _newer(row, month, record.get("last"))
    if last is not None and last != record.get("last"):
        record["last"] = last
        changed = True
    needle = row.get("needle_mm")
    if isinstance(needle, (int, float)):
        entry = _newer(row, month, record.get("needle"))
        if entry is not None:
            entry["needle_mm"] = needle
            if entry != record.get("needle"):
                record["needle"] = entry
                changed = True
    return changed


class PatientLasts:
    def __init__(self, store: HistoryIndex) -> None:
        self.store = store
        self.root = store.root
        self._files: dict[Path, dict[str, Record]] = {}
        self._sixteen_moved = False  # a 16-file store's records are in the 256 files (see _move_sixteen)

    # -- reading ---------------------------------------------------------------------------
    def ready(self) -> bool:
        return (paths.patient_lasts_dir(self.root) / MARKER).exists()

    def _file(self, path: Path) -> dict[str, Record]:
        lasts = self._files.get(path)
        if lasts is None:
            try:
                data = read_json_file(path) if path.exists() else {}
            except BadFileError:
                data = {}
            found = data.get("lasts") if isinstance(data, dict) else None
            lasts = self._files[path] = found if isinstance(found, dict) else {}
        return lasts

    def record(self, patient_id: str) -> Record:
        """The patient's record ({} when they have no finished session). Raises LookupError
        when it disagrees with the history index (derive again: :meth:`rebuild`)."""
        record = self._stored(patient_id) or {}
        self._files.clear()  # read for this patient: kept, the files read over a day grow to every patient's
        for entry in entries(record):
            rows = self.store.month_rows(str(entry.get("month")))
            row = next((r for r in rows if r.get("id") == entry.get("id")), None)
            if row is None or str(row.get("started_at") or "") != entry.get("started_at") or (
                    "needle_mm" in entry and row.get("needle_mm") != entry["needle_mm"]):
                raise LookupError("a patient's last session is not in the history as recorded")
        return record

    def _stored(self, patient_id: str) -> Record | None:
        """The patient's record as filed: in the 256 files, else in a 16-file store's file."""
        found = self._file(paths.patient_lasts_file(self.root, patient_id)).get(patient_id)
        if found is None:
            found = self._file(paths.patient_lasts_file_16(self.root, patient_id)).get(patient_id)
        return found

    # -- writing ---------------------------------------------------------------------------
    def note(self, rows: Iterable[tuple[Mapping[str, Any], str]]) -> None:
        """Fold history rows (with their months) just filed or amended into the records."""
        if not self.ready():
            return  # derived from the index in full when the store is next opened for writing
        if not self._sixteen_moved:
            self._move_sixteen()
        changed: set[Path] = set()
        for row, month in rows:
            pid = str(row.get("patient_id") or "")
            path = paths.patient_lasts_file(self.root, pid)
            if merge(self._file(path).setdefault(pid, {}), row, month):
                changed.add(path)
        for path in sorted(changed):
            write_atomic(path, dumps({"lasts": self._files[path]}), sync=False)
        self.store.note_derived_files(sorted(changed))
        self._files.clear()

    def _move_sixteen(self) -> None:
        """Move a 16-file store's records into the 256 files, once: the new files first, then the
        old ones removed (a stop between leaves both, the 256 files' records read first)."""
        old = sorted(paths.patient_lasts_dir(self.root).glob("?.json"))
        changed: set[Path] = set()
        targets: dict[str, dict[str, Record]] = {}  # by the id's first two characters
        for path in old:
            for pid, record in self._file(path).items():
                lasts = targets.get(pid[:2])
                if lasts is None:
                    target = paths.patient_lasts_file(self.root, pid)
                    lasts = targets[pid[:2]] = self._file(target)
                    changed.add(target)
                lasts.setdefault(pid, record)  # one already there is newer
        for target in sorted(changed):
            write_atomic(target, dumps({"lasts": self._files[target]}), sync=False)
        for path in old:
            path.unlink()
            self._files.pop(path, None)
        self.store.note_derived_files([*sorted(changed), *old])
        self._sixteen_moved = True

    def rebuild(self) -> int:
        """Derive every patient's record from the whole history index; returns how many."""
        by_file: dict[Path, dict[str, Record]] = {}
        for month in reversed(self.store.index_months()):
            for row in self.store.month_rows(month):
                pid = str(row.get("patient_id") or "")
                merge(by_file.setdefault(paths.patient_lasts_file(self.root, pid), {}).setdefault(pid, {}),
                      row, month)
        folder = paths.patient_lasts_dir(self.root)
        marker = folder / MARKER
        marker.unlink(missing_ok=True)
        # every file not derived now, a 16-file store's too
        gone = [path for path in sorted(folder.glob("*.json")) if path not in by_file and path != marker]
        for path in gone:
            path.unlink()
        for path, lasts in sorted(by_file.items()):
            write_atomic(path, dumps({"lasts": lasts}), sync=False)
        write_atomic(marker, b"{}")
        self.store.note_derived_files([*gone, *sorted(by_file), marker])
        self._sixteen_moved = True
        return sum(len(v) for v in by_file.values())
