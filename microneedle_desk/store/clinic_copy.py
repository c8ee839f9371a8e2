"""Other rooms' sessions, as pulled from the clinic server: one history row per session.

Kept apart from this laptop's own records (``clinic/sessions-<xx>.json`` beside ``sessions/``):
this laptop's hash chain holds what was made here, and a pulled session never enters it.
A pulled session lands here only through the same rules as one made here: its events are
replayed under the protocol (a record the rules refuse is not kept), its amendments
applied, and its row made by the same summary as the history's own. The course view, the
"last time" needle length and the session count read these rows beside the laptop's own.

It is a copy of what the server holds, never the only copy: removing the folder (and the
sync cursor) makes the next sync pull it again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

from microneedle_desk import paths
from microneedle_desk.core.amendments import amended_state
from microneedle_desk.core.fold import replay
from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import FollowupIndexRow, JsonObject
from microneedle_desk.core.records import is_uuid
from microneedle_desk.core.summary import SessionRow, summarize
from microneedle_desk.core.validation import ValidationError
from microneedle_desk.store.storage import BadFileError, dumps, read_json_file, write_atomic

MERGES_FILE = "merges.json"  # merged patient id -> the kept one's
FOLLOWUPS_FILE = "followups.json"  # other rooms' follow-ups, by id


class ClinicCopy:
    """The pulled rows of one data folder."""

    def __init__(self, root: Path, protocol: Protocol) -> None:
        self.folder = paths.clinic_copy_dir(root)
        self.protocol = protocol
        self._shards: dict[str, dict[str, SessionRow]] = {}  # shard -> session id -> row
        self._merged: dict[str, str] | None = None
        self._followups: list[FollowupIndexRow] | None = None

    @staticmethod
    def shard_of(patient_id: str) -> str:
        """Rows are filed by their patient's id (its first two hex digits): the course and the
        "last time" needle length read one small file, however many sessions the clinic has."""
        head = patient_id[:2].lower()
        return head if len(head) == 2 and all(c in "0123456789abcdef" for c in head) else "xx"

    def _shard_file(self, shard: str) -> Path:
        return self.folder / f"sessions-{shard}.json"

    def _shard(self, shard: str) -> dict[str, SessionRow]:
        rows = self._shards.get(shard)
        if rows is None:
            path = self._shard_file(shard)
            try:
                data = read_json_file(path) if path.exists() else {}
            except BadFileError:
                data = {}  # a damaged copy: the next sync from scratch brings it again
            table = data.get("summaries") if isinstance(data, dict) else None
            # rows this laptop made with summarize() as it landed them (a damaged file reads as none)
            rows = ({str(k): cast(SessionRow, v) for k, v in table.items() if isinstance(v, dict)}
                    if isinstance(table, dict) else {})
            self._shards[shard] = rows
        return rows

    def rows(self) -> list[SessionRow]:
        """Every pulled row, of every patient (shared: read, never change)."""
        if not self.folder.exists():
            return []
        shards = sorted(p.name[len("sessions-"):-len(".json")] for p in self.folder.glob("sessions-*.json"))
        return [r for shard in shards for r in self._shard(shard).values()]

    def patient_rows(self, patient_id: str) -> list[SessionRow]:
        """The pulled rows of one patient (shared: read, never change)."""
        if not self.folder.exists():
            return []
        return [r for r in self._shard(self.shard_of(patient_id)).values() if r.get("patient_id") == patient_id]

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
    def followups(self) -> list[FollowupIndexRow]:
        """Pulled follow-ups, as the index keeps its own (with the session's patient and needle)."""
        if self._followups is None:
            path = self.folder / FOLLOWUPS_FILE
            try:
                data = read_json_file(path) if path.exists() else {}
            except BadFileError:
                data = {}
            table = data.get("followups") if isinstance(data, dict) else None
            kept = [d for d in table.values() if isinstance(d, dict)] if isinstance(table, dict) else []
            self._followups = cast(list[FollowupIndexRow], kept)  # checked when noted
        return self._followups

    def note_followups(self, docs: Sequence[Mapping[str, object]]) -> int:
        """Keep pulled follow-ups (checked for shape: a follow-up names its session and day). Returns
        how many were new."""
        known = {str(d.get("id")): d for d in self.followups()}
        new = [cast(FollowupIndexRow, d) for d in docs if is_uuid(d.get("id")) and is_uuid(d.get("session_id"))
               and isinstance(d.get("on"), str) and str(d["id"]) not in known]
        if new:
            known.update({str(d["id"]): d for d in new})
            write_atomic(self.folder / FOLLOWUPS_FILE, dumps({"followups": known}))
            self._followups = list(known.values())
        return len(new)

    def land(self, rows: list[SessionRow]) -> int:
        """File rows made by :func:`pulled_rows`; returns how many were new or changed. Each
        patient-shard file is written once per call."""
        by_shard: dict[str, dict[str, SessionRow]] = {}
        for row in rows:
            by_shard.setdefault(self.shard_of(str(row["patient_id"])), {})[str(row["id"])] = row
        new = 0
        for shard, given in by_shard.items():
            current = dict(self._shard(shard))
            new += sum(1 for sid, row in given.items() if current.get(sid) != row)
            current.update(given)
            write_atomic(self._shard_file(shard), dumps({"summaries": current}))
            self._shards[shard] = current
        return new


def pulled_rows(sessions: list[tuple[JsonObject, list[JsonObject], str]], protocol: Protocol
                ) -> tuple[list[SessionRow], int]:
    """History rows of pulled sessions ``(session doc, its amendments, room name)``, and how many
    were refused: each session's events replayed under the rules (as a session made here), its
    amendments applied. Pure work, no file: the app runs it off the window's thread."""
    rows: list[SessionRow] = []
    refused = 0
    for doc, amendments, room in sessions:
        try:
            state = replay(list(doc.get("events") or []), protocol)
            if state.started is None or state.status != doc.get("status") or state.id != doc.get("id"):
                raise ValidationError("session", "the record does not match its events.")
            ordered = sorted(amendments, key=lambda a: int(a.get("chain", {}).get("seq", 0)))
            row = summarize(amended_state(state, ordered) if ordered else state, protocol)
        except (ValidationError, KeyError, TypeError, ValueError):
            refused += 1  # the server's own check quarantines such records; this guards the laptop
            continue
        row["room"] = room
        if ordered:
            row["amended"] = len(ordered)
        rows.append(row)
    return rows, refused
