"""One summary row per session: what the history table, export and dashboards read."""

# No `from __future__ import annotations`: NotRequired must be seen at runtime, where
# __required_keys__/__optional_keys__ are computed.
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict, TypeVar

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.session_state import SessionState


class SessionRow(TypedDict):
    """A session's history row, as :func:`summarize` makes it and the index keeps it."""

    schema: int
    kind: Literal["summary"]
    id: str
    status: str
    patient_id: str
    patient_name: str
    clinic_id: str
    dob: str
    practitioner_id: str
    signed_by: str
    device: str
    started_at: str
    signed_at: str
    indication: str
    scale: str
    grade: str
    needle_mm: float | None
    dwell_planned_min: int | None
    dwell_actual_s: float | None
    needling_planned_min: int | None
    needling_actual_s: float | None
    adjunct: str
    prp_ml: float | None
    minoxidil_resume_at: str
    side_effects: list[str]
    none_observed: bool
    overrides: list[str]
    cartridge_lot: str
    zones: list[str]
    next_session: str
    abandon_reason: str
    # what the index adds: the filed record's hash and day file, how many amendments it has
    hash: NotRequired[str]
    file: NotRequired[str]
    amended: NotRequired[int]
    # what the clinic server adds: the room (device) the session was run in
    room: NotRequired[str]
    room_device: NotRequired[str]


AnyRow = TypeVar("AnyRow", bound=Mapping[str, Any])
"""A history row as a reader takes it: this laptop's :class:`SessionRow`, or one the clinic
server answers with; a function that hands rows back keeps the caller's type."""


def summarize(state: SessionState, protocol: Protocol) -> SessionRow:
    assert state.started is not None
    dwell = state.actual_dwell_seconds()
    needling = state.actual_needling_seconds()
    resume = state.minoxidil_resume_at()
    return {
        "schema": 1,
        "kind": "summary",
        "id": state.id,
        "status": state.status,
        "patient_id": state.patient_id,
        "patient_name": state.patient_snapshot.get("name", ""),
        "clinic_id": state.patient_snapshot.get("clinic_id", ""),
        "dob": state.patient_snapshot.get("dob", ""),
        "practitioner_id": state.practitioner_id,
        "signed_by": state.signed_by,
        "device": state.device,
        "started_at": state.started.wall.isoformat(timespec="seconds"),
        "signed_at": state.signed_at,
        "indication": state.indication,
        "scale": state.scale,
        "grade": state.grade,
        "needle_mm": float(state.needle_mm) if state.needle_mm is not None else None,
        "dwell_planned_min": state.dwell_planned_min,
        "dwell_actual_s": round(dwell, 1) if dwell is not None else None,
        "needling_planned_min": state.needling_planned_min,
        "needling_actual_s": round(needling, 1) if needling is not None else None,
        "adjunct": state.adjunct,
        "prp_ml": float(state.prp_ml) if state.prp_ml is not None else None,
        "minoxidil_resume_at": resume.isoformat(timespec="minutes") if resume else "",
        "side_effects": sorted({se.kind for se in state.side_effects.values()}),
        "none_observed": state.none_observed,
        "overrides": ([f"screening:{i}" for i in state.override_items]
                      + (["early_needling"] if state.early_start_reason else [])),
        "cartridge_lot": state.cartridge_lot,
        "zones": sorted(state.zones),
        "next_session": state.next_session.isoformat() if state.next_session else "",
        "abandon_reason": state.abandon_reason,
    }
