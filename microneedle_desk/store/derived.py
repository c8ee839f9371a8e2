"""What the history index should hold, derived again from the sealed records.

The index (``index/<month>.json``: one summary row per finished session, and copies of the
follow-ups) and each patient's last session (``index/patients/``) are derived data: quick to
read, never the record. The store notes the SHA-256 of every such file it writes (meta.json,
table ``derived``); a file whose content differs from that was changed behind the store's
back, and is derived again from the sealed records instead of being believed. The full
``check`` also compares every row with the record it summarizes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict, cast

from microneedle_desk import paths
from microneedle_desk.core.amendments import amended_state
from microneedle_desk.core.fold import replay
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import FollowupIndexRow
from microneedle_desk.core.session_state import SessionState
from microneedle_desk.core.summary import SessionRow, summarize
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store.storage import BadFileError, json_file_names, read_json_file
from microneedle_desk.store.upgrade import as_current

DERIVED_TABLE = "derived"

# Row fields that say where the row came from rather than what the session was.
ROW_BOOKKEEPING = ("hash", "file", "amended")


def file_digest(path: Path) -> str | None:
    """SHA-256 of the file's bytes; None when there is no such file."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def derived_files(root: Path) -> list[Path]:
    """Every derived file now in the folder: index months and their recent parts, the patients' last
    sessions, the Due list's."""
    due = paths.due_index_dir(root)  # the Due list's visit days and courses (store/visits.py, course_index.py)
    return [folder / name for folder in (paths.index_dir(root), paths.index_recent_dir(root),
                                         paths.patient_lasts_dir(root), due) for name in json_file_names(folder)]


def relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _replay(events: list[Any], protocol: Protocol) -> SessionState | None:
    try:
        return replay(events, protocol)
    except (ValidationError, TypeError, KeyError, ValueError):
        return None


class MonthTables(TypedDict):
    """A month file of the history index (``index/YYYY-MM.json``), table by table (TinyDB's
    layout: document number -> document)."""

    summaries: dict[str, SessionRow]
    followups: dict[str, FollowupIndexRow]


def month_from_records(root: Path, month: str, protocol: Protocol) -> MonthTables:
    """The index file of ``month`` (``YYYY-MM``) as the records say it should be, in the
    store's file layout: ``{"summaries": {...}, "followups": {...}}``."""
    rows: list[SessionRow] = []
    followups: list[FollowupIndexRow] = []
    folder = paths.sessions_dir(root)
    for name in json_file_names(folder):
        if not name.startswith(month + "-"):
            continue
        try:
            data = read_json_file(folder / name)
        except BadFileError:
            continue  # a damaged day file is the check's to report; its rows cannot be derived
        if not isinstance(data, dict):
            continue
        amendments = sorted((a for a in data.get("amendments", {}).values() if isinstance(a, dict)),
                            key=lambda a: int(a.get("chain", {}).get("seq", 0)))
        states: dict[str, SessionState] = {}
        for doc in data.get("sessions", {}).values():
            if not isinstance(doc, dict):
                continue
            state = _replay(as_current(doc).get("events", []), protocol)
            if state is None or state.id != doc.get("id"):
                continue
            own = [as_current(a) for a in amendments if a.get("session_id") == state.id]
            current = amended_state(state, own) if own else state
            states[state.id] = current
            row = summarize(current, protocol)
            row["hash"], row["file"] = doc.get("hash", ""), name.removesuffix(".json")
            if own:
                row["amended"] = len(own)
            rows.append(row)
        for record in data.get("followups", {}).values():
            state_for = states.get(str(record.get("session_id"))) if isinstance(record, dict) else None
            if state_for is None:
                continue
            followups.append(cast(FollowupIndexRow, {**record, "patient_id": state_for.patient_id, "needle_mm": (
                float(state_for.needle_mm) if state_for.needle_mm is not None else None)}))
    # As the store writes and reads them (JSON), so they compare equal to rows read from disk.
    shaped = {"summaries": {str(i + 1): row for i, row in enumerate(rows)},
              "followups": {str(i + 1): doc for i, doc in enumerate(followups)}}
    result: MonthTables = json.loads(json.dumps(shaped))
    return result


def row_differences(stored: Mapping[str, object], derived: Mapping[str, object]) -> list[str]:
    """The fields in which a stored index row differs from the one derived from the record."""
    keys = (set(stored) | set(derived)) - set(ROW_BOOKKEEPING)
    return sorted(k for k in keys if stored.get(k) != derived.get(k))
