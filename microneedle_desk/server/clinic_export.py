"""The app's export of the whole clinic: chosen rows of every room, written from the server.

The rows (history rows from :meth:`ClinicRecords.summaries`, of one room or all) are written
as CSV, JSON or a FHIR R4B bundle by the same code as a data folder's export, with the
server's records answering what a store would (practitioners' names, the pseudonym secret,
each session's events). No Qt here: the app runs it in a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.review import export, fhir, fhir_source
from microneedle_desk.server import schema
from microneedle_desk.server.connection import connect
from microneedle_desk.server.reading import ClinicRecords


def export_clinic(dsn: str, protocol: Protocol, rows: Sequence[Mapping[str, Any]], kind: str, days: tuple[date, date],
                  deidentify: bool, path: str, now: str, clinic_name: str = "") -> int:
    """Write the ``rows`` from ``days`` (first, last) as ``kind`` (csv, json, fhir) to ``path``;
    returns how many sessions were written. Raises ServerError, ExportError, OSError."""
    chosen = export.in_range(rows, *days)
    with connect(dsn) as conn:
        schema.require_current(conn)
        records: Any = ClinicRecords(conn, protocol)  # answers as a Store does
        if kind == "fhir":
            setup = fhir_source.store_setup(records, protocol, now, deidentify, clinic_name)
            signed = fhir_source.select_rows(chosen, None, None)
            return fhir.write_bundle(path, fhir_source.store_records(records, signed), setup).sessions
        recs = export.records(records, chosen, deidentify)
        text = export.to_csv(recs, deidentify) if kind == "csv" else export.to_json(recs, deidentify, now)
        export.write_private(path, text)
        return len(recs)
