"""Schema versions: step-by-step upgrades of older stores, refusal of newer ones.

Every stored document carries ``"schema"``. A store older than :data:`SCHEMA_VERSION` is
upgraded one version at a time by the steps in :data:`STEPS`, after a backup is taken.
A store or document newer than this app is refused, with a message naming the app
version that is needed.

Signed sessions and amendments are never rewritten, not even by an upgrade: their hash
seals the content as it was signed. They keep the schema they were signed under and
:func:`as_current` upgrades them in memory when they are read. Only unsealed documents
(patients, practitioners, summaries, the meta record) are rewritten on disk.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

from microneedle_desk import __version__, paths
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.core.records import SCHEMA_VERSION
from microneedle_desk.i18n import tr
from microneedle_desk.store.storage import dumps, json_file_names, read_json_file, write_atomic

Step = Callable[[JsonObject], JsonObject]

STEPS: dict[int, Step] = {}
"""``STEPS[v]`` turns a document of schema ``v`` into one of schema ``v + 1``."""

FIRST_APP_VERSION: dict[int, str] = {1: "0.1.0"}
"""The first app version that writes each schema version (for the "install version X" message)."""

SEALED_TABLES = ("sessions", "amendments", "access")


def known(version: object, current: int = SCHEMA_VERSION, steps: dict[int, Step] | None = None) -> bool:
    """True when this app can read a document of ``version`` (directly or through upgrade steps)."""
    steps = STEPS if steps is None else steps
    if isinstance(version, bool) or not isinstance(version, int) or version < 1 or version > current:
        return False
    return all(v in steps for v in range(version, current))


def version_problem(version: object, written_by: str = "", current: int = SCHEMA_VERSION,
                    steps: dict[int, Step] | None = None) -> str | None:
    """None when ``version`` is readable; otherwise what is wrong, in an admin's words."""
    if known(version, current, steps):
        return None
    if isinstance(version, int) and not isinstance(version, bool) and version > current:
        needed = app_version_needed(version, written_by)
        install = (tr("microneedle-desk {version} or later").format(version=needed) if needed
                   else tr("a microneedle-desk newer than {version} (one that reads schema {schema})").format(
                       version=__version__, schema=version))
        return tr("it was written by a newer version of the app (schema {schema}); this is version {running}, "
                  "which reads schema {current}. Install {install} to open it.").format(
                      schema=version, running=__version__, current=current, install=install)
    return f"its schema version “{version}” is not one this app knows (it reads 1 to {current})."


def _version_key(text: str) -> tuple[int, ...] | None:
    parts = text.strip().split(".")
    return tuple(int(p) for p in parts) if parts and all(p.isdigit() for p in parts) else None


def app_version_needed(schema: int, written_by: str = "") -> str:
    """The first app version that reads ``schema``, or "" when it is not known here.

    ``written_by`` (the version the store says wrote it) is named only when it is newer
    than this app: a store keeps the version that created it, which an older app that
    upgraded it may not have changed, and naming this app's own version would send the
    person to install what they already have."""
    known_first = FIRST_APP_VERSION.get(schema)
    if known_first:
        return known_first
    mine, theirs = _version_key(__version__), _version_key(written_by)
    if mine is not None and theirs is not None and theirs > mine:
        return written_by.strip()
    return ""


def as_current(doc: JsonObject, current: int = SCHEMA_VERSION,
               steps: dict[int, Step] | None = None) -> JsonObject:
    """``doc`` upgraded in memory, step by step, to ``current``."""
    steps = STEPS if steps is None else steps
    out = copy.deepcopy(doc)
    version = int(out.get("schema", current))
    while version < current:
        out = steps[version](out)
        version += 1
        out["schema"] = version
    return out


def store_version(root: Path) -> int | None:
    meta = read_json_file(paths.meta_file(root))
    for record in meta.get("meta", {}).values():
        version = record.get("schema")
        return version if isinstance(version, int) else None
    return None


def needs_upgrade(root: Path, current: int = SCHEMA_VERSION) -> bool:
    if not paths.meta_file(root).exists():
        return False
    version = store_version(root)
    return version is not None and version < current


def upgrade_store(root: Path, backup: Callable[[str], Path], current: int = SCHEMA_VERSION,
                  steps: dict[int, Step] | None = None) -> list[str]:
    """Upgrade every unsealed document of an older store, with a backup taken first.

    ``backup(reason)`` takes the backup (see :mod:`microneedle_desk.store.backup`); if it
    fails, nothing is upgraded. Returns what was done, in plain words.
    """
    steps = STEPS if steps is None else steps
    version = store_version(root)
    if version is None or version >= current:
        return []
    problem = version_problem(version, current=current, steps=steps)
    if problem:
        raise ValueError(f"The store cannot be upgraded: {problem}")
    taken = backup("before-upgrade")
    done = [f"took a backup before the upgrade: {taken.name}"]
    files = sorted(p for p in root.rglob("*.json")
                   if paths.backups_dir(root) not in p.parents and paths.quarantine_dir(root) not in p.parents)
    # meta.json last: its version says the upgrade is complete
    files.sort(key=lambda p: p == paths.meta_file(root))
    for path in files:
        data = read_json_file(path)
        changed = False
        for table, records in data.items():
            if table in SEALED_TABLES:
                continue
            for key, doc in records.items():
                if isinstance(doc.get("schema"), int) and doc["schema"] < current:
                    records[key] = as_current(doc, current, steps)
                    if table == "meta":  # the version that reads the store now, for an older app's message
                        records[key]["app_version"] = __version__
                    changed = True
        if changed:
            write_atomic(path, dumps(data))
    done.append(f"upgraded the store from schema {version} to {current}")
    return done


# -- derived marks in the history index (no schema change) ----------------------------
AMENDED_MARKS = "amended_marks"
"""Meta-record flag: the history rows of amended sessions carry ``"amended"`` (a count)."""


def mark_amended_rows(root: Path) -> int:
    """Give the history row of every amended session its ``"amended"`` count, for stores
    written before :meth:`Store.amend` set it. Amendments live in the day files (table
    ``amendments``); a day file without one is skipped by a byte search before parsing.
    Returns how many rows were marked. Index rows are derived data, never sealed."""
    counts: dict[str, int] = {}
    folder = paths.sessions_dir(root)
    for name in json_file_names(folder):
        path = folder / name
        raw = path.read_bytes()
        if b'"amendments":{"' not in raw and b'"amendments": {"' not in raw:
            continue
        for doc in read_json_file(path).get("amendments", {}).values():
            sid = str(doc.get("session_id", ""))
            counts[sid] = counts.get(sid, 0) + 1
    marked = 0
    parts = [folder / name for folder in (paths.index_dir(root), paths.index_recent_dir(root))
             for name in json_file_names(folder)]
    for path in parts if counts else []:
        data = read_json_file(path)
        changed = False
        for row in data.get("summaries", {}).values():
            n = counts.get(str(row.get("id")), 0)
            if n and row.get("amended") != n:
                row["amended"] = n
                changed = True
                marked += 1
        if changed:
            write_atomic(path, dumps(data))
    return marked
