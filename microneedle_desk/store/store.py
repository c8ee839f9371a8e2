"""The store: patients, practitioners, sessions as they happen, finished records.

Layout of the data folder (all JSON through TinyDB with :class:`AtomicCachedStorage`):

``meta.json``            schema version, this device's id, the hash-chain head
``patients.json``        patients and practitioners (the names old sessions give)
``accounts.json``        accounts: roles, PIN hashes, sealed signing keys (store/accounts_file.py)
``active/<id>.json``     one in-progress session, one event per record (a step save
                         rewrites only this small file, whatever the history's size)
``sessions/YYYY-MM-DD.json`` finished (signed or abandoned) sessions of one day, with
                         their amendments and follow-ups
``index/YYYY-MM.json``   one summary row per finished session of a month, for the history,
                         with ``index/recent/YYYY-MM.json``: the rows filed since it was
                         last written whole (store/index_parts.py)

A finished session is written in this order: chain intent, day file, index row, the chain
head (with the derived files' digests), and last the active file is removed. A crash between
any two leaves an active file whose session is already finished; :meth:`Store.recover`
completes the remaining steps on the next start.

:class:`Store` is built in layers, each a module of its own and each using only those below
it: the files and metadata (``store_files``), patients (``store_patients``), the derived
index (``store_index``), filed sessions and amendments (``store_filed``); this module adds
the sessions as they happen, their filing and the recovery at start-up.
"""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from microneedle_desk import __version__, paths
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.event_types import SessionDoc, SessionEvent
from microneedle_desk.core.fold import apply_event, replay
from microneedle_desk.core.fold_common import EventError, is_override
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import HeartbeatDoc, JsonObject
from microneedle_desk.core.records import (
    SCHEMA_VERSION,
    is_uuid,
    iso,
    new_id,
)
from microneedle_desk.core.session_state import RULES, SessionState
from microneedle_desk.i18n import tr
from microneedle_desk.store.accounts_file import MOVED as ACCOUNTS_MOVED
from microneedle_desk.store.accounts_file import move_accounts
from microneedle_desk.store.clinic_copy import ClinicCopy
from microneedle_desk.store.derived import (
    DERIVED_TABLE,
)
from microneedle_desk.store.lasts import PatientLasts
from microneedle_desk.store.month_keys import MonthKeys
from microneedle_desk.store.storage import (
    BadFileError,
    ensure_private_dir,
    write_atomic,
)
from microneedle_desk.store.store_filed import StoreFiled
from microneedle_desk.store.store_files import (
    GENESIS,
    SIGNED_FROM,
    ActiveSession,
    NewerSchemaError,
    ReadOnlyError,
    StoreError,
)
from microneedle_desk.store.upgrade import AMENDED_MARKS, mark_amended_rows, version_problem


