"""One sync of a data folder with the clinic server: push, then pull, then the clocks.

The network part (:func:`exchange`) touches the data folder's files only to read them and
to move the sync cursor; what is pulled is returned, for the caller to land in the store
on the thread that owns it (:func:`microneedle_desk.server.pull.land`). The CLI does both
in turn; the app runs the exchange in a worker thread and lands on the main thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.server import outbox, pull, push, schema
from microneedle_desk.server.connection import Refused, Unreachable, connect, reason

CLOCK_TOLERANCE_S = 5 * 60


@dataclass
class SyncResult:
    """What one sync did, for the command's line and the app's status bar."""

    pushed: int = 0
    pulled: int = 0
    already: int = 0
    conflicts: int = 0       # new duplicate-ID / same-person findings, and patients held back
    quarantined: int = 0     # records of this laptop the server refused on arrival
    refused: int = 0         # pulled sessions the rules here refuse
    unreadable: list[str] = field(default_factory=list)
    clock_offset_s: float = 0.0  # this laptop's clock minus the server's
    found: pull.Pulled | None = None  # pulled, still to land in the store
    course_changes: dict[str, str] = field(default_factory=dict)  # patient -> the course change pulled

    @property
    def to_review(self) -> int:
        return self.conflicts + self.quarantined + self.refused

    def clock_is_off(self) -> bool:
        return abs(self.clock_offset_s) > CLOCK_TOLERANCE_S


def exchange(dsn: str, root: Path, protocol: Protocol, now: Callable[[], datetime],
             progress: Callable[[int, int], None] | None = None) -> SyncResult:
    """Push what the server lacks and fetch what this laptop lacks. Raises
    :class:`Unreachable` (no connection, or lost) or :class:`Refused` (schema)."""
    import psycopg  # noqa: PLC0415 (optional dependency, loaded when used)

    conn = connect(dsn)
    try:
        with conn:
            schema.require_current(conn)
            state = outbox.for_server(outbox.load_state(root), schema.clinic_identity(conn))
            conn.rollback()
            server_now = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
            conn.rollback()
            result = SyncResult(clock_offset_s=(now() - server_now).total_seconds())
            out = outbox.collect(root, state)
            result.unreadable = out.unreadable
            counts = push.push(conn, root, state, out, protocol, progress)
            result.pushed, result.already = counts.pushed, counts.already
            result.conflicts, result.quarantined = counts.conflicts, counts.quarantined
            result.found, xmin = pull.fetch(conn, out.device["device"], str(state["pulled_xmin"]), protocol)
            result.found["cursor"] = xmin
            return result
    except psycopg.errors.InsufficientPrivilege as exc:
        raise Refused(reason(exc)) from None
    except psycopg.OperationalError as exc:
        raise Unreachable(reason(exc)) from None


def land(store: Any, root: Path, result: SyncResult, courses: Any = None) -> SyncResult:
    """Land what :func:`exchange` pulled (course events into ``courses``, the clinic's
    CourseFile), then move the pull cursor past it."""
    found = result.found
    if not found:
        return result
    counts = pull.land(store, found, courses)
    result.course_changes = {str(e["patient_id"]): str(e["type"]) for e in counts.course_events}
    result.pulled, result.refused = counts.pulled, counts.refused
    result.conflicts += counts.held
    state = outbox.load_state(root)
    state["pulled_xmin"] = found["cursor"]
    sent = set(state["patients"])  # on the server already: never offered back to it
    state["patients"] += [str(p["id"]) for p in found["patients"] if p.get("id") and str(p["id"]) not in sent]
    known = set(state["course_events"])  # the server has them: never offered back to it
    state["course_events"] += [str(e["id"]) for e in counts.course_events if str(e["id"]) not in known]
    outbox.save_state(root, state)
    result.found = None
    return result


def waiting(root: Path) -> int:
    """How many records of this laptop the server has not confirmed yet (read from the files)."""
    try:
        return outbox.collect(root, outbox.load_state(root)).count()
    except (OSError, ValueError):
        return 0
