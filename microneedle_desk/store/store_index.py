"""The store's derived data: one summary row per finished session by month (the history
reads these), their digests that say whether a file is still what the records derive,
and what the rows tell of a patient's last sessions.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, cast, overload

from tinydb import Query

from microneedle_desk import paths
from microneedle_desk.core.record_types import FollowupIndexRow, JsonObject
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.summary import SessionRow, summarize
from microneedle_desk.store import index_parts, month_reader
from microneedle_desk.store.derived import (
    DERIVED_TABLE,
    derived_files,
    file_digest,
    month_from_records,
    relative,
)
from microneedle_desk.store.lasts import Record as LastsRecord
from microneedle_desk.store.lasts import entries as last_entries
from microneedle_desk.store.lasts import merge as merge_last
from microneedle_desk.store.month_keys import MonthKeys
from microneedle_desk.store.storage import (
    dumps,
    json_file_names,
    write_atomic,
)
from microneedle_desk.store.store_patients import StorePatients

MONTHS_KEPT = 4  # months of history rows kept after reading them (see month_rows)

IndexTable = Literal["summaries", "followups"]
"""The tables of a month's index file: history rows, and copies of the month's follow-ups."""


def _typed(rows: list[JsonObject], table: IndexTable) -> list[SessionRow] | list[FollowupIndexRow]:
    # The index is the store's own derived data, written from the records (summarize, the
    # follow-up's index row) and checked against their digests or rebuilt before it is read.
    if table == "summaries":
        return cast(list[SessionRow], rows)
    return cast(list[FollowupIndexRow], rows)


class StoreIndex(StorePatients):


    def index_key(self, state: SessionState) -> str:
        """The history-index month of a session (``YYYY-MM``): its row goes into the month's
        recent part (store/index_parts.py), a small file, whatever the month holds."""
        return self.file_key(state)[:7]

    def _index_upsert(self, state: SessionState, entry: Mapping[str, Any], amendments: int = 0) -> None:
        # into the month's recent part, a small file (store/index_parts.py)
        month = self.index_key(state)
        table = self._db_for(paths.index_recent_file(self.root, month)).table("summaries")
        # The month file is kept open (its content read once, when first read): the next session
        # start reads this month again, and only its recent part has changed.
        self._db_for(paths.index_file(self.root, month))
        row = summarize(state, self.protocol)
        row["hash"] = entry.get("hash", "")
        row["file"] = self.file_key(state)
        if amendments:
            row["amended"] = amendments  # the history shows "amended"; the values are the corrected ones
        if table.get(Query().id == state.id) is None:
            table.insert(row)
        else:
            table.update(row, Query().id == state.id)
        self._lasts.note([(row, month)])
        self._compact_when_full(month)

    def _compact_when_full(self, month: str) -> None:
        path = paths.index_recent_file(self.root, month)
        tables = self._db_for(path).storage.read() or {}
        if sum(len(records) for records in tables.values()) >= index_parts.RECENT_ROWS:
            self._release(path)
            self._release(paths.index_file(self.root, month))
            written = index_parts.compact(self.root, month)
            self._drop_rows(month)
            self.note_derived_files(written)

    # -- finished sessions ----------------------------------------------------------
    def index_months(self) -> list[str]:
        """The months (``YYYY-MM``) that have history rows, newest first."""
        return index_parts.index_months(self.root)

    @overload
    def month_rows(self, month: str, table: Literal["summaries"] = "summaries") -> list[SessionRow]: ...
    @overload
    def month_rows(self, month: str, table: Literal["followups"]) -> list[FollowupIndexRow]: ...
    def month_rows(self, month: str, table: IndexTable = "summaries") -> list[SessionRow] | list[FollowupIndexRow]:
        """One month's history rows (or its ``followups`` copies) as read from its index file.

        The rows are the store's own (shared, not copies): read them, never change them. The
        last MONTHS_KEPT months read are kept until their file is written (a session start reads
        the same month again); older ones are let go, so reading the whole history leaves the
        store's memory where it was. The history reads the newest months first, so its first
        rows do not wait for older years.
        """
        return _typed(self._raw_rows(month, table), table)

    @overload
    def month_rows_once(self, month: str, table: Literal["summaries"] = "summaries") -> list[SessionRow]: ...
    @overload
    def month_rows_once(self, month: str, table: Literal["followups"]) -> list[FollowupIndexRow]: ...
    def month_rows_once(
            self, month: str, table: IndexTable = "summaries") -> list[SessionRow] | list[FollowupIndexRow]:
        """One month's history rows as :meth:`month_rows` reads them, not kept afterwards unless
        they were kept already: a reader that walks every month holds one month at a time."""
        return _typed(self._raw_rows_once(month, table), table)

    def _raw_rows_once(self, month: str, table: str) -> list[JsonObject]:
        tables = self._months.get(month)
        if tables is not None:
            return tables.get(table, [])
        rows = self._raw_rows(month, table)
        self._months.pop(month, None)
        return rows

    def month_rows_sorted(self, month: str, key: Callable[[SessionRow], Any],
                          reverse: bool = False) -> Iterator[SessionRow]:
        """The month's history rows as ``sorted(month_rows_once(month), key=key, reverse=reverse)``
        gives them, each parsed as it is asked for (store/month_reader.py): walking the months
        holds one row at a time, not a month. A damaged file raises as :meth:`month_rows` does."""
        return cast(Iterator[SessionRow], self._records_sorted(month, "summaries", key, reverse))

    def month_rows_each(self, month: str) -> Iterator[SessionRow]:
        """The month's history rows as :meth:`month_rows_once` gives them, each parsed as it is
        asked for."""
        return cast(Iterator[SessionRow], self._records_sorted(month, "summaries", None, False))

    def month_followups_each(self, month: str) -> Iterator[FollowupIndexRow]:
        """The month's follow-up copies as :meth:`month_rows_once` gives them, each parsed as it is
        asked for (the month's history rows are not made)."""
        return cast(Iterator[FollowupIndexRow], self._records_sorted(month, "followups", None, False))

    def _records_sorted(self, month: str, table: IndexTable, key: Callable[[Any], Any] | None,
                        reverse: bool) -> Iterator[Any]:
        """The month's records of ``table`` sorted by ``key`` (None: as they are filed)."""
        base = paths.index_file(self.root, month)
        text = None
        if month not in self._months and base not in self._dbs:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                text = base.read_bytes().decode("utf-8")
        records = month_reader.scan(text, table, key) if text is not None else None
        if text is None or records is None:  # read whole: the same records, or the same error
            whole = self._raw_rows_once(month, table)
            yield from (whole if key is None else sorted(whole, key=key, reverse=reverse))
            return
        recent = self._read_part(paths.index_recent_file(self.root, month))
        yield from month_reader.rows_in_order(text, records, recent, table, key, reverse)

    def _raw_rows(self, month: str, table: str) -> list[JsonObject]:
        tables = self._months.pop(month, None)
        if tables is None:
            tables = index_parts.fold(self._read_part(paths.index_file(self.root, month)),
                                      self._read_part(paths.index_recent_file(self.root, month)))
        self._months[month] = tables  # the newest use last
        while len(self._months) > MONTHS_KEPT:
            del self._months[next(iter(self._months))]
        return tables.get(table, [])

    def _read_part(self, path: Path) -> Any:
        if not path.exists():
            return None
        was_open = path in self._dbs
        data = self._db_for(path).storage.read()
        if not was_open:
            self._release(path)  # the file's content is kept once, as the month's rows
        return data

    def patient_index_records(self, patient_ids: set[str], table: Literal["followups"]) -> list[FollowupIndexRow]:
        """The records of an index table (``followups``) about these patients, read from the
        months that hold their sessions only (a record is filed in its session's month)."""
        return [r for month in self.month_keys().months_of_patients(sorted(patient_ids))
                for r in self.month_rows_once(month, table) if r.get("patient_id") in patient_ids]

    def index_records(self, table: Literal["followups"]) -> list[FollowupIndexRow]:
        """Every month's records of an index table (``followups``), oldest month first; shared."""
        out: list[FollowupIndexRow] = []
        for month in reversed(self.index_months()):
            out.extend(self.month_rows(month, table))
        return out

    def add_index_record(self, state: SessionState, table: Literal["followups"], record: FollowupIndexRow) -> None:
        """File ``record`` in table ``table`` of the session's month in the history index."""
        self._guard()
        month = self.index_key(state)
        with self._meta_held():
            self._db_for(paths.index_recent_file(self.root, month)).table(table).insert(record)
            self._compact_when_full(month)

    def filed_table(self, state: SessionState, table: str) -> Any:
        """Table ``table`` (``followups``) of the day file a finished session is filed in."""
        return self._db_for(paths.session_file(self.root, self.file_key(state))).table(table)

    def month_keys(self) -> MonthKeys:
        """Which months hold a session or a patient's sessions (kept small: see month_keys.py)."""
        if self._month_keys is None:
            self._month_keys = MonthKeys(self.index_months, self._index_text)
        return self._month_keys

    def _index_text(self, month: str) -> bytes:
        out = b""
        for path in (paths.index_file(self.root, month), paths.index_recent_file(self.root, month)):
            with contextlib.suppress(FileNotFoundError):
                out += path.read_bytes() + b"\n"
        return out

    def _row(self, session_id: str) -> SessionRow | None:
        """A finished session's history row (the store's own), read from its month only."""
        for month in self.month_keys().months_of_session(session_id):
            row = next((r for r in self.month_rows_once(month) if r.get("id") == session_id), None)
            if row is not None:
                return row
        return None

    def _patient_rows(self, patient_ids: set[str]) -> list[SessionRow]:
        """The history rows of these patients (the store's own), read from their months only."""
        return [r for month in self.month_keys().months_of_patients(sorted(patient_ids))
                for r in self.month_rows_once(month) if r.get("patient_id") in patient_ids]

    def _index_written(self, month: str, path: Path) -> None:
        self._drop_rows(month)
        self.note_derived(path)

    # -- derived data (store/derived.py) ------------------------------------------------
    def derived_digests(self) -> dict[str, str]:
        """The SHA-256 of each derived file as the store last wrote it, by path in the folder."""
        docs = self._db_for(paths.meta_file(self.root)).table(DERIVED_TABLE).all()
        files = docs[0].get("files") if docs else None
        return dict(files) if isinstance(files, dict) else {}

    def note_derived(self, path: Path) -> None:
        """Remember the content of a derived file just written (or removed)."""
        self._note_derived([path])

    def note_derived_files(self, written: list[Path]) -> None:
        """Remember the content of derived files just written (or removed), in one write."""
        self._note_derived(written)

    def note_all_derived(self) -> None:
        """Take the derived files as they are now (a store from before their digests were kept)."""
        self._note_derived(derived_files(self.root))

    def _note_derived(self, written: list[Path]) -> None:
        # one meta.json write for however many files: the first opening of a large store notes ~150
        if self.read_only:
            return
        files = self.derived_digests()
        before = dict(files)
        for path in written:
            key, digest = relative(self.root, path), file_digest(path)
            if digest is None:
                files.pop(key, None)
            else:
                files[key] = digest
        if files == before:
            return
        table = self._db_for(paths.meta_file(self.root)).table(DERIVED_TABLE)
        if table.all():
            table.update({"files": files})
        else:
            table.insert({"files": files})

    def rebuild_derived(self, months: list[str] | None = None) -> list[str]:
        """Derive the history index of ``months`` (every month when None) and every patient's
        last session again from the sealed records. Returns the months rebuilt."""
        self._guard()
        wanted = set(months) if months is not None else (
            set(self.index_months()) | {name[:7] for name in json_file_names(paths.sessions_dir(self.root))})
        with self._meta_held():
            for month in sorted(wanted):
                path, recent = paths.index_file(self.root, month), paths.index_recent_file(self.root, month)
                self._release(path)
                self._release(recent)
                content = month_from_records(self.root, month, self.protocol)
                if content["summaries"] or content["followups"]:
                    write_atomic(path, dumps(content))
                else:
                    path.unlink(missing_ok=True)
                recent.unlink(missing_ok=True)  # after the month file: a crash between leaves rows of both
                self._drop_rows(month)
                self.note_derived_files([path, recent])
            self._lasts.rebuild()
        return sorted(wanted)

    def _drop_rows(self, month: str | None = None) -> None:
        if month is None:
            self._months.clear()
        else:
            self._months.pop(month, None)
        if self._month_keys is not None:
            self._month_keys.drop(month)

    def summaries(self) -> list[SessionRow]:
        """Every finished session's history row (copies the caller may change), oldest month
        first. Read month by month and not kept: the caller's list is the only copy."""
        return [r.copy() for month in reversed(self.index_months()) for r in self.month_rows_once(month)]

    def shared_summaries(self) -> list[SessionRow]:
        """Every finished session's history row, the store's own dicts: read, never change.

        For the history, the dashboard and exports, which only read (a copy of every row grows
        with the history, and the first frame cannot wait for it)."""
        return [r for month in reversed(self.index_months()) for r in self.month_rows_once(month)]

    def summary(self, session_id: str) -> SessionRow | None:
        row = self._row(session_id)
        return row.copy() if row is not None else None

    def patient_summaries(self, patient_id: str) -> list[SessionRow]:
        """One patient's history rows, oldest first: this laptop's and other rooms' (pulled), also
        those of a registration the admin merged with this patient's (the same person)."""
        same = self.clinic_copy.aliases(patient_id)
        rows = self._patient_rows(set(same))
        pulled = [r for pid in same for r in self.clinic_copy.patient_rows(pid)]
        if pulled:
            mine = {r["id"] for r in rows}
            rows = rows + [r for r in pulled if r["id"] not in mine]
        return sorted((r.copy() for r in rows), key=lambda r: str(r.get("started_at")))

    def patient_session_count(self, patient_id: str) -> int:
        return sum(1 for r in self.patient_summaries(patient_id) if r.get("status") == "signed")

    def last_needle_mm(self, patient_id: str) -> float | None:
        """The needle length of the patient's newest session that has one (the preset of the
        next). Read from the patient's record (store/lasts.py), not from the whole history."""
        entry = self._last(patient_id).get("needle")
        return float(entry["needle_mm"]) if entry else None

    def last_session_started(self, patient_id: str) -> str | None:
        """When the patient's newest finished session started (ISO text), None for none."""
        entry = self._last(patient_id).get("last")
        return str(entry["started_at"]) if entry else None

    def _last(self, patient_id: str) -> LastsRecord:
        same = self.clinic_copy.aliases(patient_id)
        record = self._own_last(patient_id)
        others: list[Mapping[str, Any]] = [row for pid in same for row in self.clinic_copy.patient_rows(pid)]
        for pid in same - {patient_id}:  # a registration merged with this one: the same person
            others += last_entries(self._own_last(pid))  # entries carry what a row does
        if others:
            record = copy.deepcopy(record)
            for row in others:  # a session in another room may be the newest
                merge_last(record, row, str(row.get("started_at") or "")[:7])
        return record

    def _own_last(self, patient_id: str) -> LastsRecord:
        if self._lasts.ready():
            try:
                return self._lasts.record(patient_id)
            except LookupError:  # a restored backup, say: derive again (or read the index below)
                if not self.read_only:
                    self._lasts.rebuild()
                    return self._lasts.record(patient_id)
        record: LastsRecord = {}  # a read-only copy: from the patient's months
        for row in self._patient_rows({patient_id}):
            merge_last(record, row, str(row.get("file") or row.get("started_at") or "")[:7])
        return record
