"""What this laptop has that the clinic server may lack, and the cursor of what was sent.

Read from the data folder's files directly (as ``check`` reads them), never through the
app's open store: the app's worker thread collects while the session screen keeps saving.
Files are written atomically, so each read sees one whole version of a file.

The cursor (``sync/state.json``, 0600) holds the last chain place the server confirmed, the
size and time of every session/access file as it was when all of it was sent (an unchanged
file holds nothing new), and the patients, accounts and follow-ups the server has. Lose it
and the next sync offers everything again: the server keeps one copy of each (by UUID), so
that costs time, never a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, cast

from microneedle_desk import paths
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.records import canonical_json
from microneedle_desk.store.accounts_file import stored_accounts
from microneedle_desk.store.storage import BadFileError, dumps, ensure_private_dir, json_file_names, read_json_file

STATE_VERSION = 1


class SyncState(TypedDict):
    """The cursor (``sync/state.json``) as this module writes it."""

    version: int
    server: str  # the clinic server's identity the cursor was kept for
    chain_seq: int  # the last chain place the server confirmed
    stamps: dict[str, list[int]]  # file (relative) -> [size, mtime_ns] as it was when all of it was sent
    patients: list[str]  # patient and practitioner ids the server has
    accounts: dict[str, str]  # account id -> digest of its public part as sent
    followups: list[str]
    course_events: list[str]
    pulled_xmin: str  # the pull's cursor on the server


class DeviceInfo(TypedDict):
    """The laptop a push comes from, as its meta.json names it."""

    device: str
    name: str
    signed_from: int | None
    demo: bool


def load_state(root: Path) -> SyncState:
    try:
        state = json.loads(paths.sync_state_file(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        state = {"version": STATE_VERSION}
    return load_state_defaults(state)


def save_state(root: Path, state: SyncState) -> None:
    """Write the cursor atomically (0600 in a 0700 folder) without Qt: the app's sync worker
    thread writes it, and a crash leaves the old cursor or the new one."""
    path = paths.sync_state_file(root)
    ensure_private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(dumps(state))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def for_server(state: SyncState, server: str) -> SyncState:
    """The cursor, started afresh when it was kept for another server (or another database)."""
    if state.get("server") != server:
        state = load_state_defaults({"version": STATE_VERSION})
        state["server"] = server
    return state


def load_state_defaults(state: JsonObject) -> SyncState:
    """A cursor as read (of this version), with what a cursor from before a key was added lacks."""
    for key, value in (("server", ""), ("chain_seq", 0), ("stamps", {}), ("patients", []), ("accounts", {}),
                       ("followups", []), ("course_events", []), ("pulled_xmin", "0")):
        state.setdefault(key, value)
    return cast(SyncState, state)


@dataclass
class Outgoing:
    """What a push offers the server: documents as read from the data folder's files, which the
    server checks (server/verify.py) before it keeps one."""

    device: DeviceInfo
    patients: list[JsonObject] = field(default_factory=list)
    practitioners: list[JsonObject] = field(default_factory=list)
    accounts: list[JsonObject] = field(default_factory=list)
    chain: list[tuple[str, JsonObject]] = field(default_factory=list)  # (kind, doc), by place
    followups: list[JsonObject] = field(default_factory=list)
    course_events: list[JsonObject] = field(default_factory=list)
    stamps: dict[str, list[int]] = field(default_factory=dict)  # files read, as they were
    unreadable: list[str] = field(default_factory=list)

    def count(self) -> int:
        return len(self.patients) + len(self.accounts) + len(self.chain) + len(self.followups) + len(self.course_events)


def _table(data: Any, name: str) -> list[JsonObject]:
    table = data.get(name) if isinstance(data, dict) else None
    return [d for d in table.values() if isinstance(d, dict)] if isinstance(table, dict) else []


def collect(root: Path, state: SyncState) -> Outgoing:
    """Everything in the data folder at ``root`` that ``state`` does not show as sent."""
    from microneedle_desk.server.verify import public_account  # noqa: PLC0415 (kept off the start-up path until first used)

    meta_data = read_json_file(paths.meta_file(root))
    meta = (_table(meta_data, "meta") or [{}])[0]
    device: DeviceInfo = {"device": str(meta.get("device", "")), "name": str(meta.get("device_name") or ""),
              "signed_from": meta.get("signed_from") if isinstance(meta.get("signed_from"), int) else None,
              "demo": bool(meta.get("demo", False))}
    out = Outgoing(device)
    people = paths.patients_file(root)
    if people.exists():
        data = read_json_file(people)
        sent = set(state["patients"])
        out.patients = [d for d in _table(data, "patients") if d.get("id") not in sent]
        out.practitioners = [d for d in _table(data, "practitioners") if d.get("id") not in sent]
    known = state["accounts"]
    for doc in stored_accounts(root).values():  # accounts.json (patients.json in a store not yet moved)
        public = public_account(doc)
        if known.get(str(doc.get("id"))) != digest(public):
            out.accounts.append(public)
    done_seq = int(state["chain_seq"])
    stamps = state["stamps"]
    sent_followups = set(state["followups"])
    chained = ((paths.sessions_dir(root), ("sessions", "amendments")), (paths.access_dir(root), ("access",)))
    for folder, tables in chained:
        for name in json_file_names(folder):
            path = folder / name
            rel = f"{folder.name}/{name}"
            try:
                info = os.stat(path)
            except FileNotFoundError:
                continue
            stamp = [info.st_size, info.st_mtime_ns]
            if stamps.get(rel) == stamp:
                continue
            try:
                data = read_json_file(path)
            except BadFileError:
                out.unreadable.append(rel)  # `check` names what is wrong; the rest still travels
                continue
            out.stamps[rel] = stamp
            for table in tables:
                kind = {"sessions": "session", "amendments": "amendment", "access": "access"}[table]
                for doc in _table(data, table):
                    place = doc.get("chain", {}).get("seq") if isinstance(doc.get("chain"), dict) else None
                    if not isinstance(place, int) or place > done_seq:
                        out.chain.append((kind, doc))
            out.followups += [d for d in _table(data, "followups") if d.get("id") not in sent_followups]
    out.chain.sort(key=lambda item: _place(item[1]))
    courses = paths.courses_file(root)
    if courses.exists():
        sent_events = set(state["course_events"])
        out.course_events = [d for d in _table(read_json_file(courses), "events")
                             if d.get("kind") == "course_event" and d.get("id") not in sent_events]
    return out


def _place(doc: JsonObject) -> int:
    chain = doc.get("chain")
    seq = chain.get("seq") if isinstance(chain, dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


def digest(doc: JsonObject) -> str:

    return hashlib.sha256(canonical_json(doc)).hexdigest()
