"""Push: send the server what this laptop has and it lacks, one transaction per batch.

Each record is inserted by its UUID with ``ON CONFLICT DO NOTHING``, so sending it again
(a push cut off and retried, two syncs at once) leaves one copy. The chained records go in
their laptop's chain order; each is checked on arrival (server/verify.py) and kept, or put
in quarantine with the reason, never both. After each batch commits, the cursor moves past
it: a push killed mid-batch loses that batch's transaction only and sends it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from microneedle_desk.core.course_events import validate_course_event
from microneedle_desk.core.fold import replay
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.summary import summarize
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.server.outbox import Outgoing, SyncState, digest, save_state

BATCH = 500
PATIENT_COLUMNS = "(id, device, clinic_id, name, dob, created_at, doc)"


@dataclass
class PushCounts:
    pushed: int = 0
    already: int = 0
    conflicts: int = 0
    quarantined: int = 0


def _jsonb(value: Any) -> Any:
    from psycopg.types.json import Jsonb  # noqa: PLC0415 (optional dependency, loaded when used)

    return Jsonb(value)


def _author(kind: str, doc: JsonObject) -> tuple[str, str]:
    """Who made a chained record and when, by the laptop's clock with its offset."""
    if kind == "session":
        events = doc.get("events") if isinstance(doc.get("events"), list) else []
        last = events[-1] if events and isinstance(events[-1], dict) else {}
        return str(last.get("by", "")), str(last.get("at", ""))
    return str(doc.get("by", "") or doc.get("account", "")), str(doc.get("at", ""))


def push(conn: Any, root: Path, state: SyncState, out: Outgoing, protocol: Protocol,
         progress: Callable[[int, int], None] | None = None) -> PushCounts:
    counts = PushCounts()
    device = out.device["device"]
    with conn.transaction():
        conn.execute(
            "INSERT INTO clinic.devices (device, name, signed_from, demo) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (device) DO UPDATE SET last_seen = now(), name = EXCLUDED.name, "
            "signed_from = EXCLUDED.signed_from, demo = EXCLUDED.demo",
            (device, out.device["name"], out.device["signed_from"], out.device["demo"]))
        for account in out.accounts:
            conn.execute("INSERT INTO clinic.accounts (id, digest, device, doc) VALUES (%s, %s, %s, %s) "
                         "ON CONFLICT DO NOTHING", (account["id"], digest(account), device, _jsonb(account)))
        for person in out.practitioners:
            conn.execute("INSERT INTO clinic.practitioners (id, device, name, doc) VALUES (%s, %s, %s, %s) "
                         "ON CONFLICT DO NOTHING", (person["id"], person.get("device") or device,
                                                    str(person.get("name", "")), _jsonb(person)))
    state["patients"] += [str(p["id"]) for p in out.practitioners]  # ids never shared by patients
    for account in out.accounts:
        state["accounts"][str(account["id"])] = digest(account)
    for start in range(0, len(out.patients), BATCH):
        _push_patients(conn, out.patients[start:start + BATCH], counts)
        state["patients"] += [p["id"] for p in out.patients[start:start + BATCH]]
        save_state(root, state)
    accounts = server_accounts(conn)
    total, done = len(out.chain), 0
    for start in range(0, total, BATCH):
        batch = out.chain[start:start + BATCH]
        _push_chain(conn, device, batch, accounts, out, protocol, counts)
        state["chain_seq"] = max(state["chain_seq"], *(_seq(doc) for _k, doc in batch))
        save_state(root, state)
        done += len(batch)
        if progress is not None:
            progress(done, total)
    for start in range(0, len(out.followups), BATCH):
        notes = out.followups[start:start + BATCH]
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO clinic.followups (id, session_id, device, author, local_time, doc) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
                [(d["id"], d["session_id"], str(d.get("device") or device), str(d.get("by", "")),
                  str(d.get("at", "")), _jsonb(d)) for d in notes], returning=True)
            new = _returned(cur)
        counts.pushed += new
        counts.already += len(notes) - new
        state["followups"] += [d["id"] for d in notes]
        save_state(root, state)
    for start in range(0, len(out.course_events), BATCH):
        _push_course_events(conn, out.course_events[start:start + BATCH], device, counts)
        state["course_events"] += [str(d["id"]) for d in out.course_events[start:start + BATCH]]
        save_state(root, state)
    state["stamps"].update(out.stamps)
    save_state(root, state)
    return counts


