"""A month of the history index in two parts, so that filing a session rewrites a small file.

``index/<month>.json`` holds the month's rows as last written whole; ``index/recent/<month>.json``
holds the rows filed or amended since (and the follow-ups' copies), in the same table layout.
A reader takes the month file's rows in their order, each replaced by its newer version from
the recent part (same session id), then the recent part's rows new to the month: the month as
one file would hold it. Once the recent part holds RECENT_ROWS records, the two are written
back as one month file and the recent part is removed (:func:`compact`), so a sign-off's
write does not grow with the sessions a month holds, and the recent part stays small.

A crash between writing the month file whole and removing the recent part leaves the same
rows in both: folding gives the same month. Both parts are derived data with their digests
noted like every index file (store/derived.py); a damaged or missing part is derived again.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from microneedle_desk import paths
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.store.storage import BadFileError, dumps, json_file_names, read_json_file, write_atomic

RECENT_ROWS = 64
"""Records in a month's recent part at which it is folded into the month file."""

Tables = Mapping[str, Mapping[str, Any]]  # a TinyDB file as stored: table -> doc id -> record


def fold(base: Tables | None, recent: Tables | None) -> dict[str, list[JsonObject]]:
    """The month's tables as one file would hold them (the records are those given, not copies)."""
    out: dict[str, list[JsonObject]] = {name: list(records.values()) for name, records in (base or {}).items()}
    for name, records in (recent or {}).items():
        rows = out.setdefault(name, [])
        place = {row.get("id"): i for i, row in enumerate(rows) if row.get("id") is not None}
        for row in records.values():
            key = row.get("id")
            at = place.get(key) if key is not None else None
            if at is None:
                if key is not None:
                    place[key] = len(rows)
                rows.append(row)
            else:
                rows[at] = row
    return out


def as_file(tables: Mapping[str, list[JsonObject]]) -> dict[str, dict[str, JsonObject]]:
    """Tables of records in TinyDB's file layout (doc ids from 1)."""
    return {name: {str(i + 1): row for i, row in enumerate(rows)} for name, rows in tables.items() if rows}


def index_months(root: Path) -> list[str]:
    """The months (``YYYY-MM``) that have history rows in either part, newest first."""
    names = set(json_file_names(paths.index_dir(root))) | set(json_file_names(paths.index_recent_dir(root)))
    return [name.removesuffix(".json") for name in sorted(names, reverse=True)]


def month_of(rel: str) -> str | None:
    """The month of an index part named by its path in the data folder, None for another file."""
    index = paths.index_dir(Path()).name
    for folder in (index, f"{index}/{paths.index_recent_dir(Path()).name}"):
        if rel.startswith(folder + "/") and rel.count("/") == folder.count("/") + 1:
            return Path(rel).stem
    return None


def recent_ids(root: Path, month: str) -> set[str]:
    """The session ids of a month's recent part (their rows in the month file are older versions)."""
    path = paths.index_recent_file(root, month)
    try:
        data = read_json_file(path) if path.exists() else {}
    except BadFileError:
        return set()
    summaries = data.get("summaries") if isinstance(data, dict) else None
    if not isinstance(summaries, dict):
        return set()
    return {str(r.get("id")) for r in summaries.values() if isinstance(r, dict)}


def compact(root: Path, month: str) -> list[Path]:
    """Write the month's two parts back as one month file and remove the recent part.

    Returns the files changed (for their digests); none when a part cannot be read (the check
    reports it, and the month is derived again from the records)."""
    base, recent = paths.index_file(root, month), paths.index_recent_file(root, month)
    try:
        tables = fold(read_json_file(base) if base.exists() else None,
                      read_json_file(recent) if recent.exists() else None)
    except BadFileError:
        return []
    write_atomic(base, dumps(as_file(tables)), sync=False)  # derived data (see write_atomic)
    recent.unlink(missing_ok=True)
    return [base, recent]
