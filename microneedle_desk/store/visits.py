"""Each patient's signed session days, for the Due list: ``index/due/visits.json``.

Derived from the history index, month by month, and kept per month with what it was derived
from: the month file's size and modification time and the digest the store noted when it wrote
it. A month whose file changed in any of these is derived again on the next read; a cache file
that cannot be read is derived again whole. So the list never trusts the cache over the index,
and a year of unchanged months costs one small file read instead of the whole history.

A read-only copy (another copy holds the folder) derives in memory and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core.summary import SessionRow
from microneedle_desk.store.derived import relative
from microneedle_desk.store.storage import dumps, write_atomic
from microneedle_desk.store.store import Store

VERSION = 3
Row = list[Any]  # [patient id, day as a date ordinal, booked next day as an ordinal or 0]
Visit = list[int]  # [day, booked or 0, the month it came from (its place in "months")]


def _source(store: Store, month: str, digests: dict[str, str]) -> list[Any]:
    """What a month was derived from: its index file, and its recent part when it has one."""
    def stamp(path: Path) -> list[Any] | None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        return [st.st_size, st.st_mtime_ns, digests.get(relative(store.root, path), "")]

    recent = stamp(paths.index_recent_file(store.root, month))
    return (stamp(paths.index_file(store.root, month)) or [0, 0, ""]) + (recent or [])


def _ordinal(text: object) -> int:
    try:
        return date.fromisoformat(str(text or "")[:10]).toordinal()
    except ValueError:
        return 0


def _derive(store: Store, month: str) -> list[Row]:
    out = []
    for r in store.month_rows(month):
        if r.get("status") == "signed" and (day := _ordinal(r.get("started_at"))):
            out.append([str(r.get("patient_id")), day, _ordinal(r.get("next_session"))])
    return out


def visit_rows(store: Store) -> tuple[dict[str, list[Visit]], int]:
    """Each patient's signed sessions, oldest first, as [day, booked, month] (ordinals), and how
    many months were derived again. Kept by patient, so an unchanged history is read as it is;
    a month that changed is taken out of every patient and derived again."""
    path = paths.visits_index_file(store.root)
    digests = store.derived_digests()
    noted = digests.get(relative(store.root, path))
    sources: dict[str, list[Any]] = {}  # month -> what its index file was (compared, never read into)
    patients: dict[str, list[Visit]] = {}
    with suppress(OSError, ValueError, TypeError, KeyError):
        raw = path.read_bytes() if noted and path.exists() else b""
        # the file as the store last wrote it, or not at all (hashing it is cheaper than deriving)
        if raw and hashlib.sha256(raw).hexdigest() == noted:
            data = json.loads(raw)
            if data.get("version") == VERSION:
                sources, patients = dict(data["sources"]), dict(data["patients"])
    months = store.index_months()
    now = {month: _source(store, month, digests) for month in months}
    order = sorted(set(now) | set(sources))
    stale = {m for m in order if now.get(m) != sources.get(m)}
    if stale:
        known = sorted(sources)  # the month indexes the file was written with
        gone = {i for i, m in enumerate(known) if m in stale}
        place = {m: i for i, m in enumerate(sorted(now))}
        regrouped: dict[str, list[Visit]] = {}
        for pid, visits in patients.items():  # keep the unchanged months, renumbered
            kept = [[v[0], v[1], place[known[v[2]]]] for v in visits if v[2] not in gone]
            if kept:
                regrouped[pid] = kept
        for month in sorted(stale & set(now)):
            for pid, day, booked in _derive(store, month):
                regrouped.setdefault(pid, []).append([day, booked, place[month]])
        for visits in regrouped.values():
            visits.sort()
        patients, sources = regrouped, now
        if not store.read_only:
            with suppress(OSError):  # only a speed-up: the next read derives again
                write_atomic(path, dumps({"version": VERSION, "sources": sources, "patients": patients}))
                store.note_derived(path)
    return patients, len(stale & set(now))


def patient_rows(store: Store, patient_id: str, since: date | None = None) -> list[SessionRow]:
    """One patient's history rows, oldest first; with ``since``, only the months from then on.

    A course reads its own months only: the whole history index (every month of every patient)
    would be read for one patient at a session's start otherwise."""
    if since is None:
        return store.patient_summaries(patient_id)
    first = since.strftime("%Y-%m")
    rows = [r for month in store.index_months() if month >= first
            for r in store.month_rows(month) if r.get("patient_id") == patient_id]
    # other rooms' sessions of the patient, as pulled from the clinic server: a course counts them too
    rows += [r for pid in sorted(store.clinic_copy.aliases(patient_id)) for r in store.clinic_copy.patient_rows(pid)
             if str(r.get("started_at") or "")[:7] >= first]
    return sorted(rows, key=lambda r: str(r.get("started_at")))
