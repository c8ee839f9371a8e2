"""The checks a laptop's chained records pass before the server keeps them.

The same checks as ``microneedle-desk check`` on a data folder (store/check.py), record by
record: the seal (hash) recomputes from the content and the previous record's hash; the
record takes the next place in its laptop's chain; every signature verifies with its
signer's vouched key; a session's events replay under the rules; an amendment corrects a
session it may correct. ``server init``/``sync`` run them on arrival (a failing record is
quarantined, never merged) and ``check --server`` runs them over everything the server holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from microneedle_desk.core.accounts import ACCESS_ACTIONS
from microneedle_desk.core.amendments import validate_amendment_doc
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.records import SCHEMA_VERSION
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store.check import StoreChecker
from microneedle_desk.store.check_chain import GENESIS
from microneedle_desk.store.check_records import ACCESS_KEYS, SESSION_KEYS
from microneedle_desk.store.upgrade import as_current

AMENDMENT_KEYS = ("schema", "kind", "id", "session_id", "chain", "hash")
_PLACE = Path("server")


def public_account(doc: JsonObject) -> JsonObject:
    """What of an account leaves the laptop: who, role, and public keys with their vouchers.

    Never the PIN hash, the sealed private key or the sign-in counters: a person signs in on
    the laptop their account was made on (an account is made on each laptop they work at)."""
    def key_part(key: Any) -> Any:
        return {k: v for k, v in key.items() if k != "sealed"} if isinstance(key, dict) else None

    out = {k: doc.get(k) for k in ("schema", "kind", "id", "name", "role", "active", "device", "created_at")}
    out["key"] = key_part(doc.get("key"))
    out["past_keys"] = [key_part(k) for k in doc.get("past_keys") or [] if isinstance(k, dict)]
    return out


class RecordVerifier(StoreChecker):
    """Checks one laptop's chained records, in chain order, against accounts as the server has them."""

    def __init__(self, protocol: Protocol, accounts: dict[str, JsonObject], *,
                 signed_from: int | None, demo: bool) -> None:
        super().__init__(_PLACE, protocol, deep=True)
        self._accounts = accounts
        self.signed_from, self.demo = signed_from, demo

    def rel(self, path: Path) -> str:
        return "server"

    def problems_of(self, kind: str, doc: JsonObject, prev: tuple[int, str] | None,
                    session: SessionState | None = None, earlier: list[JsonObject] | None = None
                    ) -> tuple[list[str], SessionState | None]:
        """What is wrong with one record (empty when it may be kept), and a session's replayed state.

        ``prev`` is (seq, hash) of the laptop's record before it as the server holds it (None for
        none yet); an amendment needs its ``session``'s state and the ``earlier`` amendments."""
        self.problems, self.chain = [], []
        label = f"{kind} {doc.get('id', '(no id)')}"
        state: SessionState | None = None
        keys = {"session": SESSION_KEYS, "amendment": AMENDMENT_KEYS, "access": ACCESS_KEYS}.get(kind)
        if keys is None or not self.sealed_ok(_PLACE, label, doc, keys):
            return self._said() or ["the record is not one this app seals."], None
        seq, link = int(doc["chain"]["seq"]), str(doc["chain"]["prev"])
        last_seq, last_hash = prev if prev is not None else (0, GENESIS)
        if seq != last_seq + 1:
            self.add(_PLACE, label, f"records {last_seq + 1}–{seq - 1} of its laptop's record chain are missing "
                                    "before it." if seq > last_seq + 1 else
                     f"another record already holds place {seq} in its laptop's record chain.")
        elif link != last_hash:
            self.add(_PLACE, label, "it does not link to the record before it in its laptop's chain: a record "
                                    "before it was altered, removed or replaced.")
        if kind == "session":
            if doc["kind"] != "session" or doc["status"] not in ("signed", "abandoned"):
                self.add(_PLACE, label, "the record is not a finished session.")
                return self._said(), None
            self.check_session_signatures(_PLACE, label, doc)
            events = doc["events"] if isinstance(doc["events"], list) else []
            if doc.get("schema") != SCHEMA_VERSION:  # a current record is read as it is: no copy to make
                events = as_current(doc).get("events", events)
            state = self.replay(_PLACE, events, str(doc["id"]))
            if state is not None and (state.status != doc["status"] or state.patient_id != doc["patient_id"]):
                self.add(_PLACE, label, "the record's status or patient does not match its events.")
        elif kind == "amendment":
            if session is None:
                self.add(_PLACE, label, "it amends a session the server does not hold (or holds in quarantine).")
            else:
                self.check_amendment_signature(_PLACE, label, doc)
                try:
                    validate_amendment_doc(as_current(doc), session, list(earlier or []), self.protocol)
                except ValidationError as exc:
                    self.add(_PLACE, label, exc.message)
        elif doc["kind"] != "access" or doc["action"] not in ACCESS_ACTIONS:
            self.add(_PLACE, label, "the record is not an access-log entry this app writes.")
        return self._said(), state

    def key_problems(self) -> list[str]:
        """Accounts whose keys are not vouched for by an admin (as ``check`` reports them)."""
        self.problems = []
        path = _PLACE
        for account_id in sorted(self.accounts()):
            for n, key in enumerate(self.keys_of(account_id)):
                if not self.key_vouched(account_id, key, first=n == 0):
                    self.add(path, f"account {account_id}", "a signing key of this account is not vouched for "
                                                            "by an admin's signature.")
        return self._said()

    def _said(self) -> list[str]:
        return [f"{p.record}: {p.what}" if p.record else p.what for p in self.problems]
