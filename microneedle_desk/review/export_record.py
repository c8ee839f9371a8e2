"""One session as an export (CSV or JSON) writes it: the history row's fields in a fixed order,
the practitioner's name instead of their id, and the photos as references.
"""

# No `from __future__ import annotations`: NotRequired must be seen at runtime, where
# __required_keys__/__optional_keys__ are computed (the fields de-identification drops).
from typing import NotRequired, TypedDict


class ExportRecord(TypedDict):
    """An exported session; a de-identified export lacks the ``NotRequired`` fields and names the
    patient by a pseudonym."""

    id: str
    status: str
    started_at: str
    signed_at: str
    patient_id: str
    patient_name: NotRequired[str]
    clinic_id: NotRequired[str]
    dob: NotRequired[str]
    practitioner: str  # the name the account had
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
    side_effects: list[str]
    none_observed: bool
    overrides: list[str]
    cartridge_lot: str
    zones: list[str]
    next_session: str
    abandon_reason: NotRequired[str]  # free text that may name someone
    photos: NotRequired[list[str]]  # "view:stored file:SHA-256"; a photo may show a face


FIELDS: tuple[str, ...] = tuple(ExportRecord.__annotations__)
"""The columns of an export, in order."""
IDENTIFYING: tuple[str, ...] = tuple(k for k in FIELDS if k in ExportRecord.__optional_keys__)
"""Dropped by de-identification."""
