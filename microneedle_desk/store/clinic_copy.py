"""Other rooms' sessions, as pulled from the clinic server: one history row per session.

Kept apart from this laptop's own records (``clinic/YYYY-MM.json`` beside ``sessions/``):
this laptop's hash chain holds what was made here, and a pulled session never enters it.
A pulled session lands here only through the same rules as one made here: its events are
replayed under the protocol (a record the rules refuse is not kept), its amendments
applied, and its row made by the same summary as the history's own. The course view, the
"last time" needle length and the session count read these rows beside the laptop's own.

It is a copy of what the server holds, never the only copy: removing the folder (and the
sync cursor) makes the next sync pull it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core.amendments import amended_state
from microneedle_desk.core.fold import replay
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.records import is_uuid
from microneedle_desk.core.summary import summarize
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store.storage import BadFileError, dumps, json_file_names, read_json_file, write_atomic

MERGES_FILE = "merges.json"  # merged patient id -> the kept one's
FOLLOWUPS_FILE = "followups.json"  # other rooms' follow-ups, by id


class ClinicCopy:
    """The pulled rows of one data folder."""

    def __init__(self, root: Path, protocol: Protocol) -> None:
        self.folder = paths.clinic_copy_dir(root)
        self.protocol = protocol
        self._rows: dict[str, dict[str, Any]] | None = None
        self._by_patient: dict[str, list[dict[str, Any]]] = {}
        self._merged: dict[str, str] | None = None
        self._followups: list[dict[str, Any]] | None = None

    def _month_file(self, month: str) -> Path:
        return self.folder / f"{month}.json"

    def _read_month(self, month: str) -> dict[str, dict[str, Any]]:
        path = self._month_file(month)
        if not path.exists():
            return {}
        try:
            data = read_json_file(path)
        except BadFileError:
            return {}  # a damaged copy: the next sync from scratch brings it again
        rows = data.get("summaries") if isinstance(data, dict) else None
        return {str(k): v for k, v in rows.items() if isinstance(v, dict)} if isinstance(rows, dict) else {}

    def rows(self) -> dict[str, dict[str, Any]]:
        """Every pulled session's row by session id (shared: read, never change)."""
        if self._rows is None:
            rows: dict[str, dict[str, Any]] = {}
            by_patient: dict[str, list[dict[str, Any]]] = {}
            for name in json_file_names(self.folder):
                if name in (MERGES_FILE, FOLLOWUPS_FILE):
                    continue
                for sid, row in self._read_month(name.removesuffix(".json")).items():
                    rows[sid] = row
                    by_patient.setdefault(str(row.get("patient_id")), []).append(row)
            self._rows, self._by_patient = rows, by_patient
        return self._rows

    def patient_rows(self, patient_id: str) -> list[dict[str, Any]]:
        if not self.folder.exists():
            return []
        self.rows()
        return list(self._by_patient.get(patient_id, []))

    # -- one person registered twice, merged by the admin on the server -----------------------
    def _merges(self) -> dict[str, str]:
        if self._merged is None:
            path = self.folder / MERGES_FILE
            try:
                data = read_json_file(path) if path.exists() else {}
            except BadFileError:
                data = {}  # a damaged copy: the next sync from scratch brings it again
            table = data.get("merges") if isinstance(data, dict) else None
            self._merged = {str(k): str(v) for k, v in table.items()} if isinstance(table, dict) else {}
        return self._merged

    def aliases(self, patient_id: str) -> set[str]:
        """The patient and every registration merged with them (the same person)."""
        merges = self._merges()
        if not merges:
            return {patient_id}
        linked: dict[str, set[str]] = {}
        for merged, kept in merges.items():
            linked.setdefault(merged, set()).add(kept)
            linked.setdefault(kept, set()).add(merged)
        found, todo = {patient_id}, [patient_id]
        while todo:
            for other in linked.get(todo.pop(), set()) - found:
                found.add(other)
                todo.append(other)
        return found

    def note_merges(self, pairs: list[tuple[str, str]]) -> None:
        """Keep the merges pulled from the server: (kept, merged) pairs."""
        merges = dict(self._merges())
        merges.update({merged: kept for kept, merged in pairs})
        if merges != self._merges():
            write_atomic(self.folder / MERGES_FILE, dumps({"merges": merges}))
            self._merged = merges

    # -- follow-ups of other rooms' sessions ------------------------------------------------------
    def followups(self) -> list[dict[str, Any]]:
        """Pulled follow-ups, as the index keeps its own (with the session's patient and needle)."""
        if self._followups is None:
            path = self.folder / FOLLOWUPS_FILE
            try:
                data = read_json_file(path) if path.exists() else {}
            except BadFileError:
                data = {}
            table = data.get("followups") if isinstance(data, dict) else None
            self._followups = [d for d in table.values() if isinstance(d, dict)] if isinstance(table, dict) else []
        return self._followups

    def note_followups(self, docs: list[dict[str, Any]]) -> int:
        """Keep pulled follow-ups (checked for shape: a follow-up names its session and day). Returns
        how many were new."""
        known = {str(d.get("id")): d for d in self.followups()}
        new = [d for d in docs if is_uuid(d.get("id")) and is_uuid(d.get("session_id"))
               and isinstance(d.get("on"), str) and str(d["id"]) not in known]
        if new:
            known.update({str(d["id"]): d for d in new})
            write_atomic(self.folder / FOLLOWUPS_FILE, dumps({"followups": known}))
            self._followups = list(known.values())
        return len(new)

    def land(self, sessions: list[tuple[dict[str, Any], list[dict[str, Any]], str]]) -> tuple[int, int]:
        """File pulled sessions ``(session doc, its amendments, room name)``; returns (new or changed, refused).

        Each month's file is written once per call. A session whose events the rules refuse is
        refused here too (the server's check quarantines such records; this guards the laptop)."""
        by_month: dict[str, dict[str, dict[str, Any]]] = {}
        refused = 0
        for doc, amendments, room in sessions:
            try:
                state = replay(list(doc.get("events") or []), self.protocol)
                if state.started is None or state.status != doc.get("status") or state.id != doc.get("id"):
                    raise ValidationError("session", "the record does not match its events.")
                ordered = sorted(amendments, key=lambda a: int(a.get("chain", {}).get("seq", 0)))
                row = summarize(amended_state(state, ordered) if ordered else state, self.protocol)
            except (ValidationError, KeyError, TypeError, ValueError):
                refused += 1
                continue
            row["room"] = room
            if ordered:
                row["amended"] = len(ordered)
            by_month.setdefault(str(row["started_at"])[:7], {})[str(row["id"])] = row
        new = 0
        for month, rows in by_month.items():
            current = self._read_month(month)
            new += sum(1 for sid, row in rows.items() if current.get(sid) != row)
            current.update(rows)
            write_atomic(self._month_file(month), dumps({"summaries": current}))
        self._rows = None
        return new, refused
