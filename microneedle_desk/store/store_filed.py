"""Finished sessions as filed: day files sealed into the hash chain, reading them back,
amendments (a signed session is never edited: a correction is a sealed document of its
own, checked by the same rules), and the bulk filing of demo data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from tinydb import Query

from microneedle_desk import paths
from microneedle_desk.core.amendments import amended_state, make_amendment
from microneedle_desk.core.event_types import SessionDoc
from microneedle_desk.core.fold import replay
from microneedle_desk.core.fold_common import EventError
from microneedle_desk.core.record_types import AmendmentDoc, ChainHeadDoc, ChainLink, JsonObject
from microneedle_desk.core.records import (
    SCHEMA_VERSION,
    content_hash,
)
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.signing import sign_amendment
from microneedle_desk.core.summary import AnyRow, SessionRow, summarize
from microneedle_desk.i18n import tr
from microneedle_desk.store.store_files import StoreError
from microneedle_desk.store.store_index import StoreIndex

Sealed = TypeVar("Sealed", bound=Mapping[str, object])  # a record sealed into the hash chain


class StoreFiled(StoreIndex):


    def _chain_append(self, doc: Sealed, table: Any, then: Callable[[Sealed], None] | None = None) -> Sealed:
        """Add ``doc`` to the hash chain and insert it into ``table``; returns the sealed copy
        (``doc`` with its ``chain`` place and ``hash``, keys every sealed record type has).

        The head is written with an intent first, then the record, then the new head, so a
        crash at any point leaves a chain that :meth:`recover` can complete or roll back.
        ``then`` (the derived files of the record) runs between the record and the new head,
        and the head goes into meta.json in one write with the digests of what ``then`` wrote.
        """
        chain = self._db_for(paths.meta_file(self.root)).table("chain")
        head = self._chain_head()
        link: ChainLink = {"seq": head["seq"] + 1, "prev": head["hash"], "device": self.device}
        sealed: dict[str, object] = {**doc, "chain": link}
        sealed["hash"] = digest = content_hash(sealed, head["hash"])
        chain.update({"intent": {"seq": link["seq"], "hash": digest}})
        table.insert(sealed)
        moved: ChainHeadDoc = {"seq": link["seq"], "hash": digest, "intent": None}
        try:
            with self._meta_held():
                if then is not None:
                    then(cast(Sealed, sealed))
                chain.update(moved)
        except BaseException:
            # the record is on file: the head moves to it whatever became of its derived files
            # (those not noted are derived again at the next start)
            chain.update(moved)
            raise
        return cast(Sealed, sealed)

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

    def session_doc(self, session_id: str, file: str | None = None) -> SessionDoc | None:
        """A finished session's stored document, or an in-progress one's events."""
        active = paths.active_file(self.root, session_id)
        if active.exists():
            return {"id": session_id, "status": "in_progress",
                    "events": self._active_events(active)}
        row = None if file else self._row(session_id)
        file = file or (str(row["file"]) if row and row.get("file") else None)
        files = [paths.session_file(self.root, file)] if file else self._session_files()
        for path in files:
            if path.exists():
                doc = self._db_for(path).table("sessions").get(Query().id == session_id)
                if doc is not None:
                    return cast(SessionDoc, dict(doc))
        return None

    def _session_files(self) -> list[Path]:
        folder = paths.sessions_dir(self.root)
        return sorted(folder.glob("*.json"), reverse=True) if folder.exists() else []

    def session_state(self, session_id: str) -> SessionState | None:
        doc = self.session_doc(session_id)
        return replay(doc["events"], self.protocol) if doc else None

    def iter_chain(self) -> Iterator[tuple[Path, str, JsonObject]]:
        for path in self._session_files():
            db = self._db_for(path)
            for name in ("sessions", "amendments"):
                for doc in db.table(name).all():
                    yield path, name, dict(doc)

    # -- amendments (durability issue) --------------------------------------------------
    # A signed session is never edited: a correction is an amendment document in the
    # session's day file, sealed into the same hash chain. Its value is checked by the
    # same rules as a live session (core/amendments.py), so a forbidden value cannot get in.
    def amend(self, session_id: str, field: str, new_value: object, reason: str, by: str) -> AmendmentDoc:
        """Record a correction to one field of a signed session; returns the sealed amendment.

        Once the store has accounts, ``by`` must be an account that has just proved its PIN
        (:meth:`AccountBook.amend <microneedle_desk.store.accounts.AccountBook.amend>`): a view
        that calls this directly is refused.
        """
        self._guard()
        private = None
        if self.has_accounts():
            if self.signature_guard is None:
                raise StoreError(tr("A correction needs the PIN of the person making it: make it in the app, "
                                    "signed in."))
            private = self.signature_guard("amend", by)
        doc = self.session_doc(session_id)
        if doc is None:
            raise StoreError(tr("There is no such session."))
        state = replay(doc["events"], self.protocol)
        earlier = self.amendments(session_id)
        amendment = make_amendment(state, earlier, field, new_value, reason, by, self.clock.now(),
                                   self.device, self.protocol)
        if private is not None:
            amendment["sig"] = sign_amendment(private, by, amendment)
        day_db = self._db_for(paths.session_file(self.root, self.file_key(state)))
        return self._chain_append(amendment, day_db.table("amendments"), then=lambda sealed: self._index_upsert(
            amended_state(state, [*earlier, sealed]), doc, amendments=len(earlier) + 1))

    def amendments(self, session_id: str) -> list[AmendmentDoc]:
        """A session's amendments, oldest first (the original record stays as signed)."""
        state_doc = self.session_doc(session_id)
        if state_doc is None or state_doc.get("status") == "in_progress":
            return []
        state = replay(state_doc["events"], self.protocol)
        path = paths.session_file(self.root, self.file_key(state))
        if not path.exists():
            return []
        found = self._db_for(path).table("amendments").search(Query().session_id == session_id)
        return sorted((cast(AmendmentDoc, dict(d)) for d in found), key=lambda d: int(d["chain"]["seq"]))

    def finished_records(self, rows: Sequence[AnyRow]) -> Iterator[tuple[AnyRow, SessionState, list[AmendmentDoc]]]:
        """For each history row (in the order given): the row, its session as signed (replayed by
        the rules) and its amendments, oldest first.

        One day file is read at a time and let go of before the next (unless it was already
        open), so reading every session of a long history holds one day in memory, not years."""
        opened: set[Path] = set()
        files: dict[str, Path] = {}
        tables: dict[tuple[Path, str], dict[str, list[JsonObject]]] = {}  # (file, table) -> docs by session

        def day_file(key: str) -> Path:
            if key not in files:
                files[key] = paths.session_file(self.root, key)
            return files[key]

        def docs(path: Path, name: str, key: str) -> dict[str, list[JsonObject]]:
            """A day file's table, read once, its documents by session id."""
            if (path, name) not in tables:
                by_session: dict[str, list[JsonObject]] = {}
                if path.exists():
                    if path not in self._dbs:
                        opened.add(path)
                    for doc in self._db_for(path).table(name).all():
                        by_session.setdefault(str(doc.get(key)), []).append(doc)
                tables[(path, name)] = by_session
            return tables[(path, name)]

        current: Path | None = None
        for row in rows:
            path = day_file(str(row.get("file") or str(row.get("started_at", ""))[:10]))
            if path != current:
                for done in opened:
                    self._release(done)
                opened.clear()
                tables.clear()
                current = path
            found = docs(path, "sessions", "id").get(row["id"])
            if not found:
                raise StoreError(tr("Session {value} is in the history but not in its day file.").format(
                                    value=row['id']))
            state = replay(found[0]["events"], self.protocol)
            amendments = docs(day_file(self.file_key(state)), "amendments", "session_id").get(row["id"], [])
            yield row, state, sorted((cast(AmendmentDoc, dict(d)) for d in amendments),
                                     key=lambda d: int(d["chain"]["seq"]))
        for done in opened:
            self._release(done)

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
                raise EventError("status", tr("Only signed or abandoned sessions can be imported."))
            checked.append(state)
        if not checked:
            return 0
        by_file: dict[str, list[SessionDoc]] = {}
        by_index: dict[str, list[SessionRow]] = {}
        head = self._chain_head()
        seq, prev = int(head["seq"]), str(head["hash"])
        for state in checked:
            key = self.file_key(state)
            doc: SessionDoc = {"schema": SCHEMA_VERSION, "kind": "session", "id": state.id,
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
                raise StoreError(tr("A session being imported is already in the store."))
            table.insert_multiple(by_file[key])
            self._release(path)
        for month in sorted(by_index):
            path = paths.index_file(self.root, month)
            self._db_for(path).table("summaries").insert_multiple(by_index[month])
            self._release(path)
        chain.update({"seq": seq, "hash": prev, "intent": None})
        self._lasts.note((row, month) for month, rows in by_index.items() for row in rows)
        return len(checked)
