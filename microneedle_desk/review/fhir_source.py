"""What the FHIR export reads: signed sessions as records, from any source.

The bundle writer (review/fhir.py) takes an iterable of :class:`SessionRecord` and an
:class:`ExportSetup`; it never opens a store itself. :func:`store_records` is the source for a
data folder: the same history rows the CSV/JSON export reads (:meth:`Store.summaries`, the same
date filter), each session replayed from its day file with its amendments
(:meth:`Store.finished_records`), one day file at a time. Another source (a clinic server, say)
only has to yield the same records.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from microneedle_desk.core.amendments import amended_state
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import AmendmentDoc
from microneedle_desk.core.records import Patient
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.summary import AnyRow
from microneedle_desk.review import export
from microneedle_desk.store.store import Store

SYSTEM_NAMESPACE = uuid.UUID("6f1c0f55-2a43-5b4e-9a52-6d3c1f0b8e27")
"""Fixed namespace of the UUIDv5 identifier systems made from a store's UUID (see :func:`clinic_systems`)."""


@dataclass(frozen=True)
class SessionRecord:
    """One signed session as the export maps it."""

    row: Mapping[str, Any]  # the history row (summary): this laptop's SessionRow or the server's
    signed: SessionState  # as signed
    amendments: list[AmendmentDoc]  # oldest first
    patient: Patient | None  # the patient's current record (None: the snapshot in the session is used)

    @property
    def state(self) -> SessionState:
        """The session with every amendment applied: the values in force."""
        return amended_state(self.signed, self.amendments) if self.amendments else self.signed


@dataclass
class ExportSetup:
    """Everything about an export that is not a session."""

    protocol: Protocol
    generated_at: str  # ISO date-time with UTC offset
    bundle_id: str
    patient_system: str  # identifier system of the clinic's patient IDs
    pseudonym_system: str  # identifier system of the pseudonyms (de-identified exports)
    clinic_name: str = ""
    practitioners: dict[str, str] = field(default_factory=dict)  # account id -> name
    deidentify: bool = False
    secret: bytes = b""  # the store's pseudonym secret (de-identified exports)


def clinic_systems(store_uuid: str) -> tuple[str, str]:
    """The identifier systems for a clinic's patient IDs and for its pseudonyms.

    ``urn:uuid:`` + UUIDv5(:data:`SYSTEM_NAMESPACE`, "patient-id:" or "pseudonym:" + the
    store's UUID). The store's UUID is made once, when the clinic's data folder is first set
    up, and never changes (renaming the clinic does not change it), so every export of one
    clinic names its patient IDs the same way, and two clinics never share a system."""
    return (f"urn:uuid:{uuid.uuid5(SYSTEM_NAMESPACE, 'patient-id:' + store_uuid)}",
            f"urn:uuid:{uuid.uuid5(SYSTEM_NAMESPACE, 'pseudonym:' + store_uuid)}")




def select_rows(rows: Iterable[AnyRow], date_from: date | None, date_to: date | None,
                patient_id: str | None = None) -> list[AnyRow]:
    """Signed sessions in the date range (and of one patient when given), oldest first."""
    chosen = [r for r in export.in_range(rows, date_from, date_to) if r.get("status") == "signed"
              and (patient_id is None or r.get("patient_id") == patient_id)]
    return sorted(chosen, key=lambda r: str(r.get("started_at", "")))


def find_patient(store: Store, wanted: str) -> Patient | None:
    """The patient whose clinic patient ID (case ignored) or UUID is ``wanted``."""
    text = wanted.strip().casefold()
    for patient in store.patients():
        if patient.id == wanted.strip() or patient.clinic_id.casefold() == text:
            return patient
    return None


def store_setup(store: Store, protocol: Protocol, generated_at: str, deidentify: bool,
                clinic_name: str = "") -> ExportSetup:
    patient_system, pseudonym_system = clinic_systems(store.device)
    return ExportSetup(
        protocol=protocol, generated_at=generated_at, bundle_id=str(uuid.uuid4()),
        patient_system=patient_system, pseudonym_system=pseudonym_system, clinic_name=clinic_name,
        practitioners={p.id: p.name for p in store.practitioners(include_inactive=True)},
        deidentify=deidentify, secret=export.pseudonym_secret(store) if deidentify else b"")


def store_records(store: Store, rows: Sequence[Mapping[str, Any]]) -> Iterator[SessionRecord]:
    """The sessions of ``rows`` (from :func:`select_rows`), read from the data folder."""
    patients = {p.id: p for p in store.patients()}
    for row, signed, amendments in store.finished_records(rows):
        yield SessionRecord(row, signed, amendments, patients.get(signed.patient_id))


def month_records(store: Store, date_from: date | None, date_to: date | None,
                  patient_id: str | None = None) -> Iterator[SessionRecord]:
    """The signed sessions in the range (of one patient when given), oldest first, read from the
    data folder one month of history rows at a time: however long the history, an export holds
    one month of rows and one day of sessions."""
    low = date_from.isoformat()[:7] if date_from else ""
    high = date_to.isoformat()[:7] if date_to else "9999"
    patients = {p.id: p for p in store.patients()}
    for month in reversed(store.index_months()):
        if low <= month <= high:
            rows = select_rows(store.month_rows_once(month), date_from, date_to, patient_id)
            for row, signed, amendments in store.finished_records(rows):
                yield SessionRecord(row, signed, amendments, patients.get(signed.patient_id))
