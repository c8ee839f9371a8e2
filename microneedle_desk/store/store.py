"""The store: patients, practitioners, sessions as they happen, finished records.

Layout of the data folder (all JSON through TinyDB with :class:`AtomicCachedStorage`):

``meta.json``            schema version, this device's id, the hash-chain head
``patients.json``        patients and practitioners
``active/<id>.json``     one in-progress session, one event per record (a step save
                         rewrites only this small file, whatever the history's size)
``sessions/YYYY-MM-DD.json`` finished (signed or abandoned) sessions of one day, with
                         their amendments and follow-ups
``index/YYYY-MM.json``   one summary row per finished session of a month, for the history

A finished session is written in this order: day file, chain head, index row, and last
the active file is removed. A crash between any two leaves an active file whose session is
already finished; :meth:`Store.recover` completes the remaining steps on the next start.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from microneedle_desk import __version__, paths
from microneedle_desk.core.clock import Clock
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import (
    SCHEMA_VERSION,
    Patient,
    Practitioner,
    content_hash,
    is_uuid,
    iso,
    new_id,
    validate_patient_doc,
)
from microneedle_desk.core.session import (
    RULES,
    EventError,
    SessionState,
    apply_event,
    is_override,
    replay,
    tr,
)
from microneedle_desk.core.summary import summarize
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store.clinic_copy import ClinicCopy
from microneedle_desk.store.derived import (
    DERIVED_TABLE,
    derived_files,
    file_digest,
    month_from_records,
    relative,
)
from microneedle_desk.store.lasts import PatientLasts
from microneedle_desk.store.lasts import merge as merge_last
from microneedle_desk.store.storage import (
    AtomicCachedStorage,
    BadFileError,
    dumps,
    ensure_private_dir,
    json_file_names,
    write_atomic,
)
from microneedle_desk.store.upgrade import AMENDED_MARKS, mark_amended_rows

GENESIS = "0" * 64
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
    events: list[dict[str, Any]]


def _db(path: Path, read_only: bool) -> TinyDB:
    return TinyDB(str(path), storage=AtomicCachedStorage, read_only=read_only)


class Store:
    def __init__(self, root: Path, protocol: Protocol, clock: Clock, read_only: bool = False) -> None:
        self.root, self.protocol, self.clock = root, protocol, clock
        self.read_only = read_only
        self._dbs: dict[Path, TinyDB] = {}
        self._months: dict[str, dict[str, list[dict[str, Any]]]] = {}  # index tables per month
        self._row_index: dict[str, dict[str, Any]] | None = None
        self._rows_by_patient: dict[str, list[dict[str, Any]]] = {}
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
                raise StoreError(f"There is no store in {root} yet.")
            import socket  # only for a new store: ~5 ms of every other start-up

            meta.table("meta").insert({
                "schema": SCHEMA_VERSION, "kind": "meta", "device": new_id(),
                "device_name": socket.gethostname(), "created_at": iso(clock.now()),
                "app_version": __version__, AMENDED_MARKS: True,
            })
            meta.table("chain").insert({"seq": 0, "hash": GENESIS})
            info = meta.table("meta").all()
        version = info[0].get("schema")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            from microneedle_desk.i18n import tr
            from microneedle_desk.store.upgrade import version_problem

            raise NewerSchemaError(tr("The data in {path} cannot be opened: {why}").format(
                path=root, why=version_problem(version, str(info[0].get("app_version", "")))))
        self.device: str = info[0]["device"]
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

    # -- files ----------------------------------------------------------------------
    def _db_for(self, path: Path) -> TinyDB:
        db = self._dbs.get(path)
        if db is None:
            db = self._dbs[path] = _db(path, self.read_only)
            if path.parent == paths.index_dir(self.root):
                storage = db.storage
                assert isinstance(storage, AtomicCachedStorage)
                # this month's history rows changed: re-read that month only
                storage.on_write = lambda month=path.stem, written=path: self._index_written(month, written)
        return db

    def close(self) -> None:
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()

    def has_accounts(self) -> bool:
        """Whether anyone has an account (then signatures need a PIN; see the accounts issue)."""
        return len(self._db_for(paths.patients_file(self.root)).table("accounts")) > 0

    def _guard(self) -> None:
        if self.read_only:
            raise ReadOnlyError("This copy of the app is read-only: another copy holds the data.")

    # -- practitioners --------------------------------------------------------------
    def practitioners(self, include_inactive: bool = False) -> list[Practitioner]:
        docs = self._db_for(paths.patients_file(self.root)).table("practitioners").all()
        people = [Practitioner.from_doc(d) for d in docs]
        return sorted((p for p in people if include_inactive or p.active), key=lambda p: p.name.lower())

    def practitioner_name(self, practitioner_id: str) -> str:
        for p in self.practitioners(include_inactive=True):
            if p.id == practitioner_id:
                return p.name
        return "(unknown practitioner)"

    # -- patients -------------------------------------------------------------------
    def _patients_table(self) -> Any:
        return self._db_for(paths.patients_file(self.root)).table("patients")

    def patients(self) -> list[Patient]:
        return [Patient.from_doc(d) for d in self._patients_table().all()]

    def patient_list(self) -> list[tuple[str, str, str, str, str]]:
        """``(id, name, clinic ID, date of birth, indication)`` of every patient, as stored.

        The patient list's rows, read from the parsed file without building a record per
        patient: a few milliseconds with thousands of patients (``patients()`` builds a
        :class:`Patient` each). Patient documents are rewritten when the store is
        upgraded (see :mod:`microneedle_desk.store.upgrade`), so these fields are current.
        """
        data = self._db_for(paths.patients_file(self.root)).storage.read() or {}
        return [(str(d["id"]), str(d["name"]), str(d["clinic_id"]), str(d["dob"]), str(d["indication"]))
                for d in data.get("patients", {}).values()]

    def patient(self, patient_id: str) -> Patient | None:
        doc = self._patients_table().get(Query().id == patient_id)
        return Patient.from_doc(doc) if doc else None

    def add_patient(self, patient: Patient) -> Patient:
        """Add a checked patient. The clinic patient ID must be unique."""
        self._guard()
        doc = patient.to_doc()
        validate_patient_doc(doc, self.protocol)
        wanted = patient.clinic_id.casefold()
        for other in self._patients_table().all():
            if str(other.get("clinic_id", "")).casefold() == wanted:
                raise ValidationError("clinic_id", f"The clinic patient ID “{patient.clinic_id}” is already "
                                                   f"used by another patient; each patient needs their own ID.")
        self._patients_table().insert(doc)
        return patient

    def adopt_patients(self, docs: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
        """Take in patients registered on other laptops (pulled from the clinic server).

        Each is checked as a patient registered here is; one already here (same UUID) is left
        as it is. One whose clinic patient ID is used here by another patient is not taken in:
        it is returned, for the admin to resolve (the server keeps both). Returns (taken, held).
        """
        self._guard()
        table = self._patients_table()
        here = {str(d.get("id")): str(d.get("clinic_id", "")).casefold() for d in table.all()}
        taken = set(here.values())
        new, held = [], []
        for doc in docs:
            if str(doc.get("id")) in here:
                continue
            try:
                patient = validate_patient_doc(doc, self.protocol)
            except ValidationError:
                held.append(doc)  # the rules here refuse it: the admin looks at it on the server
                continue
            if patient.clinic_id.casefold() in taken:
                held.append(doc)
                continue
            taken.add(patient.clinic_id.casefold())
            here[patient.id] = patient.clinic_id.casefold()
            new.append(patient.to_doc())
        if new:
            table.insert_multiple(new)
        return len(new), held

    def find_patients(self, text: str) -> list[Patient]:
        needle = text.strip().casefold()
        found = [p for p in self.patients()
                 if not needle or needle in p.name.casefold() or needle in p.clinic_id.casefold()
                 or needle in p.dob.isoformat()]
        return sorted(found, key=lambda p: p.name.casefold())

    # -- sessions as they happen ----------------------------------------------------
    def append_event(self, event: dict[str, Any], state: SessionState | None = None) -> None:
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

    def _append_proven(self, event: dict[str, Any], state: SessionState | None = None) -> None:
        """:meth:`append_event` for an event whose signer's PIN was checked (the accounts' sink)."""
        self._guard()
        session_id = str(event.get("session", ""))
        if not is_uuid(session_id):
            raise EventError("session", "An event must name its session by UUID.")
        if not is_uuid(event.get("id")):
            raise EventError("id", "An event id must be a UUID.")
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
        ``month`` only, unless the whole index is in memory anyway (or no month is given).

        A new session's id is a fresh UUID4; what this catches is a start event sent again,
        which carries the same time and so the same month. Other guards: filing looks the id
        up in its day file, and ``check`` reports a session id on file twice.
        """
        if month is not None and self._row_index is None:
            row = next((r for r in self.month_rows(month) if r.get("id") == session_id), None)
        else:
            row = self._rows().get(session_id)
        if row is not None:
            filed = str(row.get("status") or "finished")
            raise EventError("status", f"This session is {filed}: it cannot change any more.")

    def _active_events(self, path: Path) -> list[dict[str, Any]]:
        events = self._db_for(path).table("events").all()
        return sorted((dict(e) for e in events), key=lambda e: e["n"])

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

    # -- finishing a session --------------------------------------------------------
    @staticmethod
    def file_key(state: SessionState) -> str:
        """The file a finished session is filed in: its day (``YYYY-MM-DD``, local date).

        Day files keep a sign-off's write small however long the history grows (a month
        file of a busy clinic is ~7 MB of JSON to rewrite, a day file ~0.3 MB).
        """
        assert state.started is not None
        return state.started.wall.strftime("%Y-%m-%d")

    def _finish(self, state: SessionState) -> None:
        day_db = self._db_for(paths.session_file(self.root, self.file_key(state)))
        existing = day_db.table("sessions").get(Query().id == state.id)
        if existing is None:
            doc = {"schema": SCHEMA_VERSION, "kind": "session", "id": state.id,
                   "patient_id": state.patient_id, "device": state.device,
                   "status": state.status, "events": state.events}
            entry = self._chain_append(doc, day_db.table("sessions"))
        else:
            entry = dict(existing)
        self._index_upsert(state, entry)
        self._drop_active(state.id)

    def _chain_head(self) -> dict[str, Any]:
        return dict(self._db_for(paths.meta_file(self.root)).table("chain").all()[0])

    def _chain_append(self, doc: dict[str, Any], table: Any) -> dict[str, Any]:
        """Add ``doc`` to the hash chain and insert it into ``table``.

        The head is written with an intent first, then the record, then the new head, so a
        crash at any point leaves a chain that :meth:`recover` can complete or roll back.
        """
        chain = self._db_for(paths.meta_file(self.root)).table("chain")
        head = self._chain_head()
        doc = dict(doc)
        doc["chain"] = {"seq": head["seq"] + 1, "prev": head["hash"], "device": self.device}
        doc["hash"] = content_hash(doc, head["hash"])
        chain.update({"intent": {"seq": doc["chain"]["seq"], "hash": doc["hash"]}})
        table.insert(doc)
        chain.update({"seq": doc["chain"]["seq"], "hash": doc["hash"], "intent": None})
        return doc

    def index_key(self, state: SessionState) -> str:
        """The history-index file of a session: its month (``YYYY-MM``), so a sign-off
        rewrites a few hundred rows, not a year's."""
        return self.file_key(state)[:7]

    def _index_upsert(self, state: SessionState, entry: dict[str, Any], amendments: int = 0) -> None:
        table = self._db_for(paths.index_file(self.root, self.index_key(state))).table("summaries")
        row = summarize(state, self.protocol)
        row["hash"] = entry.get("hash", "")
        row["file"] = self.file_key(state)
        if amendments:
            row["amended"] = amendments  # the history shows "amended"; the values are the corrected ones
        if table.get(Query().id == state.id) is None:
            table.insert(row)
        else:
            table.update(row, Query().id == state.id)
        self._lasts.note([(row, self.index_key(state))])

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

    def last_alive(self, session_id: str) -> dict[str, Any] | None:
        """The last heartbeat of an open session ({"at", "mono", "boot"}), or None."""
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

    def _find_hash(self, wanted: str) -> bool:
        folder = paths.sessions_dir(self.root)
        for path in sorted(folder.glob("*.json"), reverse=True) if folder.exists() else []:
            db = self._db_for(path)
            for name in ("sessions", "amendments"):
                if db.table(name).get(Query().hash == wanted) is not None:
                    return True
        # access log (accounts issue): its records are in the same chain
        access = paths.access_dir(self.root)
        for path in sorted(access.glob("*.json"), reverse=True) if access.exists() else []:
            if self._db_for(path).table("access").get(Query().hash == wanted) is not None:
                return True
        return False

    # -- finished sessions ----------------------------------------------------------
    def index_months(self) -> list[str]:
        """The months (``YYYY-MM``) that have history rows, newest first."""
        return [name.removesuffix(".json") for name in reversed(json_file_names(paths.index_dir(self.root)))]

    def month_rows(self, month: str, table: str = "summaries") -> list[dict[str, Any]]:
        """One month's history rows (or its ``followups`` copies) as read from its index file,
        kept until that file is written.

        The rows are the store's own (shared, not copies): read them, never change them. The
        history reads the newest months first, so its first rows do not wait for older years.
        """
        tables = self._months.get(month)
        if tables is None:
            path = paths.index_file(self.root, month)
            was_open = path in self._dbs
            data = self._db_for(path).storage.read() if path.exists() else None
            tables = {name: list(records.values()) for name, records in (data or {}).items()}
            self._months[month] = tables
            if not was_open:
                self._release(path)  # the file's content is kept once, as these rows
        return tables.get(table, [])

    def index_records(self, table: str) -> list[dict[str, Any]]:
        """Every month's records of an index table (``followups``), oldest month first; shared."""
        out: list[dict[str, Any]] = []
        for month in reversed(self.index_months()):
            out.extend(self.month_rows(month, table))
        return out

    def add_index_record(self, state: SessionState, table: str, record: dict[str, Any]) -> None:
        """File ``record`` in table ``table`` of the session's month in the history index."""
        self._guard()
        self._db_for(paths.index_file(self.root, self.index_key(state))).table(table).insert(record)

    def filed_table(self, state: SessionState, table: str) -> Any:
        """Table ``table`` (``followups``) of the day file a finished session is filed in."""
        return self._db_for(paths.session_file(self.root, self.file_key(state))).table(table)

    def meta_value(self, key: str) -> Any:
        """A value of the store's meta record (None when absent)."""
        info = self._db_for(paths.meta_file(self.root)).table("meta").all()
        return info[0].get(key) if info else None

    def set_meta_value(self, key: str, value: Any) -> None:
        self._guard()
        self._db_for(paths.meta_file(self.root)).table("meta").update({key: value})

    def _rows(self) -> dict[str, dict[str, Any]]:
        """History rows by session id, read once and kept until an index file is written."""
        if self._row_index is None:
            rows: dict[str, dict[str, Any]] = {}
            by_patient: dict[str, list[dict[str, Any]]] = {}
            for month in reversed(self.index_months()):
                for row in self.month_rows(month):
                    rows[row["id"]] = row
                    by_patient.setdefault(str(row.get("patient_id")), []).append(row)
            self._row_index, self._rows_by_patient = rows, by_patient
        return self._row_index

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
        for month in sorted(wanted):
            path = paths.index_file(self.root, month)
            self._release(path)
            content = month_from_records(self.root, month, self.protocol)
            if content["summaries"] or content["followups"]:
                write_atomic(path, dumps(content))
            else:
                path.unlink(missing_ok=True)
            self._drop_rows(month)
            self.note_derived(path)
        self._lasts.rebuild()
        return sorted(wanted)

    def _drop_rows(self, month: str | None = None) -> None:
        if month is None:
            self._months.clear()
        else:
            self._months.pop(month, None)
        self._row_index = None
        self._rows_by_patient = {}

    def summaries(self) -> list[dict[str, Any]]:
        """Every finished session's history row (copies the caller may change)."""
        return [dict(r) for r in self._rows().values()]

    def shared_summaries(self) -> list[dict[str, Any]]:
        """Every finished session's history row, the store's own dicts: read, never change.

        For the history, the dashboard and exports, which only read (10,000 copies cost
        ~0.1 s that the first frame cannot spare)."""
        return list(self._rows().values())

    def summary(self, session_id: str) -> dict[str, Any] | None:
        row = self._rows().get(session_id)
        return dict(row) if row is not None else None

    def patient_summaries(self, patient_id: str) -> list[dict[str, Any]]:
        """One patient's history rows, oldest first: this laptop's and other rooms' (pulled)."""
        self._rows()
        rows = self._rows_by_patient.get(patient_id, [])
        pulled = self.clinic_copy.patient_rows(patient_id)
        if pulled:
            mine = {r["id"] for r in rows}
            rows = rows + [r for r in pulled if r["id"] not in mine]
        return sorted((dict(r) for r in rows), key=lambda r: str(r.get("started_at")))

    def session_doc(self, session_id: str, file: str | None = None) -> dict[str, Any] | None:
        """A finished session's stored document, or an in-progress one's events."""
        active = paths.active_file(self.root, session_id)
        if active.exists():
            return {"id": session_id, "status": "in_progress", "events": self._active_events(active)}
        row = None if file else self._rows().get(session_id)
        file = file or (str(row["file"]) if row and row.get("file") else None)
        files = [paths.session_file(self.root, file)] if file else self._session_files()
        for path in files:
            if path.exists():
                doc = self._db_for(path).table("sessions").get(Query().id == session_id)
                if doc is not None:
                    return dict(doc)
        return None

    def _session_files(self) -> list[Path]:
        folder = paths.sessions_dir(self.root)
        return sorted(folder.glob("*.json"), reverse=True) if folder.exists() else []

    def session_state(self, session_id: str) -> SessionState | None:
        doc = self.session_doc(session_id)
        return replay(doc["events"], self.protocol) if doc else None

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

    def _last(self, patient_id: str) -> dict[str, dict[str, Any]]:
        record = self._own_last(patient_id)
        pulled = self.clinic_copy.patient_rows(patient_id)
        if pulled:
            record = copy.deepcopy(record)
            for row in pulled:  # a session in another room may be the newest
                merge_last(record, row, str(row.get("started_at") or "")[:7])
        return record

    def _own_last(self, patient_id: str) -> dict[str, dict[str, Any]]:
        if self._row_index is None and self._lasts.ready():
            try:
                return self._lasts.record(patient_id)
            except LookupError:  # a restored backup, say: derive again (or read the index below)
                if not self.read_only:
                    self._lasts.rebuild()
                    return self._lasts.record(patient_id)
        record: dict[str, dict[str, Any]] = {}  # the whole index: in memory, or a read-only copy
        self._rows()
        for row in self._rows_by_patient.get(patient_id, []):
            merge_last(record, row, str(row.get("file") or row.get("started_at") or "")[:7])
        return record

    def iter_chain(self) -> Iterator[tuple[Path, str, dict[str, Any]]]:
        for path in self._session_files():
            db = self._db_for(path)
            for name in ("sessions", "amendments"):
                for doc in db.table(name).all():
                    yield path, name, dict(doc)

    # -- amendments (durability issue) --------------------------------------------------
    # A signed session is never edited: a correction is an amendment document in the
    # session's day file, sealed into the same hash chain. Its value is checked by the
    # same rules as a live session (core/amendments.py), so a forbidden value cannot get in.
    def amend(self, session_id: str, field: str, new_value: object, reason: str, by: str) -> dict[str, Any]:
        """Record a correction to one field of a signed session; returns the sealed amendment.

        Once the store has accounts, ``by`` must be an account that has just proved its PIN
        (:meth:`AccountBook.amend <microneedle_desk.store.accounts.AccountBook.amend>`): a view
        that calls this directly is refused.
        """
        self._guard()
        private = None
        if self.has_accounts():
            if self.signature_guard is None:
                raise StoreError("A correction needs the PIN of the person making it: make it in the app, "
                                 "signed in.")
            private = self.signature_guard("amend", by)
        from microneedle_desk.core.amendments import amended_state, make_amendment

        doc = self.session_doc(session_id)
        if doc is None:
            raise StoreError("There is no such session.")
        state = replay(doc["events"], self.protocol)
        earlier = self.amendments(session_id)
        amendment = make_amendment(state, earlier, field, new_value, reason, by, self.clock.now(),
                                   self.device, self.protocol)
        if private is not None:
            from microneedle_desk.core.signing import sign_amendment

            amendment["sig"] = sign_amendment(private, by, amendment)
        day_db = self._db_for(paths.session_file(self.root, self.file_key(state)))
        sealed = self._chain_append(amendment, day_db.table("amendments"))
        self._index_upsert(amended_state(state, [*earlier, sealed]), doc, amendments=len(earlier) + 1)
        return sealed

    def amendments(self, session_id: str) -> list[dict[str, Any]]:
        """A session's amendments, oldest first (the original record stays as signed)."""
        state_doc = self.session_doc(session_id)
        if state_doc is None or state_doc.get("status") == "in_progress":
            return []
        state = replay(state_doc["events"], self.protocol)
        path = paths.session_file(self.root, self.file_key(state))
        if not path.exists():
            return []
        found = self._db_for(path).table("amendments").search(Query().session_id == session_id)
        return sorted((dict(d) for d in found), key=lambda d: int(d["chain"]["seq"]))

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

    def holds_real_records(self) -> bool:
        """Any patient not marked demo, or any session (finished or not) of such a patient."""
        demo_ids = {p.id for p in self.patients() if p.demo}
        if any(not p.demo for p in self.patients()):
            return True
        if any(r.get("patient_id") not in demo_ids for r in self.summaries()):
            return True
        return any(str(a.events[0].get("data", {}).get("patient_id")) not in demo_ids
                   for a in self.active_sessions() if a.events)

    def import_patients(self, patients: list[Patient]) -> None:
        """Add many checked patients in one write (clinic IDs unique, as in add_patient)."""
        self._guard()
        taken = {str(d.get("clinic_id", "")).casefold() for d in self._patients_table().all()}
        docs = []
        for patient in patients:
            doc = patient.to_doc()
            validate_patient_doc(doc, self.protocol)
            key = patient.clinic_id.casefold()
            if key in taken:
                raise ValidationError("clinic_id", f"The clinic patient ID “{patient.clinic_id}” is "
                                                   "already used by another patient.")
            taken.add(key)
            docs.append(doc)
        self._patients_table().insert_multiple(docs)

    def import_finished(self, states: list[SessionState]) -> int:
        """File finished (signed or abandoned) sessions in bulk, chained in the order given.

        Each session's events are replayed here against the protocol (the store's own
        check, as for every event saved live), so the caller cannot slip in a record the
        rules refuse. Writes: chain intent, then each day file once, each month's index
        once, then the chain head (the same crash story as :meth:`_chain_append`). The
        day and index files are released afterwards, so importing years of history
        does not keep it all in memory. Returns how many sessions were filed.
        """
        self._guard()
        if not self.is_demo():
            # a signed session filed here was never signed with its signer's PIN
            raise StoreError(tr("Sessions are filed in bulk only into a demo store: a real session is "
                                "signed in the app, with the signer's PIN."))
        checked: list[SessionState] = []
        for given in states:
            state = replay(given.events, self.protocol)
            if state.status not in ("signed", "abandoned"):
                raise EventError("status", "Only signed or abandoned sessions can be imported.")
            checked.append(state)
        if not checked:
            return 0
        by_file: dict[str, list[dict[str, Any]]] = {}
        by_index: dict[str, list[dict[str, Any]]] = {}
        head = self._chain_head()
        seq, prev = int(head["seq"]), str(head["hash"])
        for state in checked:
            key = self.file_key(state)
            doc: dict[str, Any] = {"schema": SCHEMA_VERSION, "kind": "session", "id": state.id,
                                   "patient_id": state.patient_id, "device": state.device,
                                   "status": state.status, "events": state.events}
            seq += 1
            doc["chain"] = {"seq": seq, "prev": prev, "device": self.device}
            doc["hash"] = prev = content_hash(doc, prev)
            by_file.setdefault(key, []).append(doc)
            row = summarize(state, self.protocol)
            row["hash"], row["file"] = doc["hash"], key
            by_index.setdefault(self.index_key(state), []).append(row)
        chain = self._db_for(paths.meta_file(self.root)).table("chain")
        chain.update({"intent": {"seq": seq, "hash": prev}})
        for key in sorted(by_file):
            path = paths.session_file(self.root, key)
            table = self._db_for(path).table("sessions")
            known = {d.get("id") for d in table.all()}
            if any(d["id"] in known for d in by_file[key]):
                raise StoreError("A session being imported is already in the store.")
            table.insert_multiple(by_file[key])
            self._release(path)
        for month in sorted(by_index):
            path = paths.index_file(self.root, month)
            self._db_for(path).table("summaries").insert_multiple(by_index[month])
            self._release(path)
        chain.update({"seq": seq, "hash": prev, "intent": None})
        self._lasts.note((row, month) for month, rows in by_index.items() for row in rows)
        return len(checked)

    def _release(self, path: Path) -> None:
        db = self._dbs.pop(path, None)
        if db is not None:
            db.close()


__all__ = ["BadFileError", "NewerSchemaError", "ReadOnlyError", "Store", "StoreError"]