class Store(StoreFiled):
    def __init__(self, root: Path, protocol: Protocol, clock: Clock, read_only: bool = False) -> None:
        self.root, self.protocol, self.clock = root, protocol, clock
        self.read_only = read_only
        self._dbs: dict[Path, TinyDB] = {}
        self._months: dict[str, dict[str, list[JsonObject]]] = {}  # index tables per month
        self._month_keys: MonthKeys | None = None
        self._active_states: dict[str, SessionState] = {}
        # Set by AccountBook: checks (purpose, account id) has just proved a PIN, and returns
        # the signing key that PIN opened (core/signing.py)
        self.signature_guard: Callable[[str, str], Any] | None = None
        if not read_only:
            ensure_private_dir(root)
        meta = self._db_for(paths.meta_file(root))
        info = meta.table("meta").all()
        if not info:
            if read_only:
                raise StoreError(tr("There is no store in {root} yet.").format(root=root))
            meta.table("meta").insert({
                "schema": SCHEMA_VERSION, "kind": "meta", "device": new_id(),
                "device_name": socket.gethostname(), "created_at": iso(clock.now()),
                "app_version": __version__, AMENDED_MARKS: True, ACCOUNTS_MOVED: True,
            })
            meta.table("chain").insert({"seq": 0, "hash": GENESIS})
            info = meta.table("meta").all()
        version = info[0].get("schema")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise NewerSchemaError(tr("The data in {path} cannot be opened: {why}").format(
                path=root, why=version_problem(version, str(info[0].get("app_version", "")))))
        self.device: str = info[0]["device"]
        if not read_only and not info[0].get(ACCOUNTS_MOVED):
            move_accounts(root)  # once: a store from before the accounts had a file of their own
            meta.table("meta").update({ACCOUNTS_MOVED: True})
        if not read_only and not info[0].get(AMENDED_MARKS):
            mark_amended_rows(root)  # once, for a store from before amended rows were marked
            meta.table("meta").update({AMENDED_MARKS: True})
        self._lasts = PatientLasts(self)
        self.clinic_copy = ClinicCopy(root, protocol)  # other rooms' sessions, pulled from the clinic server
        if not read_only and SIGNED_FROM not in info[0]:
            # Records sealed from here on carry their signer's signature; those before cannot.
            meta.table("meta").update({SIGNED_FROM: int(meta.table("chain").all()[0]["seq"]) + 1})
        if not read_only and not meta.table(DERIVED_TABLE).all():
            self.note_all_derived()  # once: a store from before the digests of derived files
        if not read_only and not self._lasts.ready():
            self._lasts.rebuild()  # once: a store from before patients' records, or restored

    # -- sessions as they happen ----------------------------------------------------
    def append_event(self, event: SessionEvent, state: SessionState | None = None) -> None:
        """Save one event of an in-progress session, after checking it against the rules.

        The check replays the event on the store's own copy of the session, so a caller
        that bypassed the Session class cannot slip in an invalid record. A sign-off or an
        override is refused here, and so is a start or a hand-over once anyone has an account:
        each is saved only by the accounts' guarded sink
        (:meth:`AccountBook.guarded_sink <microneedle_desk.store.accounts.AccountBook.guarded_sink>`),
        once the person named on it has just proved their PIN.
        """
        kind = event.get("type")
        if kind == "signed" or is_override(event):
            raise EventError("pin", tr("A sign-off or an override is recorded only with the PIN of the "
                                       "practitioner: sign in to the app and confirm it with your PIN."))
        if kind in ("session_started", "practitioner_changed") and self.has_accounts():
            raise EventError("pin", tr("Once people have accounts, a session is started or handed over only "
                                       "with the PIN of the practitioner: sign in to the app and confirm it "
                                       "with your PIN."))
        self._append_proven(event, state)

    def _append_proven(self, event: SessionEvent, state: SessionState | None = None) -> None:
        """:meth:`append_event` for an event whose signer's PIN was checked (the accounts' sink)."""
        self._guard()
        session_id = str(event.get("session", ""))
        if not is_uuid(session_id):
            raise EventError("session", tr("An event must name its session by UUID."))
        if not is_uuid(event.get("id")):
            raise EventError("id", tr("An event id must be a UUID."))
        mine = self._active_state(session_id)
        if mine.status == "new" and event.get("type") != "session_started":
            # No draft and not a start (rare): say so if the session is filed (a filed record
            # is closed), which takes the whole index; the rules refuse the event anyway.
            self._refuse_filed(session_id)
        checked = copy.deepcopy(mine)
        apply_event(checked, event, self.protocol)  # raises, changing nothing
        if event.get("type") == "session_started" and checked.rules < RULES:
            raise EventError("rules", tr("A new session is recorded under the current session rules."))
        if mine.status == "new":
            # A start: its id must not be a filed session's. Looked up in the month the start
            # falls in (and in the whole index when that is in memory), not in every month, so
            # a session starts as fast with 50,000 sessions on file as with none.
            self._refuse_filed(session_id, self.index_key(checked) if checked.started else None)
        self._db_for(paths.active_file(self.root, session_id)).table("events").insert(event)
        self._active_states[session_id] = checked
        if checked.status != "in_progress":
            self._finish(checked)

    def _active_state(self, session_id: str) -> SessionState:
        state = self._active_states.get(session_id)
        if state is None:
            path = paths.active_file(self.root, session_id)
            events = self._active_events(path) if path.exists() else []
            state = replay(events, self.protocol)
            self._active_states[session_id] = state
        return state

    def _refuse_filed(self, session_id: str, month: str | None = None) -> None:
        """Raise when ``session_id`` is a filed session's: looked up in the history index of
        ``month`` only (or, with no month given, in the months that may hold it).

        A new session's id is a fresh UUID4; what this catches is a start event sent again,
        which carries the same time and so the same month. Other guards: filing looks the id
        up in its day file, and ``check`` reports a session id on file twice.
        """
        if month is not None:
            row = next((r for r in self.month_rows(month) if r.get("id") == session_id), None)
        else:
            row = self._row(session_id)
        if row is not None:
            filed = str(row.get("status") or "finished")
            raise EventError("status", tr("This session is {filed}: it cannot change any more.").format(
                                          filed=filed))

    def active_sessions(self) -> list[ActiveSession]:
        """In-progress sessions left by an earlier run (after recovery has run)."""
        folder = paths.active_dir(self.root)
        out = []
        for path in sorted(folder.glob("*.json")) if folder.exists() else []:
            events = self._active_events(path)
            if events:
                out.append(ActiveSession(path.stem, events))
        return out

    def last_activity(self, session_id: str) -> datetime | None:
        events = self._active_events(paths.active_file(self.root, session_id))
        return datetime.fromisoformat(events[-1]["at"]) if events else None

    def _finish(self, state: SessionState) -> None:
        day = paths.session_file(self.root, self.file_key(state))
        day_db = self._db_for(day)
        existing = day_db.table("sessions").get(Query().id == state.id)
        if existing is None:
            doc: SessionDoc = {"schema": SCHEMA_VERSION, "kind": "session", "id": state.id,
                               "patient_id": state.patient_id, "device": state.device,
                               "status": state.status, "events": state.events}
            self._chain_append(doc, day_db.table("sessions"), then=lambda entry: self._index_upsert(state, entry))
        else:
            with self._meta_held():
                self._index_upsert(state, dict(existing))
        self._drop_active(state.id)
        # the day being filed stays read (its next sign-off encodes only the new record); another
        # day's file read or filed before is let go: kept, every day since the start would stay
        for held in [path for path in self._dbs if path.parent == day.parent and path != day]:
            self._release(held)

    def _drop_active(self, session_id: str) -> None:
        path = paths.active_file(self.root, session_id)
        db = self._dbs.pop(path, None)
        if db is not None:
            db.close()
        path.unlink(missing_ok=True)
        paths.alive_file(self.root, session_id).unlink(missing_ok=True)
        self._active_states.pop(session_id, None)

    # -- heartbeat ------------------------------------------------------------------
    def note_alive(self, session_id: str) -> None:
        """Note that the app is running with this session open, so that after a crash the
        interruption is counted from the last moment it was alive, not from the last entry."""
        if self.read_only or not paths.active_file(self.root, session_id).exists():
            return
        beat = {"at": iso(self.clock.now()), "mono": self.clock.monotonic(), "boot": self.clock.boot_id()}
        write_atomic(paths.alive_file(self.root, session_id), json.dumps(beat).encode("utf-8"))

    def last_alive(self, session_id: str) -> HeartbeatDoc | None:
        """The last heartbeat of an open session, or None."""
        try:
            beat = json.loads(paths.alive_file(self.root, session_id).read_text(encoding="utf-8"))
            datetime.fromisoformat(str(beat["at"]))
            return {"at": str(beat["at"]), "mono": float(beat["mono"]), "boot": str(beat["boot"])}
        except (OSError, ValueError, KeyError, TypeError):
            return None  # none yet, or unreadable: the last entry is then the last sign of life

    # -- start-up recovery ----------------------------------------------------------
    def recover(self) -> list[str]:
        """Complete whatever a crash interrupted. Returns what it did, in plain words."""
        if self.read_only:
            return []
        done: list[str] = []
        chain = self._db_for(paths.meta_file(self.root)).table("chain")
        intent = self._chain_head().get("intent")
        if intent:
            if self._find_hash(intent["hash"]):
                chain.update({"seq": intent["seq"], "hash": intent["hash"], "intent": None})
                done.append("completed the record chain after an interrupted save")
            else:
                chain.update({"intent": None})
        for active in self.active_sessions():
            state = replay(active.events, self.protocol)
            if state.status in ("signed", "abandoned"):
                self._active_states[state.id] = state
                self._finish(state)
                done.append("completed the filing of a session finished just before a stop")
        return done

    def holds_real_records(self) -> bool:
        """Any patient not marked demo, or any session (finished or not) of such a patient."""
        demo_ids = {p.id for p in self.patients() if p.demo}
        if any(not p.demo for p in self.patients()):
            return True
        if any(r.get("patient_id") not in demo_ids for r in self.summaries()):
            return True
        return any(str(a.events[0].get("data", {}).get("patient_id")) not in demo_ids
                   for a in self.active_sessions() if a.events)


__all__ = ["BadFileError", "NewerSchemaError", "ReadOnlyError", "Store", "StoreError"]
