"""Follow-ups of side effects, filed beside the session they concern.

The record itself goes into the session's day file (table ``followups``), next to the
session and its amendments; a copy goes into the month's index file (table ``followups``)
so the course and the dashboard can count follow-ups without opening month files.

The checks are :func:`microneedle_desk.core.followup.make_followup`'s; this module only
finds the files through the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

from tinydb import Query

from microneedle_desk.core.followup import make_followup
from microneedle_desk.core.record_types import FollowupDoc, FollowupIndexRow
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.i18n import tr
from microneedle_desk.store.store import ReadOnlyError, Store, StoreError

TABLE: Final = "followups"


def add_followup(store: Store, session_id: str, *, on: object, none: bool, what: object = "",
                 severity: object = "", note: object = "", by: object) -> FollowupDoc:
    """Check and file a follow-up of the finished session ``session_id``; returns the record."""
    if store.read_only:
        raise ReadOnlyError(tr("This copy of the app is read-only: another copy holds the data."))
    doc = store.session_doc(session_id)
    if doc is None:
        raise StoreError(tr("There is no such session."))
    state = store.session_state(session_id)
    assert state is not None
    record = make_followup(state, on=on, none=none, what=what, severity=severity, note=note, by=by,
                           now=store.clock.now(), device=store.device, protocol=store.protocol)
    store.filed_table(state, TABLE).insert(record)
    store.add_index_record(state, TABLE, _index_row(record, state))
    return record


def _index_row(record: FollowupDoc, state: SessionState) -> FollowupIndexRow:
    return {**record, "patient_id": state.patient_id, "needle_mm": (
        float(state.needle_mm) if state.needle_mm is not None else None)}


def followups(store: Store, session_id: str) -> list[FollowupDoc]:
    """A session's follow-ups, in the order of the day checked, then of entry."""
    state = store.session_state(session_id)
    if state is None or state.started is None or state.status == "in_progress":
        return []
    table = store.filed_table(state, TABLE)
    found = [cast(FollowupDoc, dict(d)) for d in table.search(Query().session_id == session_id)]
    return sorted(found, key=lambda d: (d["on"], d["at"]))


def all_followups(store: Store) -> list[FollowupIndexRow]:
    """Every follow-up (index copies, with patient_id and needle_mm), oldest first."""
    rows = [r.copy() for r in store.index_records(TABLE)]
    return sorted(rows, key=lambda d: (d["on"], d["at"]))


def patient_followups(store: Store, patient_ids: set[str]) -> list[FollowupIndexRow]:
    """The follow-ups of these patients' sessions (index copies), oldest first."""
    rows = [r.copy() for r in store.patient_index_records(patient_ids, TABLE)]
    return sorted(rows, key=lambda d: (d["on"], d["at"]))


def by_session(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Follow-ups (this laptop's index copies, or as pulled or read from the clinic server) by session."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        out.setdefault(str(row["session_id"]), []).append(row)
    return out
