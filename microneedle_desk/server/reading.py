"""The whole clinic's records, read from the server, in the shapes the review code reads.

:class:`ClinicRecords` answers what exports, recall lists and checks ask a store for
(``summaries()``, ``patients()``, ``practitioners()``, ``meta_value()``, and what the FHIR export
reads a month at a time), so ``export --server`` in every format and the
other readers take records "from an object passed in" whether it is a data folder or the
clinic. Each row is the session's summary with its amendments applied and the room (the
laptop's name) it was made in. Quarantined records are never read here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from microneedle_desk.core.amendments import amended_state
from microneedle_desk.core.event_types import SessionDoc
from microneedle_desk.core.fold import replay
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import AmendmentDoc, FollowupIndexRow
from microneedle_desk.core.records import Patient, Practitioner
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.summary import AnyRow, SessionRow, summarize
from microneedle_desk.server.schema import clinic_identity

HISTORY_PAGE = 200


class ClinicPageRow(SessionRow):
    """A row of :meth:`ClinicRecords.history_page`: the summary as signed with its room, and
    ``_at``, the start as the server orders by (the next page asks for rows before it)."""

    _at: str


def followup_rows(conn: Any, since: str = "0", not_of: str | None = None) -> list[FollowupIndexRow]:
    """Follow-ups that arrived since snapshot ``since`` (see pull.fetch), but not those of laptop
    ``not_of``, each with its session's patient and needle length as the laptop's index keeps them."""
    rows = conn.execute(
        "SELECT f.doc, r.patient_id, r.summary FROM clinic.followups f "
        "JOIN clinic.records r ON r.id = f.session_id AND r.kind = 'session' "
        "WHERE f.xid >= %s::xid8 AND f.device IS DISTINCT FROM %s::uuid", (since, not_of)).fetchall()
    return [cast(FollowupIndexRow, {**dict(doc), "patient_id": str(pid), "needle_mm": (summary or {}).get("needle_mm")})
            for doc, pid, summary in rows]


class ClinicRecords:
    """Read-only view of the clinic server (an open psycopg connection)."""

    read_only = False  # the pseudonym secret of a de-identified export is kept on the server

    def __init__(self, conn: Any, protocol: Protocol, root: Path | None = None) -> None:
        self.conn, self.protocol = conn, protocol
        self.root = root or Path()  # a data folder whose settings name the clinic (an export's header)
        self._device: str | None = None

    @property
    def device(self) -> str:
        """The clinic database's own UUID, where a data folder has its device's: the FHIR export's
        identifier systems are made from it, the same for every export of this clinic."""
        if self._device is None:
            self._device = clinic_identity(self.conn)
        return self._device

    def patients(self) -> list[Patient]:
        """Every patient of the clinic, as registered (both of a duplicate-ID finding too)."""
        return [Patient.from_doc(dict(doc)) for (doc,) in self.conn.execute(
            "SELECT doc FROM clinic.patients WHERE doc ? 'dob' ORDER BY received_at").fetchall()]

    def session_doc(self, session_id: str, file: str | None = None) -> SessionDoc | None:
        """A kept session's document (``file``, a data folder's day file, means nothing here)."""
        row = self.conn.execute("SELECT doc FROM clinic.records WHERE id = %s::uuid AND kind = 'session'",
                                (session_id,)).fetchone()
        return cast(SessionDoc, dict(row[0])) if row else None

    def amendments(self, session_id: str) -> list[AmendmentDoc]:
        """A session's kept amendments, oldest first."""
        return [cast(AmendmentDoc, dict(doc)) for (doc,) in self.conn.execute(
            "SELECT doc FROM clinic.records WHERE session_id = %s::uuid AND kind = 'amendment' ORDER BY seq",
            (session_id,)).fetchall()]

    # -- what the FHIR export reads a month at a time (as from a data folder's index) ----------------
    def index_months(self) -> list[str]:
        """The months (``YYYY-MM``) that have sessions, newest first."""
        return [str(m) for (m,) in self.conn.execute(
            "SELECT DISTINCT left(summary->>'started_at', 7) AS m FROM clinic.records "
            "WHERE kind = 'session' ORDER BY m DESC").fetchall()]

    def month_rows_once(self, month: str) -> list[SessionRow]:
        """One month's history rows (as signed; amendments are applied by the reader)."""
        return [cast(SessionRow, {**dict(summary), "room": room}) for summary, room in self.conn.execute(
            "SELECT r.summary, coalesce(d.name, '') FROM clinic.records r "
            "LEFT JOIN clinic.devices d ON d.device = r.device "
            "WHERE r.kind = 'session' AND left(r.summary->>'started_at', 7) = %s", (month,)).fetchall()]

    def finished_records(self, rows: Sequence[AnyRow]) -> Iterator[tuple[AnyRow, SessionState, list[AmendmentDoc]]]:
        """For each row: the row, its session as signed (replayed by the rules), its amendments."""
        for start in range(0, len(rows), 200):
            chunk = rows[start:start + 200]
            found: dict[str, SessionDoc] = {}
            amendments: dict[str, list[AmendmentDoc]] = {}
            for kind, sid, doc in self.conn.execute(
                    "SELECT kind, session_id::text, doc FROM clinic.records WHERE session_id = ANY(%s::uuid[]) "
                    "AND kind IN ('session', 'amendment') ORDER BY seq", ([r["id"] for r in chunk],)).fetchall():
                if kind == "session":
                    found[str(sid)] = cast(SessionDoc, dict(doc))
                else:
                    amendments.setdefault(str(sid), []).append(cast(AmendmentDoc, dict(doc)))
            for row in chunk:
                doc = found.get(str(row["id"]))
                if doc is not None:
                    yield row, replay(doc["events"], self.protocol), amendments.get(str(row["id"]), [])

    def summaries(self, patient_ids: list[str] | None = None) -> list[SessionRow]:
        """Every kept session's history row (or those of ``patient_ids``), amendments applied,
        with its room."""
        mine, params = ("", ()) if patient_ids is None else (" AND r.patient_id = ANY(%s::uuid[])", (patient_ids,))
        amended: dict[str, list[AmendmentDoc]] = {}
        for sid, doc in self.conn.execute(
                "SELECT a.session_id::text, a.doc FROM clinic.records a WHERE a.kind = 'amendment'"
                + ("" if not mine else " AND a.session_id IN (SELECT r.id FROM clinic.records r "
                                       f"WHERE r.kind = 'session'{mine})") + " ORDER BY a.device, a.seq", params):
            amended.setdefault(str(sid), []).append(cast(AmendmentDoc, dict(doc)))
        rows: list[SessionRow] = []
        cur = self.conn.execute(
            "SELECT r.id::text, r.summary, coalesce(d.name, ''), r.device::text, "
            "CASE WHEN r.id::text = ANY(%s) THEN r.doc END FROM clinic.records r "
            "LEFT JOIN clinic.devices d ON d.device = r.device WHERE r.kind = 'session'" + mine,
            (list(amended), *params))
        for sid, summary, room, device, doc in cur:
            if doc is not None:
                state = amended_state(replay(doc["events"], self.protocol), amended[sid])
                row = summarize(state, self.protocol)
                row["amended"] = len(amended[sid])
            else:
                row = cast(SessionRow, dict(summary))
            row["room"], row["room_device"] = room, device
            rows.append(row)
        self.conn.rollback()
        return rows

    def history_page(self, limit: int = HISTORY_PAGE, room: str = "", text: str = "",
                     before: str | None = None) -> list[ClinicPageRow]:
        """The clinic's sessions newest first, ``limit`` at a time (the next page: ``before`` the
        last one's ``started_at``), of one room (device id) and matching ``text`` (name, clinic ID
        or session id) when given. Each row is the summary as signed, with its room."""
        where, params = ["r.kind = 'session'"], []
        if room:
            where.append("r.device = %s::uuid")
            params.append(room)
        if text.strip():
            where.append("(r.summary->>'patient_name' ILIKE %s OR r.summary->>'clinic_id' ILIKE %s "
                         "OR r.id::text LIKE %s)")
            like = "%" + text.strip().replace("%", r"\%").replace("_", r"\_") + "%"
            params += [like, like, text.strip().lower() + "%"]
        if before:
            where.append("r.started_at < %s::timestamptz")
            params.append(before)
        rows = self.conn.execute(
            "SELECT r.summary, coalesce(d.name, ''), r.device::text, r.started_at FROM clinic.records r "
            "LEFT JOIN clinic.devices d ON d.device = r.device "
            f"WHERE {' AND '.join(where)} ORDER BY r.started_at DESC LIMIT %s", (*params, limit)).fetchall()
        return [cast(ClinicPageRow, {**dict(summary), "room": name, "room_device": device, "_at": at.isoformat()})
                for summary, name, device, at in rows]

    def rooms(self) -> list[tuple[str, str]]:
        """(device id, name) of every laptop that has pushed, by name."""
        return [(str(d), str(n)) for d, n in self.conn.execute(
            "SELECT device::text, name FROM clinic.devices ORDER BY name, device").fetchall()]

    def followups(self) -> list[FollowupIndexRow]:
        """Every follow-up kept, as the index keeps its own (with the session's patient and needle)."""
        return followup_rows(self.conn)

    def practitioners(self, include_inactive: bool = False) -> list[Practitioner]:
        people = [Practitioner.from_doc(dict(doc)) for (doc,) in
                  self.conn.execute("SELECT doc FROM clinic.practitioners").fetchall()]
        accounts = [dict(doc) for (doc,) in self.conn.execute(
            "SELECT DISTINCT ON (id) doc FROM clinic.accounts ORDER BY id, received_at DESC").fetchall()]
        self.conn.rollback()
        known = {p.id for p in people}
        people += [Practitioner(str(a["id"]), str(a["name"]), str(a.get("device", "")), str(a.get("created_at", "")),
                                bool(a.get("active", True))) for a in accounts if str(a.get("id")) not in known]
        return sorted((p for p in people if include_inactive or p.active), key=lambda p: p.name.lower())

    def meta_value(self, key: str) -> Any:
        row = self.conn.execute("SELECT value FROM clinic.meta WHERE key = %s", (key,)).fetchone()
        self.conn.rollback()
        return row[0] if row else None

    def set_meta_value(self, key: str, value: Any) -> None:
        with self.conn.transaction():
            self.conn.execute("INSERT INTO clinic.meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
                              (key, str(value)))

    def close(self) -> None:
        self.conn.close()
