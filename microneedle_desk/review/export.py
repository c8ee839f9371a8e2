"""Export of session summaries (CSV or JSON), de-identification and cartridge-lot recall.

Qt-free apart from what the store needs. Rows come from :meth:`Store.summaries` (finished
sessions, amendments applied). A de-identified export drops names, dates of birth, clinic
IDs and free text that may name someone, and replaces the patient with a pseudonym:
``P-`` + the first 12 hex digits of HMAC-SHA256(per-store secret, patient UUID). The same
patient gets the same pseudonym in every export from the same store; without the secret
(kept in the store's meta record) the pseudonym cannot be traced back.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from microneedle_desk.core.photos import PHOTO_PREFIX
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.summary import AnyRow
from microneedle_desk.i18n import tr
from microneedle_desk.review.export_record import FIELDS, IDENTIFYING, ExportRecord
from microneedle_desk.store.folder import refuse_unsafe_output
from microneedle_desk.store.store import Store, StoreError

LIST_FIELDS = ("side_effects", "overrides", "zones", "photos")
NUMBER_FIELDS = ("needle_mm", "dwell_planned_min", "dwell_actual_s", "needling_planned_min",
                 "needling_actual_s", "prp_ml")
SECRET_KEY = "pseudonym_secret"
T = TypeVar("T")


class ExportError(Exception):
    pass


def pseudonym_secret(store: Store, create: bool = True) -> bytes:
    """The store's secret for pseudonyms, made (and kept in the meta record) on first use."""
    known = store.meta_value(SECRET_KEY)
    if known:
        return bytes.fromhex(str(known))
    if store.read_only or not create:
        raise ExportError(tr("This store has no pseudonym secret yet, and it is open read-only (the app holds "
                             "it, or the folder is read-only). Run the de-identified export from the app, or "
                             "with the app closed, as the folder's owner."))
    secret = secrets.token_bytes(32)
    store.set_meta_value(SECRET_KEY, secret.hex())
    return secret


def pseudonym(secret: bytes, patient_id: str) -> str:
    return "P-" + hmac.new(secret, patient_id.encode(), hashlib.sha256).hexdigest()[:12]


def in_range(rows: Iterable[AnyRow], date_from: date | None, date_to: date | None) -> list[AnyRow]:
    """Rows whose session started on a day from ``date_from`` to ``date_to`` (both included)."""
    return list(in_range_each(rows, date_from, date_to))


def in_range_each(rows: Iterable[AnyRow], date_from: date | None, date_to: date | None) -> Iterator[AnyRow]:
    """:func:`in_range`, one row at a time as they are asked for."""
    low = date_from.isoformat() if date_from else ""
    high = date_to.isoformat() if date_to else "9999"
    return (r for r in rows if low <= str(r.get("started_at", ""))[:10] <= high)


def records(store: Store, rows: Iterable[Mapping[str, Any]], deidentify: bool = False) -> list[ExportRecord]:
    """Export records (JSON values, in :data:`FIELDS` order), oldest session first."""
    names = {p.id: p.name for p in store.practitioners(include_inactive=True)}
    secret = pseudonym_secret(store) if deidentify else b""
    out: list[ExportRecord] = []
    for row in sorted(rows, key=lambda r: str(r.get("started_at", ""))):
        rec: dict[str, object] = {}
        for key in FIELDS:
            if key == "practitioner":
                rec[key] = names.get(str(row.get("practitioner_id")), "")
            elif key == "photos":
                rec[key] = [] if deidentify else photo_refs(store, row)
            elif key in LIST_FIELDS:
                rec[key] = list(row.get(key) or [])
            else:
                rec[key] = row.get(key)
        if deidentify:
            for key in IDENTIFYING:
                del rec[key]
            rec["patient_id"] = pseudonym(secret, str(row.get("patient_id")))
        out.append(cast(ExportRecord, rec))  # FIELDS are ExportRecord's keys
    return out


def photo_refs(store: Store, row: Mapping[str, Any]) -> list[str]:
    """The session's photos as ``view:stored file:SHA-256`` (the copies are in the data folder's
    ``photos/``), the ones amended in after signing too. Read from the events without replaying
    them: an export of every session stays one read of each day file."""
    doc = store.session_doc(str(row.get("id")), str(row["file"]) if row.get("file") else None)
    found: list[Mapping[str, object]] = [
        photo for e in (doc["events"] if doc else []) if isinstance(e, dict) and e.get("type") == "photo_added"
        and isinstance(e.get("data"), dict) and isinstance(photo := e["data"].get("photo"), dict)]
    if row.get("amended"):
        found += [new for a in store.amendments(str(row.get("id")))
                  if str(a.get("field", "")).startswith(PHOTO_PREFIX) and isinstance(new := a.get("new"), dict)]
    return [f"{p.get('view')}:{p.get('file')}:{p.get('sha256')}" for p in found]


