"""Pull: bring this laptop the clinic's patients and other rooms' session summaries.

One REPEATABLE READ transaction reads everything that arrived since the last pull: rows whose
inserting transaction is at or after the oldest one still open at that pull's snapshot
(``pg_snapshot_xmin``), so a push that was still committing then is not missed. A row seen
twice is taken once (by UUID). Only kept records travel; quarantine never leaves the server.

Course events land beside the laptop's own in ``courses.json`` (store/courses.py), so the
course view and the Due list are right in any room. Patients land in the laptop's patient
list through the store's own check (:meth:`Store.adopt_patients`); sessions land in the
pulled copy (store/clinic_copy.py), replayed under the rules (in the worker, by
:func:`fetch`), never in this laptop's hash chain.
"""

# No `from __future__ import annotations`: NotRequired must be seen at runtime, where
# Pulled.__required_keys__/__optional_keys__ are computed.
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import CourseEventDoc, FollowupIndexRow, JsonObject
from microneedle_desk.core.summary import SessionRow
from microneedle_desk.server.conflicts import merges_since
from microneedle_desk.server.reading import followup_rows
from microneedle_desk.store.clinic_copy import pulled_rows

CHUNK = 500  # sessions made into rows at a time


@dataclass
class PullCounts:
    pulled: int = 0
    held: int = 0      # patients whose clinic ID is used here by someone else: for the admin
    refused: int = 0   # sessions the rules refuse (the server's own check quarantines those)
    course_events: list[CourseEventDoc] = field(default_factory=list)  # kept here, new


class Pulled(TypedDict):
    """What :func:`fetch` found, still to land in the store. Patients, follow-ups and course
    events are as the server keeps them: the store checks each as it lands."""

    patients: list[JsonObject]
    rows: list[SessionRow]  # other rooms' sessions, replayed here under the rules
    refused: int
    merges: list[tuple[str, str]]
    followups: list[FollowupIndexRow]  # the server checked them on arrival; the store checks again
    course_events: list[JsonObject]
    cursor: NotRequired[str]  # the pull cursor to keep once landed (sync.exchange adds it)


def fetch(conn: Any, device: str, since: str, protocol: Protocol) -> tuple[Pulled, str]:
    """What arrived since snapshot ``since`` from other laptops, and the cursor for next time.

    Sessions are read :data:`CHUNK` at a time and made into history rows here (replayed under the
    rules), so a first pull of a large clinic holds rows, not every room's whole event logs."""
    rows: list[SessionRow] = []
    refused = 0
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        xmin = str(conn.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetchone()[0])
        patients = [dict(r[0]) for r in conn.execute(
            "SELECT doc FROM clinic.patients WHERE xid >= %s::xid8 AND device <> %s ORDER BY xid, id",
            (since, device)).fetchall()]
        ids = [r[0] for r in conn.execute(
            "SELECT DISTINCT session_id FROM clinic.records WHERE xid >= %s::xid8 AND device <> %s "
            "AND kind IN ('session', 'amendment')", (since, device)).fetchall()]
        for start in range(0, len(ids), CHUNK):
            made, bad = pulled_rows(_sessions(conn, ids[start:start + CHUNK]), protocol)
            rows += made
            refused += bad
        merges = merges_since(conn, since)
        followups = followup_rows(conn, since, not_of=device)
        course_events = [dict(r[0]) for r in conn.execute(
            "SELECT doc FROM clinic.course_events WHERE xid >= %s::xid8 AND device <> %s ORDER BY xid, id",
            (since, device)).fetchall()]
    return {"patients": patients, "rows": rows, "refused": refused, "merges": merges,
            "followups": followups, "course_events": course_events}, xmin


def _sessions(conn: Any, ids: list[Any]) -> list[tuple[JsonObject, list[JsonObject], str]]:
    """(session doc, its amendments in chain order, room name) of the sessions ``ids``."""
    sessions: dict[str, tuple[JsonObject, list[JsonObject], str]] = {}
    amendments: dict[str, list[JsonObject]] = {}
    for kind, sid, doc, room in conn.execute(
            "SELECT r.kind, r.session_id::text, r.doc, coalesce(d.name, '') FROM clinic.records r "
            "LEFT JOIN clinic.devices d ON d.device = r.device "
            "WHERE r.session_id = ANY(%s::uuid[]) AND r.kind IN ('session', 'amendment') ORDER BY r.seq",
            (ids,)):
        if kind == "session":
            sessions[sid] = (dict(doc), amendments.setdefault(sid, []), str(room))
        else:
            amendments.setdefault(sid, []).append(dict(doc))
    return list(sessions.values())


def land(store: Any, found: Pulled, courses: Any = None) -> PullCounts:
    """Put what :func:`fetch` found into the laptop's store (on the thread that owns the store);
    other rooms' course events into ``courses`` (the clinic's CourseFile, so its cached copy of
    ``courses.json`` stays the one written)."""
    counts = PullCounts()
    if courses is not None:
        counts.course_events = courses.adopt(found["course_events"])
        counts.pulled += len(counts.course_events)
    taken, held = store.adopt_patients(found["patients"])
    counts.pulled += taken
    counts.held = len(held)
    counts.pulled += store.clinic_copy.land(found["rows"])
    store.clinic_copy.note_merges(found["merges"])
    counts.pulled += store.clinic_copy.note_followups(found["followups"])
    counts.refused = found["refused"]
    return counts
