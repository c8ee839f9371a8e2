"""The store check's parts that read records: the store description, patients, practitioners
and accounts, course events, the access log, sessions still running and filed days of
sessions with their amendments. Each event and record must pass the same rules the app
applies when it saves them (a session's events are replayed through the fold).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core.accounts import ACCESS_ACTIONS, validate_account_doc
from microneedle_desk.core.amendments import validate_amendment_doc
from microneedle_desk.core.course_events import validate_course_event
from microneedle_desk.core.fold import apply_event
from microneedle_desk.core.photos import PHOTO_PREFIX
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.records import is_uuid, validate_patient_doc
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.check_chain import RESTORED, ChainChecks
from microneedle_desk.store.check_signatures import SignatureChecks
from microneedle_desk.store.check_state import HEX64, MONTH, TABLES
from microneedle_desk.store.photos import photo_problem
from microneedle_desk.store.upgrade import as_current

ACCESS_KEYS = ("schema", "kind", "id", "at", "device", "action", "chain", "hash")
SESSION_KEYS = ("schema", "kind", "id", "patient_id", "device", "status", "events", "chain", "hash")
_DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class RecordChecks(SignatureChecks, ChainChecks):
    """The store check's parts that read the records themselves."""

    def check_meta(self) -> JsonObject | None:
        path = paths.meta_file(self.root)
        data = self.load(path, TABLES["meta.json"])
        if data is None:
            return None
        metas = list(data.get("meta", {}).values())
        if len(metas) != 1:
            self.add(path, "", f"it should hold one store description, it holds {len(metas)}.")
        else:
            meta = metas[0]
            self.written_by = str(meta.get("app_version", ""))
            since = meta.get("signed_from")
            self.signed_from = since if isinstance(since, int) and not isinstance(since, bool) else None
            self.demo = bool(meta.get("demo", False))
            self.restored = meta.get(RESTORED) if isinstance(meta.get(RESTORED), dict) else None
            if self.schema_ok(path, "store description", meta) and not self.missing(
                    path, "store description", meta, ("kind", "device")) and meta["kind"] != "meta":
                self.add(path, "store description", "the record is not a store description.")
        derived = list(data.get("derived", {}).values())
        files = derived[0].get("files") if derived else None
        self.digests = dict(files) if isinstance(files, dict) else None
        heads = list(data.get("chain", {}).values())
        if len(heads) != 1:
            self.add(path, "", f"it should hold one record-chain head, it holds {len(heads)}.")
            return None
        head: JsonObject = heads[0]
        seq, digest = head.get("seq"), head.get("hash")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0 or not isinstance(digest, str) \
                or not HEX64.match(digest):
            self.add(path, "record-chain head", "the head of the record chain is damaged (seq or hash).")
            return None
        return head

    def check_patients(self, path: Path) -> None:
        data = self.load(path, TABLES["patients.json"])
        if data is None:
            return
        for doc in data.get("patients", {}).values():
            label = f"patient {doc.get('id', '(no id)')}"
            if self.schema_ok(path, label, doc):
                try:
                    validate_patient_doc(as_current(doc), self.protocol)
                except ValidationError as exc:
                    self.add(path, label, exc.message)
        for doc in data.get("practitioners", {}).values():
            label = f"practitioner {doc.get('id', '(no id)')}"
            if self.schema_ok(path, label, doc) and not self.missing(
                    path, label, doc, ("id", "name", "device", "created_at")):
                if not is_uuid(doc["id"]):
                    self.add(path, label, "a practitioner id must be a UUID.")
                if not isinstance(doc["name"], str) or not doc["name"].strip():
                    self.add(path, label, "the practitioner has no name.")
        if data.get("accounts"):  # a store from before accounts.json, not opened to write since
            self.check_account_docs(path, data)
            if not paths.accounts_file(self.root).exists():
                self.check_keys(path)  # with the file's other findings: at start-up only when it changed

    def check_accounts(self, path: Path) -> None:
        """accounts.json: each account of the shape the app writes, each signing key vouched for."""
        data = self.load(path, TABLES["accounts.json"])
        if data is None:
            return
        self.check_account_docs(path, data)
        self.check_keys(path)

    def check_account_docs(self, path: Path, data: dict[str, JsonObject]) -> None:
        for doc in data.get("accounts", {}).values():
            label = f"account {doc.get('id', '(no id)')}"
            if self.schema_ok(path, label, doc):
                for what in validate_account_doc(doc):
                    self.add(path, label, what)

    # -- the access log: sealed into the same chain as signed sessions ----------------
    def check_access(self, path: Path) -> None:
        data = self.load(path, TABLES["access"])
        if data is None:
            self.months_unreadable = True
            return
        if not MONTH.match(path.stem):
            self.add(path, "", "the file name is not a month (YYYY-MM).")
        for doc in data.get("access", {}).values():
            label = f"access record {doc.get('id', '(no id)')}"
            if self.sealed_ok(path, label, doc, ACCESS_KEYS) and (
                    doc["kind"] != "access" or doc["action"] not in ACCESS_ACTIONS):
                self.add(path, label, "the record is not an access-log entry this app writes.")

    def replay(self, path: Path, events: list[Any], session_id: str) -> SessionState | None:
        state = SessionState()
        for event in events:
            if not isinstance(event, dict):
                self.add(path, f"session {session_id}", "an event is not a JSON object.")
                return None
            try:
                if event.get("session") != session_id:
                    raise ValidationError("session", tr("the event belongs to another session."))
                apply_event(state, event, self.protocol)
            except ValidationError as exc:
                self.add(path, f"session {session_id}, event {event.get('n', '?')} ({event.get('type', '?')})",
                         exc.message)
                return None
        self.check_photos(path, f"session {session_id}", state.photos)
        return state

    def check_courses(self, path: Path) -> None:
        """Course events and the clinic's course plans: each of the shape the app writes."""
        data = self.load(path, TABLES["courses.json"])
        for doc in (data or {}).get("events", {}).values():
            label = f"course event {doc.get('id', '(no id)')}"
            if self.schema_ok(path, label, doc):
                try:
                    validate_course_event(doc)
                except ValidationError as exc:
                    self.add(path, label, exc.message)

    def check_photos(self, path: Path, label: str, photos: Sequence[Mapping[str, Any]]) -> None:
        """Each photo on record is in ``photos/`` with the SHA-256 it was stored with."""
        for photo in photos:
            what = photo_problem(self.root, photo)
            if what:
                self.add(path, label, what + ".")

    def check_active(self, path: Path) -> None:
        data = self.load(path, TABLES["active"])
        if data is None:
            return
        session_id = path.stem
        if not is_uuid(session_id):
            self.add(path, "", "the file name is not a session id.")
            return
        events = list(data.get("events", {}).values())
        try:
            events.sort(key=lambda e: int(e["n"]))
        except (KeyError, TypeError, ValueError):
            self.add(path, f"session {session_id}", "an event has no valid number “n”.")
            return
        state = self.replay(path, events, session_id)
        if state is not None:
            self.active_ids.add(session_id)

    def check_month(self, path: Path) -> None:
        data = self.load(path, TABLES["sessions"])
        if data is None:
            self.months_unreadable = True
            return
        if not _DAY.match(path.stem):
            self.add(path, "", "the file name is not a day (YYYY-MM-DD).")
        states: dict[str, SessionState] = {}
        for doc in data.get("sessions", {}).values():
            label = f"session {doc.get('id', '(no id)')}"
            if str(doc.get("id")) in self.session_ids:
                self.add(path, label, "another record on file has the same session id.")
            self.session_ids.add(str(doc.get("id")))  # on file, even if damaged: reported once, here
            if not self.sealed_ok(path, label, doc, SESSION_KEYS):
                continue
            if doc["kind"] != "session" or doc["status"] not in ("signed", "abandoned"):
                self.add(path, label, "the record is not a finished session.")
                continue
            self.check_session_signatures(path, label, doc)
            if not self.deep and not any(a.get("session_id") == doc["id"]
                                         for a in data.get("amendments", {}).values()):
                continue
            events = doc["events"] if isinstance(doc["events"], list) else []
            state = self.replay(path, as_current(doc).get("events", events), str(doc["id"]))
            if state is None:
                continue
            if state.status != doc["status"] or state.patient_id != doc["patient_id"]:
                self.add(path, label, "the record's status or patient does not match its events.")
            elif state.started is not None and state.started.wall.strftime("%Y-%m-%d") != path.stem:
                self.add(path, label, "the session is filed under the wrong day.")
            states[str(doc["id"])] = state
        amendments = [d for d in data.get("amendments", {}).values()
                      if self.sealed_ok(path, f"amendment {d.get('id', '(no id)')}", d,
                                        ("schema", "kind", "id", "session_id", "chain", "hash"))]
        amendments.sort(key=lambda d: int(d["chain"]["seq"]))
        earlier: dict[str, list[JsonObject]] = {}
        for doc in amendments:
            label = f"amendment {doc['id']}"
            state = states.get(str(doc["session_id"]))
            if state is None:
                self.add(path, label, "it amends a session that is not in this file (or is damaged).")
                continue
            self.check_amendment_signature(path, label, doc)
            done = earlier.setdefault(state.id, [])
            try:
                validate_amendment_doc(as_current(doc), state, done, self.protocol)
            except ValidationError as exc:
                self.add(path, label, exc.message)
                continue
            done.append(doc)
            if str(doc.get("field", "")).startswith(PHOTO_PREFIX):
                self.check_photos(path, label, [doc["new"]])
