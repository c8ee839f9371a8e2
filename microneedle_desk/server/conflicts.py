"""Findings for the admin: one clinic patient ID for two people, one person registered twice.

Both patients are always kept as registered. A duplicate ID is for the admin to sort out
with the people concerned (a new ID is a new registration); the same person registered
twice may be merged: the merge is a record of its own (who, when, on which laptop, which
patient is kept), append-only like every record on the server. Nothing is rewritten: the
merged patient's sessions stay theirs, and the laptops show them in the kept patient's course.
"""

from __future__ import annotations

import uuid
from typing import Any, TypedDict

from microneedle_desk.core.validation import ValidationError
from microneedle_desk.i18n import tr

_PATIENT = ("{p}.id::text, {p}.name, {p}.dob::text, {p}.clinic_id, coalesce({d}.name, '')")


class FindingPatient(TypedDict):
    """One of the two registrations of a finding, with the room (laptop) it was made in."""

    id: str
    name: str
    dob: str
    clinic_id: str
    room: str


class Finding(TypedDict):
    """An open finding: a clinic ID used for two people, or one person registered twice."""

    cid: int
    kind: str  # "clinic_id" or "same_person"
    a: FindingPatient
    b: FindingPatient


def _patient(columns: tuple[Any, ...]) -> FindingPatient:
    pid, name, dob, clinic_id, room = columns
    return {"id": pid, "name": name, "dob": dob, "clinic_id": clinic_id, "room": room}


def open_findings(conn: Any) -> list[Finding]:
    """Every finding not yet resolved by a merge, oldest first, with both patients."""
    a, b = _PATIENT.format(p="a", d="da"), _PATIENT.format(p="b", d="db")
    rows = conn.execute(
        f"SELECT c.cid, c.kind, {a}, {b} FROM clinic.conflicts c "
        "JOIN clinic.patients a ON a.id = c.patient_a JOIN clinic.patients b ON b.id = c.patient_b "
        "LEFT JOIN clinic.devices da ON da.device = a.device LEFT JOIN clinic.devices db ON db.device = b.device "
        "WHERE NOT EXISTS (SELECT 1 FROM clinic.merges m WHERE (m.kept, m.merged) IN "
        "((c.patient_a, c.patient_b), (c.patient_b, c.patient_a))) ORDER BY c.cid").fetchall()
    return [{"cid": r[0], "kind": r[1], "a": _patient(tuple(r[2:7])), "b": _patient(tuple(r[7:12]))} for r in rows]


def record_merge(conn: Any, kept: str, merged: str, *, author: str, device: str, at: str) -> str:
    """Record that ``merged`` is the same person as ``kept``; returns the merge's id.

    Only for a same-person finding still open; raises ValidationError saying why not."""
    with conn.transaction():
        found = conn.execute(
            "SELECT kind FROM clinic.conflicts WHERE (patient_a, patient_b) = (least(%s::uuid, %s::uuid), "
            "greatest(%s::uuid, %s::uuid))", (kept, merged, kept, merged)).fetchone()
        if found is None or found[0] != "same_person":
            raise ValidationError("merge", tr("Only two registrations of the same name and date of birth that the "
                                              "server found can be merged; these two are not such a pair."))
        done = conn.execute("SELECT 1 FROM clinic.merges WHERE (kept, merged) IN ((%s, %s), (%s, %s))",
                            (kept, merged, merged, kept)).fetchone()
        if done is not None:
            raise ValidationError("merge", tr("These two registrations were merged already."))
        merge_id = str(uuid.uuid4())
        conn.execute("INSERT INTO clinic.merges (id, kept, merged, author, device, local_time) "
                     "VALUES (%s, %s, %s, %s, %s, %s)", (merge_id, kept, merged, author, device, at))
    return merge_id


def merges_since(conn: Any, since: str) -> list[tuple[str, str]]:
    """(kept, merged) of the merges recorded since snapshot ``since`` (see pull.fetch)."""
    return [(str(k), str(m)) for k, m in conn.execute(
        "SELECT kept::text, merged::text FROM clinic.merges WHERE xid >= %s::xid8 ORDER BY xid", (since,)).fetchall()]
