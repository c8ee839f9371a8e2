"""Verify a whole data folder without changing anything.

Every file must parse and have the right shape; every record a known schema version and
the fields the app writes; every event and record must pass the same rules the app
applies when it saves them; and the hash chain over signed sessions and amendments must
be whole: each entry's hash recomputes from its content and the previous hash, the
sequence has no gaps or duplicates, and the head in ``meta.json`` names the last entry.

The chain alone proves nothing against someone who rewrites a record and recomputes every
hash. So, also (core/signing.py): every signature on a session event or an amendment must
verify with its signer's public key, and that key must be vouched for by an admin's
signature (or be the account's first key, self-signed); a sign-off or amendment sealed since
the store began signing (``signed_from`` in meta, or after its signer had a key) must carry
one. Records from before signatures carry none and are not reported. And the chain must
reach the head held in the newest backup (``anchor.json`` in the zip): a chain shorter than
that, or one that differs at that place, was rolled back or rewritten.

Files are read directly (not through TinyDB or the Store), so checking opens nothing
for writing and creates nothing. Problems are (file, record, what is wrong) in words an
admin can act on; record ids are UUIDs, never patient names.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core.accounts import ACCESS_ACTIONS, validate_account_doc
from microneedle_desk.core.amendments import validate_amendment_doc
from microneedle_desk.core.fold import apply_event
from microneedle_desk.core.photos import PHOTO_PREFIX
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_base import FrozenRecord, Record
from microneedle_desk.core.records import content_hash, is_uuid, validate_patient_doc
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr
from microneedle_desk.store.check_signatures import SignatureChecks
from microneedle_desk.store.derived import derived_files, file_digest, month_from_records, relative, row_differences
from microneedle_desk.store.photos import photo_problem
from microneedle_desk.store.storage import BadFileError, json_file_names, read_json_file, write_atomic
from microneedle_desk.store.upgrade import as_current, version_problem

GENESIS = "0" * 64
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")

TABLES = {
    "meta.json": ("meta", "chain", "derived"),
    "patients.json": ("patients", "practitioners", "accounts"),
    "active": ("events",),
    "sessions": ("sessions", "amendments", "followups"),
    "index": ("summaries", "followups"),
    "access": ("access",),
    "courses.json": ("events", "presets"),
}
ACCESS_KEYS = ("schema", "kind", "id", "at", "device", "action", "chain", "hash")
SESSION_KEYS = ("schema", "kind", "id", "patient_id", "device", "status", "events", "chain", "hash")
ANCHOR_MEMBER = "anchor.json"  # in a backup zip: the chain head when it was taken
RESTORED = "restored"  # meta: the backup last restored and when ({"backup": name, "at": YYYYmmdd-HHMMSS})
_BACKUP_NAME = re.compile(r"^microneedle-desk-backup-(\d{8}-\d{6})(-[a-z-]+)?\.(zip|json)$")


class StoreUnreadable(Exception):
    """The folder cannot be checked at all (missing, not a store, not readable)."""


@dataclass(frozen=True, eq=False, repr=False)
class Problem(FrozenRecord):
    """One thing wrong in the store: file, record and what."""

    file: str      # relative to the data folder
    record: str    # e.g. "session 1f0c…", or "" for the whole file
    what: str
    # Derived data (the history index) that disagrees with the records: nothing recorded is
    # wrong, and the app derives it again from them (Store.rebuild_derived) instead of
    # offering a backup.
    derived: bool = False

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.what}" if self.record else f"{self.file}: {self.what}"


# One link of the hash chain, as read: (seq, prev, hash, file relative to the data folder,
# label). Plain tuples: the start-up check makes ~50,000 of them from its cache on a large
# store, where building an object per link cost ~60 ms.
_Entry = tuple[int, str, str, str, str]


@dataclass(eq=False, repr=False)
class _Checker(SignatureChecks, Record):
    """The state of one store check."""

    root: Path
    protocol: Protocol
    deep: bool
    problems: list[Problem] = field(default_factory=list)
    chain: list[_Entry] = field(default_factory=list)
    written_by: str = ""
    session_ids: set[str] = field(default_factory=set)
    active_ids: set[str] = field(default_factory=set)
    months_unreadable: bool = False  # then chain and history cross-checks would only echo it
    # Start-up only: files unchanged (size, mtime) since a clean check reuse what it found.
    cache: dict[str, Any] | None = None
    new_cache: dict[str, Any] = field(default_factory=dict)
    digests: dict[str, str] | None = None  # the derived files' SHA-256 as the store wrote them
    signed_from: int | None = None  # the first chain place whose sign-offs must be signed
    demo: bool = False  # demo data: sessions filed in bulk, never signed with a PIN
    restored: dict[str, Any] | None = None
    _accounts: dict[str, dict[str, Any]] | None = None

    # -- helpers --------------------------------------------------------------------
    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def add(self, path: Path, record: str, what: str) -> None:
        self.problems.append(Problem(self.rel(path), record, what))

    def load(self, path: Path, tables: tuple[str, ...]) -> dict[str, dict[str, Any]] | None:
        try:
            data = read_json_file(path)
        except BadFileError as exc:
            self.add(path, "", exc.problem)
            return None
        if not isinstance(data, dict) or not all(
                isinstance(t, dict) and all(isinstance(r, dict) for r in t.values()) for t in data.values()):
            self.add(path, "", "the file is JSON but not shaped as tables of records (wrong top-level shape).")
            return None
        unknown = sorted(set(data) - set(tables))
        if unknown:
            self.add(path, "", f"it holds a table this app does not write ({', '.join(unknown)}); "
                               f"expected only {', '.join(tables)}.")
        return data

    def schema_ok(self, path: Path, label: str, doc: dict[str, Any]) -> bool:
        if "schema" not in doc:
            self.add(path, label, "the record has no schema version.")
            return False
        problem = version_problem(doc["schema"], self.written_by)
        if problem:
            self.add(path, label, problem)
            return False
        return True

    def missing(self, path: Path, label: str, doc: dict[str, Any], keys: tuple[str, ...]) -> bool:
        lacking = [k for k in keys if k not in doc]
        if lacking:
            self.add(path, label, "the record lacks " + ", ".join(f"“{k}”" for k in lacking) + ".")
        return bool(lacking)

    # -- the files ------------------------------------------------------------------
    def run(self) -> None:
        journal = paths.restore_journal_file(self.root)
        if journal.exists():  # the live files are between two versions until the switch is finished
            self.problems.append(Problem(journal.name, "", "a restore was interrupted part-way. Start the app, "
                                         "or run `microneedle-desk backup`, to complete it (nothing is lost)."))
        head = self.check_meta()
        patients = paths.patients_file(self.root)
        if patients.exists():  # 6,000 patients take ~0.5 s to validate: only when the file changed
            self.cached(patients, patients.name, self.check_patients)
        courses = paths.courses_file(self.root)
        if courses.exists():
            self.check_courses(courses)
        for path, _rel in _files(self.root, paths.active_dir(self.root)):
            self.check_active(path)
        for path, rel in _files(self.root, paths.sessions_dir(self.root)):
            self.cached(path, rel, self.check_month)
        for path, rel in _files(self.root, paths.access_dir(self.root)):
            self.cached(path, rel, self.check_access)
        self.check_chain(head)
        for path, rel in _files(self.root, paths.index_dir(self.root)):
            self.cached(path, rel, self.check_index)
        for path, _rel in _files(self.root, paths.patient_lasts_dir(self.root)):
            self.check_digest(path)
        if self.digests is not None:
            for rel in sorted(set(self.digests) - {relative(self.root, p) for p in derived_files(self.root)}):
                self.problems.append(Problem(rel, "", "a history index file the app wrote is missing; it is "
                                             "derived again from the records at the next start.", derived=True))

    def compare_with_records(self, path: Path, data: dict[str, Any]) -> None:
        _compare_rows(self, path, data)

    def check_digest(self, path: Path) -> bool:
        """Whether a derived file is as the store wrote it (reported as derived when not)."""
        if self.digests is None:
            return True  # a store from before the digests: they are taken at its next opening
        rel = relative(self.root, path)
        if self.digests.get(rel) == file_digest(path):
            return True
        self.problems.append(Problem(rel, "", "this history index file differs from what the app wrote "
                                     "(edited or damaged); it is derived again from the records at the "
                                     "next start, and nothing shown comes from it until then.", derived=True))
        return False

    def cached(self, path: Path, key: str, check: Any) -> None:
        """Run ``check(path)``, or, at start-up, reuse its findings for an unchanged clean file.

        A file is reused only when its size and modification time are those it had when it
        last passed; its chain entries still join the chain check. ``check`` itself never
        uses this: it reads and verifies every file. ``key`` is the file's path relative to
        the data folder, as ``rel`` gives it.
        """
        stat = os.stat(path)
        stamp = [stat.st_size, stat.st_mtime_ns]
        hit = (self.cache or {}).get(key)
        if self.cache is not None and hit and hit.get("stamp") == stamp:
            self.chain += [(seq, prev, digest, key, label) for seq, prev, digest, label in hit["chain"]]
            self.session_ids.update(hit["ids"])
            self.new_cache[key] = hit
            return
        problems, chain, ids = len(self.problems), len(self.chain), set(self.session_ids)
        check(path)
        if len(self.problems) == problems:
            links = [[seq, prev, digest, label] for seq, prev, digest, _file, label in self.chain[chain:]]
            self.new_cache[key] = {"stamp": stamp, "ids": sorted(self.session_ids - ids), "chain": links}

    def check_meta(self) -> dict[str, Any] | None:
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
        head: dict[str, Any] = heads[0]
        seq, digest = head.get("seq"), head.get("hash")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0 or not isinstance(digest, str) \
                or not _HEX64.match(digest):
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
        for doc in data.get("accounts", {}).values():
            label = f"account {doc.get('id', '(no id)')}"
            if self.schema_ok(path, label, doc):
                for what in validate_account_doc(doc):
                    self.add(path, label, what)
        # with the file's other findings: at start-up only when patients.json changed
        self._accounts = {str(d["id"]): d for d in data.get("accounts", {}).values() if "id" in d}
        self.check_keys()

    # -- access log (accounts issue): sealed into the same chain as signed sessions --------
    def check_access(self, path: Path) -> None:
        data = self.load(path, TABLES["access"])
        if data is None:
            self.months_unreadable = True
            return
        if not _MONTH.match(path.stem):
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
        from microneedle_desk.core.course_events import validate_course_event

        data = self.load(path, TABLES["courses.json"])
        for doc in (data or {}).get("events", {}).values():
            label = f"course event {doc.get('id', '(no id)')}"
            if self.schema_ok(path, label, doc):
                try:
                    validate_course_event(doc)
                except ValidationError as exc:
                    self.add(path, label, exc.message)

    def check_photos(self, path: Path, label: str, photos: list[dict[str, Any]]) -> None:
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
        earlier: dict[str, list[dict[str, Any]]] = {}
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

    def sealed_ok(self, path: Path, label: str, doc: dict[str, Any], keys: tuple[str, ...]) -> bool:
        """Shape, version and seal of a signed record; adds it to the chain when whole."""
        if self.missing(path, label, doc, keys) or not self.schema_ok(path, label, doc):
            return False
        chain = doc["chain"]
        if not isinstance(chain, dict) or isinstance(chain.get("seq"), bool) \
                or not isinstance(chain.get("seq"), int) or not isinstance(chain.get("prev"), str):
            self.add(path, label, "its place in the record chain (seq, prev) is damaged.")
            return False
        if not isinstance(doc["hash"], str):
            self.add(path, label, "the record has no seal (hash).")
            return False
        # its stored place in the chain still counts, so only the altered record is named
        self.chain.append((chain["seq"], chain["prev"], doc["hash"], self.rel(path), label))
        if content_hash(doc, chain["prev"]) != doc["hash"]:
            self.add(path, label, "the record was changed after it was signed: its content no longer "
                                  "matches its seal (hash). Restore it from a backup; corrections are "
                                  "made as amendments.")
            return False
        return True

    def check_anchor(self, entries: list[_Entry]) -> None:
        """The chain must reach the head the newest backup holds, and agree with it there."""
        found = newest_anchor(self.root, self.restored)
        if found is None:
            return
        name, seq, digest = found
        meta = paths.meta_file(self.root)
        hashes = {entry[0]: entry[2] for entry in entries}
        last = max(hashes, default=0)
        if seq > last:
            self.add(meta, "record chain", f"the record chain ends at record {last}, but the backup {name} "
                     f"holds {seq}: signed records were removed, or the folder was replaced by an older copy.")
        elif seq and hashes.get(seq) != digest:
            self.add(meta, "record chain", f"record {seq} differs from the one the backup {name} holds: the "
                     "record chain was rewritten after that backup.")

    def check_chain(self, head: dict[str, Any] | None) -> None:
        if self.months_unreadable:
            return
        meta = paths.meta_file(self.root)
        entries = sorted(self.chain, key=itemgetter(0))
        prev_hash, expected = GENESIS, 1
        for seq, prev, digest, file, label in entries:
            if seq < expected:
                self.add(self.root / file, label, f"two records claim place {seq} in the record chain.")
                continue
            if seq > expected:
                self.add(self.root / file, label,
                         f"records {expected}–{seq - 1} of the record chain are missing before this one.")
            elif prev != prev_hash:
                self.add(self.root / file, label,
                         "the record does not link to the one before it: a record before it was "
                         "altered, removed or replaced.")
            prev_hash, expected = digest, seq + 1
        self.check_anchor(entries)
        if head is None:
            return
        last = (entries[-1][0], entries[-1][2]) if entries else None
        intent = head.get("intent") or {}
        if last is None:
            if head["seq"] != 0:
                self.add(meta, "record-chain head", f"the head names {head['seq']} records but none are on file.")
        elif (head["seq"], head["hash"]) != last and not (
                isinstance(intent, dict) and (intent.get("seq"), intent.get("hash")) == last):
            self.add(meta, "record-chain head",
                     f"the head names record {head['seq']} but the last record on file is {last[0]}: "
                     "signed records were removed or added by hand.")

    def check_index(self, path: Path) -> None:
        if not self.check_digest(path):
            return
        data = self.load(path, TABLES["index"])
        if data is None:
            return
        if self.deep and _MONTH.match(path.stem):
            self.compare_with_records(path, data)
        if not _MONTH.match(path.stem):
            self.add(path, "", "the file name is not a month (YYYY-MM).")
        for row in data.get("summaries", {}).values():
            label = f"summary {row.get('id', '(no id)')}"
            if not self.schema_ok(path, label, row) or self.missing(path, label, row, ("id", "status")):
                continue
            if not self.months_unreadable and row["id"] not in self.session_ids \
                    and row["id"] not in self.active_ids:
                self.add(path, label, "the history lists a session whose record is not on file.")


def newest_anchor(root: Path, restored: dict[str, Any] | None = None) -> tuple[str, int, str] | None:
    """(backup name, chain seq, chain hash) held by the newest backup that holds one.

    After a restore (``restored``: the backup and when), the backups taken after the restored
    one and before the restore hold the history that was replaced on purpose: they are skipped."""
    folder = paths.backups_dir(root)
    try:
        names = sorted((n for n in os.listdir(folder) if _BACKUP_NAME.match(n)), reverse=True)
    except OSError:
        return None
    if restored is not None:
        chosen = _BACKUP_NAME.match(str(restored.get("backup", "")))
        since, until = (chosen.group(1) if chosen else ""), str(restored.get("at", ""))
        names = [n for n in names if not since < _stamp(n) <= until]
    for name in names:
        try:
            if name.endswith(".json"):  # a manifest holds the head it was taken at
                anchor = json.loads((folder / name).read_bytes()).get("anchor")
            else:
                with zipfile.ZipFile(folder / name) as zf:
                    anchor = json.loads(zf.read(ANCHOR_MEMBER))
        except (OSError, KeyError, ValueError, AttributeError, zipfile.BadZipFile):
            continue  # an older backup without one, or unreadable: the next one may tell
        if not isinstance(anchor, dict):
            continue
        seq, digest = anchor.get("seq"), anchor.get("hash")
        if isinstance(seq, int) and not isinstance(seq, bool) and isinstance(digest, str) and _HEX64.match(digest):
            return name, seq, digest
    return None


def _stamp(name: str) -> str:
    found = _BACKUP_NAME.match(name)
    return found.group(1) if found else ""


def _compare_rows(checker: _Checker, path: Path, stored: dict[str, Any]) -> None:
    expected = {str(r.get("id")): r for r in month_from_records(checker.root, path.stem,
                                                                 checker.protocol)["summaries"].values()}
    faulty = {p.record for p in checker.problems}
    for row in stored.get("summaries", {}).values():
        sid = str(row.get("id"))
        if sid not in expected or f"session {sid}" in faulty:
            continue  # not on file, or its record is itself at fault: reported as that, once
        differ = row_differences(row, expected[sid])
        if differ:
            checker.problems.append(Problem(
                checker.rel(path), f"summary {sid}", "the history row disagrees with the sealed record in "
                f"{', '.join(differ)}; it is derived again from the records at the next start.", derived=True))


def _files(root: Path, folder: Path) -> Iterator[tuple[Path, str]]:
    """The folder's data files in name order, each with its path relative to ``root``
    (joined from the names, not derived from each path: see json_file_names)."""
    prefix = folder.relative_to(root).as_posix() + "/"
    for name in json_file_names(folder):
        yield folder / name, prefix + name


def check_store(root: Path, protocol: Protocol, deep: bool = True, use_cache: bool = False) -> list[Problem]:
    """Every problem in the store at ``root``; raises StoreUnreadable when it cannot be checked.

    ``deep=False`` (the start-up check) skips replaying signed sessions without amendments:
    their seal already proves they are as they were when the rules accepted them.
    """
    if not root.is_dir():
        raise StoreUnreadable(tr("There is no data folder at {root}.").format(root=root))
    if not os.access(root, os.R_OK | os.X_OK):
        raise StoreUnreadable(tr("The data folder {root} cannot be read (permissions).").format(root=root))
    if not paths.meta_file(root).exists():
        raise StoreUnreadable(tr("{root} holds no microneedle-desk records (meta.json is missing).").format(
                                 root=root))
    checker = _Checker(root, protocol, deep)
    cache_path = paths.check_cache_file(root)
    cache_read: Any = None  # the cache's files exactly as read (None: no usable cache file)
    if use_cache:
        try:
            loaded = json.loads(cache_path.read_text(encoding="utf-8"))
            checker.cache = loaded if isinstance(loaded, dict) and loaded.get("version") == 1 else {}
        except (OSError, ValueError):
            checker.cache = {}
        if checker.cache and isinstance(checker.cache.get("files"), dict):
            cache_read = checker.cache["files"]
        checker.cache = checker.cache.get("files", {}) if checker.cache else {}
    checker.run()
    # Written only when it changed: an unchanged store (most starts) costs no file write and
    # no fsync (~1-3 ms at start-up).
    if use_cache and not checker.problems and checker.new_cache != cache_read and os.access(root, os.W_OK):
        with contextlib.suppress(OSError):  # only a speed-up: the next start checks everything again
            write_atomic(cache_path, json.dumps({"version": 1, "files": checker.new_cache}).encode())
    return checker.problems


def bad_files(problems: list[Problem]) -> list[str]:
    return sorted({p.file for p in problems})


def exposed_files(root: Path) -> list[str]:
    """The data folder, data files and backups that other users can read (POSIX only)."""
    if os.name != "posix" or not root.is_dir():
        return []
    first = ["the data folder itself"] if root.stat().st_mode & 0o077 else []
    found: list[str] = []
    folders = [(str(root), "")]
    while folders:  # os.scandir, not Path.rglob: ~6,000 files at 50,000 sessions, ~190 -> ~40 ms
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except FileNotFoundError:  # removed meanwhile (a backup's snapshot): nothing to say
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, prefix + entry.name + "/"))
                elif entry.name.endswith((".json", ".zip", ".ini", ".jpg")) and entry.is_file() \
                        and entry.stat().st_mode & 0o077:
                    found.append(prefix + entry.name)
            except FileNotFoundError:
                continue
    return first + sorted(found)


def exposed_note(root: Path, exposed: list[str]) -> str:
    """What to tell the person about ``exposed`` (from exposed_files; not empty)."""
    shown = ", ".join(exposed[:5]) + (" …" if len(exposed) > 5 else "")
    return (f"Other users of this computer can read the records in {root} ({shown}). "
            f"Make the folder private, e.g. chmod -R go-rwx \"{root}\".")
