"""The state of one store check and the reading every part of it shares: loading a file as
tables of records, the schema version and the fields a record must have, and the start-up
cache that lets an unchanged clean file's findings be reused.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from microneedle_desk.core.protocol import Protocol
from microneedle_desk.core.record_types import JsonObject
from microneedle_desk.store.check_problems import Problem
from microneedle_desk.store.storage import BadFileError, read_json_file
from microneedle_desk.store.upgrade import version_problem

HEX64 = re.compile(r"^[0-9a-f]{64}$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

TABLES = {
    "meta.json": ("meta", "chain", "derived"),
    "patients.json": ("patients", "practitioners", "accounts"),  # accounts: until moved (accounts_file.py)
    "accounts.json": ("accounts",),
    "active": ("events",),
    "sessions": ("sessions", "amendments", "followups"),
    "index": ("summaries", "followups"),
    "access": ("access",),
    "courses.json": ("events", "presets"),
}

# One link of the hash chain, as read: (seq, prev, hash, file relative to the data folder,
# label). Plain tuples: the start-up check makes one per signed record from its cache on a
# large store, where building an object per link was a cost of its own.
Entry = tuple[int, str, str, str, str]


class CachedFile(TypedDict):
    """What the start-up cache (``check_cache_file``, under ``files`` by the file's relative
    path) keeps of a file that passed: its size and modification time, the session ids it
    holds and its chain links, each ``[seq, prev, hash, label]``."""

    stamp: list[int]
    ids: list[str]
    chain: list[list[Any]]


@dataclass
class CheckState:
    """The state of one store check."""

    root: Path
    protocol: Protocol
    deep: bool
    problems: list[Problem] = field(default_factory=list)
    chain: list[Entry] = field(default_factory=list)
    written_by: str = ""
    session_ids: set[str] = field(default_factory=set)
    active_ids: set[str] = field(default_factory=set)
    months_unreadable: bool = False  # then chain and history cross-checks would only echo it
    # Start-up only: files unchanged (size, mtime) since a clean check reuse what it found.
    cache: dict[str, CachedFile] | None = None  # the cache file's entries (check.py reads version 1 only)
    new_cache: dict[str, CachedFile] = field(default_factory=dict)
    digests: dict[str, str] | None = None  # the derived files' SHA-256 as the store wrote them
    signed_from: int | None = None  # the first chain place whose sign-offs must be signed
    demo: bool = False  # demo data: sessions filed in bulk, never signed with a PIN
    restored: JsonObject | None = None
    _accounts: dict[str, JsonObject] | None = None

    # -- helpers --------------------------------------------------------------------
    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def add(self, path: Path, record: str, what: str) -> None:
        self.problems.append(Problem(self.rel(path), record, what))

    def load(self, path: Path, tables: tuple[str, ...]) -> dict[str, JsonObject] | None:
        try:
            data = read_json_file(path)
        except BadFileError as exc:
            self.add(path, "", exc.problem)
            return None
        if not isinstance(data, dict) or not all(
                isinstance(t, dict) and all(isinstance(r, dict) for r in t.values()) for t in data.values()):
            self.add(path, "", "the file is JSON but not shaped as tables of records (wrong top-level shape).")
            return None
        unknown = sorted(set(data) - set(tables))
        if unknown:
            self.add(path, "", f"it holds a table this app does not write ({', '.join(unknown)}); "
                               f"expected only {', '.join(tables)}.")
        return data

    def schema_ok(self, path: Path, label: str, doc: JsonObject) -> bool:
        if "schema" not in doc:
            self.add(path, label, "the record has no schema version.")
            return False
        problem = version_problem(doc["schema"], self.written_by)
        if problem:
            self.add(path, label, problem)
            return False
        return True

    def missing(self, path: Path, label: str, doc: JsonObject, keys: tuple[str, ...]) -> bool:
        lacking = [k for k in keys if k not in doc]
        if lacking:
            self.add(path, label, "the record lacks " + ", ".join(f"“{k}”" for k in lacking) + ".")
        return bool(lacking)

    def cached(self, path: Path, key: str, check: Any) -> None:
        """Run ``check(path)``, or, at start-up, reuse its findings for an unchanged clean file.

        A file is reused only when its size and modification time are those it had when it
        last passed; its chain entries still join the chain check. ``check`` itself never
        uses this: it reads and verifies every file. ``key`` is the file's path relative to
        the data folder, as ``rel`` gives it.
        """
        stat = os.stat(path)
        stamp = [stat.st_size, stat.st_mtime_ns]
        hit = (self.cache or {}).get(key)
        if self.cache is not None and hit and hit.get("stamp") == stamp:
            self.chain += [(seq, prev, digest, key, label) for seq, prev, digest, label in hit["chain"]]
            self.session_ids.update(hit["ids"])
            self.new_cache[key] = hit
            return
        problems, chain, ids = len(self.problems), len(self.chain), set(self.session_ids)
        check(path)
        if len(self.problems) == problems:
            links = [[seq, prev, digest, label] for seq, prev, digest, _file, label in self.chain[chain:]]
            self.new_cache[key] = {"stamp": stamp, "ids": sorted(self.session_ids - ids), "chain": links}