def _push_course_events(conn: Any, batch: list[JsonObject], device: str, counts: PushCounts) -> None:
    """Course events by their UUID; one the rules refuse (a damaged file) stays on the laptop,
    where ``check`` names it."""
    good = []
    for doc in batch:
        try:
            good.append(validate_course_event(doc))
        except ValidationError:
            counts.quarantined += 1
    with conn.transaction(), conn.cursor() as cur:
        if good:
            cur.executemany(
                "INSERT INTO clinic.course_events (id, patient_id, course_id, device, author, local_time, doc) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
                [(d["id"], d["patient_id"], d["course_id"], str(d.get("device") or device), str(d["by"]),
                  str(d["at"]), _jsonb(d)) for d in good], returning=True)
            new = _returned(cur)
        else:
            new = 0
    counts.pushed += new
    counts.already += len(good) - new


def _returned(cur: Any) -> int:
    n = 0
    while True:
        n += len(cur.fetchall())
        if not cur.nextset():
            return n


def _seq(doc: JsonObject) -> int:
    seq = doc.get("chain", {}).get("seq") if isinstance(doc.get("chain"), dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


def server_accounts(conn: Any) -> dict[str, JsonObject]:
    """Every account as the server holds it by id: its newest version, holding as earlier keys
    every key an older version held (a signature made before a key change still verifies)."""
    rows = conn.execute("SELECT id::text, doc FROM clinic.accounts ORDER BY id, received_at").fetchall()
    out: dict[str, JsonObject] = {}
    for account_id, doc in rows:
        newest = dict(doc)
        older = out.get(str(account_id))
        if older is not None:
            mine = {k.get("public") for k in [*newest.get("past_keys", []), newest.get("key") or {}]}
            kept = [k for k in [*older.get("past_keys", []), older.get("key")]
                    if isinstance(k, dict) and k.get("public") not in mine]
            newest["past_keys"] = kept + list(newest.get("past_keys", []))
        out[str(account_id)] = newest
    return out


def _push_patients(conn: Any, batch: list[JsonObject], counts: PushCounts) -> None:
    """Insert new patients; a clinic patient ID already used by someone else, or the same name and
    date of birth under another patient, is noted for the admin (both patients kept)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO clinic.patients {PATIENT_COLUMNS} VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING id",
            [(d["id"], d["device"], d["clinic_id"], d["name"], d["dob"], d["created_at"], _jsonb(d))
             for d in batch], returning=True)
        new = _returned(cur)
        counts.pushed += new
        counts.already += len(batch) - new
        ids = [d["id"] for d in batch]
        found = cur.execute(
            "INSERT INTO clinic.conflicts (kind, patient_a, patient_b) "
            "SELECT CASE WHEN lower(a.name) = lower(b.name) AND a.dob = b.dob THEN 'same_person' "
            "ELSE 'clinic_id' END, least(a.id, b.id), greatest(a.id, b.id) "
            "FROM clinic.patients a JOIN clinic.patients b ON a.id <> b.id AND ("
            "lower(a.clinic_id) = lower(b.clinic_id) OR (lower(a.name) = lower(b.name) AND a.dob = b.dob)) "
            "WHERE a.id = ANY(%s::uuid[]) ON CONFLICT DO NOTHING RETURNING cid", (ids,)).fetchall()
        counts.conflicts += len(found)


def _push_chain(conn: Any, device: str, batch: list[tuple[str, JsonObject]],
                accounts: dict[str, JsonObject], out: Outgoing, protocol: Protocol,
                counts: PushCounts) -> None:
    from microneedle_desk.server.verify import RecordVerifier  # noqa: PLC0415 (kept off the start-up path until first used)

    verifier = RecordVerifier(protocol, accounts, signed_from=out.device["signed_from"], demo=out.device["demo"])
    with conn.transaction():
        ids = [str(doc.get("id")) for _k, doc in batch]
        on_server = dict(conn.execute("SELECT id::text, hash FROM clinic.records WHERE id = ANY(%s::uuid[])",
                                      (ids,)).fetchall())
        first = min((_seq(d) for _k, d in batch), default=1)
        prev = last_link(conn, device, first)
        states: dict[str, SessionState] = {}
        keep: list[tuple[Any, ...]] = []
        quarantine: list[tuple[Any, ...]] = []
        for kind, doc in batch:
            rid, seq, digest_ = str(doc.get("id")), _seq(doc), str(doc.get("hash", ""))
            if rid in on_server:
                if on_server[rid] == digest_:
                    counts.already += 0 if _sync_line(kind, doc) else 1
                    prev = (seq, digest_)
                    continue
                problems = ["this record differs from the copy the server already holds under its id."]
            else:
                session, earlier = None, None
                if kind == "amendment":
                    session, earlier = _amended_session(conn, str(doc.get("session_id")), states, keep, protocol)
                problems, state = verifier.problems_of(kind, doc, prev, session, earlier)
                if state is not None and not problems:
                    states[rid] = state
            prev = (seq, digest_)
            if problems:
                quarantine.append((device, kind, rid, seq, digest_, "; ".join(problems), _jsonb(doc)))
                continue
            keep.append(_row(kind, doc, device, states.get(rid), protocol))
        with conn.cursor() as cur:
            if keep:
                cur.executemany(
                    "INSERT INTO clinic.records (id, device, seq, kind, session_id, patient_id, status, author, "
                    "local_time, started_at, prev, hash, doc, summary) VALUES "
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", keep)
            if quarantine:
                cur.executemany(
                    "INSERT INTO clinic.quarantine (device, kind, record_id, seq, hash, reason, doc) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", quarantine)
    # The laptop's own access-log lines of its syncs travel like every record but are not
    # counted: each sync writes one, and a sync that finds nothing else new says it pushed nothing.
    counts.pushed += sum(1 for row in keep if not _sync_line(row[3], row[12].obj))
    counts.quarantined += len(quarantine)


def _sync_line(kind: str, doc: JsonObject) -> bool:
    return kind == "access" and doc.get("action") == "sync"


def last_link(conn: Any, device: str, before: int) -> tuple[int, str] | None:
    """The (place, hash) of the laptop's last record before ``before`` the server knows of,
    kept or quarantined (a quarantined record still holds its place in the chain)."""
    row = conn.execute(
        "SELECT seq, hash FROM (SELECT seq, hash FROM clinic.records WHERE device = %s AND seq < %s "
        "UNION ALL SELECT seq, hash FROM clinic.quarantine WHERE device = %s AND seq < %s) l "
        "ORDER BY seq DESC LIMIT 1", (device, before, device, before)).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def _amended_session(conn: Any, session_id: str, states: dict[str, SessionState], keep: list[tuple[Any, ...]],
                     protocol: Protocol) -> tuple[SessionState | None, list[JsonObject]]:
    """The session an amendment corrects (this batch or the server) and its amendments before it."""
    rows = conn.execute("SELECT kind, doc FROM clinic.records WHERE session_id = %s ORDER BY seq",
                        (session_id,)).fetchall()
    earlier = [dict(doc) for kind, doc in rows if kind == "amendment"]
    earlier += [dict(r[12].obj) for r in keep if r[3] == "amendment" and r[4] == session_id]
    state = states.get(session_id)
    if state is None:
        docs = [dict(doc) for kind, doc in rows if kind == "session"]
        state = replay(docs[0]["events"], protocol) if docs else None
    return state, earlier


def _row(kind: str, doc: JsonObject, device: str, state: SessionState | None,
         protocol: Protocol) -> tuple[Any, ...]:
    author, local_time = _author(kind, doc)
    session_id = doc.get("id") if kind == "session" else doc.get("session_id") if kind == "amendment" else None
    summary, started = None, None
    if state is not None and state.started is not None:
        summary = summarize(state, protocol)
        started = state.started.wall
    return (doc["id"], device, _seq(doc), kind, session_id, doc.get("patient_id"), doc.get("status"),
            author, local_time, started, doc["chain"]["prev"], doc["hash"], _jsonb(doc),
            _jsonb(summary) if summary is not None else None)


__all__ = ["PushCounts", "push"]