def to_csv(recs: Sequence[Mapping[str, object]], deidentify: bool = False) -> str:
    fields = [f for f in FIELDS if not (deidentify and f in IDENTIFYING)]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for rec in recs:
        writer.writerow({k: _csv_value(rec.get(k)) for k in fields})
    return buf.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def from_csv(text: str) -> list[JsonObject]:
    """Read an export CSV back into records with JSON values (the inverse of :func:`to_csv`): as
    read, not checked (a cell left empty reads as None)."""
    out = []
    for raw in csv.DictReader(io.StringIO(text)):
        rec: JsonObject = {}
        for key, value in raw.items():
            if key in LIST_FIELDS:
                rec[key] = value.split(";") if value else []
            elif key in NUMBER_FIELDS:
                rec[key] = None if value == "" else (int(value) if value.lstrip("-").isdigit() else float(value))
            elif key == "none_observed":
                rec[key] = value == "yes"
            else:
                rec[key] = value if value != "" else None
        out.append(rec)
    return out


def to_json(recs: Sequence[Mapping[str, object]], deidentify: bool, generated_at: str) -> str:
    doc = {"schema": 1, "kind": "session_export", "generated_at": generated_at,
           "deidentified": deidentify, "count": len(recs), "sessions": recs}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def write_private(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only, replacing it whole or not at all.

    Raises UnsafeOutput (an OSError) when ``path`` is a device, a pipe, a link or a folder:
    the rename that replaces the file would put a plain file in its place."""
    write_private_with(path, lambda f: f.write(text))


def write_private_with(path: str | os.PathLike[str], write: Callable[[IO[str]], T]) -> T:
    """Like :func:`write_private`, with ``write(file)`` writing the text as it is made (an export
    too large to hold as one text); returns what ``write`` returns."""
    refuse_unsafe_output(path)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            result = write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result


# -- lot recall ------------------------------------------------------------------------
def lot_recall(rows: Iterable[AnyRow], lot: str) -> list[AnyRow]:
    """Sessions that used cartridge lot ``lot`` (case and surrounding spaces ignored), oldest first."""
    wanted = lot.strip().casefold()
    if not wanted:
        raise StoreError(tr("Give the cartridge lot number to look for."))
    hits = [r for r in rows if str(r.get("cartridge_lot") or "").strip().casefold() == wanted]
    return sorted(hits, key=lambda r: str(r.get("started_at", "")))


def recall_text(hits: Sequence[Mapping[str, Any]], lot: str) -> str:
    """The recall list for people: one block per patient, their sessions below."""
    if not hits:
        return tr("No session used cartridge lot {lot}.\n").format(lot=lot)
    patients: dict[str, list[Mapping[str, Any]]] = {}
    for row in hits:
        patients.setdefault(str(row.get("patient_id")), []).append(row)
    lines = [tr("Cartridge lot {lot}: {patients} patient(s), {sessions} session(s).").format(
        lot=lot, patients=len(patients), sessions=len(hits)), ""]
    for rows in sorted(patients.values(), key=lambda rs: str(rs[0].get("patient_name", "")).casefold()):
        first = rows[0]
        lines.append(tr("{name}  (clinic ID {clinic_id}, born {dob})").format(
            name=first.get("patient_name", ""), clinic_id=first.get("clinic_id", ""), dob=first.get("dob", "")))
        for row in rows:
            lines.append(f"    {str(row.get('started_at', ''))[:16].replace('T', ' ')}  "
                         f"session {row.get('id')}  {row.get('status')}")
    return "\n".join(lines) + "\n"


def recall_csv(hits: Sequence[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["patient_name", "clinic_id", "dob", "patient_id", "session_id", "started_at",
                     "status", "cartridge_lot"])
    for r in hits:
        writer.writerow([r.get("patient_name", ""), r.get("clinic_id", ""), r.get("dob", ""),
                         r.get("patient_id", ""), r.get("id", ""), r.get("started_at", ""),
                         r.get("status", ""), r.get("cartridge_lot", "")])
    return buf.getvalue()
