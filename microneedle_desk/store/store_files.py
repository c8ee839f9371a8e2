"""The store's files: one TinyDB per file, opened on demand and released after bulk work,
the metadata (device, schema, demo flag), the read-only guard and the chain head.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from tinydb import TinyDB

from microneedle_desk import paths
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.event_types import SessionEvent
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import ChainHeadDoc, JsonObject
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.i18n import tr
from microneedle_desk.store.clinic_copy import ClinicCopy
from microneedle_desk.store.lasts import PatientLasts
from microneedle_desk.store.month_keys import MonthKeys
from microneedle_desk.store.storage import (
    AtomicCachedStorage,
)

GENESIS = "0" * 64
# A day file's tables of sealed records: inserted once, never changed (a correction is an amendment)
SEALED_TABLES = frozenset({"sessions", "amendments"})
# meta: the first place in the record chain whose sign-offs and amendments must be signed
SIGNED_FROM = "signed_from"


class StoreError(Exception):
    pass


class ReadOnlyError(StoreError):
    pass


class NewerSchemaError(StoreError):
    pass


@dataclass(frozen=True)
class ActiveSession:
    session_id: str
    events: list[SessionEvent]


def _db(path: Path, read_only: bool) -> TinyDB:
    return TinyDB(str(path), storage=AtomicCachedStorage, read_only=read_only)


class StoreFiles:
    """The files under one data folder; see :mod:`microneedle_desk.store.store` for the layout."""

    root: Path
    protocol: Protocol
    clock: Clock
    read_only: bool
    device: str
    _dbs: dict[Path, TinyDB]
    _months: dict[str, dict[str, list[JsonObject]]]  # index tables per month
    _month_keys: MonthKeys | None
    _active_states: dict[str, SessionState]
    _lasts: PatientLasts
    clinic_copy: ClinicCopy  # other rooms' sessions, pulled from the clinic server
    # Set by AccountBook: checks (purpose, account id) has just proved a PIN, and returns
    # the signing key that PIN opened (core/signing.py)
    signature_guard: Callable[[str, str], Any] | None

    def _index_written(self, month: str, path: Path) -> None:
        """A month's index file was written (the index layer re-reads that month)."""


    # -- files ----------------------------------------------------------------------
    def _db_for(self, path: Path) -> TinyDB:
        db = self._dbs.get(path)
        if db is None:
            db = self._dbs[path] = _db(path, self.read_only)
            storage = db.storage
            assert isinstance(storage, AtomicCachedStorage)
            if path.parent == paths.sessions_dir(self.root):
                storage.sealed = SEALED_TABLES
            if path.parent in (paths.index_dir(self.root), paths.index_recent_dir(self.root)):
                storage.sync = False  # derived data (see write_atomic)
                # this month's history rows changed: re-read that month only
                storage.on_write = lambda month=path.stem, written=path: self._index_written(month, written)
        return db

    def _meta_held(self) -> AbstractContextManager[None]:
        """meta.json's changes inside the block made in one write at its end (none if it fails)."""
        storage = self._db_for(paths.meta_file(self.root)).storage
        assert isinstance(storage, AtomicCachedStorage)
        return storage.held()

    def close(self) -> None:
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()

    def has_accounts(self) -> bool:
        """Whether anyone has an account (then signatures need a PIN; see the accounts issue)."""
        return len(self._db_for(paths.patients_file(self.root)).table("accounts")) > 0

    def _guard(self) -> None:
        if self.read_only:
            raise ReadOnlyError(tr("This copy of the app is read-only: another copy holds the data."))

    # -- finishing a session --------------------------------------------------------
    @staticmethod
    def file_key(state: SessionState) -> str:
        """The file a finished session is filed in: its day (``YYYY-MM-DD``, local date).

        Day files keep a sign-off's write small however long the history grows (a month
        file of a busy clinic is ~7 MB of JSON to rewrite, a day file ~0.3 MB).
        """
        assert state.started is not None
        return state.started.wall.strftime("%Y-%m-%d")

    def _chain_head(self) -> ChainHeadDoc:
        return cast(ChainHeadDoc, dict(self._db_for(paths.meta_file(self.root)).table("chain").all()[0]))

    def meta_value(self, key: str) -> Any:
        """A value of the store's meta record (None when absent)."""
        info = self._db_for(paths.meta_file(self.root)).table("meta").all()
        return info[0].get(key) if info else None

    def set_meta_value(self, key: str, value: Any) -> None:
        self._guard()
        self._db_for(paths.meta_file(self.root)).table("meta").update({key: value})

    # == demo data and bulk import (used by `microneedle-desk demo-data` and bench/) =====
    # Everything below serves generated demo data only. It keeps the same document shapes,
    # hash chain and index rows as the one-event-at-a-time path above, but writes each
    # day file and each month's index once per call instead of once per event.
    def is_demo(self) -> bool:
        """True when this store was filled by the demo-data generator."""
        info = self._db_for(paths.meta_file(self.root)).table("meta").all()
        return bool(info and info[0].get("demo", False))

    def mark_demo(self) -> None:
        self._guard()
        self._db_for(paths.meta_file(self.root)).table("meta").update({"demo": True})

    def _release(self, path: Path) -> None:
        db = self._dbs.pop(path, None)
        if db is not None:
            db.close()

    def _active_events(self, path: Path) -> list[SessionEvent]:
        """An in-progress session's events from its active file, in order (each saved once the
        reducer had folded it; a resume replays them, checking each again)."""
        events = self._db_for(path).table("events").all()
        return sorted((cast(SessionEvent, dict(e)) for e in events), key=lambda e: e["n"])
